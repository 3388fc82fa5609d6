#include "adapters/worker_records.h"

#include <algorithm>

namespace vtp::adapters {
namespace {

bool BadNameChar(char c) { return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

Status ValidateNames(const std::vector<std::string>& names, std::string_view what,
                     std::string_view worker_id) {
  for (const auto& n : names) {
    if (n.empty() || std::any_of(n.begin(), n.end(), BadNameChar)) {
      return InvalidArgument(std::string(what) + " name '" + n + "' of worker " +
                             std::string(worker_id) + " is empty or holds ',' or whitespace");
    }
  }
  return Status::Ok();
}

}  // namespace

Status WorkerNotFound(std::string_view worker_id) {
  return NotFound("worker " + std::string(worker_id) + " is not registered");
}

Status ValidateWorker(const ports::WorkerRecord& worker) {
  if (worker.worker_id.empty()) return InvalidArgument("worker_id is empty");
  RETURN_IF_ERROR(ValidateNames(worker.pools, "pool", worker.worker_id));
  return ValidateNames(worker.capabilities, "capability", worker.worker_id);
}

Status ValidateStaleness(ports::Millis stale_after_ms) {
  if (stale_after_ms < 0) return InvalidArgument("staleness bound must not be negative");
  return Status::Ok();
}

ports::WorkerRecord NewWorker(const ports::WorkerRecord& in, ports::Millis now) {
  ports::WorkerRecord w = in;
  w.started_at = now;
  w.last_seen = now;
  return w;
}

bool IsLive(const ports::WorkerRecord& worker, ports::Millis now, ports::Millis stale_after_ms) {
  return now - worker.last_seen <= stale_after_ms;
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

std::vector<std::string> SplitNames(std::string_view joined) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < joined.size()) {
    size_t comma = joined.find(',', start);
    if (comma == std::string_view::npos) comma = joined.size();
    if (comma > start) out.emplace_back(joined.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

}  // namespace vtp::adapters
