#include "api/json_body.h"

#include "api/problem.h"

namespace vtp::api {

using nlohmann::json;

Response Refuse(const Request& request, int status, std::string_view slug, std::string detail) {
  return ProblemResponse(MakeProblem(status, slug, std::move(detail), request.path));
}

std::variant<json, Response> ParseJsonObject(const Request& request) {
  std::optional<std::string_view> type = request.headers.Get("Content-Type");
  if (type) {
    std::string_view media = type->substr(0, type->find(';'));
    while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
    if (!EqualsIgnoreCase(media, "application/json")) {
      return Refuse(request, 415, "unsupported-media-type", "the body must be application/json");
    }
  }
  if (request.body.empty()) return Refuse(request, 400, "malformed-json", "a JSON object body is required");
  json j = json::parse(request.body, nullptr, false);
  if (j.is_discarded()) return Refuse(request, 400, "malformed-json", "the body is not valid JSON");
  if (!j.is_object()) return Refuse(request, 400, "malformed-json", "the body must be a JSON object");
  return j;
}

std::variant<std::optional<std::string>, FieldError> StringField(const Request& request, const json& obj,
                                                                  const char* name, size_t max_len) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return Refuse(request, 400, "invalid-field", std::string(name) + " must be a string");
  std::string v = it->get<std::string>();
  if (v.size() > max_len) {
    return Refuse(request, 400, "invalid-field",
                   std::string(name) + " is longer than " + std::to_string(max_len) + " bytes");
  }
  return std::optional<std::string>(std::move(v));
}

std::variant<std::optional<int64_t>, FieldError> IntField(const Request& request, const json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return std::optional<int64_t>();
  if (!it->is_number_integer()) return Refuse(request, 400, "invalid-field", std::string(name) + " must be an integer");
  return std::optional<int64_t>(it->get<int64_t>());
}

Response JsonAnswer(int status, const json& body) {
  return Response::Json(status, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace vtp::api
