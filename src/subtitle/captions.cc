#include "subtitle/captions.h"

#include <algorithm>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "subtitle/text_util.h"

namespace vtp::subtitle {
namespace {

using internal::CodePointCount;
using internal::IsSpace;

struct Word {
  std::string text;  // unescaped, one space between former whitespace runs
  size_t chars = 0;  // code points
  int64_t start_ms = 0;
  int64_t end_ms = 0;
};

CaptionStyle Clamped(CaptionStyle s) {
  s.max_line_chars = std::max(s.max_line_chars, 1);
  s.max_lines = std::max(s.max_lines, 1);
  s.min_cue_ms = std::max<int64_t>(s.min_cue_ms, 0);
  s.max_cue_ms = std::max({s.max_cue_ms, s.min_cue_ms, int64_t{1}});
  return s;
}

std::string CollapseWhitespace(std::string_view s) {
  std::string out;
  for (char c : internal::Trim(s)) {
    if (!IsSpace(c)) {
      out += c;
    } else if (out.back() != ' ') {
      out += ' ';
    }
  }
  return out;
}

std::vector<Word> CleanWords(const std::vector<TimedWord>& in) {
  std::vector<Word> words;
  for (const TimedWord& w : in) {
    std::string text = CollapseWhitespace(w.text);
    if (text.empty()) continue;
    const size_t chars = CodePointCount(text);
    words.push_back({std::move(text), chars, w.start_ms, std::max(w.end_ms, w.start_ms)});
  }
  std::stable_sort(words.begin(), words.end(),
                   [](const Word& a, const Word& b) { return a.start_ms < b.start_ms; });
  return words;
}

// Greedy line filling, which gives the fewest lines; fed one word at a time
// so a cue can ask whether the next word still fits.
class LineCounter {
 public:
  explicit LineCounter(size_t width) : width_(width) {}
  // Lines needed once a word of `chars` code points is appended.
  int LinesWith(size_t chars) const {
    if (lines_ == 0) return 1;
    return current_ + 1 + chars <= width_ ? lines_ : lines_ + 1;
  }
  int lines() const { return lines_; }
  void Add(size_t chars) {
    const int needed = LinesWith(chars);
    current_ = needed == lines_ ? current_ + 1 + chars : chars;
    lines_ = needed;
  }

 private:
  size_t width_;
  int lines_ = 0;
  size_t current_ = 0;
};

// Splits the words into groups, one per cue (see ShapeCaptions).
std::vector<std::vector<Word>> GroupWords(std::vector<Word> words, const CaptionStyle& style) {
  std::vector<std::vector<Word>> groups;
  const auto width = static_cast<size_t>(style.max_line_chars);
  LineCounter lines(width);
  for (Word& w : words) {
    if (!groups.empty()) {
      const std::vector<Word>& cue = groups.back();
      const bool fits = w.start_ms - cue.back().end_ms < style.pause_ms &&
                        w.end_ms - cue.front().start_ms <= style.max_cue_ms &&
                        lines.LinesWith(w.chars) <= style.max_lines;
      if (fits) {
        lines.Add(w.chars);
        groups.back().push_back(std::move(w));
        continue;
      }
    }
    lines = LineCounter(width);
    lines.Add(w.chars);
    groups.push_back({std::move(w)});
  }
  return groups;
}

// Balanced breaking of one cue's words into a given number of lines.
class LineBreaker {
 public:
  LineBreaker(const std::vector<Word>& words, size_t width) : words_(words), width_(width) {
    prefix_.push_back(0);
    for (const Word& w : words) prefix_.push_back(prefix_.back() + w.chars);
  }

  // The index of the first word of every line after the first.
  // Precondition: the words fit in line_count lines (>= 1).
  std::vector<size_t> Breaks(int line_count) {
    stride_ = static_cast<size_t>(line_count) + 1;
    memo_.assign((words_.size() + 1) * stride_, kUnknown);
    std::vector<size_t> breaks;
    size_t i = 0;
    for (int left = line_count; left > 1; --left) {
      const size_t target = Best(i, left);
      size_t j = i + 1;  // the earliest break that achieves the optimum
      while (!(Allowed(i, j) && std::max(Length(i, j), Best(j, left - 1)) == target)) ++j;
      breaks.push_back(j);
      i = j;
    }
    return breaks;
  }

 private:
  static constexpr size_t kUnknown = std::numeric_limits<size_t>::max();
  static constexpr size_t kImpossible = kUnknown - 1;

  // Code points of words [i, j) on one line.
  size_t Length(size_t i, size_t j) const { return prefix_[j] - prefix_[i] + (j - i - 1); }
  bool Allowed(size_t i, size_t j) const { return j - i == 1 || Length(i, j) <= width_; }

  // The smallest possible longest line for words [i, n) in exactly `lines`
  // lines, or kImpossible.
  size_t Best(size_t i, int lines) {
    size_t& memo = memo_[i * stride_ + static_cast<size_t>(lines)];
    if (memo != kUnknown) return memo;
    const size_t n = words_.size();
    size_t best = kImpossible;
    if (lines == 1) {
      if (i < n && Allowed(i, n)) best = Length(i, n);
    } else {
      for (size_t j = i + 1; j < n && Allowed(i, j); ++j) {
        const size_t rest = Best(j, lines - 1);
        if (rest != kImpossible) best = std::min(best, std::max(Length(i, j), rest));
      }
    }
    memo = best;
    return best;
  }

  const std::vector<Word>& words_;
  size_t width_;
  std::vector<size_t> prefix_;
  size_t stride_ = 0;
  std::vector<size_t> memo_;
};

std::string CueText(const std::vector<Word>& words, size_t width) {
  LineCounter counter(width);
  for (const Word& w : words) counter.Add(w.chars);
  std::vector<size_t> breaks;
  if (counter.lines() > 1) breaks = LineBreaker(words, width).Breaks(counter.lines());
  std::string text;
  size_t next_break = 0;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) {
      const bool is_break = next_break < breaks.size() && breaks[next_break] == i;
      text += is_break ? '\n' : ' ';
      if (is_break) ++next_break;
    }
    text += internal::EscapeCueText(words[i].text);
  }
  return text;
}

int64_t LatestEnd(const std::vector<Word>& words) {
  int64_t end = words.front().end_ms;
  for (const Word& w : words) end = std::max(end, w.end_ms);
  return end;
}

}  // namespace

std::vector<Cue> ShapeCaptions(const std::vector<TimedWord>& words, const CaptionStyle& style_in) {
  const CaptionStyle style = Clamped(style_in);
  const std::vector<std::vector<Word>> groups = GroupWords(CleanWords(words), style);
  std::vector<Cue> cues;
  cues.reserve(groups.size());
  int64_t previous_end = std::numeric_limits<int64_t>::min();
  for (size_t k = 0; k < groups.size(); ++k) {
    Cue cue;
    cue.text = CueText(groups[k], static_cast<size_t>(style.max_line_chars));
    cue.start_ms = std::max(groups[k].front().start_ms, previous_end);
    int64_t end = std::min(LatestEnd(groups[k]), cue.start_ms + style.max_cue_ms);
    end = std::max(end, cue.start_ms + style.min_cue_ms);
    if (k + 1 < groups.size()) end = std::min(end, groups[k + 1].front().start_ms);
    cue.end_ms = std::max(end, cue.start_ms + 1);
    previous_end = cue.end_ms;
    cues.push_back(std::move(cue));
  }
  return cues;
}

}  // namespace vtp::subtitle
