#include "pipeline/io_steps.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>

#include "pipeline/atomic_files.h"
#include "pipeline/drm_signalling.h"
#include "pipeline/json_codec.h"
#include "pipeline/manifests.h"
#include "pipeline/output_dir.h"
#include "pipeline/work_sync.h"
#include "subtitle/parse.h"

namespace vtp::pipeline {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

PackagedRendition RenditionFrom(const json& j) {
  PackagedRendition r;
  r.name = j.at("name");
  r.dir = j.at("dir");
  r.track = TrackFromJson(j.at("track"));
  if (j.contains("frame_rate")) r.frame_rate = RationalFromJson(j.at("frame_rate"));
  r.language = j.value("language", "");
  r.group = j.value("group", "");
  r.label = j.value("label", "");
  r.is_default = j.value("default", true);
  const json& track = j.at("track");
  r.codecs = track.value("codecs", "");
  r.video_range = track.value("video_range", "");
  return r;
}

// A subtitle track as the subtitles/captions step left it: its sidecar is
// read back (vtp wrote it, so it parses) for the segmented HLS copies.
StatusOr<SubtitleTrackOut> SubtitleFrom(const json& j, const fs::path& out) {
  SubtitleTrackOut t;
  t.key = j.at("key");
  t.language = j.value("language", "");
  t.label = j.value("label", "");
  t.file = j.at("file");
  t.captions = j.value("captions", false);
  StatusOr<std::string> read = ReadFileBytes((out / t.file).string());
  if (!read.ok()) return read.status().WithContext("subtitle sidecar missing");
  const std::string& bytes = *read;
  t.bytes = static_cast<int64_t>(bytes.size());
  StatusOr<std::vector<subtitle::Cue>> cues = subtitle::ParseSubtitles(bytes, t.file);
  if (!cues.ok()) return cues.status().WithContext(t.file);
  t.cues = std::move(cues).value();
  return t;
}

ThumbnailTrackOut ThumbnailsFrom(const json& j, const fs::path& out) {
  ThumbnailTrackOut t;
  std::error_code ec;
  for (const auto& s : j.at("sprites")) {
    std::string rel = "thumbnails/" + s.get<std::string>();
    t.bytes += static_cast<int64_t>(fs::file_size(out / rel, ec));
    t.sprites.push_back(rel);
  }
  t.cols = j.at("cols");
  t.rows = j.at("rows");
  t.tile_width = j.at("tile_width");
  t.tile_height = j.at("tile_height");
  t.interval_seconds = j.at("interval_seconds");
  return t;
}

// Relative path -> size of every regular file below `root`, sorted.
std::map<std::string, uintmax_t> Tree(const fs::path& root) {
  std::map<std::string, uintmax_t> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) files[fs::relative(e.path(), root).string()] = e.file_size();
  }
  return files;
}

bool SameBytes(const fs::path& a, const fs::path& b) {
  std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
  return std::equal(std::istreambuf_iterator<char>(fa), std::istreambuf_iterator<char>(),
                    std::istreambuf_iterator<char>(fb), std::istreambuf_iterator<char>());
}

bool SameTree(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  if (!fs::is_directory(to, ec)) return false;
  auto a = Tree(from), b = Tree(to);
  if (a != b) return false;
  for (const auto& [rel, size] : a) {
    if (!SameBytes(from / rel, to / rel)) return false;
  }
  return true;
}

// Publish order for a merge: media first, then media playlists, then the
// masters at the root, so no file ever names one that is not there yet.
int MergeRank(const std::string& rel) {
  bool root = rel.find('/') == std::string::npos;
  bool manifest = rel.size() > 5 && (rel.ends_with(".m3u8") || rel.ends_with(".mpd"));
  return manifest ? (root ? 2 : 1) : 0;
}

Status LinkOrCopy(const fs::path& from, const fs::path& to);

// Adds `from`'s new files to the publication at `to`. A file already
// published is never touched, except the masters at the root: players may
// be streaming it, and a re-encoded copy (a different encoder after an
// upgrade re-ran the job) could differ. New files and the masters are
// linked under a temporary name and renamed into place, so no player sees
// a missing or half-written file.
Status MergeInto(const fs::path& from, const fs::path& to, const std::map<std::string, uintmax_t>& files) {
  for (int rank = 0; rank <= 2; ++rank) {
    for (const auto& [rel, size] : files) {
      if (MergeRank(rel) != rank) continue;
      fs::path dst = to / rel;
      std::error_code ec;
      if (fs::exists(dst, ec) && (rank < 2 || (fs::file_size(dst, ec) == size && SameBytes(from / rel, dst)))) {
        continue;
      }
      fs::path tmp = dst;
      tmp += ".merge.part";
      fs::remove(tmp, ec);
      Status linked = LinkOrCopy(from / rel, tmp);
      if (linked.ok()) {
        fs::rename(tmp, dst, ec);
        if (ec) linked = IoError("publishing " + dst.string() + ": " + ec.message());
      }
      if (!linked.ok()) {
        fs::remove(tmp, ec);
        return linked;
      }
    }
  }
  return Status::Ok();
}

Status LinkOrCopy(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  fs::create_hard_link(from, to, ec);
  if (!ec) return Status::Ok();
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) return IoError("copying " + from.string() + ": " + ec.message());
  return Status::Ok();
}

// Stores `source` under the write-once `key` (or finds it stored by an
// earlier attempt) and checks it is the file that was submitted.
StatusOr<json> StoreOriginal(const std::string& source, const std::string& expected, const std::string& key,
                             const std::string& local_dir, ports::BlobStore& blobs) {
  ASSIGN_OR_RETURN(bool exists, blobs.Exists(key));
  std::string stored;
  if (exists) {
    ASSIGN_OR_RETURN(stored, blobs.Checksum(key));
  } else {
    std::error_code ec;
    if (!fs::is_regular_file(source, ec)) {
      return NotFound("the upload " + source + " is gone and no original was stored");
    }
    ASSIGN_OR_RETURN(stored, blobs.PutFile(key, source));
  }
  if (stored != expected) {
    return Status(ErrorCode::kCorruptInput, "original " + key + " has checksum " + stored +
                                                " but the upload had " + expected +
                                                " when submitted (changed since?)");
  }
  RETURN_IF_ERROR(blobs.Verify(key));
  ASSIGN_OR_RETURN(uint64_t bytes, blobs.Size(key));
  std::optional<std::string> path = blobs.LocalPath(key);
  if (!path) {
    // A remote store (S3): media code reads a verified local copy.
    if (local_dir.empty()) return Internal("the blob store cannot give media code a local path");
    path = local_dir + "/" + fs::path(key).filename().string();
    std::error_code ec;
    fs::create_directories(local_dir, ec);
    if (ec) return IoError("creating " + local_dir + ": " + ec.message());
    RETURN_IF_ERROR(blobs.GetToFile(key, *path));
    ASSIGN_OR_RETURN(std::string copied, FileSha256(*path));
    if (copied != stored) {
      return Status(ErrorCode::kCorruptInput, "local copy of " + key + " has checksum " + copied +
                                                  " but the store recorded " + stored);
    }
  }
  return json{{"key", key}, {"sha256", stored}, {"bytes", bytes}, {"path", *path}};
}

}  // namespace

StatusOr<json> IngestOriginal(const json& p, ports::BlobStore& blobs) {
  std::string local_dir = p.value("local_dir", "");
  ASSIGN_OR_RETURN(json original,
                   StoreOriginal(p.at("source"), p.at("sha256"), p.at("key"), local_dir, blobs));
  json subtitles = json::array();
  for (const auto& s : p.value("subtitles", json::array())) {
    StatusOr<json> stored = StoreOriginal(s.at("source"), s.at("sha256"), s.at("key"), local_dir, blobs);
    if (!stored.ok()) return stored.status().WithContext("subtitle file");
    subtitles.push_back(*stored);
  }
  original["subtitles"] = subtitles;
  return original;
}

StatusOr<json> WriteManifestFiles(const json& p) {
  fs::path out = p.at("out_dir").get<std::string>();
  ManifestInput in;
  for (const auto& v : p.at("video")) in.video.push_back(RenditionFrom(v));
  if (p.contains("audio") && p.at("audio").is_object()) {
    in.audio.push_back(RenditionFrom(p.at("audio")));  // a job planned before multi-track audio
  } else {
    for (const auto& a : p.value("audio", json::array())) in.audio.push_back(RenditionFrom(a));
  }
  for (const auto& s : p.value("subtitles", json::array())) {
    ASSIGN_OR_RETURN(SubtitleTrackOut t, SubtitleFrom(s, out));
    in.subtitles.push_back(std::move(t));
  }
  if (p.contains("thumbnails")) in.thumbnails = ThumbnailsFrom(p.at("thumbnails"), out);
  if (p.contains("drm")) RETURN_IF_ERROR(ApplyDrmSignalling(p.at("drm"), in));
  ASSIGN_OR_RETURN(auto files, BuildManifests(in));
  // Later versions (tier upgrades) also keep each master under a versioned
  // name: a CDN that cached the plain name can be pointed at the new one.
  if (int version = p.value("version", 1); version > 1) {
    std::string v = "_v" + std::to_string(version);
    files["manifest" + v + ".m3u8"] = files.at(kCmafMaster);
    files["manifest_ts" + v + ".m3u8"] = files.at(kTsMaster);
    files["manifest" + v + ".mpd"] = files.at(kMpd);
  }
  fs::create_directories(out);
  json names = json::array();
  for (const auto& [rel, text] : files) {
    RETURN_IF_ERROR(WriteFileAtomically((out / rel).string(), text));
    names.push_back(rel);
  }
  return json{{"files", names}};
}

StatusOr<json> PublishOutput(const json& p) {
  fs::path from = p.at("from").get<std::string>(), to = p.at("to").get<std::string>();
  std::error_code ec;
  if (!fs::is_directory(from, ec)) return NotFound("nothing to publish: " + from.string() + " is missing");
  auto files = Tree(from);
  json names = json::array();
  for (const auto& [rel, size] : files) names.push_back(rel);
  json result = {{"output_dir", fs::weakly_canonical(fs::absolute(to)).string()}, {"files", names}};
  if (SameTree(from, to)) return result;
  if (p.value("merge", false) && fs::is_directory(to, ec)) {
    RETURN_IF_ERROR(CheckOutputDir(to.string(), p.at("original"), true));
    RETURN_IF_ERROR(MergeInto(from, to, files));
    return result;
  }
  ASSIGN_OR_RETURN(StagingDir staging, StagingDir::Create(to, p.at("original"), p.at("replace")));
  for (const auto& [rel, size] : files) {
    RETURN_IF_ERROR(LinkOrCopy(from / rel, fs::path(staging.path()) / rel));
  }
  RETURN_IF_ERROR(staging.Publish());
  return result;
}

}  // namespace vtp::pipeline
