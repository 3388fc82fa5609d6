#include "api/static_files.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <system_error>
#include <vector>

#include "api/problem.h"

namespace vtp::api {
namespace fs = std::filesystem;
namespace {

std::string LowerExtension(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return ext;
}

bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle) {
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (EqualsIgnoreCase(haystack.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

std::optional<uint64_t> ParseNumber(std::string_view text) {
  uint64_t value = 0;
  if (text.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

bool IsInside(const fs::path& root, const fs::path& path) {
  auto [r, p] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  return r == root.end();
}

void AddCommonHeaders(Response& r, const fs::path& file, const std::string& etag) {
  r.headers.Set("ETag", etag);
  r.headers.Set("Cache-Control", std::string(CacheControlFor(file)));
  r.headers.Set("Accept-Ranges", "bytes");
  r.headers.Set("Access-Control-Allow-Origin", "*");
  r.headers.Set("Access-Control-Expose-Headers",
                "Content-Range, Content-Length, Accept-Ranges, ETag");
}

// Strong validator from size and modification time: a republished file
// gets a new one.
std::string EntityTag(uint64_t size, fs::file_time_type mtime) {
  char buf[64];
  const auto ticks = static_cast<unsigned long long>(mtime.time_since_epoch().count());
  const int n = std::snprintf(buf, sizeof buf, "\"%llx-%llx\"",
                              static_cast<unsigned long long>(size), ticks);
  return std::string(buf, static_cast<size_t>(n));
}

// If-None-Match (RFC 9110 §13.1.2) uses the weak comparison.
bool EtagMatches(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header.remove_prefix(comma == std::string_view::npos ? header.size() : comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.substr(0, 2) == "W/") item.remove_prefix(2);
    if (item == "*" || item == etag) return true;
  }
  return false;
}

StatusOr<std::string> ReadSlice(const fs::path& file, uint64_t offset, uint64_t length) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return IoError("cannot open " + file.string());
  std::string out(length, '\0');
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(out.data(), static_cast<std::streamsize>(length));
  if (static_cast<uint64_t>(in.gcount()) != length) return IoError("short read " + file.string());
  return out;
}

}  // namespace

std::string_view MimeTypeFor(const fs::path& path) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".m3u8", "application/vnd.apple.mpegurl"}, {".mpd", "application/dash+xml"},
      {".m4s", "video/iso.segment"},              {".mp4", "video/mp4"},
      {".m4a", "audio/mp4"},                      {".m4v", "video/mp4"},
      {".ts", "video/mp2t"},                      {".aac", "audio/aac"},
      {".vtt", "text/vtt"},                       {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},                    {".png", "image/png"},
      {".webp", "image/webp"},                    {".json", "application/json"},
      {".html", "text/html; charset=utf-8"},      {".txt", "text/plain; charset=utf-8"},
  };
  const std::string ext = LowerExtension(path);
  for (const auto& [e, type] : kTypes) {
    if (e == ext) return type;
  }
  return "application/octet-stream";
}

std::string_view CacheControlFor(const fs::path& path) {
  static const std::string_view kImmutable[] = {".m4s", ".mp4", ".m4a", ".m4v", ".ts",
                                                ".aac", ".jpg", ".jpeg", ".png", ".webp"};
  static const std::string_view kShort[] = {".m3u8", ".mpd", ".vtt"};
  const std::string ext = LowerExtension(path);
  for (auto e : kImmutable) {
    if (e == ext) return "public, max-age=31536000, immutable";
  }
  for (auto e : kShort) {
    if (e == ext) return "public, max-age=5";
  }
  return "no-cache";
}

RangeRequest ParseRange(std::string_view header, uint64_t size) {
  RangeRequest whole;
  constexpr std::string_view kUnit = "bytes=";
  if (header.size() < kUnit.size() || !EqualsIgnoreCase(header.substr(0, kUnit.size()), kUnit)) {
    return whole;
  }
  std::string_view spec = header.substr(kUnit.size());
  const size_t dash = spec.find('-');
  if (spec.find(',') != std::string_view::npos || dash == std::string_view::npos) return whole;
  const std::string_view first_text = spec.substr(0, dash);
  const std::string_view last_text = spec.substr(dash + 1);
  const auto first = ParseNumber(first_text);
  const auto last = ParseNumber(last_text);
  if ((!first_text.empty() && !first) || (!last_text.empty() && !last)) return whole;
  RangeRequest out{RangeRequest::Kind::kPartial, {}};
  if (!first) {  // suffix: the last N bytes
    if (!last) return whole;
    if (*last == 0 || size == 0) return {RangeRequest::Kind::kUnsatisfiable, {}};
    out.range = {size - std::min(*last, size), size - 1};
    return out;
  }
  if (last && *last < *first) return whole;
  if (*first >= size) return {RangeRequest::Kind::kUnsatisfiable, {}};
  out.range = {*first, last ? std::min(*last, size - 1) : size - 1};
  return out;
}

StatusOr<fs::path> ResolveUnderRoot(const fs::path& root, std::string_view raw_path) {
  const Status refused = NotFound("no such file");
  if (raw_path.find('\0') != std::string_view::npos ||
      raw_path.find('\\') != std::string_view::npos || ContainsIgnoreCase(raw_path, "%2f") ||
      ContainsIgnoreCase(raw_path, "%5c") || ContainsIgnoreCase(raw_path, "%00")) {
    return refused;
  }
  auto decoded = PercentDecode(raw_path, false);
  if (!decoded.ok()) return refused;
  fs::path relative;
  std::string_view rest = *decoded;
  while (!rest.empty()) {
    const size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    rest.remove_prefix(slash == std::string_view::npos ? rest.size() : slash + 1);
    if (segment.empty()) continue;
    if (segment == "." || segment == "..") return refused;
    relative /= fs::path(std::string(segment));
  }
  if (relative.empty()) return refused;
  std::error_code ec;
  const fs::path real = fs::canonical(root / relative, ec);
  if (ec || !IsInside(root, real) || !fs::is_regular_file(real, ec)) return refused;
  return real;
}

StatusOr<StaticFiles> StaticFiles::Open(const fs::path& root) {
  std::error_code ec;
  fs::path real = fs::canonical(root, ec);
  if (ec || !fs::is_directory(real, ec)) {
    return NotFound("static root is not a directory: " + root.string());
  }
  return StaticFiles(std::move(real));
}

Response StaticFiles::Serve(const Request& request, std::string_view raw_path) const {
  auto file = ResolveUnderRoot(root_, raw_path);
  if (!file.ok()) return ProblemResponse(ProblemFromStatus(file.status(), request.path));
  std::error_code ec;
  const uint64_t size = fs::file_size(*file, ec);
  const auto mtime = fs::last_write_time(*file, ec);
  if (ec) return ProblemResponse(ProblemFromStatus(IoError(ec.message()), request.path));
  const std::string etag = EntityTag(size, mtime);

  Response r;
  AddCommonHeaders(r, *file, etag);
  if (auto inm = request.headers.Get("If-None-Match"); inm && EtagMatches(*inm, etag)) {
    r.status = 304;
    return r;
  }
  RangeRequest range;
  if (auto header = request.headers.Get("Range")) range = ParseRange(*header, size);
  if (range.kind == RangeRequest::Kind::kUnsatisfiable) {
    Response bad = ProblemResponse(MakeProblem(416, kSlugRangeNotSatisfiable,
                                               "file has " + std::to_string(size) + " bytes",
                                               request.path));
    AddCommonHeaders(bad, *file, etag);
    bad.headers.Set("Content-Range", "bytes */" + std::to_string(size));
    return bad;
  }
  ByteRange slice{0, size == 0 ? 0 : size - 1};
  if (range.kind == RangeRequest::Kind::kPartial) {
    slice = range.range;
    r.status = 206;
    r.headers.Set("Content-Range", "bytes " + std::to_string(slice.first) + "-" +
                                       std::to_string(slice.last) + "/" + std::to_string(size));
  }
  const uint64_t length = size == 0 ? 0 : slice.last - slice.first + 1;
  r.headers.Set("Content-Type", std::string(MimeTypeFor(*file)));
  if (request.method == "HEAD") {
    r.headers.Set("Content-Length", std::to_string(length));
    return r;
  }
  auto body = ReadSlice(*file, slice.first, length);
  if (!body.ok()) return ProblemResponse(ProblemFromStatus(body.status(), request.path));
  r.body = std::move(body).value();
  return r;
}

Handler StaticFiles::AsHandler(std::string param) const {
  return [files = *this, param = std::move(param)](const Request& request) {
    auto it = request.params.find(param);
    return files.Serve(request, it == request.params.end() ? "" : it->second);
  };
}

}  // namespace vtp::api
