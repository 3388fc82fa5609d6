// RedisWorkerRegistry: ports::WorkerRegistry on Redis, the seed's
// `worker:{worker_id}` heartbeat keys.
//
// Keys (prefix from RedisWorkerRegistryOptions, default "vtp:"):
//   <prefix>worker:<worker_id>  hash: host, pid, pools, capabilities (name
//       lists joined by ','), started_at, last_seen (ms from the injected
//       Clock). PEXPIREd key_ttl_ms of REAL time after each write: a safety
//       net so a dead worker's hash leaves Redis even if nobody purges it.
//       Liveness itself is decided from last_seen, so the contract holds
//       under a FakeClock.
//   <prefix>workers  sorted set: member worker_id, score last_seen; what
//       ListLiveWorkers and PurgeWorkers range over.
// Register, Touch, Deregister and Purge are atomic (MULTI/EXEC or Lua). A
// member whose hash already expired is skipped by ListLiveWorkers and
// removed by the next Touch or PurgeWorkers.
//
// Error classes as the port; a Redis failure is kIo (RedisClient).
// Thread safety: safe from many threads and processes. Lifetime: the client
// and the clock must outlive the registry.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "adapters/redis_client.h"
#include "core/status.h"
#include "ports/clock.h"
#include "ports/worker_registry.h"

namespace vtp::adapters {

struct RedisWorkerRegistryOptions {
  std::string key_prefix = "vtp:";
  // Real-time TTL of a worker hash after its last write; must exceed the
  // workers' refresh interval by a wide margin.
  ports::Millis key_ttl_ms = 10 * 60 * 1000;
};

class RedisWorkerRegistry final : public ports::WorkerRegistry {
 public:
  RedisWorkerRegistry(RedisClient& redis, ports::Clock& clock,
                      RedisWorkerRegistryOptions options = {});

  Status RegisterWorker(const ports::WorkerRecord& worker) override;
  Status TouchWorker(std::string_view worker_id) override;
  StatusOr<bool> DeregisterWorker(std::string_view worker_id) override;
  StatusOr<std::vector<ports::WorkerRecord>> ListLiveWorkers(ports::Millis stale_after_ms) override;
  StatusOr<int> PurgeWorkers(ports::Millis stale_after_ms) override;

  std::string WorkerKey(std::string_view worker_id) const;
  std::string SetKey() const;

 private:
  RedisClient& redis_;
  ports::Clock& clock_;
  const RedisWorkerRegistryOptions options_;
};

}  // namespace vtp::adapters
