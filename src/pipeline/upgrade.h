// Tier upgrades: adding video codecs to a video that may already be
// published. The new codec's chunks are encoded and packaged, and the
// manifest and publish steps run again (manifest_version + 1) and merge into
// the output: the H.264 renditions are not re-run, every existing file and
// URL stays as it was, and the masters gain the new variants.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "domain/codec_policy.h"
#include "engine/scheduler.h"
#include "pipeline/planner.h"
#include "ports/metadata_store.h"

namespace vtp::pipeline {

struct UpgradeResult {
  std::vector<std::string> added;  // codecs new to the video, kVideoCodecs order
  std::vector<std::string> codecs;  // the video's codecs now
  int manifest_version = 1;
  // True when the intermediates were gone (`vtp run` removes them) and the
  // job re-runs from the probe: H.264 outputs come out byte-identical.
  bool from_probe = false;
};

// Adds `codecs` to the video's ladder and queues the work. Codecs it
// already has are ignored (no work, `added` empty). kInvalidArgument for an
// unknown codec, kNotFound for an unknown video, kFailedPrecondition-style
// kInvalidArgument for a failed or removed video (retry it first).
StatusOr<UpgradeResult> AddCodecs(ports::MetadataStore& store, engine::Scheduler& scheduler,
                                  const DataPaths& paths, std::string_view video_id,
                                  const std::vector<std::string>& codecs);

// The popularity signal applied: asks `policy` which codecs the video should
// have given its views (and its creator's priority and source height) and
// adds the missing ones with AddCodecs. A failed or removed video only gets
// the reasons. `reasons` says why each codec is or is not there.
struct PolicyOutcome {
  std::vector<PolicyReason> reasons;
  UpgradeResult upgrade;
};
StatusOr<PolicyOutcome> ApplyCodecPolicy(ports::MetadataStore& store, engine::Scheduler& scheduler,
                                         const DataPaths& paths, const CodecPolicy& policy,
                                         std::string_view video_id, int64_t views_first_hour,
                                         int64_t total_views);

}  // namespace vtp::pipeline
