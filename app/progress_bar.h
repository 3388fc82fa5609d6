// Terminal progress for `vtp run`: one line per step plus an overall bar,
// redrawn in place. Silent when stderr is not a terminal.
#pragma once

#include <vector>

#include "pipeline/run_job.h"

namespace vtp::app {

class ProgressBar : public pipeline::ProgressListener {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  void OnProgress(const std::vector<pipeline::StepProgress>& steps) override;
  // Leaves the cursor below the last drawing.
  void Finish();

 private:
  bool enabled_;
  int lines_drawn_ = 0;
};

}  // namespace vtp::app
