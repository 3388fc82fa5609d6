#include "pipeline/work_sync.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <utility>

namespace vtp::pipeline {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kOriginalsDir[] = "originals";

std::string Normal(const std::string& path) {
  std::string s = fs::path(path).lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

// `path` below `root` (both normal): the rest, or nullopt.
std::optional<std::string> Below(const std::string& path, const std::string& root) {
  if (root.empty() || path.size() <= root.size() + 1) return std::nullopt;
  if (path.compare(0, root.size(), root) != 0 || path[root.size()] != '/') return std::nullopt;
  return path.substr(root.size() + 1);
}

// "<video>[/<rest>]" under `area`; the work area's originals/ copies map to
// the originals area and are never pushed.
std::optional<WorkRef> MapUnder(const std::string& local, const std::string& rest, const std::string& area,
                                bool work) {
  size_t slash = rest.find('/');
  std::string video = rest.substr(0, slash);
  if (video.empty() || video == "." || video == ".." || video.front() == '.') return std::nullopt;
  std::string inner = slash == std::string::npos ? "" : rest.substr(slash + 1);
  WorkRef ref{local, area + "/" + rest, video, true};
  if (work && (inner == kOriginalsDir || inner.rfind(std::string(kOriginalsDir) + "/", 0) == 0)) {
    ref.key = std::string(kOriginalsDir) + "/" + video;
    if (inner.size() > sizeof(kOriginalsDir) - 1) ref.key += inner.substr(sizeof(kOriginalsDir) - 1);
    ref.push = false;
  }
  return ref;
}

std::optional<WorkRef> MapPath(const std::string& text, const WorkRoots& roots) {
  if (text.empty() || text.front() != '/') return std::nullopt;
  std::string local = Normal(text);
  if (auto rest = Below(local, Normal(roots.work_root))) return MapUnder(local, *rest, "segments", true);
  if (auto rest = Below(local, Normal(roots.public_root))) return MapUnder(local, *rest, "transcoded", false);
  return std::nullopt;
}

void Collect(const json& j, const WorkRoots& roots, std::map<std::string, WorkRef>& out) {
  if (j.is_string()) {
    if (auto ref = MapPath(j.get<std::string>(), roots)) out.emplace(ref->local, *ref);
  } else if (j.is_array() || j.is_object()) {
    for (const auto& item : j) Collect(item, roots, out);
  }
}

// Publish names the original only to check that the output directory does
// not contain it: fetching it would cost a download of the whole upload.
bool NotAnInput(const std::string& step, const std::string& key) {
  return step == "publish" && key == "original";
}

// Publishing to a directory outside the roots (`vtp run -o OUT`): OUT's
// files travel as transcoded/<video>, the video being the one of "from".
void AddPublishTarget(const json& params, const WorkRoots& roots, std::map<std::string, WorkRef>& out) {
  if (!params.contains("to") || !params["to"].is_string() || !params.contains("from") ||
      !params["from"].is_string()) {
    return;
  }
  std::string to = params["to"].get<std::string>();
  if (to.empty() || to.front() != '/' || MapPath(to, roots)) return;
  std::optional<WorkRef> from = MapPath(params["from"].get<std::string>(), roots);
  if (!from) return;
  WorkRef ref{Normal(to), "transcoded/" + from->video, from->video, true};
  out.emplace(ref.local, ref);
}

// `local` relative to `ref` ("" for the ref itself), or nullopt.
std::optional<std::string> RelativeTo(const std::string& local, const WorkRef& ref) {
  if (local == ref.local) return std::string();
  return Below(local, ref.local);
}

// Push order: 0 media, 1 playlists, 2 masters (playlists directly under
// "<area>/<video>/"), as publish's MergeInto orders a local merge.
int PushRank(const std::string& key) {
  bool playlist = key.ends_with(".m3u8") || key.ends_with(".mpd");
  if (!playlist) return 0;
  size_t area = key.find('/');
  size_t video = area == std::string::npos ? area : key.find('/', area + 1);
  bool master = video != std::string::npos && key.find('/', video + 1) == std::string::npos;
  return master ? 2 : 1;
}

std::optional<FileStamp> Stamp(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return FileStamp{static_cast<uint64_t>(st.st_size),
                   static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}


// Whether the local copy already holds the blob: size first, then SHA-256.
StatusOr<bool> Identical(const ports::BlobStore& blobs, const Transfer& t) {
  std::optional<FileStamp> local = Stamp(t.local);
  if (!local || local->size != t.size) return false;
  ASSIGN_OR_RETURN(std::string recorded, blobs.Checksum(t.key));
  ASSIGN_OR_RETURN(std::string actual, FileSha256(t.local));
  return recorded == actual;
}

}  // namespace

namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

StatusOr<std::string> FileSha256(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("cannot read " + path);
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) return Internal("SHA-256 init failed");
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.gcount() > 0 && EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(in.gcount())) != 1) {
      return Internal("SHA-256 update failed");
    }
  }
  if (in.bad()) return IoError("error reading " + path);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(ctx.get(), md, &n) != 1) return Internal("SHA-256 final failed");
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

std::vector<WorkRef> ReferencedWork(const std::string& step, const json& params, const WorkRoots& roots) {
  std::map<std::string, WorkRef> found;
  if (params.is_object()) {
    for (const auto& [key, value] : params.items()) {
      if (!NotAnInput(step, key)) Collect(value, roots, found);
    }
    if (step == "publish") AddPublishTarget(params, roots, found);
  } else {
    Collect(params, roots, found);
  }
  std::vector<WorkRef> refs;
  for (auto& [local, ref] : found) refs.push_back(std::move(ref));
  return refs;
}

std::vector<Transfer> PlanFetch(const std::vector<WorkRef>& refs, const std::vector<ports::BlobInfo>& listed) {
  std::map<std::string, Transfer> plan;
  for (const auto& blob : listed) {
    for (const auto& ref : refs) {
      if (blob.key == ref.key) {
        plan.emplace(blob.key, Transfer{blob.key, ref.local, blob.size});
      } else if (auto rest = Below(blob.key, ref.key); rest && !IsTemporaryPath(*rest)) {
        plan.emplace(blob.key, Transfer{blob.key, ref.local + "/" + *rest, blob.size});
      }
    }
  }
  std::vector<Transfer> out;
  for (auto& [key, t] : plan) out.push_back(std::move(t));
  return out;
}

bool IsTemporaryPath(std::string_view rel) {
  while (!rel.empty()) {
    size_t slash = rel.find('/');
    std::string_view part = rel.substr(0, slash);
    if (part.starts_with('.') || part.ends_with(".part") || part.find(".tmp.") != std::string_view::npos) {
      return true;
    }
    if (slash == std::string_view::npos) break;
    rel.remove_prefix(slash + 1);
  }
  return false;
}

std::vector<Transfer> PlanPush(const std::vector<WorkRef>& refs, const WorkSnapshot& before,
                               const WorkSnapshot& after, const StoredSizes& stored) {
  std::map<std::string, Transfer> plan;
  for (const auto& [local, stamp] : after) {
    auto was = before.find(local);
    bool changed = was == before.end() || was->second != stamp;
    for (const auto& ref : refs) {
      std::optional<std::string> rel = RelativeTo(local, ref);
      if (!ref.push || !rel || IsTemporaryPath(*rel)) continue;
      std::string key = rel->empty() ? ref.key : ref.key + "/" + *rel;
      auto held = stored.find(key);
      if (!changed && held != stored.end() && held->second == stamp.size) continue;
      plan.emplace(key, Transfer{key, local, stamp.size});
    }
  }
  std::vector<Transfer> out;
  for (int rank = 0; rank <= 2; ++rank) {
    for (const auto& [key, t] : plan) {
      if (PushRank(key) == rank) out.push_back(t);
    }
  }
  return out;
}

WorkSnapshot SnapshotWork(const std::vector<WorkRef>& refs) {
  WorkSnapshot snap;
  for (const auto& ref : refs) {
    std::error_code ec;
    if (auto s = Stamp(ref.local)) {
      snap[ref.local] = *s;
      continue;
    }
    if (!fs::is_directory(ref.local, ec)) continue;
    for (auto it = fs::recursive_directory_iterator(ref.local, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      std::string path = it->path().string();
      std::optional<std::string> rel = Below(path, ref.local);
      if (!rel || IsTemporaryPath(*rel)) continue;
      if (auto s = Stamp(path)) snap[path] = *s;
    }
  }
  return snap;
}

StatusOr<PullStats> PullWork(const ports::BlobStore& blobs, const std::vector<WorkRef>& refs) {
  std::vector<ports::BlobInfo> listed;
  for (const auto& ref : refs) {
    // A ref inside another ref's directory is covered by that listing.
    bool covered = std::any_of(refs.begin(), refs.end(),
                               [&](const WorkRef& o) { return Below(ref.key, o.key).has_value(); });
    if (covered) continue;
    ASSIGN_OR_RETURN(std::vector<ports::BlobInfo> infos, blobs.ListInfo(ref.key));
    listed.insert(listed.end(), infos.begin(), infos.end());
  }
  PullStats stats;
  for (const auto& blob : listed) stats.stored[blob.key] = blob.size;
  for (const Transfer& t : PlanFetch(refs, listed)) {
    ASSIGN_OR_RETURN(bool same, Identical(blobs, t));
    if (same) {
      ++stats.skipped;
      continue;
    }
    std::error_code ec;
    fs::create_directories(fs::path(t.local).parent_path(), ec);
    if (ec) return IoError("creating the directory of " + t.local + ": " + ec.message());
    Status got = blobs.GetToFile(t.key, t.local);
    if (!got.ok()) return got.WithContext("fetching " + t.key);
    ++stats.fetched;
  }
  return stats;
}

StatusOr<int> PushWork(ports::BlobStore& blobs, const std::vector<Transfer>& pushes) {
  int n = 0;
  for (const Transfer& t : pushes) {
    StatusOr<std::string> put = blobs.PutFile(t.key, t.local);
    if (!put.ok()) return put.status().WithContext("uploading " + t.local);
    ++n;
  }
  return n;
}

// ---- VideoWorkLock --------------------------------------------------------------

StatusOr<VideoWorkLock> VideoWorkLock::Acquire(const WorkRoots& roots, const std::vector<WorkRef>& refs) {
  std::string dir = roots.work_root + "/.locks";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return IoError("creating " + dir + ": " + ec.message());
  VideoWorkLock lock(roots, {});
  std::set<std::string> videos;
  for (const auto& ref : refs) videos.insert(ref.video);
  for (const auto& video : videos) {
    std::string path = dir + "/" + video + ".lock";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return IoError("opening " + path);
    lock.held_[video] = fd;
    if (::flock(fd, LOCK_SH) != 0) return IoError("locking " + path);
  }
  return lock;
}

VideoWorkLock::VideoWorkLock(VideoWorkLock&& o) noexcept
    : roots_(std::move(o.roots_)), held_(std::exchange(o.held_, {})) {}

VideoWorkLock& VideoWorkLock::operator=(VideoWorkLock&& o) noexcept {
  if (this != &o) {
    Release();
    roots_ = std::move(o.roots_);
    held_ = std::exchange(o.held_, {});
  }
  return *this;
}

VideoWorkLock::~VideoWorkLock() { Release(); }

void VideoWorkLock::Release() {
  for (const auto& [video, fd] : held_) ::close(fd);  // closing drops the flock
  held_.clear();
}

std::vector<std::string> VideoWorkLock::ReleaseAndClean() {
  std::vector<std::string> cleaned;
  for (const auto& [video, fd] : held_) {
    // flock conversion is not atomic: unlock first so two finishing tasks
    // cannot both wait for each other's shared lock.
    ::flock(fd, LOCK_UN);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) continue;
    std::error_code ec;
    fs::remove_all(roots_.work_root + "/" + video, ec);
    fs::remove_all(roots_.public_root + "/" + video, ec);
    cleaned.push_back(video);
  }
  Release();
  return cleaned;
}

}  // namespace vtp::pipeline
