// API keys and the ownership rule.
//
// A key is one Bearer token: "vtp_<key_id>_<secret>", where key_id is 12
// lowercase hex digits (6 random bytes; public, the lookup handle shown by
// `vtp keys list`) and secret is 32 random bytes as unpadded base64url (43
// characters; its alphabet includes '_', so the secret is everything after
// the second underscore). The store keeps key_id and HashSecret(secret),
// never the secret.
//
// Why plain SHA-256 and not a password hash (bcrypt, Argon2): slow hashes
// exist to make guessing low-entropy human passwords expensive. A secret of
// 256 random bits cannot be guessed however fast the hash is (2^255 tries
// on average), so a leaked hash table gives nothing away, while a fast hash
// keeps per-request authentication cheap (every API call checks one).
//
// Pure: randomness is a parameter (the caller reads a CSPRNG). Thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vtp::service {

inline constexpr std::string_view kApiKeyPrefix = "vtp_";
inline constexpr size_t kApiKeyIdBytes = 6;       // 12 hex digits
inline constexpr size_t kApiKeySecretBytes = 32;  // 43 base64url characters
inline constexpr size_t kApiKeyRandomBytes = kApiKeyIdBytes + kApiKeySecretBytes;

struct ApiKey {
  std::string key_id;  // 12 lowercase hex digits
  std::string secret;  // 43 base64url characters (the encoded form)
  bool operator==(const ApiKey&) const = default;
};

// kInvalidArgument unless `token` has exactly the shape above (the secret
// must decode to 32 bytes, canonically). Messages never echo the secret.
StatusOr<ApiKey> ParseApiKey(std::string_view token);

// "vtp_<key_id>_<secret>".
std::string FormatApiKey(const ApiKey& key);

struct GeneratedApiKey {
  ApiKey key;
  std::string token;        // show once to the user, never store
  std::string secret_hash;  // HashSecret(key.secret): store this
};
// Builds a key from kApiKeyRandomBytes bytes of CSPRNG output (the first 6
// become the id, the rest the secret). kInvalidArgument on another length.
StatusOr<GeneratedApiKey> GenerateApiKey(std::string_view random_bytes);

// Lowercase hex SHA-256 of the secret's text (see above for why SHA-256).
std::string HashSecret(std::string_view secret);

// True when HashSecret(presented_secret) equals `stored_hash`, compared in
// constant time (the hashes, not the secrets, so the comparison's timing
// says nothing about the stored value's prefix either).
bool SecretMatches(std::string_view stored_hash, std::string_view presented_secret);

enum class Role { kCreator, kAdmin };
// "creator", "admin".
std::string_view RoleName(Role role);
// Inverse of RoleName; kInvalidArgument otherwise.
StatusOr<Role> ParseRole(std::string_view name);

// May `caller_id` (with `role`) see or change a resource owned by
// `owner_id`? Admin: always. Creator: only its own. The refusal is
// kNotFound, exactly what a missing resource answers, so a creator cannot
// tell another creator's id from an id that does not exist.
Status Authorize(Role role, std::string_view owner_id, std::string_view caller_id);

}  // namespace vtp::service
