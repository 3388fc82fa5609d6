// Port: time. Everything that waits, expires or backs off (leases,
// heartbeats, retries, aging) reads time through a Clock so tests drive it
// with FakeClock instead of sleeping.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace vtp::ports {

// Milliseconds since the Unix epoch: the one time unit stored by adapters.
using Millis = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock now, in milliseconds since the epoch. Thread-safe.
  virtual Millis NowMillis() const = 0;
};

class SystemClock final : public Clock {
 public:
  Millis NowMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Millis start = 1'700'000'000'000) : now_(start) {}
  Millis NowMillis() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void Advance(Millis ms) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += ms;
  }
  void Set(Millis ms) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ = ms;
  }

 private:
  mutable std::mutex mu_;
  Millis now_;
};

}  // namespace vtp::ports
