#include "manifest/text.h"

#include <algorithm>

namespace vtp::manifest {

std::optional<char32_t> NextCodePoint(std::string_view s, size_t* pos) {
  const auto lead = static_cast<unsigned char>(s[*pos]);
  size_t extra = 0;
  char32_t cp = lead;
  char32_t min = 0;
  if (lead < 0x80) {
    ++*pos;
    return cp;
  }
  if ((lead & 0xE0) == 0xC0) {
    extra = 1;
    min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    extra = 2;
    min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    extra = 3;
    min = 0x10000;
  } else {
    return std::nullopt;
  }
  cp = lead & (0x3F >> extra);  // payload bits of the lead byte
  if (*pos + extra >= s.size()) return std::nullopt;
  for (size_t i = 1; i <= extra; ++i) {
    const auto c = static_cast<unsigned char>(s[*pos + i]);
    if ((c & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  *pos += extra + 1;
  return cp;
}

Status CheckLineText(const std::string& what, std::string_view s) {
  size_t pos = 0;
  while (pos < s.size()) {
    const auto cp = NextCodePoint(s, &pos);
    if (!cp) return InvalidArgument(what + " is not valid UTF-8");
    if (*cp < 0x20 || (*cp >= 0x7F && *cp <= 0x9F)) {
      return InvalidArgument(what + " contains a control character");
    }
  }
  return Status::Ok();
}

Status CheckLanguage(const std::string& what, std::string_view tag) {
  const bool ok = !tag.empty() && std::all_of(tag.begin(), tag.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-';
  });
  return ok ? Status::Ok() : InvalidArgument(what + " is not an RFC 5646 language tag");
}

}  // namespace vtp::manifest
