// Port: durable storage of wrapped content keys -- what EnvelopeKeySource
// (adapters/envelope_key_source.h) keeps so a video's keys stay the same
// across steps, workers and restarts. The vault never sees a key in clear:
// `wrapped` is opaque to it (AES-256-GCM output under the master key).
// SqliteStore keeps rows in the `content_keys` table (migration 6),
// InMemoryStore in maps.
//
// Contract shared by every adapter (tests/ports/key_vault_contract_test.cc):
//  - At most one row per (video_id, label) and one per (video_id, kid). Rows
//    are never updated or removed through this port.
//  - PutKeyIfAbsent is atomic: of several writers racing for one
//    (video_id, label) (threads, or processes on one SQLite file), exactly
//    one row is stored and every writer gets that row back, so they all use
//    the same key.
//  - created_at is taken from the adapter's injected Clock.
//  - Error classes: kInvalidArgument (empty or over-long video id, a label
//    that is not 1..32 of [a-z0-9_-], empty or over-long wrapped bytes),
//    kAlreadyExists (the kid already names another label of the video),
//    kNotFound (no such row), kIo (storage failed or stayed busy).
//
// Thread safety: as the other store ports (safe from many threads; the
// durable adapters from many processes).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"
#include "domain/cenc_types.h"
#include "ports/clock.h"

namespace vtp::ports {

inline constexpr size_t kMaxVideoIdBytes = 256;
inline constexpr size_t kMaxWrappedKeyBytes = 1024;

struct WrappedKey {
  std::string video_id;
  std::string label;
  cenc::Kid kid{};
  std::string wrapped;  // opaque bytes, any values (NUL included)
  Millis created_at = 0;  // stamped by the store when the row is stored

  bool operator==(const WrappedKey&) const = default;
};

class KeyVault {
 public:
  virtual ~KeyVault() = default;

  // Stores `key` (created_at = now) unless (video_id, label) already has a
  // row. Returns the row now stored: `key` itself, or the earlier winner
  // (whose kid and wrapped bytes differ from `key`'s). kAlreadyExists when
  // `key.kid` already names another label of the video.
  virtual StatusOr<WrappedKey> PutKeyIfAbsent(const WrappedKey& key) = 0;
  // The row of (video_id, label). kNotFound if none.
  virtual StatusOr<WrappedKey> GetKeyByLabel(std::string_view video_id,
                                             std::string_view label) = 0;
  // The row of (video_id, kid). kNotFound if none (a kid of another video
  // is not found either).
  virtual StatusOr<WrappedKey> GetKeyByKid(std::string_view video_id, const cenc::Kid& kid) = 0;
};

}  // namespace vtp::ports
