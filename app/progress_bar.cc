#include "app/progress_bar.h"

#include <cstdio>
#include <string>

namespace vtp::app {
namespace {

std::string Bar(double fraction, int width) {
  int filled = static_cast<int>(fraction * width + 0.5);
  std::string s = "[";
  for (int i = 0; i < width; ++i) s += i < filled ? "#" : ".";
  return s + "]";
}

}  // namespace

void ProgressBar::OnProgress(const std::vector<StepProgress>& steps) {
  if (!enabled_) return;
  if (lines_drawn_ > 0) std::fprintf(stderr, "\x1b[%dA", lines_drawn_);
  double sum = 0;
  int counted = 0;
  for (const auto& s : steps) {
    double f = s.total > 0 ? static_cast<double>(s.done) / s.total : 0.0;
    sum += f;
    ++counted;
    std::fprintf(stderr, "\r\x1b[2K  %-10s %s %3d/%-3d\n", s.step.c_str(), Bar(f, 30).c_str(), s.done, s.total);
  }
  double overall = counted ? sum / counted : 0;
  std::fprintf(stderr, "\r\x1b[2K  %-10s %s %3.0f%%\n", "overall", Bar(overall, 30).c_str(), overall * 100);
  lines_drawn_ = counted + 1;
  std::fflush(stderr);
}

void ProgressBar::Finish() { lines_drawn_ = 0; }

}  // namespace vtp::app
