// Internal to src/adapters: one line of an HTTP response header as libcurl
// hands it to a CURLOPT_HEADERFUNCTION callback, for the adapters that talk
// HTTP through libcurl (CurlHttpClient, the S3 client). Pure.
#pragma once

#include <cstdlib>
#include <string>
#include <string_view>

namespace vtp::adapters {

// `s` without leading and trailing spaces, tabs, CR and LF.
inline std::string_view TrimHeaderText(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

struct HeaderLine {
  // kStatus: "HTTP/1.1 200 OK", which starts each response (an interim 1xx,
  // then the final one): earlier fields belong to another response.
  // kField: "Name: value". kOther: the blank line ending the header.
  enum class Kind { kStatus, kField, kOther };
  Kind kind = Kind::kOther;
  int status = 0;     // kStatus
  std::string name;   // kField, as sent (trimmed)
  std::string value;  // kField, trimmed
};

inline HeaderLine ParseHeaderLine(std::string_view line) {
  HeaderLine h;
  if (line.starts_with("HTTP/")) {
    h.kind = HeaderLine::Kind::kStatus;
    const size_t sp = line.find(' ');
    if (sp != std::string_view::npos) h.status = std::atoi(std::string(line.substr(sp + 1, 3)).c_str());
    return h;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return h;
  h.kind = HeaderLine::Kind::kField;
  h.name = std::string(TrimHeaderText(line.substr(0, colon)));
  h.value = std::string(TrimHeaderText(line.substr(colon + 1)));
  return h;
}

}  // namespace vtp::adapters
