#include "testutil/s3rver.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "testutil/fixtures.h"
#include "testutil/media_check.h"

namespace vtp::testutil {
namespace {

const std::string kSetup = "run scripts/install-npm.sh (needs node and npm: scripts/install-deps.sh)";

// Reads one line from `fd` (the launcher's {"address":..,"port":N}).
std::string ReadLine(int fd) {
  std::string line;
  char c = 0;
  while (::read(fd, &c, 1) == 1 && c != '\n') line += c;
  return line;
}

int PortOf(const std::string& json) {
  const size_t at = json.find("\"port\":");
  return at == std::string::npos ? 0 : std::atoi(json.c_str() + at + 7);
}

}  // namespace

std::string S3rver::Start(const std::string& dir) {
  const std::filesystem::path node_dir = VTP_NODE_DIR;
  if (RunCommand("node --version >/dev/null 2>&1").exit_status != 0) return "node is missing: " + kSetup;
  if (!std::filesystem::exists(node_dir / "node_modules/s3rver/package.json")) {
    return "s3rver is not installed in " + node_dir.string() + ": " + kSetup;
  }
  std::filesystem::create_directories(dir);
  const std::string script = (node_dir / "s3rver_start.mjs").string(), data = dir + "/data",
                    log = dir + "/s3rver.stderr";
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) return "pipe failed";
  const int err = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  pid_ = ::fork();
  if (pid_ == 0) {  // only async-signal-safe calls until exec
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    if (err >= 0) ::dup2(err, 2);
    ::execlp("node", "node", "--openssl-legacy-provider", script.c_str(), "--dir", data.c_str(), "--port", "0",
             "--bucket", kBucket, "--watch-stdin", "yes", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  if (err >= 0) ::close(err);
  ::close(in[0]);
  ::close(out[1]);
  stdin_fd_ = in[1];
  const std::string line = ReadLine(out[0]);
  ::close(out[0]);
  port_ = PortOf(line);
  if (pid_ < 0 || port_ <= 0) {
    Stop();
    return "s3rver did not start (" + line + "): " + ReadFile(log);
  }
  return "";
}

void S3rver::Stop() {
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  stdin_fd_ = -1;
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  pid_ = -1;
}

S3rver* SharedS3rver(std::string* error) {
  static S3rver* server = nullptr;
  static std::string start_error;
  if (server == nullptr && start_error.empty()) {
    auto* s = new S3rver();  // lives until exit; the server stops when our stdin pipe closes
    start_error = s->Start(TestTmpDir() + "/s3rver-" + std::to_string(::getpid()));
    if (start_error.empty()) server = s;
  }
  *error = start_error;
  return server;
}

}  // namespace vtp::testutil
