// Port: where the content keys of Common Encryption (and of HLS AES-128)
// come from. The packaging stage asks for the keys of a video by label, the
// license endpoints look one up by KID. Adapters (src/adapters):
//  - EnvelopeKeySource: keys generated locally or fetched from a CPIX key
//    server once, then kept wrapped under a master key in a ports::KeyVault;
//  - StaticKeySource: the same user-supplied keys for every video.
//
// Contract shared by every adapter:
//  - KeysFor returns one ContentKey per label, in the order asked; the same
//    (video_id, label) always gives the same KID and key, from any thread or
//    process sharing the adapter's storage. Different labels of one video
//    have different KIDs.
//  - Labels are 1..32 characters of [a-z0-9_-] ("audio", "video", "sd",
//    "hd", "uhd", "all"); a label may appear once per call. Video ids are
//    1..256 bytes without whitespace or control characters.
//  - Key bytes never appear in a log line or a Status message; KIDs may.
//  - Error classes: kInvalidArgument (bad video id or label, a label the
//    adapter has no key for), kNotFound (Lookup of a KID the video does not
//    have), kIo (storage or key server unavailable, or the key server
//    answered something unusable: all retryable by the engine's default
//    policy), kCorruptInput (a stored key that no longer unwraps: a wrong
//    master key or an altered row; retrying cannot help).
//
// Thread safety: adapters are safe to call from many threads.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "domain/cenc_types.h"

namespace vtp::ports {

struct ContentKey {
  std::string label;  // "audio", "video", "sd", "hd", "uhd", "all", ...
  cenc::Kid kid{};
  cenc::Key key{};  // secret: never log it

  bool operator==(const ContentKey&) const = default;
};

class KeySource {
 public:
  virtual ~KeySource() = default;

  // The content keys of `video_id`, one per label, in the order asked:
  // created or fetched on first use and remembered. An empty `labels` gives
  // an empty list.
  virtual StatusOr<std::vector<ContentKey>> KeysFor(const std::string& video_id,
                                                    const std::vector<std::string>& labels) = 0;
  // A key already issued for `video_id`, by KID (the ClearKey license
  // endpoint, the HLS AES-128 key URI). kNotFound if the video has no such
  // key; never creates one.
  virtual StatusOr<ContentKey> Lookup(const std::string& video_id, const cenc::Kid& kid) = 0;
};

}  // namespace vtp::ports
