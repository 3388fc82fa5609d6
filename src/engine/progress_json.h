// The status API's body for one video (seed: GET /api/v1/videos/{id}/status):
//
//   {"video_id": "v1", "status": "transcoding",
//    "pipeline_progress": {"probe": "completed",
//                          "transcode": {"completed": 45, "total": 60,
//                                        "percent": 75, "state": "running"},
//                          "drm": "skipped", ...},
//    "percent": 72, "started_at": "2025-03-14T10:45:00Z",
//    "estimated_completion": "2025-03-14T11:15:00Z",
//    "estimate_is_lower_bound": false}
//
//  - pipeline_progress has one member per graph step: a fan-out step whose
//    task count is known is an object (the seed's completed / total / percent,
//    plus its state, so a failed chunk is visible); every other step, and a
//    fan-out step that is deferred or skipped, is its StepStateName. Member
//    order carries no meaning (nlohmann::json sorts keys); the pipeline's
//    order is PipelineProgress::steps.
//  - percent values are rounded down (WholePercent, OverallPercent), so 100
//    means done.
//  - started_at / estimated_completion are FormatUtcTime, or null when
//    unknown; estimate_is_lower_bound is true while deferred steps are left
//    out of the estimate (engine/progress.h).
//  - "error_message" (the video's) is present only when the video failed.
// Added to the seed's shape: "percent", "estimate_is_lower_bound", the state
// inside fan-out objects; a client that reads only the seed's fields is
// unaffected.
//
// Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "engine/progress.h"
#include "ports/records.h"

namespace vtp::engine {

nlohmann::json ProgressToJson(const ports::VideoRecord& video, const PipelineProgress& p);

}  // namespace vtp::engine
