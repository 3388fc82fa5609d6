// Encrypts a CMAF track with Common Encryption (ISO/IEC 23001-7): its init
// segment once, then each media segment (moof + mdat pairs) independently.
// Every protected fragment gains senc, saiz and saio in its traf, and trun
// data offsets move by what the moof grew; sample data is encrypted in
// place, sizes unchanged. Pure and deterministic: IVs are an HMAC under the
// content key of the track's salt, the segment and fragment numbers and the
// clear samples themselves, so the same inputs give byte-identical outputs
// (re-running a segment is idempotent) while different content never
// reuses a CTR keystream under one key.
//
// Supported fragments are the ones vtp's muxer writes: one traf with one
// trun (data offset present) per moof, the mdat right after its moof,
// tfhd without base_data_offset. Anything else -> kInvalidArgument.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "domain/cenc_boxes.h"
#include "domain/cenc_init.h"
#include "domain/cenc_sample_mapper.h"

namespace vtp::cenc {

struct TrackKeying {
  Scheme scheme = Scheme::kCenc;
  Kid kid{};
  Key key{};
  // Distinguishes tracks that share a key (several renditions of one tier,
  // several videos under one key file) so their IVs differ: the drm step
  // uses "<video id>/<rendition>".
  std::string iv_salt;
  std::vector<ProtectionSystemHeader> pssh;
  // Segments below this number are left clear (clear lead); the init then
  // keeps a clear sample entry for them.
  uint32_t clear_segments = 0;
};

class FragmentEncryptor {
 public:
  // Reads `clear_init` (see ReadTrackInfo for errors).
  static StatusOr<FragmentEncryptor> Create(bmff::ByteSpan clear_init, TrackKeying keying);

  const TrackInfo& track() const { return track_; }
  // The protected init segment.
  StatusOr<std::vector<uint8_t>> ProtectedInit() const;
  // The protected media segment number `segment` (0-based, as the playlist
  // counts them). Segments below keying.clear_segments select the clear
  // sample entry and carry no encryption boxes.
  StatusOr<std::vector<uint8_t>> EncryptSegment(bmff::ByteSpan segment, uint32_t segment_number);

  // The constant IV of a cbcs track (empty for cenc).
  const std::vector<uint8_t>& constant_iv() const { return constant_iv_; }

 private:
  FragmentEncryptor() = default;
  TrackEncryption Tenc() const;
  // Appends the protected moof + mdat of one fragment to `out`.
  Status EncryptFragment(bmff::ByteSpan moof, bmff::ByteSpan mdat, uint32_t segment, uint32_t fragment,
                         bmff::BoxWriter& out);
  Status ObserveSamples(std::span<const uint8_t> samples_at_offset, const std::vector<uint32_t>& sizes);
  StatusOr<SampleEncryption> EncryptSamples(std::span<uint8_t> samples_at_offset,
                                            const std::vector<uint32_t>& sizes, uint32_t segment,
                                            uint32_t fragment);

  TrackInfo track_;
  TrackKeying keying_;
  Pattern pattern_;
  std::vector<uint8_t> constant_iv_;
  std::unique_ptr<SampleMapper> mapper_;
  std::vector<uint8_t> clear_init_;
};

}  // namespace vtp::cenc
