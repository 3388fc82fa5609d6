#include "api/event_hub.h"

#include <algorithm>
#include <set>

#include "api/problem.h"

namespace vtp::api {
namespace {

using nlohmann::json;

int64_t ParseEventId(const std::string& s) {
  if (s.empty() || s.size() > 18) return 0;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + (c - '0');
  }
  return v;
}

Event StatusEvent(int64_t id, const json& snap) {
  return Event{std::to_string(id), "status", snap.dump(-1, ' ', false, json::error_handler_t::replace)};
}

}  // namespace

bool IsTerminalStatus(const std::string& status) {
  return status == "ready" || status == "failed" || status == "removed";
}

Status EventHub::Init() {
  int64_t end = 0;
  for (;;) {
    ASSIGN_OR_RETURN(std::vector<ports::Event> page, bus_.Poll(end, 1000));
    if (page.empty()) break;
    end = page.back().event_id;
  }
  std::lock_guard<std::mutex> lock(mu_);
  cursor_ = std::max(cursor_, end);
  return Status::Ok();
}

int64_t EventHub::NewestOf(const std::string& video_id) const {
  auto it = newest_.find(video_id);
  return it == newest_.end() ? cursor_ : it->second;
}

Response EventHub::Subscribe(const std::string& video_id, const std::string& last_event_id) {
  // The id before the snapshot: the snapshot is then at least that new.
  int64_t newest = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    newest = NewestOf(video_id);
  }
  StatusOr<json> snap = snapshot_(video_id);
  if (!snap.ok()) return ProblemResponse(ProblemFromStatus(snap.status()));
  const int64_t seen = ParseEventId(last_event_id);
  const bool client_current = seen >= newest && seen > 0;
  const bool terminal = IsTerminalStatus(snap->value("status", ""));
  if (client_current && terminal) {
    Response r;
    r.status = 204;  // EventSource stops reconnecting on 204
    return r;
  }
  Response r = Response::Events([this, video_id, snap = *snap, newest, client_current,
                                 terminal](std::shared_ptr<EventStream> stream) {
    if (!client_current) (void)stream->Send(StatusEvent(newest, snap));
    if (terminal) return stream->Close();
    int64_t registered_at = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      subs_[video_id].push_back(stream);
      registered_at = NewestOf(video_id);
    }
    // A Poll between the snapshot and the registration pushed its events to
    // the subscribers of then, not to this one (had it been the terminal
    // one, this stream would wait forever): catch up once. Every later
    // event is pushed to it.
    if (registered_at != newest) CatchUp(video_id, stream, registered_at);
  });
  r.headers.Set("Cache-Control", "no-store");
  return r;
}

void EventHub::CatchUp(const std::string& video_id, const std::shared_ptr<EventStream>& stream, int64_t id) {
  StatusOr<json> snap = snapshot_(video_id);
  if (!snap.ok()) return;
  (void)stream->Send(StatusEvent(id, *snap));
  if (!IsTerminalStatus(snap->value("status", ""))) return;
  stream->Close();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = subs_.find(video_id);
  if (it == subs_.end()) return;
  auto& list = it->second;
  list.erase(std::remove(list.begin(), list.end(), stream), list.end());
  if (list.empty()) subs_.erase(it);
}

void EventHub::Push(std::vector<std::shared_ptr<EventStream>>& streams, int64_t id, const json& snap) {
  const bool terminal = IsTerminalStatus(snap.value("status", ""));
  Event e = StatusEvent(id, snap);
  for (auto& s : streams) {
    (void)s->Send(e);
    if (terminal) s->Close();
  }
}

StatusOr<int> EventHub::Poll(int batch) {
  int64_t from = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    from = cursor_;
  }
  ASSIGN_OR_RETURN(std::vector<ports::Event> events, bus_.Poll(from, batch));
  if (events.empty()) return 0;
  std::map<std::string, int64_t> touched;
  for (const auto& e : events) {
    if (!e.video_id.empty()) touched[e.video_id] = e.event_id;
  }
  std::map<std::string, std::vector<std::shared_ptr<EventStream>>> to_send;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cursor_ = events.back().event_id;
    for (const auto& [video, id] : touched) {
      newest_[video] = id;
      auto it = subs_.find(video);
      if (it == subs_.end()) continue;
      auto& list = it->second;
      list.erase(std::remove_if(list.begin(), list.end(), [](const auto& s) { return s->closed(); }), list.end());
      if (list.empty()) {
        subs_.erase(it);
        continue;
      }
      to_send[video] = list;
    }
    // Forget videos nobody watches once the map grows: NewestOf falls back
    // to the cursor, which only makes a reconnect resend one snapshot.
    if (newest_.size() > 100'000) newest_.clear();
  }
  for (auto& [video, streams] : to_send) {
    StatusOr<json> snap = snapshot_(video);
    if (!snap.ok()) continue;
    Push(streams, touched[video], *snap);
    if (IsTerminalStatus(snap->value("status", ""))) {
      std::lock_guard<std::mutex> lock(mu_);
      subs_.erase(video);
    }
  }
  return static_cast<int>(events.size());
}

size_t EventHub::subscribers() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& [video, list] : subs_) n += list.size();
  return n;
}

}  // namespace vtp::api
