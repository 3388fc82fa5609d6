// Poster selection and JPEG quality policy (pure; see media/thumbnails.h).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>
#include <tuple>

#include "media/thumbnails.h"

namespace vtp::media {

PosterStats AnalyzeLumaGrid(const uint8_t* grid, int width, int height, int stride,
                            const uint8_t* prev) {
  PosterStats s;
  if (grid == nullptr || width <= 0 || height <= 0) return s;
  double sum = 0, sum_sq = 0, edge = 0, mad = 0;
  int64_t edge_terms = 0;
  for (int y = 0; y < height; ++y) {
    const uint8_t* row = grid + static_cast<ptrdiff_t>(y) * stride;
    const uint8_t* below = y + 1 < height ? row + stride : nullptr;
    for (int x = 0; x < width; ++x) {
      double v = row[x];
      sum += v;
      sum_sq += v * v;
      if (x + 1 < width) {
        edge += std::abs(static_cast<int>(row[x + 1]) - row[x]);
        ++edge_terms;
      }
      if (below != nullptr) {
        edge += std::abs(static_cast<int>(below[x]) - row[x]);
        ++edge_terms;
      }
      if (prev != nullptr) mad += std::abs(static_cast<int>(prev[static_cast<ptrdiff_t>(y) * stride + x]) - row[x]);
    }
  }
  double n = static_cast<double>(width) * height;
  s.mean = sum / n;
  s.stddev = std::sqrt(std::max(0.0, sum_sq / n - s.mean * s.mean));
  // Two neighbour differences per pixel, as in the header's definition.
  s.edge = edge_terms > 0 ? 2.0 * edge / static_cast<double>(edge_terms) : 0;
  s.mad_prev = prev != nullptr ? mad / n : -1;
  return s;
}

namespace {
PosterCandidate At(int64_t ms, bool in_window) {
  PosterCandidate c;
  c.ms = ms;
  c.in_window = in_window;
  return c;
}
}  // namespace

PosterSchedule MakePosterSchedule(int64_t duration_ms, int64_t requested_ms) {
  PosterSchedule s;
  int64_t last = std::max<int64_t>(0, duration_ms - 1);
  if (requested_ms >= 0) {
    s.explicit_position = true;
    s.target_ms = std::min(requested_ms, last);
    s.window_start_ms = s.window_end_ms = s.target_ms;
    s.candidates.push_back(At(s.target_ms, true));
    return s;
  }
  s.target_ms = std::min<int64_t>(duration_ms / 10, 30000);
  int64_t half = std::clamp<int64_t>(duration_ms / 20, 2000, 10000);
  s.window_start_ms = std::max<int64_t>(0, s.target_ms - half);
  s.window_end_ms = std::min(last, s.target_ms + half);
  for (int64_t t = 0; t < s.window_start_ms; t += 1000) s.candidates.push_back(At(t, false));
  for (int64_t t = s.window_start_ms; t <= s.window_end_ms; t += 250) s.candidates.push_back(At(t, true));
  for (int64_t t = s.window_end_ms + 1000; t < duration_ms; t += 1000) s.candidates.push_back(At(t, false));
  return s;
}

PosterChooser::PosterChooser(PosterSchedule schedule) : s_(std::move(schedule)) {}

bool PosterChooser::Wants(size_t i) const {
  if (i >= s_.candidates.size() || i != added_ || finished_) return false;
  if (s_.explicit_position) return true;
  const PosterCandidate& c = s_.candidates[i];
  if (c.in_window || c.ms < s_.window_start_ms) return true;
  return BestInWindow() < 0 && FirstGoodAfter() < 0;
}

bool PosterChooser::Add(size_t i, const PosterStats& stats) {
  if (i != added_ || i >= s_.candidates.size() || finished_) return false;
  PosterCandidate& c = s_.candidates[i];
  c.analysed = true;
  c.stats = stats;
  c.exposed = stats.mean >= kMinMeanLuma && stats.mean <= kMaxMeanLuma;
  c.detailed = stats.stddev >= kMinStddev;
  ++added_;
  if (i > 0) Settle(i - 1, true);
  return true;
}

void PosterChooser::Finish() {
  if (finished_) return;
  if (added_ > 0) Settle(added_ - 1, false);
  finished_ = true;
}

bool PosterChooser::PairStable(size_t a, size_t b) const {
  const PosterStats& x = s_.candidates[a].stats;
  const PosterStats& y = s_.candidates[b].stats;
  double limit = std::max(kFadeAbs, kFadeRel * std::max(x.mean, y.mean));
  if (std::fabs(x.mean - y.mean) > limit) return false;
  return y.mad_prev < 0 || y.mad_prev <= kMaxMad;
}

void PosterChooser::Settle(size_t i, bool has_next) {
  PosterCandidate& c = s_.candidates[i];
  c.stable = (i == 0 || PairStable(i - 1, i)) && (!has_next || PairStable(i, i + 1));
  c.settled = true;
  double half = static_cast<double>(std::max<int64_t>(1, std::max(s_.target_ms - s_.window_start_ms,
                                                                   s_.window_end_ms - s_.target_ms)));
  double distance = std::fabs(static_cast<double>(c.ms - s_.target_ms));
  c.score = c.in_window ? c.stats.edge * (1.0 - 0.5 * std::min(1.0, distance / half)) : c.stats.edge;
}

int PosterChooser::BestInWindow() const {
  int best = -1;
  for (size_t i = 0; i < added_; ++i) {
    const PosterCandidate& c = s_.candidates[i];
    if (!c.in_window || !c.good()) continue;
    if (best < 0 || c.score > s_.candidates[static_cast<size_t>(best)].score) best = static_cast<int>(i);
  }
  return best;
}

int PosterChooser::LastGoodBefore() const {
  int found = -1;
  for (size_t i = 0; i < added_; ++i) {
    const PosterCandidate& c = s_.candidates[i];
    if (!c.in_window && c.ms < s_.window_start_ms && c.good()) found = static_cast<int>(i);
  }
  return found;
}

int PosterChooser::FirstGoodAfter() const {
  for (size_t i = 0; i < added_; ++i) {
    const PosterCandidate& c = s_.candidates[i];
    if (!c.in_window && c.ms > s_.window_end_ms && c.good()) return static_cast<int>(i);
  }
  return -1;
}

int PosterChooser::BestFallback() const {
  int best = -1;
  auto key = [&](const PosterCandidate& c) {
    int checks = (c.exposed ? 1 : 0) + (c.detailed ? 1 : 0) + (c.settled && c.stable ? 1 : 0);
    return std::make_tuple(checks, c.stats.edge, -std::llabs(c.ms - s_.target_ms));
  };
  for (size_t i = 0; i < added_; ++i) {
    const PosterCandidate& c = s_.candidates[i];
    if (!c.settled) continue;
    if (best < 0 || key(c) > key(s_.candidates[static_cast<size_t>(best)])) best = static_cast<int>(i);
  }
  return best;
}

std::vector<size_t> PosterChooser::Retained() const {
  std::set<size_t> keep;
  if (added_ > 0) keep.insert(added_ - 1);
  for (int i : {BestInWindow(), LastGoodBefore(), FirstGoodAfter(), BestFallback()}) {
    if (i >= 0) keep.insert(static_cast<size_t>(i));
  }
  return {keep.begin(), keep.end()};
}

int PosterChooser::Choose() const {
  if (added_ == 0) return -1;
  if (s_.explicit_position) return 0;
  int in_window = BestInWindow();
  if (in_window >= 0) return in_window;
  int before = LastGoodBefore(), after = FirstGoodAfter();
  if (before >= 0 || after >= 0) {
    if (before < 0) return after;
    if (after < 0) return before;
    int64_t db = s_.target_ms - s_.candidates[static_cast<size_t>(before)].ms;
    int64_t da = s_.candidates[static_cast<size_t>(after)].ms - s_.target_ms;
    return da < db ? after : before;
  }
  int fallback = BestFallback();
  // Before Finish() the last candidate is unsettled; it is still a candidate.
  return fallback >= 0 ? fallback : static_cast<int>(added_ - 1);
}

int JpegQscale(int quality) {
  int q = std::clamp(quality, 1, 100);
  double scale = q < 50 ? 5000.0 / q : 200.0 - 2.0 * q;
  return std::clamp(static_cast<int>(std::lround(0.14 * scale)), 2, 31);
}

}  // namespace vtp::media
