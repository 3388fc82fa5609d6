#include "engine/worker_presence.h"

namespace vtp::engine {

Status WorkerPresence::Register() {
  RETURN_IF_ERROR(registry_.RegisterWorker(self_));
  last_write_ = clock_.NowMillis();
  return Status::Ok();
}

StatusOr<bool> WorkerPresence::Tick() {
  Millis now = clock_.NowMillis();
  if (now - last_write_ < refresh_ms_) return false;
  Status touched = registry_.TouchWorker(self_.worker_id);
  if (touched.code() == ErrorCode::kNotFound) {
    RETURN_IF_ERROR(Register());
    return true;
  }
  RETURN_IF_ERROR(touched);
  last_write_ = now;
  return true;
}

Status WorkerPresence::Deregister() { return registry_.DeregisterWorker(self_.worker_id).status(); }

}  // namespace vtp::engine
