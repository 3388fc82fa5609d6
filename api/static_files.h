// Serves a directory tree (HLS/DASH outputs, thumbnails, subtitles) so that
// browser players can use vtp directly: MIME types, single byte ranges
// (RFC 9110 §14), HEAD, ETag/If-None-Match, Cache-Control and CORS.
//
// Path guard: a request path is refused with 404 — never 403, so nothing is
// learnt about the tree — when it holds NUL, a backslash, an encoded slash,
// backslash or NUL (%2F, %5C, %00), a bad escape, a "." or ".." segment
// (encoded or not), or when the file it names, after resolving symlinks,
// lies outside the root.
//
// Whole ranges are read into memory per request; fine for segments,
// playlists and images, not meant for multi-gigabyte files.
//
// Thread safety: immutable after Open; Serve may run on many threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "api/http_message.h"
#include "api/router.h"
#include "core/status.h"

namespace vtp::api {

// MIME type by extension (case-insensitive); "application/octet-stream" for
// unknown ones.
std::string_view MimeTypeFor(const std::filesystem::path& path);
// Segments, media files and images never change once published
// ("public, max-age=31536000, immutable"); playlists, manifests and text
// tracks may ("public, max-age=5"); anything else "no-cache".
std::string_view CacheControlFor(const std::filesystem::path& path);

struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive
};
// The outcome of a Range header against a file of `size` bytes.
struct RangeRequest {
  enum class Kind { kWhole, kPartial, kUnsatisfiable } kind = Kind::kWhole;
  ByteRange range;  // for kPartial
};
// A single "bytes=first-last", "bytes=first-" or "bytes=-suffix" range.
// Malformed headers and multi-range requests are kWhole (the header is
// ignored, RFC 9110 §14.2); a well-formed range beyond the end is
// kUnsatisfiable.
RangeRequest ParseRange(std::string_view header, uint64_t size);

// The file under `root` (already canonical) that `raw_path` (percent-encoded,
// relative) names, or NotFound (see the guard above).
StatusOr<std::filesystem::path> ResolveUnderRoot(const std::filesystem::path& root,
                                                 std::string_view raw_path);

class StaticFiles {
 public:
  // NotFound when `root` is not an existing directory.
  static StatusOr<StaticFiles> Open(const std::filesystem::path& root);

  // Answers GET or HEAD for `raw_path` (relative, still percent-encoded):
  // 200, 206, 304, 404, 416 or 500.
  Response Serve(const Request& request, std::string_view raw_path) const;
  // A handler for a route "/prefix/{param...}".
  Handler AsHandler(std::string param) const;

  const std::filesystem::path& root() const { return root_; }

 private:
  explicit StaticFiles(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path root_;  // canonical
};

}  // namespace vtp::api
