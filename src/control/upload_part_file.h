// The part file of one resumable upload: <dir>/<upload_id>.part, written in
// place at the upload's offset. Internal to src/control (uploads.h is the
// public face). Errors are kIo (kNotFound when the file is missing), with
// errno's text; this file is where errno becomes Status for uploads.
//
// Not thread-safe: one owner at a time (the upload's busy claim).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vtp::control {

class PartFile {
 public:
  // A new, empty file (fails with kAlreadyExists when it exists); the file
  // and its directory are fsync'd so the name survives a crash.
  static StatusOr<PartFile> Create(const std::string& path);
  // An existing file, opened read-write. kNotFound when missing.
  static StatusOr<PartFile> Open(const std::string& path);

  PartFile(PartFile&& other) noexcept;
  PartFile& operator=(PartFile&& other) noexcept;
  PartFile(const PartFile&) = delete;
  PartFile& operator=(const PartFile&) = delete;
  ~PartFile();

  const std::string& path() const { return path_; }

  // pwrite(2) of every byte at `offset` (short writes and EINTR retried).
  Status WriteAt(uint64_t offset, std::string_view bytes);
  // fsync(2): the bytes written so far survive a crash.
  Status Sync();
  // ftruncate(2) to `size`, then fsync.
  Status Truncate(uint64_t size);
  StatusOr<uint64_t> Size() const;
  // Lowercase hex SHA-256 of the first `length` bytes, read through a fixed
  // buffer. kIo when the file is shorter.
  StatusOr<std::string> Sha256Hex(uint64_t length) const;

 private:
  PartFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  void Close();

  std::string path_;
  int fd_ = -1;  // owned
};

// unlink(2); a missing file is not an error.
Status RemovePartFile(const std::string& path);

}  // namespace vtp::control
