#include "adapters/redis_client.h"

#include <hiredis/hiredis.h>
#include <openssl/evp.h>
#include <signal.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <string_view>
#include <utility>

#include "adapters/key_material.h"

namespace vtp::adapters {
namespace {

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

Status BadUrl(const std::string& url, std::string_view why) {
  return InvalidArgument("redis url \"" + url + "\": " + std::string(why));
}

bool ParseInt(std::string_view text, int* out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && *out >= 0;
}

StatusOr<RedisEndpoint> ParseUnixUrl(const std::string& url, std::string_view rest) {
  RedisEndpoint e;
  const size_t query = rest.find('?');
  e.unix_path = std::string(rest.substr(0, query));
  if (e.unix_path.empty() || e.unix_path[0] != '/')
    return BadUrl(url, "unix socket path must be absolute");
  if (query != std::string_view::npos) {
    const std::string_view q = rest.substr(query + 1);
    if (q.substr(0, 3) != "db=" || !ParseInt(q.substr(3), &e.db))
      return BadUrl(url, "only ?db=N is understood");
  }
  return e;
}

StatusOr<RedisEndpoint> ParseTcpUrl(const std::string& url, std::string_view rest) {
  RedisEndpoint e;
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos && !ParseInt(rest.substr(slash + 1), &e.db)) {
    return BadUrl(url, "database must be a number");
  }
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    e.user = std::string(authority.substr(0, at));
    if (e.user.find(':') != std::string::npos) {
      return BadUrl(url, "no password in the URL (set $VTP_REDIS_PASSWORD)");
    }
    authority = authority.substr(at + 1);
  }
  std::string_view port = "6379";
  if (!authority.empty() && authority[0] == '[') {  // [ipv6]:port
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return BadUrl(url, "unclosed '['");
    e.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return BadUrl(url, "expected ':' after ']'");
      port = authority.substr(close + 2);
    }
  } else {
    const size_t colon = authority.rfind(':');
    e.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (e.host.empty()) return BadUrl(url, "missing host");
  if (!ParseInt(port, &e.port) || e.port < 1 || e.port > 65535) return BadUrl(url, "bad port");
  return e;
}

// Converts a hiredis reply tree; an error reply anywhere in it becomes
// `error` (the reply's text), because RedisReply has no error type.
void ConvertReply(const redisReply* r, RedisReply* out, std::string* error) {
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out->type = RedisReply::Type::kInteger;
      out->integer = r->integer;
      return;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      out->type =
          r->type == REDIS_REPLY_STRING ? RedisReply::Type::kString : RedisReply::Type::kStatus;
      out->str.assign(r->str, r->len);
      return;
    case REDIS_REPLY_ARRAY:
      out->type = RedisReply::Type::kArray;
      out->elements.resize(r->elements);
      for (size_t i = 0; i < r->elements; ++i)
        ConvertReply(r->element[i], &out->elements[i], error);
      return;
    case REDIS_REPLY_ERROR:
      if (error->empty()) error->assign(r->str, r->len);
      return;
    default:  // REDIS_REPLY_NIL
      out->type = RedisReply::Type::kNil;
      return;
  }
}

timeval ToTimeval(int ms) {
  return timeval{ms / 1000, static_cast<suseconds_t>((ms % 1000) * 1000)};
}

std::string Sha1Hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha1(), nullptr);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(md), len));
}

// A dead Redis must be an error, not a SIGPIPE that kills the process.
void IgnoreSigpipeOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
      ::signal(SIGPIPE, SIG_IGN);
    }
  });
}

// Runs one command on a freshly dialled context (AUTH, SELECT).
Status Handshake(redisContext* c, const std::vector<std::string>& argv, const std::string& name) {
  std::vector<const char*> args;
  std::vector<size_t> lens;
  for (const auto& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  ReplyPtr reply(static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(args.size()), args.data(), lens.data())));
  if (!reply) return IoError("redis " + name + ": " + argv[0] + ": " + c->errstr);
  if (reply->type == REDIS_REPLY_ERROR) {
    return IoError("redis " + name + ": " + argv[0] +
                   " failed: " + std::string(reply->str, reply->len));
  }
  return Status::Ok();
}

}  // namespace

std::string RedisEndpoint::Name() const {
  return unix_path.empty() ? host + ":" + std::to_string(port) : unix_path;
}

StatusOr<RedisEndpoint> ParseRedisUrl(const std::string& url) {
  constexpr std::string_view kUnix = "unix://", kTcp = "redis://";
  const std::string_view u = url;
  if (u.substr(0, kUnix.size()) == kUnix) return ParseUnixUrl(url, u.substr(kUnix.size()));
  if (u.substr(0, kTcp.size()) == kTcp) return ParseTcpUrl(url, u.substr(kTcp.size()));
  return BadUrl(url, "expected redis://host:port[/db] or unix:///path[?db=N]");
}

RedisScript::RedisScript(std::string source)
    : source_(std::move(source)), sha1_(Sha1Hex(source_)) {}

void RedisClient::ContextDeleter::operator()(redisContext* c) const { redisFree(c); }

RedisClient::RedisClient(RedisOptions options, RedisEndpoint endpoint)
    : options_(std::move(options)), endpoint_(std::move(endpoint)), name_(endpoint_.Name()) {}

RedisClient::~RedisClient() = default;

StatusOr<std::unique_ptr<RedisClient>> RedisClient::Connect(const RedisOptions& options) {
  ASSIGN_OR_RETURN(RedisEndpoint endpoint, ParseRedisUrl(options.url));
  if (options.connect_timeout_ms < 0 || options.command_timeout_ms < 0) {
    return InvalidArgument("redis: timeouts must be >= 0");
  }
  IgnoreSigpipeOnce();
  std::unique_ptr<RedisClient> client(new RedisClient(options, std::move(endpoint)));
  {
    std::lock_guard<std::mutex> lock(client->mu_);
    RETURN_IF_ERROR(client->DialLocked());
  }
  return client;
}

Status RedisClient::ConnectionError(const std::string& why) const {
  return IoError("redis " + name_ + ": " + why);
}

Status RedisClient::DialLocked() {
  context_.reset();
  const timeval connect_tv =
      ToTimeval(options_.connect_timeout_ms > 0 ? options_.connect_timeout_ms : 2000);
  ContextPtr c(endpoint_.unix_path.empty()
                   ? redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, connect_tv)
                   : redisConnectUnixWithTimeout(endpoint_.unix_path.c_str(), connect_tv));
  if (!c) return ConnectionError("connect: out of memory");
  if (c->err != 0) return ConnectionError(std::string("connect: ") + c->errstr);
  // A zero timeval clears the socket timeouts (command_timeout_ms = 0: none).
  if (redisSetTimeout(c.get(), ToTimeval(options_.command_timeout_ms)) != REDIS_OK) {
    return ConnectionError(std::string("set timeout: ") + c->errstr);
  }
  if (!options_.password.empty()) {
    std::vector<std::string> auth = {"AUTH"};
    if (!endpoint_.user.empty()) auth.push_back(endpoint_.user);
    auth.push_back(options_.password);
    RETURN_IF_ERROR(Handshake(c.get(), auth, name_));
  }
  if (endpoint_.db != 0)
    RETURN_IF_ERROR(Handshake(c.get(), {"SELECT", std::to_string(endpoint_.db)}, name_));
  context_ = std::move(c);
  return Status::Ok();
}

StatusOr<std::vector<RedisReply>> RedisClient::TryRoundTripLocked(
    const std::vector<std::vector<std::string>>& commands, std::vector<std::string>* errors,
    bool* broken) {
  const bool fresh = !context_;
  if (fresh) RETURN_IF_ERROR(DialLocked());
  redisContext* c = context_.get();
  for (const auto& argv : commands) {
    std::vector<const char*> args;
    std::vector<size_t> lens;
    for (const auto& a : argv) {
      args.push_back(a.data());
      lens.push_back(a.size());
    }
    redisAppendCommandArgv(c, static_cast<int>(args.size()), args.data(), lens.data());
  }
  std::vector<RedisReply> replies(commands.size());
  errors->assign(commands.size(), "");
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(c, &raw) != REDIS_OK || raw == nullptr) {
      const int saved_errno = errno;
      const std::string why = c->errstr;
      const bool timeout =
          c->err == REDIS_ERR_IO && (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK);
      context_.reset();  // the reply stream is out of step: never reuse it
      *broken = !fresh && !timeout;
      return ConnectionError(timeout ? "timed out after " +
                                           std::to_string(options_.command_timeout_ms) + " ms"
                             : why.empty() ? "connection lost"
                                           : why);
    }
    ReplyPtr reply(static_cast<redisReply*>(raw));
    ConvertReply(reply.get(), &replies[i], &(*errors)[i]);
  }
  return replies;
}

StatusOr<std::vector<RedisReply>> RedisClient::RoundTripLocked(
    const std::vector<std::vector<std::string>>& commands, std::vector<std::string>* errors) {
  bool broken = false;
  auto result = TryRoundTripLocked(commands, errors, &broken);
  if (result.ok() || !broken) return result;
  return TryRoundTripLocked(commands, errors, &broken);  // re-dials
}

StatusOr<RedisReply> RedisClient::Command(const std::vector<std::string>& argv) {
  if (argv.empty()) return InvalidArgument("redis: empty command");
  std::vector<std::string> errors;
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies, RoundTripLocked({argv}, &errors));
  if (!errors[0].empty()) return IoError("redis: " + errors[0]);
  return std::move(replies[0]);
}

StatusOr<std::vector<RedisReply>> RedisClient::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  for (const auto& argv : commands) {
    if (argv.empty()) return InvalidArgument("redis: empty command in pipeline");
  }
  if (commands.empty()) return std::vector<RedisReply>{};
  std::vector<std::string> errors;
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies, RoundTripLocked(commands, &errors));
  for (size_t i = 0; i < errors.size(); ++i) {
    if (!errors[i].empty())
      return IoError("redis: command " + std::to_string(i) + ": " + errors[i]);
  }
  return replies;
}

StatusOr<RedisReply> RedisClient::Eval(const RedisScript& script,
                                       const std::vector<std::string>& keys,
                                       const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"EVALSHA", script.sha1(), std::to_string(keys.size())};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> errors;
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies, RoundTripLocked({argv}, &errors));
  if (errors[0].rfind("NOSCRIPT", 0) == 0) {
    // Load and run in one round trip; the script is cached again for later calls.
    ASSIGN_OR_RETURN(replies,
                     RoundTripLocked({{"SCRIPT", "LOAD", script.source()}, argv}, &errors));
    if (!errors[0].empty()) return IoError("redis: SCRIPT LOAD: " + errors[0]);
    errors[0] = errors[1];
    replies[0] = std::move(replies[1]);
  }
  if (!errors[0].empty()) return IoError("redis: " + errors[0]);
  return std::move(replies[0]);
}

}  // namespace vtp::adapters
