#include "engine/pipeline_graph.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <utility>

namespace vtp::engine {
namespace {

constexpr size_t kMaxStepName = 64;
constexpr size_t kMaxVideoId = 128;
constexpr size_t kMaxRenditionPart = 32;

bool AllOf(std::string_view s, bool (*ok)(char)) {
  return std::all_of(s.begin(), s.end(), ok);
}
bool IsStepChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }
bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool IsVideoIdChar(char c) { return IsAlnum(c) || c == '_' || c == '-'; }
// No '_': it joins codec and name in RenditionRef::Id().
bool IsRenditionChar(char c) { return IsAlnum(c) || c == '-'; }

bool HasChunkAxis(FanOut f) { return f == FanOut::kPerChunk || f == FanOut::kPerChunkXRendition; }
bool HasRenditionAxis(FanOut f) { return f == FanOut::kPerRendition || f == FanOut::kPerChunkXRendition; }

Status ValidateShape(const JobShape& s) {
  if (s.video_id.empty() || s.video_id.size() > kMaxVideoId || !AllOf(s.video_id, IsVideoIdChar)) {
    return InvalidArgument("video id must be 1-128 characters of [A-Za-z0-9_-]: '" + s.video_id + "'");
  }
  if (s.chunks && (*s.chunks < 0 || *s.chunks > kMaxChunks)) {
    return InvalidArgument("chunk count out of range: " + std::to_string(*s.chunks));
  }
  if (!s.renditions) return Status::Ok();
  if (s.renditions->size() > kMaxRenditions) return InvalidArgument("too many renditions");
  std::set<std::string> seen;
  for (const auto& r : *s.renditions) {
    for (const std::string* part : {&r.codec, &r.name}) {
      if (part->empty() || part->size() > kMaxRenditionPart || !AllOf(*part, IsRenditionChar)) {
        return InvalidArgument("rendition codec/name must be 1-32 characters of [A-Za-z0-9-]: '" + r.Id() + "'");
      }
    }
    if (!seen.insert(r.Id()).second) return InvalidArgument("duplicate rendition " + r.Id());
  }
  return Status::Ok();
}

// The tasks of one step, or "cannot tell yet".
struct StepTasks {
  bool deferred = false;
  std::vector<size_t> tasks;  // indexes into the plan
};

// The (chunk, rendition) coordinates of a step's tasks, or why there are none.
struct Coordinates {
  bool deferred = false;      // needs something not known yet
  bool inapplicable = false;  // disabled, or not for this kind of input
  std::vector<std::pair<std::optional<int>, std::optional<RenditionRef>>> cells;
};

Coordinates CellsOf(const StepDef& step, const JobShape& shape) {
  Coordinates c;
  if (!step.enabled || shape.skipped_steps.count(step.name)) {
    c.inapplicable = true;
    return c;
  }
  std::optional<bool> applies = true;
  if (step.applies == Applies::kIfVideo) applies = shape.has_video;
  if (step.applies == Applies::kIfAudio) applies = shape.has_audio;
  bool need_chunks = HasChunkAxis(step.fan_out), need_rends = HasRenditionAxis(step.fan_out);
  if (!applies || (*applies && ((need_chunks && !shape.chunks) || (need_rends && !shape.renditions)))) {
    c.deferred = true;
    return c;
  }
  if (!*applies) {
    c.inapplicable = true;
    return c;
  }
  std::vector<std::optional<int>> chunks = {std::nullopt};
  if (need_chunks) {
    chunks.clear();
    for (int i = 0; i < *shape.chunks; ++i) chunks.push_back(i);
  }
  std::vector<std::optional<RenditionRef>> rends = {std::nullopt};
  if (need_rends) {
    rends.clear();
    for (const auto& r : *shape.renditions) {
      if (step.codec.empty() || r.codec == step.codec) rends.push_back(r);
    }
  }
  for (const auto& ch : chunks) {
    for (const auto& r : rends) c.cells.emplace_back(ch, r);
  }
  return c;
}

// Parent task ids grouped by the axes parent and child share, so each child
// finds its parents with one lookup instead of a scan.
using AxisKey = std::pair<int, std::string>;
AxisKey KeyFor(const TaskPlan& t, bool chunk_axis, bool rendition_axis) {
  return {chunk_axis && t.chunk ? *t.chunk : -1, rendition_axis && t.rendition ? t.rendition->Id() : ""};
}

// Adds to plan[child_begin..] (one step's tasks) their dependencies on the
// tasks of one parent step, all earlier in `plan`.
void AddDependencies(std::vector<TaskPlan>& plan, const StepTasks& parent, const StepDef& parent_step,
                     FanOut child_fan, size_t child_begin) {
  FanOut parent_fan = parent_step.fan_out;
  bool chunk_axis = HasChunkAxis(parent_fan) && HasChunkAxis(child_fan);
  bool rendition_axis = HasRenditionAxis(parent_fan) && HasRenditionAxis(child_fan);
  std::map<AxisKey, std::vector<const std::string*>> index;
  for (size_t i : parent.tasks) index[KeyFor(plan[i], chunk_axis, rendition_axis)].push_back(&plan[i].id);
  for (size_t i = child_begin; i < plan.size(); ++i) {
    const auto& r = plan[i].rendition;
    if (!parent_step.codec.empty() && r && r->codec != parent_step.codec) continue;
    auto it = index.find(KeyFor(plan[i], chunk_axis, rendition_axis));
    if (it == index.end()) continue;
    for (const std::string* id : it->second) plan[i].depends_on.push_back(*id);
  }
}

}  // namespace

std::string_view FanOutName(FanOut f) {
  switch (f) {
    case FanOut::kNone: return "none";
    case FanOut::kPerChunk: return "per_chunk";
    case FanOut::kPerRendition: return "per_rendition";
    case FanOut::kPerChunkXRendition: return "per_chunk_x_rendition";
  }
  return "unknown";
}

Status PipelineGraph::AddStep(StepDef step) {
  if (step.name.empty() || step.name.size() > kMaxStepName || !AllOf(step.name, IsStepChar)) {
    return InvalidArgument("step name must be 1-64 characters of [a-z0-9_]: '" + step.name + "'");
  }
  if (Find(step.name)) return Status(ErrorCode::kAlreadyExists, "duplicate step '" + step.name + "'");
  steps_.push_back(std::move(step));
  return Status::Ok();
}

Status PipelineGraph::SetEnabled(std::string_view name, bool enabled) {
  for (auto& s : steps_) {
    if (s.name == name) {
      s.enabled = enabled;
      return Status::Ok();
    }
  }
  return NotFound("no step '" + std::string(name) + "'");
}

Status PipelineGraph::SetGpuPools(std::string_view name, std::vector<std::string> pools) {
  for (auto& s : steps_) {
    if (s.name == name) {
      s.gpu_pools = std::move(pools);
      return Status::Ok();
    }
  }
  return NotFound("no step '" + std::string(name) + "'");
}

const StepDef* PipelineGraph::Find(std::string_view name) const {
  for (const auto& s : steps_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Status PipelineGraph::Validate() const {
  for (const auto& s : steps_) {
    for (const auto& d : s.depends_on) {
      if (d == s.name) return InvalidArgument("step '" + s.name + "' depends on itself");
      if (!Find(d)) return InvalidArgument("step '" + s.name + "' depends on unknown step '" + d + "'");
    }
    if (s.pool.empty()) return InvalidArgument("step '" + s.name + "' has no worker pool");
    std::set<std::string_view> gpu;
    for (const auto& p : s.gpu_pools) {
      if (p.empty() || p == s.pool || !gpu.insert(p).second) {
        return InvalidArgument("step '" + s.name + "' has an empty, repeated or CPU pool '" + p +
                               "' among its accelerated pools");
      }
    }
    RETURN_IF_ERROR(ValidateRetryPolicy(s.retry).WithContext("step '" + s.name + "'"));
  }
  // Kahn's algorithm, always taking the earliest-added step that is free.
  std::set<std::string_view> placed;
  while (placed.size() < steps_.size()) {
    const StepDef* next = nullptr;
    for (const auto& s : steps_) {
      if (placed.count(s.name)) continue;
      bool free = std::all_of(s.depends_on.begin(), s.depends_on.end(),
                              [&](const std::string& d) { return placed.count(d) > 0; });
      if (free) {
        next = &s;
        break;
      }
    }
    if (!next) {
      std::string cycle;
      for (const auto& s : steps_) {
        if (!placed.count(s.name)) cycle += (cycle.empty() ? "" : ", ") + s.name;
      }
      return InvalidArgument("dependency cycle among steps: " + cycle);
    }
    placed.insert(next->name);
  }
  return Status::Ok();
}

StatusOr<std::vector<const StepDef*>> PipelineGraph::TopologicalOrder() const {
  RETURN_IF_ERROR(Validate());
  std::vector<const StepDef*> order;
  std::set<std::string_view> placed;
  while (order.size() < steps_.size()) {
    for (const auto& s : steps_) {
      if (placed.count(s.name)) continue;
      if (std::all_of(s.depends_on.begin(), s.depends_on.end(),
                      [&](const std::string& d) { return placed.count(d) > 0; })) {
        order.push_back(&s);
        placed.insert(s.name);
        break;
      }
    }
  }
  return order;
}

bool WaitsForAll(const StepDef& dependent, const StepDef& dependency) {
  FanOut a = dependent.fan_out, b = dependency.fan_out;
  return !(HasChunkAxis(a) && HasChunkAxis(b)) && !(HasRenditionAxis(a) && HasRenditionAxis(b));
}

std::string ChunkName(int chunk) {
  char b[32];
  std::snprintf(b, sizeof(b), "chunk_%03d", chunk);
  return b;
}

std::string TaskId(std::string_view video_id, std::string_view step, std::optional<int> chunk,
                   const std::optional<RenditionRef>& rendition) {
  std::string id = std::string(video_id) + "/" + std::string(step);
  if (chunk) id += "/" + ChunkName(*chunk);
  if (rendition) id += "/" + rendition->Id();
  return id;
}

StatusOr<std::vector<TaskPlan>> ExpandTasks(const PipelineGraph& graph, const JobShape& shape) {
  RETURN_IF_ERROR(ValidateShape(shape));
  ASSIGN_OR_RETURN(std::vector<const StepDef*> order, graph.TopologicalOrder());
  std::vector<TaskPlan> plan;
  std::map<std::string_view, StepTasks> by_step;
  for (const StepDef* step : order) {
    StepTasks& mine = by_step[step->name];
    Coordinates cells = CellsOf(*step, shape);
    // A step that will have no tasks is known to be empty even while its
    // dependencies are still unknown.
    mine.deferred = cells.deferred;
    for (const auto& d : step->depends_on) {
      mine.deferred = mine.deferred || (!cells.inapplicable && by_step.at(d).deferred);
    }
    if (mine.deferred) continue;
    size_t begin = plan.size();
    for (auto& [chunk, rendition] : cells.cells) {
      TaskPlan t;
      t.id = TaskId(shape.video_id, step->name, chunk, rendition);
      t.step = step->name;
      t.chunk = chunk;
      t.rendition = rendition;
      t.pool = step->pool;
      t.retry = step->retry;
      mine.tasks.push_back(plan.size());
      plan.push_back(std::move(t));
    }
    for (const auto& d : step->depends_on) {
      AddDependencies(plan, by_step.at(d), *graph.Find(d), step->fan_out, begin);
    }
  }
  return plan;
}

std::vector<std::string> ReadyTasks(const std::vector<TaskPlan>& plan, const std::set<std::string>& completed) {
  std::vector<std::string> ready;
  for (const auto& t : plan) {
    if (completed.count(t.id)) continue;
    bool free = std::all_of(t.depends_on.begin(), t.depends_on.end(),
                            [&](const std::string& d) { return completed.count(d) > 0; });
    if (free) ready.push_back(t.id);
  }
  return ready;
}

namespace {
// videos.status while the step is the earliest one unfinished.
ports::VideoStatus PhaseOf(std::string_view step) {
  if (step == "ingest" || step == "probe") return ports::VideoStatus::kProbing;
  if (step == "split" || step.substr(0, 9) == "transcode" || step == "audio" || step == "thumbnails" ||
      step == "subtitles" || step == "captions") {
    return ports::VideoStatus::kTranscoding;
  }
  return ports::VideoStatus::kPackaging;
}
}  // namespace

const std::vector<GpuRoute>& DefaultGpuRoutes() {
  static const std::vector<GpuRoute> routes = {
      {"transcode_hevc", {"gpu-nvenc"}},
  };
  return routes;
}

Status ApplyGpuRoutes(PipelineGraph& graph, std::string_view spec) {
  std::vector<GpuRoute> routes;
  size_t start = 0;
  while (start < spec.size()) {
    size_t comma = spec.find(',', start);
    if (comma == std::string_view::npos) comma = spec.size();
    std::string_view entry = spec.substr(start, comma - start);
    start = comma + 1;
    if (entry.empty()) continue;
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return InvalidArgument("GPU route '" + std::string(entry) + "' is not STEP=POOL[+POOL...]");
    }
    GpuRoute r{std::string(entry.substr(0, eq)), {}};
    std::string_view pools = entry.substr(eq + 1);
    size_t p = 0;
    while (p < pools.size()) {
      size_t plus = pools.find('+', p);
      if (plus == std::string_view::npos) plus = pools.size();
      if (plus == p) return InvalidArgument("GPU route '" + std::string(entry) + "' has an empty pool");
      r.pools.emplace_back(pools.substr(p, plus - p));
      p = plus + 1;
    }
    routes.push_back(std::move(r));
  }
  for (const auto& r : routes) {
    if (!graph.Find(r.step)) return NotFound("GPU route names no step of the graph: '" + r.step + "'");
  }
  PipelineGraph changed = graph;
  for (auto& r : routes) RETURN_IF_ERROR(changed.SetGpuPools(r.step, std::move(r.pools)));
  RETURN_IF_ERROR(changed.Validate());
  graph = std::move(changed);
  return Status::Ok();
}

std::set<std::string> AcceleratedPools(const PipelineGraph& graph) {
  std::set<std::string> pools;
  for (const auto& s : graph.steps()) pools.insert(s.gpu_pools.begin(), s.gpu_pools.end());
  return pools;
}

PipelineGraph DefaultPipelineGraph() {
  struct Row {
    const char* name;
    std::vector<std::string> deps;
    FanOut fan_out;
    Applies applies;
    bool enabled;
    const char* codec = "";
  };
  // clang-format off
  const std::vector<Row> rows = {
      {"ingest",        {},                                             FanOut::kNone,         Applies::kAlways,  true},
      {"probe",         {"ingest"},                                     FanOut::kNone,         Applies::kAlways,  true},
      {"split",         {"probe"},                                      FanOut::kNone,         Applies::kIfVideo, true},
      // H.264's chunks are not bound to their codec: every package task
      // waits for them, because every codec's track starts at the
      // presentation delay H.264's chunk 0 reports (audio shares it).
      {"transcode",     {"split"},                                      FanOut::kPerChunk,     Applies::kIfVideo, true, ""},
      {"transcode_hevc", {"split"},                                     FanOut::kPerChunk,     Applies::kIfVideo, true, "hevc"},
      {"transcode_vp9", {"split"},                                      FanOut::kPerChunk,     Applies::kIfVideo, true, "vp9"},
      {"transcode_av1", {"split"},                                      FanOut::kPerChunk,     Applies::kIfVideo, true, "av1"},
      {"audio",         {"probe", "split"},                             FanOut::kNone,         Applies::kIfAudio, true},
      {"package",       {"transcode", "transcode_hevc", "transcode_vp9", "transcode_av1"},
                                                                        FanOut::kPerRendition, Applies::kIfVideo, true},
      {"package_audio", {"audio", "transcode"},                         FanOut::kNone,         Applies::kIfAudio, true},
      {"thumbnails",    {"probe", "split"},                             FanOut::kNone,         Applies::kIfVideo, true},
      {"subtitles",     {"probe", "split"},                             FanOut::kNone,         Applies::kAlways,  true},
      {"captions",      {"probe", "split"},                             FanOut::kNone,         Applies::kIfAudio, true},
      // One task encrypts every rendition: keys are fetched once, and a key
      // server outage retries this step alone.
      {"drm",           {"package", "package_audio"},                   FanOut::kNone,         Applies::kAlways,  true},
      {"verify",        {"package", "drm"},                             FanOut::kPerRendition, Applies::kIfVideo, false},
      {"manifest",      {"package", "package_audio", "drm", "thumbnails", "subtitles", "captions"},
                                                                        FanOut::kNone,         Applies::kAlways,  true},
      {"publish",       {"manifest", "verify"},                         FanOut::kNone,         Applies::kAlways,  true},
  };
  // clang-format on
  PipelineGraph g;
  for (const auto& r : rows) {
    StepDef s;
    s.name = r.name;
    s.depends_on = r.deps;
    s.fan_out = r.fan_out;
    s.applies = r.applies;
    s.retry = DefaultRetryPolicy(r.name);
    s.enabled = r.enabled;
    s.codec = r.codec;
    s.phase = PhaseOf(s.name);
    // Names are valid and unique by construction; the table is the contract.
    (void)g.AddStep(std::move(s));
  }
  for (const auto& r : DefaultGpuRoutes()) (void)g.SetGpuPools(r.step, r.pools);
  return g;
}

}  // namespace vtp::engine
