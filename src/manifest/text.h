// Text checks shared by the manifest writers: both HLS (RFC 8216 4.1) and
// DASH (XML 1.0) carry UTF-8, and both name languages with RFC 5646 tags.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vtp::manifest {

// Decodes the code point at s[*pos] and advances past it; nullopt for
// malformed UTF-8 (bad continuation, overlong form, surrogate, > U+10FFFF).
// Precondition: *pos < s.size().
std::optional<char32_t> NextCodePoint(std::string_view s, size_t* pos);

// OK when `s` is valid UTF-8 without control characters (U+0000-U+001F,
// U+007F-U+009F; TAB, CR and LF included): text that fits on one line of a
// playlist, or in a human-readable manifest field. Else kInvalidArgument
// naming `what` ("... is not valid UTF-8", "... contains a control
// character"). The empty string is OK.
Status CheckLineText(const std::string& what, std::string_view s);

// OK when `tag` is a non-empty run of ASCII letters, digits and '-'; else
// kInvalidArgument naming `what`.
Status CheckLanguage(const std::string& what, std::string_view tag);

}  // namespace vtp::manifest
