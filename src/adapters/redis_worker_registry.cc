#include "adapters/redis_worker_registry.h"

#include <algorithm>
#include <utility>

#include "adapters/worker_records.h"

namespace vtp::adapters {
namespace {

using ports::Millis;
using ports::WorkerRecord;

// KEYS[1] worker hash, KEYS[2] workers set; ARGV[1] worker id, ARGV[2] now,
// ARGV[3] ttl. 1 when touched, 0 when not registered (stale member dropped).
const RedisScript& TouchScript() {
  static const RedisScript script(R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 0
end
redis.call('HSET', KEYS[1], 'last_seen', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1
)lua");
  return script;
}

// KEYS[1] workers set; ARGV[1] the hash key prefix, ARGV[2] the highest
// last_seen that is stale. Returns how many workers were removed.
const RedisScript& PurgeScript() {
  static const RedisScript script(R"lua(
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
for _, id in ipairs(ids) do
  redis.call('DEL', ARGV[1] .. id)
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
return #ids
)lua");
  return script;
}

StatusOr<WorkerRecord> ParseWorker(const std::string& worker_id, const RedisReply& hash) {
  WorkerRecord w;
  w.worker_id = worker_id;
  for (size_t i = 0; i + 1 < hash.elements.size(); i += 2) {
    const std::string& field = hash.elements[i].str;
    const std::string& value = hash.elements[i + 1].str;
    try {
      if (field == "host") w.host = value;
      if (field == "pid") w.pid = std::stoll(value);
      if (field == "pools") w.pools = SplitNames(value);
      if (field == "capabilities") w.capabilities = SplitNames(value);
      if (field == "started_at") w.started_at = std::stoll(value);
      if (field == "last_seen") w.last_seen = std::stoll(value);
    } catch (const std::exception&) {
      return Internal("redis: worker " + worker_id + ": bad " + field + " \"" + value + "\"");
    }
  }
  return w;
}

}  // namespace

RedisWorkerRegistry::RedisWorkerRegistry(RedisClient& redis, ports::Clock& clock,
                                         RedisWorkerRegistryOptions options)
    : redis_(redis), clock_(clock), options_(std::move(options)) {}

std::string RedisWorkerRegistry::WorkerKey(std::string_view worker_id) const {
  return options_.key_prefix + "worker:" + std::string(worker_id);
}

std::string RedisWorkerRegistry::SetKey() const { return options_.key_prefix + "workers"; }

Status RedisWorkerRegistry::RegisterWorker(const WorkerRecord& worker) {
  RETURN_IF_ERROR(ValidateWorker(worker));
  const WorkerRecord w = NewWorker(worker, clock_.NowMillis());
  const std::string key = WorkerKey(w.worker_id);
  const std::vector<std::string> hset = {"HSET",         key,
                                         "host",         w.host,
                                         "pid",          std::to_string(w.pid),
                                         "pools",        JoinNames(w.pools),
                                         "capabilities", JoinNames(w.capabilities),
                                         "started_at",   std::to_string(w.started_at),
                                         "last_seen",    std::to_string(w.last_seen)};
  return redis_
      .Pipeline({{"MULTI"},
                 {"DEL", key},
                 hset,
                 {"PEXPIRE", key, std::to_string(options_.key_ttl_ms)},
                 {"ZADD", SetKey(), std::to_string(w.last_seen), w.worker_id},
                 {"EXEC"}})
      .status();
}

Status RedisWorkerRegistry::TouchWorker(std::string_view worker_id) {
  const std::string id(worker_id);
  ASSIGN_OR_RETURN(RedisReply touched, redis_.Eval(TouchScript(), {WorkerKey(id), SetKey()},
                                                   {id, std::to_string(clock_.NowMillis()),
                                                    std::to_string(options_.key_ttl_ms)}));
  if (touched.integer == 0) return WorkerNotFound(worker_id);
  return Status::Ok();
}

StatusOr<bool> RedisWorkerRegistry::DeregisterWorker(std::string_view worker_id) {
  const std::string id(worker_id);
  ASSIGN_OR_RETURN(
      std::vector<RedisReply> replies,
      redis_.Pipeline({{"MULTI"}, {"DEL", WorkerKey(id)}, {"ZREM", SetKey(), id}, {"EXEC"}}));
  const RedisReply& exec = replies.back();
  if (exec.elements.size() != 2) return Internal("redis: unexpected EXEC reply");
  return exec.elements[0].integer + exec.elements[1].integer > 0;
}

StatusOr<std::vector<WorkerRecord>> RedisWorkerRegistry::ListLiveWorkers(Millis stale_after_ms) {
  RETURN_IF_ERROR(ValidateStaleness(stale_after_ms));
  const Millis oldest = clock_.NowMillis() - stale_after_ms;
  ASSIGN_OR_RETURN(RedisReply ids,
                   redis_.Command({"ZRANGEBYSCORE", SetKey(), std::to_string(oldest), "+inf"}));
  std::vector<std::vector<std::string>> reads;
  for (const RedisReply& id : ids.elements) reads.push_back({"HGETALL", WorkerKey(id.str)});
  ASSIGN_OR_RETURN(std::vector<RedisReply> hashes, redis_.Pipeline(reads));
  std::vector<WorkerRecord> workers;
  for (size_t i = 0; i < hashes.size(); ++i) {
    if (hashes[i].elements.empty()) continue;  // its hash expired: a dead worker
    ASSIGN_OR_RETURN(WorkerRecord w, ParseWorker(ids.elements[i].str, hashes[i]));
    // A Touch between the two reads may have moved last_seen; the hash wins.
    if (w.last_seen >= oldest) workers.push_back(std::move(w));
  }
  std::sort(workers.begin(), workers.end(),
            [](const WorkerRecord& a, const WorkerRecord& b) { return a.worker_id < b.worker_id; });
  return workers;
}

StatusOr<int> RedisWorkerRegistry::PurgeWorkers(Millis stale_after_ms) {
  RETURN_IF_ERROR(ValidateStaleness(stale_after_ms));
  // Stale: now - last_seen > stale_after_ms, i.e. last_seen <= now - stale_after_ms - 1.
  const Millis newest_stale = clock_.NowMillis() - stale_after_ms - 1;
  ASSIGN_OR_RETURN(RedisReply purged, redis_.Eval(PurgeScript(), {SetKey()},
                                                  {WorkerKey(""), std::to_string(newest_stale)}));
  return static_cast<int>(purged.integer);
}

}  // namespace vtp::adapters
