#include "core/status.h"

#include <array>

namespace vtp {
namespace {

struct CodeInfo {
  ErrorCode code;
  std::string_view name;
  int exit_status;
};

// Caller mistakes use 2..5 (2 doubles as the usage-error status); input and
// processing failures start at 10. None collides with 1 (generic failure) or
// 126+ (exec failure, death by signal).
constexpr std::array<CodeInfo, 14> kCodes = {{
    {ErrorCode::kOk, "ok", 0},
    {ErrorCode::kInvalidArgument, "invalid_argument", 2},
    {ErrorCode::kNotFound, "not_found", 3},
    {ErrorCode::kAlreadyExists, "already_exists", 4},
    {ErrorCode::kIo, "io_error", 5},
    {ErrorCode::kNotMedia, "not_media", 10},
    {ErrorCode::kCorruptInput, "corrupt_input", 11},
    {ErrorCode::kNoDecodableStream, "no_decodable_stream", 12},
    {ErrorCode::kUnsupportedCodec, "unsupported_codec", 13},
    {ErrorCode::kLimitExceeded, "limit_exceeded", 14},
    {ErrorCode::kEncodeFailed, "encode_failed", 20},
    {ErrorCode::kWorkerCrashed, "worker_crashed", 21},
    {ErrorCode::kInternal, "internal", 70},
    {ErrorCode::kDeadlineExceeded, "deadline_exceeded", 22},
}};

// What an unknown code or name maps to; not the table's last row, which is
// whichever code was added last.
constexpr size_t kInternalIndex = 12;
static_assert(kCodes[kInternalIndex].code == ErrorCode::kInternal);

const CodeInfo& Info(ErrorCode code) {
  for (const auto& c : kCodes) {
    if (c.code == code) return c;
  }
  return kCodes[kInternalIndex];
}

}  // namespace

std::string_view ErrorCodeName(ErrorCode code) { return Info(code).name; }

int ErrorCodeExitStatus(ErrorCode code) { return Info(code).exit_status; }

ErrorCode ErrorCodeFromName(std::string_view name) {
  for (const auto& c : kCodes) {
    if (c.name == name) return c.code;
  }
  return ErrorCode::kInternal;
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(ErrorCodeName(code_)) + ": " + message_;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  return Status(code_, std::string(context) + ": " + message_);
}

}  // namespace vtp
