// How the manifests announce a protected job: from the drm step's result
// (pipeline/drm_step.h) to each rendition's DASH ContentProtection elements
// and HLS EXT-X-KEY tags, and the CMAF master's EXT-X-SESSION-KEYs. Pure.
//
// Per key (label):
//  - DASH: mp4protection (scheme + cenc:default_KID), then per signalled
//    system: Widevine and W3C Common/ClearKey with their pssh box,
//    PlayReady with pssh and mspr:pro. A license URL, when the job has one,
//    goes on the ClearKey element as dashif:laurl.
//  - HLS fMP4: METHOD=SAMPLE-AES (cbcs) or SAMPLE-AES-CTR (cenc), one tag per
//    system: Widevine (data: URI of its pssh, KEYFORMAT its urn:uuid),
//    PlayReady (data: URI of the PlayReady Object, KEYFORMAT
//    com.microsoft.playready), FairPlay (skd://KID,
//    com.apple.streamingkeydelivery; cbcs only), ClearKey (data: URI of
//    the Common PSSH, KEYFORMAT urn:uuid:1077efec-...).
//  - HLS MPEG-TS: METHOD=AES-128 with the key URI, no IV attribute (the
//    IV is the media sequence number, which is how the drm step encrypts).
#pragma once

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "pipeline/manifests.h"

namespace vtp::pipeline {

// Attaches the signalling of `drm_result` to the renditions of `in` (matched
// by dir) and fills in.session_keys. kInvalidArgument for a malformed result
// or a rendition the result does not cover.
Status ApplyDrmSignalling(const nlohmann::json& drm_result, ManifestInput& in);

}  // namespace vtp::pipeline
