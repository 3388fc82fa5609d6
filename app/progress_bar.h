// Terminal progress for `vtp run`: one line per step plus an overall bar,
// redrawn in place. Silent when stderr is not a terminal.
#pragma once

#include <string>
#include <vector>

namespace vtp::app {

// Progress of one step: `done` of `total` tasks.
struct StepProgress {
  std::string step;
  int done = 0;
  int total = 0;
};

class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  void OnProgress(const std::vector<StepProgress>& steps);
  // Leaves the cursor below the last drawing.
  void Finish();

 private:
  bool enabled_;
  int lines_drawn_ = 0;
};

}  // namespace vtp::app
