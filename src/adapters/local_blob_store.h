// LocalBlobStore: the blob store port over a local directory tree. A key is
// a relative path below the root ("transcoded/v1/h264/720p/segment_000.m4s"),
// so media code can read blobs in place through LocalPath().
//
// On-disk layout, next to each blob `<dir>/<name>`:
//   <dir>/.<name>.sha256   checksum record: "sha256 <hex>\nsize <n>\ninode <n>\n"
//   <dir>/.tmp.<pid>.<n>   a write in progress (left behind only by a crash)
//   <root>/.lock           flock(2) target that orders commits against reads
// Keys never start a segment with '.', so these names cannot collide with a
// blob and List() skips them.
//
// A write streams into a temporary file in the blob's own directory while
// hashing it, fsyncs it, writes and fsyncs the checksum record the same way,
// then, holding the root lock exclusively, renames the record and then the
// blob into place and fsyncs the directory. The record names the inode it
// describes, so a record that does not match the blob (a crash between the
// two renames, or a file replaced behind the store's back) is detected and
// reported as kCorruptInput instead of vouching for the wrong bytes. Readers
// that need the pair (Checksum, Verify) take the lock shared; Get does not
// need it because rename(2) already makes the content switch atomic.
// Originals are committed with link(2), which cannot replace an existing
// file, so even a writer outside this class cannot be clobbered by us; a
// re-put of an original whose record no longer matches it fails with
// kCorruptInput (its bytes cannot be vouched for, so neither can "same").
//
// Every path component below the root is opened with O_NOFOLLOW relative to
// the previous one, so a symlink inside the root can never redirect a read or
// write outside it: a symlinked directory fails with kInvalidArgument, a
// symlink where a blob should be is not a blob (kNotFound).
//
// Copy() streams the source into a new blob (no reflink), hashing it on the
// way: a source whose bytes no longer match its record fails with
// kCorruptInput before anything is committed. ListInfo()'s last-modified
// time is the blob file's mtime (the write that staged it).
//
// Thread-safe, and safe across processes that share one root (the lock is a
// flock on a fresh open file description per operation).
#pragma once

#include <memory>
#include <string>

#include "ports/blob_store.h"

namespace vtp::adapters {

class LocalBlobStore final : public ports::BlobStore {
 public:
  // Creates `root` (and parents) when missing and opens it.
  static StatusOr<std::unique_ptr<LocalBlobStore>> Open(const std::string& root);
  ~LocalBlobStore() override;
  LocalBlobStore(const LocalBlobStore&) = delete;
  LocalBlobStore& operator=(const LocalBlobStore&) = delete;

  // Absolute path of the root directory.
  const std::string& root() const { return root_; }

 private:
  LocalBlobStore(std::string root, int root_fd) : root_(std::move(root)), root_fd_(root_fd) {}

  StatusOr<std::string> DoPut(const std::string& key, std::string_view bytes, WriteMode mode) override;
  StatusOr<std::string> DoPutFile(const std::string& key, const std::string& local_path,
                                  WriteMode mode) override;
  StatusOr<std::string> DoGet(const std::string& key) const override;
  Status DoGetToFile(const std::string& key, const std::string& local_path) const override;
  StatusOr<bool> DoExists(const std::string& key) const override;
  StatusOr<uint64_t> DoSize(const std::string& key) const override;
  StatusOr<std::string> DoChecksum(const std::string& key) const override;
  Status DoVerify(const std::string& key) const override;
  StatusOr<std::vector<std::string>> DoList(const std::string& prefix) const override;
  Status DoDelete(const std::string& key) override;
  std::optional<std::string> DoLocalPath(const std::string& key) const override;
  StatusOr<std::string> DoGetRange(const std::string& key, uint64_t offset, uint64_t length) const override;
  StatusOr<std::string> DoCopy(const std::string& from, const std::string& to, WriteMode mode) override;
  StatusOr<std::vector<ports::BlobInfo>> DoListInfo(const std::string& prefix) const override;

  std::string root_;
  int root_fd_;  // owned; O_DIRECTORY
};

}  // namespace vtp::adapters
