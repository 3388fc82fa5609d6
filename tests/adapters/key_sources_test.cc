// EnvelopeKeySource over the vault adapters, StaticKeySource and its key
// file parser, and the text helpers of key_material.h.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "adapters/envelope_key_source.h"
#include "adapters/key_material.h"
#include "adapters/memory_store.h"
#include "adapters/sqlite_store.h"
#include "adapters/static_key_source.h"
#include "ports/clock.h"
#include "testutil/fixtures.h"

namespace vtp::adapters {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ports::ContentKey;
using ports::WrappedKey;

constexpr std::string_view kMasterHex =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr std::string_view kOtherMasterHex =
    "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

MasterKey Master(std::string_view hex = kMasterHex) {
  auto key = ParseMasterKey(hex);
  EXPECT_TRUE(key.ok()) << key.status().ToString();
  return key.ok() ? *key : MasterKey(MasterKey::Bytes{});
}

std::string KeyText(const cenc::Key& key) {
  return std::string(reinterpret_cast<const char*>(key.data()), key.size());
}
std::string KeyHex(const cenc::Key& key) { return HexEncode(KeyText(key)); }

// Counts calls and what was asked, then defers to the CSPRNG generator.
class CountingGenerator final : public KeyGenerator {
 public:
  StatusOr<std::vector<ContentKey>> Generate(const std::string& video_id,
                                             const std::vector<std::string>& labels) override {
    ++calls;
    asked.insert(asked.end(), labels.begin(), labels.end());
    if (!fail.ok()) return fail;
    return random_.Generate(video_id, labels);
  }
  std::atomic<int> calls{0};
  std::vector<std::string> asked;
  Status fail;

 private:
  RandomKeyGenerator random_;
};

class EnvelopeKeySourceTest : public ::testing::Test {
 protected:
  std::vector<ContentKey> MustKeys(const std::string& video, const std::vector<std::string>& labels) {
    auto keys = source_.KeysFor(video, labels);
    EXPECT_TRUE(keys.ok()) << keys.status().ToString();
    return keys.ok() ? *keys : std::vector<ContentKey>{};
  }
  WrappedKey MustRow(const std::string& video, const std::string& label) {
    auto row = store_.GetKeyByLabel(video, label);
    EXPECT_TRUE(row.ok()) << row.status().ToString();
    return row.ok() ? *row : WrappedKey{};
  }

  ports::FakeClock clock_;
  InMemoryStore store_{clock_};
  CountingGenerator generator_;
  EnvelopeKeySource source_{store_, Master(), generator_};
};

TEST_F(EnvelopeKeySourceTest, SameKeysOnEveryCallInTheOrderAsked) {
  std::vector<ContentKey> first = MustKeys("v1", {"video", "audio"});
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].label, "video");
  EXPECT_EQ(first[1].label, "audio");
  EXPECT_NE(first[0].kid, first[1].kid);
  EXPECT_NE(first[0].key, first[1].key);
  for (const ContentKey& k : first) {
    EXPECT_EQ(k.kid[6] >> 4, 4) << "UUID version 4";
    EXPECT_EQ(k.kid[8] >> 6, 2) << "UUID variant 1";
  }
  EXPECT_EQ(MustKeys("v1", {"video", "audio"}), first);
  EXPECT_EQ(MustKeys("v1", {"audio"}), std::vector<ContentKey>{first[1]});
  EXPECT_EQ(generator_.calls.load(), 1);
}

TEST_F(EnvelopeKeySourceTest, MissingLabelsAreGeneratedInOneCallAndStoredOnesKept) {
  std::vector<ContentKey> hd = MustKeys("v1", {"hd"});
  std::vector<ContentKey> all = MustKeys("v1", {"sd", "hd", "audio"});
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].label, "sd");
  EXPECT_EQ(all[1], hd[0]);
  EXPECT_EQ(all[2].label, "audio");
  EXPECT_EQ(generator_.calls.load(), 2);
  EXPECT_EQ(generator_.asked, (std::vector<std::string>{"hd", "sd", "audio"}));
  EXPECT_EQ(MustKeys("v1", {"audio", "sd", "hd"}),
            (std::vector<ContentKey>{all[2], all[0], all[1]}));
}

TEST_F(EnvelopeKeySourceTest, DifferentVideosGetDifferentKeys) {
  ContentKey a = MustKeys("v1", {"video"})[0];
  ContentKey b = MustKeys("v2", {"video"})[0];
  EXPECT_NE(a.kid, b.kid);
  EXPECT_NE(a.key, b.key);
}

TEST_F(EnvelopeKeySourceTest, TheVaultHoldsOnlyTheWrappedKey) {
  ContentKey k = MustKeys("v1", {"hd"})[0];
  WrappedKey row = MustRow("v1", "hd");
  EXPECT_EQ(row.kid, k.kid);
  EXPECT_EQ(row.wrapped.size(), 45u);
  EXPECT_NE(row.wrapped, KeyText(k.key));
  EXPECT_EQ(row.wrapped.find(KeyText(k.key)), std::string::npos);
  EXPECT_EQ(row.wrapped.find(KeyHex(k.key)), std::string::npos);
  // Unwrapping under the master key gives the key back.
  auto unwrapped = UnwrapKey(Master(), row);
  ASSERT_TRUE(unwrapped.ok()) << unwrapped.status().ToString();
  EXPECT_EQ(*unwrapped, k.key);
}

TEST_F(EnvelopeKeySourceTest, EveryTamperedByteIsCorruptInputWithoutTheKey) {
  ContentKey k = MustKeys("v1", {"hd"})[0];
  WrappedKey row = MustRow("v1", "hd");
  for (size_t i = 0; i < row.wrapped.size(); ++i) {
    ports::FakeClock clock;
    InMemoryStore vault(clock);
    WrappedKey tampered = row;
    tampered.wrapped[i] = static_cast<char>(tampered.wrapped[i] ^ 0x01);
    ASSERT_TRUE(vault.PutKeyIfAbsent(tampered).ok());
    EnvelopeKeySource source(vault, Master(), generator_);
    auto keys = source.KeysFor("v1", {"hd"});
    ASSERT_FALSE(keys.ok()) << "byte " << i;
    EXPECT_EQ(keys.status().code(), ErrorCode::kCorruptInput) << "byte " << i;
    EXPECT_THAT(keys.status().message(), HasSubstr(KidHex(k.kid)));
    EXPECT_THAT(keys.status().message(), Not(HasSubstr(KeyHex(k.key))));
    EXPECT_EQ(source.Lookup("v1", k.kid).status().code(), ErrorCode::kCorruptInput);
  }
  WrappedKey truncated = row;
  truncated.wrapped.pop_back();
  EXPECT_EQ(UnwrapKey(Master(), truncated).status().code(), ErrorCode::kCorruptInput);
}

TEST_F(EnvelopeKeySourceTest, AnotherMasterKeyCannotUnwrap) {
  ContentKey k = MustKeys("v1", {"hd"})[0];
  EnvelopeKeySource other(store_, Master(kOtherMasterHex), generator_);
  auto keys = other.KeysFor("v1", {"hd"});
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.status().code(), ErrorCode::kCorruptInput);
  EXPECT_THAT(keys.status().message(), HasSubstr("VTP_MASTER_KEY"));
  EXPECT_EQ(other.Lookup("v1", k.kid).status().code(), ErrorCode::kCorruptInput);
  EXPECT_EQ(generator_.calls.load(), 1) << "a stored row is never replaced by a new key";
}

TEST_F(EnvelopeKeySourceTest, ARowMovedToAnotherLabelOrVideoDoesNotUnwrap) {
  MustKeys("v1", {"hd"});
  WrappedKey row = MustRow("v1", "hd");
  std::vector<WrappedKey> moved(3, row);
  moved[0].label = "sd";
  moved[1].video_id = "v2";
  moved[2].kid[0] ^= 0x80;
  for (const WrappedKey& m : moved) {
    ports::FakeClock clock;
    InMemoryStore vault(clock);
    ASSERT_TRUE(vault.PutKeyIfAbsent(m).ok());
    EXPECT_EQ(UnwrapKey(Master(), m).status().code(), ErrorCode::kCorruptInput);
    EnvelopeKeySource source(vault, Master(), generator_);
    EXPECT_EQ(source.KeysFor(m.video_id, {m.label}).status().code(), ErrorCode::kCorruptInput)
        << m.video_id << " " << m.label;
  }
}

TEST_F(EnvelopeKeySourceTest, LookupFindsIssuedKeysOfThatVideoOnly) {
  std::vector<ContentKey> keys = MustKeys("v1", {"audio", "hd"});
  for (const ContentKey& k : keys) {
    auto found = source_.Lookup("v1", k.kid);
    ASSERT_TRUE(found.ok()) << found.status().ToString();
    EXPECT_EQ(*found, k);
  }
  EXPECT_EQ(source_.Lookup("v2", keys[0].kid).status().code(), ErrorCode::kNotFound);
  cenc::Kid unknown = keys[0].kid;
  unknown[15] ^= 1;
  auto missing = source_.Lookup("v1", unknown);
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr(KidHex(unknown)));
  EXPECT_EQ(source_.Lookup("", unknown).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(generator_.calls.load(), 1) << "Lookup never creates a key";
}

TEST_F(EnvelopeKeySourceTest, BadRequestsAreInvalidArgument) {
  EXPECT_EQ(source_.KeysFor("", {"hd"}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(source_.KeysFor("v 1", {"hd"}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(source_.KeysFor("v1", {"HD"}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(source_.KeysFor("v1", {""}).status().code(), ErrorCode::kInvalidArgument);
  auto twice = source_.KeysFor("v1", {"hd", "sd", "hd"});
  EXPECT_EQ(twice.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(twice.status().message(), HasSubstr("'hd'"));
  auto none = source_.KeysFor("v1", {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(generator_.calls.load(), 0);
}

TEST_F(EnvelopeKeySourceTest, AGeneratorFailureStoresNothing) {
  generator_.fail = IoError("key server down");
  auto keys = source_.KeysFor("v1", {"hd"});
  EXPECT_EQ(keys.status().code(), ErrorCode::kIo);
  EXPECT_EQ(store_.GetKeyByLabel("v1", "hd").status().code(), ErrorCode::kNotFound);
  generator_.fail = Status::Ok();
  EXPECT_EQ(MustKeys("v1", {"hd"}).size(), 1u);
}

// Both threads find the label missing and generate a key before either
// stores one (the latch inside Generate), so both reach PutKeyIfAbsent with
// different keys: the loser must adopt the winner's.
class RendezvousGenerator final : public KeyGenerator {
 public:
  StatusOr<std::vector<ContentKey>> Generate(const std::string& video_id,
                                             const std::vector<std::string>& labels) override {
    auto keys = random_.Generate(video_id, labels);
    both_generated_.arrive_and_wait();
    return keys;
  }

 private:
  RandomKeyGenerator random_;
  std::latch both_generated_{2};
};

TEST(EnvelopeKeySourceRaceTest, RacingCallsOverOneVaultAgreeOnTheKey) {
  const std::string path = testutil::FreshDir() + "/vtp.db";
  ports::FakeClock clock;
  auto store = SqliteStore::Open(path, clock);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  RendezvousGenerator generator;
  EnvelopeKeySource source(**store, Master(), generator);
  std::vector<ContentKey> got[2];
  auto run = [&](int i) {
    auto keys = source.KeysFor("v1", {"hd", "audio"});
    EXPECT_TRUE(keys.ok()) << keys.status().ToString();
    if (keys.ok()) got[i] = *keys;
  };
  std::thread other(run, 1);
  run(0);
  other.join();
  ASSERT_EQ(got[0].size(), 2u);
  EXPECT_EQ(got[0], got[1]);
  EXPECT_EQ(got[0][0].kid, (*store)->GetKeyByLabel("v1", "hd")->kid);
}

TEST(EnvelopeKeySourceSqliteTest, KeysSurviveReopeningTheStore) {
  const std::string path = testutil::FreshDir() + "/vtp.db";
  ports::FakeClock clock;
  RandomKeyGenerator generator;
  std::vector<ContentKey> before;
  {
    auto store = SqliteStore::Open(path, clock);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EnvelopeKeySource source(**store, Master(), generator);
    before = *source.KeysFor("v1", {"video", "audio"});
  }
  auto store = SqliteStore::Open(path, clock);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EnvelopeKeySource source(**store, Master(), generator);
  EXPECT_EQ(*source.KeysFor("v1", {"video", "audio"}), before);
  EXPECT_EQ(*source.Lookup("v1", before[1].kid), before[1]);
}

TEST(MasterKeyTest, ParsesSixtyFourHexDigitsOnly) {
  auto key = ParseMasterKey(std::string(kMasterHex) + "\n");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->bytes()[0], 0x00);
  EXPECT_EQ(key->bytes()[31], 0x1f);
  auto upper = ParseMasterKey(" 000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(upper->bytes(), key->bytes());

  const std::string secretish = "5ec2e7" + std::string(kMasterHex.substr(6));
  for (const std::string& bad : {secretish.substr(1), secretish + "0", std::string(""),
                                 "zz" + secretish.substr(2), secretish.substr(0, 32)}) {
    auto parsed = ParseMasterKey(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(), HasSubstr("64 hex digits"));
    EXPECT_THAT(parsed.status().message(), Not(HasSubstr("5ec2e7")));
    EXPECT_THAT(parsed.status().message(), Not(HasSubstr("0a0b0c")));
  }
}

// --- StaticKeySource ---------------------------------------------------

constexpr std::string_view kKeyFile = R"({"keys": [
  {"label": "video", "kid": "00112233445566778899aabbccddeeff", "key": "0123456789ABCDEF0123456789abcdef"},
  {"label": "audio", "kid": "ffeeddccbbaa99887766554433221100", "key": "fedcba9876543210fedcba9876543210"}
]})";

StaticKeySource MustStatic(std::string_view json) {
  auto keys = ParseStaticKeys(json);
  EXPECT_TRUE(keys.ok()) << keys.status().ToString();
  return StaticKeySource(keys.ok() ? *keys : std::vector<ContentKey>{});
}

TEST(StaticKeySourceTest, SameFileKeysForEveryVideoInTheOrderAsked) {
  StaticKeySource source = MustStatic(kKeyFile);
  auto keys = source.KeysFor("v1", {"audio", "video"});
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].label, "audio");
  EXPECT_EQ(KidHex((*keys)[0].kid), "ffeeddccbbaa99887766554433221100");
  EXPECT_EQ(KeyHex((*keys)[1].key), "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(*source.KeysFor("v2", {"audio", "video"}), *keys);

  auto found = source.Lookup("v9", (*keys)[1].kid);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(*found, (*keys)[1]);
  cenc::Kid unknown{};
  EXPECT_EQ(source.Lookup("v1", unknown).status().code(), ErrorCode::kNotFound);
}

TEST(StaticKeySourceTest, ALabelNotInTheFileIsInvalidArgument) {
  StaticKeySource source = MustStatic(kKeyFile);
  auto keys = source.KeysFor("v1", {"video", "hd"});
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(keys.status().message(), "no key for label 'hd' in the key file");
  EXPECT_EQ(source.KeysFor("", {"video"}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(source.KeysFor("v1", {"video", "video"}).status().code(), ErrorCode::kInvalidArgument);
}

TEST(StaticKeySourceTest, ParseErrorsNameTheEntryButNeverTheKey) {
  const std::string kid = R"("kid": "00112233445566778899aabbccddeeff")";
  const std::string kid2 = R"("kid": "ffeeddccbbaa99887766554433221100")";
  const std::string key = R"("key": "0123456789abcdef0123456789abcdef")";
  struct Case {
    std::string json;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"not json", "not valid JSON"},
      {"[]", "JSON object"},
      {R"({"keys": [], "extra": 1})", "unknown field \"extra\""},
      {R"({})", "non-empty array"},
      {R"({"keys": []})", "non-empty array"},
      {R"({"keys": [7]})", "keys[0] must be an object"},
      {R"({"keys": [{"label": "hd", )" + kid + ", " + key + R"(, "iv": "00"}]})", "keys[0]: unknown field \"iv\""},
      {R"({"keys": [{)" + kid + ", " + key + "}]}", "keys[0]: \"label\" must be a string"},
      {R"({"keys": [{"label": "H D", )" + kid + ", " + key + "}]}", "keys[0]: key label 'H D'"},
      {R"({"keys": [{"label": "hd", )" + key + "}]}", "keys[0] ('hd'): missing \"kid\""},
      {R"({"keys": [{"label": "hd", "kid": "0011zz", )" + key + "}]}", "keys[0] ('hd'): \"kid\" must be a string of 32 hex digits (got '0011zz')"},
      {R"({"keys": [{"label": "hd", )" + kid + R"(, "key": "5ec2e7456789abcdef0123456789abcdef"}]})", "keys[0] ('hd'): \"key\" must be a string of 32 hex digits"},
      {R"({"keys": [{"label": "hd", )" + kid + R"(, "key": "5ec2e7"}]})", "keys[0] ('hd'): \"key\" must be"},
      {R"({"keys": [{"label": "hd", )" + kid + R"(, "key": 12}]})", "keys[0] ('hd'): \"key\" must be"},
      {R"({"keys": [{"label": "hd", )" + kid + ", " + key + R"(}, {"label": "hd", )" + kid2 + ", " + key + "}]}", "keys[1] ('hd'): label repeats keys[0]"},
      {R"({"keys": [{"label": "hd", )" + kid + ", " + key + R"(}, {"label": "sd", )" + kid + ", " + key + "}]}", "keys[1] ('sd'): kid 00112233445566778899aabbccddeeff repeats keys[0] ('hd')"},
  };
  for (const Case& c : cases) {
    auto parsed = ParseStaticKeys(c.json);
    ASSERT_FALSE(parsed.ok()) << c.json;
    EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidArgument) << c.json;
    EXPECT_THAT(parsed.status().message(), HasSubstr(c.says)) << c.json;
    EXPECT_THAT(parsed.status().message(), Not(HasSubstr("5ec2e7"))) << c.json;
    EXPECT_THAT(parsed.status().message(), Not(HasSubstr("0123456789abcdef"))) << c.json;
  }
}

TEST(StaticKeySourceTest, LoadReadsTheFileAndNamesItInErrors) {
  const std::string dir = testutil::FreshDir();
  testutil::WriteFileAt(dir + "/keys.json", std::string(kKeyFile));
  auto keys = LoadStaticKeys(dir + "/keys.json");
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(keys->size(), 2u);

  EXPECT_EQ(LoadStaticKeys(dir + "/missing.json").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(LoadStaticKeys(dir).status().code(), ErrorCode::kIo);
  testutil::WriteFileAt(dir + "/bad.json", "{");
  auto bad = LoadStaticKeys(dir + "/bad.json");
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr(dir + "/bad.json"));
}

// --- key_material.h ----------------------------------------------------

TEST(KeyMaterialTest, UuidAndHexForms) {
  auto kid = ParseHex16("00112233445566778899AABBCCDDEEFF");
  ASSERT_TRUE(kid.has_value());
  EXPECT_EQ(KidHex(*kid), "00112233445566778899aabbccddeeff");
  EXPECT_EQ(KidUuid(*kid), "00112233-4455-6677-8899-aabbccddeeff");
  EXPECT_EQ(ParseUuid("00112233-4455-6677-8899-AABBCCDDEEFF"), kid);
  for (std::string_view bad : {"00112233445566778899aabbccddeeff", "00112233-4455-6677-8899aabbccddeeff-",
                               "0011223-34455-6677-8899-aabbccddeeff", "00112233-4455-6677-8899-aabbccddeefg"}) {
    EXPECT_FALSE(ParseUuid(bad).has_value()) << bad;
  }
  EXPECT_FALSE(ParseHex16("00112233").has_value());
  EXPECT_FALSE(HexDecode("abc").has_value());
}

TEST(KeyMaterialTest, Base64IsStrict) {
  for (std::string_view text : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    std::string encoded = Base64Encode(text);
    EXPECT_EQ(Base64Decode(encoded), std::string(text)) << encoded;
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  for (std::string_view bad : {"Zm8", "Zm8==", "Z===", "Zm9=Ymfy", "Zm 9v", "Zm9v\n", "Zm9-", "Zm9=",
                               "Zn=="}) {
    EXPECT_FALSE(Base64Decode(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace vtp::adapters
