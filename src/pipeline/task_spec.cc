#include "pipeline/task_spec.h"

namespace vtp::pipeline {

nlohmann::json ToJson(const TaskSpec& t) {
  return {{"id", t.id}, {"step", t.step}, {"params", t.params}};
}

StatusOr<TaskSpec> TaskSpecFromJson(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("id") || !j.contains("step")) {
    return InvalidArgument("task file must hold an object with id and step");
  }
  TaskSpec t;
  t.id = j.at("id").get<std::string>();
  t.step = j.at("step").get<std::string>();
  t.params = j.value("params", nlohmann::json::object());
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
  if (j.value("ok", false)) {
    r.output = j.value("output", nlohmann::json::object());
    return r;
  }
  const auto& e = j.value("error", nlohmann::json::object());
  r.status = Status(ErrorCodeFromName(e.value("code", "internal")), e.value("message", "task failed"));
  return r;
}

}  // namespace vtp::pipeline
