// A real S3 API server for tests: s3rver (npm, tests/node/node_modules,
// installed by scripts/install-npm.sh) launched through
// tests/node/s3rver_start.mjs (node --openssl-legacy-provider) on 127.0.0.1 with an ephemeral port and the
// bucket "vtp". Credentials: access key S3RVER, secret S3RVER (s3rver checks
// the access key; it does not verify SigV4 signatures).
//
// Start() fails with a message saying what to install when node or s3rver is
// missing: tests ASSERT on it, they never skip. The server runs until Stop()
// or the destructor, and also exits by itself when this process dies (it
// watches the pipe on its stdin).
//
// Not thread-safe; one owner.
#pragma once

#include <string>
#include <sys/types.h>

namespace vtp::testutil {

class S3rver {
 public:
  static constexpr char kBucket[] = "vtp";
  static constexpr char kAccessKey[] = "S3RVER";
  static constexpr char kSecretKey[] = "S3RVER";

  S3rver() = default;
  ~S3rver() { Stop(); }
  S3rver(const S3rver&) = delete;
  S3rver& operator=(const S3rver&) = delete;

  // Starts the server storing its data under `dir`. Returns "" on success,
  // else why it could not start.
  std::string Start(const std::string& dir);
  // Stops it (SIGTERM, then waits). Idempotent.
  void Stop();

  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;  // write end of the server's stdin
  int port_ = 0;
};

// A process-wide server started on first use (for fixtures whose adapters
// are made by static functions). Returns nullptr and sets `error` when it
// cannot start.
S3rver* SharedS3rver(std::string* error);

}  // namespace vtp::testutil
