// Port: the worker registry -- which workers are alive and which pools they
// lease from. The seed keeps `worker:{worker_id}` heartbeat keys in Redis
// with a TTL; here the same thing is a row per worker whose last_seen the
// worker refreshes, and "alive" is a staleness bound the reader chooses.
// SqliteStore keeps it in the `workers` table (migration 5), InMemoryStore
// in a map; a Redis adapter would map it onto expiring hashes.
//
// What it is for: the scheduler routes a GPU-eligible task to a GPU pool only
// while some live worker leases from that pool, and moves waiting tasks back
// to the CPU pool when none does any more (engine/worker_pools.h). A worker
// registers when it starts, refreshes last_seen periodically
// (engine::WorkerPresence) and deregisters when it exits cleanly; a worker
// that dies without deregistering simply goes stale.
//
// Contract shared by every adapter (tests/ports/worker_registry_contract_test.cc):
//  - started_at and last_seen are taken from the adapter's injected Clock,
//    never from the caller.
//  - Error classes: kInvalidArgument (empty worker id, a pool or capability
//    name that is empty or contains ',' or whitespace), kNotFound (Touch of a
//    worker that is not registered), kIo (storage failed or stayed busy).
//
// Thread safety: as the other store ports (safe from many threads; the
// durable adapters from many processes).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "ports/clock.h"

namespace vtp::ports {

struct WorkerRecord {
  std::string worker_id;  // unique among live workers, e.g. "local:host:1234"
  std::string host;
  int64_t pid = 0;
  // Pools the worker leases from, in its order ("cpu", "gpu-nvenc"): what
  // routing reads.
  std::vector<std::string> pools;
  // Hardware it detected, used for encoding or not ("gpu-nvenc",
  // "gpu-vaapi"): for operators; routing reads `pools` only.
  std::vector<std::string> capabilities;
  Millis started_at = 0;  // stamped by the store at registration
  Millis last_seen = 0;   // stamped by the store at registration and each Touch

  bool operator==(const WorkerRecord&) const = default;
};

class WorkerRegistry {
 public:
  virtual ~WorkerRegistry() = default;

  // Inserts the worker, or replaces the row of a worker with the same id (a
  // restarted process reusing its id), with started_at = last_seen = now.
  virtual Status RegisterWorker(const WorkerRecord& worker) = 0;
  // last_seen = now. kNotFound when the worker is not registered (it
  // deregistered, or PurgeWorkers removed it): the caller registers again.
  virtual Status TouchWorker(std::string_view worker_id) = 0;
  // Removes the worker. Returns false when it was not registered (so a
  // supervisor and the worker itself may both call it).
  virtual StatusOr<bool> DeregisterWorker(std::string_view worker_id) = 0;
  // Workers with now - last_seen <= stale_after_ms, by worker_id.
  // kInvalidArgument when stale_after_ms < 0.
  virtual StatusOr<std::vector<WorkerRecord>> ListLiveWorkers(Millis stale_after_ms) = 0;
  // Removes every worker with now - last_seen > stale_after_ms (dead ones
  // that never deregistered). Returns how many. kInvalidArgument when
  // stale_after_ms < 0.
  virtual StatusOr<int> PurgeWorkers(Millis stale_after_ms) = 0;
};

}  // namespace vtp::ports
