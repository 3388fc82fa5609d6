#include "service/api_keys.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vtp::service {
namespace {

std::string CountingBytes() {
  std::string bytes;
  for (int i = 0; i < static_cast<int>(kApiKeyRandomBytes); ++i) bytes.push_back(static_cast<char>(i));
  return bytes;
}

// Computed with Python's hashlib/base64 over bytes 0..37.
constexpr std::string_view kToken = "vtp_000102030405_BgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCU";
constexpr std::string_view kSecretHash = "0979c62cb5d7ad7253863028f233bc7f2ec3d3d3c5d6cd398a1355a96458f466";

TEST(ApiKeysTest, GenerateFromSuppliedRandomBytes) {
  StatusOr<GeneratedApiKey> g = GenerateApiKey(CountingBytes());
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->key.key_id, "000102030405");
  EXPECT_EQ(g->key.secret, "BgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCU");
  EXPECT_EQ(g->token, kToken);
  EXPECT_EQ(g->secret_hash, kSecretHash);
  EXPECT_FALSE(GenerateApiKey(CountingBytes().substr(1)).ok());
  EXPECT_FALSE(GenerateApiKey(CountingBytes() + "x").ok());
}

TEST(ApiKeysTest, ParseRoundTripsGeneratedKeys) {
  StatusOr<ApiKey> k = ParseApiKey(kToken);
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  EXPECT_EQ(k->key_id, "000102030405");
  EXPECT_EQ(FormatApiKey(*k), kToken);
  // Secrets whose base64url text contains '_' and '-' parse too.
  std::string bytes(kApiKeyRandomBytes, '\xff');
  StatusOr<GeneratedApiKey> g = GenerateApiKey(bytes);
  ASSERT_TRUE(g.ok());
  EXPECT_NE(g->key.secret.find('_'), std::string::npos);
  StatusOr<ApiKey> back = ParseApiKey(g->token);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, g->key);
}

TEST(ApiKeysTest, ParseRefusesMalformedTokens) {
  const std::string good(kToken);
  std::vector<std::string> bad = {
      "",
      "vtp_",
      "xtp" + good.substr(3),                        // prefix
      "VTP" + good.substr(3),                        // prefix is case-sensitive
      good.substr(0, 4) + "00010203040G" + good.substr(16),  // id not hex
      good.substr(0, 4) + "00010203040A" + good.substr(16),  // id uppercase
      good.substr(0, 16) + "-" + good.substr(17),    // separator
      good.substr(0, good.size() - 1),               // secret too short
      good + "A",                                    // secret too long
      good.substr(0, good.size() - 1) + "V",         // non-canonical last character
      good.substr(0, good.size() - 1) + "=",         // padding
      good.substr(0, 20) + "+" + good.substr(21),    // standard, not url, alphabet
      "Bearer " + good,
  };
  for (const std::string& token : bad) {
    SCOPED_TRACE(token);
    StatusOr<ApiKey> k = ParseApiKey(token);
    ASSERT_FALSE(k.ok());
    EXPECT_EQ(k.status().code(), ErrorCode::kInvalidArgument);
    // The message never echoes the token (it may be a real secret).
    EXPECT_EQ(k.status().message().find("BgcICQ"), std::string::npos);
  }
}

TEST(ApiKeysTest, SecretMatchesOnlyTheRightSecret) {
  const std::string secret = "BgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCU";
  EXPECT_EQ(HashSecret(secret), kSecretHash);
  EXPECT_TRUE(SecretMatches(kSecretHash, secret));
  EXPECT_FALSE(SecretMatches(kSecretHash, secret.substr(1)));
  EXPECT_FALSE(SecretMatches(kSecretHash, secret + "A"));
  EXPECT_FALSE(SecretMatches(kSecretHash, ""));
  EXPECT_FALSE(SecretMatches("", secret));
  EXPECT_FALSE(SecretMatches(std::string(kSecretHash).substr(0, 63), secret));
}

TEST(ApiKeysTest, RoleNames) {
  EXPECT_EQ(RoleName(Role::kCreator), "creator");
  EXPECT_EQ(RoleName(Role::kAdmin), "admin");
  EXPECT_EQ(*ParseRole("creator"), Role::kCreator);
  EXPECT_EQ(*ParseRole("admin"), Role::kAdmin);
  EXPECT_FALSE(ParseRole("Admin").ok());
  EXPECT_FALSE(ParseRole("root").ok());
  EXPECT_FALSE(ParseRole("").ok());
}

TEST(ApiKeysTest, AuthorizeMatrix) {
  struct Case {
    Role role;
    std::string owner;
    std::string caller;
    ErrorCode expected;
  };
  const std::vector<Case> cases = {
      {Role::kAdmin, "alice", "admin1", ErrorCode::kOk},
      {Role::kAdmin, "alice", "alice", ErrorCode::kOk},
      {Role::kAdmin, "", "admin1", ErrorCode::kOk},
      {Role::kCreator, "alice", "alice", ErrorCode::kOk},
      {Role::kCreator, "alice", "bob", ErrorCode::kNotFound},  // not 403: ids cannot be probed
      {Role::kCreator, "alice", "Alice", ErrorCode::kNotFound},
      {Role::kCreator, "alice", "", ErrorCode::kNotFound},
      {Role::kCreator, "", "", ErrorCode::kNotFound},  // an anonymous caller owns nothing
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(RoleName(c.role)) + " " + c.owner + "/" + c.caller);
    EXPECT_EQ(Authorize(c.role, c.owner, c.caller).code(), c.expected);
  }
}

}  // namespace
}  // namespace vtp::service
