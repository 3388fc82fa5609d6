// Signed, expiring playback URLs. When a deployment sets a playback secret,
// published media is served only under
//
//   /media/t/<expires>.<signature>/<video_id>/<file...>
//
// where <expires> is Unix seconds and <signature> is the lowercase hex
// HMAC-SHA256(secret, "<video_id>:<expires>") truncated to 32 digits. The
// token covers the video, not the file: manifests name their playlists and
// segments by relative URLs, so a player that was handed a signed master
// URL fetches everything below it under the same token until it expires.
//
// Pure: time is a parameter. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vtp::service {

// "<expires>.<signature>" for the video.
std::string SignPlayback(std::string_view secret, std::string_view video_id, int64_t expires_unix);
// OK when `token` was made by SignPlayback for this video with this secret
// and has not expired at `now_unix`. kInvalidArgument for a malformed
// token, kCorruptInput for a wrong signature (compared in constant time),
// kDeadlineExceeded once expired.
Status VerifyPlayback(std::string_view secret, std::string_view video_id, std::string_view token,
                      int64_t now_unix);

}  // namespace vtp::service
