// A real PostgreSQL 15 server for tests (/usr/lib/postgresql/15/bin, Debian's
// postgresql-15): one private cluster per test process, on 127.0.0.1 with an
// ephemeral port and its unix socket in the cluster's own directory (or a
// private /tmp/vtp-pg-* one when that path is too long for a socket), tuned
// for tests (fsync, synchronous_commit and full_page_writes off), trust
// authentication for the superuser "postgres".
//
// initdb runs once per machine into a cached template (TestTmpDir()/
// pg15-template, rebuilt when the postgres binary changes; creation is
// serialised between processes with a ProcessLock); each Start copies it.
// As root, initdb and the server run as the `postgres` OS user (they refuse
// root) through setpriv.
//
// Start() returns "" or why it could not start (tests ASSERT on it, never
// skip). The server stops on Stop(), on destruction, and also when this
// process dies, however it dies: a shell watcher holds the read end of a pipe
// whose write end only this process has; end of file stops the cluster.
//
// Not thread-safe; one owner.
#pragma once

#include <sys/types.h>

#include <string>

namespace vtp::testutil {

class PostgresServer {
 public:
  static constexpr char kBinDir[] = "/usr/lib/postgresql/15/bin";

  PostgresServer() = default;
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Creates a cluster under `dir` (which must not hold one yet) and starts
  // it on a free port (retrying on a bind race). Returns "" or why not.
  std::string Start(const std::string& dir);
  // Fast shutdown (open sessions are terminated) and waits. Idempotent. The
  // data directory is kept until the destructor, for Restart().
  void Stop();
  // Stop() then start again on the same port with the same data: what the
  // chaos test does to PostgreSQL. Returns "" or why not.
  std::string Restart();

  int port() const { return port_; }
  // A new, empty database for one test's isolation; returns its URL
  // "postgresql://postgres@127.0.0.1:PORT/vtp_N", or "" when it could not be
  // created (`error` then says why).
  std::string CreateDatabase(std::string* error);
  // The URL of database `name` on this server.
  std::string Url(const std::string& name) const;

 private:
  std::string Launch();

  std::string dir_;
  std::string socket_dir_;  // dir_, or a short /tmp directory when dir_ is too long
  pid_t watcher_ = -1;
  int pipe_fd_ = -1;  // write end of the watcher's stdin
  int port_ = 0;
  int databases_ = 0;
};

// A process-wide server started on first use (for fixtures whose stores are
// made by static functions). Returns nullptr and sets `error` when it cannot
// start.
PostgresServer* SharedPostgres(std::string* error);

}  // namespace vtp::testutil
