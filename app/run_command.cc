// `vtp run INPUT -o OUTDIR [options]`: embedded mode. Submits INPUT to the
// data directory's durable engine, runs local worker processes until the
// video is ready or failed, and prints the result. The job lives in the
// store, not in this process: killed at any point and started again with the
// same arguments, it resumes where it was (completed tasks are not redone).
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "adapters/blob_checksum.h"
#include "app/commands.h"
#include "app/drm_flags.h"
#include "app/drive.h"
#include "app/local_workers.h"
#include "app/progress_bar.h"
#include "app/runtime.h"
#include "engine/progress.h"
#include "media/logging.h"
#include "pipeline/atomic_files.h"
#include "pipeline/output_dir.h"
#include "pipeline/planner.h"
#include "pipeline/report.h"
#include "subtitle/parse.h"

namespace vtp::app {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr uintmax_t kMaxSubtitleBytes = 16u << 20;

constexpr const char* kRunUsage =
    "usage: vtp run INPUT -o OUTDIR [options]\n"
    "\n"
    "Transcodes INPUT into an H.264 ladder (plus HEVC, VP9 and AV1 ladders on request) with loudness-normalised AAC and Opus\n"
    "audio, thumbnails, seek-preview sprites and WebVTT subtitles, packaged as\n"
    "HLS (CMAF fMP4 and MPEG-TS) and DASH. Output appears in OUTDIR only once\n"
    "complete. The job is durable: interrupted, the same command resumes it.\n"
    "\n"
    "options:\n"
    "  -o, --output DIR         output directory (must not exist or be empty)\n"
    "  --data DIR               data directory (default $VTP_DATA_DIR or ~/.local/share/vtp)\n"
    "  --workers N              parallel worker processes (default: half the CPU cores)\n"
    "  --segment-seconds S      segment length, 1..60 (default 4)\n"
    "  --max-chunks N           cap on chunks; 1 disables chunking (default: auto)\n"
    "  --encoder-threads N      threads per x265/VP9/AV1 encoder (default 1; x264 always\n"
    "                           uses 1, the only setting that gives byte-identical output)\n"
    "  --preset NAME            x264 preset, ultrafast..veryslow (default medium)\n"
    "  --codecs LIST            video codecs: h264 plus any of hevc, vp9, av1 (default h264;\n"
    "                           `vtp views` adds more later, as the codec policy decides)\n"
    "  --no-hdr                 tone-map HDR sources to SDR in every codec (default: HEVC,\n"
    "                           VP9 and AV1 keep 10-bit HDR; H.264 is always SDR)\n"
    "  --priority P             low, normal, high or urgent (default normal)\n"
    "  --gpu-wait-ms MS         a chunk task waiting this long for a GPU worker moves to the\n"
    "                           CPU pool (default 120000; 0: only when no GPU worker is alive)\n"
    "  --keep-work              keep intermediates after success (for `vtp retry`)\n"
    "  --force                  replace a non-empty OUTDIR\n"
    "  --json                   print a machine-readable summary on stdout\n"
    "  --quiet                  no progress output\n"
    "\n"
    "audio (every audio track of the input becomes an alternate rendition):\n"
    "  --audio-aac LIST         AAC-LC stereo bitrates in kb/s (default 64,128,192)\n"
    "  --audio-opus LIST        Opus stereo bitrates in kb/s, or none (default 64,96,128)\n"
    "  --no-surround            no 5.1 AAC rendition for multichannel tracks\n"
    "  --loudness TARGET        streaming (-16 LUFS), broadcast (-23 LUFS), a LUFS\n"
    "                           value, or off (default streaming)\n"
    "  --true-peak DBTP         true-peak ceiling, -9..0 dBTP (default -1)\n"
    "\n"
    "thumbnails:\n"
    "  --no-thumbnails          no poster, stills or seek-preview sprites\n"
    "  --poster-at SECONDS      poster position (default: 10% in, at most 30 s)\n"
    "  --still-interval S       keyframe stills every S seconds (default 10)\n"
    "  --sprite-interval S      one sprite tile every S seconds (default 2)\n"
    "  --sprite-grid CxR        tiles per sprite sheet (default 5x5)\n"
    "  --sprite-width N         tile width in pixels (default 160)\n"
    "\n"
    "subtitles:\n"
    "  --subtitle LANG:FILE     add a subtitle file (SRT, WebVTT, ASS/SSA); repeatable\n"
    "  --captions LANG          speech-to-text captions (English model: en)\n";

struct RunArgs {
  std::string input;
  std::string data;
  int workers = 0;
  ports::Priority priority = ports::Priority::kNormal;
  bool keep_work = false;
  int64_t gpu_wait_ms = -1;  // -1: the runtime's default
  bool as_json = false;
  bool quiet = false;
  bool any_drm_flag = false;  // a --drm-* flag was given (needs --drm)
  pipeline::JobOptions job;
};

bool ParseInt(const char* s, int lo, int hi, int* out) {
  char* end = nullptr;
  long v = std::strtol(s, &end, 10);
  if (end == s || *end != '\0' || v < lo || v > hi) return false;
  *out = static_cast<int>(v);
  return true;
}

int Fail(const Status& s, bool as_json) {
  std::fprintf(stderr, "vtp run: %s\n", s.ToString().c_str());
  if (as_json) {
    nlohmann::json j = {{"status", "failed"},
                        {"error", {{"code", std::string(ErrorCodeName(s.code()))}, {"message", s.message()}}}};
    std::puts(j.dump(2).c_str());
  }
  return ErrorCodeExitStatus(s.code());
}

bool ParseDouble(const char* s, double lo, double hi, double* out) {
  char* end = nullptr;
  double v = std::strtod(s, &end);
  if (end == s || *end != '\0' || !(v >= lo && v <= hi)) return false;
  *out = v;
  return true;
}

// "64,128,192" -> {64, 128, 192}; "none" -> {} when allowed.
bool ParseKbpsList(const std::string& s, bool allow_none, std::vector<int>* out) {
  out->clear();
  if (s == "none") return allow_none;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t comma = s.find(',', pos);
    std::string item = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    int v = 0;
    if (!ParseInt(item.c_str(), 16, 512, &v)) return false;
    out->push_back(v);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return !out->empty();
}

bool ParseGrid(const std::string& s, int* cols, int* rows) {
  size_t x = s.find('x');
  if (x == std::string::npos) return false;
  return ParseInt(s.substr(0, x).c_str(), 1, 20, cols) && ParseInt(s.substr(x + 1).c_str(), 1, 20, rows);
}

bool ParseLoudness(const std::string& s, pipeline::AudioOptions* a) {
  a->normalize = s != "off";
  if (s == "off") return true;
  if (s == "streaming") {
    a->target_lufs = pipeline::kStreamingLufs;
  } else if (s == "broadcast") {
    a->target_lufs = pipeline::kBroadcastLufs;
  } else {
    return ParseDouble(s.c_str(), -40, -5, &a->target_lufs);
  }
  return true;
}


bool IsPreset(const std::string& p) {
  static const char* kPresets[] = {"ultrafast", "superfast", "veryfast", "faster", "fast",
                                   "medium", "slow", "slower", "veryslow", "placebo"};
  for (const char* k : kPresets) {
    if (p == k) return true;
  }
  return false;
}

// 0 when parsed; otherwise the exit status (help printed, or a bad flag).
int Parse(int argc, char** argv, RunArgs& a) {
  a.data = TakeDataFlag(argc, argv);
  for (int i = 0; i < argc; ++i) {
    std::string f = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "vtp run: %s needs a value\n", f.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    auto bad = [&](const char* what) { return Fail(InvalidArgument(what), a.as_json); };
    if (f == "--help" || f == "-h") {
      std::fputs(kRunUsage, stdout);
      std::fputs(kDrmUsage, stdout);
      return -1;
    } else if (f == "-o" || f == "--output") {
      a.job.output_dir = value();
    } else if (f == "--workers") {
      if (!ParseInt(value(), 1, 256, &a.workers)) return bad("--workers must be 1..256");
    } else if (f == "--segment-seconds") {
      int s = 0;
      if (!ParseInt(value(), 1, 60, &s)) return bad("--segment-seconds must be 1..60");
      a.job.segment_seconds = s;
      a.job.gop_seconds = s % 2 == 0 ? 2.0 : 1.0;
    } else if (f == "--max-chunks") {
      if (!ParseInt(value(), 0, 100000, &a.job.max_chunks)) return bad("--max-chunks must be >= 0");
    } else if (f == "--encoder-threads") {
      if (!ParseInt(value(), 0, 64, &a.job.encoder_threads)) return bad("--encoder-threads must be 0..64");
    } else if (f == "--preset") {
      a.job.x264_preset = value();
      if (!IsPreset(a.job.x264_preset)) return bad("--preset must be an x264 preset name (ultrafast..veryslow)");
    } else if (f == "--codecs") {
      a.job.codecs = SplitList(value());
      if (Status s = pipeline::ValidateCodecs(a.job.codecs); !s.ok()) return Fail(s.WithContext("--codecs"), a.as_json);
    } else if (f == "--gpu-wait-ms") {
      double ms = 0;
      if (!ParseDouble(value(), 0, 1e12, &ms)) return bad("--gpu-wait-ms must be a number of milliseconds >= 0");
      a.gpu_wait_ms = static_cast<int64_t>(ms);
    } else if (f == "--no-hdr") {
      a.job.keep_hdr = false;
    } else if (f == "--priority") {
      auto p = ports::PriorityFromName(value());
      if (!p) return bad("--priority must be low, normal, high or urgent");
      a.priority = *p;
    } else if (f == "--keep-work") {
      a.keep_work = true;
    } else if (f == "--force") {
      a.job.replace_output = true;
    } else if (f == "--json") {
      a.as_json = true;
    } else if (f == "--quiet") {
      a.quiet = true;
    } else if (f == "--audio-aac") {
      if (!ParseKbpsList(value(), false, &a.job.audio.aac_kbps)) return bad("--audio-aac must list bitrates 16..512 (kb/s), e.g. 64,128,192");
    } else if (f == "--audio-opus") {
      if (!ParseKbpsList(value(), true, &a.job.audio.opus_kbps)) return bad("--audio-opus must list bitrates 16..512 (kb/s) or be none");
    } else if (f == "--no-surround") {
      a.job.audio.surround = false;
    } else if (f == "--loudness") {
      if (!ParseLoudness(value(), &a.job.audio)) return bad("--loudness must be streaming, broadcast, off or a target in -40..-5 LUFS");
    } else if (f == "--true-peak") {
      if (!ParseDouble(value(), -9, 0, &a.job.audio.true_peak_dbtp)) return bad("--true-peak must be -9..0 dBTP");
    } else if (f == "--no-thumbnails") {
      a.job.thumbnails.enabled = false;
    } else if (f == "--poster-at") {
      if (!ParseDouble(value(), 0, 12 * 3600, &a.job.thumbnails.poster_seconds)) return bad("--poster-at must be 0..43200 seconds");
    } else if (f == "--still-interval") {
      if (!ParseDouble(value(), 1, 3600, &a.job.thumbnails.still_interval)) return bad("--still-interval must be 1..3600 seconds");
    } else if (f == "--sprite-interval") {
      if (!ParseDouble(value(), 0.5, 600, &a.job.thumbnails.sprite_interval)) return bad("--sprite-interval must be 0.5..600 seconds");
    } else if (f == "--sprite-grid") {
      if (!ParseGrid(value(), &a.job.thumbnails.sprite_cols, &a.job.thumbnails.sprite_rows)) return bad("--sprite-grid must be CxR, each 1..20 (e.g. 5x5)");
    } else if (f == "--sprite-width") {
      if (!ParseInt(value(), 32, 640, &a.job.thumbnails.sprite_width)) return bad("--sprite-width must be 32..640");
    } else if (f == "--subtitle") {
      std::string v = value();
      size_t colon = v.find(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == v.size()) return bad("--subtitle must be LANG:FILE, e.g. en:movie.srt");
      a.job.subtitles.push_back({v.substr(0, colon), v.substr(colon + 1), "", ""});
    } else if (f == "--captions") {
      a.job.captions_language = value();
    } else if (StatusOr<bool> drm = ParseDrmFlag(f, value, a.job.drm, a.any_drm_flag); !drm.ok() || *drm) {
      if (!drm.ok()) return Fail(drm.status(), a.as_json);
    } else if (!f.empty() && f[0] == '-') {
      std::fprintf(stderr, "vtp run: unknown option %s\n\n%s%s", f.c_str(), kRunUsage, kDrmUsage);
      return 2;
    } else if (a.input.empty()) {
      a.input = f;
    } else {
      std::fprintf(stderr, "vtp run: unexpected argument %s\n", f.c_str());
      return 2;
    }
  }
  if (a.input.empty() || a.job.output_dir.empty()) {
    std::fputs(kRunUsage, stderr);
    return 2;
  }
  return 0;
}

StatusOr<std::string> FileSha256(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NotFound("cannot open " + path + ": " + std::strerror(errno));
  StatusOr<std::string> sha = adapters::Sha256OfFd(fd);
  ::close(fd);
  return sha;
}

// The same upload with the same settings and destination is the same video,
// so running the command again finds (and resumes) the job it started.
StatusOr<std::string> VideoIdFor(const pipeline::JobOptions& job) {
  json identity = pipeline::ToJson(job);
  identity.erase("source");
  identity.erase("replace_output");
  for (auto& sub : identity["subtitles"]) sub.erase("source");
  ASSIGN_OR_RETURN(std::string key_file, KeyFileDigest(job.drm));
  if (!key_file.empty()) identity["drm"]["key_file"] = key_file;
  ASSIGN_OR_RETURN(std::string h, adapters::Sha256Hex(job.source_sha256 + "\n" + identity.dump()));
  return "v" + h.substr(0, 16);
}

// Each subtitle file is read and checked now, so a bad one is refused with
// the line at fault before anything is submitted.
Status PrepareSubtitles(pipeline::JobOptions& job) {
  for (auto& sub : job.subtitles) {
    std::error_code ec;
    if (!fs::is_regular_file(sub.source, ec)) return NotFound("subtitle file " + sub.source + " does not exist");
    if (fs::file_size(sub.source, ec) > kMaxSubtitleBytes) {
      return InvalidArgument("subtitle file " + sub.source + " is over 16 MiB");
    }
    ASSIGN_OR_RETURN(std::string bytes, pipeline::ReadFileBytes(sub.source));
    StatusOr<std::vector<subtitle::Cue>> cues = subtitle::ParseSubtitles(bytes, sub.source);
    if (!cues.ok()) return cues.status().WithContext(sub.source);
    ASSIGN_OR_RETURN(sub.sha256, FileSha256(sub.source));
    sub.ext = pipeline::SafeExtension(sub.source, 4, "txt");
    sub.source = fs::absolute(sub.source).lexically_normal().string();
  }
  return Status::Ok();
}

StatusOr<ports::VideoRecord> Prepare(RunArgs& a) {
  std::error_code ec;
  if (!fs::exists(a.input, ec)) return NotFound("no such file: " + a.input);
  if (!fs::is_regular_file(a.input, ec)) return InvalidArgument(a.input + " is not a regular file");
  a.job.source = fs::absolute(a.input).lexically_normal().string();
  a.job.output_dir = fs::weakly_canonical(fs::absolute(a.job.output_dir)).string();
  ASSIGN_OR_RETURN(a.job.source_sha256, FileSha256(a.input));
  a.job.source_ext = pipeline::SafeExtension(a.input, 7, "bin");
  RETURN_IF_ERROR(PrepareSubtitles(a.job));
  RETURN_IF_ERROR(PrepareDrm(a.job.drm, a.any_drm_flag));
  RETURN_IF_ERROR(pipeline::ValidateJobOptions(a.job));
  // The chunk plan is cut for the parallelism that will run it.
  if (a.workers <= 0) a.workers = pipeline::DefaultWorkersHere();
  a.job.chunk_workers = a.workers;
  ports::VideoRecord v;
  ASSIGN_OR_RETURN(v.video_id, VideoIdFor(a.job));
  v.title = fs::path(a.input).filename().string();
  v.original_key = pipeline::OriginalKey(v.video_id, a.job.source_ext);
  v.original_format = a.job.source_ext;
  v.file_size_bytes = static_cast<int64_t>(fs::file_size(a.input));
  v.priority = a.priority;
  v.preset = a.job.x264_preset;
  v.options_json = pipeline::ToJson(a.job).dump();
  return v;
}

// Submits the video, or picks up the job an earlier run left: a failed one
// is given another go (its dead tasks requeued), a ready one whose output
// is gone is published again.
Status SubmitOrResume(Runtime& rt, const ports::VideoRecord& v, bool* already_done) {
  *already_done = false;
  StatusOr<ports::VideoRecord> existing = rt.store->GetVideo(v.video_id);
  if (!existing.ok() && existing.status().code() != ErrorCode::kNotFound) return existing.status();
  ASSIGN_OR_RETURN(pipeline::JobOptions job, pipeline::JobOptionsFromJson(json::parse(v.options_json)));
  bool published = existing.ok() && existing->status == ports::VideoStatus::kReady;
  std::error_code ec;
  if (published && fs::is_directory(job.output_dir, ec) && !fs::is_empty(job.output_dir, ec)) {
    *already_done = true;
    return Status::Ok();
  }
  RETURN_IF_ERROR(pipeline::CheckOutputDir(job.output_dir, job.source, job.replace_output));
  if (!existing.ok()) return rt.scheduler->Submit(v);
  if (existing->options_json != v.options_json) {
    // Same job (same content, settings and destination), maybe another path
    // to the upload or --force now: tasks planned from here on use these.
    existing->options_json = v.options_json;
    RETURN_IF_ERROR(rt.store->UpdateVideo(*existing));
  }
  ASSIGN_OR_RETURN(auto tasks, rt.store->ListTasks(v.video_id));
  std::vector<std::string> owners;
  for (const auto& t : tasks) {
    if (t.state == ports::TaskState::kRunning) owners.push_back(t.lease_owner);
  }
  RETURN_IF_ERROR(ReclaimDeadLocalWorkers(*rt.store, owners).status());
  if (published) {
    // Intermediates are removed after success, so redo from the probe.
    std::string from = fs::is_directory(rt.paths.WorkDir(v.video_id) + "/out", ec) ? "publish" : "probe";
    return rt.scheduler->RetryFrom(v.video_id, from);
  }
  if (existing->status == ports::VideoStatus::kFailed) {
    bool requeued = false;
    for (const auto& t : tasks) {
      if (t.state != ports::TaskState::kFailed) continue;
      RETURN_IF_ERROR(rt.scheduler->RequeueDeadLetter(t.task_id));
      requeued = true;
    }
    if (!requeued) return rt.scheduler->RetryFrom(v.video_id, "probe");
  }
  return rt.scheduler->Advance(v.video_id).status();
}

json SummaryJson(const pipeline::RunReport& r) {
  json rends = json::array();
  for (const auto& s : r.renditions) {
    rends.push_back({{"name", s.name}, {"kind", s.kind}, {"codec", s.codecs},
                     {"width", s.width}, {"height", s.height}, {"segments", s.segments},
                     {"duration_seconds", s.duration_seconds}, {"fmp4_bytes", s.fmp4_bytes},
                     {"ts_bytes", s.ts_bytes}, {"peak_bitrate", s.peak_bitrate},
                     {"average_bitrate", s.average_bitrate}});
  }
  json steps = json::object();
  for (const auto& [name, s] : r.steps) {
    steps[name] = {{"tasks", s.tasks}, {"wall_seconds", s.wall_seconds}, {"cpu_seconds", s.cpu_seconds}};
  }
  json audio = json::array(), subtitles = json::array(), skipped = json::array();
  for (const auto& a : r.audio_tracks) {
    audio.push_back({{"track", a.key}, {"integrated_lufs", a.integrated_lufs}, {"true_peak_dbtp", a.true_peak_dbtp},
                     {"lra_lu", a.lra_lu}, {"silent", a.silent}, {"gain_db", a.gain_db}});
  }
  for (const auto& s : r.subtitles) subtitles.push_back({{"track", s.key}, {"cues", s.cues}, {"captions", s.captions}});
  for (const auto& s : r.skipped_subtitles) skipped.push_back({{"track", s.key}, {"reason", s.reason}});
  return {{"status", "ready"}, {"video_id", r.video_id}, {"input", r.source.path},
          {"audio_tracks", audio}, {"subtitles", subtitles}, {"skipped_subtitles", skipped},
          {"thumbnails", {{"posters", r.posters}, {"stills", r.stills}, {"sprites", r.sprites},
                          {"poster_seconds", r.poster_seconds}}},
          {"output_dir", r.output_dir},
          {"manifests", {{"hls", r.output_dir + "/manifest.m3u8"},
                         {"hls_ts", r.output_dir + "/manifest_ts.m3u8"},
                         {"dash", r.output_dir + "/manifest.mpd"}}},
          {"chunks", r.chunks}, {"renditions", rends}, {"steps", steps},
          {"wall_seconds", r.wall_seconds}, {"cpu_seconds", r.cpu_seconds}};
}

void PrintReady(const pipeline::RunReport& r) {
  const char* o = r.output_dir.c_str();
  std::printf("ready: %s (video %s)\n  HLS (CMAF):    %s/manifest.m3u8\n  HLS (MPEG-TS): %s/manifest_ts.m3u8\n"
              "  DASH:          %s/manifest.mpd\n  %zu renditions, %.1f s wall, %.1f CPU-s\n",
              o, r.video_id.c_str(), o, o, o, r.renditions.size(), r.wall_seconds, r.cpu_seconds);
  for (const auto& a : r.audio_tracks) {
    if (a.silent) {
      std::printf("  audio %-8s silent (left as is)\n", a.key.c_str());
    } else {
      std::printf("  audio %-8s %.1f LUFS, %.1f dBTP, LRA %.1f LU -> gain %+.1f dB\n", a.key.c_str(),
                  a.integrated_lufs, a.true_peak_dbtp, a.lra_lu, a.gain_db);
    }
  }
  for (const auto& s : r.subtitles) {
    std::printf("  subtitles %-8s %d cues%s\n", s.key.c_str(), s.cues, s.captions ? " (speech to text)" : "");
  }
  for (const auto& s : r.skipped_subtitles) {
    std::fprintf(stderr, "vtp run: warning: subtitle track %s skipped: %s\n", s.key.c_str(), s.reason.c_str());
  }
}

}  // namespace

int RunCommand(int argc, char** argv) {
  RunArgs a;
  if (int rc = Parse(argc, argv, a); rc != 0) return rc < 0 ? 0 : rc;
  media::ConfigureLibavLogging();
  StatusOr<ports::VideoRecord> video = Prepare(a);
  if (!video.ok()) return Fail(video.status(), a.as_json);
  auto rt = Runtime::Open(a.data);
  if (!rt.ok()) return Fail(rt.status(), a.as_json);
  Runtime& r = **rt;
  if (a.gpu_wait_ms >= 0) r.reroute.gpu_wait_ms = a.gpu_wait_ms;
  bool already_done = false;
  if (Status s = SubmitOrResume(r, *video, &already_done); !s.ok()) return Fail(s, a.as_json);
  InstallInterruptHandler();
  StatusOr<ports::VideoRecord> end = already_done ? r.store->GetVideo(video->video_id)
                                                  : Drive(r, a.workers, a.quiet, video->video_id);
  if (!end.ok()) return Fail(end.status(), a.as_json);
  if (end->status == ports::VideoStatus::kFailed) return Fail(FailureOf(r, *end), a.as_json);
  auto tasks = r.store->ListTasks(video->video_id);
  if (!tasks.ok()) return Fail(tasks.status(), a.as_json);
  auto report = pipeline::BuildRunReport(*end, *tasks);
  if (!report.ok()) return Fail(report.status(), a.as_json);
  if (!a.keep_work) {
    std::error_code ec;
    fs::remove_all(r.paths.WorkDir(video->video_id), ec);
  }
  if (a.as_json) {
    std::puts(SummaryJson(*report).dump(2).c_str());
  } else if (!a.quiet) {
    PrintReady(*report);
  }
  return 0;
}

}  // namespace vtp::app
