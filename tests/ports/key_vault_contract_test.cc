// Contract of ports::KeyVault (see ports/key_vault.h), run against every
// adapter.
#include <gtest/gtest.h>

#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "ports/key_vault.h"
#include "ports/store_test_fixture.h"

namespace vtp::ports {
namespace {

template <typename Factory>
class KeyVaultContractTest : public StoreTest<Factory> {
 protected:
  KeyVault& vault() { return *this->store_; }

  static cenc::Kid Kid(uint8_t seed) {
    cenc::Kid kid{};
    for (size_t i = 0; i < kid.size(); ++i) kid[i] = static_cast<uint8_t>(seed + i);
    return kid;
  }
  static WrappedKey Row(const std::string& video, const std::string& label, uint8_t seed) {
    WrappedKey k;
    k.video_id = video;
    k.label = label;
    k.kid = Kid(seed);
    // Binary on purpose: NUL, high bytes.
    k.wrapped = std::string("\x01\x00\xff", 3) + std::string(42, static_cast<char>(seed));
    return k;
  }
  WrappedKey MustPut(const WrappedKey& k) {
    auto stored = vault().PutKeyIfAbsent(k);
    EXPECT_TRUE(stored.ok()) << stored.status().ToString();
    return stored.ok() ? *stored : WrappedKey{};
  }
};
TYPED_TEST_SUITE(KeyVaultContractTest, SqlStoreFactories, StoreFactoryNames);

TYPED_TEST(KeyVaultContractTest, StoredRowReadsBackByLabelAndByKidStampedWithNow) {
  WrappedKey row = this->Row("v1", "hd", 7);
  row.created_at = 1;  // ignored: the store stamps it
  WrappedKey expected = row;
  expected.created_at = this->now();
  EXPECT_EQ(this->MustPut(row), expected);
  this->clock_.Advance(500);

  auto by_label = this->vault().GetKeyByLabel("v1", "hd");
  ASSERT_TRUE(by_label.ok()) << by_label.status().ToString();
  EXPECT_EQ(*by_label, expected);
  auto by_kid = this->vault().GetKeyByKid("v1", this->Kid(7));
  ASSERT_TRUE(by_kid.ok()) << by_kid.status().ToString();
  EXPECT_EQ(*by_kid, expected);
}

TYPED_TEST(KeyVaultContractTest, SecondPutForALabelGetsTheFirstRowBack) {
  WrappedKey first = this->MustPut(this->Row("v1", "hd", 1));
  this->clock_.Advance(10);
  WrappedKey second = this->MustPut(this->Row("v1", "hd", 2));
  EXPECT_EQ(second, first) << "the earlier winner, unchanged";
  EXPECT_EQ(*this->vault().GetKeyByLabel("v1", "hd"), first);
  EXPECT_EQ(this->vault().GetKeyByKid("v1", this->Kid(2)).status().code(), ErrorCode::kNotFound)
      << "the loser's kid was not stored";
}

TYPED_TEST(KeyVaultContractTest, LabelsAndVideosAreSeparateRows) {
  WrappedKey v1_hd = this->MustPut(this->Row("v1", "hd", 1));
  WrappedKey v1_sd = this->MustPut(this->Row("v1", "sd", 2));
  WrappedKey v2_hd = this->MustPut(this->Row("v2", "hd", 3));
  EXPECT_EQ(*this->vault().GetKeyByLabel("v1", "hd"), v1_hd);
  EXPECT_EQ(*this->vault().GetKeyByLabel("v1", "sd"), v1_sd);
  EXPECT_EQ(*this->vault().GetKeyByLabel("v2", "hd"), v2_hd);
  EXPECT_EQ(this->vault().GetKeyByLabel("v2", "sd").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(this->vault().GetKeyByKid("v2", this->Kid(1)).status().code(), ErrorCode::kNotFound)
      << "a kid of another video is not found";
}

TYPED_TEST(KeyVaultContractTest, AKidNamesOneLabelPerVideo) {
  this->MustPut(this->Row("v1", "hd", 1));
  auto clash = this->vault().PutKeyIfAbsent(this->Row("v1", "sd", 1));
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.status().code(), ErrorCode::kAlreadyExists) << clash.status().ToString();
  EXPECT_EQ(this->vault().GetKeyByLabel("v1", "sd").status().code(), ErrorCode::kNotFound);
  // The same kid in another video is another row.
  EXPECT_EQ(this->MustPut(this->Row("v2", "sd", 1)).video_id, "v2");
}

TYPED_TEST(KeyVaultContractTest, MissingRowsAreNotFound) {
  auto by_label = this->vault().GetKeyByLabel("v1", "hd");
  EXPECT_EQ(by_label.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(by_label.status().message().find("v1"), std::string::npos) << by_label.status().message();
  EXPECT_EQ(this->vault().GetKeyByKid("v1", this->Kid(9)).status().code(), ErrorCode::kNotFound);
}

TYPED_TEST(KeyVaultContractTest, InvalidRowsAreRefused) {
  std::vector<WrappedKey> bad;
  bad.push_back(this->Row("", "hd", 1));
  bad.push_back(this->Row("v 1", "hd", 1));
  bad.push_back(this->Row(std::string(kMaxVideoIdBytes + 1, 'v'), "hd", 1));
  bad.push_back(this->Row("v1", "", 1));
  bad.push_back(this->Row("v1", "HD", 1));
  bad.push_back(this->Row("v1", "h,d", 1));
  bad.push_back(this->Row("v1", std::string(33, 'a'), 1));
  bad.push_back(this->Row("v1", "hd", 1));
  bad.back().wrapped.clear();
  bad.push_back(this->Row("v1", "hd", 1));
  bad.back().wrapped = std::string(kMaxWrappedKeyBytes + 1, 'w');
  for (const WrappedKey& k : bad) {
    auto put = this->vault().PutKeyIfAbsent(k);
    EXPECT_EQ(put.status().code(), ErrorCode::kInvalidArgument)
        << "'" << k.video_id.substr(0, 8) << "' '" << k.label << "' " << k.wrapped.size();
  }
  EXPECT_EQ(this->vault().GetKeyByLabel("v1", "hd").status().code(), ErrorCode::kNotFound);
  // The limits themselves are accepted.
  WrappedKey edge = this->Row(std::string(kMaxVideoIdBytes, 'v'), std::string(32, 'a'), 1);
  edge.wrapped = std::string(kMaxWrappedKeyBytes, 'w');
  EXPECT_EQ(this->MustPut(edge).wrapped, edge.wrapped);
}

TYPED_TEST(KeyVaultContractTest, RacingPutsAllGetTheOneStoredRow) {
  constexpr int kThreads = 4;
  std::latch start(kThreads);
  std::vector<WrappedKey> got(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      auto stored = this->vault().PutKeyIfAbsent(this->Row("v1", "hd", static_cast<uint8_t>(16 * i)));
      EXPECT_TRUE(stored.ok()) << stored.status().ToString();
      if (stored.ok()) got[static_cast<size_t>(i)] = *stored;
    });
  }
  for (std::thread& t : threads) t.join();
  auto stored = this->vault().GetKeyByLabel("v1", "hd");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  for (const WrappedKey& k : got) EXPECT_EQ(k, *stored);
}

}  // namespace
}  // namespace vtp::ports
