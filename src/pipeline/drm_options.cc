#include "pipeline/drm_options.h"

#include <algorithm>

namespace vtp::pipeline {
namespace {

constexpr const char* kSystems[] = {"widevine", "playready", "fairplay", "clearkey"};

bool Known(const std::string& system) {
  return std::any_of(std::begin(kSystems), std::end(kSystems), [&](const char* s) { return system == s; });
}

Status ValidateTemplate(const std::string& field, const std::string& value) {
  for (char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == ' ' || c == 0x7f) {
      return InvalidArgument("drm: " + field + " may not contain spaces, quotes or control characters");
    }
  }
  return Status::Ok();
}

}  // namespace

Status ValidateDrmOptions(const DrmOptions& o) {
  if (!o.enabled()) return Status::Ok();
  RETURN_IF_ERROR(SchemeOf(o).status());
  if (o.key_policy != "single" && o.key_policy != "av" && o.key_policy != "tiers") {
    return InvalidArgument("drm: key policy '" + o.key_policy + "' is not single, av or tiers");
  }
  if (!(o.clear_lead_seconds >= 0 && o.clear_lead_seconds <= 600)) {
    return InvalidArgument("drm: clear lead must be 0..600 seconds");
  }
  std::vector<std::string> seen;
  for (const auto& s : o.systems) {
    if (!Known(s)) return InvalidArgument("drm: unknown DRM system '" + s + "' (widevine, playready, fairplay, clearkey)");
    if (std::find(seen.begin(), seen.end(), s) != seen.end()) return InvalidArgument("drm: system '" + s + "' listed twice");
    seen.push_back(s);
  }
  if (o.systems.empty()) return InvalidArgument("drm: at least one DRM system must be signalled");
  if (o.scheme == "cenc" && o.systems.size() == 1 && o.systems[0] == "fairplay") {
    return InvalidArgument("drm: FairPlay needs the cbcs scheme");
  }
  if (!o.key_server.empty() && !o.key_file.empty()) {
    return InvalidArgument("drm: a key server and a key file exclude each other");
  }
  if (!o.key_server.empty() && o.key_server.rfind("http://", 0) != 0 && o.key_server.rfind("https://", 0) != 0) {
    return InvalidArgument("drm: key server '" + o.key_server + "' is not an http(s) URL");
  }
  if (o.ts_aes128 && o.key_uri.find("{kid}") == std::string::npos) {
    return InvalidArgument("drm: key URI must contain {kid}");
  }
  RETURN_IF_ERROR(ValidateTemplate("key URI", o.key_uri));
  return ValidateTemplate("license URL", o.license_url);
}

StatusOr<cenc::Scheme> SchemeOf(const DrmOptions& o) {
  if (o.scheme == "cenc") return cenc::Scheme::kCenc;
  if (o.scheme == "cbcs") return cenc::Scheme::kCbcs;
  return InvalidArgument("drm: scheme '" + o.scheme + "' is not cenc or cbcs");
}

std::string VideoKeyLabel(const DrmOptions& o, int height) {
  if (o.key_policy == "single") return "all";
  if (o.key_policy == "av") return "video";
  if (height <= 576) return "sd";
  return height <= 1080 ? "hd" : "uhd";
}

std::string AudioKeyLabel(const DrmOptions& o) { return o.key_policy == "single" ? "all" : "audio"; }

uint32_t ClearSegments(const DrmOptions& o, const std::vector<double>& segment_seconds) {
  uint32_t n = 0;
  double start = 0;
  for (double d : segment_seconds) {
    if (start >= o.clear_lead_seconds - 1e-6) break;
    ++n;
    start += d;
  }
  // Never the whole stream: an all-clear "protected" track would signal
  // protection no sample has.
  if (n >= segment_seconds.size() && n > 0) n = static_cast<uint32_t>(segment_seconds.size()) - 1;
  return n;
}

std::string ExpandKeyTemplate(std::string templ, const std::string& video_id, const std::string& kid_hex,
                              const std::string& root) {
  // One pass over the template: substituted text is never scanned again.
  std::string out;
  for (size_t i = 0; i < templ.size();) {
    if (templ.compare(i, 7, "{video}") == 0) {
      out += video_id;
      i += 7;
    } else if (templ.compare(i, 5, "{kid}") == 0) {
      out += kid_hex;
      i += 5;
    } else if (templ.compare(i, 6, "{root}") == 0) {
      out += root;
      i += 6;
    } else {
      out.push_back(templ[i++]);
    }
  }
  return out;
}

std::string RootOf(const std::string& rendition_dir) {
  std::string root = "../";
  for (char c : rendition_dir) {
    if (c == '/') root += "../";
  }
  return root;
}

}  // namespace vtp::pipeline
