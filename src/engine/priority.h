// Scheduling priority: levels, aging, the starvation bound, and the
// short-video boost.
//
// The lease order itself is defined once, in ports/task_queue.h
// (EffectivePriorityLevel, LeasesBefore), because every queue adapter must
// implement it; this header restates it as the general formula, derives the
// starvation bound from it, and adds the submission-time policy (which
// priority a video's tasks get). tests/engine/priority_test.cc checks that the
// two agree.
//
// Levels: low 0, normal 1, high 2, urgent 3 (ports::Priority). A task's
// effective level after waiting `w` since it became ready is
//     base + min(max_boost, floor(w / aging_step)),  max_boost = 3 - base
// i.e. every level ages one step per aging_step up to urgent, where ties go
// to the task that became ready first.
//
// Pure; thread-safe.
#pragma once

#include <optional>

#include "ports/clock.h"
#include "ports/records.h"

namespace vtp::engine {

using ports::Millis;
using ports::Priority;

struct AgingOptions {
  // One level per this much waiting; <= 0 disables aging (strict priority,
  // no starvation bound). Same default as ports::QueueOptions.
  Millis aging_step_ms = 60'000;
};

// 0 (low) .. 3 (urgent).
int BaseLevel(Priority p);

// base_level + min(max_boost, waited_ms / aging_step_ms); base_level when
// aging_step_ms <= 0, waited_ms <= 0 or max_boost <= 0.
int EffectiveLevel(int base_level, Millis waited_ms, Millis aging_step_ms, int max_boost);

// The queue's rule: EffectiveLevel with max_boost = 3 - base, so every task
// converges on the urgent level and is then ordered by ready time.
int EffectivePriority(Priority base, Millis waited_ms, const AgingOptions& opts);

// The starvation bound: after waiting this long a task of priority `base` is
// at the top level, so no task that became ready after it is leased before
// it; it then waits only for work that was ready before it (or within this
// bound after it). (3 - base) * aging_step_ms; 0 for urgent; nullopt when
// aging is disabled. With the default 60 s step: normal 2 min, low 3 min.
std::optional<Millis> MaxWait(Priority base, const AgingOptions& opts);

// Short videos jump one level so they can meet the seed's target ("short
// videos (< 5 min) within 5 minutes" against 30 minutes for the rest).
struct ShortVideoOptions {
  double threshold_sec = 300;  // strictly shorter than this counts as short
  int boost_levels = 1;
  // The boost never lifts above this: urgent stays reserved for what is
  // explicitly marked urgent (premium / operator escalation).
  Priority cap = Priority::kHigh;
};

// boost_levels when 0 < duration_sec < threshold_sec, else 0 (unknown or
// non-finite durations get no boost).
int ShortVideoBoost(double duration_sec, const ShortVideoOptions& opts = {});

// The priority a video's tasks are enqueued with: the requested one raised
// by ShortVideoBoost, but never above opts.cap unless it was already above.
Priority SubmissionPriority(Priority requested, double duration_sec, const ShortVideoOptions& opts = {});

}  // namespace vtp::engine
