#include "api/sse.h"

#include <utility>

namespace vtp::api {
namespace {

void AppendField(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).push_back('\n');
}

}  // namespace

Status ValidateEvent(const Event& event) {
  if (event.id.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
    return InvalidArgument("event id must not contain CR, LF or NUL");
  }
  if (event.event.find_first_of("\r\n") != std::string::npos) {
    return InvalidArgument("event type must not contain CR or LF");
  }
  return Status::Ok();
}

std::string FormatEvent(const Event& event) {
  std::string out;
  if (!event.id.empty()) AppendField(out, "id", event.id);
  if (!event.event.empty()) AppendField(out, "event", event.event);
  std::string_view data = event.data;
  // The spec's line terminators are CRLF, LF and CR alike.
  while (true) {
    const size_t end = data.find_first_of("\r\n");
    AppendField(out, "data", data.substr(0, end));
    if (end == std::string_view::npos) break;
    const bool crlf = data[end] == '\r' && end + 1 < data.size() && data[end + 1] == '\n';
    data.remove_prefix(end + (crlf ? 2 : 1));
  }
  out.push_back('\n');
  return out;
}

std::string FormatComment(std::string_view text) {
  std::string out = ": ";
  for (char c : text) out.push_back(c == '\r' || c == '\n' ? ' ' : c);
  out.append("\n\n");
  return out;
}

EventStream::EventStream(std::shared_ptr<detail::StreamSink> sink, std::string last_event_id)
    : sink_(std::move(sink)), last_event_id_(std::move(last_event_id)) {}

Status EventStream::Send(const Event& event) {
  RETURN_IF_ERROR(ValidateEvent(event));
  if (closed() || !sink_->Write(FormatEvent(event))) {
    return IoError("event stream closed");
  }
  return Status::Ok();
}

Status EventStream::SendComment(std::string_view text) {
  if (closed() || !sink_->Write(FormatComment(text))) {
    return IoError("event stream closed");
  }
  return Status::Ok();
}

void EventStream::Close() { sink_->Close(); }

bool EventStream::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

void EventStream::OnClosed(std::function<void()> callback) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!closed_) {
      on_closed_.push_back(std::move(callback));
      return;
    }
  }
  callback();
}

void EventStream::NotifyClosed() {
  std::vector<std::function<void()>> callbacks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    closed_ = true;
    callbacks.swap(on_closed_);
  }
  // Outside the lock: a callback may call back into this stream.
  for (auto& cb : callbacks) cb();
}

}  // namespace vtp::api
