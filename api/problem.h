// RFC 9457 problem details: every error the API answers is an
// application/problem+json body {type, title, status, detail, instance}.
//
// Type scheme: "https://vtp.dev/problems/<slug>". The slug is stable and is
// the machine-readable error class clients switch on; the title is the
// HTTP reason phrase and may change. Slugs:
//   * one per vtp::ErrorCode: the code's stable name with '_' → '-'
//     ("invalid-argument", "not-found", "limit-exceeded", ...);
//   * protocol errors found by the HTTP layer itself (the kSlug* below).
//
// vtp::ErrorCode → HTTP status (HttpStatusFor):
//   kOk                 200
//   kInvalidArgument    400  the request itself is wrong
//   kNotFound           404
//   kAlreadyExists      409
//   kNotMedia           422  well-formed upload, unusable content
//   kCorruptInput       422
//   kNoDecodableStream  422
//   kUnsupportedCodec   422
//   kLimitExceeded      422  a media guard (resolution, duration, streams);
//                            oversized bodies are 413 from the server
//   kDeadlineExceeded   503  work ran out of time; retrying may succeed
//   kIo                 503  storage failed or stayed busy (the store's
//                            "database is busy"): a dependency is down
//   kEncodeFailed, kWorkerCrashed, kInternal  500
#pragma once

#include <string>
#include <string_view>

#include "api/http_message.h"
#include "core/status.h"

namespace vtp::api {

inline constexpr std::string_view kProblemTypeBase = "https://vtp.dev/problems/";
inline constexpr std::string_view kProblemContentType = "application/problem+json";

// Slugs of the errors the HTTP layer reports without a vtp::Status.
inline constexpr std::string_view kSlugMalformedRequest = "malformed-request";      // 400
inline constexpr std::string_view kSlugBadQuery = "bad-query";                      // 400
inline constexpr std::string_view kSlugRouteNotFound = "not-found";                 // 404
inline constexpr std::string_view kSlugMethodNotAllowed = "method-not-allowed";     // 405
inline constexpr std::string_view kSlugBodyTooLarge = "payload-too-large";          // 413
inline constexpr std::string_view kSlugRangeNotSatisfiable = "range-not-satisfiable";  // 416
inline constexpr std::string_view kSlugHeaderTooLarge = "header-fields-too-large";  // 431
inline constexpr std::string_view kSlugInternal = "internal";                       // 500

struct Problem {
  std::string type;  // absolute URI, kProblemTypeBase + slug
  std::string title;
  int status = 500;
  std::string detail;    // human-readable, specific to this occurrence
  std::string instance;  // the request path, or empty
};

// The HTTP status for an error class (table above).
int HttpStatusFor(ErrorCode code);
// The stable slug for an error class: "not_found" → "not-found".
std::string ProblemSlugFor(ErrorCode code);
// The standard reason phrase ("Not Found"); "Error" for unknown codes.
std::string_view ReasonPhrase(int status);

// A problem with type kProblemTypeBase + slug and the status's reason phrase.
Problem MakeProblem(int status, std::string_view slug, std::string detail,
                    std::string instance = {});
// The problem for a non-OK Status (detail is its message).
Problem ProblemFromStatus(const Status& status, std::string instance = {});

// {"type","title","status","detail","instance"}; empty detail/instance omitted.
std::string ProblemJson(const Problem& problem);
// The response carrying `problem` as application/problem+json.
Response ProblemResponse(const Problem& problem);

}  // namespace vtp::api
