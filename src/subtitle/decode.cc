#include <string>
#include <string_view>
#include <utility>

#include "subtitle/parse.h"
#include "subtitle/text_util.h"

namespace vtp::subtitle {
namespace {

using internal::AppendUtf8;
using internal::LineError;

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::string_view kUtf16LeBom = "\xFF\xFE";
constexpr std::string_view kUtf16BeBom = "\xFE\xFF";

// Appends one code point, turning CR and CRLF into LF. `line` is the 1-based
// line the next character lands on.
class LfWriter {
 public:
  void Put(char32_t cp) {
    if (cp == '\n' && last_was_cr_) {  // the LF of a CRLF: already written
      last_was_cr_ = false;
      return;
    }
    last_was_cr_ = cp == '\r';
    if (cp == '\r' || cp == '\n') {
      out_ += '\n';
      ++line_;
      return;
    }
    AppendUtf8(cp, &out_);
  }
  int line() const { return line_; }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
  int line_ = 1;
  bool last_was_cr_ = false;
};

Status NulError(int line) {
  return LineError(line, "NUL byte (this is not a text file; save it as UTF-8 text)");
}

StatusOr<std::string> DecodeUtf8(std::string_view bytes) {
  LfWriter w;
  size_t pos = 0;
  while (pos < bytes.size()) {
    const auto cp = internal::NextCodePoint(bytes, &pos);
    if (!cp) return LineError(w.line(), "not valid UTF-8 (save the file as UTF-8)");
    if (*cp == 0) return NulError(w.line());
    w.Put(*cp);
  }
  return w.Take();
}

StatusOr<std::string> DecodeUtf16(std::string_view bytes, bool big_endian) {
  LfWriter w;
  auto unit_at = [&](size_t i) {
    const auto hi = static_cast<unsigned char>(bytes[big_endian ? i : i + 1]);
    const auto lo = static_cast<unsigned char>(bytes[big_endian ? i + 1 : i]);
    return static_cast<char32_t>((hi << 8) | lo);
  };
  auto error = [&w] { return LineError(w.line(), "not valid UTF-16 (save the file as UTF-8)"); };
  size_t i = 0;
  while (i < bytes.size()) {
    if (bytes.size() - i < 2) return error();
    char32_t cp = unit_at(i);
    i += 2;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return error();
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (bytes.size() - i < 2) return error();
      const char32_t low = unit_at(i);
      if (low < 0xDC00 || low > 0xDFFF) return error();
      i += 2;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    if (cp == 0) return NulError(w.line());
    w.Put(cp);
  }
  return w.Take();
}

}  // namespace

StatusOr<std::string> DecodeSubtitleText(std::string_view bytes) {
  if (bytes.starts_with(kUtf8Bom)) return DecodeUtf8(bytes.substr(kUtf8Bom.size()));
  if (bytes.starts_with(kUtf16LeBom)) return DecodeUtf16(bytes.substr(2), /*big_endian=*/false);
  if (bytes.starts_with(kUtf16BeBom)) return DecodeUtf16(bytes.substr(2), /*big_endian=*/true);
  return DecodeUtf8(bytes);
}

}  // namespace vtp::subtitle
