#include "testutil/redis_server.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "testutil/fixtures.h"
#include "testutil/media_check.h"

extern char** environ;

namespace vtp::testutil {
namespace {

constexpr int kStartTimeoutMs = 15'000;

bool FitsSunPath(const std::string& path) { return path.size() < sizeof(sockaddr_un{}.sun_path); }

sockaddr_un UnixAddress(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

// The datagram socket redis-server (--supervised systemd) reports READY=1 on.
int BindNotifySocket(const std::string& path) {
  std::filesystem::remove(path);
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const sockaddr_un addr = UnixAddress(path);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Waits for READY=1; false when the server exits or the time runs out.
bool AwaitReady(int notify_fd, pid_t pid) {
  for (int waited = 0; waited < kStartTimeoutMs; waited += 100) {
    pollfd p{notify_fd, POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) {
      char buf[512];
      const ssize_t n = ::recv(notify_fd, buf, sizeof buf - 1, 0);
      if (n > 0 && std::string(buf, n).find("READY=1") != std::string::npos) return true;
      continue;
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return false;
  }
  return false;
}

std::string Resp(const std::vector<std::string>& argv) {
  std::string out = "*" + std::to_string(argv.size()) + "\r\n";
  for (const auto& a : argv) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

// Sends `payload` (`count` commands) over a fresh connection; returns "" when
// every reply is +OK, else the first other reply line.
std::string RawCommands(const std::string& socket_path, const std::string& payload, int count) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "-socket failed";
  const sockaddr_un addr = UnixAddress(socket_path);
  std::string reply;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, payload.data(), payload.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(payload.size())) {
    for (int i = 0; i < count && reply.empty(); ++i) {
      std::string line;
      char c = 0;
      while (::recv(fd, &c, 1, 0) == 1 && c != '\n') line += c;
      if (line.rfind("+OK", 0) != 0) reply = line.empty() ? "-no reply" : line;
    }
  } else {
    reply = std::string("-connect failed: ") + std::strerror(errno);
  }
  ::close(fd);
  return reply;
}

}  // namespace

std::string RedisServer::Start(const std::string& dir, const std::vector<std::string>& extra_args) {
  Stop();
  std::filesystem::create_directories(dir);
  const std::string absolute = std::filesystem::absolute(dir).string();
  if (absolute != dir_) {
    dir_ = absolute;
    socket_dir_ = dir_;
    if (!FitsSunPath(dir_ + "/notify.sock")) {
      if (temp_socket_dir_.empty()) {
        char tmpl[] = "/tmp/vtp-redis-XXXXXX";
        if (::mkdtemp(tmpl) == nullptr)
          return std::string("mkdtemp failed: ") + std::strerror(errno);
        temp_socket_dir_ = tmpl;
      }
      socket_dir_ = temp_socket_dir_;
    }
  }
  extra_args_ = extra_args;
  const std::string notify_path = socket_dir_ + "/notify.sock";
  const int notify_fd = BindNotifySocket(notify_path);
  if (notify_fd < 0) return "cannot bind " + notify_path + ": " + std::strerror(errno);

  std::vector<std::string> args = {
      "redis-server", "--port",       "0",       "--unixsocket", socket_path(), "--unixsocketperm",
      "700",          "--save",       "",        "--appendonly", "no",          "--dir",
      dir_,           "--supervised", "systemd", "--daemonize",  "no"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = {"NOTIFY_SOCKET=" + notify_path};
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "NOTIFY_SOCKET=", 14) != 0) env_strings.emplace_back(*e);
  }
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string log = dir_ + "/redis.log";
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const pid_t parent = ::getpid();

  pid_ = ::fork();
  if (pid_ == 0) {  // only async-signal-safe calls until exec
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    if (log_fd >= 0) {
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
    }
    ::execvpe("redis-server", argv.data(), envp.data());
    ::_exit(127);
  }
  if (log_fd >= 0) ::close(log_fd);
  const bool ready = pid_ > 0 && AwaitReady(notify_fd, pid_);
  ::close(notify_fd);
  if (!ready) {
    Stop();
    return "redis-server did not start (install redis-server: scripts/install-deps.sh): " +
           ReadFile(log);
  }
  return "";
}

RedisServer::~RedisServer() {
  Stop();
  if (!temp_socket_dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(temp_socket_dir_, ignored);
  }
}

void RedisServer::Stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  pid_ = -1;
}

std::string RedisServer::Restart() {
  if (dir_.empty()) return "Restart before Start";
  const std::string dir = dir_;
  const std::vector<std::string> extra = extra_args_;
  return Start(dir, extra);
}

std::string RedisServer::Flush() {
  std::string payload;
  int count = 2;
  for (size_t i = 0; i + 1 < extra_args_.size(); ++i) {
    if (extra_args_[i] == "--requirepass") {
      payload += Resp({"AUTH", extra_args_[i + 1]});
      ++count;
    }
  }
  payload += Resp({"FLUSHALL"}) + Resp({"SCRIPT", "FLUSH"});
  const std::string reply = RawCommands(socket_path(), payload, count);
  return reply.empty() ? "" : "FLUSHALL failed: " + reply;
}

RedisServer* SharedRedis(std::string* error) {
  static RedisServer* server = nullptr;
  static std::string start_error;
  if (server == nullptr && start_error.empty()) {
    // Lives until exit, when it is stopped and reaped (PDEATHSIG covers a crash).
    auto* s = new RedisServer();
    start_error = s->Start(TestTmpDir() + "/redis-" + std::to_string(::getpid()));
    if (start_error.empty()) {
      server = s;
      std::atexit([] { server->Stop(); });
    }
  }
  *error = start_error;
  return server;
}

}  // namespace vtp::testutil
