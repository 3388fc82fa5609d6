#include "adapters/key_material.h"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>

#include "domain/drm_systems.h"

namespace vtp::adapters {
namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Status FillRandom(uint8_t* out, size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) {
    return Internal("the CSPRNG (OpenSSL RAND_bytes) failed");
  }
  return Status::Ok();
}

}  // namespace

Status ValidateVideoId(std::string_view video_id) {
  if (video_id.empty() || video_id.size() > ports::kMaxVideoIdBytes) {
    return InvalidArgument("video id must be 1.." + std::to_string(ports::kMaxVideoIdBytes) +
                           " bytes, got " + std::to_string(video_id.size()));
  }
  // Bytes >= 0x80 are allowed (UTF-8); only ASCII whitespace and controls are not.
  bool bad = std::any_of(video_id.begin(), video_id.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
  if (bad) return InvalidArgument("video id holds whitespace or a control character");
  return Status::Ok();
}

Status ValidateLabel(std::string_view label) {
  bool ok = !label.empty() && label.size() <= 32 &&
            std::all_of(label.begin(), label.end(), [](char c) {
              return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
            });
  if (ok) return Status::Ok();
  // Cut before quoting: a label is user data of any length.
  return InvalidArgument("key label '" + std::string(label.substr(0, 40)) +
                         "' must be 1..32 characters of [a-z0-9_-]");
}

Status ValidateKeyRequest(std::string_view video_id, const std::vector<std::string>& labels) {
  RETURN_IF_ERROR(ValidateVideoId(video_id));
  for (size_t i = 0; i < labels.size(); ++i) {
    RETURN_IF_ERROR(ValidateLabel(labels[i]));
    if (std::find(labels.begin(), labels.begin() + static_cast<std::ptrdiff_t>(i), labels[i]) !=
        labels.begin() + static_cast<std::ptrdiff_t>(i)) {
      return InvalidArgument("key label '" + labels[i] + "' asked for twice");
    }
  }
  return Status::Ok();
}

Status ValidateWrappedKey(const ports::WrappedKey& key) {
  RETURN_IF_ERROR(ValidateVideoId(key.video_id));
  RETURN_IF_ERROR(ValidateLabel(key.label));
  if (key.wrapped.empty() || key.wrapped.size() > ports::kMaxWrappedKeyBytes) {
    return InvalidArgument("wrapped key must be 1.." + std::to_string(ports::kMaxWrappedKeyBytes) +
                           " bytes, got " + std::to_string(key.wrapped.size()));
  }
  return Status::Ok();
}

std::string HexEncode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    auto u = static_cast<unsigned char>(c);
    out.push_back(kHexDigits[u >> 4]);
    out.push_back(kHexDigits[u & 0xf]);
  }
  return out;
}

std::string KidHex(const cenc::Kid& kid) { return cenc::Hex16(kid); }

std::optional<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = HexValue(hex[i]);
    int lo = HexValue(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return out;
}

std::optional<cenc::Kid> ParseHex16(std::string_view hex) {
  StatusOr<cenc::Kid> kid = cenc::ParseHex16(hex);
  return kid.ok() ? std::optional<cenc::Kid>(*kid) : std::nullopt;
}

std::string KidUuid(const cenc::Kid& kid) { return drm::UuidString(kid); }

std::optional<cenc::Kid> ParseUuid(std::string_view uuid) {
  if (uuid.size() != 36) return std::nullopt;
  std::string hex;
  for (size_t i = 0; i < uuid.size(); ++i) {
    bool dash_here = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_here != (uuid[i] == '-')) return std::nullopt;
    if (!dash_here) hex.push_back(uuid[i]);
  }
  return ParseHex16(hex);
}

std::string Base64Encode(std::string_view bytes) {
  return drm::Base64Encode(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

std::optional<std::string> Base64Decode(std::string_view text) {
  std::optional<std::vector<uint8_t>> bytes = drm::Base64Decode(text);
  if (!bytes) return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

StatusOr<cenc::Kid> RandomKid() {
  cenc::Kid kid{};
  RETURN_IF_ERROR(FillRandom(kid.data(), kid.size()));
  kid[6] = static_cast<uint8_t>((kid[6] & 0x0f) | 0x40);  // version 4
  kid[8] = static_cast<uint8_t>((kid[8] & 0x3f) | 0x80);  // variant 10xx
  return kid;
}

StatusOr<cenc::Key> RandomKey() {
  cenc::Key key{};
  RETURN_IF_ERROR(FillRandom(key.data(), key.size()));
  return key;
}

}  // namespace vtp::adapters
