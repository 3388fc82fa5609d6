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
//  - GetRange() sends `Range: bytes=a-b` (a server that ignores it and
//    answers 200 is sliced here); a 416 is resolved with one HEAD into ""
//    (offset == size) or kInvalidArgument (past the end).
//  - Copy() is a server-side CopyObject (x-amz-copy-source, metadata
//    directive COPY, so x-amz-meta-sha256 travels with the bytes, and
//    x-amz-copy-source-if-match with the ETag the HEAD saw, so the checksum
//    returned belongs to the bytes copied). CopyObject is limited to 5 GiB
//    sources: larger ones are kInvalidArgument (UploadPartCopy is not
//    written). Copies onto originals follow the same HEAD-then-write rule as
//    Put, without If-None-Match (CopyObject's conditional write is not
//    universally supported).
//  - ListInfo() takes sizes and LastModified from ListObjectsV2.
//  - PresignGet/PresignPut sign URLs locally (s3_presign.h) at the time of
//    `config.clock`; a PUT through such a URL stores bytes without
//    x-amz-meta-sha256.
//  - Direct uploads (the API's POST /videos/upload in distributed mode): the
//    server calls CreateMultipartUpload, hands the client one
//    PresignUploadPart URL per part, the client PUTs the parts straight to
//    S3 and reports their ETags, and CompleteMultipartUpload assembles the
//    object. S3 cannot tell us the SHA-256 of what it assembled, so
//    completion then streams the object once, hashes it, and records the
//    digest with a CopyObject of the object onto itself (metadata directive
//    REPLACE, x-amz-copy-source-if-match = the ETag of the bytes hashed):
//    the object never carries a checksum for bytes it does not hold. Until
//    that step it has no checksum (Checksum/Verify: kCorruptInput). When
//    the completion fails other than by refusing the parts (AWS answers a
//    spent upload id with NoSuchUpload, s3rver with a 500: a retried POST
//    whose first try completed, an earlier completion that failed while
//    hashing, a concurrent one) and the key holds an object, that object is
//    what the upload assembled (staging keys are used once): its recorded
//    SHA-256 is returned, after hashing and recording it now when it has
//    none. With no object there the failure stands. Both the recording and
//    the later Copy to originals/ are CopyObjects, so a direct upload may
//    hold at most kMaxCopyObjectBytes. Direct
//    uploads never target originals: upload to a staging key, then Copy()
//    to the original's key (write-once applies there) and Delete the
//    staging key.
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
#include <utility>
#include <vector>

#include "adapters/s3_client.h"
#include "ports/blob_store.h"
#include "ports/clock.h"

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
  const ports::Clock* clock = nullptr;  // signing time of presigned URLs; null = the
                                        // system clock. Not owned; must outlive the store.
};

// A part of a direct upload as the client reports it (the port's type).
using UploadedPart = ports::UploadedPart;

class S3BlobStore final : public ports::BlobStore {
 public:
  // CopyObject's limit (AWS: 5 GiB); Copy() refuses larger sources.
  static constexpr uint64_t kMaxCopyObjectBytes = ports::kMaxCopyBytes;

  // Checks the configuration; does not contact the endpoint.
  static StatusOr<std::unique_ptr<S3BlobStore>> Create(S3BlobStoreConfig config);

  // One HEAD of the bucket: Ok when it exists and the credentials are
  // accepted. For start-up checks with a clear message.
  Status CheckBucket() const;

 private:
  struct ObjectInfo {
    uint64_t size = 0;
    std::string sha256;  // "" when the object carries no x-amz-meta-sha256
    std::string etag;
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
  StatusOr<std::string> DoGetRange(const std::string& key, uint64_t offset, uint64_t length) const override;
  StatusOr<std::string> DoCopy(const std::string& from, const std::string& to, WriteMode mode) override;
  StatusOr<std::vector<ports::BlobInfo>> DoListInfo(const std::string& prefix) const override;
  StatusOr<std::string> DoPresign(const std::string& method, const std::string& key,
                                  int expires_s) const override;
  // Direct uploads (see the header comment and the port's contract).
  bool DoSupportsMultipartUploads() const override { return true; }
  StatusOr<std::string> DoCreateMultipartUpload(const std::string& key) override;
  StatusOr<std::string> DoPresignUploadPart(const std::string& key, const std::string& upload_id, int part_number,
                                            int expires_s) const override;
  StatusOr<std::string> DoCompleteMultipartUpload(const std::string& key, const std::string& upload_id,
                                                  const std::vector<UploadedPart>& parts) override;
  Status DoAbortMultipartUpload(const std::string& key, const std::string& upload_id) override;

  // CompleteMultipartUpload's answer when S3 refused it with `failed`
  // (other than for the parts): see the header comment.
  StatusOr<std::string> AssembledEarlier(const std::string& key, const Status& failed);
  // Streams `key` once and records its SHA-256 (self-copy, REPLACE).
  StatusOr<std::string> HashAndRecord(const std::string& key);

  std::string ObjectKey(const std::string& key) const { return config_.key_prefix + key; }
  // nullopt when absent.
  StatusOr<std::optional<ObjectInfo>> Head(const std::string& key) const;
  // kAlreadyExists when `key` would be both a blob and a prefix of one.
  Status CheckPrefixConflict(const std::string& key) const;
  // One page of objects (keys with the key prefix) starting with `object_prefix`.
  StatusOr<std::vector<ports::BlobInfo>> ListPage(const std::string& object_prefix, int max_keys,
                                                  std::string* continuation) const;
  // PUT with x-amz-copy-source; `headers` add the directive and metadata.
  Status CopyObject(const std::string& from, const std::string& to, const std::string& source_etag,
                    std::vector<std::pair<std::string, std::string>> headers) const;
  // Signed URL for `object_key` (key prefix included) at the clock's time.
  StatusOr<std::string> Presign(const std::string& method, const std::string& object_key, int expires_s,
                                std::vector<std::pair<std::string, std::string>> query) const;
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
  ports::SystemClock system_clock_;
  const ports::Clock* clock_;
  S3Client client_;
  std::mutex originals_mu_;  // serialises originals writers of this instance
};

}  // namespace vtp::adapters
