// Work sync: stateless workers. With `[work] sync = true` the task process
// (`vtp _task`) moves the files a task reads and writes through the blob
// store, so workers need not share the data directory:
//
//   DATA/work/<video>/originals/<f>   <->  originals/<video>/<f>   (pull only)
//   DATA/work/<video>/<rest>          <->  segments/<video>/<rest>
//   DATA/public/<video>/<rest>        <->  transcoded/<video>/<rest>
//   publish's "to" outside the roots  <->  transcoded/<video>/...  (vtp run -o OUT)
//
// Around ExecuteTask: PullWork (fetch what the parameters name), then a
// snapshot, the run, a second snapshot, and PushWork of what changed, before
// the result is reported. The planning half (ReferencedWork, PlanFetch,
// PlanPush) is pure; SnapshotWork, PullWork, PushWork and VideoWorkLock do
// the I/O. docs/work-sync-notes.md has the whole picture.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
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
// relative paths. Sorted by key, without duplicates.
std::vector<Transfer> PlanFetch(const std::vector<WorkRef>& refs, const std::vector<ports::BlobInfo>& listed);

// A local file's identity for change detection.
struct FileStamp {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  bool operator==(const FileStamp&) const = default;
};
// Local path -> stamp.
using WorkSnapshot = std::map<std::string, FileStamp>;

// (b) What to upload after a run: files under pushable refs that are new in
// `after` or whose stamp differs from `before`. Files that disappeared are
// not deleted from the store (segments/ are swept; a re-run rewrites the
// same names). Sorted by key.
std::vector<Transfer> PlanPush(const std::vector<WorkRef>& refs, const WorkSnapshot& before,
                               const WorkSnapshot& after);

// ---- I/O ------------------------------------------------------------------

// The stamps of every regular file at or below each ref's local path; names
// starting with '.' (staging and temporary files, never valid keys) are
// skipped. Missing paths contribute nothing.
WorkSnapshot SnapshotWork(const std::vector<WorkRef>& refs);

// Lowercase hex SHA-256 of a local file, streamed. kIo when unreadable.
StatusOr<std::string> FileSha256(const std::string& path);

struct PullStats {
  int fetched = 0;
  int skipped = 0;  // already present locally with the same size and SHA-256
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
