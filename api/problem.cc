#include "api/problem.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace vtp::api {

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return 200;
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kAlreadyExists: return 409;
    case ErrorCode::kNotMedia:
    case ErrorCode::kCorruptInput:
    case ErrorCode::kNoDecodableStream:
    case ErrorCode::kUnsupportedCodec:
    case ErrorCode::kLimitExceeded: return 422;
    case ErrorCode::kDeadlineExceeded:
    case ErrorCode::kIo: return 503;
    case ErrorCode::kEncodeFailed:
    case ErrorCode::kWorkerCrashed:
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

std::string ProblemSlugFor(ErrorCode code) {
  std::string slug(ErrorCodeName(code));
  std::replace(slug.begin(), slug.end(), '_', '-');
  return slug;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 422: return "Unprocessable Content";
    case 423: return "Locked";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 460: return "Checksum Mismatch";  // tus 1.0.0 checksum extension
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

Problem MakeProblem(int status, std::string_view slug, std::string detail,
                    std::string instance) {
  Problem p;
  p.type = std::string(kProblemTypeBase) + std::string(slug);
  p.title = std::string(ReasonPhrase(status));
  p.status = status;
  p.detail = std::move(detail);
  p.instance = std::move(instance);
  return p;
}

Problem ProblemFromStatus(const Status& status, std::string instance) {
  return MakeProblem(HttpStatusFor(status.code()), ProblemSlugFor(status.code()),
                     status.message(), std::move(instance));
}

std::string ProblemJson(const Problem& problem) {
  nlohmann::json j = {{"type", problem.type},
                      {"title", problem.title},
                      {"status", problem.status}};
  if (!problem.detail.empty()) j["detail"] = problem.detail;
  if (!problem.instance.empty()) j["instance"] = problem.instance;
  // Replace invalid UTF-8 (a detail may echo request bytes) instead of throwing.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Response ProblemResponse(const Problem& problem) {
  Response r;
  r.status = problem.status;
  r.headers.Set("Content-Type", std::string(kProblemContentType));
  r.body = ProblemJson(problem);
  return r;
}

}  // namespace vtp::api
