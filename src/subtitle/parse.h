// Reading subtitle files: SRT (SubRip), WebVTT and ASS/SSA text in, Cues
// out. Pure: the caller reads the file; nothing here touches I/O or a clock.
//
// Every error is kInvalidArgument with a message that starts "line N: "
// (N is the 1-based line of the decoded text, CRLF counting as one line
// break) and names the problem, except DetectSubtitleFormat's. Hostile
// files are bounded: at most kMaxCues cues, kMaxCueTextBytes of source text
// per cue, and no time past 24 hours.
//
// Cue text is valid WebVTT cue text (W3C WebVTT §4.2.2) whatever the source:
//  * <i>, <b>, <u> are kept (lower-cased, balanced; tags left open are
//    closed at the end of the cue); <br> is a line break; every other tag
//    (<font color=...>, <span>, ...) is removed;
//  * every other '&', '<' and '>' is escaped as &amp; &lt; &gt;, so "-->"
//    never appears in cue text;
//  * leading and trailing whitespace is trimmed from each line and blank
//    lines are removed (a blank line would end a WebVTT cue).
// WebVTT input is already cue text and is kept as written (tags, entities,
// class and voice spans, leading whitespace) apart from trailing whitespace.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "subtitle/cue.h"

namespace vtp::subtitle {

inline constexpr int kMaxCues = 20'000;
inline constexpr size_t kMaxCueTextBytes = 4096;

enum class SubtitleFormat { kSrt, kWebVtt, kAss };

// Decides the format from the content first: a "WEBVTT" first line is
// WebVTT; a first non-blank line "[Script Info]", "[V4+ Styles]",
// "[V4 Styles]" or "[Events]" is ASS/SSA; a first block that starts with a
// "-->" line, or with a number line followed by one, is SRT; any line
// starting "Dialogue:" is ASS. Otherwise the extension of filename decides
// (.srt; .vtt or .webvtt; .ass or .ssa; any case). UTF-16 content with a
// BOM is looked at decoded. Neither → kInvalidArgument "unrecognised
// subtitle format (expected SRT, WebVTT or ASS/SSA)".
StatusOr<SubtitleFormat> DetectSubtitleFormat(std::string_view bytes, std::string_view filename);

// File bytes to UTF-8 text with LF line breaks:
//  * UTF-8, with or without a BOM (the BOM is removed);
//  * UTF-16 LE or BE when it starts with its BOM (converted to UTF-8);
//  * CRLF and lone CR become LF.
// Errors: a byte sequence that is not UTF-8 (Latin-1, say) →
// "line N: not valid UTF-8 (save the file as UTF-8)" for the line of the
// first bad byte; broken UTF-16 (odd length, unpaired surrogate) →
// "line N: not valid UTF-16 (save the file as UTF-8)"; a NUL character →
// "line N: NUL byte (this is not a text file; save it as UTF-8 text)".
StatusOr<std::string> DecodeSubtitleText(std::string_view bytes);

// The three parsers take file text (they apply DecodeSubtitleText first,
// so raw bytes are fine too) and return cues in file order, not yet
// Normalize()d. Every parser rejects: a malformed timestamp (quoted in the
// message), a cue ending before or when it starts, a time beyond 24 hours,
// more than kMaxCues cues, a cue whose source text exceeds kMaxCueTextBytes,
// and a file without cues ("line 1: no cues found"). A cue whose text is
// nothing but tags or whitespace is dropped silently.

// SubRip. Tolerates: missing or odd cue numbers (any line right before a
// timing line is taken as the number), ',' or '.' before the
// milliseconds, 1-3 hour digits, extra blank lines (a non-numeric line
// after a blank line continues the previous cue's text), a missing blank
// line before the next number/timing line, trailing whitespace, no final
// line break, trailing "X1:.. Y1:.." coordinates. ASS override blocks
// that start "{\" ("{\an8}", "{\i1}") are applied as for ASS. Errors: a
// block with no "-->" line (line N is the line that should have held it),
// a timing line followed by no text ("cue has no text").
StatusOr<std::vector<Cue>> ParseSrt(std::string_view text);

// WebVTT (W3C WebVTT §4.1). The first line must be "WEBVTT", alone or
// followed by a space or tab and anything; the header block after it is
// ignored. NOTE, STYLE and REGION blocks are skipped. Cue identifiers and
// settings (whitespace runs collapsed to one space) are kept; hours are
// optional. Errors as above, plus a missing header ("line 1: missing
// WEBVTT header"), a block with no "-->" line, and a cue with no text.
StatusOr<std::vector<Cue>> ParseWebVtt(std::string_view text);

// ASS/SSA. Reads the [Events] section: its "Format:" line gives the column
// order (Start, End and Text are required; Text is the last column and may
// contain commas; without a Format line the ASS v4+ default order is
// used). One exception: when the Format line is the standard column list
// with margin columns left out, a Dialogue line that still has all ten
// standard columns, the omitted margins empty or numeric, is read in the
// standard layout (FFmpeg writes such files from Matroska tracks whose
// header lists fewer columns than the events carry). Each "Dialogue:" line
// is a cue; "Comment:" and other lines are ignored, as are Dialogue lines
// whose text is empty once overrides are removed. Text: override blocks
// {...} are removed, {\i1}/{\b1}/{\u1} (and their 0 forms) become
// <i>/<b>/<u>, \N and \n become line breaks, \h a space, and text inside a
// drawing (\p1 .. \p0) is dropped. Errors: no [Events] section, a Format
// line lacking Start/End/Text, a Dialogue line with fewer fields than the
// Format line names.
StatusOr<std::vector<Cue>> ParseAss(std::string_view text);

// DecodeSubtitleText, DetectSubtitleFormat, the matching parser, then
// Normalize. An empty (or whitespace-only) file is "line 1: the file is
// empty (no cues)".
StatusOr<std::vector<Cue>> ParseSubtitles(std::string_view bytes, std::string_view filename);

// Canonical cue list: trailing whitespace trimmed from each text line,
// blank lines removed, cues left without text dropped, stable sort by
// start time, and exact duplicates (same start, end and text; the first is
// kept) removed. Overlapping cues are legal and kept.
std::vector<Cue> Normalize(std::vector<Cue> cues);

// The cue text of one libavcodec text-subtitle event. libavcodec (FFmpeg
// 5.1) delivers every decoded text subtitle (subrip, mov_text, webvtt,
// ass) as "ReadOrder,Layer,Style,Name,MarginL,MarginR,MarginV,Effect,Text",
// the Text field possibly containing commas; the older full
// "Dialogue: Layer,Start,End,Style,...,Text" form is accepted too. The text
// gets ParseAss's treatment. Returns "" if there is no text (the caller
// drops the event), including for a line with too few fields.
std::string AssEventText(std::string_view event);

}  // namespace vtp::subtitle
