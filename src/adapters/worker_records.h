// The worker registry port's semantics as pure functions shared by every
// adapter (like task_transitions.h for the queue): validation, the row a
// registration writes, liveness, and the text form of name lists the SQLite
// rows use. Nothing here does I/O or reads a clock.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "ports/clock.h"
#include "ports/worker_registry.h"

namespace vtp::adapters {

Status WorkerNotFound(std::string_view worker_id);
// Non-empty id; every pool and capability non-empty, without ',' or
// whitespace (they are stored joined by ',').
Status ValidateWorker(const ports::WorkerRecord& worker);
Status ValidateStaleness(ports::Millis stale_after_ms);

// The row RegisterWorker writes: `in` with started_at = last_seen = now.
ports::WorkerRecord NewWorker(const ports::WorkerRecord& in, ports::Millis now);
// now - last_seen <= stale_after_ms.
bool IsLive(const ports::WorkerRecord& worker, ports::Millis now, ports::Millis stale_after_ms);

// "cpu,gpu-nvenc" <-> {"cpu", "gpu-nvenc"}; "" <-> {}.
std::string JoinNames(const std::vector<std::string>& names);
std::vector<std::string> SplitNames(std::string_view joined);

}  // namespace vtp::adapters
