// Pure helpers shared by the key-source and key-vault adapters: the checks
// of ports/key_source.h and ports/key_vault.h, text forms of KIDs and keys
// (hex, UUID, base64), and fresh KIDs and keys from OpenSSL's CSPRNG.
// Nothing here logs; no function puts key bytes into a Status message.
//
// Thread safety: free functions over values; RandomKid/RandomKey are safe
// from many threads (RAND_bytes is).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "domain/cenc_types.h"
#include "ports/key_vault.h"

namespace vtp::adapters {

// 1..kMaxVideoIdBytes bytes, none of them whitespace or control.
Status ValidateVideoId(std::string_view video_id);
// 1..32 characters of [a-z0-9_-].
Status ValidateLabel(std::string_view label);
// A KeysFor request: a valid video id, valid labels, none repeated.
Status ValidateKeyRequest(std::string_view video_id, const std::vector<std::string>& labels);
// A row PutKeyIfAbsent accepts: the two checks above plus 1..
// kMaxWrappedKeyBytes wrapped bytes.
Status ValidateWrappedKey(const ports::WrappedKey& key);

// The text forms the key adapters use. KIDs, UUIDs and base64 are the
// domain's (cenc::Hex16, drm::UuidString, drm::Base64Encode/Decode) in the
// adapters' optional-returning shape; only HexEncode/HexDecode of wrapped
// bytes of any length are their own.

// Lowercase hex, 2 digits per byte.
std::string HexEncode(std::string_view bytes);
std::string KidHex(const cenc::Kid& kid);
// An even number of hex digits (either case) into bytes; nullopt otherwise.
std::optional<std::string> HexDecode(std::string_view hex);
// Exactly 32 hex digits into 16 bytes; nullopt otherwise.
std::optional<cenc::Kid> ParseHex16(std::string_view hex);
// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", lowercase (CPIX @kid).
std::string KidUuid(const cenc::Kid& kid);
// The 8-4-4-4-12 form, either case; nullopt for anything else.
std::optional<cenc::Kid> ParseUuid(std::string_view uuid);

// RFC 4648 §4 base64 with padding.
std::string Base64Encode(std::string_view bytes);
// Strict RFC 4648 §4: length a multiple of 4, '=' only as the last one or
// two characters, no whitespace, unused trailing bits zero.
std::optional<std::string> Base64Decode(std::string_view text);

// A random KID with the UUID version 4 / variant 1 bits set (RFC 9562 §5.4),
// and a random 16-byte key. kInternal if the CSPRNG fails.
StatusOr<cenc::Kid> RandomKid();
StatusOr<cenc::Key> RandomKey();

}  // namespace vtp::adapters
