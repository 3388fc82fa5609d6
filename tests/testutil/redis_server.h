// A real Redis for tests: Debian's redis-server on a unix socket in a test
// directory (`--port 0`: no TCP listener), without persistence (`--save ""
// --appendonly no`), so a Restart() comes back empty, as a flushed and
// restarted production Redis does.
//
// Start() returns "" or why the server could not start (tests ASSERT on it,
// they never skip); it returns once the server accepts connections (it runs
// `--supervised systemd` and reports READY=1 on a datagram socket we read,
// so there is no polling). The server dies with the test process
// (PR_SET_PDEATHSIG), so start it from a thread that outlives it -- the
// test's main thread.
//
// The socket lives in `dir` (url() = "unix://<dir>/redis.sock") unless that
// path is too long for AF_UNIX (108 bytes: long test names); then it lives in
// a short private directory under /tmp, removed by the destructor. Either
// way url() and socket_path() name it, and Restart() reuses it.
//
// Not thread-safe; one owner.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace vtp::testutil {

class RedisServer {
 public:
  RedisServer() = default;
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Starts redis-server with its socket, log and working files in `dir`
  // (created if missing). `extra_args` are appended to the command line,
  // e.g. {"--requirepass", "secret"}; Restart() keeps them.
  std::string Start(const std::string& dir, const std::vector<std::string>& extra_args = {});
  // Stops it (SIGTERM, then waits for the process). Idempotent.
  void Stop();
  // Stop + Start on the same socket: every key and loaded script is gone.
  std::string Restart();
  // FLUSHALL (and SCRIPT FLUSH). Returns "" or why it failed.
  std::string Flush();

  bool running() const { return pid_ > 0; }
  std::string socket_path() const { return socket_dir_ + "/redis.sock"; }
  std::string url() const { return "unix://" + socket_path(); }

 private:
  pid_t pid_ = -1;
  std::string dir_;
  std::string socket_dir_;       // dir_, or a short directory under /tmp
  std::string temp_socket_dir_;  // that /tmp directory, when created
  std::vector<std::string> extra_args_;
};

// A process-wide server started on first use (for fixtures built by static
// functions). Returns nullptr and sets `error` when it cannot start. Tests
// sharing it use distinct key prefixes, never Restart or Flush it.
RedisServer* SharedRedis(std::string* error);

}  // namespace vtp::testutil
