// Reading JSON request bodies the same way on every route: a wrong
// Content-Type is 415, malformed JSON or a body that is not an object 400,
// and the typed getters name the field at fault (400 for a missing or
// mistyped field; range and business checks are the caller's, 422).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "api/http_message.h"

namespace vtp::api {

// The object, or the problem response to send.
std::variant<nlohmann::json, Response> ParseJsonObject(const Request& request);

// A problem+json response at the request's path.
Response Refuse(const Request& request, int status, std::string_view slug, std::string detail);

// Field getters: nullopt when absent (or null); a Response when present with
// the wrong type. `max_len` bounds strings (400 beyond).
using FieldError = Response;
std::variant<std::optional<std::string>, FieldError> StringField(const Request& request, const nlohmann::json& obj,
                                                                  const char* name, size_t max_len);
std::variant<std::optional<int64_t>, FieldError> IntField(const Request& request, const nlohmann::json& obj,
                                                           const char* name);

// Binds `var` to the value of a variant<T, Response> expression, or returns
// the Response from the enclosing handler.
#define API_TAKE_OR_ANSWER(var, expr)                                  \
  auto var##_taken = (expr);                                           \
  if (auto* var##_answer = std::get_if<Response>(&var##_taken)) {      \
    return std::move(*var##_answer);                                   \
  }                                                                    \
  auto& var = std::get<0>(var##_taken)

// A JSON 200/201 answer.
Response JsonAnswer(int status, const nlohmann::json& body);

}  // namespace vtp::api
