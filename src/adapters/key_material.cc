#include "adapters/key_material.h"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>

namespace vtp::adapters {
namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";
constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int Base64Value(char c) {
  size_t at = kBase64Alphabet.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
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

std::string KidHex(const cenc::Kid& kid) {
  return HexEncode(std::string_view(reinterpret_cast<const char*>(kid.data()), kid.size()));
}

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
  cenc::Kid out{};
  if (hex.size() != out.size() * 2) return std::nullopt;
  std::optional<std::string> bytes = HexDecode(hex);
  if (!bytes) return std::nullopt;
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

std::string KidUuid(const cenc::Kid& kid) {
  std::string hex = KidHex(kid);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

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
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(kBase64Alphabet[n >> 18 & 63]);
    out.push_back(kBase64Alphabet[n >> 12 & 63]);
    out.push_back(i + 1 < bytes.size() ? kBase64Alphabet[n >> 6 & 63] : '=');
    out.push_back(i + 2 < bytes.size() ? kBase64Alphabet[n & 63] : '=');
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < text.size() - pad; ++i) {
    int v = Base64Value(text[i]);
    if (v < 0) return std::nullopt;  // '=' inside, whitespace, other alphabets
    acc = (acc << 6 | static_cast<uint32_t>(v)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>(acc >> bits & 0xff));
    }
  }
  // Leftover bits must be zero, or two encodings would decode alike.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
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
