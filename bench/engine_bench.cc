// engine_bench: the embedded engine's own overhead with no-op tasks (issue 3).
//
// What it measures is the QUEUE DISPATCH PATH every task goes through, not
// the scheduler's planning: workers loop
//     Lease(worker, {"cpu"}, 30 s) -> Complete(task, worker, "{}", 0)
// against the embedded queue (SqliteStore: one WAL SQLite file, every call one
// BEGIN IMMEDIATE transaction), each worker a separate PROCESS with its own
// SqliteStore on the same file, as real workers will run. The same loop over
// InMemoryStore with threads in one process is the floor (no I/O, no
// cross-process locking), clearly labelled as such. It is a lower bound on
// per-call overhead only while the store is small: InMemoryStore::Lease scans
// every task it holds (completed ones included), so its Lease cost grows
// linearly with N and at N = 20,000 it is slower than SQLite's indexed Lease.
//
// Two modes:
//  - closed: N tasks (mixed priorities) are enqueued up front in CreateTasks
//    batches; W workers drain them. tasks/s = N / (first Lease call .. last
//    Complete return). "wait" = Lease return - start of the drain: every task
//    was ready at the start, so this is only the task's place in the backlog.
//  - open: a producer (its own process) enqueues at a fixed rate R for a few
//    seconds, one CreateTasks per tick, while W workers poll. Each task carries
//    its intended enqueue time (steady clock, ns, system-wide on Linux) in
//    params_json; queue-to-start latency = Lease return - that time. The
//    producer stamps the *scheduled* time of its tick, so a producer that
//    falls behind (e.g. waiting for the write lock) shows up as latency rather
//    than being hidden (no coordinated omission). Workers that find the queue
//    empty sleep --idle-sleep-us before polling again. commit-to-start =
//    Lease return - return of the CreateTasks that enqueued the task.
// A third backend, "1 shared connection (threads)", runs the same loops as
// threads sharing ONE SqliteStore (what a single dispatcher process would
// see: mutex handoff instead of SQLite's cross-process busy handler).
//
// Exit status: 0 when every scenario ran and verified (all tasks completed,
// each exactly once); 1 on any error; 2 on bad options. Speed targets are NOT
// checked here (they live in docs/benchmarks.md).
#include <sqlite3.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "adapters/memory_store.h"
#include "adapters/pg_db.h"
#include "adapters/postgres_store.h"
#include "adapters/redis_client.h"
#include "adapters/redis_task_queue.h"
#include "adapters/sqlite_store.h"
#include "core/status.h"
#include "ports/clock.h"
#include "ports/records.h"
#include "ports/task_queue.h"

namespace {

using vtp::ErrorCode;
using vtp::Status;
using vtp::adapters::InMemoryStore;
using vtp::adapters::SqliteStore;
using vtp::adapters::SqliteStoreOptions;
using vtp::ports::Priority;
using vtp::ports::TaskQueue;
using vtp::ports::TaskRecord;

constexpr const char* kVideoId = "bench-video";
constexpr int kMaxWorkers = 64;
constexpr int kLeaseMs = 30'000;
constexpr int kMaxBusyRetries = 100;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void SleepNs(int64_t ns) {
  if (ns > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(ns));
}

// ---- options -----------------------------------------------------------------

// kSqlite: one process per worker, each with its own connection (the real
// deployment). kSqliteShared: threads sharing ONE SqliteStore in one process
// (its mutex serialises them; no cross-process lock, no busy handler) -- what
// a single dispatcher process would see. kMemory: InMemoryStore, threads.
// kPostgres: one process per worker, each with its own PostgresStore (row
// locks, SKIP LOCKED). kPgRedis: the same with RedisTaskQueue in front
// (distributed mode: Redis sorted sets pick, PostgreSQL claims).
enum class Backend { kSqlite, kSqliteShared, kMemory, kPostgres, kPgRedis };
enum class Mode { kClosed, kOpen };

struct Options {
  int tasks = 20'000;            // closed loop, SQLite synchronous=NORMAL and memory
  int full_tasks = 5'000;        // closed loop, SQLite synchronous=FULL
  int batch = 500;               // CreateTasks batch size, closed-loop setup
  std::vector<int> workers = {1, 2, 4};
  std::vector<int> rates = {1000, 3000, 5000};
  std::vector<int> full_workers = {2};
  std::vector<int> full_rates = {1000};
  double open_seconds = 3.0;
  int tick_ms = 2;               // producer: one CreateTasks per tick
  int idle_sleep_us = 1000;      // worker: sleep after an empty Lease
  bool sqlite_normal = true;
  bool sqlite_full = true;
  bool memory = true;
  bool shared = true;            // kSqliteShared rows (W = 2)
  bool closed = true;
  bool open = true;
  std::string dir;               // parent of the temp dir (default $TMPDIR or /tmp)
  bool keep = false;
  double timeout_s = 120;        // per scenario
  double wait_idle_s = 0;        // before the first scenario
  // Distributed backends: a PostgreSQL server (the bench creates one
  // database per scenario on it) and a Redis; "" skips them.
  std::string pg_url;
  std::string redis_url;
  bool only_distributed = false;
  // Workers report with CompleteAndLease and run the task it hands back
  // (engine::Worker's chain_leases), instead of Complete then Lease.
  bool chain = false;
};

std::vector<int> ParseIntList(const std::string& s) {
  std::vector<int> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(std::stoi(item));
  }
  return out;
}

void Usage() {
  std::fprintf(stderr,
               "usage: engine_bench [options]\n"
               "  --tasks N            closed-loop tasks (SQLite NORMAL, memory), default 20000\n"
               "  --full-tasks N       closed-loop tasks for SQLite synchronous=FULL, default 5000\n"
               "  --batch N            CreateTasks batch size for closed-loop setup, default 500\n"
               "  --workers LIST       worker counts, default 1,2,4\n"
               "  --rates LIST         open-loop enqueue rates (tasks/s), default 1000,3000,5000\n"
               "  --full-workers LIST  worker counts for FULL, default 2\n"
               "  --full-rates LIST    open-loop rates for FULL, default 1000\n"
               "  --open-seconds S     open-loop enqueue duration, default 3\n"
               "  --tick-ms MS         producer tick (one CreateTasks per tick), default 2\n"
               "  --idle-sleep-us US   worker sleep after an empty Lease, default 1000\n"
               "  --no-normal | --no-full | --no-memory | --no-shared   skip a backend\n"
               "  --no-closed | --no-open                  skip a mode\n"
               "  --dir DIR            where to create the temp dir (default $TMPDIR or /tmp)\n"
               "  --keep               keep the database files\n"
               "  --wait-idle S        first wait up to S s for the machine to be < 10%% busy\n"
               "  --quick              tasks 4000, full-tasks 1000, open-seconds 1\n"
               "  --pg URL             also PostgreSQL rows (a database per scenario is created)\n"
               "  --redis URL          with --pg: also PostgreSQL + Redis rows\n"
               "  --only-distributed   only the PostgreSQL (+ Redis) rows\n"
               "  --chain              workers report with CompleteAndLease and run the task it\n"
               "                       returns (engine::Worker's chain_leases)\n");
}

bool ParseArgs(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    try {
      if (a == "--tasks") o.tasks = std::stoi(next());
      else if (a == "--full-tasks") o.full_tasks = std::stoi(next());
      else if (a == "--batch") o.batch = std::stoi(next());
      else if (a == "--workers") o.workers = ParseIntList(next());
      else if (a == "--rates") o.rates = ParseIntList(next());
      else if (a == "--full-workers") o.full_workers = ParseIntList(next());
      else if (a == "--full-rates") o.full_rates = ParseIntList(next());
      else if (a == "--open-seconds") o.open_seconds = std::stod(next());
      else if (a == "--tick-ms") o.tick_ms = std::stoi(next());
      else if (a == "--idle-sleep-us") o.idle_sleep_us = std::stoi(next());
      else if (a == "--no-normal") o.sqlite_normal = false;
      else if (a == "--no-full") o.sqlite_full = false;
      else if (a == "--no-memory") o.memory = false;
      else if (a == "--no-shared") o.shared = false;
      else if (a == "--no-closed") o.closed = false;
      else if (a == "--no-open") o.open = false;
      else if (a == "--dir") o.dir = next();
      else if (a == "--keep") o.keep = true;
      else if (a == "--wait-idle") o.wait_idle_s = std::stod(next());
      else if (a == "--pg") o.pg_url = next();
      else if (a == "--redis") o.redis_url = next();
      else if (a == "--only-distributed") o.only_distributed = true;
      else if (a == "--chain") o.chain = true;
      else if (a == "--quick") {
        o.tasks = 4000;
        o.full_tasks = 1000;
        o.open_seconds = 1;
      } else if (a == "-h" || a == "--help") {
        Usage();
        std::exit(0);
      } else {
        std::fprintf(stderr, "engine_bench: unknown option %s\n", a.c_str());
        Usage();
        return false;
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "engine_bench: bad value for %s: %s\n", a.c_str(), e.what());
      return false;
    }
  }
  auto bad_list = [](const std::vector<int>& v) {
    return v.empty() || std::any_of(v.begin(), v.end(), [](int x) { return x < 1; });
  };
  if (o.tasks < 1 || o.full_tasks < 1 || o.batch < 1 || o.tick_ms < 1 || o.idle_sleep_us < 0 ||
      o.open_seconds <= 0 || bad_list(o.workers) || bad_list(o.rates) ||
      bad_list(o.full_workers) || bad_list(o.full_rates)) {
    std::fprintf(stderr, "engine_bench: counts, rates and durations must be positive\n");
    return false;
  }
  for (const auto* list : {&o.workers, &o.full_workers}) {
    for (int w : *list) {
      if (w > kMaxWorkers) {
        std::fprintf(stderr, "engine_bench: at most %d workers\n", kMaxWorkers);
        return false;
      }
    }
  }
  return true;
}

// ---- scenario ----------------------------------------------------------------

struct Scenario {
  Backend backend = Backend::kSqlite;
  SqliteStoreOptions::Sync sync = SqliteStoreOptions::Sync::kNormal;
  Mode mode = Mode::kClosed;
  int workers = 1;
  int tasks = 0;  // closed loop
  int rate = 0;   // open loop, tasks/s
  std::string db_path;       // SQLite file; PostgreSQL: the scenario database's URL
  std::string redis_url;     // kPgRedis
  std::string key_prefix;    // kPgRedis: the scenario's Redis keys
  std::string stats_prefix;  // worker k writes <prefix>.w<k>, the producer <prefix>.p
};

std::string Label(const Scenario& s) {
  if (s.backend == Backend::kMemory) return "memory (threads; Lease scans every task)";
  if (s.backend == Backend::kPostgres) return "postgres (SKIP LOCKED)";
  if (s.backend == Backend::kPgRedis) return "postgres + redis";
  std::string store =
      s.sync == SqliteStoreOptions::Sync::kFull ? "sqlite FULL" : "sqlite NORMAL";
  if (s.backend == Backend::kSqliteShared) store += ", 1 shared connection (threads)";
  return store;
}

// Lives in a MAP_SHARED mapping so forked workers and the parent see it.
struct Shared {
  std::atomic<int> ready;          // workers/producer that opened their store
  std::atomic<int> go;             // parent: start now
  std::atomic<int64_t> start_ns;   // parent: when go was set
  std::atomic<int> producer_done;  // producer: enqueued its last batch
  std::atomic<int64_t> enqueued;   // producer: tasks committed so far
};
static_assert(std::atomic<int64_t>::is_always_lock_free);

// What one worker (or the producer) reports, via a file.
struct Stats {
  int64_t done = 0;              // tasks leased and completed
  int64_t first_call_ns = 0;     // before its first Lease/CreateTasks
  int64_t last_end_ns = 0;       // after its last Complete/CreateTasks
  int64_t busy_retries = 0;      // kIo "database is busy" answers retried
  int64_t empty_polls = 0;       // Lease found nothing
  std::vector<int64_t> wait_ns;  // per task: queue-to-start (open) or backlog wait (closed)
  std::vector<int64_t> lease_ns;     // per successful Lease call
  std::vector<int64_t> complete_ns;  // per Complete call (producer: per CreateTasks)
  // Open loop: workers record (task index, Lease return); the producer
  // (first task index of the batch, CreateTasks return), so that the parent
  // can split queue-to-start into enqueue delay and commit-to-start.
  std::vector<int64_t> index;
  std::vector<int64_t> at_ns;
};

bool WriteVec(std::ofstream& out, const std::vector<int64_t>& v) {
  int64_t n = static_cast<int64_t>(v.size());
  out.write(reinterpret_cast<const char*>(&n), sizeof n);
  out.write(reinterpret_cast<const char*>(v.data()),
            static_cast<std::streamsize>(v.size() * sizeof(int64_t)));
  return static_cast<bool>(out);
}

bool ReadVec(std::ifstream& in, std::vector<int64_t>& v) {
  int64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), sizeof n);
  if (!in || n < 0 || n > 100'000'000) return false;
  v.resize(static_cast<size_t>(n));
  in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(n * 8));
  return static_cast<bool>(in);
}

bool SaveStats(const std::string& path, const Stats& s) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  int64_t head[5] = {s.done, s.first_call_ns, s.last_end_ns, s.busy_retries, s.empty_polls};
  out.write(reinterpret_cast<const char*>(head), sizeof head);
  return WriteVec(out, s.wait_ns) && WriteVec(out, s.lease_ns) && WriteVec(out, s.complete_ns) &&
         WriteVec(out, s.index) && WriteVec(out, s.at_ns);
}

bool LoadStats(const std::string& path, Stats& s) {
  std::ifstream in(path, std::ios::binary);
  int64_t head[5] = {};
  in.read(reinterpret_cast<char*>(head), sizeof head);
  if (!in) return false;
  s.done = head[0];
  s.first_call_ns = head[1];
  s.last_end_ns = head[2];
  s.busy_retries = head[3];
  s.empty_polls = head[4];
  return ReadVec(in, s.wait_ns) && ReadVec(in, s.lease_ns) && ReadVec(in, s.complete_ns) &&
         ReadVec(in, s.index) && ReadVec(in, s.at_ns);
}

// Deterministic mixed priorities: roughly 25% low, 40% normal, 25% high,
// 10% urgent.
Priority MixedPriority(int64_t i) {
  uint64_t x = static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ULL;
  x ^= x >> 29;
  int bucket = static_cast<int>(x % 20);
  if (bucket < 5) return Priority::kLow;
  if (bucket < 13) return Priority::kNormal;
  if (bucket < 18) return Priority::kHigh;
  return Priority::kUrgent;
}

TaskRecord NoOpTask(int64_t i, int64_t stamp_ns) {
  TaskRecord t;
  char id[32];
  std::snprintf(id, sizeof id, "t%08" PRId64, i);
  t.task_id = id;
  t.video_id = kVideoId;
  t.step = "noop";
  t.segment_index = static_cast<int>(i);
  t.pool = "cpu";
  t.priority = MixedPriority(i);
  t.params_json = "{\"t\":" + std::to_string(stamp_ns) + "}";
  t.max_attempts = 3;
  return t;
}

int64_t IndexOf(const TaskRecord& t) {
  return t.task_id.size() > 1 ? std::strtoll(t.task_id.c_str() + 1, nullptr, 10) : -1;
}

int64_t StampOf(const TaskRecord& t) {
  const char* p = std::strstr(t.params_json.c_str(), "\"t\":");
  if (p == nullptr) return -1;
  return std::strtoll(p + 4, nullptr, 10);
}

bool IsBusy(const Status& s) { return s.code() == ErrorCode::kIo; }

void Fail(const std::string& what, const Status& s) {
  std::fprintf(stderr, "engine_bench: %s: %s\n", what.c_str(), s.ToString().c_str());
}

void WaitForGo(Shared& sh) {
  sh.ready.fetch_add(1);
  while (sh.go.load() == 0) SleepNs(50'000);
}

// Records a leased task in `st` (returned at `t1`). False: it has no stamp.
bool NoteLeased(const Scenario& sc, const TaskRecord& task, int64_t t1, int64_t start_ns,
                Stats& st) {
  if (sc.mode == Mode::kClosed) {
    st.wait_ns.push_back(t1 - start_ns);
    return true;
  }
  int64_t stamp = StampOf(task);
  if (stamp < 0) {
    std::fprintf(stderr, "engine_bench: task %s has no stamp\n", task.task_id.c_str());
    return false;
  }
  st.wait_ns.push_back(t1 - stamp);
  st.index.push_back(IndexOf(task));
  st.at_ns.push_back(t1);
  return true;
}

// Reports `task` done: Complete, or with --chain CompleteAndLease (what
// engine::Worker does when chain_leases is on), whose next task lands in
// `*next`. Retries busy answers. 0 on success.
int Finish(TaskQueue& q, const TaskRecord& task, const std::string& worker_id,
           const std::vector<std::string>& pools, const Options& o, Stats& st,
           std::optional<TaskRecord>* next, int64_t* next_at) {
  for (int busy = 0;; ++busy) {
    int64_t c0 = NowNs();
    Status done = Status::Ok();
    if (o.chain) {
      auto chained = q.CompleteAndLease(task.task_id, worker_id, "{}", 0, pools, kLeaseMs);
      if (chained.ok()) *next = *std::move(chained);
      done = chained.status();
    } else {
      done = q.Complete(task.task_id, worker_id, "{}", 0);
    }
    int64_t c1 = NowNs();
    if (done.ok()) {
      st.complete_ns.push_back(c1 - c0);
      st.last_end_ns = c1;
      *next_at = c1;
      return 0;
    }
    if (!IsBusy(done) || busy + 1 >= kMaxBusyRetries) {
      Fail((o.chain ? "CompleteAndLease " : "Complete ") + task.task_id, done);
      return 1;
    }
    ++st.busy_retries;
  }
}

// One worker: Lease -> Complete (or Lease -> CompleteAndLease -> ... with
// --chain) until the queue is empty (closed) or the producer is done and the
// queue is empty (open). Returns 0 on success.
int RunWorker(const Scenario& sc, int index, TaskQueue& q, Shared& sh, const Options& o) {
  Stats st;
  st.wait_ns.reserve(static_cast<size_t>(sc.mode == Mode::kClosed ? sc.tasks : 1 << 16));
  const std::string worker_id = "w" + std::to_string(index);
  const std::vector<std::string> pools = {"cpu"};
  WaitForGo(sh);
  const int64_t start_ns = sh.start_ns.load();
  st.first_call_ns = NowNs();
  int busy_in_row = 0;
  std::optional<TaskRecord> chained;  // leased by the last CompleteAndLease
  int64_t chained_at = 0;
  for (;;) {
    std::optional<TaskRecord> task;
    int64_t t1 = 0;
    if (chained) {
      task = std::move(chained);
      chained.reset();
      t1 = chained_at;
    } else {
      bool producer_done_before = sh.producer_done.load() != 0;
      int64_t t0 = NowNs();
      auto leased = q.Lease(worker_id, pools, kLeaseMs);
      t1 = NowNs();
      if (!leased.ok()) {
        if (IsBusy(leased.status()) && ++busy_in_row < kMaxBusyRetries) {
          ++st.busy_retries;
          continue;
        }
        Fail("Lease", leased.status());
        return 1;
      }
      busy_in_row = 0;
      if (!leased->has_value()) {
        if (sc.mode == Mode::kClosed || producer_done_before) break;
        ++st.empty_polls;
        SleepNs(int64_t{o.idle_sleep_us} * 1000);
        continue;
      }
      st.lease_ns.push_back(t1 - t0);
      task = *std::move(leased);
    }
    if (!NoteLeased(sc, *task, t1, start_ns, st)) return 1;
    // The no-op task runs here.
    if (Finish(q, *task, worker_id, pools, o, st, &chained, &chained_at) != 0) return 1;
    ++st.done;
  }
  if (!SaveStats(sc.stats_prefix + ".w" + std::to_string(index), st)) {
    std::fprintf(stderr, "engine_bench: cannot write worker stats\n");
    return 1;
  }
  return 0;
}

// The open-loop producer: one CreateTasks per tick, enough tasks to keep the
// cumulative count at rate * elapsed, each stamped with its tick's scheduled
// time.
int RunProducer(const Scenario& sc, vtp::ports::MetadataStore& store, Shared& sh,
                const Options& o) {
  Stats st;
  WaitForGo(sh);
  const int64_t start_ns = sh.start_ns.load();
  const int64_t tick_ns = int64_t{o.tick_ms} * 1'000'000;
  const int64_t end_ns = start_ns + static_cast<int64_t>(o.open_seconds * 1e9);
  int64_t enqueued = 0;
  st.first_call_ns = NowNs();
  for (int64_t k = 1;; ++k) {
    int64_t due_at = start_ns + k * tick_ns;
    if (due_at > end_ns) break;
    SleepNs(due_at - NowNs());
    int64_t target = static_cast<int64_t>(
        static_cast<double>(sc.rate) * static_cast<double>(k * tick_ns) / 1e9);
    if (target <= enqueued) continue;
    std::vector<TaskRecord> batch;
    for (int64_t i = enqueued; i < target; ++i) batch.push_back(NoOpTask(i, due_at));
    for (int busy = 0;; ++busy) {
      int64_t c0 = NowNs();
      auto created = store.CreateTasks(batch);
      int64_t c1 = NowNs();
      if (created.ok()) {
        if (*created != static_cast<int>(batch.size())) {
          std::fprintf(stderr, "engine_bench: CreateTasks inserted %d of %zu\n", *created,
                       batch.size());
          return 1;
        }
        st.complete_ns.push_back(c1 - c0);
        st.last_end_ns = c1;
        st.index.push_back(enqueued);
        st.at_ns.push_back(c1);
        break;
      }
      if (IsBusy(created.status()) && busy < kMaxBusyRetries) {
        ++st.busy_retries;
        continue;
      }
      Fail("CreateTasks", created.status());
      return 1;
    }
    enqueued = target;
    sh.enqueued.store(enqueued);
  }
  st.done = enqueued;
  sh.producer_done.store(1);
  if (!SaveStats(sc.stats_prefix + ".p", st)) {
    std::fprintf(stderr, "engine_bench: cannot write producer stats\n");
    return 1;
  }
  return 0;
}

// ---- setup and verification ----------------------------------------------------

Status CreateVideo(vtp::ports::MetadataStore& store) {
  vtp::ports::VideoRecord v;
  v.video_id = kVideoId;
  v.creator_id = "bench";
  v.title = "engine_bench no-op tasks";
  v.original_key = "bench/original.mp4";
  v.original_format = "mp4";
  return store.CreateVideo(v);
}

Status EnqueueUpFront(vtp::ports::MetadataStore& store, int tasks, int batch_size) {
  for (int first = 0; first < tasks; first += batch_size) {
    std::vector<TaskRecord> batch;
    for (int i = first; i < std::min(tasks, first + batch_size); ++i) {
      batch.push_back(NoOpTask(i, 0));
    }
    auto created = store.CreateTasks(batch);
    if (!created.ok()) return created.status();
  }
  return Status::Ok();
}

// Every task completed, exactly one attempt each, and the workers' counts add
// up. Returns the number of tasks in the store.
vtp::StatusOr<int64_t> Verify(vtp::ports::MetadataStore& store, int64_t expected,
                              int64_t done_by_workers) {
  auto tasks = store.ListTasks(kVideoId);
  if (!tasks.ok()) return tasks.status();
  int64_t completed = 0;
  for (const TaskRecord& t : *tasks) {
    if (t.state != vtp::ports::TaskState::kCompleted || t.attempts != 1) {
      return vtp::Internal("task " + t.task_id + " is " +
                           std::string(vtp::ports::TaskStateName(t.state)) + " after " +
                           std::to_string(t.attempts) + " attempts");
    }
    ++completed;
  }
  if (completed != expected || done_by_workers != expected) {
    return vtp::Internal("expected " + std::to_string(expected) + " tasks, store has " +
                         std::to_string(completed) + " completed, workers report " +
                         std::to_string(done_by_workers));
  }
  return completed;
}

// ---- results -----------------------------------------------------------------

struct Dist {
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  size_t n = 0;
};

Dist Summarise(std::vector<int64_t> v) {
  Dist d;
  d.n = v.size();
  if (v.empty()) return d;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    size_t i = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
    return static_cast<double>(v[std::min(i, v.size() - 1)]) / 1e6;
  };
  d.p50_ms = at(0.50);
  d.p99_ms = at(0.99);
  d.max_ms = static_cast<double>(v.back()) / 1e6;
  return d;
}

struct Result {
  Scenario sc;
  int64_t tasks = 0;
  double seconds = 0;        // closed: first Lease .. last Complete; open: start .. last Complete
  double tasks_per_s = 0;
  double enqueue_per_s = 0;  // open: achieved producer rate
  double drain_ms = 0;       // open: producer done .. last Complete
  Dist wait, lease, complete, create;
  Dist after_commit;  // open: Lease return - CreateTasks return of the task's batch
  int64_t busy = 0, empty_polls = 0;
  double cpu_s = 0;          // CPU of the workers/producer (children or this process)
  double other_cpu_s = 0;    // busy CPU of the whole machine minus cpu_s: others' work
};

// Busy CPU time of the whole machine (all CPUs), from /proc/stat.
double BusyCpuSeconds() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  int64_t t[8] = {};
  in >> cpu;
  for (int64_t& x : t) in >> x;
  // user nice system idle iowait irq softirq steal
  int64_t busy = t[0] + t[1] + t[2] + t[5] + t[6] + t[7];
  return static_cast<double>(busy) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Waits (at most limit_s) until the machine has been under 10% busy for
// 2 s, like bench/proc_tree_rss.py --wait-idle. Returns seconds waited.
double WaitIdle(double limit_s) {
  int64_t start = NowNs();
  double cpus = std::max(1u, std::thread::hardware_concurrency());
  while (static_cast<double>(NowNs() - start) / 1e9 < limit_s) {
    double b = BusyCpuSeconds();
    SleepNs(2'000'000'000);
    if (BusyCpuSeconds() - b < 0.1 * 2 * cpus) break;
  }
  return static_cast<double>(NowNs() - start) / 1e9;
}

double ChildrenCpuSeconds() {
  struct rusage ru {};
  getrusage(RUSAGE_CHILDREN, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double SelfCpuSeconds() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

std::optional<Result> Collect(const Scenario& sc, int64_t store_tasks) {
  Result r;
  r.sc = sc;
  r.tasks = store_tasks;
  std::vector<int64_t> wait, lease, complete, index, at_ns;
  int64_t first = INT64_MAX, last = 0, done = 0;
  for (int k = 0; k < sc.workers; ++k) {
    Stats st;
    if (!LoadStats(sc.stats_prefix + ".w" + std::to_string(k), st)) {
      std::fprintf(stderr, "engine_bench: cannot read stats of worker %d\n", k);
      return std::nullopt;
    }
    first = std::min(first, st.first_call_ns);
    last = std::max(last, st.last_end_ns);
    done += st.done;
    r.busy += st.busy_retries;
    r.empty_polls += st.empty_polls;
    wait.insert(wait.end(), st.wait_ns.begin(), st.wait_ns.end());
    lease.insert(lease.end(), st.lease_ns.begin(), st.lease_ns.end());
    complete.insert(complete.end(), st.complete_ns.begin(), st.complete_ns.end());
    index.insert(index.end(), st.index.begin(), st.index.end());
    at_ns.insert(at_ns.end(), st.at_ns.begin(), st.at_ns.end());
  }
  if (sc.mode == Mode::kOpen) {
    Stats p;
    if (!LoadStats(sc.stats_prefix + ".p", p)) {
      std::fprintf(stderr, "engine_bench: cannot read producer stats\n");
      return std::nullopt;
    }
    r.busy += p.busy_retries;
    r.create = Summarise(p.complete_ns);
    first = std::min(first, p.first_call_ns);
    double enqueue_s = static_cast<double>(p.last_end_ns - p.first_call_ns) / 1e9;
    r.enqueue_per_s = enqueue_s > 0 ? static_cast<double>(p.done) / enqueue_s : 0;
    r.drain_ms = std::max(0.0, static_cast<double>(last - p.last_end_ns) / 1e6);
    // Commit time of every task: its batch's CreateTasks return.
    std::vector<int64_t> committed(static_cast<size_t>(p.done), -1);
    for (size_t b = 0; b < p.index.size(); ++b) {
      int64_t end = b + 1 < p.index.size() ? p.index[b + 1] : p.done;
      for (int64_t i = p.index[b]; i < end && i < p.done; ++i) {
        committed[static_cast<size_t>(i)] = p.at_ns[b];
      }
    }
    std::vector<int64_t> after;
    for (size_t k = 0; k < index.size(); ++k) {
      if (index[k] < 0 || index[k] >= p.done || committed[static_cast<size_t>(index[k])] < 0) {
        std::fprintf(stderr, "engine_bench: leased task %" PRId64 " was never enqueued\n",
                     index[k]);
        return std::nullopt;
      }
      after.push_back(at_ns[k] - committed[static_cast<size_t>(index[k])]);
    }
    r.after_commit = Summarise(std::move(after));
  }
  r.seconds = static_cast<double>(last - first) / 1e9;
  r.tasks_per_s = r.seconds > 0 ? static_cast<double>(done) / r.seconds : 0;
  r.wait = Summarise(std::move(wait));
  r.lease = Summarise(std::move(lease));
  r.complete = Summarise(std::move(complete));
  return r;
}

// ---- running a scenario --------------------------------------------------------

std::unique_ptr<Shared, void (*)(Shared*)> MapShared() {
  void* p = mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
                 0);
  if (p == MAP_FAILED) return {nullptr, [](Shared*) {}};
  auto* sh = new (p) Shared{};
  return {sh, [](Shared* s) {
            s->~Shared();
            munmap(s, sizeof(Shared));
          }};
}

// Waits for every child; kills them all after the deadline. True if all
// exited 0.
bool ReapChildren(std::vector<pid_t>& pids, int64_t deadline_ns) {
  bool ok = true;
  size_t left = pids.size();
  std::vector<bool> reaped(pids.size(), false);
  while (left > 0) {
    for (size_t i = 0; i < pids.size(); ++i) {
      if (reaped[i]) continue;
      int status = 0;
      pid_t got = waitpid(pids[i], &status, WNOHANG);
      if (got == pids[i]) {
        reaped[i] = true;
        --left;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ok = false;
      }
    }
    if (left > 0 && NowNs() > deadline_ns) {
      std::fprintf(stderr, "engine_bench: scenario timed out; killing its processes\n");
      for (size_t i = 0; i < pids.size(); ++i) {
        if (!reaped[i]) kill(pids[i], SIGKILL);
      }
      for (size_t i = 0; i < pids.size(); ++i) {
        if (!reaped[i]) waitpid(pids[i], nullptr, 0);
      }
      return false;
    }
    if (left > 0) SleepNs(1'000'000);
  }
  return ok;
}

void StartWhenReady(Shared& sh, int participants) {
  while (sh.ready.load() < participants) SleepNs(100'000);
  sh.start_ns.store(NowNs());
  sh.go.store(1);
}

SqliteStoreOptions StoreOptions(const Scenario& sc) {
  SqliteStoreOptions so;
  so.synchronous = sc.sync;
  return so;
}

// `server_url` ("postgresql://user@host:port/db") with database `name`.
std::string PgDatabaseUrl(const std::string& server_url, const std::string& name) {
  size_t scheme = server_url.find("://");
  size_t slash = server_url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  std::string base = slash == std::string::npos ? server_url : server_url.substr(0, slash);
  return base + "/" + name;
}

// CREATE DATABASE for the scenario at `url` (through `server_url`'s own
// database), so every scenario starts empty.
Status CreatePgDatabase(const std::string& server_url, const std::string& url) {
  ASSIGN_OR_RETURN(auto conn, vtp::adapters::pg::Connection::Open(server_url, {}));
  std::string name = url.substr(url.rfind('/') + 1);
  return conn->ExecScript("CREATE DATABASE " + name);
}

// The stores one process opens: the ports it uses plus what owns them.
struct Opened {
  std::unique_ptr<SqliteStore> sqlite;
  std::unique_ptr<vtp::adapters::PostgresStore> pg;
  std::unique_ptr<vtp::adapters::RedisClient> redis;
  std::unique_ptr<vtp::adapters::RedisTaskQueue> front;
  vtp::ports::MetadataStore* meta = nullptr;
  TaskQueue* queue = nullptr;
};

vtp::StatusOr<std::unique_ptr<Opened>> OpenStores(const Scenario& sc, vtp::ports::Clock& clock) {
  auto o = std::make_unique<Opened>();
  if (sc.backend == Backend::kSqlite) {
    ASSIGN_OR_RETURN(o->sqlite, SqliteStore::Open(sc.db_path, clock, StoreOptions(sc)));
    o->meta = o->sqlite.get();
    o->queue = o->sqlite.get();
    return o;
  }
  vtp::adapters::PostgresStoreOptions po;
  po.pool_size = 1;
  ASSIGN_OR_RETURN(o->pg, vtp::adapters::PostgresStore::Open(sc.db_path, clock, po));
  o->meta = o->pg.get();
  o->queue = o->pg.get();
  if (sc.backend == Backend::kPgRedis) {
    vtp::adapters::RedisOptions ro;
    ro.url = sc.redis_url;
    ASSIGN_OR_RETURN(o->redis, vtp::adapters::RedisClient::Connect(ro));
    vtp::adapters::RedisTaskQueueOptions qo;
    qo.key_prefix = sc.key_prefix;
    qo.aging_step_ms = vtp::ports::QueueOptions().aging_step_ms;
    o->front = std::make_unique<vtp::adapters::RedisTaskQueue>(*o->pg, *o->pg, *o->redis, clock, qo);
    o->meta = o->front.get();
    o->queue = o->front.get();
  }
  return o;
}

// Workers (and the producer) as processes, each with its own stores.
std::optional<Result> RunForked(const Scenario& sc, const Options& o) {
  vtp::ports::SystemClock clock;
  {
    // Setup, then close: no connection crosses fork().
    auto store = OpenStores(sc, clock);
    if (!store.ok()) return Fail("open " + sc.db_path, store.status()), std::nullopt;
    Status s = CreateVideo(*(*store)->meta);
    if (s.ok() && sc.mode == Mode::kClosed) s = EnqueueUpFront(*(*store)->meta, sc.tasks, o.batch);
    if (!s.ok()) return Fail("setup", s), std::nullopt;
  }
  auto sh = MapShared();
  if (!sh) return std::fprintf(stderr, "engine_bench: mmap failed\n"), std::nullopt;
  std::fflush(nullptr);
  double cpu0 = ChildrenCpuSeconds();
  std::vector<pid_t> pids;
  int participants = sc.workers + (sc.mode == Mode::kOpen ? 1 : 0);
  for (int k = 0; k < participants; ++k) {
    pid_t pid = fork();
    if (pid < 0) {
      std::perror("fork");
      for (pid_t p : pids) kill(p, SIGKILL);
      for (pid_t p : pids) waitpid(p, nullptr, 0);
      return std::nullopt;
    }
    if (pid == 0) {
      int rc = 1;
      {
        vtp::ports::SystemClock child_clock;
        auto store = OpenStores(sc, child_clock);
        if (!store.ok()) {
          Fail("open in child", store.status());
          sh->ready.fetch_add(1);
        } else if (k < sc.workers) {
          rc = RunWorker(sc, k, *(*store)->queue, *sh, o);
        } else {
          rc = RunProducer(sc, *(*store)->meta, *sh, o);
        }
      }
      std::fflush(nullptr);
      _exit(rc);
    }
    pids.push_back(pid);
  }
  StartWhenReady(*sh, participants);
  bool ok = ReapChildren(pids, NowNs() + static_cast<int64_t>(o.timeout_s * 1e9));
  if (!ok) return std::fprintf(stderr, "engine_bench: a worker failed\n"), std::nullopt;
  double cpu_s = ChildrenCpuSeconds() - cpu0;

  auto store = OpenStores(sc, clock);
  if (!store.ok()) return Fail("reopen", store.status()), std::nullopt;
  int64_t expected = sc.mode == Mode::kClosed ? sc.tasks : sh->enqueued.load();
  int64_t by_workers = 0;
  for (int k = 0; k < sc.workers; ++k) {
    Stats st;
    if (LoadStats(sc.stats_prefix + ".w" + std::to_string(k), st)) by_workers += st.done;
  }
  auto verified = Verify(*(*store)->meta, expected, by_workers);
  if (!verified.ok()) return Fail("verify", verified.status()), std::nullopt;
  auto r = Collect(sc, *verified);
  if (r) r->cpu_s = cpu_s;
  return r;
}

// Workers (and the producer) as threads over one store object.
template <typename Store>
std::optional<Result> RunThreads(const Scenario& sc, const Options& o, Store& store) {
  Status s = CreateVideo(store);
  if (s.ok() && sc.mode == Mode::kClosed) s = EnqueueUpFront(store, sc.tasks, o.batch);
  if (!s.ok()) return Fail("setup", s), std::nullopt;
  auto sh = MapShared();
  if (!sh) return std::nullopt;
  int participants = sc.workers + (sc.mode == Mode::kOpen ? 1 : 0);
  std::vector<int> rcs(static_cast<size_t>(participants), 1);
  std::vector<std::thread> threads;
  double cpu0 = SelfCpuSeconds();
  for (int k = 0; k < participants; ++k) {
    threads.emplace_back([&, k] {
      rcs[static_cast<size_t>(k)] =
          k < sc.workers ? RunWorker(sc, k, store, *sh, o) : RunProducer(sc, store, *sh, o);
    });
  }
  StartWhenReady(*sh, participants);
  for (auto& t : threads) t.join();
  double cpu_s = SelfCpuSeconds() - cpu0;
  if (std::any_of(rcs.begin(), rcs.end(), [](int rc) { return rc != 0; })) {
    std::fprintf(stderr, "engine_bench: a worker failed\n");
    return std::nullopt;
  }
  int64_t expected = sc.mode == Mode::kClosed ? sc.tasks : sh->enqueued.load();
  int64_t by_workers = 0;
  for (int k = 0; k < sc.workers; ++k) {
    Stats st;
    if (LoadStats(sc.stats_prefix + ".w" + std::to_string(k), st)) by_workers += st.done;
  }
  auto verified = Verify(store, expected, by_workers);
  if (!verified.ok()) return Fail("verify", verified.status()), std::nullopt;
  auto r = Collect(sc, *verified);
  if (r) r->cpu_s = cpu_s;
  return r;
}

std::optional<Result> RunInProcess(const Scenario& sc, const Options& o) {
  vtp::ports::SystemClock clock;
  if (sc.backend == Backend::kMemory) {
    InMemoryStore store(clock);
    return RunThreads(sc, o, store);
  }
  auto store = SqliteStore::Open(sc.db_path, clock, StoreOptions(sc));
  if (!store.ok()) return Fail("open " + sc.db_path, store.status()), std::nullopt;
  return RunThreads(sc, o, **store);
}

// ---- reporting ---------------------------------------------------------------

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "unknown";
}

std::string Fmt(double v, int decimals = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

void PrintClosedTable(const std::vector<Result>& rs) {
  std::printf(
      "\n### Closed loop: N tasks enqueued up front, W workers drain them\n\n"
      "| store | W | tasks | wall s | tasks/s | backlog wait p50 / p99 / max ms | "
      "Lease p50 / p99 ms | Complete p50 / p99 ms | busy retries | CPU-s | others' CPU-s |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const Result& r : rs) {
    if (r.sc.mode != Mode::kClosed) continue;
    std::printf("| %s | %d | %" PRId64 " | %s | **%s** | %s / %s / %s | %s / %s | %s / %s | %" PRId64
                " | %s | %s |\n",
                Label(r.sc).c_str(), r.sc.workers, r.tasks, Fmt(r.seconds).c_str(),
                Fmt(r.tasks_per_s, 0).c_str(), Fmt(r.wait.p50_ms, 0).c_str(),
                Fmt(r.wait.p99_ms, 0).c_str(), Fmt(r.wait.max_ms, 0).c_str(),
                Fmt(r.lease.p50_ms, 3).c_str(), Fmt(r.lease.p99_ms).c_str(),
                Fmt(r.complete.p50_ms, 3).c_str(), Fmt(r.complete.p99_ms).c_str(), r.busy,
                Fmt(r.cpu_s, 1).c_str(), Fmt(r.other_cpu_s, 1).c_str());
  }
}

void PrintOpenTable(const std::vector<Result>& rs, const Options& o) {
  std::printf(
      "\n### Open loop: a producer enqueues at R tasks/s for %s s (one CreateTasks per %d ms), "
      "W workers poll (sleep %d us when empty)\n\n"
      "| store | R/s | W | tasks | enqueued/s | completed/s | queue-to-start p50 / p99 / max ms | "
      "commit-to-start p50 / p99 ms | drain ms | Lease p50 / p99 ms | Complete p50 / p99 ms | CreateTasks p50 / p99 ms | "
      "empty polls | busy retries | CPU-s | others' CPU-s |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
      Fmt(o.open_seconds, 1).c_str(), o.tick_ms, o.idle_sleep_us);
  for (const Result& r : rs) {
    if (r.sc.mode != Mode::kOpen) continue;
    std::printf("| %s | %d | %d | %" PRId64 " | %s | %s | **%s / %s** / %s | %s / %s | %s | "
                "%s / %s | %s / %s | "
                "%s / %s | %" PRId64 " | %" PRId64 " | %s | %s |\n",
                Label(r.sc).c_str(), r.sc.rate, r.sc.workers, r.tasks,
                Fmt(r.enqueue_per_s, 0).c_str(), Fmt(r.tasks_per_s, 0).c_str(),
                Fmt(r.wait.p50_ms).c_str(), Fmt(r.wait.p99_ms).c_str(),
                Fmt(r.wait.max_ms).c_str(), Fmt(r.after_commit.p50_ms).c_str(),
                Fmt(r.after_commit.p99_ms).c_str(), Fmt(r.drain_ms, 0).c_str(),
                Fmt(r.lease.p50_ms, 3).c_str(), Fmt(r.lease.p99_ms).c_str(),
                Fmt(r.complete.p50_ms, 3).c_str(), Fmt(r.complete.p99_ms).c_str(),
                Fmt(r.create.p50_ms, 3).c_str(), Fmt(r.create.p99_ms).c_str(), r.empty_polls,
                r.busy, Fmt(r.cpu_s, 1).c_str(), Fmt(r.other_cpu_s, 1).c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!ParseArgs(argc, argv, o)) return 2;

  namespace fs = std::filesystem;
  std::string parent = o.dir;
  if (parent.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    parent = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  }
  std::string templ = (fs::path(parent) / "engine_bench.XXXXXX").string();
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::string dir = buf.data();

  std::vector<Scenario> plan;
  auto add = [&](Backend b, SqliteStoreOptions::Sync sync, Mode m, int w, int tasks, int rate) {
    Scenario sc;
    sc.backend = b;
    sc.sync = sync;
    sc.mode = m;
    sc.workers = w;
    sc.tasks = tasks;
    sc.rate = rate;
    std::string name = "s" + std::to_string(plan.size());
    sc.db_path = dir + "/" + name + ".db";
    sc.stats_prefix = dir + "/" + name;
    plan.push_back(sc);
  };
  using Sync = SqliteStoreOptions::Sync;
  if (o.only_distributed) {
    o.sqlite_normal = o.sqlite_full = o.memory = o.shared = false;
  }
  if (!o.pg_url.empty()) {
    std::vector<Backend> backends = {Backend::kPostgres};
    if (!o.redis_url.empty()) backends.push_back(Backend::kPgRedis);
    for (Backend b : backends) {
      if (o.closed) {
        for (int w : o.workers) add(b, Sync::kNormal, Mode::kClosed, w, o.tasks, 0);
      }
      if (o.open) {
        for (int r : o.rates) {
          for (int w : o.workers) add(b, Sync::kNormal, Mode::kOpen, w, 0, r);
        }
      }
    }
    for (size_t i = 0; i < plan.size(); ++i) {
      plan[i].db_path = PgDatabaseUrl(o.pg_url, "bench_" + std::to_string(::getpid()) + "_" + std::to_string(i));
      plan[i].redis_url = o.redis_url;
      plan[i].key_prefix = "bench:" + std::to_string(::getpid()) + ":" + std::to_string(i) + ":";
    }
  }
  if (o.closed) {
    if (o.sqlite_normal) {
      for (int w : o.workers) add(Backend::kSqlite, Sync::kNormal, Mode::kClosed, w, o.tasks, 0);
    }
    if (o.sqlite_full) {
      for (int w : o.full_workers) {
        add(Backend::kSqlite, Sync::kFull, Mode::kClosed, w, o.full_tasks, 0);
      }
    }
    if (o.shared) add(Backend::kSqliteShared, Sync::kNormal, Mode::kClosed, 2, o.tasks, 0);
    if (o.memory) {
      for (int w : o.workers) add(Backend::kMemory, Sync::kNormal, Mode::kClosed, w, o.tasks, 0);
    }
  }
  if (o.open) {
    if (o.sqlite_normal) {
      for (int r : o.rates) {
        for (int w : o.workers) add(Backend::kSqlite, Sync::kNormal, Mode::kOpen, w, 0, r);
      }
    }
    if (o.sqlite_full) {
      for (int r : o.full_rates) {
        for (int w : o.full_workers) add(Backend::kSqlite, Sync::kFull, Mode::kOpen, w, 0, r);
      }
    }
    if (o.shared) {
      for (int r : o.rates) add(Backend::kSqliteShared, Sync::kNormal, Mode::kOpen, 2, 0, r);
    }
    if (o.memory) {
      for (int r : o.rates) add(Backend::kMemory, Sync::kNormal, Mode::kOpen, 2, 0, r);
    }
  }

  std::printf("# engine_bench: queue dispatch (scheduler not yet wired)\n\n");
  std::printf("No-op tasks: Lease(worker, {\"cpu\"}, 30 s) -> Complete(task, worker, \"{}\", 0).\n");
  std::printf("SQLite workers are separate processes, each with its own SqliteStore on one WAL "
              "file (the real deployment). \"1 shared connection\" rows: threads sharing one "
              "SqliteStore in one process (no cross-process lock). memory rows: InMemoryStore "
              "with threads (no I/O, no durability; a floor on per-call overhead, except that "
              "its Lease scans every task, so it slows down as N grows).\n\n");
  std::printf("- workers report with: %s\n",
              o.chain ? "CompleteAndLease, running the task it returns (--chain)"
                      : "Complete, then Lease");
  std::printf("- machine: %u CPUs (hardware_concurrency), %s\n",
              std::thread::hardware_concurrency(), CpuModel().c_str());
  std::printf("- SQLite %s; database dir %s\n", sqlite3_libversion(), dir.c_str());
  if (o.wait_idle_s > 0) {
    std::printf("- waited %.1f s (limit %.0f s) for the machine to be < 10%% busy\n",
                WaitIdle(o.wait_idle_s), o.wait_idle_s);
  }
  std::printf("- load average at start: %s\n", LoadAverage().c_str());
  std::fflush(stdout);

  std::vector<Result> results;
  bool failed = false;
  int64_t bench_start = NowNs();
  for (const Scenario& sc : plan) {
    std::fprintf(stderr, "engine_bench: %s %s W=%d %s ... ", Label(sc).c_str(),
                 sc.mode == Mode::kClosed ? "closed" : "open", sc.workers,
                 sc.mode == Mode::kClosed ? ("N=" + std::to_string(sc.tasks)).c_str()
                                          : ("R=" + std::to_string(sc.rate)).c_str());
    std::fflush(stderr);
    double busy0 = BusyCpuSeconds();
    double ours0 = SelfCpuSeconds() + ChildrenCpuSeconds();
    bool forked = sc.backend == Backend::kSqlite || sc.backend == Backend::kPostgres ||
                  sc.backend == Backend::kPgRedis;
    if (forked && sc.backend != Backend::kSqlite) {
      Status created = CreatePgDatabase(o.pg_url, sc.db_path);
      if (!created.ok()) {
        Fail("creating the scenario database", created);
        failed = true;
        continue;
      }
    }
    auto r = forked ? RunForked(sc, o) : RunInProcess(sc, o);
    if (!r) {
      std::fprintf(stderr, "FAILED\n");
      failed = true;
      continue;
    }
    double ours = SelfCpuSeconds() + ChildrenCpuSeconds() - ours0;  // incl. setup, verify
    r->other_cpu_s = std::max(0.0, BusyCpuSeconds() - busy0 - ours);
    std::fprintf(stderr, "%.0f tasks/s, p99 %.2f ms (load %s)\n", r->tasks_per_s, r->wait.p99_ms,
                 LoadAverage().c_str());
    results.push_back(*r);
    if (!o.keep) {
      std::error_code ec;
      for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(sc.db_path + suffix, ec);
    }
  }

  PrintClosedTable(results);
  PrintOpenTable(results, o);
  std::printf("\n- load average at end: %s; total %.1f s\n", LoadAverage().c_str(),
              static_cast<double>(NowNs() - bench_start) / 1e9);
  std::printf("- targets (issue 3, docs only, not enforced): >= 5000 tasks/s dispatched, "
              "queue-to-start p99 <= 20 ms; (issue 7, PostgreSQL + Redis) >= 2000 tasks/s, "
              "p99 <= 50 ms\n");

  if (!o.keep) {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  return failed ? 1 : 0;
}
