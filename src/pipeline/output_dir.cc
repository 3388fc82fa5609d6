#include "pipeline/output_dir.h"

#include <unistd.h>

#include <filesystem>

namespace fs = std::filesystem;

namespace vtp::pipeline {
namespace {

bool IsInside(const fs::path& child, const fs::path& parent) {
  auto c = child.begin();
  for (auto p = parent.begin(); p != parent.end(); ++p, ++c) {
    if (c == child.end() || *c != *p) return false;
  }
  return true;
}

// The output directory as an absolute path naming it (no trailing '/').
StatusOr<fs::path> OutputPath(const std::string& output_dir) {
  if (output_dir.empty()) return InvalidArgument("no output directory given (-o OUTDIR)");
  std::error_code ec;
  fs::path out = fs::weakly_canonical(fs::absolute(output_dir, ec), ec);
  if (ec) return InvalidArgument("bad output directory " + output_dir);
  if (!out.has_filename()) out = out.parent_path();  // "out/" names "out"
  return out;
}

}  // namespace

Status CheckOutputDir(const std::string& output_dir, const std::string& input, bool force) {
  ASSIGN_OR_RETURN(fs::path out, OutputPath(output_dir));
  if (input.empty()) return InvalidArgument("no input file given");
  std::error_code ec;
  fs::path in = fs::weakly_canonical(fs::absolute(input, ec), ec);
  if (ec) return InvalidArgument("bad input path " + input);
  // The original upload is never deleted or overwritten: an output directory
  // that holds the input (or is the input) is refused even with --force.
  if (IsInside(in, out)) {
    return InvalidArgument("output directory " + out.string() + " contains the input file");
  }
  if (fs::exists(out)) {
    if (!fs::is_directory(out)) return Status(ErrorCode::kAlreadyExists, out.string() + " exists and is not a directory");
    if (!fs::is_empty(out) && !force) {
      return Status(ErrorCode::kAlreadyExists,
                    "output directory " + out.string() + " is not empty (use --force to replace it)");
    }
  }
  return Status::Ok();
}

StatusOr<StagingDir> StagingDir::Create(const std::string& output_dir, const std::string& input,
                                        bool force) {
  RETURN_IF_ERROR(CheckOutputDir(output_dir, input, force));
  ASSIGN_OR_RETURN(fs::path out, OutputPath(output_dir));
  std::error_code ec;
  fs::create_directories(out.parent_path(), ec);
  if (ec) return IoError("creating " + out.parent_path().string() + ": " + ec.message());
  fs::path staging = out.parent_path() / ("." + out.filename().string() + ".vtp-tmp-" + std::to_string(::getpid()));
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  if (ec) return IoError("creating " + staging.string() + ": " + ec.message());
  return StagingDir(staging.string(), out.string(), force);
}

StagingDir::StagingDir(StagingDir&& other) noexcept
    : staging_(std::move(other.staging_)), output_(std::move(other.output_)),
      force_(other.force_), published_(other.published_) {
  other.published_ = true;  // the moved-from object must not clean up
}

StagingDir::~StagingDir() {
  if (published_ || staging_.empty()) return;
  std::error_code ec;
  fs::remove_all(staging_, ec);
}

Status StagingDir::Publish() {
  std::error_code ec;
  fs::path old;
  if (fs::exists(output_)) {
    if (!force_ && !fs::is_empty(output_)) return Status(ErrorCode::kAlreadyExists, output_ + " appeared while running");
    old = fs::path(staging_).string() + ".old";
    fs::rename(output_, old, ec);
    if (ec) return IoError("moving aside " + output_ + ": " + ec.message());
  }
  fs::rename(staging_, output_, ec);
  if (ec) return IoError("publishing " + output_ + ": " + ec.message());
  published_ = true;
  if (!old.empty()) fs::remove_all(old, ec);
  return Status::Ok();
}

}  // namespace vtp::pipeline
