// Header values of the tus 1.0.0 resumable upload protocol
// (https://tus.io/protocols/resumable-upload), parsed and checked as pure
// functions. Each failure carries the HTTP status the protocol prescribes,
// which vtp's ErrorCode set cannot express, hence TusError below; tus.h
// builds the per-request decisions out of these.
//
// Thread-safe: values and free functions only.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "service/digest.h"

namespace vtp::service {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::string_view kTusVersion = "1.0.0";
inline constexpr std::string_view kTusOffsetContentType = "application/offset+octet-stream";
inline constexpr int kStatusChecksumMismatch = 460;  // tus checksum extension

// A refusal: the status to answer, a one-line reason for the body/log, and
// headers the protocol requires on this particular refusal (Tus-Version on
// 412). Tus-Resumable is not included: every reply carries it (tus.h adds).
struct TusError {
  int status = 400;
  std::string message;
  HeaderList headers;
};

// A value or a TusError (StatusOr's shape with an HTTP status).
template <typename T>
class [[nodiscard]] TusOr {
 public:
  TusOr(T value) : v_(std::move(value)) {}       // NOLINT: implicit by design
  TusOr(TusError error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return std::holds_alternative<T>(v_); }
  // Precondition: ok().
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }
  // Precondition: !ok().
  const TusError& error() const { return std::get<TusError>(v_); }

 private:
  std::variant<T, TusError> v_;
};

// The request headers tus reads; absent headers are nullopt. The HTTP layer
// fills this from its (case-insensitive) header map.
struct TusRequestHeaders {
  std::optional<std::string> tus_resumable;
  std::optional<std::string> content_type;
  std::optional<std::string> upload_offset;
  std::optional<std::string> upload_length;
  std::optional<std::string> upload_defer_length;
  std::optional<std::string> upload_metadata;
  std::optional<std::string> upload_checksum;
};

// Tus-Resumable must be exactly "1.0.0"; otherwise (absent included) 412
// with Tus-Version, and the request must not be processed.
std::optional<TusError> CheckTusResumable(const std::optional<std::string>& value);

// A non-negative decimal integer without sign, blanks or leading '+'
// (leading zeros accepted), fitting in int64. 400 otherwise.
TusOr<uint64_t> ParseTusInteger(std::string_view header_name, std::string_view value);

// Upload-Length on creation: absent or malformed -> 400; larger than
// `max_size` -> 413.
TusOr<uint64_t> ParseUploadLength(const std::optional<std::string>& value, uint64_t max_size);

// Upload-Offset on PATCH: absent or malformed -> 400; not equal to the
// server's `server_offset` -> 409.
TusOr<uint64_t> CheckUploadOffset(const std::optional<std::string>& value, uint64_t server_offset);

// PATCH bodies must be application/offset+octet-stream (media type compared
// case-insensitively; parameters after ';' ignored). 415 otherwise.
std::optional<TusError> CheckOffsetContentType(const std::optional<std::string>& value);

// Upload-Metadata: comma-separated "key base64value" pairs. Keys are
// non-empty printable ASCII without spaces or commas and unique; values are
// strict padded base64 and may be empty (then the space may be left out).
// Decoded values are arbitrary bytes supplied by the client: untrusted.
struct UploadMetadata {
  std::map<std::string, std::string> entries;  // key -> decoded value

  // The "filename" / "filetype" entries tus-js-client and Uppy send.
  std::optional<std::string> filename() const;
  std::optional<std::string> filetype() const;
  bool operator==(const UploadMetadata&) const = default;
};
TusOr<UploadMetadata> ParseUploadMetadata(std::string_view value);  // 400 on any error
// The canonical header form (keys sorted, values re-encoded); "" when empty.
std::string FormatUploadMetadata(const UploadMetadata& metadata);

// Upload-Checksum: "<algorithm> <base64 digest>". Unknown algorithm, bad
// base64 or a digest of the wrong length -> 400.
struct UploadChecksum {
  DigestAlgorithm algorithm = DigestAlgorithm::kSha1;
  std::string digest;  // raw bytes, DigestSize(algorithm) long
  bool operator==(const UploadChecksum&) const = default;
};
TusOr<UploadChecksum> ParseUploadChecksum(std::string_view value);

// The Tus-Checksum-Algorithm list for OPTIONS: "sha1,sha256,md5".
std::string TusChecksumAlgorithms();

}  // namespace vtp::service
