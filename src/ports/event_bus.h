// Port: the event bus. Producers publish pipeline events (progress, state
// changes); consumers pull them in order from a cursor they keep themselves
// (at-least-once: a consumer that crashes re-reads from its last saved id,
// so handlers dedupe by event_id).
//
// Contract shared by every adapter (tests/ports/event_bus_contract_test.cc):
//  - Publish assigns event_id and created_at (the injected Clock); ids are
//    strictly increasing in the order publishes commit and never reused, so a
//    consumer polling with the last id it saw never skips an event.
//  - Poll returns up to `limit` events with event_id > after_id, ascending;
//    empty when there are none (it never blocks).
//  - Events the metadata store appends to its outbox in the same transaction
//    as a state change (metadata_store.h, task_queue.h) are delivered too.
//    The embedded adapter is the store's outbox table itself; a Kafka/Redis
//    adapter is fed by a relay (MetadataStore::ReadUnpublishedEvents +
//    MarkEventsPublished) and must keep the ordering above per bus.
//  - Errors: kInvalidArgument (empty type, limit < 1), kIo (storage).
//
// Thread safety: safe to call from many threads (and processes, for the
// durable adapters).
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "ports/records.h"

namespace vtp::ports {

class EventBus {
 public:
  virtual ~EventBus() = default;

  // Publishes `event` (its event_id, created_at and published_at are
  // ignored). Returns the assigned id.
  virtual StatusOr<int64_t> Publish(const Event& event) = 0;
  // Up to `limit` events after `after_id` (0 = from the beginning).
  virtual StatusOr<std::vector<Event>> Poll(int64_t after_id, int limit) = 0;
};

}  // namespace vtp::ports
