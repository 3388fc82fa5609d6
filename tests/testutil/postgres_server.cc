#include "testutil/postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "testutil/fixtures.h"
#include "testutil/media_check.h"

namespace vtp::testutil {
namespace {

namespace fs = std::filesystem;

const std::string kBin = PostgresServer::kBinDir;
constexpr size_t kMaxSocketPath = 107;
const std::string kSetup = "PostgreSQL 15 is needed: scripts/install-deps.sh (postgresql-15)";

// initdb and postgres refuse to run as root.
std::string AsPostgres() {
  return ::geteuid() == 0 ? "setpriv --reuid=postgres --regid=postgres --init-groups " : "";
}

std::string GiveToPostgres(const std::string& path) {
  if (::geteuid() != 0) return "";
  CommandResult r = RunCommand("chown -R postgres:postgres '" + path + "' 2>&1");
  return r.exit_status == 0 ? "" : "chown " + path + " failed: " + r.output;
}

// The cached initdb output at *path (made once per machine and postgres
// binary). Returns "" or why it could not be made.
std::string EnsureTemplate(std::string* path) {
  const std::string root = TestTmpDir();
  fs::create_directories(root);
  *path = root + "/pg15-template";
  const std::string stamp_file = *path + ".stamp";
  // The initdb options are part of the stamp: changing them rebuilds the cache.
  const std::string stamp = BinaryStamp(kBin + "/postgres") + " wal-segsize=1";
  ProcessLock lock(root + "/pg15-template.lock");
  if (fs::exists(stamp_file) && ReadFile(stamp_file) == stamp &&
      fs::exists(*path + "/PG_VERSION")) {
    return "";
  }
  if (!fs::exists(kBin + "/initdb")) return kBin + "/initdb is missing: " + kSetup;
  std::error_code ec;
  fs::remove_all(*path, ec);
  const std::string tmp = *path + ".tmp-" + std::to_string(::getpid());
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp);
  if (std::string why = GiveToPostgres(tmp); !why.empty()) return why;
  CommandResult r = RunCommand("cd / && " + AsPostgres() + kBin + "/initdb -D '" + tmp +
                                   "' -U postgres --auth=trust --encoding=UTF8 --locale=C "
                                   "--no-sync --no-instructions --wal-segsize=1 2>&1");
  if (r.exit_status != 0) return "initdb failed: " + r.output;
  fs::rename(tmp, *path, ec);
  if (ec) return "cannot rename the initdb template: " + ec.message();
  WriteFileAt(stamp_file, stamp);
  return "";
}

// A port the kernel just handed out on 127.0.0.1 (free now; the caller
// retries if someone takes it before the server binds it).
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

std::string ReadLine(int fd) {
  std::string line;
  char c = 0;
  while (::read(fd, &c, 1) == 1 && c != '\n') line += c;
  return line;
}

// The watcher: starts the cluster and waits (pg_ctl -w), says "ready", then
// holds its stdin until end of file -- Stop() closing it, or this process
// dying -- and stops the cluster. Unless told "keep" first, it then deletes
// the cluster's directory, so a crashed test leaves nothing behind.
std::string WatcherScript(const std::string& dir, const std::string& socket_dir, int port) {
  const std::string as = AsPostgres();
  const std::string data = dir + "/data";
  const std::string opts = "-c listen_addresses=127.0.0.1 -p " + std::to_string(port) + " -k " +
                           socket_dir + " -c fsync=off -c synchronous_commit=off "
                           "-c full_page_writes=off -c shared_buffers=32MB "
                           "-c max_connections=100";
  return "cd '" + dir + "' || exit 1\n" + as + kBin + "/pg_ctl -D '" + data + "' -l '" + dir +
         "/postgres.log' -w -t 60 -s -o '" + opts +
         "' start >/dev/null 2>&1 || { echo failed; exit 1; }\n"
         "echo ready\n"
         "read cmd\n" +
         as + kBin + "/pg_ctl -D '" + data + "' -m fast -w -t 60 -s stop >/dev/null 2>&1\n"
         "[ \"$cmd\" = keep ] || rm -rf '" + dir + "' '" + socket_dir + "'\n";
}

}  // namespace

PostgresServer::~PostgresServer() {
  Stop();
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    fs::remove_all(socket_dir_, ec);
  }
}

std::string PostgresServer::Start(const std::string& dir) {
  std::string template_dir;
  if (std::string why = EnsureTemplate(&template_dir); !why.empty()) return why;
  dir_ = dir;
  fs::create_directories(dir_);
  if (fs::exists(dir_ + "/data")) return "a cluster already exists in " + dir_;
  CommandResult copy = RunCommand("cp -a '" + template_dir + "' '" + dir_ + "/data' 2>&1");
  if (copy.exit_status != 0) return "cannot copy the template cluster: " + copy.output;
  socket_dir_ = dir_;
  if (socket_dir_.size() + sizeof("/.s.PGSQL.65535") > kMaxSocketPath) {
    // A unix socket path is limited to 107 bytes: a short private directory.
    char tmpl[] = "/tmp/vtp-pg-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return "mkdtemp failed";
    socket_dir_ = tmpl;
    if (std::string why = GiveToPostgres(socket_dir_); !why.empty()) return why;
  }
  if (std::string why = GiveToPostgres(dir_); !why.empty()) return why;
  std::string why;
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = FreePort();
    why = Launch();
    if (why.empty()) return "";
  }
  return why;
}

std::string PostgresServer::Launch() {
  const std::string script = WatcherScript(dir_, socket_dir_, port_);
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return "pipe failed";
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    return "pipe failed";
  }
  watcher_ = ::fork();
  if (watcher_ == 0) {  // only async-signal-safe calls until exec
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  pipe_fd_ = in[1];
  const std::string line = watcher_ > 0 ? ReadLine(out[0]) : "";
  ::close(out[0]);
  if (line == "ready") return "";
  std::string log = ReadFile(dir_ + "/postgres.log");
  ::close(pipe_fd_);
  pipe_fd_ = -1;
  if (watcher_ > 0) ::waitpid(watcher_, nullptr, 0);
  watcher_ = -1;
  return "postgres did not start on port " + std::to_string(port_) + ": " + log;
}

void PostgresServer::Stop() {
  if (pipe_fd_ >= 0) {
    // Keep the data: the destructor removes it, Restart() reuses it.
    (void)!::write(pipe_fd_, "keep\n", 5);
    ::close(pipe_fd_);
  }
  pipe_fd_ = -1;
  if (watcher_ > 0) ::waitpid(watcher_, nullptr, 0);
  watcher_ = -1;
}

std::string PostgresServer::Restart() {
  Stop();
  return Launch();
}

std::string PostgresServer::Url(const std::string& name) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + name;
}

std::string PostgresServer::CreateDatabase(std::string* error) {
  const std::string name = "vtp_" + std::to_string(++databases_);
  CommandResult r = RunCommand(kBin + "/psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p " +
                                   std::to_string(port_) +
                                   " -U postgres -d postgres -c 'CREATE DATABASE " + name +
                                   "' 2>&1");
  if (r.exit_status != 0) {
    *error = "CREATE DATABASE " + name + " failed: " + r.output;
    return "";
  }
  error->clear();
  return Url(name);
}

PostgresServer* SharedPostgres(std::string* error) {
  static PostgresServer* server = nullptr;
  static std::string start_error;
  if (server == nullptr && start_error.empty()) {
    // Lives until exit; the watcher stops and deletes the cluster when our
    // end of its pipe closes.
    auto* s = new PostgresServer();
    start_error = s->Start(TestTmpDir() + "/postgres-" + std::to_string(::getpid()));
    if (start_error.empty()) server = s;
  }
  *error = start_error;
  return server;
}

}  // namespace vtp::testutil
