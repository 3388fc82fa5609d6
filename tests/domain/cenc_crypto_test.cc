#include "domain/cenc_crypto.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vtp::cenc {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes Hex(const std::string& hex) {
  Bytes out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

template <size_t N>
std::array<uint8_t, N> Arr(const std::string& hex) {
  std::array<uint8_t, N> out{};
  const Bytes b = Hex(hex);
  std::copy(b.begin(), b.end(), out.begin());
  return out;
}

// NIST SP 800-38A test material (F.2.1, F.5.1).
const Key kNistKey = Arr<16>("2b7e151628aed2a6abf7158809cf4f3c");
const Bytes kNistPlain = Hex(
    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");

Bytes Filler(size_t n, uint8_t seed) {
  Bytes out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(seed + i * 7 + (i >> 5));
  return out;
}

// Independent references: whole-buffer EVP calls, no subsample logic.
Bytes EvpRef(const EVP_CIPHER* cipher, const Key& key, const uint8_t* iv, const Bytes& in) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  Bytes out(in.size() + 16);
  int len = 0;
  EXPECT_EQ(EVP_EncryptInit_ex(ctx, cipher, nullptr, key.data(), iv), 1);
  EVP_CIPHER_CTX_set_padding(ctx, 0);
  EXPECT_EQ(EVP_EncryptUpdate(ctx, out.data(), &len, in.data(), static_cast<int>(in.size())), 1);
  EVP_CIPHER_CTX_free(ctx);
  out.resize(static_cast<size_t>(len));
  return out;
}
Bytes CtrRef(const Key& key, const Iv16& iv, const Bytes& in) {
  return EvpRef(EVP_aes_128_ctr(), key, iv.data(), in);
}
Bytes CbcRef(const Key& key, const Iv16& iv, const Bytes& in) {
  return EvpRef(EVP_aes_128_cbc(), key, iv.data(), in);
}

Bytes Slice(const Bytes& b, size_t off, size_t n) {
  return Bytes(b.begin() + static_cast<std::ptrdiff_t>(off),
               b.begin() + static_cast<std::ptrdiff_t>(off + n));
}

TEST(CencCryptoTest, CtrNistF51With16ByteIv) {
  const Bytes iv = Hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  Bytes sample = kNistPlain;
  ASSERT_TRUE(EncryptSample(Scheme::kCenc, kNistKey, iv, {}, kNoPattern, sample).ok());
  EXPECT_EQ(sample, Hex("874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
                        "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee"));
  ASSERT_TRUE(DecryptSample(Scheme::kCenc, kNistKey, iv, {}, kNoPattern, sample).ok());
  EXPECT_EQ(sample, kNistPlain);
}

TEST(CencCryptoTest, CtrEightByteIvIsZeroExtended) {
  const Bytes iv8 = Hex("0102030405060708");
  const Iv16 full = Arr<16>("01020304050607080000000000000000");
  Bytes sample = Filler(100, 3);
  const Bytes expected = CtrRef(kNistKey, full, sample);
  ASSERT_TRUE(EncryptSample(Scheme::kCenc, kNistKey, iv8, {}, kNoPattern, sample).ok());
  EXPECT_EQ(sample, expected);
}

TEST(CencCryptoTest, CtrCounterWrapsInLow64Bits) {
  // Keystream = AES-ECB of 0001..07|ff*8 and 0001..07|00*8 (openssl enc
  // -aes-128-ecb): the carry must not reach the high half.
  const Bytes iv = Hex("0001020304050607ffffffffffffffff");
  Bytes sample(32, 0);
  ASSERT_TRUE(EncryptSample(Scheme::kCenc, kNistKey, iv, {}, kNoPattern, sample).ok());
  EXPECT_EQ(sample, Hex("3d88a68db0f3e3c66e7fd8c1b1cb797a720f9ee37b13a7c8b98e955d56b0f313"));
}

TEST(CencCryptoTest, CtrKeystreamContinuesAcrossSubsamples) {
  const Bytes iv8 = Hex("a1a2a3a4a5a6a7a8");
  const Iv16 full = Arr<16>("a1a2a3a4a5a6a7a80000000000000000");
  const Bytes plain = Filler(68, 11);  // [clear 5, prot 20][clear 3, prot 40]
  Bytes protected_plain = Slice(plain, 5, 20);
  const Bytes second = Slice(plain, 28, 40);
  protected_plain.insert(protected_plain.end(), second.begin(), second.end());
  const Bytes protected_cipher = CtrRef(kNistKey, full, protected_plain);

  Bytes sample = plain;
  const std::vector<Subsample> subs = {{5, 20}, {3, 40}};
  ASSERT_TRUE(EncryptSample(Scheme::kCenc, kNistKey, iv8, subs, kNoPattern, sample).ok());
  EXPECT_EQ(Slice(sample, 0, 5), Slice(plain, 0, 5));
  EXPECT_EQ(Slice(sample, 25, 3), Slice(plain, 25, 3));
  EXPECT_EQ(Slice(sample, 5, 20), Slice(protected_cipher, 0, 20));
  EXPECT_EQ(Slice(sample, 28, 40), Slice(protected_cipher, 20, 40));
  ASSERT_TRUE(DecryptSample(Scheme::kCenc, kNistKey, iv8, subs, kNoPattern, sample).ok());
  EXPECT_EQ(sample, plain);
}

TEST(CencCryptoTest, CtrLongSampleMatchesReference) {
  // Longer than one keystream batch, so batch refills are exercised.
  const Iv16 iv = Arr<16>("00000000000000010000000000000000");
  const Bytes plain = Filler(10000, 1);
  Bytes sample = plain;
  ASSERT_TRUE(EncryptSample(Scheme::kCenc, kNistKey, iv, {{1, 9999}}, kNoPattern, sample).ok());
  EXPECT_EQ(Slice(sample, 1, 9999), CtrRef(kNistKey, iv, Slice(plain, 1, 9999)));
  EXPECT_EQ(sample[0], plain[0]);
}

TEST(CencCryptoTest, CbcNistF21WithoutPattern) {
  const Iv16 iv = Arr<16>("000102030405060708090a0b0c0d0e0f");
  Bytes sample = kNistPlain;
  ASSERT_TRUE(EncryptSample(Scheme::kCbcs, kNistKey, iv, {}, kNoPattern, sample).ok());
  EXPECT_EQ(sample, Hex("7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
                        "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7"));
  ASSERT_TRUE(DecryptSample(Scheme::kCbcs, kNistKey, iv, {}, kNoPattern, sample).ok());
  EXPECT_EQ(sample, kNistPlain);
}

TEST(CencCryptoTest, CbcsOneToNinePatternTouchesOnlyCryptBlocks) {
  // 23 whole blocks + 5 bytes: with 1:9 the crypt blocks are 0, 10 and 20.
  const Iv16 iv = Arr<16>("00112233445566778899aabbccddeeff");
  const Bytes plain = Filler(23 * 16 + 5, 42);
  Bytes sample = plain;
  ASSERT_TRUE(EncryptSample(Scheme::kCbcs, kNistKey, iv, {}, kVideoCbcsPattern, sample).ok());

  Bytes crypt_plain;
  for (size_t b : {0, 10, 20}) {
    const Bytes blk = Slice(plain, b * 16, 16);
    crypt_plain.insert(crypt_plain.end(), blk.begin(), blk.end());
  }
  const Bytes crypt_cipher = CbcRef(kNistKey, iv, crypt_plain);
  for (size_t b = 0; b < 23; ++b) {
    if (b == 0 || b == 10 || b == 20) {
      EXPECT_EQ(Slice(sample, b * 16, 16), Slice(crypt_cipher, (b / 10) * 16, 16)) << b;
      EXPECT_NE(Slice(sample, b * 16, 16), Slice(plain, b * 16, 16)) << b;
    } else {
      EXPECT_EQ(Slice(sample, b * 16, 16), Slice(plain, b * 16, 16)) << b;
    }
  }
  EXPECT_EQ(Slice(sample, 23 * 16, 5), Slice(plain, 23 * 16, 5));
  ASSERT_TRUE(DecryptSample(Scheme::kCbcs, kNistKey, iv, {}, kVideoCbcsPattern, sample).ok());
  EXPECT_EQ(sample, plain);
}

TEST(CencCryptoTest, CbcsIncompleteFinalCryptRunIsEncrypted) {
  // Pattern 2:1 over 5 blocks: blocks 0,1 crypt, 2 skip, 3,4 crypt.
  const Iv16 iv = Arr<16>("0f0e0d0c0b0a09080706050403020100");
  const Bytes plain = Filler(5 * 16 + 15, 9);
  Bytes sample = plain;
  ASSERT_TRUE(EncryptSample(Scheme::kCbcs, kNistKey, iv, {}, Pattern{2, 1}, sample).ok());
  Bytes crypt_plain = Slice(plain, 0, 32);
  const Bytes tail = Slice(plain, 48, 32);
  crypt_plain.insert(crypt_plain.end(), tail.begin(), tail.end());
  const Bytes c = CbcRef(kNistKey, iv, crypt_plain);
  EXPECT_EQ(Slice(sample, 0, 32), Slice(c, 0, 32));
  EXPECT_EQ(Slice(sample, 32, 16), Slice(plain, 32, 16));
  EXPECT_EQ(Slice(sample, 48, 32), Slice(c, 32, 32));
  EXPECT_EQ(Slice(sample, 80, 15), Slice(plain, 80, 15));
}

TEST(CencCryptoTest, CbcsIvAndPatternRestartPerSubsample) {
  const Iv16 iv = Arr<16>("3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c");
  const Bytes plain = Filler(10 + 40 + 7 + 33, 77);
  const std::vector<Subsample> subs = {{10, 40}, {7, 33}};
  Bytes sample = plain;
  ASSERT_TRUE(EncryptSample(Scheme::kCbcs, kNistKey, iv, subs, kVideoCbcsPattern, sample).ok());
  // Each range: first block encrypted with the fresh IV, the rest clear.
  EXPECT_EQ(Slice(sample, 10, 16), CbcRef(kNistKey, iv, Slice(plain, 10, 16)));
  EXPECT_EQ(Slice(sample, 26, 24), Slice(plain, 26, 24));
  EXPECT_EQ(Slice(sample, 57, 16), CbcRef(kNistKey, iv, Slice(plain, 57, 16)));
  EXPECT_EQ(Slice(sample, 73, 17), Slice(plain, 73, 17));
  EXPECT_EQ(Slice(sample, 0, 10), Slice(plain, 0, 10));
  EXPECT_EQ(Slice(sample, 50, 7), Slice(plain, 50, 7));
  ASSERT_TRUE(DecryptSample(Scheme::kCbcs, kNistKey, iv, subs, kVideoCbcsPattern, sample).ok());
  EXPECT_EQ(sample, plain);
}

TEST(CencCryptoTest, CbcsShortRangeStaysClear) {
  const Iv16 iv{};
  const Bytes plain = Filler(30, 5);
  Bytes sample = plain;
  ASSERT_TRUE(EncryptSample(Scheme::kCbcs, kNistKey, iv, {{20, 10}}, kNoPattern, sample).ok());
  EXPECT_EQ(sample, plain);
}

TEST(CencCryptoTest, RoundTripsBothSchemes) {
  const Key key = Arr<16>("000102030405060708090a0b0c0d0e0f");
  const Bytes iv = Hex("fedcba98765432100123456789abcdef");
  const std::vector<Subsample> subs = {{3, 100}, {65535, 0}, {2, 1000}, {7, 0}};
  const Bytes plain = Filler(3 + 100 + 65535 + 2 + 1000 + 7, 13);
  for (Scheme scheme : {Scheme::kCenc, Scheme::kCbcs}) {
    Bytes sample = plain;
    ASSERT_TRUE(EncryptSample(scheme, key, iv, subs, kVideoCbcsPattern, sample).ok());
    EXPECT_NE(sample, plain);
    ASSERT_TRUE(DecryptSample(scheme, key, iv, subs, kVideoCbcsPattern, sample).ok());
    EXPECT_EQ(sample, plain) << SchemeName(scheme);
  }
}

TEST(CencCryptoTest, RejectsBadArgumentsAndLeavesSampleUnchanged) {
  const Bytes plain = Filler(64, 1);
  const Bytes iv16(16, 1);
  const Bytes iv8(8, 1);
  struct Case {
    Scheme scheme;
    Bytes iv;
    std::vector<Subsample> subs;
    cenc::Pattern pattern;
  };
  const std::vector<Case> cases = {
      {Scheme::kCenc, Bytes(12, 0), {}, kNoPattern},
      {Scheme::kCenc, Bytes{}, {}, kNoPattern},
      {Scheme::kCbcs, iv8, {}, kVideoCbcsPattern},
      {Scheme::kCenc, iv8, {{10, 50}}, kNoPattern},             // short of the end
      {Scheme::kCenc, iv8, {{10, 50}, {10, 0}}, kNoPattern},    // past the end
      {Scheme::kCbcs, iv16, {{0, 65}}, kVideoCbcsPattern},      // past the end
      {Scheme::kCbcs, iv16, {}, cenc::Pattern{0, 9}},           // encrypts nothing
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    for (bool encrypt : {true, false}) {
      Bytes sample = plain;
      Status s = encrypt ? EncryptSample(c.scheme, kNistKey, c.iv, c.subs, c.pattern, sample)
                         : DecryptSample(c.scheme, kNistKey, c.iv, c.subs, c.pattern, sample);
      EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << "case " << i;
      EXPECT_EQ(sample, plain) << "case " << i;
    }
  }
}

TEST(CencCryptoTest, HlsAes128MatchesOpensslCli) {
  // printf 'HLS segment payload!' | openssl enc -aes-128-cbc -K <key> -iv 00..0f
  const Iv16 iv = Arr<16>("000102030405060708090a0b0c0d0e0f");
  const std::string text = "HLS segment payload!";
  const Bytes plain(text.begin(), text.end());
  const Bytes cipher = Aes128CbcPkcs7Encrypt(kNistKey, iv, plain);
  EXPECT_EQ(cipher, Hex("a10eae9a66c9ff5a8c027a7a20f566d79b3a35ad11d0895da7d9d7372ef3e591"));
  auto back = Aes128CbcPkcs7Decrypt(kNistKey, iv, cipher);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, plain);

  // Empty input: one full block of padding.
  EXPECT_EQ(Aes128CbcPkcs7Encrypt(kNistKey, iv, {}), Hex("c84af0b613435d5d9182801a9bd9320b"));
  auto empty = Aes128CbcPkcs7Decrypt(kNistKey, iv, Hex("c84af0b613435d5d9182801a9bd9320b"));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(CencCryptoTest, HlsAes128DecryptRejectsBadInput) {
  const Iv16 iv{};
  EXPECT_EQ(Aes128CbcPkcs7Decrypt(kNistKey, iv, {}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(Aes128CbcPkcs7Decrypt(kNistKey, iv, Bytes(17, 0)).status().code(),
            ErrorCode::kInvalidArgument);
  // Wrong key: the padding check fails (this ciphertext's last plaintext
  // byte under the wrong key is not a valid pad with overwhelming odds;
  // fixed inputs make it deterministic).
  const Bytes cipher = Aes128CbcPkcs7Encrypt(kNistKey, iv, Filler(40, 2));
  Key wrong = kNistKey;
  wrong[0] ^= 1;
  EXPECT_EQ(Aes128CbcPkcs7Decrypt(wrong, iv, cipher).status().code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vtp::cenc
