// Small text helpers shared by the subtitle parsers, writers and caption
// shaper. Internal to src/subtitle (namespace internal); not a public API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vtp::subtitle::internal {

// Decodes the UTF-8 sequence at s[*pos] and advances *pos past it. Strict
// (RFC 3629): overlong forms, surrogates and values above U+10FFFF are
// rejected. On failure returns nullopt and leaves *pos unchanged.
std::optional<char32_t> NextCodePoint(std::string_view s, size_t* pos);

// Appends the UTF-8 encoding of cp (a Unicode scalar value) to out.
void AppendUtf8(char32_t cp, std::string* out);

// Number of code points in valid UTF-8 text (each invalid byte counts one).
size_t CodePointCount(std::string_view s);

// Space, tab, CR, LF, form feed or vertical tab.
bool IsSpace(char c);
std::string_view TrimRight(std::string_view s);
std::string_view TrimLeft(std::string_view s);
std::string_view Trim(std::string_view s);
bool IsAllDigits(std::string_view s);  // non-empty and only 0-9
std::string AsciiLower(std::string_view s);
bool StartsWithNoCase(std::string_view s, std::string_view prefix);

// Splits text at '\n' into lines with trailing whitespace (a stray '\r'
// included) removed. "a\nb\n" gives {"a", "b", ""}; "" gives {""}.
std::vector<std::string_view> SplitLines(std::string_view text);

// kInvalidArgument "line N: what" (N is 1-based).
Status LineError(int line, std::string_view what);

// Escapes '&', '<' and '>' as WebVTT character references.
std::string EscapeCueText(std::string_view s);

}  // namespace vtp::subtitle::internal
