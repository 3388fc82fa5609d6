#include "adapters/redis_stream_bus.h"

#include <openssl/rand.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <optional>
#include <string_view>

#include "adapters/key_material.h"

namespace vtp::adapters {
namespace {

constexpr int kFieldsPerEvent = 10;  // EventFields(): five field/value pairs
constexpr int kMaxRelayPasses = 16;  // bounds the relay work one Publish/Poll does

// KEYS[1] stream, KEYS[2] relay lock; ARGV[1] lock token, ARGV[2] MAXLEN,
// then per event its id and EventFields(). Atomic, so a batch reaches the
// stream whole and in order; fenced by the lock so an expired holder adds
// nothing. Returns {0, added, present}, {1} when the lock is not ours, or
// {2, id} when the stream's top is past an id it does not hold.
const RedisScript kRelayScript(R"lua(
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return {1} end
local added, present = 0, 0
for i = 3, #ARGV, 11 do
  local id = ARGV[i] .. '-0'
  local r = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], id, unpack(ARGV, i + 1, i + 10))
  if type(r) == 'table' and r.err then
    if not string.find(r.err, 'equal or smaller', 1, true) then return r end
    if #redis.call('XRANGE', KEYS[1], id, id) == 0 then return {2, ARGV[i]} end
    present = present + 1
  else
    added = added + 1
  end
end
return {0, added, present}
)lua");

// Compare-and-delete: only the holder's token releases the lock.
const RedisScript kReleaseScript(R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua");

bool ParseInt64(std::string_view text, int64_t* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

// The millisecond part of a stream id "<ms>-<seq>".
std::optional<int64_t> StreamIdMs(std::string_view id) {
  int64_t ms = 0;
  if (!ParseInt64(id.substr(0, id.find('-')), &ms)) return std::nullopt;
  return ms;
}

StatusOr<std::string> RandomToken() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return Internal("relay lock: no random bytes");
  return HexEncode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

// Holds the relay lock for one pass; the destructor releases it. A failed
// release is harmless: the lock expires after its TTL.
class RelayLock {
 public:
  static StatusOr<std::optional<RelayLock>> TryAcquire(RedisClient& client, const std::string& key,
                                                       int64_t ttl_ms) {
    ASSIGN_OR_RETURN(std::string token, RandomToken());
    ASSIGN_OR_RETURN(RedisReply reply, client.Command({"SET", key, token, "NX", "PX",
                                                       std::to_string(ttl_ms)}));
    if (reply.IsNil()) return std::optional<RelayLock>();
    return std::optional<RelayLock>(RelayLock(client, key, std::move(token)));
  }
  RelayLock(RelayLock&& other) noexcept
      : client_(other.client_), key_(std::move(other.key_)), token_(std::move(other.token_)) {
    other.token_.clear();
  }
  RelayLock& operator=(RelayLock&&) = delete;
  ~RelayLock() {
    if (!token_.empty()) (void)client_.Eval(kReleaseScript, {key_}, {token_});
  }
  const std::string& token() const { return token_; }

 private:
  RelayLock(RedisClient& client, std::string key, std::string token)
      : client_(client), key_(std::move(key)), token_(std::move(token)) {}
  RedisClient& client_;
  std::string key_;
  std::string token_;
};

Status BadEntry(const StreamEntry& entry, std::string_view why) {
  return Internal("stream entry " + entry.id + ": " + std::string(why));
}

StatusOr<StreamEntry> ParseOneEntry(const RedisReply& item) {
  if (item.type != RedisReply::Type::kArray || item.elements.size() != 2 ||
      item.elements[0].type != RedisReply::Type::kString) {
    return Internal("redis: malformed stream entry");
  }
  StreamEntry entry;
  entry.id = item.elements[0].str;
  const RedisReply& fields = item.elements[1];
  if (fields.IsNil()) {
    entry.deleted = true;
    return entry;
  }
  if (fields.type != RedisReply::Type::kArray || fields.elements.size() % 2 != 0) {
    return BadEntry(entry, "malformed field list");
  }
  for (size_t i = 0; i < fields.elements.size(); i += 2) {
    entry.fields.emplace_back(fields.elements[i].str, fields.elements[i + 1].str);
  }
  return entry;
}

}  // namespace

std::string StreamKey(const RedisStreamOptions& options) {
  return options.key_prefix + options.stream;
}
std::string RelayLockKey(const RedisStreamOptions& options) {
  return StreamKey(options) + ":relay-lock";
}
std::string DeadStreamKey(const RedisStreamOptions& options) {
  return StreamKey(options) + ":dead";
}
std::string DoneKey(const RedisStreamOptions& options, const std::string& group,
                    int64_t event_id) {
  return StreamKey(options) + ":done:" + group + ":" + std::to_string(event_id);
}

StatusOr<std::vector<StreamEntry>> ParseStreamEntries(const RedisReply& reply) {
  std::vector<StreamEntry> entries;
  if (reply.IsNil()) return entries;
  if (reply.type != RedisReply::Type::kArray) return Internal("redis: expected stream entries");
  for (const RedisReply& item : reply.elements) {
    ASSIGN_OR_RETURN(StreamEntry entry, ParseOneEntry(item));
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::vector<std::string> EventFields(const ports::Event& event) {
  return {"event_id",     std::to_string(event.event_id),
          "video_id",     event.video_id,
          "type",         event.type,
          "payload_json", event.payload_json,
          "created_at",   std::to_string(event.created_at)};
}

StatusOr<ports::Event> EventFromEntry(const StreamEntry& entry) {
  if (entry.deleted) return BadEntry(entry, "trimmed from the stream");
  ports::Event event;
  bool has_id = false, has_type = false, has_created = false;
  for (const auto& [field, value] : entry.fields) {
    if (field == "event_id") {
      if (!ParseInt64(value, &event.event_id)) return BadEntry(entry, "bad event_id");
      has_id = true;
    } else if (field == "video_id") {
      event.video_id = value;
    } else if (field == "type") {
      event.type = value;
      has_type = !value.empty();
    } else if (field == "payload_json") {
      event.payload_json = value;
    } else if (field == "created_at") {
      if (!ParseInt64(value, &event.created_at)) return BadEntry(entry, "bad created_at");
      has_created = true;
    }
  }
  if (!has_type || !has_created) return BadEntry(entry, "missing type or created_at");
  if (!has_id) {
    std::optional<int64_t> ms = StreamIdMs(entry.id);
    if (!ms) return BadEntry(entry, "bad stream id");
    event.event_id = *ms;
  }
  return event;
}

RedisStreamBus::RedisStreamBus(ports::MetadataStore& store, RedisClient& client,
                               RedisStreamOptions options)
    : store_(store),
      client_(client),
      options_(std::move(options)),
      stream_key_(StreamKey(options_)),
      lock_key_(RelayLockKey(options_)) {}

StatusOr<int64_t> RedisStreamBus::Publish(const ports::Event& event) {
  ASSIGN_OR_RETURN(int64_t id, store_.AppendEvent(event));
  // Committed: from here the outbox owns the event, and a failed relay is
  // retried by the next Publish, Poll or relay loop (header).
  (void)RelayPending();
  return id;
}

StatusOr<std::vector<ports::Event>> RedisStreamBus::Poll(int64_t after_id, int limit) {
  if (limit < 1) return InvalidArgument("poll limit must be >= 1");
  if (options_.relay_on_poll) (void)RelayPending();
  const std::string start = std::to_string(std::max<int64_t>(after_id, 0) + 1) + "-0";
  ASSIGN_OR_RETURN(RedisReply reply, client_.Command({"XRANGE", stream_key_, start, "+", "COUNT",
                                                      std::to_string(limit)}));
  ASSIGN_OR_RETURN(std::vector<StreamEntry> entries, ParseStreamEntries(reply));
  std::vector<ports::Event> events;
  for (const StreamEntry& entry : entries) {
    ASSIGN_OR_RETURN(ports::Event event, EventFromEntry(entry));
    // The stream id orders the bus, so a cursor always moves forward.
    std::optional<int64_t> ms = StreamIdMs(entry.id);
    if (!ms) return BadEntry(entry, "bad stream id");
    event.event_id = *ms;
    events.push_back(std::move(event));
  }
  return events;
}

StatusOr<int> RedisStreamBus::RelayPending() {
  int total = 0;
  for (int pass = 0; pass < kMaxRelayPasses; ++pass) {
    ASSIGN_OR_RETURN(int sent, RelayOutbox(options_.relay_batch));
    total += sent;
    if (sent < options_.relay_batch) break;
  }
  return total;
}

StatusOr<int> RedisStreamBus::RelayOutbox(int limit) {
  if (limit < 1) return InvalidArgument("relay limit must be >= 1");
  // Most calls find nothing to do: answer them without touching the lock.
  ASSIGN_OR_RETURN(std::vector<ports::Event> waiting, store_.ReadUnpublishedEvents(1));
  if (waiting.empty()) return 0;
  ASSIGN_OR_RETURN(std::optional<RelayLock> lock,
                   RelayLock::TryAcquire(client_, lock_key_, options_.relay_lock_ttl_ms));
  if (!lock) return 0;
  return RelayLocked(limit, lock->token());
}

StatusOr<int> RedisStreamBus::RelayLocked(int limit, const std::string& token) {
  // Read under the lock: what an earlier holder marked is not sent again.
  ASSIGN_OR_RETURN(std::vector<ports::Event> events, store_.ReadUnpublishedEvents(limit));
  if (events.empty()) return 0;
  std::vector<std::string> args = {token, std::to_string(options_.max_len)};
  args.reserve(2 + events.size() * (kFieldsPerEvent + 1));
  for (const ports::Event& event : events) {
    args.push_back(std::to_string(event.event_id));
    std::vector<std::string> fields = EventFields(event);
    args.insert(args.end(), std::make_move_iterator(fields.begin()),
                std::make_move_iterator(fields.end()));
  }
  ASSIGN_OR_RETURN(RedisReply reply, client_.Eval(kRelayScript, {stream_key_, lock_key_}, args));
  if (reply.type != RedisReply::Type::kArray || reply.elements.empty()) {
    return Internal("redis: unexpected relay script reply");
  }
  const int64_t outcome = reply.elements[0].integer;
  if (outcome == 1) return 0;  // the lock expired mid-pass: the next holder sends them
  if (outcome == 2) {
    const std::string id = reply.elements.size() > 1 ? reply.elements[1].str : "?";
    return Internal("stream " + stream_key_ + " is past event " + id +
                    " but does not hold it: something other than the relay writes to it");
  }
  RETURN_IF_ERROR(store_.MarkEventsPublished(events.back().event_id).status());
  return static_cast<int>(events.size());
}

}  // namespace vtp::adapters
