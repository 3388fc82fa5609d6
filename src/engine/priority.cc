#include "engine/priority.h"

#include <algorithm>
#include <cmath>

namespace vtp::engine {

int BaseLevel(Priority p) { return ports::PriorityLevel(p); }

int EffectiveLevel(int base_level, Millis waited_ms, Millis aging_step_ms, int max_boost) {
  if (aging_step_ms <= 0 || waited_ms <= 0 || max_boost <= 0) return base_level;
  Millis steps = waited_ms / aging_step_ms;
  return base_level + static_cast<int>(std::min<Millis>(max_boost, steps));
}

int EffectivePriority(Priority base, Millis waited_ms, const AgingOptions& opts) {
  int level = BaseLevel(base);
  return EffectiveLevel(level, waited_ms, opts.aging_step_ms, ports::kMaxPriorityLevel - level);
}

std::optional<Millis> MaxWait(Priority base, const AgingOptions& opts) {
  if (opts.aging_step_ms <= 0) return std::nullopt;
  return static_cast<Millis>(ports::kMaxPriorityLevel - BaseLevel(base)) * opts.aging_step_ms;
}

int ShortVideoBoost(double duration_sec, const ShortVideoOptions& opts) {
  if (!std::isfinite(duration_sec) || duration_sec <= 0 || duration_sec >= opts.threshold_sec) return 0;
  return std::max(0, opts.boost_levels);
}

Priority SubmissionPriority(Priority requested, double duration_sec, const ShortVideoOptions& opts) {
  int level = BaseLevel(requested);
  int cap = BaseLevel(opts.cap);
  if (level >= cap) return requested;
  int boosted = std::min(cap, level + ShortVideoBoost(duration_sec, opts));
  return *ports::PriorityFromLevel(boosted);
}

}  // namespace vtp::engine
