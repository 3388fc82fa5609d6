#include "engine/priority.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "ports/task_queue.h"

namespace vtp::engine {
namespace {

constexpr Priority kAll[] = {Priority::kLow, Priority::kNormal, Priority::kHigh, Priority::kUrgent};

TEST(PriorityTest, BaseLevels) {
  EXPECT_EQ(BaseLevel(Priority::kLow), 0);
  EXPECT_EQ(BaseLevel(Priority::kNormal), 1);
  EXPECT_EQ(BaseLevel(Priority::kHigh), 2);
  EXPECT_EQ(BaseLevel(Priority::kUrgent), 3);
}

TEST(PriorityTest, EffectiveLevelFormula) {
  EXPECT_EQ(EffectiveLevel(1, 0, 60'000, 2), 1);
  EXPECT_EQ(EffectiveLevel(1, 59'999, 60'000, 2), 1);
  EXPECT_EQ(EffectiveLevel(1, 60'000, 60'000, 2), 2);
  EXPECT_EQ(EffectiveLevel(1, 10 * 60'000, 60'000, 2), 3);  // capped by max_boost
  EXPECT_EQ(EffectiveLevel(1, 10 * 60'000, 0, 2), 1);       // aging disabled
  EXPECT_EQ(EffectiveLevel(1, -5, 60'000, 2), 1);           // clock skew: no negative aging
  EXPECT_EQ(EffectiveLevel(0, std::numeric_limits<Millis>::max(), 1, 3), 3);
}

TEST(PriorityTest, AgreesWithTheQueuePort) {
  // The queue adapters implement ports::EffectivePriorityLevel; the engine's
  // statement of the rule must never drift from it.
  for (Millis step : {Millis{0}, Millis{1}, Millis{1'000}, Millis{60'000}}) {
    for (Priority p : kAll) {
      for (Millis waited : {Millis{0}, Millis{1}, Millis{999}, Millis{1'000}, Millis{59'999}, Millis{60'000},
                            Millis{120'000}, Millis{3'600'000}}) {
        AgingOptions opts{step};
        EXPECT_EQ(EffectivePriority(p, waited, opts), ports::EffectivePriorityLevel(p, 1'000, 1'000 + waited, step))
            << ports::PriorityName(p) << " waited " << waited << " step " << step;
      }
    }
  }
  EXPECT_EQ(AgingOptions{}.aging_step_ms, ports::QueueOptions{}.aging_step_ms);
}

TEST(PriorityTest, MaxWait) {
  AgingOptions opts;  // 60 s
  EXPECT_EQ(MaxWait(Priority::kLow, opts), 180'000);
  EXPECT_EQ(MaxWait(Priority::kNormal, opts), 120'000);
  EXPECT_EQ(MaxWait(Priority::kHigh, opts), 60'000);
  EXPECT_EQ(MaxWait(Priority::kUrgent, opts), 0);
  EXPECT_FALSE(MaxWait(Priority::kNormal, AgingOptions{0}).has_value());
}

TEST(PriorityTest, NormalWaitingMaxWaitBeatsFreshUrgent) {
  AgingOptions opts;
  Millis t0 = 1'000'000;
  Millis bound = *MaxWait(Priority::kNormal, opts);
  ports::LeaseCandidate normal{"v1/transcode/chunk_000", Priority::kNormal, t0};
  // Just before the bound, fresh urgent work still goes first...
  ports::LeaseCandidate early_urgent{"v2/transcode/chunk_000", Priority::kUrgent, t0 + bound - 1};
  EXPECT_TRUE(ports::LeasesBefore(early_urgent, normal, t0 + bound - 1, opts.aging_step_ms));
  // ...at the bound, the normal task is leased before any urgent task that
  // became ready after it.
  ports::LeaseCandidate fresh_urgent{"v3/transcode/chunk_000", Priority::kUrgent, t0 + bound};
  EXPECT_TRUE(ports::LeasesBefore(normal, fresh_urgent, t0 + bound, opts.aging_step_ms));
  EXPECT_TRUE(ports::LeasesBefore(normal, early_urgent, t0 + bound, opts.aging_step_ms));
}

TEST(PriorityTest, SaturatingUrgentStreamCannotStarveNormalWork) {
  // One worker, 1 s per task, urgent tasks arriving twice as fast as they are
  // served (the urgent backlog only grows) and one normal task ready at
  // t = 0.5 s. Strict priority would never run it; with aging it runs within
  // MaxWait plus one service time.
  AgingOptions opts;
  const Millis kService = 1'000, kArrival = 500, kNormalReady = 500;
  std::vector<ports::LeaseCandidate> queue = {{"normal", Priority::kNormal, kNormalReady}};
  Millis served_at = -1;
  int next_urgent = 0;
  for (Millis now = 0; now < 10 * 60'000 && served_at < 0; now += kService) {
    for (; next_urgent * kArrival <= now; ++next_urgent) {
      queue.push_back({"urgent_" + std::to_string(next_urgent), Priority::kUrgent, next_urgent * kArrival});
    }
    std::optional<size_t> best;
    for (size_t i = 0; i < queue.size(); ++i) {
      if (queue[i].ready_at > now) continue;  // not runnable yet
      if (!best || ports::LeasesBefore(queue[i], queue[*best], now, opts.aging_step_ms)) best = i;
    }
    ASSERT_TRUE(best.has_value());
    if (queue[*best].task_id == "normal") served_at = now;
    queue.erase(queue.begin() + static_cast<std::ptrdiff_t>(*best));
  }
  ASSERT_GE(served_at, 0) << "normal task starved";
  EXPECT_LE(served_at - kNormalReady, *MaxWait(Priority::kNormal, opts) + kService);
  EXPECT_GT(queue.size(), 100u);  // the urgent backlog really did build up
}

TEST(PriorityTest, ShortVideoBoost) {
  EXPECT_EQ(ShortVideoBoost(30), 1);
  EXPECT_EQ(ShortVideoBoost(299.9), 1);
  EXPECT_EQ(ShortVideoBoost(300), 0);  // "< 5 min" is strict
  EXPECT_EQ(ShortVideoBoost(7200), 0);
  EXPECT_EQ(ShortVideoBoost(0), 0);    // unknown duration
  EXPECT_EQ(ShortVideoBoost(-1), 0);
  EXPECT_EQ(ShortVideoBoost(std::nan("")), 0);
  EXPECT_EQ(ShortVideoBoost(std::numeric_limits<double>::infinity()), 0);
  EXPECT_EQ(ShortVideoBoost(60, ShortVideoOptions{120, 2, Priority::kUrgent}), 2);
}

TEST(PriorityTest, SubmissionPriority) {
  EXPECT_EQ(SubmissionPriority(Priority::kLow, 60), Priority::kNormal);
  EXPECT_EQ(SubmissionPriority(Priority::kNormal, 60), Priority::kHigh);
  EXPECT_EQ(SubmissionPriority(Priority::kHigh, 60), Priority::kHigh);      // capped: urgent is explicit
  EXPECT_EQ(SubmissionPriority(Priority::kUrgent, 60), Priority::kUrgent);  // never lowered
  EXPECT_EQ(SubmissionPriority(Priority::kNormal, 600), Priority::kNormal);
  EXPECT_EQ(SubmissionPriority(Priority::kNormal, 0), Priority::kNormal);
  // A short normal video reaches the top level twice as fast.
  AgingOptions opts;
  EXPECT_EQ(*MaxWait(SubmissionPriority(Priority::kNormal, 60), opts), *MaxWait(Priority::kNormal, opts) / 2);
}

}  // namespace
}  // namespace vtp::engine
