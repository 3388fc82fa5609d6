#include "service/api_keys.h"

#include <algorithm>

#include "service/digest.h"
#include "service/encoding.h"

namespace vtp::service {
namespace {

constexpr size_t kKeyIdChars = kApiKeyIdBytes * 2;
constexpr size_t kSecretChars = (kApiKeySecretBytes * 4 + 2) / 3;  // 43, unpadded

bool IsLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

StatusOr<ApiKey> ParseApiKey(std::string_view token) {
  constexpr size_t kLength = kApiKeyPrefix.size() + kKeyIdChars + 1 + kSecretChars;
  if (token.size() != kLength || token.substr(0, kApiKeyPrefix.size()) != kApiKeyPrefix) {
    return InvalidArgument("API key is not of the form vtp_<id>_<secret>");
  }
  const std::string_view id = token.substr(kApiKeyPrefix.size(), kKeyIdChars);
  if (!IsLowerHex(id)) return InvalidArgument("API key id is not 12 lowercase hex digits");
  if (token[kApiKeyPrefix.size() + kKeyIdChars] != '_') {
    return InvalidArgument("API key is not of the form vtp_<id>_<secret>");
  }
  const std::string_view secret = token.substr(kApiKeyPrefix.size() + kKeyIdChars + 1);
  StatusOr<std::string> raw = Base64UrlDecode(secret);
  if (!raw.ok() || raw->size() != kApiKeySecretBytes) {
    return InvalidArgument("API key secret is not 32 bytes of base64url");
  }
  return ApiKey{std::string(id), std::string(secret)};
}

std::string FormatApiKey(const ApiKey& key) {
  return std::string(kApiKeyPrefix) + key.key_id + "_" + key.secret;
}

StatusOr<GeneratedApiKey> GenerateApiKey(std::string_view random_bytes) {
  if (random_bytes.size() != kApiKeyRandomBytes) {
    return InvalidArgument("GenerateApiKey needs " + std::to_string(kApiKeyRandomBytes) + " random bytes, got " +
                           std::to_string(random_bytes.size()));
  }
  GeneratedApiKey g;
  g.key.key_id = HexEncode(random_bytes.substr(0, kApiKeyIdBytes));
  g.key.secret = Base64UrlEncode(random_bytes.substr(kApiKeyIdBytes));
  g.token = FormatApiKey(g.key);
  g.secret_hash = HashSecret(g.key.secret);
  return g;
}

std::string HashSecret(std::string_view secret) { return Sha256Hex(secret); }

bool SecretMatches(std::string_view stored_hash, std::string_view presented_secret) {
  return ConstantTimeEquals(stored_hash, HashSecret(presented_secret));
}

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kCreator: return "creator";
    case Role::kAdmin: return "admin";
  }
  return "unknown";
}

StatusOr<Role> ParseRole(std::string_view name) {
  for (Role r : {Role::kCreator, Role::kAdmin}) {
    if (RoleName(r) == name) return r;
  }
  return InvalidArgument("unknown role '" + std::string(name) + "' (creator, admin)");
}

Status Authorize(Role role, std::string_view owner_id, std::string_view caller_id) {
  if (role == Role::kAdmin) return Status::Ok();
  if (!caller_id.empty() && owner_id == caller_id) return Status::Ok();
  return NotFound("not found");
}

}  // namespace vtp::service
