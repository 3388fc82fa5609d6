// What an API upload becomes: the job options a client may set, and the
// video row a completed upload turns into (UploadService's VideoMaker).
//
// UploadRecord::options_json holds {"priority": "normal", "job": {...}}:
// the client's options, already validated, merged over the defaults when
// the upload completes.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "domain/codec_policy.h"
#include "pipeline/job_options.h"
#include "ports/records.h"
#include "ports/service_store.h"

namespace vtp::control {

// The options a client may set on POST /videos/upload ("options"): the
// encoding knobs, never paths or limits. Every other key is refused.
inline constexpr const char* kClientJobOptions[] = {"segment_seconds", "x264_preset", "audio", "thumbnails",
                                                    "captions_language", "drm"};
// The keys of "drm" a client may set. Never key_server or key_file (the
// server's own flag and files) nor key_uri (where this server serves keys).
inline constexpr const char* kClientDrmOptions[] = {"scheme", "key_policy", "clear_lead_seconds",
                                                    "systems", "ts_aes128", "license_url"};

// The DRM of an upload's video: `server` (`vtp serve --drm ...`; scheme ""
// = none) when `client` is null, else the client's "drm" object
// (kClientDrmOptions keys) merged over `server`. A client object always
// asks for DRM, so the result must name a scheme (cenc or cbcs). key_server
// and key_uri are always the server's, key_file always "". Validated with
// pipeline::ValidateDrmOptions; kInvalidArgument naming the field.
StatusOr<pipeline::DrmOptions> UploadDrm(const nlohmann::json& client, const pipeline::DrmOptions& server);

// Validates `client` (an object of kClientJobOptions keys; "drm" as
// UploadDrm over `server_drm`) and `priority` ("low", "normal", "high",
// "urgent"); returns the upload's options_json. kInvalidArgument naming
// the field otherwise.
StatusOr<std::string> UploadOptionsJson(const nlohmann::json& client, const std::string& priority,
                                        const pipeline::DrmOptions& server_drm = {});

struct UploadJobDefaults {
  std::string public_root;  // outputs go to <public_root>/<video_id>
  std::string blob_root;    // LocalBlobStore root (the original's path)
  int chunk_workers = 1;
  // Codecs a video gets at upload: the policy's tiers that need no views
  // (creator-priority grants; tier 1). Source-dependent grants (height,
  // HDR) wait for the first views signal after the probe.
  CodecPolicy codec_policy = CodecPolicy::Default();
  // `vtp serve --drm`: what the upload's "drm" option is merged over.
  pipeline::DrmOptions drm = {};
};

// The video row for a completed upload: title, creator, original key
// (originals/<id>/original.<ext from the filename>), the job options with
// the source, checksum and output directory filled in.
StatusOr<ports::VideoRecord> VideoForUpload(const ports::UploadRecord& upload, const std::string& sha256,
                                            const UploadJobDefaults& defaults);

}  // namespace vtp::control
