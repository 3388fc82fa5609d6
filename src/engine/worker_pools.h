// Routing by capability: which pools live workers lease from, and which pool
// a task of a step goes to. The scheduler asks a LivePools (injected, so
// engine tests use FixedLivePools) once per planning pass that creates a
// task of a GPU-eligible step; RegistryLivePools answers from the worker
// registry port (ports/worker_registry.h) with a staleness bound.
//
// Thread safety: FixedLivePools is thread-safe; RegistryLivePools is as
// safe as its registry.
#pragma once

#include <mutex>
#include <set>
#include <string>

#include "core/status.h"
#include "engine/pipeline_graph.h"
#include "ports/clock.h"
#include "ports/worker_registry.h"

namespace vtp::engine {

// A worker that has not refreshed its registration for this long is taken
// for dead; workers refresh every kWorkerRefreshMs (WorkerPresence).
inline constexpr Millis kWorkerStaleAfterMs = 30'000;
inline constexpr Millis kWorkerRefreshMs = 5'000;
// How long a task may wait in a GPU pool with live GPU workers before it is
// moved to the CPU pool (vtp's --gpu-wait-ms default).
inline constexpr Millis kDefaultGpuWaitMs = 120'000;

class LivePools {
 public:
  virtual ~LivePools() = default;
  // Every pool at least one live worker leases from now.
  virtual StatusOr<std::set<std::string>> Pools() = 0;
};

class RegistryLivePools final : public LivePools {
 public:
  // `registry` must outlive this.
  RegistryLivePools(ports::WorkerRegistry& registry, Millis stale_after_ms = kWorkerStaleAfterMs)
      : registry_(registry), stale_after_ms_(stale_after_ms) {}
  StatusOr<std::set<std::string>> Pools() override;

 private:
  ports::WorkerRegistry& registry_;
  Millis stale_after_ms_;
};

// A set given by the caller (tests, single-process tools).
class FixedLivePools final : public LivePools {
 public:
  explicit FixedLivePools(std::set<std::string> pools = {}) : pools_(std::move(pools)) {}
  StatusOr<std::set<std::string>> Pools() override;
  void Set(std::set<std::string> pools);

 private:
  std::mutex mu_;
  std::set<std::string> pools_;
};

// The pool a new task of `step` goes to: the first of its gpu_pools in
// `live`, else its own pool.
std::string ChoosePool(const StepDef& step, const std::set<std::string>& live);

}  // namespace vtp::engine
