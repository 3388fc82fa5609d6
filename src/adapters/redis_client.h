// RedisClient: one hiredis connection to a Redis server, with the error
// mapping, reconnection and Lua script handling every Redis adapter shares
// (RedisTaskQueue, RedisWorkerRegistry, the Redis Streams event bus).
//
//  - Endpoints: "redis://[user@]host:port[/db]" (TCP) or
//    "unix:///path/to/redis.sock[?db=N]". Passwords never appear in URLs:
//    RedisOptions::password (the app reads $VTP_REDIS_PASSWORD) is sent with
//    AUTH (AUTH user password when the URL names a user) on every dial, then
//    SELECT db when db != 0.
//  - Errors are decided in one place (redis_client.cc): a failed dial, a
//    broken connection or a timeout is kIo "redis <endpoint>: <why>"; a Redis
//    error reply is kIo "redis: <the error text>" (e.g. "redis: WRONGTYPE
//    Operation against a key holding the wrong kind of value"); a malformed
//    URL is kInvalidArgument.
//  - Reconnection: a connection found broken (server restarted, peer closed)
//    is dropped and re-dialled once within the same call, which then runs
//    the command again; so the first call after a Redis restart succeeds. A
//    timeout is not retried (the connection is dropped and the next call
//    dials afresh). A command whose connection died after the server ran it
//    may therefore run twice: the adapters built on this client only send
//    commands where that is harmless or repaired by their reconciler.
//  - Writing to a closed socket raises SIGPIPE; Connect sets SIGPIPE to
//    ignored once per process when it still has the default action, so a
//    dead Redis is an error, never a dead process.
//
// Thread safety: a RedisClient is safe to use from many threads; calls
// serialise on one mutex (one connection). A blocking read (XREADGROUP
// BLOCK, BLPOP) holds it for the whole wait: give it a dedicated client with
// command_timeout_ms = 0 or longer than the block.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"

struct redisContext;

namespace vtp::adapters {

struct RedisReply {
  enum class Type { kNil, kInteger, kString, kStatus, kArray };
  Type type = Type::kNil;
  int64_t integer = 0;               // kInteger
  std::string str;                   // kString (bulk) and kStatus ("OK")
  std::vector<RedisReply> elements;  // kArray
  bool IsNil() const { return type == Type::kNil; }
};

struct RedisOptions {
  // "redis://[user@]host:port[/db]" or "unix:///path/to/redis.sock[?db=N]".
  // No password in the URL.
  std::string url;
  std::string password;  // "" = no AUTH
  int connect_timeout_ms = 2000;
  int command_timeout_ms = 5000;  // 0 = none (for blocking reads, use a dedicated client)
};

// A parsed RedisOptions::url.
struct RedisEndpoint {
  std::string unix_path;  // set for unix://, else host + port
  std::string host;
  int port = 0;
  std::string user;  // redis://user@host:port (ACL user for AUTH)
  int db = 0;
  // "host:port" or the socket path: how errors name the server.
  std::string Name() const;
};
// kInvalidArgument naming what is wrong with `url`.
StatusOr<RedisEndpoint> ParseRedisUrl(const std::string& url);

// A Lua script run with EVALSHA, loaded (SCRIPT LOAD) on first use and again
// after NOSCRIPT (a restarted or flushed Redis forgets scripts). Immutable;
// share one per script across threads and clients.
class RedisScript {
 public:
  explicit RedisScript(std::string source);  // sha1 computed once
  const std::string& source() const { return source_; }
  const std::string& sha1() const { return sha1_; }  // lowercase hex

 private:
  std::string source_;
  std::string sha1_;
};

class RedisClient {
 public:
  // Parses the URL and dials (AUTH, SELECT). kInvalidArgument for a bad URL
  // or negative timeouts; kIo when the server cannot be reached or refuses
  // the password.
  static StatusOr<std::unique_ptr<RedisClient>> Connect(const RedisOptions& options);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Runs one command (binary-safe argv, argv[0] the command name).
  // kInvalidArgument for an empty argv.
  StatusOr<RedisReply> Command(const std::vector<std::string>& argv);
  // Many commands in one round trip (pipelining); replies in order. Any
  // error reply fails the whole call with kIo "redis: command <i>: <text>"
  // (0-based index); the other commands have run all the same.
  StatusOr<std::vector<RedisReply>> Pipeline(const std::vector<std::vector<std::string>>& commands);
  // EVALSHA sha numkeys keys... args...; on NOSCRIPT, SCRIPT LOAD and run it
  // again.
  StatusOr<RedisReply> Eval(const RedisScript& script, const std::vector<std::string>& keys,
                            const std::vector<std::string>& args);

  // The server as errors name it ("host:port" or the socket path).
  const std::string& endpoint_name() const { return name_; }

 private:
  struct ContextDeleter {
    void operator()(redisContext* c) const;
  };
  using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;

  RedisClient(RedisOptions options, RedisEndpoint endpoint);
  Status DialLocked();
  // Sends `commands` and reads their replies, dialling first if needed and
  // re-dialling once when the connection turns out broken. Error replies
  // land in (*errors)[i] ("" for none), their reply left kNil.
  StatusOr<std::vector<RedisReply>> RoundTripLocked(
      const std::vector<std::vector<std::string>>& commands, std::vector<std::string>* errors);
  // One attempt; sets *broken when the failure was a dead connection.
  StatusOr<std::vector<RedisReply>> TryRoundTripLocked(
      const std::vector<std::vector<std::string>>& commands, std::vector<std::string>* errors,
      bool* broken);
  Status ConnectionError(const std::string& why) const;

  const RedisOptions options_;
  const RedisEndpoint endpoint_;
  const std::string name_;
  std::mutex mu_;
  ContextPtr context_;  // guarded by mu_; null when not connected
};

}  // namespace vtp::adapters
