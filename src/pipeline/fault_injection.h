// Fault injection for worker processes: the VTP_FAULTS environment variable
// makes chosen tasks fail, crash or hang, so retries, timeouts and the DLQ
// can be exercised end to end with real processes.
//
//   VTP_FAULTS=RULE[,RULE...]      RULE = KEY=MODE[:N[:ERROR]]
//
// KEY    a step name ("transcode"), a task id without its video prefix
//        ("transcode/chunk_001") or a full task id ("v123/transcode/chunk_001")
// MODE   fail (report ERROR) | crash (abort) | hang (block until killed)
// N      apply to attempts 1..N only (>= 1; omitted or empty: every attempt)
// ERROR  fail only: an error class name (docs/errors.md; not "ok");
//        default encode_failed
//
// Empty entries (",,", a trailing comma) are ignored. Rules are tried in
// order; the first whose KEY matches and whose N covers the attempt applies.
//
// Pure: parsing and matching only; app/task_command.cc reads the variable and
// carries the action out. Thread-safe (free functions over values).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vtp::pipeline {

inline constexpr char kFaultsEnvVar[] = "VTP_FAULTS";

enum class FaultMode { kFail, kCrash, kHang };

struct FaultRule {
  std::string key;
  FaultMode mode = FaultMode::kFail;
  std::optional<int> first_attempts;  // nullopt: every attempt
  ErrorCode error = ErrorCode::kEncodeFailed;

  bool operator==(const FaultRule&) const = default;
};

struct FaultAction {
  FaultMode mode = FaultMode::kFail;
  ErrorCode error = ErrorCode::kEncodeFailed;  // kFail only

  bool operator==(const FaultAction&) const = default;
};

// kInvalidArgument naming the first malformed rule.
StatusOr<std::vector<FaultRule>> ParseFaultSpec(std::string_view spec);

// True when `key` names the task: its step, its full id, or its id without
// the video prefix (the part from the step on, "v1/transcode/x" ->
// "transcode/x").
bool FaultKeyMatches(std::string_view key, std::string_view task_id, std::string_view step);

// The fault to inject into run `attempt` (1-based) of a task, if any.
// Errors as ParseFaultSpec.
StatusOr<std::optional<FaultAction>> FaultFor(std::string_view spec, std::string_view task_id,
                                              std::string_view step, int attempt);

}  // namespace vtp::pipeline
