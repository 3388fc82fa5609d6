#include "adapters/redis_task_queue.h"

#include <algorithm>
#include <utility>

#include "adapters/postgres_store.h"
#include "adapters/task_transitions.h"

namespace vtp::adapters {
namespace {

using ports::Millis;
using ports::TaskRecord;

// KEYS: the level sets of the asked pools. ARGV[1] now, ARGV[2] aging step,
// ARGV[2 + i] the base level of KEYS[i]. Mirrors ports::EffectivePriorityLevel
// and ports::LeasesBefore; task ids tie-break by bytes (Lua's '<' on strings
// follows the server's locale, so it is not used).
constexpr char kPopSource[] = R"lua(
local function bytes_less(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end
local now = tonumber(ARGV[1])
local step = tonumber(ARGV[2])
local best, best_i, best_eff, best_ready, best_score
for i, key in ipairs(KEYS) do
  local head = redis.call('ZRANGEBYSCORE', key, '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, 1)
  if head[1] then
    local ready = tonumber(head[2])
    local eff = tonumber(ARGV[2 + i])
    if step > 0 and now > ready then
      eff = math.min(3, eff + math.floor((now - ready) / step))
    end
    local better = best == nil or eff > best_eff or
      (eff == best_eff and (ready < best_ready or (ready == best_ready and bytes_less(head[1], best))))
    if better then
      best, best_i, best_eff, best_ready, best_score = head[1], i, eff, ready, head[2]
    end
  end
end
if best == nil then return false end
redis.call('ZREM', KEYS[best_i], best)
return {best, best_i, best_score}
)lua";

const RedisScript& PopScript() {
  static const RedisScript script(kPopSource);
  return script;
}

std::string Ms(Millis ms) { return std::to_string(ms); }

std::string_view StateLabel(const TaskRecord& task) {
  return IsParked(task) ? std::string_view("parked") : ports::TaskStateName(task.state);
}

constexpr size_t kLeasedVideoCap = 100'000;

}  // namespace

RedisTaskQueue::RedisTaskQueue(ports::MetadataStore& backing_store, ports::TaskQueue& backing_queue,
                               RedisClient& redis, ports::Clock& clock,
                               RedisTaskQueueOptions options)
    : store_(backing_store),
      queue_(backing_queue),
      chain_(dynamic_cast<ChainedTaskClaim*>(&backing_queue)),
      redis_(redis),
      clock_(clock),
      options_(std::move(options)) {
  pools_.insert(options_.pools.begin(), options_.pools.end());
}

std::string RedisTaskQueue::QueueKey(std::string_view pool, ports::Priority priority) const {
  return options_.key_prefix + "task_queue:" + std::string(pool) + ":" +
         std::string(ports::PriorityName(priority));
}

std::string RedisTaskQueue::PipelineKey(std::string_view video_id) const {
  return options_.key_prefix + "pipeline:" + std::string(video_id);
}

std::string RedisTaskQueue::last_write_through_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

// ---- Redis writes -----------------------------------------------------------

void RedisTaskQueue::CountFailure(const Status& status) {
  write_failures_.fetch_add(1);
  std::lock_guard<std::mutex> lock(mu_);
  last_error_ = status.ToString();
}

void RedisTaskQueue::WriteThrough(const Commands& commands) {
  if (commands.empty()) return;
  auto written = redis_.Pipeline(commands);
  if (!written.ok()) CountFailure(written.status());
}

void RedisTaskQueue::AppendPipelineState(std::string_view video_id, std::string_view task_id,
                                         std::string_view state, Commands& commands) const {
  if (video_id.empty()) return;
  const std::string key = PipelineKey(video_id);
  commands.push_back({"HSET", key, std::string(task_id), std::string(state), "updated_at",
                      Ms(clock_.NowMillis())});
  commands.push_back({"PEXPIRE", key, Ms(options_.pipeline_ttl_ms)});
}

void RedisTaskQueue::AppendSync(const TaskRecord& task, Commands& commands) const {
  if (IsWaiting(task)) {
    commands.push_back(
        {"ZADD", QueueKey(task.pool, task.priority), Ms(task.next_run_at), task.task_id});
  } else if (IsParked(task)) {
    commands.push_back({"ZREM", QueueKey(task.pool, task.priority), task.task_id});
  }
  AppendPipelineState(task.video_id, task.task_id, StateLabel(task), commands);
}

void RedisTaskQueue::SyncTask(std::string_view task_id) {
  auto task = store_.GetTask(task_id);
  if (!task.ok()) return CountFailure(task.status());
  Commands commands;
  AppendSync(*task, commands);
  WriteThrough(commands);
}

void RedisTaskQueue::SyncVideoSteps(std::string_view video_id,
                                    const std::vector<std::string>& steps) {
  auto tasks = store_.ListTasks(video_id);
  if (!tasks.ok()) return CountFailure(tasks.status());
  Commands commands;
  for (const TaskRecord& task : *tasks) {
    if (SelectsStep(task, steps)) AppendSync(task, commands);
  }
  WriteThrough(commands);
}

// ---- Bookkeeping -----------------------------------------------------------

void RedisTaskQueue::NotePools(const std::vector<std::string>& pools) {
  std::lock_guard<std::mutex> lock(mu_);
  pools_.insert(pools.begin(), pools.end());
}

std::vector<std::string> RedisTaskQueue::KnownPools() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {pools_.begin(), pools_.end()};
}

void RedisTaskQueue::RememberLease(const TaskRecord& task) {
  std::lock_guard<std::mutex> lock(mu_);
  // Leases that expire are never forgotten by Complete/Fail: bound the map.
  if (leased_video_.size() >= kLeasedVideoCap) leased_video_.clear();
  leased_video_[task.task_id] = task.video_id;
}

std::string RedisTaskQueue::TakeLeasedVideo(std::string_view task_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = leased_video_.find(std::string(task_id));
  if (it == leased_video_.end()) return "";
  std::string video = std::move(it->second);
  leased_video_.erase(it);
  return video;
}

void RedisTaskQueue::AppendCompleted(std::string_view task_id, Commands& commands) {
  std::string video = TakeLeasedVideo(task_id);
  if (video.empty()) {  // leased by another instance: one read to find its video
    auto task = store_.GetTask(task_id);
    if (!task.ok()) return CountFailure(task.status());
    video = task->video_id;
  }
  AppendPipelineState(video, task_id, ports::TaskStateName(ports::TaskState::kCompleted), commands);
}

void RedisTaskQueue::AfterCompleted(std::string_view task_id) {
  Commands commands;
  AppendCompleted(task_id, commands);
  WriteThrough(commands);
}

// ---- Lease -----------------------------------------------------------------

StatusOr<std::optional<RedisTaskQueue::Popped>> RedisTaskQueue::Pop(
    const std::vector<std::string>& pools) {
  std::vector<std::string> keys;
  std::vector<std::string> args = {Ms(clock_.NowMillis()), Ms(options_.aging_step_ms)};
  for (const std::string& pool : pools) {
    for (const auto& [priority, name] : ports::kPriorityNames) {
      keys.push_back(QueueKey(pool, priority));
      args.push_back(std::to_string(ports::PriorityLevel(priority)));
    }
  }
  ASSIGN_OR_RETURN(RedisReply reply, redis_.Eval(PopScript(), keys, args));
  if (reply.IsNil()) return std::optional<Popped>();
  if (reply.type != RedisReply::Type::kArray || reply.elements.size() != 3 ||
      reply.elements[1].integer < 1 ||
      reply.elements[1].integer > static_cast<int64_t>(keys.size())) {
    return Internal("redis: unexpected reply from the lease script");
  }
  return std::optional<Popped>(
      Popped{reply.elements[0].str, keys[reply.elements[1].integer - 1], reply.elements[2].str});
}

void RedisTaskQueue::SettleStale(const Popped& popped) {
  auto task = store_.GetTask(popped.task_id);
  if (!task.ok()) {
    // Unknown to the store: drop the entry. Else keep it for a later pop.
    if (task.status().code() != ErrorCode::kNotFound) {
      CountFailure(task.status());
      WriteThrough({{"ZADD", popped.key, "NX", popped.score, popped.task_id}});
    }
    return;
  }
  Commands commands;
  AppendSync(*task, commands);
  WriteThrough(commands);
}

StatusOr<std::optional<TaskRecord>> RedisTaskQueue::Lease(std::string_view worker_id,
                                                          const std::vector<std::string>& pools,
                                                          Millis lease_ms) {
  RETURN_IF_ERROR(ValidateLeaseRequest(worker_id, pools, lease_ms));
  NotePools(pools);
  for (int pop = 0; pop < kMaxPopsPerLease; ++pop) {
    ASSIGN_OR_RETURN(std::optional<Popped> popped, Pop(pools));
    if (!popped) return std::optional<TaskRecord>();
    auto claimed = queue_.LeaseTask(popped->task_id, worker_id, pools, lease_ms);
    if (!claimed.ok()) {
      if (claimed.status().code() == ErrorCode::kNotFound) continue;  // not in the store: dropped
      WriteThrough({{"ZADD", popped->key, "NX", popped->score, popped->task_id}});
      return claimed.status();
    }
    if (claimed->has_value()) {
      const TaskRecord& task = **claimed;
      RememberLease(task);
      Commands commands;
      AppendPipelineState(task.video_id, task.task_id, ports::TaskStateName(task.state), commands);
      WriteThrough(commands);
      return claimed;
    }
    SettleStale(*popped);
  }
  return std::optional<TaskRecord>();
}

StatusOr<std::optional<TaskRecord>> RedisTaskQueue::LeaseTask(std::string_view task_id,
                                                              std::string_view worker_id,
                                                              const std::vector<std::string>& pools,
                                                              Millis lease_ms) {
  ASSIGN_OR_RETURN(std::optional<TaskRecord> leased,
                   queue_.LeaseTask(task_id, worker_id, pools, lease_ms));
  if (leased) {
    RememberLease(*leased);
    Commands commands = {{"ZREM", QueueKey(leased->pool, leased->priority), leased->task_id}};
    AppendPipelineState(leased->video_id, leased->task_id, ports::TaskStateName(leased->state),
                        commands);
    WriteThrough(commands);
  }
  return leased;
}

StatusOr<std::optional<TaskRecord>> RedisTaskQueue::CompleteAndLease(
    std::string_view task_id, std::string_view worker_id, std::string_view result_json,
    int64_t cpu_ms, const std::vector<std::string>& pools, Millis lease_ms) {
  // Validated first so a bad lease request does not complete the task.
  RETURN_IF_ERROR(ValidateLeaseRequest(worker_id, pools, lease_ms));
  if (chain_ != nullptr) {
    NotePools(pools);
    StatusOr<std::optional<Popped>> popped = Pop(pools);
    if (popped.ok() && popped->has_value()) {
      return ChainPopped(task_id, worker_id, result_json, cpu_ms, **popped, pools, lease_ms);
    }
    // Nothing to chain (or Redis is down): the completion alone, and the
    // pop's answer.
    RETURN_IF_ERROR(Complete(task_id, worker_id, result_json, cpu_ms));
    if (!popped.ok()) return popped.status();
    return std::optional<TaskRecord>();
  }
  RETURN_IF_ERROR(Complete(task_id, worker_id, result_json, cpu_ms));
  return Lease(worker_id, pools, lease_ms);
}

StatusOr<std::optional<TaskRecord>> RedisTaskQueue::ChainPopped(
    std::string_view task_id, std::string_view worker_id, std::string_view result_json,
    int64_t cpu_ms, const Popped& popped, const std::vector<std::string>& pools,
    Millis lease_ms) {
  auto claimed = chain_->CompleteAndLeaseTask(task_id, worker_id, result_json, cpu_ms,
                                              popped.task_id, pools, lease_ms);
  if (!claimed.ok()) {
    // Nothing was written. Put the entry back and take the two steps apart,
    // so each error keeps its own meaning (a lost lease, a popped task the
    // store does not know).
    WriteThrough({{"ZADD", popped.key, "NX", popped.score, popped.task_id}});
    RETURN_IF_ERROR(Complete(task_id, worker_id, result_json, cpu_ms));
    return Lease(worker_id, pools, lease_ms);
  }
  Commands commands;
  AppendCompleted(task_id, commands);
  if (!claimed->has_value()) {
    // The completion is committed; the popped entry was stale.
    WriteThrough(commands);
    SettleStale(popped);
    return Lease(worker_id, pools, lease_ms);
  }
  const TaskRecord& task = **claimed;
  RememberLease(task);
  AppendPipelineState(task.video_id, task.task_id, ports::TaskStateName(task.state), commands);
  WriteThrough(commands);
  return claimed;
}

// ---- Transitions that write through ---------------------------------------

StatusOr<int> RedisTaskQueue::CreateTasks(const std::vector<TaskRecord>& tasks) {
  ASSIGN_OR_RETURN(int created, store_.CreateTasks(tasks));
  if (created == 0) return created;
  Commands commands;
  if (created == static_cast<int>(tasks.size())) {
    // Every task was inserted or unparked: pending at max(now, next_run_at).
    const Millis now = clock_.NowMillis();
    for (const TaskRecord& task : tasks) {
      commands.push_back({"ZADD", QueueKey(task.pool, task.priority),
                          Ms(std::max(now, task.next_run_at)), task.task_id});
      AppendPipelineState(task.video_id, task.task_id,
                          ports::TaskStateName(ports::TaskState::kPending), commands);
    }
  } else {
    // Some were skipped (they exist): read back which ones wait, and where.
    std::set<std::string> ids, videos;
    for (const TaskRecord& task : tasks) {
      ids.insert(task.task_id);
      videos.insert(task.video_id);
    }
    for (const std::string& video : videos) {
      auto stored = store_.ListTasks(video);
      if (!stored.ok()) {
        CountFailure(stored.status());
        continue;
      }
      for (const TaskRecord& task : *stored) {
        if (ids.count(task.task_id) != 0 && IsWaiting(task)) AppendSync(task, commands);
      }
    }
  }
  std::vector<std::string> pools;
  for (const TaskRecord& task : tasks) pools.push_back(task.pool);
  NotePools(pools);
  WriteThrough(commands);
  return created;
}

Status RedisTaskQueue::Complete(std::string_view task_id, std::string_view worker_id,
                                std::string_view result_json, int64_t cpu_ms) {
  RETURN_IF_ERROR(queue_.Complete(task_id, worker_id, result_json, cpu_ms));
  AfterCompleted(task_id);
  return Status::Ok();
}

Status RedisTaskQueue::Fail(std::string_view task_id, std::string_view worker_id,
                            const ports::TaskFailure& failure) {
  RETURN_IF_ERROR(queue_.Fail(task_id, worker_id, failure));
  TakeLeasedVideo(task_id);
  SyncTask(task_id);
  return Status::Ok();
}

Status RedisTaskQueue::Release(std::string_view task_id, std::string_view worker_id) {
  RETURN_IF_ERROR(queue_.Release(task_id, worker_id));
  TakeLeasedVideo(task_id);
  SyncTask(task_id);
  return Status::Ok();
}

Status RedisTaskQueue::RequeueDeadLetter(std::string_view task_id) {
  RETURN_IF_ERROR(store_.RequeueDeadLetter(task_id));
  SyncTask(task_id);
  return Status::Ok();
}

StatusOr<bool> RedisTaskQueue::RerouteTask(const ports::TaskReroute& reroute) {
  ASSIGN_OR_RETURN(bool moved, store_.RerouteTask(reroute));
  if (!moved) return moved;
  NotePools({reroute.to_pool});
  auto task = store_.GetTask(reroute.task_id);
  if (!task.ok()) {
    CountFailure(task.status());
    return moved;
  }
  Commands commands = {{"ZREM", QueueKey(reroute.from_pool, task->priority), task->task_id}};
  AppendSync(*task, commands);
  WriteThrough(commands);
  return moved;
}

StatusOr<int> RedisTaskQueue::ResetTasks(std::string_view video_id,
                                         const std::vector<std::string>& steps) {
  ASSIGN_OR_RETURN(int reset, store_.ResetTasks(video_id, steps));
  if (reset > 0) SyncVideoSteps(video_id, steps);
  return reset;
}

StatusOr<int> RedisTaskQueue::ParkTasks(std::string_view video_id,
                                        const std::vector<std::string>& steps) {
  ASSIGN_OR_RETURN(int parked, store_.ParkTasks(video_id, steps));
  if (parked > 0) SyncVideoSteps(video_id, steps);
  return parked;
}

StatusOr<int> RedisTaskQueue::ExpireLeases() {
  ASSIGN_OR_RETURN(int expired, queue_.ExpireLeases());
  if (expired > 0) {
    auto restored = Reconcile();
    if (!restored.ok()) CountFailure(restored.status());
  }
  return expired;
}

StatusOr<int> RedisTaskQueue::ReclaimWorker(std::string_view worker_id) {
  ASSIGN_OR_RETURN(int reclaimed, queue_.ReclaimWorker(worker_id));
  if (reclaimed > 0) {
    auto restored = Reconcile();
    if (!restored.ok()) CountFailure(restored.status());
  }
  return reclaimed;
}

// ---- Reconcile and the pipeline hash ----------------------------------------

StatusOr<int> RedisTaskQueue::ReconcilePool(const std::string& pool) {
  ASSIGN_OR_RETURN(std::vector<TaskRecord> waiting,
                   store_.ListWaitingTasks(pool, options_.reconcile_limit));
  int missing = 0;
  const size_t batch = static_cast<size_t>(std::max(1, options_.reconcile_batch));
  for (size_t begin = 0; begin < waiting.size(); begin += batch) {
    Commands commands;
    for (size_t i = begin; i < std::min(waiting.size(), begin + batch); ++i) {
      const TaskRecord& task = waiting[i];
      commands.push_back(
          {"ZADD", QueueKey(task.pool, task.priority), "NX", Ms(task.next_run_at), task.task_id});
    }
    ASSIGN_OR_RETURN(std::vector<RedisReply> replies, redis_.Pipeline(commands));
    for (const RedisReply& reply : replies) missing += reply.integer == 1 ? 1 : 0;
  }
  return missing;
}

StatusOr<int> RedisTaskQueue::Reconcile() {
  int missing = 0;
  for (const std::string& pool : KnownPools()) {
    ASSIGN_OR_RETURN(int restored, ReconcilePool(pool));
    missing += restored;
  }
  return missing;
}

Status RedisTaskQueue::RebuildPipeline(std::string_view video_id) {
  ASSIGN_OR_RETURN(std::vector<ports::TaskSummary> tasks, store_.ListTaskSummaries(video_id));
  const std::string key = PipelineKey(video_id);
  std::vector<std::string> hset = {"HSET", key, "updated_at", Ms(clock_.NowMillis())};
  for (const ports::TaskSummary& task : tasks) {
    const bool parked =
        task.state == ports::TaskState::kPending && task.next_run_at == ports::kParkedRunAt;
    hset.push_back(task.task_id);
    hset.emplace_back(parked ? std::string_view("parked") : ports::TaskStateName(task.state));
  }
  return redis_
      .Pipeline(
          {{"MULTI"}, {"DEL", key}, hset, {"PEXPIRE", key, Ms(options_.pipeline_ttl_ms)}, {"EXEC"}})
      .status();
}

StatusOr<std::map<std::string, std::string>> RedisTaskQueue::ReadPipeline(
    std::string_view video_id) {
  ASSIGN_OR_RETURN(RedisReply reply, redis_.Command({"HGETALL", PipelineKey(video_id)}));
  std::map<std::string, std::string> fields;
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2)
    fields[reply.elements[i].str] = reply.elements[i + 1].str;
  return fields;
}

// ---- Forwarded as they are ---------------------------------------------------

Status RedisTaskQueue::CreateVideo(const ports::VideoRecord& video) {
  return store_.CreateVideo(video);
}
StatusOr<ports::VideoRecord> RedisTaskQueue::GetVideo(std::string_view video_id) {
  return store_.GetVideo(video_id);
}
Status RedisTaskQueue::UpdateVideo(const ports::VideoRecord& video) {
  return store_.UpdateVideo(video);
}
Status RedisTaskQueue::UpdateVideoStatus(std::string_view video_id, ports::VideoStatus status,
                                         std::string_view error_message) {
  return store_.UpdateVideoStatus(video_id, status, error_message);
}
StatusOr<std::vector<ports::VideoRecord>> RedisTaskQueue::ListVideos(
    std::optional<ports::VideoStatus> status) {
  return store_.ListVideos(status);
}
StatusOr<TaskRecord> RedisTaskQueue::GetTask(std::string_view task_id) {
  return store_.GetTask(task_id);
}
StatusOr<std::vector<TaskRecord>> RedisTaskQueue::ListTasks(std::string_view video_id) {
  return store_.ListTasks(video_id);
}
StatusOr<std::vector<ports::TaskSummary>> RedisTaskQueue::ListTaskSummaries(
    std::string_view video_id) {
  return store_.ListTaskSummaries(video_id);
}
StatusOr<ports::StepTally> RedisTaskQueue::TallyStep(std::string_view video_id,
                                                     std::string_view step) {
  return store_.TallyStep(video_id, step);
}
StatusOr<std::vector<TaskRecord>> RedisTaskQueue::ListWaitingTasks(std::string_view pool,
                                                                   int limit) {
  return store_.ListWaitingTasks(pool, limit);
}
StatusOr<std::vector<ports::AttemptRecord>> RedisTaskQueue::ListAttempts(std::string_view task_id) {
  return store_.ListAttempts(task_id);
}
StatusOr<std::vector<ports::DeadLetter>> RedisTaskQueue::ListDeadLetters() {
  return store_.ListDeadLetters();
}
StatusOr<ports::DeadLetter> RedisTaskQueue::GetDeadLetter(std::string_view task_id) {
  return store_.GetDeadLetter(task_id);
}
StatusOr<int64_t> RedisTaskQueue::AppendEvent(const ports::Event& event) {
  return store_.AppendEvent(event);
}
StatusOr<std::vector<ports::Event>> RedisTaskQueue::ReadEvents(int64_t after_id, int limit) {
  return store_.ReadEvents(after_id, limit);
}
StatusOr<std::vector<ports::Event>> RedisTaskQueue::ReadUnpublishedEvents(int limit) {
  return store_.ReadUnpublishedEvents(limit);
}
StatusOr<int> RedisTaskQueue::MarkEventsPublished(int64_t through_id) {
  return store_.MarkEventsPublished(through_id);
}
Status RedisTaskQueue::Heartbeat(std::string_view task_id, std::string_view worker_id,
                                 Millis lease_ms) {
  return queue_.Heartbeat(task_id, worker_id, lease_ms);
}

}  // namespace vtp::adapters
