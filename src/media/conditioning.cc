#include "media/conditioning.h"

namespace vtp::media {

std::string ToneMapChain(const PictureConditioning& c) {
  auto or_default = [](const std::string& v, const char* d) { return v.empty() || v == "unknown" ? std::string(d) : v; };
  // Linearise with the source's own transfer, map to BT.709 primaries, then
  // compress highlights (Hable) into SDR: the choice is explained in
  // docs/architecture.md ("HDR sources").
  return "zscale=tin=" + or_default(c.color_transfer, "smpte2084") +
         ":pin=" + or_default(c.color_primaries, "bt2020") +
         ":min=" + or_default(c.color_matrix, "bt2020nc") +
         ":t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,"
         "tonemap=tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv,format=yuv420p";
}

std::vector<std::string> ConditioningFilters(const PictureConditioning& c) {
  std::vector<std::string> filters;
  if (c.deinterlace) filters.push_back("bwdif=mode=send_frame:parity=auto:deint=interlaced");
  if (c.tonemap_to_sdr) filters.push_back(ToneMapChain(c));
  if (c.rotation == 90) filters.push_back("transpose=clock");
  if (c.rotation == 270) filters.push_back("transpose=cclock");
  if (c.rotation == 180) filters.push_back("hflip,vflip");
  return filters;
}

}  // namespace vtp::media
