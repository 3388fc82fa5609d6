// RedisStreamConsumer: one member of a consumer group on the event stream
// that RedisStreamBus fills (keys: redis_stream_bus.h). Gives at-least-once
// delivery with idempotent handling and a dead-letter stream:
//
//  - Each ConsumeOnce first re-claims this group's pending entries idle for
//    at least min_idle_ms (XPENDING IDLE + XCLAIM: entries of consumers that
//    crashed or whose handler failed, this one's included), then reads new
//    entries (XREADGROUP ... >), and handles each: claimed ones first, so
//    events are not handled in id order across redeliveries.
//  - Dedup by event id: after a handler succeeds the group's done mark
//    <stream>:done:<group>:<event_id> is set (PX done_ttl_ms) and the entry
//    is acknowledged. An entry whose event already has the mark (a
//    redelivery, or the same event re-added under another stream id) is
//    acknowledged without running the handler. A crash between the handler
//    and the mark runs the handler again: handlers must be idempotent.
//  - A handler error leaves the entry pending; it is redelivered once idle.
//    The delivery that fails with deliveries >= max_deliveries moves the
//    entry to the dead stream <stream>:dead (the event's fields plus group,
//    consumer, stream_id, deliveries, last_error) and acknowledges it,
//    atomically (a Lua script), so the handler runs at most max_deliveries
//    times. An entry claimed after max_deliveries unacknowledged deliveries
//    (its consumers crashed) and an entry that is not a well-formed event
//    go to the dead stream without running the handler.
//  - The group is created on Create (XGROUP CREATE ... MKSTREAM; an existing
//    group is kept) at `start_id`: "$" = only events added from now on, "0" =
//    the whole stream. When the group is gone (Redis flushed or restarted),
//    the next call re-creates it at "0" -- the new stream holds only events
//    relayed since -- and retries.
//
// Errors: kInvalidArgument (empty group/name, max_deliveries < 1, count < 1,
// block_ms < 0); kIo (Redis). Handler errors are not errors of ConsumeOnce.
//
// Thread safety: one thread per consumer (its calls are not meant to
// overlap); give each consumer its own client when it blocks (block_ms > 0
// needs command_timeout_ms = 0 or longer than the block).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "adapters/redis_client.h"
#include "adapters/redis_stream_bus.h"
#include "core/status.h"
#include "ports/records.h"

namespace vtp::adapters {

struct RedisConsumerOptions {
  RedisStreamOptions stream;  // key prefix and stream name: the bus's
  std::string group;
  std::string name;             // this consumer, unique within the group
  std::string start_id = "$";   // where a new group starts reading
  int64_t min_idle_ms = 60'000;  // pending this long = its consumer is gone
  int max_deliveries = 3;
  int64_t done_ttl_ms = 7LL * 24 * 3600 * 1000;  // 0 = done marks never expire
};

// Handles one event; an error leaves it for redelivery.
using StreamEventHandler = std::function<Status(const ports::Event&)>;

class RedisStreamConsumer {
 public:
  // Validates the options and creates the group. `client` must outlive the
  // consumer.
  static StatusOr<std::unique_ptr<RedisStreamConsumer>> Create(RedisClient& client,
                                                               RedisConsumerOptions options);

  // Re-claims idle pending entries, reads up to the rest of `count` new
  // ones (waiting up to block_ms for them when none was re-claimed; 0 = do
  // not wait) and handles them. Returns how many the handler handled
  // successfully (dedup skips and dead letters not counted).
  StatusOr<int> ConsumeOnce(const StreamEventHandler& handler, int count, int block_ms);

  const RedisConsumerOptions& options() const { return options_; }

 private:
  struct Delivery {
    StreamEntry entry;
    int64_t deliveries = 1;  // including this one
  };

  RedisConsumerOptions options_;
  RedisClient& client_;
  const std::string stream_key_;
  const std::string dead_key_;

  RedisStreamConsumer(RedisClient& client, RedisConsumerOptions options);
  Status CreateGroup(const std::string& start_id);
  // Runs `op`; when Redis answers NOGROUP, re-creates the group and runs it again.
  template <typename Op>
  auto WithGroup(const Op& op) -> decltype(op());
  StatusOr<std::vector<Delivery>> ClaimIdle(int count);
  StatusOr<std::vector<Delivery>> ReadNew(int count, int block_ms);
  // True when the handler succeeded on this delivery.
  StatusOr<bool> Handle(const Delivery& delivery, const StreamEventHandler& handler);
  Status Acknowledge(const std::string& entry_id);
  Status MarkDone(int64_t event_id, const std::string& entry_id);
  Status DeadLetter(const Delivery& delivery, const std::string& last_error);
};

}  // namespace vtp::adapters
