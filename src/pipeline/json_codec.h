// JSON forms of the domain and media values that cross the process boundary
// between the orchestrator and its workers.
#pragma once

#include <nlohmann/json.hpp>

#include "domain/ladder.h"
#include "domain/media_info.h"
#include "domain/segment_plan.h"
#include "media/package.h"
#include "media/transcode.h"

namespace vtp::pipeline {

nlohmann::json RationalToJson(Rational r);  // [num, den]
Rational RationalFromJson(const nlohmann::json& j);

nlohmann::json RenditionToJson(const VideoRendition& r);
VideoRendition RenditionFromJson(const nlohmann::json& j);

nlohmann::json ConditioningToJson(const media::PictureConditioning& c);
media::PictureConditioning ConditioningFromJson(const nlohmann::json& j);

nlohmann::json PlanToJson(const SegmentPlan& p);
SegmentPlan PlanFromJson(const nlohmann::json& j);

nlohmann::json LimitsToJson(const ProbeLimits& l);
ProbeLimits LimitsFromJson(const nlohmann::json& j);  // throws json::exception

nlohmann::json TrackToJson(const media::PackagedTrack& t);
media::PackagedTrack TrackFromJson(const nlohmann::json& j);

}  // namespace vtp::pipeline
