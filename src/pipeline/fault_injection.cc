#include "pipeline/fault_injection.h"

#include <charconv>

namespace vtp::pipeline {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits at `sep`; always at least one field.
std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> fields;
  for (;;) {
    size_t at = s.find(sep);
    fields.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return fields;
    s.remove_prefix(at + 1);
  }
}

std::optional<FaultMode> ModeFromName(std::string_view name) {
  if (name == "fail") return FaultMode::kFail;
  if (name == "crash") return FaultMode::kCrash;
  if (name == "hang") return FaultMode::kHang;
  return std::nullopt;
}

std::optional<int> PositiveInt(std::string_view s) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 1) return std::nullopt;
  return v;
}

// "internal" is the fallback of ErrorCodeFromName, so it round-trips the
// name instead of trusting the code.
std::optional<ErrorCode> ErrorFromName(std::string_view name) {
  ErrorCode code = ErrorCodeFromName(name);
  if (ErrorCodeName(code) != name || code == ErrorCode::kOk) return std::nullopt;
  return code;
}

StatusOr<FaultRule> ParseRule(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument(std::string(kFaultsEnvVar) + ": rule '" + std::string(text) +
                           "': " + std::string(why));
  };
  size_t eq = text.find('=');
  if (eq == std::string_view::npos) return bad("expected KEY=MODE[:N[:ERROR]]");
  FaultRule rule;
  rule.key = std::string(Trim(text.substr(0, eq)));
  if (rule.key.empty()) return bad("empty key");
  std::vector<std::string_view> parts = Split(Trim(text.substr(eq + 1)), ':');
  if (parts.size() > 3) return bad("too many fields");
  std::optional<FaultMode> mode = ModeFromName(parts[0]);
  if (!mode) return bad("mode must be fail, crash or hang");
  rule.mode = *mode;
  if (parts.size() > 1 && !parts[1].empty()) {
    rule.first_attempts = PositiveInt(parts[1]);
    if (!rule.first_attempts) return bad("N must be an integer >= 1");
  }
  if (parts.size() > 2) {
    if (rule.mode != FaultMode::kFail) return bad("only fail takes an error class");
    std::optional<ErrorCode> error = ErrorFromName(parts[2]);
    if (!error) return bad("unknown error class '" + std::string(parts[2]) + "'");
    rule.error = *error;
  }
  return rule;
}

}  // namespace

StatusOr<std::vector<FaultRule>> ParseFaultSpec(std::string_view spec) {
  std::vector<FaultRule> rules;
  for (std::string_view text : Split(spec, ',')) {
    text = Trim(text);
    if (text.empty()) continue;
    ASSIGN_OR_RETURN(FaultRule rule, ParseRule(text));
    rules.push_back(std::move(rule));
  }
  return rules;
}

bool FaultKeyMatches(std::string_view key, std::string_view task_id, std::string_view step) {
  if (key == step || key == task_id) return true;
  // Engine ids are "<video>/<step>/..."; local `vtp run` ids start at the
  // step and have no video prefix to strip.
  size_t slash = task_id.find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view rest = task_id.substr(slash + 1);
  return rest.substr(0, step.size()) == step && key == rest;
}

StatusOr<std::optional<FaultAction>> FaultFor(std::string_view spec, std::string_view task_id,
                                              std::string_view step, int attempt) {
  ASSIGN_OR_RETURN(std::vector<FaultRule> rules, ParseFaultSpec(spec));
  for (const FaultRule& rule : rules) {
    if (!FaultKeyMatches(rule.key, task_id, step)) continue;
    if (rule.first_attempts && attempt > *rule.first_attempts) continue;
    return std::optional<FaultAction>(FaultAction{rule.mode, rule.error});
  }
  return std::optional<FaultAction>();
}

}  // namespace vtp::pipeline
