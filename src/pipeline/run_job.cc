#include "pipeline/run_job.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>

#include "domain/ladder.h"
#include "domain/segment_plan.h"
#include "media/probe.h"
#include "pipeline/json_codec.h"
#include "pipeline/manifests.h"
#include "pipeline/output_dir.h"
#include "pipeline/task_spec.h"
#include "pipeline/worker_pool.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace vtp::pipeline {
namespace {

constexpr int kAudioBitrate = 128000;
constexpr int kAudioSampleRate = 48000;
// libavcodec's AAC encoder delay; checked against the audio task's report.
constexpr int64_t kAacPrimingSamples = 1024;
constexpr char kAudioName[] = "aac_128k";

double SelfCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

std::string ChunkName(int i) {
  char b[32];
  std::snprintf(b, sizeof(b), "chunk_%03d", i);
  return b;
}

Rational FrameRateOf(const MediaInfo& info, double fallback_fps) {
  const StreamInfo* v = info.video_stream();
  if (v && v->video && v->video->avg_frame_rate.num > 0 && v->video->avg_frame_rate.den > 0) {
    return v->video->avg_frame_rate;
  }
  int64_t den = 1000;
  return {static_cast<int64_t>(fallback_fps * static_cast<double>(den) + 0.5), den};
}

media::PictureConditioning ConditioningFor(const VideoInfo& v) {
  media::PictureConditioning c;
  c.deinterlace = v.field_order == FieldOrder::kTopFirst || v.field_order == FieldOrder::kBottomFirst;
  c.rotation = v.rotation;
  // H.264 renditions are SDR 8-bit: HDR is tone-mapped, not just truncated.
  c.tonemap_to_sdr = v.hdr != HdrType::kSdr;
  c.color_transfer = v.color_transfer;
  c.color_primaries = v.color_primaries;
  c.color_matrix = v.color_matrix;
  return c;
}

// The job's mutable state while the orchestrator loop runs.
class Job {
 public:
  Job(const RunOptions& o, ProgressListener* p, MediaInfo info, std::string out, std::string work)
      : opts_(o), progress_(p), info_(std::move(info)), out_(std::move(out)), work_(std::move(work)) {}

  Status Run(LocalWorkerPool& pool) {
    pool_ = &pool;
    InitProgress();
    if (info_.video_stream()) {
      RETURN_IF_ERROR(Submit(SplitTask()));
    } else {
      RETURN_IF_ERROR(SubmitAudio(info_.audio_stream()->start_time, 0));
    }
    while (pool.busy()) {
      ASSIGN_OR_RETURN(Completion c, pool.WaitOne());
      Account(c);
      if (!c.result.status.ok()) {
        return c.result.status.WithContext("step " + c.task.step + " (" + c.task.id + ")");
      }
      RETURN_IF_ERROR(OnDone(c));
      Report();
    }
    return WriteManifests();
  }

  RunReport& report() { return report_; }

 private:
  TaskSpec SplitTask() {
    json p = {{"input", opts_.input}, {"video_stream", info_.primary_video},
              {"segment_seconds", opts_.segment_seconds}, {"gop_seconds", opts_.gop_seconds},
              {"workers", workers()}, {"max_chunks", opts_.max_chunks},
              {"chunks_dir", work_ + "/chunks"}};
    return {"split", kStepSplit, p};
  }

  int workers() const { return opts_.workers; }

  Status Submit(TaskSpec t) {
    started_[t.step] = started_.count(t.step) ? started_[t.step] : MonotonicSeconds();
    return pool_->Submit(std::move(t));
  }

  Status SubmitAudio(double origin_seconds, double max_seconds) {
    if (!info_.audio_stream()) return Status::Ok();
    json p = {{"input", opts_.input}, {"stream", info_.primary_audio},
              {"origin_seconds", origin_seconds}, {"max_seconds", max_seconds},
              {"bitrate", kAudioBitrate}, {"sample_rate", kAudioSampleRate},
              {"output", work_ + "/audio.nut"}};
    return Submit({"audio", kStepAudio, p});
  }

  Status OnSplit(const json& out) {
    plan_ = PlanFromJson(out);
    const VideoInfo& v = *info_.video_stream()->video;
    double fps = out.value("index_frame_rate", 30.0);
    frame_rate_ = FrameRateOf(info_, fps);
    ASSIGN_OR_RETURN(renditions_, SelectH264Ladder(v, frame_rate_.ToDouble()));
    for (auto& r : renditions_) r.preset = opts_.x264_preset;
    report_.chunks = static_cast<int>(plan_.chunks.size());
    SetTotal(kStepTranscode, static_cast<int>(plan_.chunks.size()));
    SetTotal(kStepPackage, static_cast<int>(renditions_.size()) + (info_.audio_stream() ? 1 : 0));
    double tb = plan_.time_base.ToDouble();
    // The chunk timeline is the source's shifted by `offset`; audio is cut
    // against the source's own seconds.
    double origin_s = static_cast<double>(plan_.origin - out.at("offset").get<int64_t>()) * tb;
    video_seconds_ = static_cast<double>(out.at("end").get<int64_t>() - plan_.origin) * tb;
    // Audio first: it is one task that would otherwise finish last, after
    // every chunk, and hold packaging up.
    RETURN_IF_ERROR(SubmitAudio(origin_s, video_seconds_));
    for (size_t i = 0; i < plan_.chunks.size(); ++i) RETURN_IF_ERROR(Submit(TranscodeTask(out, i, v)));
    return Status::Ok();
  }

  TaskSpec TranscodeTask(const json& out, size_t i, const VideoInfo& v) {
    const Chunk& c = plan_.chunks[i];
    std::vector<int64_t> forces;
    for (int64_t k : plan_.keyframe_forces) {
      if (k >= c.start && (c.end == INT64_MAX || k < c.end)) forces.push_back(k);
    }
    json rends = json::array(), outputs = json::array();
    for (const auto& r : renditions_) {
      rends.push_back(RenditionToJson(r));
      fs::create_directories(work_ + "/enc/" + r.name);
      outputs.push_back(work_ + "/enc/" + r.name + "/" + ChunkName(static_cast<int>(i)) + ".nut");
    }
    double fps = frame_rate_.ToDouble() > 0 ? frame_rate_.ToDouble() : 30;
    json p = {{"chunk_path", out.at("chunks").at(i).at("path")},
              {"time_base", RationalToJson(plan_.time_base)},
              {"frame_rate", RationalToJson(frame_rate_)},
              {"origin", plan_.origin}, {"start", c.start},
              {"end", c.end == INT64_MAX ? json(nullptr) : json(c.end)},
              {"last_frame_duration", SecondsToTicks(1.0 / fps, plan_.time_base)},
              {"keyframe_forces", forces},
              {"conditioning", ConditioningToJson(ConditioningFor(v))},
              {"renditions", rends}, {"outputs", outputs},
              {"encoder_threads", opts_.encoder_threads}};
    return {"transcode/" + ChunkName(static_cast<int>(i)), kStepTranscode, p};
  }

  json Boundaries() const {
    json b = json::array();
    for (int64_t s : plan_.segment_starts) b.push_back(s - plan_.origin);
    return b;
  }

  TaskSpec PackageTask(const std::string& name, const std::string& dir, bool video,
                       std::vector<std::string> inputs, int64_t priming, int64_t shift) {
    json p = {{"inputs", inputs}, {"video", video}, {"priming", priming}, {"shift", shift},
              {"out_dir", out_ + "/" + dir}};
    if (info_.video_stream()) {
      p["boundaries"] = Boundaries();
      p["boundary_time_base"] = RationalToJson(plan_.time_base);
    } else {
      json b = json::array();
      double d = info_.audio_stream()->duration > 0 ? info_.audio_stream()->duration : info_.duration;
      int64_t seg_ms = static_cast<int64_t>(opts_.segment_seconds * 1000);
      for (int64_t t = 0; t == 0 || static_cast<double>(t) < d * 1000; t += seg_ms) b.push_back(t);
      p["boundaries"] = b;
      p["boundary_time_base"] = RationalToJson({1, 1000});
    }
    return {"package/" + name, kStepPackage, p};
  }

  Status OnDone(const Completion& c) {
    Bump(c.task.step);
    if (c.task.step == kStepSplit) return OnSplit(c.result.output);
    if (c.task.step == kStepTranscode) {
      if (c.task.id == "transcode/" + ChunkName(0)) {
        for (int64_t d : c.result.output.at("delays")) delay_ = std::max(delay_, d);
        // The presentation delay must also cover the AAC priming, so that
        // audio's first (priming) packet never lands before time 0.
        if (info_.audio_stream()) {
          double tb = plan_.time_base.ToDouble();
          auto priming = static_cast<int64_t>(std::ceil(kAacPrimingSamples / (kAudioSampleRate * tb)));
          delay_ = std::max(delay_, priming);
        }
        delay_known_ = true;
        RETURN_IF_ERROR(MaybePackageAudio());
      }
      if (++chunks_done_ < plan_.chunks.size()) return Status::Ok();
      for (const auto& r : renditions_) {
        std::vector<std::string> inputs;
        for (size_t i = 0; i < plan_.chunks.size(); ++i) {
          inputs.push_back(work_ + "/enc/" + r.name + "/" + ChunkName(static_cast<int>(i)) + ".nut");
        }
        RETURN_IF_ERROR(Submit(PackageTask(r.name, r.path(), true, inputs, 0, delay_)));
      }
      return Status::Ok();
    }
    if (c.task.step == kStepAudio) {
      if (!info_.video_stream()) {
        SetTotal(kStepPackage, 1);
        delay_known_ = true;
      }
      audio_priming_ = c.result.output.value("priming", int64_t{0});
      if (audio_priming_ > kAacPrimingSamples) return Internal("unexpected AAC encoder delay");
      audio_done_ = true;
      return MaybePackageAudio();
    }
    if (c.task.step == kStepPackage) {
      packaged_[c.task.id] = TrackFromJson(c.result.output);
    }
    return Status::Ok();
  }

  // Audio is packaged once it is encoded and the video's presentation delay
  // is known, so both start at the same instant.
  Status MaybePackageAudio() {
    if (!audio_done_ || !delay_known_) return Status::Ok();
    // Audio-only: start at media time 0 with the priming samples in front.
    int64_t shift = audio_priming_;
    if (info_.video_stream()) {
      shift = SecondsToTicks(static_cast<double>(delay_) * plan_.time_base.ToDouble(), {1, kAudioSampleRate});
    }
    return Submit(PackageTask(kAudioName, std::string("audio/") + kAudioName, false,
                              {work_ + "/audio.nut"}, audio_priming_, shift));
  }

  Status WriteManifests() {
    std::vector<PackagedRendition> video;
    for (const auto& r : renditions_) {
      video.push_back({r.name, r.path(), packaged_.at("package/" + r.name), frame_rate_, ""});
    }
    std::optional<PackagedRendition> audio;
    if (info_.audio_stream()) {
      audio = PackagedRendition{kAudioName, std::string("audio/") + kAudioName,
                                packaged_.at(std::string("package/") + kAudioName), {},
                                info_.audio_stream()->language};
    }
    ASSIGN_OR_RETURN(auto files, BuildManifests(video, audio));
    for (const auto& [rel, text] : files) {
      std::ofstream f(out_ + "/" + rel, std::ios::trunc);
      f << text;
      if (!f) return IoError("writing " + rel);
    }
    Bump(kStepManifest);
    Report();
    for (const auto& r : video) report_.renditions.push_back(Summarize(r, "video"));
    if (audio) report_.renditions.push_back(Summarize(*audio, "audio"));
    return Status::Ok();
  }

  RenditionSummary Summarize(const PackagedRendition& r, const char* kind) {
    RenditionSummary s;
    s.name = r.name;
    s.kind = kind;
    s.width = r.track.width;
    s.height = r.track.height;
    s.segments = static_cast<int>(r.track.segments.size());
    s.duration_seconds = r.track.duration_seconds();
    for (const auto& seg : r.track.segments) {
      s.fmp4_bytes += seg.fmp4_bytes;
      s.ts_bytes += seg.ts_bytes;
    }
    Bitrates b = MeasureBitrates(r.track, false);
    s.peak_bitrate = b.peak;
    s.average_bitrate = b.average;
    s.codecs = r.track.codec;
    return s;
  }

  void InitProgress() {
    steps_ = {{kStepProbe, 1, 1}};
    if (info_.video_stream()) {
      steps_.push_back({kStepSplit, 0, 1});
      steps_.push_back({kStepTranscode, 0, 0});
    }
    if (info_.audio_stream()) steps_.push_back({kStepAudio, 0, 1});
    steps_.push_back({kStepPackage, 0, 0});
    steps_.push_back({kStepManifest, 0, 1});
    Report();
  }
  void SetTotal(const std::string& step, int total) {
    for (auto& s : steps_) if (s.step == step) s.total = total;
  }
  void Bump(const std::string& step) {
    for (auto& s : steps_) if (s.step == step) ++s.done;
  }
  void Report() {
    if (progress_) progress_->OnProgress(steps_);
  }
  void Account(const Completion& c) {
    StepStats& s = report_.steps[c.task.step];
    ++s.tasks;
    s.cpu_seconds += c.cpu_seconds;
    s.max_rss_kb = std::max(s.max_rss_kb, c.max_rss_kb);
    s.wall_seconds = MonotonicSeconds() - started_[c.task.step];
  }

  const RunOptions& opts_;
  ProgressListener* progress_;
  MediaInfo info_;
  std::string out_, work_;
  LocalWorkerPool* pool_ = nullptr;
  std::vector<StepProgress> steps_;
  std::map<std::string, double> started_;
  SegmentPlan plan_;
  Rational frame_rate_;
  double video_seconds_ = 0;
  std::vector<VideoRendition> renditions_;
  size_t chunks_done_ = 0;
  int64_t delay_ = 0;          // video presentation delay, video time base
  bool delay_known_ = false;
  bool audio_done_ = false;
  int64_t audio_priming_ = 0;
  std::map<std::string, media::PackagedTrack> packaged_;
  RunReport report_;
};

}  // namespace

int DefaultWorkers(int cores) { return std::max(1, cores / 2); }

StatusOr<RunReport> RunJob(const RunOptions& in_opts, ProgressListener* progress) {
  double t0 = MonotonicSeconds();
  double cpu0 = SelfCpuSeconds();
  RunOptions opts = in_opts;
  if (opts.workers <= 0) opts.workers = DefaultWorkers(static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)));
  if (opts.workers > 256) return InvalidArgument("--workers must be between 1 and 256");
  if (opts.segment_seconds < 1 || opts.segment_seconds > 60) return InvalidArgument("--segment-seconds must be between 1 and 60");
  ASSIGN_OR_RETURN(MediaInfo info, media::Probe(opts.input, opts.limits));
  ASSIGN_OR_RETURN(StagingDir staging, StagingDir::Create(opts.output_dir, opts.input, opts.force));
  std::string work = staging.path() + "/.work";
  fs::create_directories(work);
  double probe_wall = MonotonicSeconds() - t0;
  Job job(opts, progress, info, staging.path(), work);
  {
    LocalWorkerPool pool(opts.workers, opts.vtp_binary, work + "/tasks");
    RETURN_IF_ERROR(job.Run(pool));
  }
  std::error_code ec;
  fs::remove_all(work, ec);
  RETURN_IF_ERROR(staging.Publish());
  RunReport& r = job.report();
  r.source = std::move(info);
  r.output_dir = fs::weakly_canonical(fs::absolute(opts.output_dir)).string();
  r.steps[kStepProbe] = {1, probe_wall, 0, 0};
  r.wall_seconds = MonotonicSeconds() - t0;
  r.cpu_seconds = SelfCpuSeconds() - cpu0;
  for (const auto& [name, s] : r.steps) r.cpu_seconds += s.cpu_seconds;
  return std::move(r);
}

}  // namespace vtp::pipeline
