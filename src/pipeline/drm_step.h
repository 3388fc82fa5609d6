// The drm step: obtains a video's content keys from the key source, then
// encrypts every packaged rendition from its clear folder into the output
// folder the manifest and publish steps read. CMAF fMP4 gets Common
// Encryption (cenc or cbcs, domain/cenc_fragment.h) with pssh boxes for the
// signalled DRM systems; MPEG-TS segments get HLS AES-128 whole-segment
// encryption (RFC 8216 §4.3.2.4) under their own key.
//
// Key material never appears in parameters, results or logs: the result
// carries KIDs, pssh boxes and key URIs only. The step is the only one that
// talks to the key source, so a key server outage fails (and retries) this
// step alone.
//
// Params:
//   {"video_id", "scheme": "cenc"|"cbcs", "systems": [...], "license_url",
//    "key_uri", "clear_lead_seconds", "ts_aes128",
//    "tracks": [{"name", "label", "from", "to", "track": <package result>}]}
// Result:
//   {"scheme", "keys": [{"label", "kid", "pssh": {"widevine"|"playready"|
//    "clearkey": base64 box}, "playready_pro": base64}],
//    "aes128": {"kid", "uri"} (when any TS), "tracks": [{"name", "label",
//    "kid", "clear_segments", "ts_key_uri" (when any TS: the key URI as
//    that rendition's playlist names it, {root} expanded), "track":
//    <package result, byte counts of the encrypted files>}]}
#pragma once

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "ports/key_source.h"

namespace vtp::pipeline {

StatusOr<nlohmann::json> RunDrm(const nlohmann::json& params, ports::KeySource& keys);

}  // namespace vtp::pipeline
