#include "e2e/serve_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "adapters/blob_checksum.h"
#include "e2e/e2e_util.h"

namespace vtp::e2e {
namespace {

namespace fs = std::filesystem;

int RemainingMs(SteadyClock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, 1'000'000));
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// Reads `n` more body bytes (beyond what the buffer holds) into `out`.
bool ReadExactly(TcpConnection& c, size_t n, std::string& out, SteadyClock::time_point deadline) {
  while (c.buffer().size() < n) {
    if (!c.Receive(deadline)) return false;
  }
  out.append(c.buffer(), 0, n);
  c.buffer().erase(0, n);
  return true;
}

// Reads a line ending in CRLF (returned without it).
bool ReadLine(TcpConnection& c, std::string& line, SteadyClock::time_point deadline) {
  size_t at;
  while ((at = c.buffer().find("\r\n")) == std::string::npos) {
    if (!c.Receive(deadline)) return false;
  }
  line = c.buffer().substr(0, at);
  c.buffer().erase(0, at + 2);
  return true;
}

bool ReadChunked(TcpConnection& c, std::string& body, SteadyClock::time_point deadline) {
  for (;;) {
    std::string size_line;
    if (!ReadLine(c, size_line, deadline)) return false;
    size_t n = std::strtoul(size_line.c_str(), nullptr, 16);
    if (n == 0) return true;  // trailers are not used by the server
    std::string crlf;
    if (!ReadExactly(c, n, body, deadline) || !ReadExactly(c, 2, crlf, deadline)) return false;
  }
}

void ReadBody(TcpConnection& c, std::string_view method, HttpReply& reply, SteadyClock::time_point deadline) {
  if (method == "HEAD" || reply.status == 204 || reply.status == 304) return;
  if (Lower(reply.Header("Transfer-Encoding")).find("chunked") != std::string::npos) {
    if (!ReadChunked(c, reply.body, deadline)) reply.error = "chunked body cut short";
    return;
  }
  if (std::string cl = reply.Header("Content-Length"); !cl.empty()) {
    if (!ReadExactly(c, std::stoull(cl), reply.body, deadline)) reply.error = "body shorter than Content-Length";
    return;
  }
  while (c.Receive(deadline)) {
  }
  reply.body = std::move(c.buffer());
}

// The child between fork and exec: async-signal-safe calls only.
[[noreturn]] void ExecServe(char* const argv[], int out_fd, int log_fd, int null_fd, pid_t parent) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  // Dies with the test: never a server left running on its own.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(127);
  if (dup2(null_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 || dup2(log_fd, STDERR_FILENO) < 0) {
    _exit(127);
  }
  // Sockets the test holds (an upload in flight, a webhook receiver) must
  // not live on in the server: its death has to close them.
  (void)syscall(SYS_close_range, 3u, ~0u, 0u);
  execve(argv[0], argv, environ);
  _exit(127);
}

// Waits for `pid` to exit; its wait status, or nullopt after `timeout`.
std::optional<int> WaitExit(pid_t pid, std::chrono::milliseconds timeout) {
  int ws = 0;
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    pollfd p{pidfd, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
    ::close(pidfd);
    if (ready <= 0) return std::nullopt;
    if (::waitpid(pid, &ws, 0) != pid) return std::nullopt;
    return ws;
  }
  bool exited = Eventually([&] { return ::waitpid(pid, &ws, WNOHANG) == pid; }, timeout, 20ms);
  return exited ? std::optional<int>(ws) : std::nullopt;
}

// Sends `signal` to `pid` and reaps it: the exit status (128 + signal when
// killed by one), or -1 -- with a test failure and a SIGKILL -- when it did
// not exit within `timeout`. -1 at once for no process.
int SignalAndReap(pid_t pid, int signal, std::chrono::milliseconds timeout, const std::string& name) {
  if (pid <= 0) return -1;
  ::kill(pid, signal);
  std::optional<int> ws = WaitExit(pid, timeout);
  if (!ws) {
    ADD_FAILURE() << name << " did not exit within " << timeout.count() << " ms of signal " << signal;
    ::kill(pid, SIGKILL);
    int ignored = 0;
    ::waitpid(pid, &ignored, 0);
    return -1;
  }
  if (WIFEXITED(*ws)) return WEXITSTATUS(*ws);
  if (WIFSIGNALED(*ws)) return 128 + WTERMSIG(*ws);
  return -1;
}

}  // namespace

// ---- HttpReply ---------------------------------------------------------------

std::string HttpReply::Header(std::string_view name) const {
  const std::string want = Lower(name);
  for (const auto& [n, v] : headers) {
    if (Lower(n) == want) return v;
  }
  return "";
}

nlohmann::json HttpReply::Json() const { return nlohmann::json::parse(body, nullptr, false); }

std::string HttpReply::Describe() const {
  if (status == 0) return "no reply: " + error;
  return std::to_string(status) + " " + body.substr(0, 2000);
}

// ---- TcpConnection -----------------------------------------------------------

TcpConnection::TcpConnection(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    error_ = std::string("socket: ") + std::strerror(errno);
    return;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    error_ = "connect 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno);
    Close();
    return;
  }
  // A server that stops reading must not hang the test forever.
  timeval tv{30, 0};
  (void)::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  (void)::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

TcpConnection::~TcpConnection() { Close(); }

void TcpConnection::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool TcpConnection::Send(std::string_view bytes) {
  while (!bytes.empty() && fd_ >= 0) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = std::string("send: ") + std::strerror(errno);
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return fd_ >= 0;
}

bool TcpConnection::Receive(SteadyClock::time_point deadline) {
  if (fd_ < 0 || eof_) return false;
  pollfd p{fd_, POLLIN, 0};
  int ready = ::poll(&p, 1, RemainingMs(deadline));
  if (ready < 0 && errno == EINTR) return true;  // the caller loops
  if (ready <= 0) {
    error_ = ready == 0 ? "timed out" : std::string("poll: ") + std::strerror(errno);
    return false;
  }
  char buf[64 * 1024];
  ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n < 0 && errno == EINTR) return true;
  if (n < 0) {
    error_ = std::string("recv: ") + std::strerror(errno);
    eof_ = true;  // a reset ends the stream too
    return false;
  }
  if (n == 0) {
    eof_ = true;
    return false;
  }
  buffer_.append(buf, static_cast<size_t>(n));
  return true;
}

bool TcpConnection::ReadHead(HttpReply& reply, SteadyClock::time_point deadline) {
  size_t end;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!Receive(deadline)) {
      reply.error = error_.empty() ? "connection closed before a response" : error_;
      return false;
    }
  }
  std::string head = buffer_.substr(0, end + 2);
  buffer_.erase(0, end + 4);
  size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) {
    reply.error = "bad status line: " + status_line;
    return false;
  }
  reply.status = std::atoi(status_line.c_str() + 9);
  reply.headers.clear();
  for (size_t at = line_end + 2; at < head.size();) {
    size_t next = head.find("\r\n", at);
    std::string line = head.substr(at, next - at);
    at = next + 2;
    size_t colon = line.find(':');
    if (colon != std::string::npos) reply.headers.emplace_back(line.substr(0, colon), Trim(line.substr(colon + 1)));
  }
  return true;
}

// ---- HttpCall ----------------------------------------------------------------

HttpReply HttpCall(uint16_t port, std::string_view method, std::string_view target, const HeaderList& headers,
                   std::string_view body, std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  HttpReply reply;
  TcpConnection c(port);
  if (!c.ok()) {
    reply.error = c.error();
    return reply;
  }
  std::string req = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1:" +
                    std::to_string(port) + "\r\nConnection: close\r\n";
  for (const auto& [n, v] : headers) req += n + ": " + v + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n";
  req += body;
  if (!c.Send(req)) {
    reply.error = c.error();
    return reply;
  }
  do {
    if (!c.ReadHead(reply, deadline)) return reply;
  } while (reply.status == 100);
  ReadBody(c, method, reply, deadline);
  return reply;
}

// ---- SseStream ---------------------------------------------------------------

SseStream::SseStream(uint16_t port, const std::string& target, const std::string& token) : conn_(port) {
  if (!conn_.ok()) {
    head_.error = conn_.error();
    return;
  }
  const auto deadline = SteadyClock::now() + 20s;
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                    "\r\nAccept: text/event-stream\r\nAuthorization: Bearer " + token + "\r\n\r\n";
  if (!conn_.Send(req)) {
    head_.error = conn_.error();
    return;
  }
  if (!conn_.ReadHead(head_, deadline)) return;
  if (head_.status != 200) ReadBody(conn_, "GET", head_, deadline);
}

std::optional<SseEvent> SseStream::Next(SteadyClock::time_point deadline) {
  timed_out_ = false;
  if (head_.status != 200) return std::nullopt;
  for (;;) {
    std::string& buf = conn_.buffer();
    size_t end = buf.find("\n\n");
    if (end == std::string::npos) {
      if (conn_.Receive(deadline)) continue;
      timed_out_ = !conn_.eof();
      return std::nullopt;
    }
    std::string block = buf.substr(0, end);
    buf.erase(0, end + 2);
    SseEvent e;
    bool any = false;
    for (size_t at = 0; at <= block.size();) {
      size_t next = block.find('\n', at);
      if (next == std::string::npos) next = block.size();
      std::string line = block.substr(at, next - at);
      at = next + 1;
      if (line.empty() || line[0] == ':') continue;  // comment (heartbeat)
      size_t colon = line.find(':');
      std::string field = line.substr(0, colon);
      std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
      if (!value.empty() && value[0] == ' ') value.erase(0, 1);
      if (field == "data") {
        e.data += (e.data.empty() ? "" : "\n") + value;
      } else if (field == "event") {
        e.event = value;
      } else if (field == "id") {
        e.id = value;
      }
      any = true;
    }
    if (any) return e;
  }
}

// ---- Eventually --------------------------------------------------------------

bool Eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                std::chrono::milliseconds every) {
  const auto deadline = SteadyClock::now() + timeout;
  std::mutex mu;
  std::condition_variable cv;  // never notified: paces the re-checks
  std::unique_lock<std::mutex> lock(mu);
  for (;;) {
    if (done()) return true;
    auto now = SteadyClock::now();
    if (now >= deadline) return false;
    cv.wait_for(lock, std::min<SteadyClock::duration>(every, deadline - now));
  }
}

// ---- ServeProcess ------------------------------------------------------------

ServeProcess::ServeProcess(std::string data_dir, std::vector<std::string> extra_args)
    : data_dir_(std::move(data_dir)), extra_args_(std::move(extra_args)) {}

ServeProcess::~ServeProcess() {
  if (pid_ > 0) (void)Signal(SIGKILL, 15s);
  JoinReader(0ms);
}

bool ServeProcess::Start(std::chrono::milliseconds timeout) {
  if (pid_ > 0) {
    ADD_FAILURE() << "vtp serve is already running";
    return false;
  }
  JoinReader(0ms);
  std::vector<std::string> args = {testutil::VtpBinary(), "serve", "--data", data_dir_,
                                   "--listen", "127.0.0.1:0", "--workers", "2"};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << std::strerror(errno);
    return false;
  }
  int log_fd = ::open(log_path().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();
  pid_t pid = (log_fd >= 0 && null_fd >= 0) ? ::fork() : -1;
  if (pid == 0) ExecServe(argv.data(), out[1], log_fd, null_fd, parent);
  const int fork_errno = errno;
  ::close(out[1]);
  if (log_fd >= 0) ::close(log_fd);
  if (null_fd >= 0) ::close(null_fd);
  if (pid < 0) {
    ::close(out[0]);
    ADD_FAILURE() << "starting vtp serve: " << std::strerror(fork_errno);
    return false;
  }
  pid_ = pid;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stdout_.clear();
    stdout_eof_ = false;
    stop_reader_ = false;
  }
  reader_ = std::thread([this, fd = out[0]] { ReadStdout(fd); });

  const std::string marker = "listening on http://127.0.0.1:";
  std::string line;
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] {
      size_t at = stdout_.find(marker);
      if (at != std::string::npos && stdout_.find('\n', at) != std::string::npos) {
        line = stdout_.substr(at + marker.size());
        return true;
      }
      return stdout_eof_;
    });
  }
  port_ = line.empty() ? 0 : static_cast<uint16_t>(std::atoi(line.c_str()));
  if (port_ == 0) {
    ADD_FAILURE() << "vtp serve did not print its port within " << timeout.count() << " ms; stdout:\n"
                  << Stdout() << "\nstderr:\n"
                  << LogTail();
    (void)Signal(SIGKILL, 15s);
    return false;
  }
  return true;
}

void ServeProcess::ReadStdout(int fd) {
  char buf[4096];
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_reader_) break;
    }
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, 100);  // bounded, so a stop request is seen
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    std::lock_guard<std::mutex> lock(mu_);
    stdout_.append(buf, static_cast<size_t>(n));
    cv_.notify_all();
  }
  ::close(fd);
  std::lock_guard<std::mutex> lock(mu_);
  stdout_eof_ = true;
  cv_.notify_all();
}

void ServeProcess::JoinReader(std::chrono::milliseconds timeout) {
  if (!reader_.joinable()) return;
  {
    std::unique_lock<std::mutex> lock(mu_);
    // EOF: the server and every worker it started have let go of stdout.
    cv_.wait_for(lock, timeout, [&] { return stdout_eof_; });
    stop_reader_ = true;
  }
  reader_.join();
}

// ---- ChildProcess ------------------------------------------------------------

ChildProcess::~ChildProcess() {
  if (pid_ > 0) (void)Signal(SIGKILL, 15s);
}

bool ChildProcess::Start() {
  if (pid_ > 0) {
    ADD_FAILURE() << args_.front() << " is already running";
    return false;
  }
  std::vector<std::string> args = args_;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();
  pid_t pid = (log_fd >= 0 && null_fd >= 0) ? ::fork() : -1;
  if (pid == 0) ExecServe(argv.data(), log_fd, log_fd, null_fd, parent);
  const int fork_errno = errno;
  if (log_fd >= 0) ::close(log_fd);
  if (null_fd >= 0) ::close(null_fd);
  if (pid < 0) {
    ADD_FAILURE() << "starting " << args_.front() << ": " << std::strerror(fork_errno);
    return false;
  }
  pid_ = pid;
  return true;
}

int ChildProcess::Signal(int signal, std::chrono::milliseconds timeout) {
  int result = SignalAndReap(pid_, signal, timeout, args_.front());
  pid_ = -1;
  return result;
}

int ServeProcess::Signal(int signal, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  int result = SignalAndReap(pid_, signal, timeout, "vtp serve");
  pid_ = -1;
  port_ = 0;
  JoinReader(timeout);
  return result;
}

std::string ServeProcess::Stdout() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stdout_;
}

std::string ServeProcess::LogTail(size_t bytes) const {
  std::string log = testutil::ReadFile(log_path());
  return log.size() > bytes ? log.substr(log.size() - bytes) : log;
}

// ---- Free helpers --------------------------------------------------------------

std::string CreateKey(const std::string& data_dir, const std::string& creator, const std::string& role) {
  testutil::CommandResult r = testutil::RunCommand(testutil::VtpBinary() + " keys create --data '" + data_dir +
                                                   "' --creator '" + creator + "' --role " + role + " 2>/dev/null");
  std::string token = Trim(r.output);
  if (r.exit_status != 0 || token.empty() || token.find('\n') != std::string::npos) {
    ADD_FAILURE() << "vtp keys create failed (" << r.exit_status << "): " << r.output;
    return "";
  }
  return token;
}

std::string CurlPutRange(const std::string& dir, const std::string& url, const std::string& path,
                         uint64_t offset, uint64_t length) {
  const std::string part = dir + "/part-" + std::to_string(offset);
  EXPECT_TRUE(CopyRange(path, part, offset, length));
  testutil::CommandResult r = testutil::RunCommand(
      "curl -sS -o /dev/null -w '%{http_code} %header{etag}' -X PUT --data-binary '@" + part + "' '" + url + "'");
  EXPECT_EQ(r.exit_status, 0) << r.output;
  std::error_code ec;
  std::filesystem::remove(part, ec);
  return r.output;
}

std::string UploadVideo(uint16_t port, const std::string& token, const std::string& path,
                        const nlohmann::json& request) {
  const HeaderList auth = {{"Authorization", "Bearer " + token}};
  HeaderList json_headers = auth;
  json_headers.push_back({"Content-Type", "application/json"});
  HttpReply r = HttpCall(port, "POST", "/api/v1/videos/upload", json_headers, request.dump());
  nlohmann::json up = r.Json();
  if (r.status != 201 || !up.is_object()) {
    ADD_FAILURE() << "POST /api/v1/videos/upload: " << r.Describe();
    return "";
  }
  if (up.value("protocol", "") == "tus") {
    std::string out;
    int status = CurlTusPatch(up.value("upload_url", ""), token, 0, path, &out);
    if (status != 204) ADD_FAILURE() << "tus PATCH: " << status << " " << out;
    return status == 204 ? up.value("video_id", "") : "";
  }
  const uint64_t size = std::filesystem::file_size(path);
  const uint64_t part_size = up.value("part_size", uint64_t{0});
  const std::string scratch = testutil::FreshDir("parts");
  nlohmann::json parts = nlohmann::json::array();
  for (const auto& p : up.value("parts", nlohmann::json::array())) {
    const uint64_t n = p.value("part_number", uint64_t{0});
    const uint64_t offset = (n - 1) * part_size;
    std::string reply = CurlPutRange(scratch, p.value("url", ""), path, offset, std::min(part_size, size - offset));
    if (reply.rfind("200 ", 0) != 0) {
      ADD_FAILURE() << "PUT part " << n << ": " << reply;
      return "";
    }
    parts.push_back({{"part_number", n}, {"etag", reply.substr(4)}});
  }
  const std::string complete = up.value("complete_url", "");
  const std::string target = complete.substr(complete.find("/api/v1/"));
  HttpReply done = HttpCall(port, "POST", target, json_headers, nlohmann::json{{"parts", parts}}.dump());
  if (done.status != 200) {
    ADD_FAILURE() << "POST " << target << ": " << done.Describe();
    return "";
  }
  return up.value("video_id", "");
}

std::string StatusOf(uint16_t port, const std::string& token, const std::string& video) {
  HttpReply r = HttpCall(port, "GET", "/api/v1/videos/" + video + "/status", {{"Authorization", "Bearer " + token}});
  nlohmann::json j = r.Json();
  return j.is_object() ? j.value("status", "") : "";
}

ScopedClusterEnv::ScopedClusterEnv(const std::string& config) {
  ::setenv("VTP_CONFIG", config.c_str(), 1);
  ::setenv("VTP_S3_ACCESS_KEY_ID", testutil::S3rver::kAccessKey, 1);
  ::setenv("VTP_S3_SECRET_ACCESS_KEY", testutil::S3rver::kSecretKey, 1);
}

ScopedClusterEnv::~ScopedClusterEnv() {
  for (const char* name : {"VTP_CONFIG", "VTP_S3_ACCESS_KEY_ID", "VTP_S3_SECRET_ACCESS_KEY"}) ::unsetenv(name);
}

std::unique_ptr<adapters::S3BlobStore> OpenS3rverStore(const testutil::S3rver& s3, const std::string& prefix) {
  adapters::S3BlobStoreConfig config;
  config.endpoint = {.endpoint = s3.endpoint(), .bucket = testutil::S3rver::kBucket, .region = "us-east-1",
                     .access_key = testutil::S3rver::kAccessKey, .secret_key = testutil::S3rver::kSecretKey,
                     .timeout_ms = 30'000};
  config.key_prefix = prefix;
  auto store = adapters::S3BlobStore::Create(config);
  return store.ok() ? std::move(store).value() : nullptr;
}

std::string Sha256OfFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  StatusOr<std::string> hex = adapters::Sha256OfFd(fd);
  ::close(fd);
  return hex.ok() ? *hex : "";
}

bool CopyRange(const std::string& src, const std::string& dst, uint64_t offset, uint64_t length) {
  std::ifstream in(src, std::ios::binary);
  std::ofstream out(dst, std::ios::binary | std::ios::trunc);
  if (!in || !out) return false;
  in.seekg(static_cast<std::streamoff>(offset));
  std::string buf(1 << 20, '\0');
  while (length > 0) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(length, buf.size()));
    if (!in.read(buf.data(), static_cast<std::streamsize>(n))) return false;
    out.write(buf.data(), static_cast<std::streamsize>(n));
    length -= n;
  }
  return static_cast<bool>(out.flush());
}

int CurlTusPatch(const std::string& url, const std::string& token, uint64_t offset, const std::string& body_path,
                 std::string* output) {
  // -D -: the response head on stdout; -w: the final status on a last line.
  std::string cmd = "curl -sS --max-time 60 -X PATCH -D - -o /dev/null -w '\\n%{http_code}'"
                    " -H 'Tus-Resumable: 1.0.0' -H 'Content-Type: application/offset+octet-stream'"
                    " -H 'Upload-Offset: " +
                    std::to_string(offset) + "' -H 'Authorization: Bearer " + token + "' --data-binary @'" +
                    body_path + "' '" + url + "'";
  testutil::CommandResult r = testutil::RunCommand(cmd, true);
  if (output) *output = r.output;
  size_t last = r.output.find_last_of('\n');
  return r.exit_status == 0 && last != std::string::npos ? std::atoi(r.output.c_str() + last + 1) : 0;
}

}  // namespace vtp::e2e
