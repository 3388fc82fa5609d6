// A job's DRM settings (JobOptions::drm) and the pure policy over them:
// which key label protects which track, which DRM systems are signalled,
// how many leading segments stay clear. Stored in the job's options JSON;
// an absent "drm" object means no DRM.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "domain/cenc_types.h"

namespace vtp::pipeline {

struct DrmOptions {
  // "" (no DRM), "cenc" (AES-CTR) or "cbcs" (AES-CBC 1:9 pattern).
  std::string scheme;
  // Which tracks share a content key:
  //   "single": one key ("all") for every track;
  //   "av":     "audio" for audio, "video" for video (the default);
  //   "tiers":  "audio", and "sd" (height <= 576), "hd" (<= 1080) or "uhd"
  //             for video, so a leaked SD key opens no HD stream.
  std::string key_policy = "av";
  // Seconds at the start left unencrypted (whole segments: every segment
  // that starts before this instant), so playback starts before a license
  // arrives. 0: all encrypted.
  double clear_lead_seconds = 0;
  // DRM systems signalled in the manifests and init segments, from
  // "widevine", "playready", "fairplay" (cbcs only; HLS skd:// keys) and
  // "clearkey" (W3C Common PSSH).
  std::vector<std::string> systems = {"widevine", "playready", "fairplay", "clearkey"};
  // External key server (CPIX over HTTP) URL; "" = vtp generates keys.
  std::string key_server;
  // A JSON file of keys the user brings ({"keys":[{label, kid, key}]});
  // "" = none. Read by the drm step; exclusive with key_server.
  std::string key_file;
  // MPEG-TS renditions are encrypted whole-segment with AES-128 under the
  // key labelled "aes128" (never a DRM content key: clients fetch it from
  // this URI). {video}, {kid} (32 hex digits) and {root} (the relative path
  // from a playlist to the output's root, "../../" for h264/720p) are
  // substituted. vtp serve defaults to "{root}keys/{kid}", which it serves
  // beside the media with the media's credentials.
  bool ts_aes128 = true;
  std::string key_uri = "/api/v1/videos/{video}/keys/{kid}";
  // License server URL written into manifests for ClearKey
  // (dashif:laurl) and PlayReady (LA_URL); {video} substituted. "" = none.
  std::string license_url;

  bool enabled() const { return !scheme.empty(); }
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DrmOptions, scheme, key_policy, clear_lead_seconds, systems,
                                                key_server, key_file, ts_aes128, key_uri, license_url)

// kInvalidArgument naming the field.
Status ValidateDrmOptions(const DrmOptions& o);

StatusOr<cenc::Scheme> SchemeOf(const DrmOptions& o);

// The key label of a video rendition of `height` lines / of audio.
std::string VideoKeyLabel(const DrmOptions& o, int height);
std::string AudioKeyLabel(const DrmOptions& o);
inline constexpr char kAes128Label[] = "aes128";

// How many leading segments of these durations stay clear.
uint32_t ClearSegments(const DrmOptions& o, const std::vector<double>& segment_seconds);

// `templ` with {video}, {kid} and {root} replaced.
std::string ExpandKeyTemplate(std::string templ, const std::string& video_id, const std::string& kid_hex,
                              const std::string& root = "");

// {root} of a rendition folder: "../" per path element ("h264/720p" ->
// "../../").
std::string RootOf(const std::string& rendition_dir);

// The key URI vtp serve writes: served under /media beside the playlists.
inline constexpr char kMediaRelativeKeyUri[] = "{root}keys/{kid}";

}  // namespace vtp::pipeline
