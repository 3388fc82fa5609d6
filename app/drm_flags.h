// The --drm* command-line flags of `vtp run`, shared text and parsing.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "pipeline/drm_options.h"

namespace vtp::app {

extern const char kDrmUsage[];

// "h264,hevc" -> {"h264", "hevc"}: the comma lists of --codecs and
// --drm-systems. Empty entries are kept so that validation names them.
std::vector<std::string> SplitList(const std::string& list);

// Parses `flag` if it is a DRM flag, taking its value from `value()`.
// Returns false when `flag` is not one; kInvalidArgument for a bad value.
StatusOr<bool> ParseDrmFlag(const std::string& flag, const std::function<const char*()>& value,
                            pipeline::DrmOptions& drm, bool& any_drm_flag);

// Checks what can be checked before submission: DRM flags without --drm,
// the options themselves, and a key file (read, parsed, made absolute).
Status PrepareDrm(pipeline::DrmOptions& drm, bool any_drm_flag);

// The key file's SHA-256 (hex), so a job's identity changes with the keys
// it was given, not with the file's name; "" without a key file.
StatusOr<std::string> KeyFileDigest(const pipeline::DrmOptions& drm);

}  // namespace vtp::app
