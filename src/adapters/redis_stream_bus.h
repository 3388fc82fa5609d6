// RedisStreamBus: the event bus port on a Redis Stream, fed from the
// metadata store's transactional outbox (the store stays the source of
// truth; Redis carries the events to consumers).
//
// Keys (P = key_prefix + stream, "vtp:events" by default):
//   P                      the stream; entry id "<event_id>-0", fields
//                          event_id, video_id, type, payload_json, created_at
//   P:relay-lock           the relay lock (SET NX PX, compare-and-delete)
//   P:dead                 dead letters of every consumer group
//                          (redis_stream_consumer.h)
//   P:done:<group>:<id>    "handled" marks of a consumer group
//
// How the port's contract maps onto the stream:
//  - Publish appends the event to the outbox (MetadataStore::AppendEvent),
//    so a direct publish and a state change's event take their ids from the
//    one outbox sequence, then runs the relay. The event is committed once
//    AppendEvent succeeds: a relay failure (Redis down) does not fail
//    Publish; the event waits in the outbox for the next relay.
//  - The relay (RelayOutbox) reads unpublished outbox events in id order,
//    adds them with their explicit stream ids in one Lua script, then marks
//    them published. An id at or below the stream's top that the stream
//    holds is one a previous relay added without marking it: it is skipped,
//    so replaying a relay never duplicates an entry. The script runs only
//    while the caller holds the relay lock (a fence): relays of several API
//    instances take turns, and a relay whose lock expired adds nothing.
//    Correctness rests on the store's rule that ids grow in commit order
//    (metadata_store.h): every batch is the contiguous run of unpublished
//    ids, so the stream receives ids in ascending order and none is skipped.
//  - Poll(after_id, limit) is XRANGE from "<after_id+1>-0". Events still in
//    the outbox are not visible yet, but none is ever skipped: a relay only
//    appends above the stream's top. With relay_on_poll (default) Poll first
//    runs the relay, so consumers see state-change events without a
//    separate relay loop; a busy lock or a relay error is not an error of
//    Poll (the XRANGE decides).
//  - A Redis flush or restart loses the stream, its groups and the done
//    marks. The relay re-sends what was not yet marked published; events
//    published before the flush stay in the outbox (ReadEvents) but never
//    reach the new stream. Poll cursors keep working (new ids are larger);
//    consumer groups are re-created from the new stream's start.
//  - Errors: kInvalidArgument (empty type, limit < 1); kIo (Redis or store);
//    kInternal when the stream's top is past an unpublished event it does
//    not hold (something other than the relay writes to the stream).
//
// Thread safety: safe from many threads (the client serialises commands);
// any number of buses, in any number of processes, may share one stream.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "adapters/redis_client.h"
#include "core/status.h"
#include "ports/event_bus.h"
#include "ports/metadata_store.h"
#include "ports/records.h"

namespace vtp::adapters {

struct RedisStreamOptions {
  std::string key_prefix = "vtp:";
  std::string stream = "events";
  // XADD MAXLEN ~ max_len: Redis trims whole macro nodes, so the stream
  // keeps at least this many entries (also the dead stream's bound).
  int64_t max_len = 1'000'000;
  // Events per relay pass; a pass holds the lock for one outbox read, one
  // script and one MarkEventsPublished.
  int relay_batch = 500;
  int64_t relay_lock_ttl_ms = 10'000;
  bool relay_on_poll = true;
};

// The stream's key names (see the table above).
std::string StreamKey(const RedisStreamOptions& options);
std::string RelayLockKey(const RedisStreamOptions& options);
std::string DeadStreamKey(const RedisStreamOptions& options);
std::string DoneKey(const RedisStreamOptions& options, const std::string& group, int64_t event_id);

// One entry as XRANGE, XREADGROUP and XCLAIM return it. `deleted` marks an
// id whose entry was trimmed away (its fields are gone).
struct StreamEntry {
  std::string id;
  std::vector<std::pair<std::string, std::string>> fields;
  bool deleted = false;
};
// Parses an array of [id, [field, value, ...]] (nil: none). kInternal when
// the reply has another shape.
StatusOr<std::vector<StreamEntry>> ParseStreamEntries(const RedisReply& reply);
// The field/value list of an event as the relay writes it.
std::vector<std::string> EventFields(const ports::Event& event);
// The event an entry carries: event_id from its "event_id" field (else from
// the stream id). kInternal naming what is missing or malformed.
StatusOr<ports::Event> EventFromEntry(const StreamEntry& entry);

class RedisStreamBus final : public ports::EventBus {
 public:
  // `store` (the outbox) and `client` must outlive the bus.
  RedisStreamBus(ports::MetadataStore& store, RedisClient& client,
                 RedisStreamOptions options = {});

  StatusOr<int64_t> Publish(const ports::Event& event) override;
  StatusOr<std::vector<ports::Event>> Poll(int64_t after_id, int limit) override;

  // One relay pass: up to `limit` unpublished events onto the stream, then
  // marked published. Returns how many were handed over (added, or found
  // already there); 0 when the outbox is empty or another relay holds the
  // lock. kInvalidArgument when limit < 1.
  StatusOr<int> RelayOutbox(int limit);
  // Relay passes until the outbox is drained, the lock is busy or a pass
  // fails (at most a bounded number of passes). Returns the events handed over.
  StatusOr<int> RelayPending();

  const RedisStreamOptions& options() const { return options_; }

 private:
  StatusOr<int> RelayLocked(int limit, const std::string& token);

  ports::MetadataStore& store_;
  RedisClient& client_;
  const RedisStreamOptions options_;
  const std::string stream_key_;
  const std::string lock_key_;
};

}  // namespace vtp::adapters
