#include "adapters/replicating_blob_store.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>

namespace vtp::adapters {
namespace {

constexpr ErrorCode kCorrupt = ErrorCode::kCorruptInput;

// A scratch file name, removed on scope exit.
class ScratchFile {
 public:
  explicit ScratchFile(const std::string& dir) {
    static std::atomic<uint64_t> counter{0};
    path_ = dir + "/.vtp-replica." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  }
  ~ScratchFile() { std::remove(path_.c_str()); }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

ReplicatingBlobStore::ReplicatingBlobStore(ports::BlobStore& primary, ports::BlobStore& replica,
                                           std::string scratch_dir)
    : primary_(primary), replica_(replica), scratch_dir_(std::move(scratch_dir)) {
  if (scratch_dir_.empty()) {
    std::error_code ec;
    scratch_dir_ = std::filesystem::temp_directory_path(ec).string();
    if (ec) scratch_dir_ = "/tmp";
  }
}

Status ReplicatingBlobStore::CheckReplica(const std::string& key, const StatusOr<std::string>& replica_result,
                                          const std::string& primary_sha) const {
  if (replica_result.status().code() == ErrorCode::kAlreadyExists) {
    return Status(kCorrupt, "replica holds other bytes for original '" + key + "' (primary sha256 " +
                                primary_sha + "); the primary is untouched");
  }
  RETURN_IF_ERROR(replica_result.status());
  ASSIGN_OR_RETURN(std::string recorded, replica_.Checksum(key));
  if (*replica_result != primary_sha || recorded != primary_sha) {
    return Status(kCorrupt, "replica copy of original '" + key + "' records sha256 " + recorded +
                                ", the primary " + primary_sha);
  }
  Status verified = replica_.Verify(key);
  if (!verified.ok()) {
    return Status(kCorrupt, "replica copy of original '" + key + "' fails verification: " + verified.message());
  }
  return Status::Ok();
}

Status ReplicatingBlobStore::CopyToReplica(const std::string& key, const std::string& primary_sha) const {
  ScratchFile scratch(scratch_dir_);
  RETURN_IF_ERROR(primary_.GetToFile(key, scratch.path()));
  return CheckReplica(key, replica_.PutFile(key, scratch.path()), primary_sha);
}

StatusOr<std::string> ReplicatingBlobStore::DoPut(const std::string& key, std::string_view bytes, WriteMode mode) {
  if (mode != WriteMode::kCreateOnly) return primary_.Put(key, bytes);
  ASSIGN_OR_RETURN(std::string sha, primary_.Put(key, bytes));
  RETURN_IF_ERROR(CheckReplica(key, replica_.Put(key, bytes), sha));
  return sha;
}

StatusOr<std::string> ReplicatingBlobStore::DoPutFile(const std::string& key, const std::string& local_path,
                                                      WriteMode mode) {
  if (mode != WriteMode::kCreateOnly) return primary_.PutFile(key, local_path);
  ASSIGN_OR_RETURN(std::string sha, primary_.PutFile(key, local_path));
  // A file changed since the primary read it shows up as a checksum mismatch.
  RETURN_IF_ERROR(CheckReplica(key, replica_.PutFile(key, local_path), sha));
  return sha;
}

StatusOr<std::string> ReplicatingBlobStore::DoCopy(const std::string& from, const std::string& to, WriteMode mode) {
  if (mode != WriteMode::kCreateOnly) return primary_.Copy(from, to);
  ASSIGN_OR_RETURN(std::string sha, primary_.Copy(from, to));
  RETURN_IF_ERROR(CopyToReplica(to, sha));
  return sha;
}

StatusOr<ReplicationReport> ReplicatingBlobStore::ReplicateOriginals() {
  ASSIGN_OR_RETURN(std::vector<std::string> keys, primary_.List(std::string(ports::kOriginalsArea) + "/"));
  ReplicationReport report;
  for (const std::string& key : keys) {
    ++report.checked;
    StatusOr<std::string> sha = primary_.Checksum(key);
    if (!sha.ok()) {
      report.failed.emplace_back(key, "primary: " + sha.status().ToString());
      continue;
    }
    StatusOr<std::string> held = replica_.Checksum(key);
    if (held.ok() && *held == *sha) {
      ++report.already_present;
      continue;
    }
    if (held.ok() || held.status().code() == kCorrupt) {
      report.mismatched.push_back(key);
      continue;
    }
    if (held.status().code() != ErrorCode::kNotFound) {
      report.failed.emplace_back(key, "replica: " + held.status().ToString());
      continue;
    }
    Status copied = CopyToReplica(key, *sha);
    if (copied.ok()) {
      ++report.copied;
    } else {
      report.failed.emplace_back(key, copied.ToString());
    }
  }
  return report;
}

namespace {

ErrorCode CodeOf(const Status& s) { return s.code(); }
template <typename T>
ErrorCode CodeOf(const StatusOr<T>& s) {
  return s.status().code();
}

}  // namespace

template <typename Read>
auto ReplicatingBlobStore::WithFallback(const std::string& key, Read read) const {
  auto result = read(primary_);
  if (CodeOf(result) != ErrorCode::kNotFound || !ports::IsOriginalKey(key)) return result;
  return read(replica_);
}

StatusOr<std::string> ReplicatingBlobStore::DoGet(const std::string& key) const {
  return WithFallback(key, [&](const ports::BlobStore& s) { return s.Get(key); });
}

StatusOr<std::string> ReplicatingBlobStore::DoGetRange(const std::string& key, uint64_t offset,
                                                       uint64_t length) const {
  return WithFallback(key,
                                          [&](const ports::BlobStore& s) { return s.GetRange(key, offset, length); });
}

Status ReplicatingBlobStore::DoGetToFile(const std::string& key, const std::string& local_path) const {
  return WithFallback(key, [&](const ports::BlobStore& s) { return s.GetToFile(key, local_path); });
}

StatusOr<bool> ReplicatingBlobStore::DoExists(const std::string& key) const {
  ASSIGN_OR_RETURN(bool on_primary, primary_.Exists(key));
  if (on_primary || !ports::IsOriginalKey(key)) return on_primary;
  return replica_.Exists(key);
}

StatusOr<uint64_t> ReplicatingBlobStore::DoSize(const std::string& key) const {
  return WithFallback(key, [&](const ports::BlobStore& s) { return s.Size(key); });
}

StatusOr<std::string> ReplicatingBlobStore::DoChecksum(const std::string& key) const {
  return WithFallback(key, [&](const ports::BlobStore& s) { return s.Checksum(key); });
}

Status ReplicatingBlobStore::DoVerify(const std::string& key) const {
  return WithFallback(key, [&](const ports::BlobStore& s) { return s.Verify(key); });
}

StatusOr<std::vector<std::string>> ReplicatingBlobStore::DoList(const std::string& prefix) const {
  return primary_.List(prefix);
}

StatusOr<std::vector<ports::BlobInfo>> ReplicatingBlobStore::DoListInfo(const std::string& prefix) const {
  return primary_.ListInfo(prefix);
}

Status ReplicatingBlobStore::DoDelete(const std::string& key) { return primary_.Delete(key); }

std::optional<std::string> ReplicatingBlobStore::DoLocalPath(const std::string& key) const {
  return primary_.LocalPath(key);
}

StatusOr<std::string> ReplicatingBlobStore::DoPresign(const std::string& method, const std::string& key,
                                                      int expires_s) const {
  return method == "PUT" ? primary_.PresignPut(key, expires_s) : primary_.PresignGet(key, expires_s);
}

StatusOr<std::string> ReplicatingBlobStore::DoCreateMultipartUpload(const std::string& key) {
  return primary_.CreateMultipartUpload(key);
}

StatusOr<std::string> ReplicatingBlobStore::DoPresignUploadPart(const std::string& key, const std::string& upload_id,
                                                                int part_number, int expires_s) const {
  return primary_.PresignUploadPart(key, upload_id, part_number, expires_s);
}

StatusOr<std::string> ReplicatingBlobStore::DoCompleteMultipartUpload(const std::string& key,
                                                                      const std::string& upload_id,
                                                                      const std::vector<ports::UploadedPart>& parts) {
  return primary_.CompleteMultipartUpload(key, upload_id, parts);
}

Status ReplicatingBlobStore::DoAbortMultipartUpload(const std::string& key, const std::string& upload_id) {
  return primary_.AbortMultipartUpload(key, upload_id);
}

}  // namespace vtp::adapters
