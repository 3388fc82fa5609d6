// Internal to src/media: the picture-conditioning filter chain (deinterlace,
// HDR tone mapping, display rotation) shared by the transcode and thumbnail
// paths, so both prepare pictures the same way (docs/architecture.md,
// "Picture conditioning"). Non-square pixels are not handled here: each
// caller scales to an explicit square-pixel size of its own.
#pragma once

#include <string>
#include <vector>

#include "media/transcode.h"

namespace vtp::media {

// zscale + tonemap (Hable) from the source's HDR transfer to SDR BT.709,
// 8-bit yuv420p, limited range.
std::string ToneMapChain(const PictureConditioning& c);

// The conditioning filters in the order they run: bwdif, tone map, then
// transpose / hflip,vflip. Empty when the picture needs none.
std::vector<std::string> ConditioningFilters(const PictureConditioning& c);

}  // namespace vtp::media
