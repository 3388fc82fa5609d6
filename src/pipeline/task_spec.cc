#include "pipeline/task_spec.h"

#include <cstdint>

namespace vtp::pipeline {

nlohmann::json ToJson(const TaskSpec& t) {
  return {{"id", t.id}, {"step", t.step}, {"params", t.params}, {"attempt", t.attempt}};
}

namespace {

std::string StringField(const nlohmann::json& j, const char* key, const char* fallback) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

// Optional (task files written before it existed mean the first run).
StatusOr<int> AttemptField(const nlohmann::json& j) {
  auto it = j.find("attempt");
  if (it == j.end()) return 1;
  // get<int64_t> of an unsigned above INT64_MAX wraps negative: refused too.
  if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > INT32_MAX) {
    return InvalidArgument("task attempt must be an integer >= 1");
  }
  return static_cast<int>(it->get<int64_t>());
}

}  // namespace

StatusOr<TaskSpec> TaskSpecFromJson(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("id") || !j.contains("step") || !j.at("id").is_string() ||
      !j.at("step").is_string()) {
    return InvalidArgument("task file must hold an object with string id and step");
  }
  if (j.contains("params") && !j.at("params").is_object()) {
    return InvalidArgument("task params must be an object");
  }
  ASSIGN_OR_RETURN(int attempt, AttemptField(j));
  TaskSpec t;
  t.id = j.at("id").get<std::string>();
  t.step = j.at("step").get<std::string>();
  t.params = j.value("params", nlohmann::json::object());
  t.attempt = attempt;
  return t;
}

nlohmann::json ToJson(const TaskResult& r) {
  if (r.status.ok()) return {{"ok", true}, {"output", r.output}};
  return {{"ok", false},
          {"error", {{"code", std::string(ErrorCodeName(r.status.code()))},
                     {"message", r.status.message()}}}};
}

TaskResult TaskResultFromJson(const nlohmann::json& j) {
  TaskResult r;
  // A result file is written by another process: any shape is possible, and
  // none may throw into the orchestrator.
  if (!j.is_object() || !j.contains("ok") || !j.at("ok").is_boolean()) {
    r.status = Status(ErrorCode::kWorkerCrashed, "worker wrote a malformed result");
    return r;
  }
  if (j.at("ok").get<bool>()) {
    r.output = j.contains("output") ? j.at("output") : nlohmann::json::object();
    return r;
  }
  const nlohmann::json e = j.contains("error") ? j.at("error") : nlohmann::json::object();
  r.status = Status(ErrorCodeFromName(StringField(e, "code", "internal")),
                    StringField(e, "message", "task failed"));
  return r;
}

}  // namespace vtp::pipeline
