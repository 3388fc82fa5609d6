// Embedded execution of one video: local worker processes run its tasks
// until it is ready or failed, with progress on a terminal. Shared by
// `vtp run` and `vtp retry`.
#pragma once

#include <string>

#include "app/runtime.h"
#include "core/status.h"
#include "ports/records.h"

namespace vtp::app {

// SIGINT/SIGTERM make Drive stop its workers (they hand their tasks back)
// and return; the job stays in the store, ready to resume.
void InstallInterruptHandler();

// Runs `workers` local workers (0: DefaultWorkers) until the video is ready
// or failed; returns its final record. Progress bars unless `quiet` or
// stderr is not a terminal.
StatusOr<ports::VideoRecord> Drive(Runtime& rt, int workers, bool quiet, const std::string& video_id);

// The error of the task that failed the video (its last attempt's), so the
// exit status names the real cause; kInternal with the video's message when
// no task failed (a planning error).
Status FailureOf(Runtime& rt, const ports::VideoRecord& video);

}  // namespace vtp::app
