#include "pipeline/side_steps.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "media/audio.h"
#include "media/package.h"
#include "media/pcm_decode.h"
#include "media/subtitle_extract.h"
#include "media/thumbnails.h"
#include "pipeline/atomic_files.h"
#include "pipeline/json_codec.h"
#include "subtitle/captions.h"
#include "subtitle/parse.h"
#include "subtitle/webvtt.h"

namespace vtp::pipeline {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

json LoudnessToJson(const media::LoudnessStats& l) {
  return {{"integrated_lufs", l.integrated_lufs}, {"true_peak_dbtp", l.true_peak_dbtp},
          {"lra_lu", l.lra_lu}, {"silent", l.silent}};
}

StatusOr<json> AudioTrack(const json& p, const json& track) {
  media::AudioTrackJob job;
  job.input_path = p.at("input");
  job.stream_index = track.at("stream");
  job.origin_seconds = p.at("origin_seconds");
  job.max_seconds = p.at("max_seconds");
  job.sample_rate = p.at("sample_rate");
  job.normalize = p.at("normalize");
  job.target.integrated_lufs = p.at("target_lufs");
  job.target.true_peak_dbtp = p.at("true_peak_dbtp");
  std::vector<std::string> finals;
  for (const auto& o : track.at("outputs")) {
    std::string out = o.at("output");
    fs::create_directories(fs::path(out).parent_path());
    job.outputs.push_back({o.at("codec"), o.at("bitrate"), o.at("channels"), Part(out)});
    finals.push_back(out);
  }
  ASSIGN_OR_RETURN(media::AudioTrackResult r, media::TranscodeAudioTrack(job));
  json outputs = json::array();
  for (size_t i = 0; i < finals.size(); ++i) {
    RETURN_IF_ERROR(CommitPath(job.outputs[i].output, finals[i]));
    outputs.push_back({{"name", track.at("outputs").at(i).at("name")}, {"priming", r.outputs.at(i).priming},
                       {"samples", r.outputs.at(i).samples}});
  }
  return json{{"key", track.at("key")}, {"loudness", LoudnessToJson(r.input)}, {"gain_db", r.gain_db},
              {"outputs", outputs}};
}

// Cues of one track on the output timeline, or why there are none.
StatusOr<std::vector<subtitle::Cue>> TrackCues(const json& p, const json& t) {
  if (!t.at("is_text").get<bool>()) {
    return Status(ErrorCode::kUnsupportedCodec, "image subtitles (" + t.at("codec").get<std::string>() +
                                                    ") cannot become WebVTT text; skipped");
  }
  if (t.contains("path")) {
    std::string path = t.at("path");
    ASSIGN_OR_RETURN(std::string bytes, ReadFileBytes(path));
    return subtitle::ParseSubtitles(bytes, path);
  }
  ASSIGN_OR_RETURN(auto events, media::ExtractTextSubtitles(p.at("input"), t.at("stream"), p.at("origin_seconds")));
  std::vector<subtitle::Cue> cues;
  for (const auto& e : events) {
    subtitle::Cue c;
    c.start_ms = e.start_ms;
    c.end_ms = e.end_ms;
    c.text = subtitle::AssEventText(e.ass);
    if (!c.text.empty() && c.end_ms > c.start_ms) cues.push_back(std::move(c));
  }
  return subtitle::Normalize(std::move(cues));
}

// What vtp publishes it must read back (the manifest step segments every
// sidecar for HLS): cues over the parser's limits (count, text size, 24 h)
// make the track unusable rather than the job.
Status CheckReadable(const std::string& vtt) {
  return subtitle::ParseSubtitles(vtt, "out.vtt").status();
}

// Cues are kept to the video's span: [0, length].
std::vector<subtitle::Cue> Clip(std::vector<subtitle::Cue> cues, double length_seconds) {
  auto length_ms = static_cast<int64_t>(length_seconds * 1000);
  std::vector<subtitle::Cue> kept;
  for (auto& c : cues) {
    c.start_ms = std::max<int64_t>(c.start_ms, 0);
    if (length_ms > 0) c.end_ms = std::min(c.end_ms, length_ms);
    if (c.end_ms > c.start_ms) kept.push_back(std::move(c));
  }
  return kept;
}

}  // namespace

StatusOr<json> RunAudio(const json& p) {
  json tracks = json::array();
  for (const auto& track : p.at("tracks")) {
    StatusOr<json> r = AudioTrack(p, track);
    if (!r.ok()) return r.status().WithContext("audio track " + track.at("key").get<std::string>());
    tracks.push_back(*r);
  }
  return json{{"tracks", tracks}};
}

StatusOr<json> RunPackageAudio(const json& p) {
  json tracks = json::array();
  for (const auto& r : p.at("renditions")) {
    ASSIGN_OR_RETURN(json t, RunPackage(r));
    t["name"] = r.value("name", "");
    tracks.push_back(std::move(t));
  }
  json out = {{"tracks", tracks}};
  if (p.contains("standalone")) {
    const json& s = p.at("standalone");
    std::string output = s.at("output");
    fs::create_directories(fs::path(output).parent_path());
    ASSIGN_OR_RETURN(int64_t bytes, media::WriteProgressiveMp4(s.at("input"), s.at("priming"), Part(output)));
    RETURN_IF_ERROR(CommitPath(Part(output), output));
    out["standalone"] = {{"bytes", bytes}};
  }
  return out;
}

StatusOr<json> RunThumbnails(const json& p) {
  media::ThumbnailJob job;
  job.input_path = p.at("input");
  job.stream_index = p.at("stream");
  job.origin_seconds = p.at("origin_seconds");
  job.duration_seconds = p.at("duration_seconds");
  job.conditioning = ConditioningFromJson(p.at("conditioning"));
  job.sar = RationalFromJson(p.at("sar"));
  job.poster_seconds = p.at("poster_seconds");
  job.still_interval = p.at("still_interval");
  job.sprite_interval = p.at("sprite_interval");
  job.sprite_cols = p.at("sprite_cols");
  job.sprite_rows = p.at("sprite_rows");
  job.sprite_tile_width = p.at("sprite_width");
  std::string out_dir = p.at("out_dir");
  job.out_dir = Part(out_dir);
  FreshDir(job.out_dir);
  ASSIGN_OR_RETURN(media::ThumbnailResult r, media::GenerateThumbnails(job));
  RETURN_IF_ERROR(CommitPath(job.out_dir, out_dir));
  return json{{"poster_seconds", r.poster_seconds}, {"posters", r.posters}, {"stills", r.stills},
              {"sprites", r.sprites}, {"vtt", "thumbnails.vtt"}, {"cols", r.layout.cols},
              {"rows", r.layout.rows}, {"tile_width", r.tile_width}, {"tile_height", r.tile_height},
              {"tiles", r.layout.tiles.size()}, {"interval_seconds", p.at("sprite_interval")}};
}

StatusOr<json> RunSubtitles(const json& p) {
  json written = json::array(), skipped = json::array();
  std::string out = p.at("out_dir");
  for (const auto& t : p.at("tracks")) {
    std::string key = t.at("key");
    StatusOr<std::vector<subtitle::Cue>> cues = TrackCues(p, t);
    if (!cues.ok()) {
      skipped.push_back({{"key", key}, {"error", std::string(ErrorCodeName(cues.status().code()))},
                         {"reason", cues.status().message()}});
      continue;
    }
    std::vector<subtitle::Cue> kept = Clip(std::move(cues).value(), p.at("length_seconds"));
    if (kept.empty()) {
      skipped.push_back({{"key", key}, {"error", "invalid_argument"},
                         {"reason", "no cue falls within the video's duration"}});
      continue;
    }
    std::string file = t.at("file"), vtt = subtitle::WriteWebVtt(kept);
    if (Status readable = CheckReadable(vtt); !readable.ok()) {
      skipped.push_back({{"key", key}, {"error", "invalid_argument"}, {"reason", readable.message()}});
      continue;
    }
    RETURN_IF_ERROR(WriteFileAtomically(out + "/" + file, vtt));
    written.push_back({{"key", key}, {"file", file}, {"cues", kept.size()}});
  }
  return json{{"tracks", written}, {"skipped", skipped}};
}

StatusOr<json> RunCaptions(const json& p, ports::SpeechToText& stt) {
  ASSIGN_OR_RETURN(std::vector<int16_t> pcm,
                   media::DecodeMonoPcm(p.at("input"), p.at("stream"), ports::kSpeechSampleRate,
                                        p.at("origin_seconds"), p.at("max_seconds")));
  ASSIGN_OR_RETURN(auto words, stt.Transcribe(pcm, p.at("language")));
  std::vector<subtitle::TimedWord> timed;
  for (const auto& w : words) timed.push_back({w.text, w.start_ms, w.end_ms});
  std::vector<subtitle::Cue> cues = subtitle::ShapeCaptions(timed);
  double seconds = static_cast<double>(pcm.size()) / ports::kSpeechSampleRate;
  json result = {{"tracks", json::array()}, {"words", words.size()}, {"audio_seconds", seconds}};
  // No speech recognised: no track (an empty one would only clutter menus).
  if (cues.empty()) return result;
  std::string vtt = subtitle::WriteWebVtt(cues);
  if (Status readable = CheckReadable(vtt); !readable.ok()) {
    result["skipped"] = json::array({{{"key", p.at("key")}, {"error", "invalid_argument"},
                                      {"reason", readable.message()}}});
    return result;
  }
  RETURN_IF_ERROR(WriteFileAtomically(p.at("output"), vtt));
  result["tracks"].push_back({{"key", p.at("key")}, {"cues", cues.size()}});
  return result;
}

}  // namespace vtp::pipeline
