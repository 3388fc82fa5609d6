// `vtp _task TASKFILE RESULTFILE`: the body of a local worker process.
#include <cstdio>
#include <fstream>

#include "app/commands.h"
#include "media/logging.h"
#include "pipeline/task_spec.h"

namespace vtp::app {

int TaskCommand(int argc, char** argv) {
  if (argc != 2) {
    std::fputs("usage: vtp _task TASKFILE RESULTFILE (internal)\n", stderr);
    return 2;
  }
  media::ConfigureLibavLogging();
  pipeline::TaskResult result;
  std::ifstream in(argv[0]);
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) {
    result.status = InvalidArgument(std::string("unreadable task file ") + argv[0]);
  } else {
    auto task = pipeline::TaskSpecFromJson(j);
    result = task.ok() ? pipeline::ExecuteTask(*task) : pipeline::TaskResult{task.status(), {}};
  }
  // Written to a temporary name first: the orchestrator treats a missing
  // result file as a crash, never a half-written one as a result.
  std::string tmp = std::string(argv[1]) + ".part";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << pipeline::ToJson(result).dump();
    if (!out) return 70;
  }
  if (std::rename(tmp.c_str(), argv[1]) != 0) return 70;
  return result.status.ok() ? 0 : ErrorCodeExitStatus(result.status.code());
}

}  // namespace vtp::app
