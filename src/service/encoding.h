// Byte encodings the service speaks on the wire: lowercase hex, RFC 4648
// base64 (standard alphabet, padded) and base64url (no padding), plus a
// constant-time comparison for secrets.
//
// The decoders are strict on purpose: one canonical text per byte string
// (padding exactly as RFC 4648 section 4 says, unused trailing bits zero, no
// whitespace), so two different header values never decode to the same
// bytes. Pure; thread-safe (free functions).
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace vtp::service {

// Lowercase hex, two digits per byte.
std::string HexEncode(std::string_view bytes);

// RFC 4648 section 4, with '=' padding.
std::string Base64Encode(std::string_view bytes);
// kInvalidArgument unless `text` is canonical padded base64 (length a
// multiple of 4, '=' only at the end, zero unused bits). "" decodes to "".
StatusOr<std::string> Base64Decode(std::string_view text);

// RFC 4648 section 5 without padding (the API key secret alphabet).
std::string Base64UrlEncode(std::string_view bytes);
// kInvalidArgument unless `text` is canonical unpadded base64url.
StatusOr<std::string> Base64UrlDecode(std::string_view text);

// True when a == b. Time depends only on the lengths, never on where the
// first difference is (OpenSSL's CRYPTO_memcmp), so comparing a presented
// secret or signature leaks nothing about how much of it was right.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace vtp::service
