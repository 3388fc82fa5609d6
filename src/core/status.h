// vtp's one error type. Every fallible function returns Status or
// StatusOr<T>; library errors (AVERROR, errno, SQLite, ...) are converted to
// it in exactly one place per adapter.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace vtp {

// Stable, documented error classes (docs/errors.md). The name and the process
// exit code of each value are part of vtp's public contract: never renumber;
// new codes are appended at the end.
enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,    // bad flag, bad option value, bad user-supplied data
  kNotFound,           // input path or record missing
  kAlreadyExists,      // refusing to overwrite something
  kIo,                 // read/write/rename failed
  kNotMedia,           // input is not a media file libavformat recognises
  kCorruptInput,       // recognised container, but truncated or damaged
  kNoDecodableStream,  // no audio or video stream that can be decoded
  kUnsupportedCodec,   // stream codec has no decoder here
  kLimitExceeded,      // resolution / duration / stream count guard tripped
  kEncodeFailed,       // an encoder or muxer refused the data
  kWorkerCrashed,      // a worker process died or exited abnormally
  kInternal,           // a bug: an invariant did not hold
  kDeadlineExceeded,   // a task ran past its start-to-close timeout
};

// Machine-readable name, e.g. "not_media".
std::string_view ErrorCodeName(ErrorCode code);
// Process exit status used by the CLI for this class (0 for kOk).
int ErrorCodeExitStatus(ErrorCode code);
// Inverse of ErrorCodeName; kInternal for unknown names.
ErrorCode ErrorCodeFromName(std::string_view name);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "not_media: <message>"
  std::string ToString() const;

  // Returns a copy whose message is "context: message" (code unchanged).
  Status WithContext(std::string_view context) const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {ErrorCode::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
inline Status IoError(std::string m) { return {ErrorCode::kIo, std::move(m)}; }
inline Status Internal(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }

// Holds either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  StatusOr(Status status) : v_(std::move(status)) {  // NOLINT
    if (std::get<Status>(v_).ok()) {
      v_ = Status(ErrorCode::kInternal, "StatusOr built from OK status");
    }
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  // Precondition: ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<Status, T> v_;
};

}  // namespace vtp

#define VTP_CONCAT_INNER(a, b) a##b
#define VTP_CONCAT(a, b) VTP_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                  \
  do {                                         \
    ::vtp::Status vtp_status_ = (expr);        \
    if (!vtp_status_.ok()) return vtp_status_; \
  } while (0)

#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(VTP_CONCAT(vtp_statusor_, __LINE__), lhs, expr)
