#include "service/tus_headers.h"

#include <limits>

#include "service/encoding.h"

namespace vtp::service {
namespace {

TusError BadRequest(std::string message) { return TusError{400, std::move(message), {}}; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

// Printable ASCII other than space and comma (the pair and list separators).
bool ValidMetadataKey(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    if (c <= ' ' || c > '~' || c == ',') return false;
  }
  return true;
}

}  // namespace

std::optional<TusError> CheckTusResumable(const std::optional<std::string>& value) {
  if (value && *value == kTusVersion) return std::nullopt;
  // The client's value is not echoed: messages reach logs and bodies as is.
  return TusError{412, value ? "unsupported Tus-Resumable version (this server speaks 1.0.0)"
                             : "missing Tus-Resumable header",
                  {{"Tus-Version", std::string(kTusVersion)}}};
}

TusOr<uint64_t> ParseTusInteger(std::string_view header_name, std::string_view value) {
  const std::string name(header_name);
  if (value.empty()) return BadRequest(name + " is empty");
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  uint64_t n = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return BadRequest(name + " is not a non-negative integer");
    const auto digit = static_cast<uint64_t>(c - '0');
    if (n > (kMax - digit) / 10) return BadRequest(name + " is out of range");
    n = n * 10 + digit;
  }
  return n;
}

TusOr<uint64_t> ParseUploadLength(const std::optional<std::string>& value, uint64_t max_size) {
  if (!value) return BadRequest("missing Upload-Length header");
  TusOr<uint64_t> n = ParseTusInteger("Upload-Length", *value);
  if (!n.ok()) return n;
  if (*n > max_size) {
    return TusError{413, "Upload-Length " + std::to_string(*n) + " exceeds the maximum of " +
                             std::to_string(max_size), {}};
  }
  return n;
}

TusOr<uint64_t> CheckUploadOffset(const std::optional<std::string>& value, uint64_t server_offset) {
  if (!value) return BadRequest("missing Upload-Offset header");
  TusOr<uint64_t> n = ParseTusInteger("Upload-Offset", *value);
  if (!n.ok()) return n;
  if (*n != server_offset) {
    return TusError{409, "Upload-Offset " + std::to_string(*n) + " does not match the upload's offset " +
                             std::to_string(server_offset), {}};
  }
  return n;
}

std::optional<TusError> CheckOffsetContentType(const std::optional<std::string>& value) {
  if (value) {
    std::string_view media = *value;
    media = Trim(media.substr(0, media.find(';')));
    if (EqualsIgnoreCase(media, kTusOffsetContentType)) return std::nullopt;
  }
  return TusError{415, "PATCH requires Content-Type: application/offset+octet-stream", {}};
}

std::optional<std::string> UploadMetadata::filename() const {
  auto it = entries.find("filename");
  return it == entries.end() ? std::nullopt : std::optional<std::string>(it->second);
}

std::optional<std::string> UploadMetadata::filetype() const {
  auto it = entries.find("filetype");
  return it == entries.end() ? std::nullopt : std::optional<std::string>(it->second);
}

TusOr<UploadMetadata> ParseUploadMetadata(std::string_view value) {
  UploadMetadata md;
  if (Trim(value).empty()) return md;
  while (true) {
    const size_t comma = value.find(',');
    std::string_view pair = Trim(value.substr(0, comma));
    const size_t space = pair.find(' ');
    std::string_view key = pair.substr(0, space);
    std::string_view encoded = space == std::string_view::npos ? std::string_view() : pair.substr(space + 1);
    if (!ValidMetadataKey(key)) return BadRequest("Upload-Metadata: a key is empty or not printable ASCII");
    StatusOr<std::string> decoded = Base64Decode(encoded);
    if (!decoded.ok()) {
      return BadRequest("Upload-Metadata: value of '" + std::string(key) + "': " + decoded.status().message());
    }
    if (!md.entries.emplace(std::string(key), std::move(decoded).value()).second) {
      return BadRequest("Upload-Metadata: duplicate key '" + std::string(key) + "'");
    }
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return md;
}

std::string FormatUploadMetadata(const UploadMetadata& metadata) {
  std::string out;
  for (const auto& [key, value] : metadata.entries) {
    if (!out.empty()) out += ',';
    out += key;
    if (!value.empty()) out += ' ' + Base64Encode(value);
  }
  return out;
}

TusOr<UploadChecksum> ParseUploadChecksum(std::string_view value) {
  const size_t space = value.find(' ');
  if (space == std::string_view::npos) return BadRequest("Upload-Checksum must be '<algorithm> <base64>'");
  const std::string_view name = value.substr(0, space);
  const std::optional<DigestAlgorithm> algorithm = DigestAlgorithmFromName(name);
  if (!algorithm) return BadRequest("Upload-Checksum: unsupported algorithm (" + TusChecksumAlgorithms() + ")");
  StatusOr<std::string> digest = Base64Decode(value.substr(space + 1));
  if (!digest.ok()) return BadRequest("Upload-Checksum: " + digest.status().message());
  if (digest->size() != DigestSize(*algorithm)) {
    return BadRequest("Upload-Checksum: a " + std::string(DigestAlgorithmName(*algorithm)) + " digest is " +
                      std::to_string(DigestSize(*algorithm)) + " bytes, got " + std::to_string(digest->size()));
  }
  return UploadChecksum{*algorithm, std::move(digest).value()};
}

std::string TusChecksumAlgorithms() {
  std::string out;
  for (DigestAlgorithm a : {DigestAlgorithm::kSha1, DigestAlgorithm::kSha256, DigestAlgorithm::kMd5}) {
    if (!out.empty()) out += ',';
    out += DigestAlgorithmName(a);
  }
  return out;
}

}  // namespace vtp::service
