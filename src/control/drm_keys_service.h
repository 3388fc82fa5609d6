// The key endpoints of `vtp serve`, over ports::KeySource (the server's
// store wrapped by app::OpenKeySource; lookups never create keys):
//
//  - Aes128Key: the HLS AES-128 key a player fetches from the EXT-X-KEY URI
//    (GET /api/v1/videos/{id}/keys/{kid}). Only a key labelled
//    pipeline::kAes128Label is ever served this way: a DRM content key with
//    that KID answers kNotFound exactly like an unknown KID.
//  - ClearKeyLicense: the W3C Clear Key license (control/clearkey.h) for a
//    video's DRM content keys (every label but "aes128"), when the server
//    was started with ClearKey licensing (development and tests only:
//    production Widevine/PlayReady/FairPlay licenses come from the
//    customer's license service). Disabled: kNotFound.
//
// Who may read: the API layer authenticates the request and passes a
// KeyReader. An API caller sees only its own videos (VideoService::Owned:
// another creator's video is kNotFound like a missing one); a player whose
// playback token the API layer verified for this very video may read that
// video's keys while the video is not removed.
//
// Errors: kInvalidArgument (a KID that is not 32 hex digits, a malformed
// license request; the message names the fault), kNotFound (no such video
// or key, or ClearKey disabled), kIo (storage; retryable), kInternal (a
// stored key that does not unwrap: wrong master key). Key bytes never
// appear in a Status or a log line; KIDs and video ids may.
//
// Thread safety: every method may run on any thread (the ports are
// thread-safe; the object holds no mutable state).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "control/video_service.h"
#include "core/status.h"
#include "domain/cenc_types.h"
#include "ports/key_source.h"
#include "ports/metadata_store.h"

namespace vtp::control {

// Who asks for a key, as the API layer established it.
struct KeyReader {
  // The API key's caller; nullopt = a player the API layer let read the
  // video's media: a playback token it verified for that video, or a
  // /media request on a server whose media is public.
  std::optional<Caller> caller;
};

struct DrmKeyOptions {
  bool clearkey_license = false;  // `vtp serve --clearkey-license`
};

class DrmKeyService {
 public:
  // Lifetime: all three must outlive the service.
  DrmKeyService(const VideoService& videos, ports::MetadataStore& meta, ports::KeySource& keys,
                DrmKeyOptions options)
      : videos_(videos), meta_(meta), keys_(keys), options_(options) {}

  bool clearkey_enabled() const { return options_.clearkey_license; }

  // The AES-128 key with KID `kid_hex` (32 hex digits, either case) of the
  // video.
  StatusOr<cenc::Key> Aes128Key(const KeyReader& reader, std::string_view video_id, std::string_view kid_hex);

  // The license JSON answering `request_body` (a Clear Key license
  // request): every asked KID the video has a content key for, in the
  // order asked; KIDs it has none for (and its AES-128 KID) are left out,
  // so the license may hold no key at all (players treat that as a failed
  // license request).
  StatusOr<std::string> ClearKeyLicense(const KeyReader& reader, std::string_view video_id,
                                        std::string_view request_body);

 private:
  // OK when `reader` may read the keys of the video (see above).
  Status MayRead(const KeyReader& reader, std::string_view video_id) const;
  // The key, or kNotFound when the video has none with this KID;
  // kCorruptInput from the source becomes kInternal.
  StatusOr<ports::ContentKey> Find(std::string_view video_id, const cenc::Kid& kid);

  const VideoService& videos_;
  ports::MetadataStore& meta_;
  ports::KeySource& keys_;
  const DrmKeyOptions options_;
};

}  // namespace vtp::control
