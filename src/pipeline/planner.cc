#include "pipeline/planner.h"

#include <climits>
#include <map>
#include <cmath>

#include "domain/ladder.h"
#include "domain/media_info_json.h"
#include "domain/segment_plan.h"
#include "pipeline/json_codec.h"
#include "pipeline/task_spec.h"
#include "pipeline/track_plan.h"

namespace vtp::pipeline {
namespace {

using engine::TaskPlan;
using engine::TaskResults;
using nlohmann::json;

constexpr int kAudioSampleRate = 48000;
// libavcodec's AAC encoder delay, the largest of the audio encoders vtp uses
// (libopus: 312); checked against the audio task's report.
constexpr int64_t kAacPrimingSamples = 1024;

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
  std::vector<AudioTrackPlan> audio;
  std::vector<SubtitleTrackPlan> subtitles;
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
    k.audio = PlanAudioTracks(*k.info, k.opts.audio);
    k.subtitles = PlanSubtitleTracks(*k.info, k.opts);
  }
  k.split = Result(v, done, "split");
  if (!k.split || !k.info || !k.info->video_stream()) return k;
  try {
    k.plan = PlanFromJson(*k.split);
    k.frame_rate = FrameRateOf(*k.info, k.split->value("index_frame_rate", 30.0));
  } catch (const json::exception& e) {
    return Internal(std::string("unreadable split result: ") + e.what());
  }
  // Codec order is kVideoCodecs' whatever the job listed, so task ids and
  // manifests do not depend on how the codecs were asked for.
  for (const auto& codec : kVideoCodecs) {
    if (std::find(k.opts.codecs.begin(), k.opts.codecs.end(), codec) == k.opts.codecs.end()) continue;
    ASSIGN_OR_RETURN(std::vector<VideoRendition> rungs,
                     SelectLadder(codec, *k.info->video_stream()->video, k.frame_rate.ToDouble(), k.opts.keep_hdr));
    for (auto& r : rungs) {
      if (codec == "h264") r.preset = k.opts.x264_preset;
      k.renditions.push_back(std::move(r));
    }
  }
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
  // With DRM the packager's clear output is the drm step's input; only the
  // encrypted copy goes where manifest and publish look.
  const std::string root = k.opts.drm.enabled() ? "/clear/" : "/out/";
  return {{"inputs", inputs}, {"video", video}, {"priming", priming}, {"shift", shift},
          {"out_dir", k.work + root + dir}, {"boundaries", Boundaries(k)},
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
    if (!TranscodeStepCodec(t.step).empty()) return Transcode(t);
    if (t.step == "audio") return Audio();
    if (t.step == "thumbnails") return Thumbnails();
    if (t.step == "subtitles") return Subtitles();
    if (t.step == "captions") return Captions();
    if (t.step == "package") return PackageVideo(*t.rendition);
    if (t.step == "package_audio") return PackageAudio();
    if (t.step == "drm") return Drm();
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
    json subtitles = json::array();
    for (size_t i = 0; i < k_.opts.subtitles.size(); ++i) {
      const SubtitleUpload& s = k_.opts.subtitles[i];
      subtitles.push_back({{"source", s.source}, {"sha256", s.sha256},
                           {"key", SubtitleUploadKey(v_.video_id, i, s)}});
    }
    return {{"source", k_.opts.source}, {"sha256", k_.opts.source_sha256},
            {"key", OriginalKey(v_.video_id, k_.opts.source_ext)}, {"subtitles", subtitles},
            {"local_dir", k_.work + "/originals"}};
  }

  json Split() const {
    return {{"input", k_.original}, {"video_stream", k_.info->primary_video},
            {"segment_seconds", k_.opts.segment_seconds}, {"gop_seconds", k_.opts.gop_seconds},
            {"workers", k_.opts.chunk_workers}, {"max_chunks", k_.opts.max_chunks},
            {"chunks_dir", k_.work + "/chunks"}};
  }

  // Where a chunk's encoded rung goes. H.264 keeps the layout it had before
  // other codecs existed, so videos planned then re-plan to the same paths.
  std::string EncodedFile(const VideoRendition& r, size_t chunk) const {
    std::string dir = r.codec == "h264" ? r.name : r.codec + "/" + r.name;
    return k_.work + "/enc/" + dir + "/" + ChunkFile(static_cast<int>(chunk)) + ".nut";
  }

  StatusOr<json> Transcode(const TaskPlan& t) const {
    std::string codec = TranscodeStepCodec(t.step);
    std::string encoder = EncoderForPool(codec, t.pool);
    if (encoder.empty()) return InvalidArgument("worker pool '" + t.pool + "' has no " + codec + " encoder");
    return TranscodeChunk(static_cast<size_t>(*t.chunk), codec, encoder);
  }

  json TranscodeChunk(size_t i, const std::string& codec, const std::string& encoder) const {
    const json& out = *k_.split;
    const vtp::Chunk& c = k_.plan.chunks.at(i);
    std::vector<int64_t> forces;
    for (int64_t f : k_.plan.keyframe_forces) {
      if (f >= c.start && (c.end == INT64_MAX || f < c.end)) forces.push_back(f);
    }
    json rends = json::array(), outputs = json::array();
    bool hdr_kept = false;
    for (VideoRendition r : k_.renditions) {
      if (r.codec != codec) continue;
      r.encoder = encoder;
      hdr_kept = hdr_kept || r.hdr;
      rends.push_back(RenditionToJson(r));
      outputs.push_back(EncodedFile(r, i));
    }
    media::PictureConditioning conditioning = ConditioningFor(*k_.info->video_stream()->video);
    if (hdr_kept) conditioning.tonemap_to_sdr = false;
    double fps = k_.frame_rate.ToDouble() > 0 ? k_.frame_rate.ToDouble() : 30;
    return {{"chunk_path", out.at("chunks").at(i).at("path")},
            {"time_base", RationalToJson(k_.plan.time_base)},
            {"frame_rate", RationalToJson(k_.frame_rate)},
            {"origin", k_.plan.origin}, {"start", c.start},
            {"end", c.end == INT64_MAX ? json(nullptr) : json(c.end)},
            {"last_frame_duration", SecondsToTicks(1.0 / fps, k_.plan.time_base)},
            {"keyframe_forces", forces},
            {"conditioning", ConditioningToJson(conditioning)},
            {"renditions", rends}, {"outputs", outputs},
            {"encoder_threads", k_.opts.encoder_threads}};
  }

  // Source seconds that become output time 0, and the output's length (0 =
  // unbounded): the video's first frame and length when there is video,
  // else the primary audio stream's start.
  std::pair<double, double> Window() const {
    if (!k_.split) return {k_.info->audio_stream() ? k_.info->audio_stream()->start_time : 0, 0};
    // The chunk timeline is the source's shifted by `offset`; side steps cut
    // against the source's own seconds, and never outlast the video.
    const json& out = *k_.split;
    double tb = k_.plan.time_base.ToDouble();
    double origin = static_cast<double>(k_.plan.origin - out.at("offset").get<int64_t>()) * tb;
    double length = static_cast<double>(out.at("end").get<int64_t>() - k_.plan.origin) * tb;
    return {origin, length};
  }

  std::string AudioFile(const AudioTrackPlan& t, const AudioRenditionPlan& r) const {
    return k_.work + "/audio/" + t.key + "/" + r.name + ".nut";
  }

  json Audio() const {
    auto [origin, max_seconds] = Window();
    json tracks = json::array();
    for (const auto& t : k_.audio) {
      json outputs = json::array();
      for (const auto& r : t.renditions) {
        outputs.push_back({{"codec", r.codec}, {"bitrate", r.kbps * 1000}, {"channels", r.channels},
                           {"name", r.name}, {"output", AudioFile(t, r)}});
      }
      tracks.push_back({{"stream", t.stream}, {"key", t.key}, {"outputs", outputs}});
    }
    const AudioOptions& a = k_.opts.audio;
    return {{"input", k_.original}, {"origin_seconds", origin}, {"max_seconds", max_seconds},
            {"sample_rate", kAudioSampleRate}, {"normalize", a.normalize},
            {"target_lufs", a.target_lufs}, {"true_peak_dbtp", a.true_peak_dbtp}, {"tracks", tracks}};
  }

  json Thumbnails() const {
    auto [origin, length] = Window();
    const VideoInfo& v = *k_.info->video_stream()->video;
    const ThumbnailOptions& t = k_.opts.thumbnails;
    return {{"input", k_.original}, {"stream", k_.info->primary_video}, {"origin_seconds", origin},
            {"duration_seconds", length}, {"conditioning", ConditioningToJson(ConditioningFor(v))},
            {"sar", RationalToJson(v.sample_aspect_ratio)}, {"poster_seconds", t.poster_seconds},
            {"still_interval", t.still_interval}, {"sprite_interval", t.sprite_interval},
            {"sprite_cols", t.sprite_cols}, {"sprite_rows", t.sprite_rows}, {"sprite_width", t.sprite_width},
            {"out_dir", k_.work + "/out/thumbnails"}};
  }

  json Subtitles() const {
    auto [origin, length] = Window();
    json ingest = Need("ingest"), tracks = json::array();
    for (const auto& t : k_.subtitles) {
      if (t.source == SubtitleSource::kCaptions) continue;
      json j = {{"key", t.key}, {"language", t.language}, {"file", t.File()}, {"is_text", t.is_text},
                {"codec", t.codec}};
      if (t.source == SubtitleSource::kUpload) {
        // A file added after ingest ran (the API's POST .../subtitles) was
        // stored in the blob store by the API; its source is that blob.
        const json& stored = ingest.at("subtitles");
        size_t i = static_cast<size_t>(t.upload);
        j["path"] = i < stored.size() ? stored.at(i).at("path").get<std::string>()
                                      : k_.opts.subtitles.at(i).source;
      } else {
        j["stream"] = t.stream;
      }
      tracks.push_back(std::move(j));
    }
    return {{"input", k_.original}, {"origin_seconds", origin}, {"length_seconds", length},
            {"tracks", tracks}, {"out_dir", k_.work + "/out"}};
  }

  json Captions() const {
    auto [origin, length] = Window();
    // The recogniser holds the whole track as PCM: bound it by the probed
    // duration, and by the job's limit when the container states none.
    if (length <= 0) length = k_.info->duration > 0 ? k_.info->duration : k_.opts.limits.max_duration_seconds;
    length = std::min(length, k_.opts.limits.max_duration_seconds);
    for (const auto& t : k_.subtitles) {
      if (t.source != SubtitleSource::kCaptions) continue;
      return {{"input", k_.original}, {"stream", t.stream}, {"origin_seconds", origin},
              {"max_seconds", length}, {"language", t.language}, {"key", t.key},
              {"output", k_.work + "/out/" + t.File()}};
    }
    throw std::runtime_error("no captions track planned");
  }

  const VideoRendition& Rung(const engine::RenditionRef& ref) const {
    for (const auto& r : k_.renditions) {
      if (r.codec == ref.codec && r.name == ref.name) return r;
    }
    throw std::runtime_error("no rendition " + ref.Id());
  }

  json PackageVideo(const engine::RenditionRef& ref) const {
    const VideoRendition& r = Rung(ref);
    std::vector<std::string> inputs;
    for (size_t i = 0; i < k_.plan.chunks.size(); ++i) inputs.push_back(EncodedFile(r, i));
    // Every codec starts at the video's presentation delay (H.264's, which
    // audio shares), unless its own encoder reorders deeper: then its track
    // starts a little later, which DASH's presentationTimeOffset absorbs.
    int64_t delay = PresentationDelay(k_, Need("transcode/" + ChunkFile(0)));
    if (r.codec != "h264") {
      json own = Need(TranscodeStep(r.codec) + "/" + ChunkFile(0));
      for (int64_t d : own.at("delays")) delay = std::max(delay, d);
    }
    json p = PackageParams(k_, true, inputs, 0, delay, r.path());
    const CodecLadder* ladder = FindCodecLadder(r.codec);
    if (!ladder || !ladder->mpeg_ts) p["write_ts"] = false;
    return p;
  }

  // The audio presentation shift in samples: the video's presentation delay,
  // or (audio-only) the largest encoder delay, so every audio rendition
  // shares one timeline whatever its own priming.
  int64_t AudioShift() const {
    if (!k_.info->video_stream()) return kAacPrimingSamples;
    int64_t delay = PresentationDelay(k_, Need("transcode/" + ChunkFile(0)));
    return SecondsToTicks(static_cast<double>(delay) * k_.plan.time_base.ToDouble(), {1, kAudioSampleRate});
  }

  json PackageAudio() const {
    json audio = Need("audio"), renditions = json::array(), standalone;
    int64_t shift = AudioShift();
    for (size_t i = 0; i < k_.audio.size(); ++i) {
      const AudioTrackPlan& t = k_.audio[i];
      const json& outputs = audio.at("tracks").at(i).at("outputs");
      const AudioRenditionPlan* solo = StandaloneAudio(t);
      for (size_t j = 0; j < t.renditions.size(); ++j) {
        const AudioRenditionPlan& r = t.renditions[j];
        int64_t priming = outputs.at(j).value("priming", int64_t{0});
        if (priming > kAacPrimingSamples) throw std::runtime_error("unexpected audio encoder delay");
        json p = PackageParams(k_, false, {AudioFile(t, r)}, priming, shift, t.Dir(r));
        p["write_ts"] = r.codec == "aac";
        p["name"] = t.key + "/" + r.name;
        renditions.push_back(std::move(p));
        // The progressive file has no encrypted form players accept.
        if (t.is_default && solo == &r && !k_.opts.drm.enabled()) {
          standalone = {{"input", AudioFile(t, r)}, {"priming", priming},
                        {"output", k_.work + "/out/" + kStandaloneAudioFile}};
        }
      }
    }
    json p = {{"renditions", renditions}};
    if (!standalone.is_null()) p["standalone"] = standalone;
    return p;
  }

  json Drm() const {
    const DrmOptions& d = k_.opts.drm;
    json tracks = json::array();
    for (const auto& r : k_.renditions) {
      tracks.push_back({{"name", r.path()}, {"label", VideoKeyLabel(d, r.height)},
                        {"from", k_.work + "/clear/" + r.path()}, {"to", k_.work + "/out/" + r.path()},
                        {"track", Need("package/" + r.codec + "_" + r.name)}});
    }
    if (!k_.audio.empty()) {
      json packaged = Need("package_audio").at("tracks");
      size_t n = 0;
      for (const auto& t : k_.audio) {
        for (const auto& r : t.renditions) {
          tracks.push_back({{"name", t.Dir(r)}, {"label", AudioKeyLabel(d)},
                            {"from", k_.work + "/clear/" + t.Dir(r)}, {"to", k_.work + "/out/" + t.Dir(r)},
                            {"track", packaged.at(n++)}});
        }
      }
    }
    return {{"video_id", v_.video_id}, {"scheme", d.scheme}, {"systems", d.systems},
            {"license_url", d.license_url}, {"key_uri", d.key_uri},
            {"clear_lead_seconds", d.clear_lead_seconds}, {"ts_aes128", d.ts_aes128},
            {"key_source", {{"server", d.key_server}, {"file", d.key_file}}}, {"tracks", tracks}};
  }

  // The packaged tracks as the manifests must describe them: the drm
  // step's copies (encrypted byte counts) by rendition folder. Empty for a
  // clear job (null `drm`).
  static std::map<std::string, json> ProtectedTracks(const json& drm) {
    std::map<std::string, json> out;
    if (drm.is_null()) return out;
    for (const auto& t : drm.at("tracks")) out[t.at("name")] = t.at("track");
    return out;
  }

  static json Packaged(const std::map<std::string, json>& protected_tracks, const std::string& dir,
                       json clear) {
    if (protected_tracks.empty()) return clear;
    auto it = protected_tracks.find(dir);
    if (it == protected_tracks.end()) throw std::runtime_error("drm result has no track " + dir);
    return it->second;
  }

  json Manifest() const {
    // The drm step's result, read once: its tracks and its signalling.
    const json drm = k_.opts.drm.enabled() ? Need("drm") : json();
    const std::map<std::string, json> protected_tracks = ProtectedTracks(drm);
    json video = json::array();
    for (const auto& r : k_.renditions) {
      video.push_back({{"name", r.name}, {"codec", r.codec}, {"dir", r.path()},
                       {"track", Packaged(protected_tracks, r.path(), Need("package/" + r.codec + "_" + r.name))},
                       {"frame_rate", RationalToJson(k_.frame_rate)}});
    }
    json p = {{"video", video}, {"out_dir", k_.work + "/out"}, {"audio", json::array()},
              {"subtitles", json::array()}};
    if (k_.opts.manifest_version > 1) p["version"] = k_.opts.manifest_version;
    if (!k_.audio.empty()) {
      json packaged = Need("package_audio").at("tracks");
      size_t n = 0;
      for (const auto& t : k_.audio) {
        for (const auto& r : t.renditions) {
          p["audio"].push_back({{"name", r.name}, {"dir", t.Dir(r)}, {"track", Packaged(protected_tracks, t.Dir(r), packaged.at(n++))},
                                {"group", t.key}, {"language", t.language}, {"label", TrackLabel(t)},
                                {"default", t.is_default}, {"channels", r.channels}});
        }
      }
    }
    auto subtitles = Result(v_, done_, "subtitles");
    auto captions = Result(v_, done_, "captions");
    for (const auto& t : k_.subtitles) {
      const std::optional<json>& from = t.source == SubtitleSource::kCaptions ? captions : subtitles;
      if (!from || !Converted(*from, t.key)) continue;
      p["subtitles"].push_back({{"key", t.key}, {"language", t.language}, {"label", t.label},
                                {"file", t.File()}, {"captions", t.source == SubtitleSource::kCaptions}});
    }
    if (auto thumbs = Result(v_, done_, "thumbnails")) p["thumbnails"] = *thumbs;
    if (!drm.is_null()) p["drm"] = drm;
    return p;
  }

  static std::string TrackLabel(const AudioTrackPlan& t) {
    return t.title.empty() ? LanguageLabel(t.language) : t.title;
  }

  // Whether the subtitles/captions result lists `key` as written.
  static bool Converted(const json& result, const std::string& key) {
    for (const auto& t : result.value("tracks", json::array())) {
      if (t.value("key", "") == key) return true;
    }
    return false;
  }

  json Publish() const {
    json p = {{"from", k_.work + "/out"}, {"to", k_.opts.output_dir},
              {"replace", k_.opts.replace_output}, {"original", k_.original}};
    // An upgrade adds to what players may be streaming: never replace.
    if (k_.opts.manifest_version > 1) p["merge"] = true;
    return p;
  }

  const Known& k_;
  const ports::VideoRecord& v_;
  const TaskResults& done_;
};

}  // namespace

std::string TranscodeStep(const std::string& codec) {
  return codec == "h264" ? "transcode" : "transcode_" + codec;
}

std::string TranscodeStepCodec(const std::string& step) {
  for (const auto& codec : kVideoCodecs) {
    if (TranscodeStep(codec) == step) return codec;
  }
  return "";
}

Status CheckGpuRoutes(const engine::PipelineGraph& graph) {
  for (const auto& step : graph.steps()) {
    for (const auto& pool : step.gpu_pools) {
      std::string codec = TranscodeStepCodec(step.name);
      if (codec.empty()) return InvalidArgument("step " + step.name + " has no GPU encoder (only transcode steps do)");
      if (EncoderForPool(codec, pool).empty()) {
        return InvalidArgument("pool " + pool + " has no " + codec + " encoder (step " + step.name + ")");
      }
    }
  }
  return Status::Ok();
}

std::string OriginalKey(const std::string& video_id, const std::string& ext) {
  return "originals/" + video_id + "/original." + (ext.empty() ? "bin" : ext);
}

std::string SubtitleUploadKey(const std::string& video_id, size_t index, const SubtitleUpload& s) {
  return "originals/" + video_id + "/subtitles/" + std::to_string(index + 1) + "_" + s.language + "." +
         (s.ext.empty() ? "txt" : s.ext);
}

engine::PipelineGraph LadderGraph() { return engine::DefaultPipelineGraph(); }

StatusOr<engine::JobShape> LadderPlanner::Shape(const ports::VideoRecord& video,
                                                const TaskResults& done) const {
  ASSIGN_OR_RETURN(Known k, Gather(paths_, video, done));
  engine::JobShape s;
  s.video_id = video.video_id;
  if (!k.opts.thumbnails.enabled) s.skipped_steps.insert("thumbnails");
  if (k.opts.captions_language.empty()) s.skipped_steps.insert("captions");
  if (!k.opts.drm.enabled()) s.skipped_steps.insert("drm");
  for (const auto& codec : kVideoCodecs) {
    if (std::find(k.opts.codecs.begin(), k.opts.codecs.end(), codec) == k.opts.codecs.end()) {
      s.skipped_steps.insert(TranscodeStep(codec));
    }
  }
  if (!k.info) return s;
  bool any_subtitles = std::any_of(k.subtitles.begin(), k.subtitles.end(),
                                   [](const SubtitleTrackPlan& t) { return t.source != SubtitleSource::kCaptions; });
  if (!any_subtitles) s.skipped_steps.insert("subtitles");
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
