// Chooses the subsample map for a track's samples by codec: NAL-structured
// H.264/HEVC (cenc_nal_subsamples.h), VP9 and AV1 frames
// (cenc_frame_subsamples.h); audio samples are protected whole (no
// subsamples). Pure; not thread-safe (NAL and AV1 mappers learn parameter
// sets from the samples they see).
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "core/status.h"
#include "domain/cenc_init.h"
#include "domain/cenc_types.h"

namespace vtp::cenc {

class SampleMapper {
 public:
  virtual ~SampleMapper() = default;
  // The subsamples of `sample`, or nullopt for whole-sample protection.
  virtual StatusOr<std::optional<std::vector<Subsample>>> Map(bmff::ByteSpan sample) = 0;
};

// kInvalidArgument for a codec without a Common Encryption binding here, or a
// decoder configuration the mapper cannot read.
StatusOr<std::unique_ptr<SampleMapper>> MakeSampleMapper(const TrackInfo& track, Scheme scheme);

// The pattern a track uses: 1:9 for cbcs video, 1:0 (every block) for
// other cbcs tracks, none for cenc.
Pattern PatternFor(const TrackInfo& track, Scheme scheme);

}  // namespace vtp::cenc
