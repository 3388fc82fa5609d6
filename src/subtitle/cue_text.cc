#include "subtitle/cue_text.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "subtitle/text_util.h"

namespace vtp::subtitle::internal {
namespace {

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// ------------------------------------------------------------ ASS overrides

// The three styles WebVTT can express, in the order a reset closes them.
struct StyleState {
  bool italic = false;
  bool bold = false;
  bool underline = false;
  bool drawing = false;
};

void Toggle(bool on, bool* state, char tag, std::string* out) {
  if (on == *state) return;
  *state = on;
  *out += on ? std::string("<") + tag + ">" : std::string("</") + tag + ">";
}

// One override tag such as "i1", "b700", "p0", "fs20", "pos(1,2)".
void ApplyOverrideTag(std::string_view tag, StyleState* st, std::string* out) {
  size_t name_len = 0;
  while (name_len < tag.size() && IsAsciiLetter(tag[name_len])) ++name_len;
  const std::string_view name = tag.substr(0, name_len);
  size_t arg_len = 0;
  while (name_len + arg_len < tag.size() && IsAsciiDigit(tag[name_len + arg_len])) ++arg_len;
  const std::string_view arg = tag.substr(name_len, arg_len);
  // ASS: "\i1" on, "\i0" or a bare "\i" back to the style's default, which
  // we take to be off; "\b" also takes a font weight, nonzero is bold.
  const bool on = !arg.empty() && arg.find_first_not_of('0') != std::string_view::npos;
  if (name == "i") {
    Toggle(on, &st->italic, 'i', out);
  } else if (name == "b") {
    Toggle(on, &st->bold, 'b', out);
  } else if (name == "u") {
    Toggle(on, &st->underline, 'u', out);
  } else if (name == "p") {
    st->drawing = on;  // \p1.. draw vector shapes, not text
  } else if (!name.empty() && name[0] == 'r') {  // \r or \rStyleName: reset
    Toggle(false, &st->italic, 'i', out);
    Toggle(false, &st->bold, 'b', out);
    Toggle(false, &st->underline, 'u', out);
  }
}

void ApplyOverrideBlock(std::string_view block, StyleState* st, std::string* out) {
  size_t pos = block.find('\\');
  while (pos != std::string_view::npos) {
    const size_t next = block.find('\\', pos + 1);
    ApplyOverrideTag(block.substr(pos + 1, next == std::string_view::npos ? next : next - pos - 1),
                     st, out);
    pos = next;
  }
}

// --------------------------------------------------------------- markup

struct Tag {
  bool closing = false;
  std::string name;  // lower-case
  size_t length = 0;  // bytes from '<' to '>' inclusive
};

std::optional<Tag> ReadTag(std::string_view s, size_t at) {
  Tag tag;
  size_t i = at + 1;
  if (i < s.size() && s[i] == '/') {
    tag.closing = true;
    ++i;
  }
  if (i >= s.size() || !IsAsciiLetter(s[i])) return std::nullopt;
  const size_t name_begin = i;
  while (i < s.size() && (IsAsciiLetter(s[i]) || IsAsciiDigit(s[i]))) ++i;
  tag.name = AsciiLower(s.substr(name_begin, i - name_begin));
  while (i < s.size() && s[i] != '>') {
    if (s[i] == '<' || s[i] == '\n') return std::nullopt;
    ++i;
  }
  if (i >= s.size()) return std::nullopt;
  tag.length = i + 1 - at;
  return tag;
}

bool IsKeptTag(const std::string& name) { return name == "i" || name == "b" || name == "u"; }

// Emits balanced <i>/<b>/<u> tags; `open` is the stack of open tag names.
class TagBalancer {
 public:
  void Open(char name, std::string* out) {
    open_.push_back(name);
    *out += std::string("<") + name + ">";
  }

  void Close(char name, std::string* out) {
    const auto it = std::find(open_.rbegin(), open_.rend(), name);
    if (it == open_.rend()) return;  // closes nothing: dropped
    // Misnested ("<i><b></i>"): close through, then reopen the inner ones.
    const std::vector<char> reopen(open_.rbegin(), it);
    for (char c : reopen) *out += std::string("</") + c + ">";
    *out += std::string("</") + name + ">";
    open_.erase(std::next(it).base(), open_.end());
    for (auto r = reopen.rbegin(); r != reopen.rend(); ++r) Open(*r, out);
  }

  void CloseAll(std::string* out) {
    for (auto it = open_.rbegin(); it != open_.rend(); ++it) *out += std::string("</") + *it + ">";
    open_.clear();
  }

 private:
  std::vector<char> open_;
};

// Trims every line and drops blank lines. Leading whitespace goes too: in
// SRT and ASS it is an artefact ("line one\N line two"), not layout.
std::string CollapseLines(std::string_view text) {
  // A lone CR (decoded ASS events can carry them) is a line break too: left
  // in cue text, a reader that normalises line endings would see a blank
  // line, which ends a WebVTT cue.
  std::string unified(text);
  std::replace(unified.begin(), unified.end(), '\r', '\n');
  std::string out;
  for (std::string_view line : SplitLines(unified)) {
    line = TrimLeft(line);
    if (line.empty()) continue;
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

// Whether anything but whitespace remains outside tags.
bool HasVisibleText(std::string_view cue_text) {
  bool in_tag = false;
  for (char c : cue_text) {
    if (c == '<') {
      in_tag = true;
    } else if (c == '>') {
      in_tag = false;
    } else if (!in_tag && !IsSpace(c)) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string ApplyAssOverrides(std::string_view text, OverrideDialect dialect) {
  const bool ass = dialect == OverrideDialect::kAss;
  std::string out;
  StyleState st;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '{') {
      const size_t close = text.find('}', i);
      const bool is_block = close != std::string_view::npos &&
                            (ass || (i + 1 < text.size() && text[i + 1] == '\\'));
      if (is_block) {
        ApplyOverrideBlock(text.substr(i + 1, close - i - 1), &st, &out);
        i = close + 1;
        continue;
      }
    }
    if (ass && c == '\\' && i + 1 < text.size()) {
      const char e = text[i + 1];
      if (e == 'N' || e == 'n' || e == 'h') {
        if (!st.drawing) out += e == 'h' ? ' ' : '\n';
        i += 2;
        continue;
      }
    }
    if (!st.drawing) out += c;
    ++i;
  }
  return out;
}

std::string MarkupToCueText(std::string_view markup) {
  std::string body;
  TagBalancer tags;
  size_t i = 0;
  while (i < markup.size()) {
    const char c = markup[i];
    if (c == '<') {
      if (auto tag = ReadTag(markup, i)) {
        if (IsKeptTag(tag->name)) {
          tag->closing ? tags.Close(tag->name[0], &body) : tags.Open(tag->name[0], &body);
        } else if (tag->name == "br") {
          body += '\n';
        }
        i += tag->length;
        continue;
      }
    }
    switch (c) {
      case '&': body += "&amp;"; break;
      case '<': body += "&lt;"; break;
      case '>': body += "&gt;"; break;
      default: body += c;
    }
    ++i;
  }
  std::string out = CollapseLines(body);
  tags.CloseAll(&out);
  return HasVisibleText(out) ? out : std::string();
}

std::string AssToCueText(std::string_view text, OverrideDialect dialect) {
  return MarkupToCueText(ApplyAssOverrides(text, dialect));
}

}  // namespace vtp::subtitle::internal
