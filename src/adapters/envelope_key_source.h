// EnvelopeKeySource: ports::KeySource whose keys are made once per
// (video, label) by a KeyGenerator and kept in a ports::KeyVault wrapped
// (envelope-encrypted) under one master key, so the vault -- a SQLite file,
// a backup of it -- never holds a content key in clear.
//
// Wrapping: AES-256-GCM under the master key with a fresh random 96-bit
// nonce per key; the additional authenticated data binds the video id, the
// label and the KID, so a wrapped key copied to another row (another video,
// label or KID) fails to unwrap. The wrapped form is
//   version (1 byte, 0x01) | nonce (12) | ciphertext (16) | GCM tag (16).
// A row that does not unwrap (wrong master key, altered or moved row) is
// kCorruptInput naming the video, label and KID, never key bytes.
//
// KeysFor: every label already in the vault is unwrapped; the missing ones
// are generated in ONE Generate call (one CPIX request for all of them),
// wrapped and put-if-absent; when another worker stored a key for the same
// label first, its key is used instead, so racing workers agree.
//
// Thread safety: safe from many threads when the vault and the generator
// are (every vtp vault and generator is). Holds no per-call state.
// Lifetime: `vault` and `generator` must outlive the source.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "domain/cenc_types.h"
#include "ports/key_source.h"
#include "ports/key_vault.h"

namespace vtp::adapters {

// The 32-byte AES-256 key-encryption key. It has no text form, and its
// bytes are wiped (OPENSSL_cleanse) when a copy is destroyed.
class MasterKey {
 public:
  using Bytes = std::array<uint8_t, 32>;
  explicit MasterKey(const Bytes& bytes) : bytes_(bytes) {}
  MasterKey(const MasterKey&) = default;
  MasterKey& operator=(const MasterKey&) = default;
  ~MasterKey();

  const Bytes& bytes() const { return bytes_; }

 private:
  Bytes bytes_;
};

// Exactly 64 hex digits (either case; surrounding ASCII whitespace, e.g.
// the newline of a file read into VTP_MASTER_KEY, is ignored).
// kInvalidArgument otherwise; the message never quotes the input.
StatusOr<MasterKey> ParseMasterKey(std::string_view hex);

// Makes new content keys. Implementations: RandomKeyGenerator (below),
// CpixKeyGenerator (adapters/cpix_key_generator.h).
class KeyGenerator {
 public:
  virtual ~KeyGenerator() = default;
  // Fresh keys for `labels` of `video_id` (the caller has validated both;
  // labels are distinct and at least one): one per label, in order, each
  // with its own new KID. Nothing is remembered between calls.
  virtual StatusOr<std::vector<ports::ContentKey>> Generate(
      const std::string& video_id, const std::vector<std::string>& labels) = 0;
};

// Keys and KIDs from OpenSSL's CSPRNG (RAND_bytes); KIDs carry the UUID v4
// bits. Stateless; thread-safe.
class RandomKeyGenerator final : public KeyGenerator {
 public:
  StatusOr<std::vector<ports::ContentKey>> Generate(
      const std::string& video_id, const std::vector<std::string>& labels) override;
};

// The wrapped form of `key` for the row (video_id, label, kid).
StatusOr<std::string> WrapKey(const MasterKey& master, const std::string& video_id,
                              const std::string& label, const cenc::Kid& kid,
                              const cenc::Key& key);
// The key inside `row.wrapped`, authenticated against the row's video_id,
// label and kid. kCorruptInput when it does not unwrap.
StatusOr<cenc::Key> UnwrapKey(const MasterKey& master, const ports::WrappedKey& row);

class EnvelopeKeySource final : public ports::KeySource {
 public:
  EnvelopeKeySource(ports::KeyVault& vault, MasterKey master_key, KeyGenerator& generator);

  StatusOr<std::vector<ports::ContentKey>> KeysFor(const std::string& video_id,
                                                   const std::vector<std::string>& labels) override;
  StatusOr<ports::ContentKey> Lookup(const std::string& video_id, const cenc::Kid& kid) override;

 private:
  // Unwraps a vault row into the key it holds.
  StatusOr<ports::ContentKey> Open(const ports::WrappedKey& row) const;
  // Wraps and puts `fresh`; returns the key of the row that won.
  StatusOr<ports::ContentKey> Keep(const std::string& video_id, const ports::ContentKey& fresh);

  ports::KeyVault& vault_;
  const MasterKey master_;
  KeyGenerator& generator_;
};

}  // namespace vtp::adapters
