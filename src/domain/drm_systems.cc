#include "domain/drm_systems.h"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

namespace vtp::drm {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The dash positions of the 8-4-4-4-12 form.
bool IsDashPosition(size_t i) { return i == 8 || i == 13 || i == 18 || i == 23; }

std::optional<uint8_t> HexValue(char c) {
  if (c >= '0' && c <= '9') return static_cast<uint8_t>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<uint8_t>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<uint8_t>(c - 'A' + 10);
  return std::nullopt;
}

// ---------------------------------------------------------------- Widevine

// WidevinePsshData field numbers and protobuf wire types.
constexpr uint8_t kKeyIdTag = (2 << 3) | 2;             // key_id, length-delimited
constexpr uint8_t kProtectionSchemeTag = (9 << 3) | 0;  // protection_scheme, varint
constexpr uint32_t kFourCcCenc = 0x63656E63;
constexpr uint32_t kFourCcCbcs = 0x63626373;

void AppendVarint(std::vector<uint8_t>* out, uint32_t value) {
  while (value >= 0x80) {
    out->push_back(static_cast<uint8_t>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<uint8_t>(value));
}

// ---------------------------------------------------------------- PlayReady

constexpr char kWrmHeaderNamespace[] = "http://schemas.microsoft.com/DRM/2007/03/PlayReadyHeader";
constexpr uint16_t kRightsManagementHeaderRecord = 1;
constexpr size_t kProHeaderBytes = 4 + 2 + 2 + 2;  // length, count, type, record length
constexpr size_t kMaxProBytes = 15 * 1024;          // PlayReady Header spec §2

// PlayReady reads a KID as a Windows GUID, whose first three fields are
// little-endian integers.
cenc::Kid GuidOrder(const cenc::Kid& kid) {
  cenc::Kid guid = kid;
  std::swap(guid[0], guid[3]);
  std::swap(guid[1], guid[2]);
  std::swap(guid[4], guid[5]);
  std::swap(guid[6], guid[7]);
  return guid;
}

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;
using Checksum = std::array<uint8_t, 8>;

// The key checksum of the PlayReady Header (KID CHECKSUM attribute): the
// first 8 bytes of the GUID-ordered KID encrypted with the content key.
StatusOr<Checksum> KeyChecksum(const cenc::Kid& guid_kid, const cenc::Key& key) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  std::array<uint8_t, 32> block{};  // room for a padding block OpenSSL won't write
  int written = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_ecb(), nullptr, key.data(), nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
      EVP_EncryptUpdate(ctx.get(), block.data(), &written, guid_kid.data(),
                        static_cast<int>(guid_kid.size())) != 1 ||
      written != 16) {
    return Internal("AES-128-ECB for the PlayReady key checksum failed");
  }
  Checksum checksum{};
  std::copy_n(block.begin(), checksum.size(), checksum.begin());
  return checksum;
}

// Decodes the UTF-8 sequence at s[*pos] and advances past it; nullopt for
// malformed input (bad lead or continuation byte, truncation, overlong
// form, surrogate, > U+10FFFF).
std::optional<char32_t> DecodeUtf8(std::string_view s, size_t* pos) {
  const auto lead = static_cast<uint8_t>(s[*pos]);
  size_t extra = 0;
  char32_t cp = 0;
  if (lead < 0x80) {
    cp = lead;
  } else if (lead >= 0xC2 && lead <= 0xDF) {
    extra = 1;
    cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    extra = 2;
    cp = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    extra = 3;
    cp = lead & 0x07;
  } else {
    return std::nullopt;
  }
  if (s.size() - *pos <= extra) return std::nullopt;
  for (size_t i = 1; i <= extra; ++i) {
    const auto byte = static_cast<uint8_t>(s[*pos + i]);
    if ((byte & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (byte & 0x3F);
  }
  static constexpr char32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return std::nullopt;
  }
  *pos += extra + 1;
  return cp;
}

void AppendUtf16Le(std::vector<uint8_t>* out, char32_t cp) {
  auto unit = [out](uint32_t u) {
    out->push_back(static_cast<uint8_t>(u & 0xFF));
    out->push_back(static_cast<uint8_t>(u >> 8));
  };
  if (cp < 0x10000) {
    unit(cp);
  } else {
    const uint32_t v = cp - 0x10000;
    unit(0xD800 + (v >> 10));
    unit(0xDC00 + (v & 0x3FF));
  }
}

// UTF-8 -> UTF-16LE, refusing what an XML 1.0 document cannot hold.
Status AppendXmlUtf16Le(std::vector<uint8_t>* out, std::string_view utf8, const char* what) {
  size_t pos = 0;
  while (pos < utf8.size()) {
    const std::optional<char32_t> cp = DecodeUtf8(utf8, &pos);
    if (!cp) return InvalidArgument(std::string(what) + " is not valid UTF-8");
    if (*cp < 0x20 || *cp == 0xFFFE || *cp == 0xFFFF) {
      return InvalidArgument(std::string(what) + " contains a character XML cannot hold");
    }
    AppendUtf16Le(out, *cp);
  }
  return Status::Ok();
}

std::string EscapeXmlText(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

// The WRMHEADER 4.3.0.0 XML (UTF-8) laid out in drm_systems.h.
std::string WrmHeaderXml(const cenc::Kid& guid_kid, const Checksum& checksum,
                         cenc::Scheme scheme, std::string_view la_url) {
  std::string xml = "<WRMHEADER xmlns=\"";
  xml += kWrmHeaderNamespace;
  xml += "\" version=\"4.3.0.0\"><DATA><PROTECTINFO><KIDS><KID ALGID=\"";
  xml += scheme == cenc::Scheme::kCbcs ? "AESCBC" : "AESCTR";
  xml += "\" CHECKSUM=\"" + Base64Encode(checksum) + "\" VALUE=\"" + Base64Encode(guid_kid);
  xml += "\"></KID></KIDS></PROTECTINFO>";
  if (!la_url.empty()) xml += "<LA_URL>" + EscapeXmlText(la_url) + "</LA_URL>";
  xml += "</DATA></WRMHEADER>";
  return xml;
}

void AppendLe(std::vector<uint8_t>* out, uint32_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<uint8_t>(value >> (8 * i)));
}

}  // namespace

std::string UuidString(const std::array<uint8_t, 16>& uuid) {
  std::string out;
  out.reserve(36);
  for (uint8_t byte : uuid) {
    if (IsDashPosition(out.size())) out.push_back('-');
    out.push_back(kHexDigits[byte >> 4]);
    out.push_back(kHexDigits[byte & 0x0F]);
  }
  return out;
}

StatusOr<std::array<uint8_t, 16>> ParseUuid(std::string_view text) {
  const bool dashed = text.size() == 36;
  if (!dashed && text.size() != 32) {
    return InvalidArgument("UUID \"" + std::string(text) +
                           "\" must be 32 hex digits, optionally dashed 8-4-4-4-12");
  }
  std::array<uint8_t, 16> uuid{};
  size_t digits = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (dashed && IsDashPosition(i)) {
      if (text[i] != '-') {
        return InvalidArgument("UUID \"" + std::string(text) + "\" misplaces a dash");
      }
      continue;
    }
    const std::optional<uint8_t> nibble = HexValue(text[i]);
    if (!nibble) {
      return InvalidArgument("UUID \"" + std::string(text) + "\" has a non-hex character");
    }
    uuid[digits / 2] = static_cast<uint8_t>(uuid[digits / 2] | (*nibble << (digits % 2 ? 0 : 4)));
    ++digits;
  }
  return uuid;
}

std::string Base64Encode(std::span<const uint8_t> bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const size_t n = std::min<size_t>(3, bytes.size() - i);
    uint32_t group = uint32_t{bytes[i]} << 16;
    if (n > 1) group |= uint32_t{bytes[i + 1]} << 8;
    if (n > 2) group |= bytes[i + 2];
    for (size_t k = 0; k < 4; ++k) {
      out.push_back(k <= n ? kBase64Alphabet[(group >> (18 - 6 * k)) & 0x3F] : '=');
    }
  }
  return out;
}

std::optional<std::vector<uint8_t>> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  std::vector<uint8_t> out;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < text.size() - pad; ++i) {
    const size_t v = std::string_view(kBase64Alphabet).find(text[i]);
    if (v == std::string_view::npos) return std::nullopt;  // '=' inside, whitespace, other alphabets
    acc = (acc << 6 | static_cast<uint32_t>(v)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits & 0xff));
    }
  }
  // Leftover bits must be zero, or two encodings would decode alike.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::vector<uint8_t> WidevinePsshData(const std::vector<cenc::Kid>& kids, cenc::Scheme scheme) {
  std::vector<uint8_t> out;
  for (const cenc::Kid& kid : kids) {
    out.push_back(kKeyIdTag);
    out.push_back(static_cast<uint8_t>(kid.size()));
    out.insert(out.end(), kid.begin(), kid.end());
  }
  out.push_back(kProtectionSchemeTag);
  AppendVarint(&out, scheme == cenc::Scheme::kCbcs ? kFourCcCbcs : kFourCcCenc);
  return out;
}

StatusOr<std::vector<uint8_t>> PlayReadyObject(const cenc::Kid& kid, const cenc::Key& key,
                                               cenc::Scheme scheme, std::string_view la_url) {
  const cenc::Kid guid_kid = GuidOrder(kid);
  ASSIGN_OR_RETURN(const Checksum checksum, KeyChecksum(guid_kid, key));
  // Validated on its own first, so the error names the caller's field.
  std::vector<uint8_t> scratch;
  RETURN_IF_ERROR(AppendXmlUtf16Le(&scratch, la_url, "PlayReady LA_URL"));
  std::vector<uint8_t> record;
  RETURN_IF_ERROR(AppendXmlUtf16Le(&record, WrmHeaderXml(guid_kid, checksum, scheme, la_url),
                                   "PlayReady header"));
  const size_t total = kProHeaderBytes + record.size();
  if (total > kMaxProBytes) {
    return InvalidArgument("PlayReady LA_URL makes the PlayReady Object " + std::to_string(total) +
                           " bytes, over the 15 KB limit");
  }
  std::vector<uint8_t> pro;
  pro.reserve(total);
  AppendLe(&pro, static_cast<uint32_t>(total), 4);
  AppendLe(&pro, 1, 2);  // record count
  AppendLe(&pro, kRightsManagementHeaderRecord, 2);
  AppendLe(&pro, static_cast<uint32_t>(record.size()), 2);
  pro.insert(pro.end(), record.begin(), record.end());
  return pro;
}

}  // namespace vtp::drm
