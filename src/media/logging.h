// Public: how much libav* prints. Kept apart from av_handles.h so callers
// outside src/media never include a libav header.
#pragma once

namespace vtp::media {

// Silences libav's own logging unless VTP_AV_LOG is set (a level name such as
// "error" or "debug", or a number). Call once at process start.
void ConfigureLibavLogging();

}  // namespace vtp::media
