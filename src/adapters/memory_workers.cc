// InMemoryStore's ports::WorkerRegistry: a map by worker id.
#include "adapters/memory_store.h"
#include "adapters/worker_records.h"

namespace vtp::adapters {

using ports::Millis;
using ports::WorkerRecord;

Status InMemoryStore::RegisterWorker(const WorkerRecord& worker) {
  RETURN_IF_ERROR(ValidateWorker(worker));
  std::lock_guard<std::mutex> lock(mu_);
  workers_.insert_or_assign(worker.worker_id, NewWorker(worker, clock_.NowMillis()));
  return Status::Ok();
}

Status InMemoryStore::TouchWorker(std::string_view worker_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = workers_.find(worker_id);
  if (it == workers_.end()) return WorkerNotFound(worker_id);
  it->second.last_seen = clock_.NowMillis();
  return Status::Ok();
}

StatusOr<bool> InMemoryStore::DeregisterWorker(std::string_view worker_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = workers_.find(worker_id);
  if (it == workers_.end()) return false;
  workers_.erase(it);
  return true;
}

StatusOr<std::vector<WorkerRecord>> InMemoryStore::ListLiveWorkers(Millis stale_after_ms) {
  RETURN_IF_ERROR(ValidateStaleness(stale_after_ms));
  std::lock_guard<std::mutex> lock(mu_);
  Millis now = clock_.NowMillis();
  std::vector<WorkerRecord> out;
  for (const auto& [id, w] : workers_) {
    if (IsLive(w, now, stale_after_ms)) out.push_back(w);
  }
  return out;
}

StatusOr<int> InMemoryStore::PurgeWorkers(Millis stale_after_ms) {
  RETURN_IF_ERROR(ValidateStaleness(stale_after_ms));
  std::lock_guard<std::mutex> lock(mu_);
  Millis now = clock_.NowMillis();
  int purged = 0;
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (IsLive(it->second, now, stale_after_ms)) {
      ++it;
      continue;
    }
    it = workers_.erase(it);
    ++purged;
  }
  return purged;
}

}  // namespace vtp::adapters
