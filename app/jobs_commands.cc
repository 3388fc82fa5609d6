// The operator's view of the durable engine:
//   vtp status [VIDEO] [--json]          pipeline progress and ETA (or all videos)
//   vtp dlq list [--json]                dead-lettered tasks
//   vtp dlq show TASK [--json]           one dead task with every attempt's error
//   vtp dlq retry TASK|--all [--no-wait] requeue dead tasks
//   vtp retry VIDEO --from STEP [--no-wait]
// Every command takes --data DIR. Without --no-wait, dlq retry and retry run
// local workers until the videos concerned are ready or failed again.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "app/commands.h"
#include "app/drive.h"
#include "app/runtime.h"
#include "engine/progress.h"
#include "engine/progress_json.h"
#include "pipeline/report.h"

namespace vtp::app {
namespace {

using nlohmann::json;

struct Flags {
  std::vector<std::string> positional;
  bool json = false;
  bool no_wait = false;
  bool all = false;
  bool quiet = false;
  int workers = 0;
  std::string from;
};

// Parses the flags every jobs command shares; false (after printing why) on
// anything unknown.
bool ParseFlags(const char* cmd, int argc, char** argv, Flags& f) {
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--json") {
      f.json = true;
    } else if (a == "--no-wait") {
      f.no_wait = true;
    } else if (a == "--all") {
      f.all = true;
    } else if (a == "--quiet") {
      f.quiet = true;
    } else if (a == "--from" && i + 1 < argc) {
      f.from = argv[++i];
    } else if (a == "--workers" && i + 1 < argc) {
      f.workers = std::atoi(argv[++i]);
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "vtp %s: unknown option %s\n", cmd, a.c_str());
      return false;
    } else {
      f.positional.push_back(a);
    }
  }
  return true;
}

int Report(const char* cmd, const Status& s) {
  std::fprintf(stderr, "vtp %s: %s\n", cmd, s.ToString().c_str());
  return ErrorCodeExitStatus(s.code());
}

StatusOr<std::unique_ptr<Runtime>> OpenFor(int& argc, char** argv) {
  return Runtime::Open(TakeDataFlag(argc, argv));
}

json AttemptJson(const ports::AttemptRecord& a) {
  json j = {{"seq", a.seq}, {"attempt", a.attempt}, {"worker_id", a.worker_id},
            {"started_at", engine::FormatUtcTime(a.started_at)},
            {"outcome", std::string(ports::AttemptOutcomeName(a.outcome))},
            {"error_code", a.error_code}, {"error_message", a.error_message}};
  if (a.ended_at) j["ended_at"] = engine::FormatUtcTime(*a.ended_at);
  return j;
}

json DeadLetterJson(const ports::DeadLetter& d, bool with_attempts) {
  json j = {{"task_id", d.task_id}, {"video_id", d.video_id}, {"step", d.step},
            {"dead_at", engine::FormatUtcTime(d.dead_at)}, {"reason", d.reason},
            {"attempts", d.attempts.size()}};
  if (with_attempts) {
    j["attempts"] = json::array();
    for (const auto& a : d.attempts) j["attempts"].push_back(AttemptJson(a));
  }
  return j;
}

// Runs local workers for each video unless --no-wait; exit status of the
// worst outcome.
int Finish(const char* cmd, Runtime& rt, const Flags& f, const std::set<std::string>& videos) {
  if (f.no_wait) {
    std::printf("queued; run `vtp worker` (or the same `vtp run`) to process it\n");
    return 0;
  }
  InstallInterruptHandler();
  int rc = 0;
  for (const auto& id : videos) {
    auto end = Drive(rt, f.workers, f.quiet, id);
    if (!end.ok()) return Report(cmd, end.status());
    if (end->status == ports::VideoStatus::kFailed) {
      rc = Report(cmd, FailureOf(rt, *end).WithContext(id));
      continue;
    }
    std::printf("%s: %s\n", id.c_str(), std::string(ports::VideoStatusName(end->status)).c_str());
  }
  return rc;
}

int StatusOne(Runtime& rt, const std::string& id, bool as_json) {
  auto view = rt.scheduler->View(id);
  if (!view.ok()) return Report("status", view.status());
  auto p = engine::ComputeProgress(rt.graph, view->plan, view->plan_complete, view->tasks,
                                   rt.clock.NowMillis(), pipeline::DefaultWorkersHere());
  if (!p.ok()) return Report("status", p.status());
  if (as_json) {
    std::puts(engine::ProgressToJson(view->video, *p).dump(2).c_str());
    return 0;
  }
  std::printf("%s  %s  %s\n", id.c_str(), std::string(ports::VideoStatusName(view->video.status)).c_str(),
              view->video.title.c_str());
  if (!view->video.error_message.empty()) std::printf("error: %s\n", view->video.error_message.c_str());
  std::fputs(engine::ProgressToText(*p).c_str(), stdout);
  return 0;
}

}  // namespace

int StatusCommand(int argc, char** argv) {
  auto rt = OpenFor(argc, argv);
  Flags f;
  if (!ParseFlags("status", argc, argv, f) || f.positional.size() > 1) {
    std::fputs("usage: vtp status [VIDEO] [--json] [--data DIR]\n", stderr);
    return 2;
  }
  if (!rt.ok()) return Report("status", rt.status());
  if (f.positional.size() == 1) return StatusOne(**rt, f.positional[0], f.json);
  auto videos = (*rt)->store->ListVideos(std::nullopt);
  if (!videos.ok()) return Report("status", videos.status());
  json list = json::array();
  for (const auto& v : *videos) {
    std::string status(ports::VideoStatusName(v.status));
    list.push_back({{"video_id", v.video_id}, {"status", status}, {"title", v.title},
                    {"error_message", v.error_message}});
    if (!f.json) std::printf("%-18s %-12s %s\n", v.video_id.c_str(), status.c_str(), v.title.c_str());
  }
  if (f.json) std::puts(list.dump(2).c_str());
  return 0;
}

int DlqCommand(int argc, char** argv) {
  auto rt = OpenFor(argc, argv);
  Flags f;
  const char* usage = "usage: vtp dlq list|show TASK|retry TASK|--all [--json] [--no-wait] [--data DIR]\n";
  if (!ParseFlags("dlq", argc, argv, f) || f.positional.empty()) {
    std::fputs(usage, stderr);
    return 2;
  }
  if (!rt.ok()) return Report("dlq", rt.status());
  Runtime& r = **rt;
  const std::string& verb = f.positional[0];
  if (verb == "list" && f.positional.size() == 1) {
    auto dead = r.store->ListDeadLetters();
    if (!dead.ok()) return Report("dlq", dead.status());
    json list = json::array();
    for (const auto& d : *dead) {
      list.push_back(DeadLetterJson(d, false));
      if (!f.json) std::printf("%s  %s  %s\n", d.task_id.c_str(), engine::FormatUtcTime(d.dead_at).c_str(), d.reason.c_str());
    }
    if (f.json) std::puts(list.dump(2).c_str());
    return 0;
  }
  if (verb == "show" && f.positional.size() == 2) {
    auto d = r.store->GetDeadLetter(f.positional[1]);
    if (!d.ok()) return Report("dlq", d.status());
    json j = DeadLetterJson(*d, true);
    if (f.json) {
      std::puts(j.dump(2).c_str());
      return 0;
    }
    std::printf("%s (video %s, step %s)\ndead since %s: %s\n", d->task_id.c_str(), d->video_id.c_str(),
                d->step.c_str(), engine::FormatUtcTime(d->dead_at).c_str(), d->reason.c_str());
    for (const auto& a : d->attempts) {
      std::printf("  run %d (attempt %d) on %s: %s %s %s\n", a.seq, a.attempt, a.worker_id.c_str(),
                  std::string(ports::AttemptOutcomeName(a.outcome)).c_str(), a.error_code.c_str(),
                  a.error_message.c_str());
    }
    return 0;
  }
  if (verb == "retry" && (f.positional.size() == 2) != f.all) {
    std::vector<std::string> ids;
    if (f.all) {
      auto dead = r.store->ListDeadLetters();
      if (!dead.ok()) return Report("dlq", dead.status());
      for (const auto& d : *dead) ids.push_back(d.task_id);
    } else {
      ids.push_back(f.positional[1]);
    }
    std::set<std::string> videos;
    for (const auto& id : ids) {
      auto task = r.store->GetTask(id);
      if (!task.ok()) return Report("dlq", task.status());
      if (Status s = r.scheduler->RequeueDeadLetter(id); !s.ok()) return Report("dlq", s);
      videos.insert(task->video_id);
      std::printf("requeued %s\n", id.c_str());
    }
    return Finish("dlq", r, f, videos);
  }
  std::fputs(usage, stderr);
  return 2;
}

int RetryCommand(int argc, char** argv) {
  auto rt = OpenFor(argc, argv);
  Flags f;
  if (!ParseFlags("retry", argc, argv, f) || f.positional.size() != 1 || f.from.empty()) {
    std::fputs("usage: vtp retry VIDEO --from STEP [--no-wait] [--workers N] [--data DIR]\n", stderr);
    return 2;
  }
  if (!rt.ok()) return Report("retry", rt.status());
  Runtime& r = **rt;
  const std::string& id = f.positional[0];
  std::string from = f.from;
  auto steps = r.scheduler->Downstream(from);
  if (!steps.ok()) return Report("retry", steps.status());
  std::error_code ec;
  // `vtp run` removes a finished video's intermediates; reusing "completed"
  // upstream results that point at deleted files would fail every task, so
  // everything after the probe is redone from the stored original instead.
  if (!std::filesystem::exists(r.paths.WorkDir(id), ec) && from != "ingest" && from != "probe") {
    std::fprintf(stderr, "vtp retry: intermediates of %s were removed after it finished; retrying from probe\n", id.c_str());
    from = "probe";
  }
  if (Status s = r.scheduler->RetryFrom(id, from); !s.ok()) return Report("retry", s);
  std::printf("retrying %s from %s\n", id.c_str(), from.c_str());
  return Finish("retry", r, f, {id});
}

}  // namespace vtp::app
