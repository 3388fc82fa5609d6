// Work sync: stateless workers. With `[work] sync = true` the task process
// (`vtp _task`) moves the files a task reads and writes through the blob
// store, so workers need not share the data directory:
//
//   DATA/work/<video>/originals/<f>   <->  originals/<video>/<f>   (pull only)
//   DATA/work/<video>/<rest>          <->  segments/<video>/<rest>
//   DATA/public/<video>/<rest>        <->  transcoded/<video>/<rest>
//   publish's "to" outside the roots  <->  transcoded/<video>/...  (vtp run -o OUT)
//
// Around ExecuteTask: PullWork (fetch what the parameters name, and keep the
// listing), then a snapshot, the run, a second snapshot, and PushWork of what
// changed or what the store lacks, before the result is reported. The
// planning half (ReferencedWork, PlanFetch, PlanPush, IsTemporaryPath) is
// pure; SnapshotWork, PullWork, PushWork and VideoWorkLock do the I/O. docs/distributed.md ("Stateless workers") has the whole picture.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "ports/blob_store.h"

namespace vtp::pipeline {

// Where a data directory keeps per-video intermediates and published trees.
struct WorkRoots {
  std::string work_root;    // DATA/work
  std::string public_root;  // DATA/public
};

// A local path a task's parameters name (a file or a directory) and the blob
// key that mirrors it (a blob, or the prefix of a directory's blobs).
struct WorkRef {
  std::string local;  // lexically normal, absolute
  std::string key;
  std::string video;  // the video the path belongs to
  bool push = true;   // false: local copies of originals (ingest stored them)

  bool operator==(const WorkRef&) const = default;
};

// One file to move between a local path and a blob key.
struct Transfer {
  std::string key;
  std::string local;
  uint64_t size = 0;  // PlanFetch: the blob's listed size

  bool operator==(const Transfer&) const = default;
};

// Every string in `params` (searched recursively through arrays and
// objects) that names an absolute path under <work_root>/<video> or
// <public_root>/<video>, mapped as in the table above; sorted by local path,
// without duplicates. Paths elsewhere are not the work area's and are left
// alone. Publish's "original" is skipped: it is only compared against the
// output directory, never read. Publish's "to" outside the roots maps to
// transcoded/<video of "from">.
std::vector<WorkRef> ReferencedWork(const std::string& step, const nlohmann::json& params,
                                    const WorkRoots& roots);

// (a) What to fetch, given `listed`: the store's blobs under the refs' keys
// (ListInfo). A listed key equal to a ref's key is that file; keys below
// "<ref key>/" are the files of that directory, fetched to the same
// relative paths, except temporary paths (IsTemporaryPath, below). Sorted
// by key, without duplicates.
std::vector<Transfer> PlanFetch(const std::vector<WorkRef>& refs, const std::vector<ports::BlobInfo>& listed);

// A local file's identity for change detection.
struct FileStamp {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  bool operator==(const FileStamp&) const = default;
};
// Local path -> stamp.
using WorkSnapshot = std::map<std::string, FileStamp>;

// Blob key -> size: what the store held under the refs' keys when PullWork
// listed them.
using StoredSizes = std::map<std::string, uint64_t>;

// Whether a path (relative to a referenced path, '/'-separated) is a
// temporary or staging file that must never travel: any component that
// starts with '.', ends in ".part" (atomic_files.h's "<dir>.part/" and
// "<file>.part", publish's ".merge.part") or contains ".tmp." (blob stores'
// "<file>.tmp.<pid>.<n>" downloads). "" (the ref itself) is not.
bool IsTemporaryPath(std::string_view rel);

// (b) What to upload after a successful run: files under pushable refs
// that are new in `after` or whose stamp differs from `before`, and every
// other file of `after` whose key `stored` lacks or holds with another
// size (a retry whose step found its output already written, by an
// attempt that died before or during its push, still completes the store).
// Temporary paths (IsTemporaryPath) are skipped. Files that disappeared are
// not deleted from the store (segments/ are swept; a re-run rewrites the
// same names). Ordered so that nothing in the store names a file that is
// not there yet: media first, then playlists (names ending in .m3u8 or
// .mpd), then the masters (playlists directly under the video's key,
// "<area>/<video>/<name>"); by key within each group.
std::vector<Transfer> PlanPush(const std::vector<WorkRef>& refs, const WorkSnapshot& before,
                               const WorkSnapshot& after, const StoredSizes& stored);

// ---- I/O ------------------------------------------------------------------

// The stamps of every regular file at or below each ref's local path;
// temporary paths (IsTemporaryPath) are skipped. Missing paths contribute
// nothing.
WorkSnapshot SnapshotWork(const std::vector<WorkRef>& refs);

// Lowercase hex SHA-256 of a local file, streamed. kIo when unreadable.
StatusOr<std::string> FileSha256(const std::string& path);

struct PullStats {
  int fetched = 0;
  int skipped = 0;  // already present locally with the same size and SHA-256
  StoredSizes stored;  // every blob listed under the refs' keys (PlanPush's baseline)
};

// Lists each ref's key and fetches what PlanFetch says. A local file is kept
// when its size equals the listed size and its SHA-256 equals the store's
// recorded Checksum (sizes are compared first, so only same-size files are
// hashed). kIo / kNotFound from the store.
StatusOr<PullStats> PullWork(const ports::BlobStore& blobs, const std::vector<WorkRef>& refs);

// Uploads each transfer's local file to its key (PutFile: atomic). Returns
// how many were uploaded.
StatusOr<int> PushWork(ports::BlobStore& blobs, const std::vector<Transfer>& pushes);

// A shared lock, per video, on this machine's copy of the video's work
// (flock on <work_root>/.locks/<video>.lock), held while a task uses it.
// ReleaseAndClean (keep_local = false) trades it for an exclusive lock
// without waiting and, when it gets one -- no other task of the video runs
// on this machine -- removes the video's local work and public trees. A
// task that starts meanwhile waits on its shared lock, then pulls what it
// needs. Move-only; the destructor releases the locks.
class VideoWorkLock {
 public:
  static StatusOr<VideoWorkLock> Acquire(const WorkRoots& roots, const std::vector<WorkRef>& refs);
  VideoWorkLock(VideoWorkLock&&) noexcept;
  VideoWorkLock& operator=(VideoWorkLock&&) noexcept;
  ~VideoWorkLock();

  // Returns the videos whose local trees were removed.
  std::vector<std::string> ReleaseAndClean();

 private:
  VideoWorkLock(WorkRoots roots, std::map<std::string, int> held)
      : roots_(std::move(roots)), held_(std::move(held)) {}
  void Release();
  WorkRoots roots_;
  std::map<std::string, int> held_;  // video -> locked descriptor
};

}  // namespace vtp::pipeline
