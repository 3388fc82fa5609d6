// Turning subtitle text as files carry it into valid WebVTT cue text
// (W3C WebVTT §4.2.2, "cue text"). Internal to src/subtitle; the rules are
// described in parse.h, which is the public contract.
#pragma once

#include <string>
#include <string_view>

namespace vtp::subtitle::internal {

enum class OverrideDialect {
  kAss,  // every {...} is an override block; \N, \n and \h are escapes
  kSrt,  // only {\...} is (players honour "{\an8}" in SRT); no escapes
};

// Applies ASS override blocks and escapes: {\i1}/{\i0}, {\b1}/{\b0},
// {\u1}/{\u0} become <i>,</i>, <b>,</b>, <u>,</u>; {\r} closes them;
// text drawn while {\pN} (N > 0) is active is dropped; every other
// override is removed. An unterminated '{' is literal text. The result is
// HTML-like markup for MarkupToCueText.
std::string ApplyAssOverrides(std::string_view text, OverrideDialect dialect);

// HTML-like subtitle markup (lines joined by '\n') to WebVTT cue text:
//  * <i>, <b>, <u> (any case, attributes ignored) are kept lower-case and
//    balanced: a close tag that matches nothing open is dropped, one that
//    closes through other open tags closes and reopens them, and whatever
//    is still open at the end is closed at the end of the last line;
//  * <br> becomes a line break; every other tag ("<font color=...>",
//    "</font>", "<span>") is removed. A tag is '<', an optional '/', a
//    letter, then anything but '<' or a line break up to '>';
//  * every other '&', '<' and '>' is escaped (&amp; &lt; &gt;), so "-->"
//    can never appear;
//  * leading and trailing whitespace is removed from every line, and blank
//    lines are dropped (a blank line would end the cue).
// Returns "" when nothing visible is left (only tags and whitespace).
std::string MarkupToCueText(std::string_view markup);

// ApplyAssOverrides then MarkupToCueText.
std::string AssToCueText(std::string_view text, OverrideDialect dialect);

}  // namespace vtp::subtitle::internal
