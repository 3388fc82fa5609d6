// Real-time progress for GET /api/v1/videos/{id}/events: fans the status of
// each video out to its Server-Sent-Events subscribers as it changes.
//
// The source of change is the store's events outbox: Poll() reads what was
// appended since the last call and, for every video touched that has
// subscribers, computes the status body ONCE and sends it to each of them
// as
//     id: <outbox event id>      event: status      data: <status JSON>
// The id is the newest outbox event of that video, so a client that
// reconnects with Last-Event-ID gets the current status at once if anything
// happened meanwhile, and nothing until something does otherwise (every
// event is a whole snapshot, so a missed one loses nothing). After a
// terminal status (ready, failed, removed) the stream ends; reconnecting
// with that id answers 204, which tells EventSource to stop.
//
// Cost: subscribers hold no thread (api/sse.h); one status computation per
// changed video per poll, whatever the number of subscribers.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/http_message.h"
#include "api/sse.h"
#include "core/status.h"
#include "ports/event_bus.h"

namespace vtp::api {

class EventHub {
 public:
  using Snapshot = std::function<StatusOr<nlohmann::json>(const std::string& video_id)>;

  // `bus` supplies the outbox events; `snapshot` the status body of a video.
  EventHub(ports::EventBus& bus, Snapshot snapshot) : bus_(bus), snapshot_(std::move(snapshot)) {}

  // Starts at the outbox's current end (history is not replayed: a new
  // subscriber gets the current snapshot instead).
  Status Init();

  // The answer to a subscription request for `video_id` (the caller has
  // checked access): 204 when `last_event_id` is already the video's
  // newest and the video is finished, else an event stream that starts
  // with the current snapshot (unless the client has it) and follows.
  Response Subscribe(const std::string& video_id, const std::string& last_event_id);

  // Reads new outbox events and pushes snapshots. Returns how many events
  // were read.
  StatusOr<int> Poll(int batch = 1000);

  size_t subscribers() const;

 private:
  // Sends `snap` as event `id` to the streams and closes them when it is
  // terminal; drops closed streams.
  void Push(std::vector<std::shared_ptr<EventStream>>& streams, int64_t id, const nlohmann::json& snap);
  int64_t NewestOf(const std::string& video_id) const;  // requires mu_
  // Sends a fresh snapshot as event `id` to a stream that subscribed while
  // Poll was pushing; closes and drops it when terminal.
  void CatchUp(const std::string& video_id, const std::shared_ptr<EventStream>& stream, int64_t id);

  ports::EventBus& bus_;
  Snapshot snapshot_;
  mutable std::mutex mu_;
  int64_t cursor_ = 0;                                   // guarded by mu_
  std::map<std::string, int64_t> newest_;                // video -> newest event id; guarded by mu_
  std::map<std::string, std::vector<std::shared_ptr<EventStream>>> subs_;  // guarded by mu_
};

// True for ready, failed and removed.
bool IsTerminalStatus(const std::string& status);

}  // namespace vtp::api
