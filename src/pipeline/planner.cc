#include "pipeline/planner.h"

#include <climits>
#include <cmath>

#include "domain/ladder.h"
#include "domain/media_info_json.h"
#include "domain/segment_plan.h"
#include "pipeline/json_codec.h"
#include "pipeline/task_spec.h"

namespace vtp::pipeline {
namespace {

using engine::TaskPlan;
using engine::TaskResults;
using nlohmann::json;

constexpr int kAudioBitrate = 128000;
constexpr int kAudioSampleRate = 48000;
// libavcodec's AAC encoder delay; checked against the audio task's report.
constexpr int64_t kAacPrimingSamples = 1024;
constexpr char kAudioName[] = "aac_128k";

// Everything the planner reads, parsed once per call.
struct Known {
  JobOptions opts;
  std::string work;
  std::string original;  // local path of the ingested original
  std::optional<MediaInfo> info;
  std::optional<json> split;
  SegmentPlan plan;
  Rational frame_rate;
  std::vector<VideoRendition> renditions;
};

std::optional<json> Result(const ports::VideoRecord& v, const TaskResults& done, const std::string& rest) {
  std::optional<std::string> text = done.Get(v.video_id + "/" + rest);
  if (!text) return std::nullopt;
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
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

StatusOr<Known> Gather(const DataPaths& paths, const ports::VideoRecord& v, const TaskResults& done) {
  Known k;
  json options = json::parse(v.options_json, nullptr, false);
  ASSIGN_OR_RETURN(k.opts, JobOptionsFromJson(options));
  k.work = paths.WorkDir(v.video_id);
  if (auto ingest = Result(v, done, "ingest")) k.original = ingest->value("path", "");
  if (auto probe = Result(v, done, "probe")) {
    ASSIGN_OR_RETURN(MediaInfo info, MediaInfoFromJson(*probe));
    k.info = std::move(info);
  }
  k.split = Result(v, done, "split");
  if (!k.split || !k.info || !k.info->video_stream()) return k;
  try {
    k.plan = PlanFromJson(*k.split);
    k.frame_rate = FrameRateOf(*k.info, k.split->value("index_frame_rate", 30.0));
  } catch (const json::exception& e) {
    return Internal(std::string("unreadable split result: ") + e.what());
  }
  ASSIGN_OR_RETURN(k.renditions, SelectH264Ladder(*k.info->video_stream()->video, k.frame_rate.ToDouble()));
  for (auto& r : k.renditions) r.preset = k.opts.x264_preset;
  return k;
}

std::string ChunkFile(int i) { return engine::ChunkName(i); }

// The video's presentation delay in its time base: x264's reordering delay
// reported by chunk 0, raised to cover the AAC priming so that audio's first
// (priming) packet never lands before time 0.
int64_t PresentationDelay(const Known& k, const json& chunk0) {
  int64_t delay = 0;
  for (int64_t d : chunk0.at("delays")) delay = std::max(delay, d);
  if (k.info->audio_stream()) {
    double tb = k.plan.time_base.ToDouble();
    delay = std::max(delay, static_cast<int64_t>(std::ceil(kAacPrimingSamples / (kAudioSampleRate * tb))));
  }
  return delay;
}

json Boundaries(const Known& k) {
  json b = json::array();
  if (k.info->video_stream()) {
    for (int64_t s : k.plan.segment_starts) b.push_back(s - k.plan.origin);
    return b;
  }
  const StreamInfo& a = *k.info->audio_stream();
  double d = a.duration > 0 ? a.duration : k.info->duration;
  auto seg_ms = static_cast<int64_t>(k.opts.segment_seconds * 1000);
  for (int64_t t = 0; t == 0 || static_cast<double>(t) < d * 1000; t += seg_ms) b.push_back(t);
  return b;
}

json PackageParams(const Known& k, bool video, std::vector<std::string> inputs, int64_t priming,
                   int64_t shift, const std::string& dir) {
  bool has_video = k.info->video_stream() != nullptr;
  return {{"inputs", inputs}, {"video", video}, {"priming", priming}, {"shift", shift},
          {"out_dir", k.work + "/out/" + dir}, {"boundaries", Boundaries(k)},
          {"boundary_time_base", RationalToJson(has_video ? k.plan.time_base : Rational{1, 1000})}};
}

class ParamsBuilder {
 public:
  ParamsBuilder(const Known& k, const ports::VideoRecord& v, const TaskResults& done)
      : k_(k), v_(v), done_(done) {}

  StatusOr<json> Build(const TaskPlan& t) {
    if (t.step == "ingest") return Ingest();
    if (t.step == "probe") return json{{"input", k_.original}, {"limits", LimitsToJson(k_.opts.limits)}};
    if (t.step == "split") return Split();
    if (t.step == "transcode") return Transcode(static_cast<size_t>(*t.chunk));
    if (t.step == "audio") return Audio();
    if (t.step == "package") return PackageVideo(t.rendition->name);
    if (t.step == "package_audio") return PackageAudio();
    if (t.step == "manifest") return Manifest();
    if (t.step == "publish") return Publish();
    return InvalidArgument("no parameters for step '" + t.step + "'");
  }

 private:
  json Need(const std::string& rest) const {
    auto r = Result(v_, done_, rest);
    if (!r) throw std::runtime_error("result of " + rest + " missing");
    return *r;
  }


  json Ingest() const {
    return {{"source", k_.opts.source}, {"sha256", k_.opts.source_sha256},
            {"key", OriginalKey(v_.video_id, k_.opts.source_ext)}};
  }

  json Split() const {
    return {{"input", k_.original}, {"video_stream", k_.info->primary_video},
            {"segment_seconds", k_.opts.segment_seconds}, {"gop_seconds", k_.opts.gop_seconds},
            {"workers", k_.opts.chunk_workers}, {"max_chunks", k_.opts.max_chunks},
            {"chunks_dir", k_.work + "/chunks"}};
  }

  json Transcode(size_t i) const {
    const json& out = *k_.split;
    const vtp::Chunk& c = k_.plan.chunks.at(i);
    std::vector<int64_t> forces;
    for (int64_t f : k_.plan.keyframe_forces) {
      if (f >= c.start && (c.end == INT64_MAX || f < c.end)) forces.push_back(f);
    }
    json rends = json::array(), outputs = json::array();
    for (const auto& r : k_.renditions) {
      rends.push_back(RenditionToJson(r));
      outputs.push_back(k_.work + "/enc/" + r.name + "/" + ChunkFile(static_cast<int>(i)) + ".nut");
    }
    double fps = k_.frame_rate.ToDouble() > 0 ? k_.frame_rate.ToDouble() : 30;
    return {{"chunk_path", out.at("chunks").at(i).at("path")},
            {"time_base", RationalToJson(k_.plan.time_base)},
            {"frame_rate", RationalToJson(k_.frame_rate)},
            {"origin", k_.plan.origin}, {"start", c.start},
            {"end", c.end == INT64_MAX ? json(nullptr) : json(c.end)},
            {"last_frame_duration", SecondsToTicks(1.0 / fps, k_.plan.time_base)},
            {"keyframe_forces", forces},
            {"conditioning", ConditioningToJson(ConditioningFor(*k_.info->video_stream()->video))},
            {"renditions", rends}, {"outputs", outputs},
            {"encoder_threads", k_.opts.encoder_threads}};
  }

  json Audio() const {
    double origin = k_.info->audio_stream()->start_time, max_seconds = 0;
    if (k_.split) {
      // The chunk timeline is the source's shifted by `offset`; audio is cut
      // against the source's own seconds, and never outlasts the video.
      const json& out = *k_.split;
      double tb = k_.plan.time_base.ToDouble();
      origin = static_cast<double>(k_.plan.origin - out.at("offset").get<int64_t>()) * tb;
      max_seconds = static_cast<double>(out.at("end").get<int64_t>() - k_.plan.origin) * tb;
    }
    return {{"input", k_.original}, {"stream", k_.info->primary_audio},
            {"origin_seconds", origin}, {"max_seconds", max_seconds},
            {"bitrate", kAudioBitrate}, {"sample_rate", kAudioSampleRate},
            {"output", k_.work + "/audio.nut"}};
  }

  const VideoRendition& Rung(const std::string& name) const {
    for (const auto& r : k_.renditions) {
      if (r.name == name) return r;
    }
    throw std::runtime_error("no rendition " + name);
  }

  json PackageVideo(const std::string& name) const {
    const VideoRendition& r = Rung(name);
    std::vector<std::string> inputs;
    for (size_t i = 0; i < k_.plan.chunks.size(); ++i) {
      inputs.push_back(k_.work + "/enc/" + r.name + "/" + ChunkFile(static_cast<int>(i)) + ".nut");
    }
    int64_t delay = PresentationDelay(k_, Need("transcode/" + ChunkFile(0)));
    return PackageParams(k_, true, inputs, 0, delay, r.path());
  }

  json PackageAudio() const {
    int64_t priming = Need("audio").value("priming", int64_t{0});
    if (priming > kAacPrimingSamples) throw std::runtime_error("unexpected AAC encoder delay");
    // Audio-only: media time 0 with the priming samples in front; with video,
    // the video's presentation delay so both start at the same instant.
    int64_t shift = priming;
    if (k_.info->video_stream()) {
      int64_t delay = PresentationDelay(k_, Need("transcode/" + ChunkFile(0)));
      shift = SecondsToTicks(static_cast<double>(delay) * k_.plan.time_base.ToDouble(),
                             {1, kAudioSampleRate});
    }
    return PackageParams(k_, false, {k_.work + "/audio.nut"}, priming, shift,
                         std::string("audio/") + kAudioName);
  }

  json Manifest() const {
    json video = json::array();
    for (const auto& r : k_.renditions) {
      video.push_back({{"name", r.name}, {"dir", r.path()}, {"track", Need("package/h264_" + r.name)},
                       {"frame_rate", RationalToJson(k_.frame_rate)}});
    }
    json p = {{"video", video}, {"out_dir", k_.work + "/out"}};
    if (k_.info->audio_stream()) {
      p["audio"] = {{"name", kAudioName}, {"dir", std::string("audio/") + kAudioName},
                    {"track", Need("package_audio")}, {"language", k_.info->audio_stream()->language}};
    }
    return p;
  }

  json Publish() const {
    return {{"from", k_.work + "/out"}, {"to", k_.opts.output_dir},
            {"replace", k_.opts.replace_output}, {"original", k_.original}};
  }

  const Known& k_;
  const ports::VideoRecord& v_;
  const TaskResults& done_;
};

}  // namespace

std::string OriginalKey(const std::string& video_id, const std::string& ext) {
  return "originals/" + video_id + "/original." + (ext.empty() ? "bin" : ext);
}

nlohmann::json ToJson(const JobOptions& o) {
  return {{"source", o.source}, {"source_sha256", o.source_sha256}, {"source_ext", o.source_ext},
          {"output_dir", o.output_dir}, {"replace_output", o.replace_output},
          {"segment_seconds", o.segment_seconds}, {"gop_seconds", o.gop_seconds},
          {"chunk_workers", o.chunk_workers}, {"max_chunks", o.max_chunks},
          {"encoder_threads", o.encoder_threads}, {"x264_preset", o.x264_preset},
          {"limits", LimitsToJson(o.limits)}};
}

StatusOr<JobOptions> JobOptionsFromJson(const nlohmann::json& j) {
  try {
    JobOptions o;
    o.source = j.at("source");
    o.source_sha256 = j.at("source_sha256");
    o.source_ext = j.at("source_ext");
    o.output_dir = j.at("output_dir");
    o.replace_output = j.at("replace_output");
    o.segment_seconds = j.at("segment_seconds");
    o.gop_seconds = j.at("gop_seconds");
    o.chunk_workers = j.at("chunk_workers");
    o.max_chunks = j.at("max_chunks");
    o.encoder_threads = j.at("encoder_threads");
    o.x264_preset = j.at("x264_preset");
    o.limits = LimitsFromJson(j.at("limits"));
    return o;
  } catch (const json::exception& e) {
    return InvalidArgument(std::string("malformed job options: ") + e.what());
  }
}

engine::PipelineGraph LadderGraph() { return engine::DefaultPipelineGraph(); }

StatusOr<engine::JobShape> LadderPlanner::Shape(const ports::VideoRecord& video,
                                                const TaskResults& done) const {
  ASSIGN_OR_RETURN(Known k, Gather(paths_, video, done));
  engine::JobShape s;
  s.video_id = video.video_id;
  if (!k.info) return s;
  s.has_video = k.info->video_stream() != nullptr;
  s.has_audio = k.info->audio_stream() != nullptr;
  if (!k.split || !*s.has_video) return s;
  s.chunks = static_cast<int>(k.plan.chunks.size());
  s.renditions.emplace();
  for (const auto& r : k.renditions) s.renditions->push_back({r.codec, r.name});
  return s;
}

StatusOr<std::vector<std::string>> LadderPlanner::Params(const ports::VideoRecord& video,
                                                         const std::vector<const TaskPlan*>& tasks,
                                                         const TaskResults& done) const {
  ASSIGN_OR_RETURN(Known k, Gather(paths_, video, done));
  ParamsBuilder b(k, video, done);
  std::vector<std::string> out;
  for (const TaskPlan* task : tasks) {
    try {
      StatusOr<json> p = b.Build(*task);
      if (!p.ok()) return p.status().WithContext("planning " + task->id);
      out.push_back(p->dump());
    } catch (const std::exception& e) {
      return Internal("planning " + task->id + ": " + e.what());
    }
  }
  return out;
}

bool LadderPlanner::Describe(ports::VideoRecord& video, const TaskResults& done) const {
  auto probe = Result(video, done, "probe");
  if (!probe) return false;
  StatusOr<MediaInfo> info = MediaInfoFromJson(*probe);
  if (!info.ok()) return false;
  ports::VideoRecord before = video;
  video.duration_sec = info->duration;
  video.file_size_bytes = info->file_size;
  video.bitrate_kbps = static_cast<int>(info->bit_rate / 1000);
  if (const StreamInfo* v = info->video_stream()) {
    video.codec = v->codec;
    video.width = v->video->display_width;
    video.height = v->video->display_height;
  } else if (const StreamInfo* a = info->audio_stream()) {
    video.codec = a->codec;
  }
  return !(before == video);
}

}  // namespace vtp::pipeline
