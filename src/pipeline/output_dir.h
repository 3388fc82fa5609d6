// Staging and atomic publication of a job's output directory: results are
// written under a hidden sibling and become visible only by one rename.
#pragma once

#include <string>

#include "core/status.h"

namespace vtp::pipeline {

// The checks StagingDir::Create makes, without creating anything: `vtp run`
// refuses a bad output directory before any work starts.
Status CheckOutputDir(const std::string& output_dir, const std::string& input, bool force);

class StagingDir {
 public:
  // Validates `output_dir` (must not exist or be empty, unless `force`; may
  // never contain `input`) and creates the hidden staging directory beside it.
  static StatusOr<StagingDir> Create(const std::string& output_dir, const std::string& input,
                                     bool force);
  StagingDir(StagingDir&& other) noexcept;
  StagingDir& operator=(StagingDir&&) = delete;
  ~StagingDir();  // removes the staging directory unless published

  const std::string& path() const { return staging_; }
  // Renames the staging directory to the output directory. An existing output
  // (only with force) is moved aside first and removed after the rename.
  Status Publish();

 private:
  StagingDir(std::string staging, std::string output, bool force)
      : staging_(std::move(staging)), output_(std::move(output)), force_(force) {}
  std::string staging_;
  std::string output_;
  bool force_ = false;
  bool published_ = false;
};

}  // namespace vtp::pipeline
