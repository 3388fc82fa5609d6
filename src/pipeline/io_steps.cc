#include "pipeline/io_steps.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>

#include "pipeline/json_codec.h"
#include "pipeline/manifests.h"
#include "pipeline/output_dir.h"

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
  return r;
}

Status WriteAtomically(const fs::path& path, const std::string& text) {
  fs::path part = path.string() + ".part";
  {
    std::ofstream f(part, std::ios::trunc | std::ios::binary);
    f << text;
    if (!f) return IoError("writing " + part.string());
  }
  std::error_code ec;
  fs::rename(part, path, ec);
  if (ec) return IoError("renaming " + part.string() + ": " + ec.message());
  return Status::Ok();
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

Status LinkOrCopy(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  fs::create_hard_link(from, to, ec);
  if (!ec) return Status::Ok();
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) return IoError("copying " + from.string() + ": " + ec.message());
  return Status::Ok();
}

}  // namespace

StatusOr<json> IngestOriginal(const json& p, ports::BlobStore& blobs) {
  std::string source = p.at("source"), expected = p.at("sha256"), key = p.at("key");
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
  if (!path) return Internal("the blob store cannot give media code a local path");
  return json{{"key", key}, {"sha256", stored}, {"bytes", bytes}, {"path", *path}};
}

StatusOr<json> WriteManifestFiles(const json& p) {
  std::vector<PackagedRendition> video;
  for (const auto& v : p.at("video")) video.push_back(RenditionFrom(v));
  std::optional<PackagedRendition> audio;
  if (p.contains("audio")) audio = RenditionFrom(p.at("audio"));
  ASSIGN_OR_RETURN(auto files, BuildManifests(video, audio));
  fs::path out = p.at("out_dir").get<std::string>();
  fs::create_directories(out);
  json names = json::array();
  for (const auto& [rel, text] : files) {
    fs::create_directories((out / rel).parent_path());
    RETURN_IF_ERROR(WriteAtomically(out / rel, text));
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
  ASSIGN_OR_RETURN(StagingDir staging, StagingDir::Create(to, p.at("original"), p.at("replace")));
  for (const auto& [rel, size] : files) {
    RETURN_IF_ERROR(LinkOrCopy(from / rel, fs::path(staging.path()) / rel));
  }
  RETURN_IF_ERROR(staging.Publish());
  return result;
}

}  // namespace vtp::pipeline
