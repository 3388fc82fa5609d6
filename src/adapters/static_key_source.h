// StaticKeySource: ports::KeySource over keys the user brings in a JSON key
// file (and tests use): the same KID and key for a label in every video.
//
// Key file format (strict; any other field is an error):
//   {"keys": [{"label": "video", "kid": "<32 hex>", "key": "<32 hex>"}, ...]}
// At least one entry; labels as ports/key_source.h; labels and KIDs unique.
//
// Thread safety: immutable after construction; safe from many threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "domain/cenc_types.h"
#include "ports/key_source.h"

namespace vtp::adapters {

// The entries of a key file, in file order. kInvalidArgument naming the
// entry ("keys[2] ('hd'): ...") for bad JSON, unknown fields, a missing or
// malformed label/kid/key, or a repeated label or KID; the message never
// quotes a key value.
StatusOr<std::vector<ports::ContentKey>> ParseStaticKeys(std::string_view json);
// Reads and parses the key file at `path`: kNotFound when it does not
// exist, kIo when it cannot be read, then as ParseStaticKeys (the message
// names the path).
StatusOr<std::vector<ports::ContentKey>> LoadStaticKeys(const std::string& path);

class StaticKeySource final : public ports::KeySource {
 public:
  // `keys` as ParseStaticKeys returns them (unique labels and KIDs).
  explicit StaticKeySource(std::vector<ports::ContentKey> keys);

  // kInvalidArgument "no key for label 'hd' in the key file" for a label
  // the file lacks.
  StatusOr<std::vector<ports::ContentKey>> KeysFor(const std::string& video_id,
                                                   const std::vector<std::string>& labels) override;
  // Any valid video id: the file's keys belong to every video.
  StatusOr<ports::ContentKey> Lookup(const std::string& video_id, const cenc::Kid& kid) override;

 private:
  const std::vector<ports::ContentKey> keys_;
};

}  // namespace vtp::adapters
