#include "adapters/envelope_key_source.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>
#include <utility>

#include "adapters/key_material.h"

namespace vtp::adapters {
namespace {

using ports::ContentKey;
using ports::WrappedKey;

constexpr uint8_t kEnvelopeVersion = 1;
constexpr size_t kNonceBytes = 12;  // the GCM IV length NIST SP 800-38D §8.2 recommends
constexpr size_t kTagBytes = 16;
constexpr size_t kWrappedBytes = 1 + kNonceBytes + sizeof(cenc::Key) + kTagBytes;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

void AppendField(std::string& out, std::string_view field) {
  auto n = static_cast<uint32_t>(field.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(n >> shift & 0xff));
  out.append(field);
}

// Length-prefixed fields, so ("ab", "c") and ("a", "bc") bind differently.
std::string Aad(std::string_view video_id, std::string_view label, const cenc::Kid& kid) {
  std::string aad = "vtp-content-key-v1";
  AppendField(aad, video_id);
  AppendField(aad, label);
  AppendField(aad, std::string_view(reinterpret_cast<const char*>(kid.data()), kid.size()));
  return aad;
}

std::string RowName(std::string_view video_id, std::string_view label, const cenc::Kid& kid) {
  return "video " + std::string(video_id) + " label '" + std::string(label) + "' kid " +
         KidHex(kid);
}

// Sets up `ctx` for AES-256-GCM with `nonce` and feeds the AAD.
bool StartGcm(EVP_CIPHER_CTX* ctx, bool encrypt, const MasterKey& master, std::string_view nonce,
              std::string_view aad) {
  int len = 0;
  return EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr, encrypt ? 1 : 0) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()),
                             nullptr) == 1 &&
         EVP_CipherInit_ex(ctx, nullptr, nullptr, master.bytes().data(), Bytes(nonce),
                           encrypt ? 1 : 0) == 1 &&
         EVP_CipherUpdate(ctx, nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) == 1;
}

}  // namespace

MasterKey::~MasterKey() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

StatusOr<MasterKey> ParseMasterKey(std::string_view hex) {
  auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!hex.empty() && space(hex.front())) hex.remove_prefix(1);
  while (!hex.empty() && space(hex.back())) hex.remove_suffix(1);
  MasterKey::Bytes bytes{};
  std::optional<std::string> raw;
  if (hex.size() == bytes.size() * 2) raw = HexDecode(hex);
  if (!raw) {
    return InvalidArgument("master key must be 64 hex digits (32 bytes), got " +
                           std::to_string(hex.size()) + " characters" +
                           (hex.size() == 64 ? " that are not all hex digits" : ""));
  }
  std::copy(raw->begin(), raw->end(), bytes.begin());
  OPENSSL_cleanse(raw->data(), raw->size());
  MasterKey key(bytes);
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return key;
}

StatusOr<std::vector<ContentKey>> RandomKeyGenerator::Generate(
    const std::string&, const std::vector<std::string>& labels) {
  std::vector<ContentKey> keys;
  for (const std::string& label : labels) {
    ContentKey k;
    k.label = label;
    ASSIGN_OR_RETURN(k.kid, RandomKid());
    ASSIGN_OR_RETURN(k.key, RandomKey());
    keys.push_back(std::move(k));
  }
  return keys;
}

StatusOr<std::string> WrapKey(const MasterKey& master, const std::string& video_id,
                              const std::string& label, const cenc::Kid& kid,
                              const cenc::Key& key) {
  std::string out(kWrappedBytes, '\0');
  out[0] = static_cast<char>(kEnvelopeVersion);
  auto* nonce = reinterpret_cast<unsigned char*>(out.data() + 1);
  // A random 96-bit nonce per wrap: a key is wrapped once per (video,
  // label), far below the 2^32 wraps per master key SP 800-38D §8.3 allows.
  if (RAND_bytes(nonce, static_cast<int>(kNonceBytes)) != 1) {
    return Internal("the CSPRNG (OpenSSL RAND_bytes) failed");
  }
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  auto* sealed = reinterpret_cast<unsigned char*>(out.data() + 1 + kNonceBytes);
  int len = 0;
  int tail = 0;
  bool ok = ctx && StartGcm(ctx.get(), true, master, out.substr(1, kNonceBytes),
                            Aad(video_id, label, kid)) &&
            EVP_EncryptUpdate(ctx.get(), sealed, &len, key.data(), static_cast<int>(key.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx.get(), sealed + len, &tail) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
                                sealed + key.size()) == 1;
  if (!ok) return Internal("AES-256-GCM wrap failed for " + RowName(video_id, label, kid));
  return out;
}

StatusOr<cenc::Key> UnwrapKey(const MasterKey& master, const WrappedKey& row) {
  const Status corrupt(ErrorCode::kCorruptInput,
                       "stored key of " + RowName(row.video_id, row.label, row.kid) +
                           " does not unwrap under the master key (a different VTP_MASTER_KEY, "
                           "or the row was altered or moved)");
  const std::string& w = row.wrapped;
  if (w.size() != kWrappedBytes || static_cast<uint8_t>(w[0]) != kEnvelopeVersion) return corrupt;
  std::string tag = w.substr(1 + kNonceBytes + sizeof(cenc::Key));
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  cenc::Key key{};
  int len = 0;
  int tail = 0;
  bool ok = ctx && StartGcm(ctx.get(), false, master, w.substr(1, kNonceBytes),
                            Aad(row.video_id, row.label, row.kid)) &&
            EVP_DecryptUpdate(ctx.get(), key.data(), &len, Bytes(w) + 1 + kNonceBytes,
                              static_cast<int>(key.size())) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes),
                                tag.data()) == 1 &&
            EVP_DecryptFinal_ex(ctx.get(), key.data() + len, &tail) == 1;
  if (!ok) {
    OPENSSL_cleanse(key.data(), key.size());  // unauthenticated plaintext
    return corrupt;
  }
  return key;
}

EnvelopeKeySource::EnvelopeKeySource(ports::KeyVault& vault, MasterKey master_key,
                                     KeyGenerator& generator)
    : vault_(vault), master_(std::move(master_key)), generator_(generator) {}

StatusOr<ContentKey> EnvelopeKeySource::Open(const WrappedKey& row) const {
  ContentKey k;
  k.label = row.label;
  k.kid = row.kid;
  ASSIGN_OR_RETURN(k.key, UnwrapKey(master_, row));
  return k;
}

StatusOr<ContentKey> EnvelopeKeySource::Keep(const std::string& video_id, const ContentKey& fresh) {
  WrappedKey row;
  row.video_id = video_id;
  row.label = fresh.label;
  row.kid = fresh.kid;
  ASSIGN_OR_RETURN(row.wrapped, WrapKey(master_, video_id, fresh.label, fresh.kid, fresh.key));
  StatusOr<WrappedKey> winner = vault_.PutKeyIfAbsent(row);
  if (winner.status().code() == ErrorCode::kAlreadyExists) {
    // Only a generator that repeats KIDs gets here (random ones collide at 2^-122).
    return Internal("key generator repeated a kid: " + winner.status().message());
  }
  if (!winner.ok()) return winner.status();
  if (winner->kid == fresh.kid && winner->wrapped == row.wrapped) return fresh;
  return Open(*winner);  // another worker stored this label first: use its key
}

StatusOr<std::vector<ContentKey>> EnvelopeKeySource::KeysFor(const std::string& video_id,
                                                             const std::vector<std::string>& labels) {
  RETURN_IF_ERROR(ValidateKeyRequest(video_id, labels));
  std::vector<std::optional<ContentKey>> found(labels.size());
  std::vector<std::string> missing;
  for (size_t i = 0; i < labels.size(); ++i) {
    StatusOr<WrappedKey> row = vault_.GetKeyByLabel(video_id, labels[i]);
    if (row.status().code() == ErrorCode::kNotFound) {
      missing.push_back(labels[i]);
      continue;
    }
    if (!row.ok()) return row.status();
    ASSIGN_OR_RETURN(found[i], Open(*row));
  }
  if (!missing.empty()) {
    ASSIGN_OR_RETURN(std::vector<ContentKey> fresh, generator_.Generate(video_id, missing));
    if (fresh.size() != missing.size()) {
      return Internal("key generator returned " + std::to_string(fresh.size()) + " keys for " +
                      std::to_string(missing.size()) + " labels");
    }
    for (size_t j = 0; j < fresh.size(); ++j) {
      auto at = std::find(labels.begin(), labels.end(), missing[j]) - labels.begin();
      if (fresh[j].label != missing[j]) return Internal("key generator mixed up the labels");
      ASSIGN_OR_RETURN(found[static_cast<size_t>(at)], Keep(video_id, fresh[j]));
    }
  }
  std::vector<ContentKey> keys;
  for (std::optional<ContentKey>& k : found) keys.push_back(*std::move(k));
  return keys;
}

StatusOr<ContentKey> EnvelopeKeySource::Lookup(const std::string& video_id, const cenc::Kid& kid) {
  RETURN_IF_ERROR(ValidateVideoId(video_id));
  ASSIGN_OR_RETURN(WrappedKey row, vault_.GetKeyByKid(video_id, kid));
  return Open(row);
}

}  // namespace vtp::adapters
