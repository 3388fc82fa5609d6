// Test harness for `vtp serve` end to end: the real binary as a child
// process on a data directory of the test's own, and a small blocking
// HTTP/1.1 client over loopback TCP to talk to it.
//
// Nothing here waits a fixed time: the server's port comes from the
// "listening on" line it prints, exits are awaited on a pidfd, and
// conditions that settle later are re-checked until a deadline (Eventually).
//
// Thread safety: ServeProcess belongs to the test's main thread (its
// children die with that thread, PR_SET_PDEATHSIG); the free functions may
// run on any thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/s3_blob_store.h"
#include "testutil/s3rver.h"

namespace vtp::e2e {

using SteadyClock = std::chrono::steady_clock;
using namespace std::chrono_literals;

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpReply {
  int status = 0;     // 0: no reply, see `error`
  std::string error;  // why there is no reply
  HeaderList headers;
  std::string body;

  // The first header named `name` (case-insensitive), "" when absent.
  std::string Header(std::string_view name) const;
  // The body as JSON; a discarded value when it is not JSON.
  nlohmann::json Json() const;
  // "<status> <body>" or the error, for failure messages.
  std::string Describe() const;
};

// One request on a fresh loopback connection to `port` (Connection: close);
// Content-Length is added for a non-empty body or a POST/PUT/PATCH. Reads
// the whole reply (identity or chunked body; none for HEAD) within `timeout`.
HttpReply HttpCall(uint16_t port, std::string_view method, std::string_view target, const HeaderList& headers = {},
                   std::string_view body = "", std::chrono::milliseconds timeout = 20s);

// A blocking loopback TCP connection, for requests the test writes by hand
// (a slow upload body, an event stream read as it arrives).
class TcpConnection {
 public:
  // Connects to 127.0.0.1:port; check ok().
  explicit TcpConnection(uint16_t port);
  ~TcpConnection();
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  bool ok() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }
  // Writes every byte; false when the connection broke.
  bool Send(std::string_view bytes);
  // Appends what arrives to buffer() until `deadline`; false at the end of
  // the stream, on an error, or when nothing came before the deadline.
  bool Receive(SteadyClock::time_point deadline);
  // Reads until the end of the response head ("\r\n\r\n") and parses it
  // into `reply` (status and headers), leaving what follows in buffer().
  bool ReadHead(HttpReply& reply, SteadyClock::time_point deadline);
  std::string& buffer() { return buffer_; }
  bool eof() const { return eof_; }
  void Close();

 private:
  int fd_ = -1;
  std::string error_;
  std::string buffer_;
  bool eof_ = false;
};

struct SseEvent {
  std::string id;
  std::string event;
  std::string data;  // data lines joined with '\n'
};

// GET <target> as text/event-stream; events are read as they arrive.
class SseStream {
 public:
  SseStream(uint16_t port, const std::string& target, const std::string& token);
  // The response head (status 200 for a stream); the body too when not.
  const HttpReply& head() const { return head_; }
  // The next event (comments skipped), or nullopt once the server ended the
  // stream or `deadline` passed (timed_out() tells which).
  std::optional<SseEvent> Next(SteadyClock::time_point deadline);
  bool timed_out() const { return timed_out_; }

 private:
  TcpConnection conn_;
  HttpReply head_;
  bool timed_out_ = false;
};

// Re-checks `done` every `every` until it holds (true) or `timeout` passes
// (false). Waits on a condition variable between checks.
bool Eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                std::chrono::milliseconds every = 100ms);

// `vtp serve --data DIR --listen 127.0.0.1:0 --workers 2 [extra]` as a
// child process. Its stdout is read by a thread of this object (the port
// comes from it); its stderr is appended to log_path().
class ServeProcess {
 public:
  explicit ServeProcess(std::string data_dir, std::vector<std::string> extra_args = {});
  ~ServeProcess();  // SIGKILL when still running
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  // Starts the server and waits for its "listening on" line. Fails the
  // current test and returns false when it exits or stays silent first.
  // May be called again after Signal (a restart on the same data).
  [[nodiscard]] bool Start(std::chrono::milliseconds timeout = 30s);
  // Sends `signal` and waits for the server to exit and for its workers to
  // let go of its stdout. Returns the exit status (128 + signal when killed
  // by one), -1 when it did not exit within `timeout` (it is SIGKILLed).
  int Signal(int signal, std::chrono::milliseconds timeout = 30s);
  bool running() const { return pid_ > 0; }

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& data_dir() const { return data_dir_; }
  std::string log_path() const { return data_dir_ + ".serve.log"; }
  // The server's stdout so far.
  std::string Stdout() const;
  // The end of the stderr log, for failure messages.
  std::string LogTail(size_t bytes = 4000) const;

 private:
  void ReadStdout(int fd);
  void JoinReader(std::chrono::milliseconds timeout);

  const std::string data_dir_;
  const std::vector<std::string> extra_args_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::thread reader_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string stdout_;       // guarded by mu_
  bool stdout_eof_ = false;  // guarded by mu_
  bool stop_reader_ = false;  // guarded by mu_
};

// Any other child process (`vtp worker ...`): stdin from /dev/null, stdout
// and stderr appended to `log_path`, dead with the test (PR_SET_PDEATHSIG).
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> args, std::string log_path)
      : args_(std::move(args)), log_path_(std::move(log_path)) {}
  ~ChildProcess();  // SIGKILL when still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts it (again, after Signal); false and a test failure when fork fails.
  [[nodiscard]] bool Start();
  // Sends `signal` and waits for the exit: the exit status (128 + signal
  // when killed by one), -1 when it did not exit within `timeout` (then it
  // is SIGKILLed and a test failure is added).
  int Signal(int signal, std::chrono::milliseconds timeout = 30s);
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

 private:
  const std::vector<std::string> args_;
  const std::string log_path_;
  pid_t pid_ = -1;
};

// `vtp keys create --data DIR --creator CREATOR [--role ROLE]`: the token,
// or "" (and a test failure) when it fails.
std::string CreateKey(const std::string& data_dir, const std::string& creator, const std::string& role = "creator");

// PUTs bytes [offset, offset + length) of `path` to a presigned URL with
// curl (through a part file in `dir`); returns "<status> <etag>".
std::string CurlPutRange(const std::string& dir, const std::string& url, const std::string& path,
                         uint64_t offset, uint64_t length);

// Uploads `path` to the server on `port` the way a client does: POST
// /api/v1/videos/upload with `request` (filename, content_type,
// file_size_bytes, ...), then the bytes by the protocol the answer names --
// one tus PATCH, or (s3-multipart) every part PUT to its presigned URL and
// POST complete_url. Returns the video id; "" and a test failure otherwise.
std::string UploadVideo(uint16_t port, const std::string& token, const std::string& path,
                        const nlohmann::json& request);

// GET /api/v1/videos/{id}/status's "status" ("" when there is no answer).
std::string StatusOf(uint16_t port, const std::string& token, const std::string& video);

// $VTP_CONFIG = `config` and s3rver's credentials in $VTP_S3_ACCESS_KEY_ID /
// $VTP_S3_SECRET_ACCESS_KEY for the lifetime of the object (the servers and
// commands a test starts inherit them); unset again at destruction, so later
// tests in the same process (a --gtest_filter run) do not.
class ScopedClusterEnv {
 public:
  explicit ScopedClusterEnv(const std::string& config);
  ~ScopedClusterEnv();
  ScopedClusterEnv(const ScopedClusterEnv&) = delete;
  ScopedClusterEnv& operator=(const ScopedClusterEnv&) = delete;
};

// An S3BlobStore on the test's s3rver, bucket kBucket, under `prefix`;
// nullptr when the configuration is refused.
std::unique_ptr<adapters::S3BlobStore> OpenS3rverStore(const testutil::S3rver& s3, const std::string& prefix);

// Lowercase hex SHA-256 of a file's bytes ("" when unreadable).
std::string Sha256OfFile(const std::string& path);

// Writes bytes [offset, offset + length) of `src` to `dst`; false on error.
bool CopyRange(const std::string& src, const std::string& dst, uint64_t offset, uint64_t length);

// `curl` PATCHing the file `body_path` to `url` as tus bytes at `offset`.
// Returns the HTTP status curl saw (0 when curl failed) and its output in
// `output` (the response head).
int CurlTusPatch(const std::string& url, const std::string& token, uint64_t offset, const std::string& body_path,
                 std::string* output = nullptr);

}  // namespace vtp::e2e
