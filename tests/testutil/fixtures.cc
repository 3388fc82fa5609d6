#include "testutil/fixtures.h"

#include <cstdlib>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace vtp::testutil {

std::string TestTmpDir() {
  fs::path dir = VTP_TEST_TMP;
  fs::create_directories(dir);
  return dir.string();
}

std::string Fixture(const std::string& name, const std::string& ffmpeg_args) {
  fs::path dir = fs::path(TestTmpDir()) / "fixtures";
  fs::create_directories(dir);
  fs::path path = dir / name;
  if (fs::exists(path) && fs::file_size(path) > 0) return path.string();
  // Generate under a temporary name so a killed run never leaves a partial
  // fixture that a later run would trust.
  fs::path tmp = dir / ("tmp-" + std::to_string(::getpid()) + "-" + name);
  std::string cmd = "ffmpeg -hide_banner -nostdin -v error -y " + ffmpeg_args + " '" +
                    tmp.string() + "' 2>&1";
  CommandResult r = RunCommand(cmd);
  if (r.exit_status != 0) {
    ADD_FAILURE() << "fixture " << name << " failed: " << cmd << "\n" << r.output;
    return "";
  }
  fs::rename(tmp, path);
  return path.string();
}

std::string WriteFile(const std::string& name, const std::string& bytes) {
  fs::path dir = fs::path(TestTmpDir()) / "fixtures";
  fs::create_directories(dir);
  fs::path path = dir / name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path.string();
}

std::string CorpusPath(const std::string& name) {
  return (fs::path(VTP_CORPUS_DIR) / name).lexically_normal().string();
}

bool CorpusAvailable() { return fs::is_directory(VTP_CORPUS_DIR); }

CommandResult RunCommand(const std::string& command, bool merge_stderr) {
  CommandResult result;
  std::string cmd = merge_stderr ? command + " 2>&1" : command;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) {
    result.output.append(buf.data(), n);
  }
  int status = ::pclose(pipe);
  if (WIFEXITED(status)) {
    result.exit_status = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.exit_status = 128 + WTERMSIG(status);
  }
  return result;
}

std::string FreshDir(const std::string& suffix) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "misc";
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  fs::path dir = fs::path(TestTmpDir()) / "runs" / (name + suffix);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

std::string VtpBinary() {
  // Every vtp the test process starts shares one data directory of its own,
  // so concurrent tests never lease each other's tasks.
  static const bool isolated = [] {
    const char* set = std::getenv("VTP_DATA_DIR");
    // The pid keeps processes apart even when they run the same test (or
    // none: a suite-level fixture calls this before any test starts).
    if (!set || !*set) ::setenv("VTP_DATA_DIR", FreshDir(".vtp-data-" + std::to_string(::getpid())).c_str(), 1);
    return true;
  }();
  (void)isolated;
  return VTP_BINARY;
}

std::string BinaryStamp(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "missing";
  return std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec);
}

void WriteFileAt(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

ProcessLock::ProcessLock(const std::string& path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT, 0644);
  if (fd_ >= 0) ::flock(fd_, LOCK_EX);
}

ProcessLock::~ProcessLock() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

}  // namespace vtp::testutil
