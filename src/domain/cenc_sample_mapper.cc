#include "domain/cenc_sample_mapper.h"

#include "domain/cenc_frame_subsamples.h"
#include "domain/cenc_nal_subsamples.h"

namespace vtp::cenc {
namespace {

using MapResult = StatusOr<std::optional<std::vector<Subsample>>>;

MapResult Wrap(StatusOr<std::vector<Subsample>> r) {
  if (!r.ok()) return r.status();
  return std::optional<std::vector<Subsample>>(std::move(r).value());
}

class WholeSampleMapper final : public SampleMapper {
 public:
  MapResult Map(bmff::ByteSpan) override { return std::optional<std::vector<Subsample>>(); }
};

class NalMapper final : public SampleMapper {
 public:
  NalMapper(NalSubsampler s, Scheme scheme) : s_(std::move(s)), scheme_(scheme) {}
  MapResult Map(bmff::ByteSpan sample) override { return Wrap(s_.Map(sample, scheme_)); }

 private:
  NalSubsampler s_;
  Scheme scheme_;
};

class Vp9Mapper final : public SampleMapper {
 public:
  explicit Vp9Mapper(Scheme scheme) : scheme_(scheme) {}
  MapResult Map(bmff::ByteSpan sample) override { return Wrap(s_.Map(sample, scheme_)); }

 private:
  Vp9Subsampler s_;  // remembers reference frame sizes across samples
  Scheme scheme_;
};

class Av1Mapper final : public SampleMapper {
 public:
  Av1Mapper(Av1Subsampler s, Scheme scheme) : s_(std::move(s)), scheme_(scheme) {}
  MapResult Map(bmff::ByteSpan sample) override { return Wrap(s_.Map(sample, scheme_)); }

 private:
  Av1Subsampler s_;
  Scheme scheme_;
};

}  // namespace

StatusOr<std::unique_ptr<SampleMapper>> MakeSampleMapper(const TrackInfo& track, Scheme scheme) {
  if (!track.video) return std::unique_ptr<SampleMapper>(std::make_unique<WholeSampleMapper>());
  if (track.codec == "h264" || track.codec == "hevc") {
    StatusOr<NalSubsampler> s = track.codec == "h264" ? NalSubsampler::ForAvc(track.codec_config)
                                                      : NalSubsampler::ForHevc(track.codec_config);
    if (!s.ok()) return s.status();
    return std::unique_ptr<SampleMapper>(std::make_unique<NalMapper>(std::move(s).value(), scheme));
  }
  if (track.codec == "vp9") return std::unique_ptr<SampleMapper>(std::make_unique<Vp9Mapper>(scheme));
  if (track.codec == "av1") {
    ASSIGN_OR_RETURN(Av1Subsampler s, Av1Subsampler::Create(track.codec_config));
    return std::unique_ptr<SampleMapper>(std::make_unique<Av1Mapper>(std::move(s), scheme));
  }
  return InvalidArgument("cenc: no subsample rules for codec '" + track.codec + "'");
}

Pattern PatternFor(const TrackInfo& track, Scheme scheme) {
  if (scheme != Scheme::kCbcs) return kNoPattern;
  // Non-video cbcs tracks encrypt every whole block; written as 1:0 rather
  // than 0:0 because readers such as libavformat refuse a cbcs tenc
  // without a pattern.
  return track.video ? kVideoCbcsPattern : Pattern{1, 0};
}

}  // namespace vtp::cenc
