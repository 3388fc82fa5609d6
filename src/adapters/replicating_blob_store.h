// ReplicatingBlobStore: a BlobStore decorator that keeps a second copy of
// every original (the seed's cross-region copy) in a replica store: another
// bucket, another region, or any other adapter.
//
//  - Writes of originals (Put, PutFile, Copy onto originals/) go to the
//    primary first, with the primary's write-once rules; then the same bytes
//    go to the replica and are verified there: the replica's recorded
//    checksum must equal the primary's SHA-256 and the replica's Verify()
//    must pass. Anything else is kCorruptInput naming the replica (the
//    primary keeps what it stored; nothing here ever writes to, or deletes
//    from, the primary to "fix" a replica). A replica that is down makes the
//    write fail with its error after the primary stored the bytes; the
//    write is safe to retry (originals are idempotent for the same bytes),
//    or ReplicateOriginals() catches up later.
//  - Everything else (segments, transcoded outputs, deletes, listings,
//    presigned URLs, local paths) goes to the primary only.
//  - Reads of an original (Get, GetRange, GetToFile, Exists, Size, Checksum,
//    Verify) fall back to the replica when the primary answers kNotFound
//    (a lost primary bucket, a region outage answered as 404 by a fallback
//    endpoint). Other primary errors are returned as they are: a corrupt
//    primary copy is reported, not hidden.
//  - ReplicateOriginals() brings a replica added later up to date: every
//    original the primary lists and the replica lacks is copied and
//    verified; one the replica holds with other bytes is reported, never
//    overwritten (the replica's originals are write-once too).
//
// Copies that do not start from bytes in memory or a caller's file pass
// through a temporary file in `scratch_dir` (originals can be GiBs).
//
// Thread-safe when both stores are (they are, for every adapter here).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ports/blob_store.h"

namespace vtp::adapters {

struct ReplicationReport {
  uint64_t checked = 0;          // originals listed on the primary
  uint64_t already_present = 0;  // replica held the same checksum
  uint64_t copied = 0;           // copied now, and verified
  std::vector<std::string> mismatched;                      // replica holds other bytes
  std::vector<std::pair<std::string, std::string>> failed;  // key, error
};

class ReplicatingBlobStore final : public ports::BlobStore {
 public:
  // Neither store is owned; both must outlive this one. `scratch_dir` must
  // exist and be writable ("" = the system's temporary directory).
  ReplicatingBlobStore(ports::BlobStore& primary, ports::BlobStore& replica, std::string scratch_dir = "");

  // See the header comment. Fails only when the primary cannot be listed;
  // per-key problems are in the report.
  StatusOr<ReplicationReport> ReplicateOriginals();

 private:
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
  StatusOr<std::string> DoPresign(const std::string& method, const std::string& key,
                                  int expires_s) const override;
  // Direct uploads target staging keys (never originals): the primary's.
  bool DoSupportsMultipartUploads() const override { return primary_.SupportsMultipartUploads(); }
  StatusOr<std::string> DoCreateMultipartUpload(const std::string& key) override;
  StatusOr<std::string> DoPresignUploadPart(const std::string& key, const std::string& upload_id, int part_number,
                                            int expires_s) const override;
  StatusOr<std::string> DoCompleteMultipartUpload(const std::string& key, const std::string& upload_id,
                                                  const std::vector<ports::UploadedPart>& parts) override;
  Status DoAbortMultipartUpload(const std::string& key, const std::string& upload_id) override;

  // After the replica's write of `key` returned `replica_result`: Ok when the
  // replica holds exactly `primary_sha` and verifies, else kCorruptInput (or
  // the replica's own error when it could not be asked).
  Status CheckReplica(const std::string& key, const StatusOr<std::string>& replica_result,
                      const std::string& primary_sha) const;
  // Copies the primary's `key` (checksum `primary_sha`) to the replica
  // through a scratch file, then checks it.
  Status CopyToReplica(const std::string& key, const std::string& primary_sha) const;
  // `read` on the primary; for an original answered kNotFound, on the replica.
  template <typename Read>
  auto WithFallback(const std::string& key, Read read) const;

  ports::BlobStore& primary_;
  ports::BlobStore& replica_;
  std::string scratch_dir_;
};

}  // namespace vtp::adapters
