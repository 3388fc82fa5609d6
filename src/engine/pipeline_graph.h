// The pipeline as data. A PipelineGraph is a registry of StepDefs (name,
// dependencies, fan-out, retry policy, worker pool); ExpandTasks turns it and
// what is known about one video (JobShape) into concrete tasks with
// deterministic ids and task-level dependencies; ReadyTasks says which of
// them may start given the ones already completed. The scheduler only ever
// walks this data, so adding a step means adding a StepDef.
//
// Dependency expansion. A step's task depends, for each step it names, on
// every task of that step whose chunk and rendition agree with its own on the
// axes both steps fan out over; an axis only one side has is a fan-in (all of
// them). So transcode(per chunk) -> package(per rendition) waits for every
// chunk, while transcode(per chunk x rendition) -> package(per rendition)
// waits only for that rendition's chunks.
//
// A dependency on a step that has no tasks for this video (disabled, not
// applicable such as `split` for audio-only input, or an empty fan-out) is
// satisfied vacuously: placeholders can sit in the graph, disabled, and
// enabling one inserts it without touching its neighbours.
//
// Incremental planning. The shape is learnt as the job runs: has_video /
// has_audio after probe, chunks and renditions after split. A step whose
// expansion needs something still unknown, or that depends on such a step,
// is left out of the plan; the scheduler expands again when it learns more.
// Ids are deterministic, so a re-expansion returns the earlier tasks
// unchanged and the store's idempotent CreateTasks inserts only new ones.
//
// Pure and thread-compatible (const methods may be called concurrently).
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "engine/retry_policy.h"
#include "ports/records.h"

namespace vtp::engine {

enum class FanOut {
  kNone,                // one task per video
  kPerChunk,            // one per chunk
  kPerRendition,        // one per rendition
  kPerChunkXRendition,  // one per (chunk, rendition)
};
std::string_view FanOutName(FanOut f);

// Which videos a step applies to.
enum class Applies {
  kAlways,
  kIfVideo,  // input has a video stream
  kIfAudio,  // input has an audio stream
};

struct StepDef {
  std::string name;                     // [a-z0-9_]+, unique in the graph
  std::vector<std::string> depends_on;  // step names
  FanOut fan_out = FanOut::kNone;
  Applies applies = Applies::kAlways;
  RetryPolicy retry;
  std::string pool = "cpu";  // worker pool that leases its tasks
  // Accelerated pools that may run this step instead, in order of
  // preference ("gpu-nvenc"). A task of the step goes to the first of them
  // that a live registered worker leases from when the scheduler creates
  // it, else to `pool`; waiting tasks move back to `pool` when those workers
  // go away or the wait grows too long (Scheduler::RerouteWaiting). Empty:
  // always `pool`. Data, not code: a deployment changes it with
  // PipelineGraph::SetGpuPools / ApplyGpuRoutes.
  std::vector<std::string> gpu_pools;
  // The video codec whose renditions this step produces or handles ("" =
  // every codec). A per-rendition fan-out covers only that codec's
  // renditions, and a task of another codec's rendition does not depend on
  // this step: package(hevc_720p) waits for transcode_hevc, not for the
  // H.264 chunks, while a rendition-less step (manifest) waits for all.
  std::string codec;
  bool enabled = true;
  // What videos.status says while this is the earliest unfinished step.
  ports::VideoStatus phase = ports::VideoStatus::kTranscoding;
};

class PipelineGraph {
 public:
  // kInvalidArgument for a bad name, kAlreadyExists for a duplicate.
  // Dependencies may name steps added later; Validate checks them.
  Status AddStep(StepDef step);
  // kNotFound for an unknown step.
  Status SetEnabled(std::string_view name, bool enabled);
  // Replaces the step's accelerated pools (empty: CPU only). kNotFound for
  // an unknown step; Validate checks the names.
  Status SetGpuPools(std::string_view name, std::vector<std::string> pools);

  // Unknown dependencies, self-dependencies, cycles, invalid retry policies,
  // empty pools and accelerated pools that are empty, repeated or the
  // step's own pool are kInvalidArgument.
  Status Validate() const;

  const StepDef* Find(std::string_view name) const;
  // In insertion order.
  const std::vector<StepDef>& steps() const { return steps_; }
  // Dependencies before dependents; ties keep insertion order, so the order
  // is deterministic. kInvalidArgument when Validate fails.
  StatusOr<std::vector<const StepDef*>> TopologicalOrder() const;

 private:
  std::vector<StepDef> steps_;
};

// Today's pipeline (pipeline/run_job.cc) plus placeholders:
//   ingest -> probe -> split -> transcode (per chunk, every rung of the
//   chunk in one task) -> package (per rendition) -> manifest -> publish;
//   audio after probe and split (it is cut against split's video origin),
//   package_audio after audio and transcode (it needs the presentation delay
//   chunk 0 reports; the whole step is the granularity, so all chunks);
//   thumbnails, subtitles and captions after probe and split (they are cut
//   against the video's origin), all three before manifest, which lists
//   them; drm (one task, after package and package_audio, before
//   manifest; the planner skips it for jobs without DRM); disabled: verify
//   (per rendition, after package and drm, before publish).
// Retry policies are DefaultRetryPolicy(name); every pool is "cpu"; the
// accelerated pools are DefaultGpuRoutes().
PipelineGraph DefaultPipelineGraph();

// Which steps may run on which accelerated pools by default:
// transcode_hevc -> gpu-nvenc. H.264 stays on the CPU (the seed's choice:
// x264 quality per bit at the ladder's rates), and FFmpeg 5.1 has no NVENC
// encoder for VP9 or AV1. Pool names are domain/ladder.h's kNvencPool etc.
struct GpuRoute {
  std::string step;
  std::vector<std::string> pools;
};
const std::vector<GpuRoute>& DefaultGpuRoutes();

// A deployment's routing table over `graph`: "STEP=POOL[+POOL...]" entries
// joined by ',' ("transcode_hevc=gpu-nvenc,transcode=gpu-nvenc";
// "transcode_hevc=" sends the step to the CPU only). Steps not named keep
// their pools. kInvalidArgument for a malformed spec (the graph is left
// unchanged), kNotFound for an unknown step.
Status ApplyGpuRoutes(PipelineGraph& graph, std::string_view spec);
// Every accelerated pool some step of `graph` names.
std::set<std::string> AcceleratedPools(const PipelineGraph& graph);

// A rendition as the task id and the seed's tasks table name it.
struct RenditionRef {
  std::string codec;  // "h264", "aac"
  std::string name;   // "720p", "128k"
  // "h264_720p": the id segment.
  std::string Id() const { return codec + "_" + name; }
  bool operator==(const RenditionRef&) const = default;
};

// What is known about one video; nullopt = not known yet.
struct JobShape {
  std::string video_id;  // [A-Za-z0-9_-]+
  std::optional<bool> has_video;
  std::optional<bool> has_audio;
  std::optional<int> chunks;                              // from split
  std::optional<std::vector<RenditionRef>> renditions;    // video rungs
  // Steps this video does not run although the graph enables them (a job
  // that asked for no captions, an input with no subtitles to convert): they
  // have no tasks, and dependencies on them are satisfied vacuously.
  std::set<std::string> skipped_steps;
};

struct TaskPlan {
  // "<video>/<step>", "<video>/<step>/chunk_003", "<video>/<step>/h264_720p",
  // "<video>/<step>/chunk_003/h264_720p".
  std::string id;
  std::string step;
  std::optional<int> chunk;
  std::optional<RenditionRef> rendition;
  std::vector<std::string> depends_on;  // task ids, in plan order
  // The step's pool from ExpandTasks; the scheduler replaces it with the
  // accelerated pool it routes the task to before asking for parameters.
  std::string pool;
  RetryPolicy retry;
};

// True when every task of `dependent` needs every task of `dependency` (the
// two share no fan-out axis): then none of them can start while any task of
// `dependency` is unfinished.
bool WaitsForAll(const StepDef& dependent, const StepDef& dependency);

std::string TaskId(std::string_view video_id, std::string_view step, std::optional<int> chunk,
                   const std::optional<RenditionRef>& rendition);
// "chunk_003" (at least three digits).
std::string ChunkName(int chunk);

// Limits that keep one video's plan bounded.
inline constexpr int kMaxChunks = 100'000;
inline constexpr size_t kMaxRenditions = 64;

// Every task that can be planned from `shape`, dependencies before
// dependents (steps in TopologicalOrder, then chunk, then rendition).
// kInvalidArgument for an invalid graph or shape (bad video id, negative or
// too many chunks, duplicate or malformed renditions).
StatusOr<std::vector<TaskPlan>> ExpandTasks(const PipelineGraph& graph, const JobShape& shape);

// Ids of the tasks of `plan` that are not in `completed` and whose
// dependencies all are, in plan order. The caller drops those already queued
// or running.
std::vector<std::string> ReadyTasks(const std::vector<TaskPlan>& plan, const std::set<std::string>& completed);

}  // namespace vtp::engine
