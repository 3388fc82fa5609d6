#include "engine/progress_json.h"

#include <string>

namespace vtp::engine {
namespace {

nlohmann::json TimeOrNull(const std::optional<Millis>& t) {
  return t ? nlohmann::json(FormatUtcTime(*t)) : nlohmann::json(nullptr);
}

nlohmann::json StepToJson(const StepStatus& s) {
  std::string state(StepStateName(s.state));
  if (!s.fan_out || !s.total || s.state == StepState::kSkipped) return state;
  return {{"completed", s.completed},
          {"total", *s.total},
          {"percent", WholePercent(s.completed, *s.total)},
          {"state", state}};
}

}  // namespace

nlohmann::json ProgressToJson(const ports::VideoRecord& video, const PipelineProgress& p) {
  nlohmann::json steps = nlohmann::json::object();
  for (const StepStatus& s : p.steps) steps[s.step] = StepToJson(s);
  nlohmann::json j = {
      {"video_id", video.video_id},
      {"status", std::string(ports::VideoStatusName(video.status))},
      {"pipeline_progress", std::move(steps)},
      {"percent", OverallPercent(p)},
      {"started_at", TimeOrNull(p.started_at)},
      {"estimated_completion", TimeOrNull(p.estimated_completion)},
      {"estimate_is_lower_bound", p.estimate_is_lower_bound},
  };
  if (video.status == ports::VideoStatus::kFailed) j["error_message"] = video.error_message;
  return j;
}

}  // namespace vtp::engine
