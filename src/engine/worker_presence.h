// A worker's entry in the worker registry: registered when it starts,
// last_seen refreshed every refresh_ms while it runs, removed when it exits
// cleanly. The seed's `worker:{worker_id}` heartbeat, behind the registry
// port. Time comes from the injected Clock, so tests drive refreshes with
// FakeClock.
//
// Not thread-safe: one per worker loop, called from that loop.
#pragma once

#include "core/status.h"
#include "engine/worker_pools.h"
#include "ports/clock.h"
#include "ports/worker_registry.h"

namespace vtp::engine {

class WorkerPresence {
 public:
  // `registry` and `clock` must outlive this. `self` names the worker, its
  // host, pid, pools and capabilities (the store stamps the times).
  WorkerPresence(ports::WorkerRegistry& registry, const ports::Clock& clock, ports::WorkerRecord self,
                 Millis refresh_ms = kWorkerRefreshMs)
      : registry_(registry), clock_(clock), self_(std::move(self)), refresh_ms_(refresh_ms) {}

  Status Register();
  // Refreshes last_seen once refresh_ms has passed since the last write;
  // registers again when the row is gone (purged as stale after a long
  // pause, or removed by a supervisor). Returns whether it wrote.
  StatusOr<bool> Tick();
  // Removes the entry (clean exit).
  Status Deregister();

  const ports::WorkerRecord& self() const { return self_; }

 private:
  ports::WorkerRegistry& registry_;
  const ports::Clock& clock_;
  ports::WorkerRecord self_;
  Millis refresh_ms_;
  Millis last_write_ = 0;
};

}  // namespace vtp::engine
