#include "engine/worker_pools.h"

#include <algorithm>

namespace vtp::engine {

StatusOr<std::set<std::string>> RegistryLivePools::Pools() {
  ASSIGN_OR_RETURN(std::vector<ports::WorkerRecord> workers, registry_.ListLiveWorkers(stale_after_ms_));
  std::set<std::string> pools;
  for (const auto& w : workers) pools.insert(w.pools.begin(), w.pools.end());
  return pools;
}

StatusOr<std::set<std::string>> FixedLivePools::Pools() {
  std::lock_guard<std::mutex> lock(mu_);
  return pools_;
}

void FixedLivePools::Set(std::set<std::string> pools) {
  std::lock_guard<std::mutex> lock(mu_);
  pools_ = std::move(pools);
}

std::string ChoosePool(const StepDef& step, const std::set<std::string>& live) {
  auto it = std::find_if(step.gpu_pools.begin(), step.gpu_pools.end(),
                         [&](const std::string& p) { return live.count(p) > 0; });
  return it == step.gpu_pools.end() ? step.pool : *it;
}

}  // namespace vtp::engine
