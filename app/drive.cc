#include "app/drive.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "app/local_workers.h"
#include "app/progress_bar.h"
#include "engine/progress.h"
#include "pipeline/report.h"

namespace vtp::app {
namespace {

volatile sig_atomic_t g_interrupted = 0;
void OnInterrupt(int) { g_interrupted = 1; }

// The GPU fallback (Scheduler::RerouteWaiting): tasks waiting for a GPU
// worker that went away, or for too long, move to the CPU pool.
Status RerouteStalled(Runtime& rt) {
  ASSIGN_OR_RETURN(engine::RerouteResult rerouted, rt.scheduler->RerouteWaiting(rt.clock.NowMillis(), rt.reroute));
  for (const auto& e : rerouted.errors) std::fprintf(stderr, "vtp: re-planning a GPU task for the CPU: %s\n", e.c_str());
  return Status::Ok();
}

std::vector<StepProgress> BarSteps(const engine::PipelineProgress& p) {
  std::vector<StepProgress> steps;
  for (const auto& s : p.steps) {
    if (s.state == engine::StepState::kSkipped) continue;
    steps.push_back({s.step, s.completed, s.total.value_or(0)});
  }
  return steps;
}

}  // namespace

void InstallInterruptHandler() {
  struct sigaction sa = {};
  sa.sa_handler = OnInterrupt;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

Status FailureOf(Runtime& rt, const ports::VideoRecord& v) {
  auto tasks = rt.store->ListTasks(v.video_id);
  if (tasks.ok()) {
    for (const auto& t : *tasks) {
      if (t.state != ports::TaskState::kFailed) continue;
      auto attempts = rt.store->ListAttempts(t.task_id);
      if (attempts.ok() && !attempts->empty()) {
        return Status(ErrorCodeFromName(attempts->back().error_code), attempts->back().error_message);
      }
    }
  }
  return Status(ErrorCode::kInternal, v.error_message);
}

StatusOr<ports::VideoRecord> Drive(Runtime& rt, int workers_wanted, bool quiet, const std::string& video_id) {
  LocalWorkers workers(SelfExe(), {"--data", rt.data_dir}, *rt.store, rt.store);
  int n = workers_wanted > 0 ? workers_wanted : pipeline::DefaultWorkersHere();
  RETURN_IF_ERROR(workers.Start(n));
  bool show = !quiet && ::isatty(STDERR_FILENO);
  ProgressBar bar(show);
  ports::Millis next_tick = 0;
  for (;;) {
    if (g_interrupted) {
      workers.StopAll();
      return Status(ErrorCode::kInternal, "interrupted; run the same command again to resume");
    }
    RETURN_IF_ERROR(workers.Supervise().status());
    ports::Millis now = rt.clock.NowMillis();
    if (now >= next_tick) {
      // Workers plan after every report; this is the safety net for a
      // report whose planning failed, and the lease reaper.
      (void)rt.store->ExpireLeases();
      RETURN_IF_ERROR(RerouteStalled(rt));
      RETURN_IF_ERROR(rt.scheduler->Advance(video_id).status());
      next_tick = now + 500;
    }
    if (show) {
      // Planning the whole view is the costly part; only a terminal needs it.
      ASSIGN_OR_RETURN(engine::PlanView view, rt.scheduler->View(video_id));
      ASSIGN_OR_RETURN(engine::PipelineProgress progress,
                       engine::ComputeProgress(rt.graph, view.plan, view.plan_complete, view.tasks, now, n));
      bar.OnProgress(BarSteps(progress));
    }
    ASSIGN_OR_RETURN(ports::VideoRecord video, rt.store->GetVideo(video_id));
    if (video.status == ports::VideoStatus::kReady || video.status == ports::VideoStatus::kFailed) {
      bar.Finish();
      workers.StopAll();
      return video;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(show ? 100 : 25));
  }
}

}  // namespace vtp::app
