#include "adapters/redis_stream_consumer.h"

#include <map>
#include <utility>

namespace vtp::adapters {
namespace {

// KEYS[1] stream, KEYS[2] dead stream; ARGV[1] group, ARGV[2] entry id,
// ARGV[3] MAXLEN, ARGV[4..] the dead letter's fields. The XACK decides: of
// two consumers dead-lettering one entry, only the one that acknowledged it
// writes the dead letter.
const RedisScript kDeadLetterScript(R"lua(
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', unpack(ARGV, 4))
return 1
)lua");

bool IsNoGroup(const Status& status) {
  return status.code() == ErrorCode::kIo && status.message().find("NOGROUP") != std::string::npos;
}

}  // namespace

RedisStreamConsumer::RedisStreamConsumer(RedisClient& client, RedisConsumerOptions options)
    : options_(std::move(options)),
      client_(client),
      stream_key_(StreamKey(options_.stream)),
      dead_key_(DeadStreamKey(options_.stream)) {}

StatusOr<std::unique_ptr<RedisStreamConsumer>> RedisStreamConsumer::Create(
    RedisClient& client, RedisConsumerOptions options) {
  if (options.group.empty() || options.name.empty()) {
    return InvalidArgument("stream consumer: group and name must be set");
  }
  if (options.max_deliveries < 1) return InvalidArgument("stream consumer: max_deliveries < 1");
  if (options.min_idle_ms < 0 || options.done_ttl_ms < 0) {
    return InvalidArgument("stream consumer: negative min_idle_ms or done_ttl_ms");
  }
  std::unique_ptr<RedisStreamConsumer> consumer(
      new RedisStreamConsumer(client, std::move(options)));
  RETURN_IF_ERROR(consumer->CreateGroup(consumer->options_.start_id));
  return consumer;
}

Status RedisStreamConsumer::CreateGroup(const std::string& start_id) {
  StatusOr<RedisReply> created = client_.Command(
      {"XGROUP", "CREATE", stream_key_, options_.group, start_id, "MKSTREAM"});
  if (!created.ok() && created.status().message().find("BUSYGROUP") == std::string::npos) {
    return created.status();
  }
  return Status::Ok();
}

template <typename Op>
auto RedisStreamConsumer::WithGroup(const Op& op) -> decltype(op()) {
  auto result = op();
  if (result.ok() || !IsNoGroup(result.status())) return result;
  RETURN_IF_ERROR(CreateGroup("0"));
  return op();
}

StatusOr<int> RedisStreamConsumer::ConsumeOnce(const StreamEventHandler& handler, int count,
                                               int block_ms) {
  if (count < 1 || block_ms < 0) return InvalidArgument("consume: count < 1 or block_ms < 0");
  ASSIGN_OR_RETURN(std::vector<Delivery> claimed, WithGroup([&] { return ClaimIdle(count); }));
  int handled = 0;
  for (const Delivery& d : claimed) {
    ASSIGN_OR_RETURN(bool ok, Handle(d, handler));
    handled += ok ? 1 : 0;
  }
  const int rest = count - static_cast<int>(claimed.size());
  if (rest <= 0) return handled;
  const int wait_ms = claimed.empty() ? block_ms : 0;
  ASSIGN_OR_RETURN(std::vector<Delivery> fresh,
                   WithGroup([&] { return ReadNew(rest, wait_ms); }));
  for (const Delivery& d : fresh) {
    ASSIGN_OR_RETURN(bool ok, Handle(d, handler));
    handled += ok ? 1 : 0;
  }
  return handled;
}

StatusOr<std::vector<RedisStreamConsumer::Delivery>> RedisStreamConsumer::ClaimIdle(int count) {
  const std::string min_idle = std::to_string(options_.min_idle_ms);
  ASSIGN_OR_RETURN(RedisReply pending,
                   client_.Command({"XPENDING", stream_key_, options_.group, "IDLE", min_idle, "-",
                                    "+", std::to_string(count)}));
  // [id, consumer, idle ms, deliveries so far] per pending entry.
  std::map<std::string, int64_t> delivered;
  std::vector<std::string> claim = {"XCLAIM", stream_key_, options_.group, options_.name, min_idle};
  for (const RedisReply& p : pending.elements) {
    if (p.elements.size() != 4) return Internal("redis: malformed XPENDING reply");
    delivered[p.elements[0].str] = p.elements[3].integer;
    claim.push_back(p.elements[0].str);
  }
  std::vector<Delivery> deliveries;
  if (delivered.empty()) return deliveries;
  // XCLAIM takes only entries still idle that long (another consumer may have
  // claimed one meanwhile), counts this delivery and skips trimmed entries.
  ASSIGN_OR_RETURN(RedisReply reply, client_.Command(claim));
  ASSIGN_OR_RETURN(std::vector<StreamEntry> entries, ParseStreamEntries(reply));
  for (StreamEntry& entry : entries) {
    const int64_t before = delivered[entry.id];
    deliveries.push_back(Delivery{std::move(entry), before + 1});
  }
  return deliveries;
}

StatusOr<std::vector<RedisStreamConsumer::Delivery>> RedisStreamConsumer::ReadNew(int count,
                                                                                 int block_ms) {
  std::vector<std::string> argv = {"XREADGROUP", "GROUP", options_.group, options_.name,
                                   "COUNT", std::to_string(count)};
  if (block_ms > 0) {  // XREADGROUP's BLOCK 0 waits forever: 0 here means no wait
    argv.insert(argv.end(), {"BLOCK", std::to_string(block_ms)});
  }
  argv.insert(argv.end(), {"STREAMS", stream_key_, ">"});
  ASSIGN_OR_RETURN(RedisReply reply, client_.Command(argv));
  std::vector<Delivery> deliveries;
  if (reply.IsNil()) return deliveries;  // nothing new (or the block ran out)
  // [[stream key, entries]]: one stream was asked for.
  if (reply.type != RedisReply::Type::kArray || reply.elements.size() != 1 ||
      reply.elements[0].elements.size() != 2) {
    return Internal("redis: malformed XREADGROUP reply");
  }
  ASSIGN_OR_RETURN(std::vector<StreamEntry> entries,
                   ParseStreamEntries(reply.elements[0].elements[1]));
  for (StreamEntry& entry : entries) deliveries.push_back(Delivery{std::move(entry), 1});
  return deliveries;
}

StatusOr<bool> RedisStreamConsumer::Handle(const Delivery& delivery,
                                           const StreamEventHandler& handler) {
  const StreamEntry& entry = delivery.entry;
  if (entry.deleted) {  // trimmed away: nothing left to handle
    RETURN_IF_ERROR(Acknowledge(entry.id));
    return false;
  }
  StatusOr<ports::Event> event = EventFromEntry(entry);
  if (!event.ok()) {
    RETURN_IF_ERROR(DeadLetter(delivery, event.status().ToString()));
    return false;
  }
  ASSIGN_OR_RETURN(RedisReply done,
                   client_.Command({"EXISTS", DoneKey(options_.stream, options_.group,
                                                      event->event_id)}));
  if (done.integer > 0) {
    RETURN_IF_ERROR(Acknowledge(entry.id));
    return false;
  }
  if (delivery.deliveries > options_.max_deliveries) {
    RETURN_IF_ERROR(DeadLetter(delivery, "not acknowledged after " +
                                             std::to_string(delivery.deliveries - 1) +
                                             " deliveries (consumer lost?)"));
    return false;
  }
  const Status handled = handler(*event);
  if (handled.ok()) {
    RETURN_IF_ERROR(MarkDone(event->event_id, entry.id));
    return true;
  }
  if (delivery.deliveries >= options_.max_deliveries) {
    RETURN_IF_ERROR(DeadLetter(delivery, handled.ToString()));
  }
  return false;
}

Status RedisStreamConsumer::Acknowledge(const std::string& entry_id) {
  return client_.Command({"XACK", stream_key_, options_.group, entry_id}).status();
}

Status RedisStreamConsumer::MarkDone(int64_t event_id, const std::string& entry_id) {
  std::vector<std::string> set = {"SET", DoneKey(options_.stream, options_.group, event_id), "1"};
  if (options_.done_ttl_ms > 0) set.insert(set.end(), {"PX", std::to_string(options_.done_ttl_ms)});
  // Mark first: a crash between the two redelivers an entry the mark skips.
  return client_.Pipeline({set, {"XACK", stream_key_, options_.group, entry_id}}).status();
}

Status RedisStreamConsumer::DeadLetter(const Delivery& delivery, const std::string& last_error) {
  std::vector<std::string> args = {options_.group, delivery.entry.id,
                                   std::to_string(options_.stream.max_len)};
  for (const auto& [field, value] : delivery.entry.fields) {
    args.push_back(field);
    args.push_back(value);
  }
  args.insert(args.end(), {"group", options_.group, "consumer", options_.name, "stream_id",
                           delivery.entry.id, "deliveries", std::to_string(delivery.deliveries),
                           "last_error", last_error});
  return client_.Eval(kDeadLetterScript, {stream_key_, dead_key_}, args).status();
}

}  // namespace vtp::adapters
