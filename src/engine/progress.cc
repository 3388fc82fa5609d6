#include "engine/progress.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <utility>

namespace vtp::engine {
namespace {

using ports::TaskRecord;
using ports::TaskState;

bool HasChunkAxis(FanOut f) { return f == FanOut::kPerChunk || f == FanOut::kPerChunkXRendition; }
bool HasRenditionAxis(FanOut f) { return f == FanOut::kPerRendition || f == FanOut::kPerChunkXRendition; }

// A planned task's record, if the scheduler has created one.
struct Slot {
  const TaskRecord* record;  // nullptr: not created yet, i.e. pending
};

TaskState StateOf(const Slot& s) { return s.record ? s.record->state : TaskState::kPending; }

// How long a completed task ran; clock skew never makes it negative.
std::optional<int64_t> RunTime(const TaskRecord& t) {
  std::optional<int64_t> d = t.duration_ms;
  if (!d && t.started_at && t.completed_at) d = *t.completed_at - *t.started_at;
  if (d) d = std::max<int64_t>(0, *d);
  return d;
}

struct Mean {
  double sum = 0;
  int n = 0;
  void Add(int64_t v) {
    sum += static_cast<double>(v);
    ++n;
  }
  std::optional<double> Get() const { return n ? std::optional<double>(sum / n) : std::nullopt; }
};

StepState StateFromCounts(const StepStatus& s) {
  if (s.failed > 0) return StepState::kFailed;
  if (s.retrying > 0) return StepState::kRetrying;
  if (s.running > 0 || (s.completed > 0 && s.completed < *s.total)) return StepState::kRunning;
  if (s.completed == *s.total) return StepState::kCompleted;
  return StepState::kPending;
}

StepStatus StatusOfStep(const StepDef& def, const std::vector<Slot>& slots, bool plan_complete) {
  StepStatus s;
  s.step = def.name;
  s.fan_out = def.fan_out != FanOut::kNone;
  if (slots.empty()) {
    bool skipped = !def.enabled || plan_complete;
    s.state = skipped ? StepState::kSkipped : StepState::kPending;
    if (skipped) s.total = 0;
    return s;
  }
  s.total = static_cast<int>(slots.size());
  for (const Slot& slot : slots) {
    switch (StateOf(slot)) {
      case TaskState::kCompleted: ++s.completed; break;
      case TaskState::kRunning: ++s.running; break;
      case TaskState::kRetrying: ++s.retrying; break;
      case TaskState::kFailed: ++s.failed; break;
      case TaskState::kPending: break;
    }
  }
  s.state = StateFromCounts(s);
  return s;
}

// Work left, in task-milliseconds, or nullopt when nothing was measured.
std::optional<double> RemainingWork(const std::map<std::string_view, std::vector<Slot>>& by_step, Millis now) {
  Mean all;
  std::map<std::string_view, Mean> per_step;
  for (const auto& [step, slots] : by_step) {
    for (const Slot& s : slots) {
      if (StateOf(s) != TaskState::kCompleted) continue;
      if (std::optional<int64_t> d = RunTime(*s.record)) {
        all.Add(*d);
        per_step[step].Add(*d);
      }
    }
  }
  if (!all.Get()) return std::nullopt;
  double work = 0;
  for (const auto& [step, slots] : by_step) {
    double mean = per_step[step].Get().value_or(*all.Get());
    for (const Slot& s : slots) {
      TaskState st = StateOf(s);
      if (st == TaskState::kCompleted) continue;
      double left = mean;
      // A running task is part done; one that has overrun its step's mean
      // is taken to be about to finish.
      if (st == TaskState::kRunning && s.record->started_at) {
        left = std::max(0.0, mean - static_cast<double>(now - *s.record->started_at));
      }
      work += left;
    }
  }
  return work;
}

void Estimate(const std::map<std::string_view, std::vector<Slot>>& by_step, Millis now, int parallelism,
              PipelineProgress& p) {
  for (const StepStatus& s : p.steps) {
    if (s.failed > 0) return;  // dead: nothing finishes without an operator
  }
  if (p.plan_complete && p.tasks_completed == p.tasks_total) {
    // Done: report when it finished rather than a moving "now".
    for (const auto& [step, slots] : by_step) {
      for (const Slot& s : slots) {
        if (!s.record || !s.record->completed_at) continue;
        p.estimated_completion = std::max(p.estimated_completion.value_or(*s.record->completed_at),
                                          *s.record->completed_at);
      }
    }
    return;
  }
  std::optional<double> work = RemainingWork(by_step, now);
  if (!work) return;
  p.estimated_completion = now + static_cast<Millis>(std::ceil(*work / parallelism));
  p.estimate_is_lower_bound = !p.plan_complete;
}

std::string Pad(std::string s, size_t width, bool right) {
  if (s.size() >= width) return s;
  std::string fill(width - s.size(), ' ');
  return right ? fill + s : s + fill;
}

}  // namespace

std::string_view StepStateName(StepState s) {
  switch (s) {
    case StepState::kPending: return "pending";
    case StepState::kRunning: return "running";
    case StepState::kCompleted: return "completed";
    case StepState::kFailed: return "failed";
    case StepState::kRetrying: return "retrying";
    case StepState::kSkipped: return "skipped";
  }
  return "unknown";
}

int OverallPercent(const PipelineProgress& p) { return static_cast<int>(std::floor(p.percent)); }

int WholePercent(int completed, int total) {
  if (total <= 0) return 0;
  return static_cast<int>(100 * static_cast<int64_t>(completed) / total);
}

bool PlanComplete(const PipelineGraph& graph, const JobShape& shape) {
  // The same rule ExpandTasks applies to each step (pipeline_graph.cc, CellsOf).
  for (const StepDef& step : graph.steps()) {
    if (!step.enabled || shape.skipped_steps.count(step.name)) continue;
    std::optional<bool> applies = true;
    if (step.applies == Applies::kIfVideo) applies = shape.has_video;
    if (step.applies == Applies::kIfAudio) applies = shape.has_audio;
    if (!applies) return false;
    if (!*applies) continue;
    if (HasChunkAxis(step.fan_out) && !shape.chunks) return false;
    if (HasRenditionAxis(step.fan_out) && !shape.renditions) return false;
  }
  return true;
}

StatusOr<PipelineProgress> ComputeProgress(const PipelineGraph& graph, const std::vector<TaskPlan>& plan,
                                           bool plan_complete, const std::vector<ports::TaskRecord>& tasks,
                                           Millis now, int parallelism) {
  if (parallelism < 1) return InvalidArgument("parallelism must be at least 1: " + std::to_string(parallelism));
  ASSIGN_OR_RETURN(std::vector<const StepDef*> order, graph.TopologicalOrder());
  std::map<std::string_view, const TaskRecord*> records;
  for (const TaskRecord& t : tasks) records.emplace(t.task_id, &t);
  std::map<std::string_view, std::vector<Slot>> by_step;
  for (const TaskPlan& t : plan) {
    if (!graph.Find(t.step)) return InvalidArgument("planned task '" + t.id + "' names unknown step '" + t.step + "'");
    auto it = records.find(t.id);
    by_step[t.step].push_back({it == records.end() ? nullptr : it->second});
  }

  PipelineProgress p;
  p.plan_complete = plan_complete;
  for (const StepDef* def : order) {
    auto it = by_step.find(def->name);
    static const std::vector<Slot> kNone;
    StepStatus s = StatusOfStep(*def, it == by_step.end() ? kNone : it->second, plan_complete);
    p.tasks_completed += s.completed;
    p.tasks_total += s.total.value_or(0);
    p.steps.push_back(std::move(s));
  }
  if (p.tasks_total > 0) p.percent = 100.0 * p.tasks_completed / p.tasks_total;
  // Deferred steps still have work, however much of the plan is done.
  if (!plan_complete) p.percent = std::min(p.percent, 99.0);
  for (const auto& [step, slots] : by_step) {
    for (const Slot& s : slots) {
      if (!s.record || !s.record->started_at) continue;
      p.started_at = p.started_at ? std::min(*p.started_at, *s.record->started_at) : *s.record->started_at;
    }
  }
  Estimate(by_step, now, parallelism, p);
  return p;
}

std::string FormatUtcTime(Millis t) {
  using namespace std::chrono;
  // Years 0000-9999 keep the calendar arithmetic in range and the format fixed.
  constexpr Millis kMin = -62'167'219'200'000;  // 0000-01-01T00:00:00Z
  constexpr Millis kMax = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z
  sys_time<milliseconds> tp{milliseconds{std::clamp(t, kMin, kMax)}};
  sys_seconds secs = floor<seconds>(tp);
  sys_days day = floor<days>(secs);
  year_month_day ymd{day};
  hh_mm_ss<seconds> hms{secs - day};
  char b[32];
  std::snprintf(b, sizeof(b), "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return b;
}

std::string ProgressToText(const PipelineProgress& p) {
  struct Row {
    std::string name, count, percent, state;
  };
  std::vector<Row> rows;
  for (const StepStatus& s : p.steps) {
    Row r{s.step, "?", "", std::string(StepStateName(s.state))};
    if (s.state == StepState::kSkipped) {
      r.count = "-";
    } else if (s.total) {
      r.count = std::to_string(s.completed) + "/" + std::to_string(*s.total);
      r.percent = std::to_string(WholePercent(s.completed, *s.total)) + "%";
    }
    rows.push_back(std::move(r));
  }
  rows.push_back({"total", std::to_string(p.tasks_completed) + "/" + std::to_string(p.tasks_total),
                  std::to_string(OverallPercent(p)) + "%",
                  p.plan_complete ? "" : "(more steps to plan)"});
  size_t name_w = std::string_view("started").size(), count_w = 0;
  for (const Row& r : rows) {
    name_w = std::max(name_w, r.name.size());
    count_w = std::max(count_w, r.count.size());
  }
  name_w += 2;
  std::string out;
  for (const Row& r : rows) {
    std::string line = Pad(r.name, name_w, false) + Pad(r.count, count_w, true) + "  " + Pad(r.percent, 4, true);
    if (!r.state.empty()) line += "  " + r.state;
    out += line + "\n";
  }
  out += Pad("started", name_w, false) + (p.started_at ? FormatUtcTime(*p.started_at) : "-") + "\n";
  std::string eta = "unknown";
  if (p.estimated_completion) {
    eta = (p.estimate_is_lower_bound ? "at least " : "") + FormatUtcTime(*p.estimated_completion);
  }
  out += Pad("eta", name_w, false) + eta + "\n";
  return out;
}

}  // namespace vtp::engine
