// Test inputs: synthetic media generated with the ffmpeg CLI at test time
// (never committed), paths into ../shared/corpus, and a subprocess runner.
#pragma once

#include <string>

namespace vtp::testutil {

// Directory for test scratch files, created on first use.
std::string TestTmpDir();

// Generates TestTmpDir()/fixtures/<name> by running
// `ffmpeg -hide_banner -nostdin -v error -y <args> <path>` unless it already
// exists (generation is deterministic, so the cache is safe). Fails the
// current test (ADD_FAILURE) and returns "" when ffmpeg fails.
std::string Fixture(const std::string& name, const std::string& ffmpeg_args);

// Writes `bytes` to TestTmpDir()/fixtures/<name> and returns the path.
std::string WriteFile(const std::string& name, const std::string& bytes);

// Absolute path of a file in ../shared/corpus.
std::string CorpusPath(const std::string& name);
bool CorpusAvailable();

struct CommandResult {
  int exit_status = -1;  // WEXITSTATUS, or 128+signal
  std::string output;    // stdout (stderr too when merge_stderr)
};
CommandResult RunCommand(const std::string& command, bool merge_stderr = false);

// A fresh empty directory under TestTmpDir() named after the current test.
std::string FreshDir(const std::string& suffix = "");

// Path of the built vtp binary.
// The vtp binary under test. The first call points VTP_DATA_DIR (when
// unset) at a fresh directory of this test, inherited by every vtp started.
std::string VtpBinary();

// "size:mtime" of a file, to key caches on the binary that produced them.
std::string BinaryStamp(const std::string& path);

// Writes `bytes` to `path` (any location).
void WriteFileAt(const std::string& path, const std::string& bytes);

// An exclusive advisory lock (flock) on `path`, held for the object's life:
// serialises test processes that share a cached artefact.
class ProcessLock {
 public:
  explicit ProcessLock(const std::string& path);
  ~ProcessLock();
  ProcessLock(const ProcessLock&) = delete;
  ProcessLock& operator=(const ProcessLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace vtp::testutil
