// S3BlobStore: the blob store port over one bucket of an S3-compatible
// endpoint (AWS S3, MinIO, s3rver in tests), through S3Client (libcurl's
// SigV4 signing, path-style URLs). Blob key K is object <key_prefix>K.
//
// How the port's contract maps onto S3:
//  - Atomic writes: S3 makes a PUT or a completed multipart upload visible
//    whole. Files above `multipart_threshold` go up as a multipart upload of
//    `part_size` parts; each part is retried with exponential backoff
//    (S3Client, RetryPolicy) and a failed upload is aborted.
//  - Checksums: the SHA-256 of the content is stored as object metadata
//    (x-amz-meta-sha256) in the same request that stores the bytes, so
//    Checksum() is one HEAD. Verify() streams one GET and compares the content
//    with the metadata of that same reply. PutFile hashes the file before the
//    upload and again while sending it; a file that changed in between fails
//    with kIo and nothing is stored.
//  - Objects without x-amz-meta-sha256 (not written by vtp) answer Checksum
//    and Verify with kCorruptInput: nothing vouches for their bytes.
//  - Originals are write-once: HEAD, then (when absent) a PUT carrying
//    `If-None-Match: *`. The HEAD-then-write check is NOT atomic across
//    writers on servers that ignore If-None-Match on PUT (s3rver, older S3
//    implementations); within one S3BlobStore a mutex serialises originals
//    writers. What protects originals in production is the bucket: enable
//    versioning (a replaced original stays recoverable) and, where required,
//    S3 Object Lock on the originals prefix; vtp itself never deletes them.
//  - The "a" / "a/b" rule is checked with HEADs of the key's ancestors and a
//    one-key listing under "<key>/" before each write: not atomic across
//    writers either (S3 has no directories; the rule keeps the S3 and local
//    layouts interchangeable).
//  - List() pages through ListObjectsV2 (`list_page_size` keys a page,
//    continuation tokens) and strips the key prefix.
//  - Delete of a missing object succeeds (S3 answers 204 either way).
//  - No LocalPath(): nothing is local.
//
// Errors: see S3Client (s3_client.h) for the single mapping of transport and
// HTTP failures; wrong credentials are kIo naming the credentials; an
// unreachable endpoint is kIo after the retries.
//
// Thread-safe: any number of threads may call one instance; requests share
// no handle.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "adapters/s3_client.h"
#include "ports/blob_store.h"

namespace vtp::adapters {

struct S3BlobStoreConfig {
  S3Endpoint endpoint;     // URL, bucket, region, credentials (the app reads
                           // the credentials from the environment)
  std::string key_prefix;  // "" or ending in '/', e.g. "prod/"
  uint64_t multipart_threshold = 16ull << 20;  // PutFile of larger files: multipart
  uint64_t part_size = 16ull << 20;            // >= 5 MiB on AWS except the last part;
                                               // grown so no file needs over 10,000 parts
  int list_page_size = 1000;                   // ListObjectsV2 max-keys, 1..1000
  RetryPolicy retry;
};

class S3BlobStore final : public ports::BlobStore {
 public:
  // Checks the configuration; does not contact the endpoint.
  static StatusOr<std::unique_ptr<S3BlobStore>> Create(S3BlobStoreConfig config);

  // One HEAD of the bucket: Ok when it exists and the credentials are
  // accepted. For start-up checks with a clear message.
  Status CheckBucket() const;

 private:
  struct ObjectInfo {
    uint64_t size = 0;
    std::string sha256;  // "" when the object carries no x-amz-meta-sha256
  };

  explicit S3BlobStore(S3BlobStoreConfig config);

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

  std::string ObjectKey(const std::string& key) const { return config_.key_prefix + key; }
  // nullopt when absent.
  StatusOr<std::optional<ObjectInfo>> Head(const std::string& key) const;
  // kAlreadyExists when `key` would be both a blob and a prefix of one.
  Status CheckPrefixConflict(const std::string& key) const;
  // One page of object keys (prefix included) starting with `object_prefix`.
  StatusOr<std::vector<std::string>> ListPage(const std::string& object_prefix, int max_keys,
                                              std::string* continuation) const;
  // A single PUT of `bytes` whose SHA-256 is `sha`.
  Status PutObject(const std::string& key, std::string_view bytes, const std::string& sha,
                   bool if_none_match) const;
  // Multipart upload of the open file `fd` (`size` bytes, hashed as `sha`).
  Status PutMultipart(const std::string& key, int fd, uint64_t size, const std::string& sha,
                      bool if_none_match) const;
  StatusOr<std::string> UploadParts(const std::string& key, const std::string& upload_id, int fd,
                                    uint64_t size, const std::string& sha) const;
  // Write-once: `upload(if_none_match)` runs only when the original is absent.
  template <typename Upload>
  StatusOr<std::string> CreateOnce(const std::string& key, const std::string& sha, Upload upload);
  StatusOr<std::string> SameOrExists(const std::string& key, const std::string& sha) const;

  S3BlobStoreConfig config_;
  S3Client client_;
  std::mutex originals_mu_;  // serialises originals writers of this instance
};

}  // namespace vtp::adapters
