// Direct uploads: the bytes of a new video go from the client straight to
// the blob store as one multipart upload (presigned part URLs), when the
// store offers them (BlobStore::SupportsMultipartUploads, i.e. S3). The
// API's POST /videos/upload uses this instead of tus then. No HTTP types;
// api/ maps the TusError statuses below onto problem+json answers.
//
// Record. A direct upload is an UploadRecord in the ServiceStore like a tus
// upload (same id shape, state, length, expiry, declared "sha256"); its
// metadata_json also holds the store's multipart upload id and the part
// size, under keys with a space in them ("vtp s3-multipart", "vtp
// part-size"), which tus Upload-Metadata cannot carry: no tus client can
// make its upload look direct. UploadService answers 404 for direct
// uploads, so tus requests never touch one.
//
// Staging. The parts are assembled on the staging key uploads/<upload_id>
// (never an original: a URL could replace one). Completion:
//   1. CompleteMultipartUpload with the client's {part_number, etag} list,
//      which must name exactly the planned parts 1..N (else 400, nothing
//      spent); the store refuses wrong ETags (400: correct and retry);
//   2. the assembled size must equal the declared length (else 422) and the
//      recorded SHA-256 the declared "sha256" when there is one (else 460);
//      both terminate the upload and delete the staging blob: the store's
//      upload id is spent, the client starts a new upload;
//   3. VideoMaker decides the video row and its original key (originals/);
//      Copy(staging, original) stores it write-once with the same SHA-256;
//   4. the record's offset moves to its length and ServiceStore::
//      CompleteUpload commits the upload, the video and "video.uploaded";
//   5. the staging blob is deleted and Completed(video_id) is called.
// A retry after a failure in 3..5 finds the assembled staging blob (the
// store answers kNotFound for the spent upload id) and goes on from 3.
// Completing a completed upload answers its record again when the parts
// are the same (an idempotency record keyed by the upload id keeps their
// fingerprint for as long as the service keeps idempotency records), and 409
// when they differ.
//
// Abort terminates the record, then asks the store to discard the parts; a
// store that cannot (s3rver answers 405) leaves them to the bucket's
// AbortIncompleteMultipartUpload lifecycle rule, and the answer says so.
// ExpireUploads aborts expired direct uploads the same way; run it before
// UploadService::ExpireUploads, which would terminate them without aborting.
//
// Concurrency: one completion or abort per upload at a time in this process
// (others answer 409 "busy"). Two API instances completing the same upload
// at once are settled by the store: the upload id is spent once, and
// CompleteUpload creates the video once.
//
// Thread safety: every method may be called from any thread; VideoMaker and
// Completed run on the calling thread with no lock held. The store, blob
// store and clock must outlive the service.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "control/upload_claim.h"
#include "control/uploads.h"
#include "core/status.h"
#include "ports/blob_store.h"
#include "ports/clock.h"
#include "ports/service_store.h"
#include "service/tus.h"

namespace vtp::control {

// The longest direct upload: completion copies the assembled object (to
// record its checksum, then to originals/), and S3's CopyObject takes at
// most 5 GiB (ports::kMaxCopyBytes: completion ends in a Copy). Longer uploads
// go through tus, as zero-byte ones do.
inline constexpr uint64_t kMaxDirectUploadBytes = ports::kMaxCopyBytes;
// Whether an upload of `length` bytes may be direct: 1..kMaxDirectUploadBytes.
inline bool FitsDirectUpload(uint64_t length) { return length > 0 && length <= kMaxDirectUploadBytes; }
// A completion's reservation (idempotency record) younger than this belongs
// to a completion that may still be running, in this or another instance;
// an older one to an attempt that died.
inline constexpr int64_t kCompletionLeaseMs = 10 * 60 * 1000;

struct DirectUploadConfig {
  // Parts are this size except the last; grown (doubled) until the upload
  // needs at most kMaxUploadParts. AWS refuses parts under 5 MiB except the
  // last; tests against s3rver may go smaller.
  uint64_t part_size = 64ull << 20;
  uint64_t max_size = 64ull << 30;       // a longer upload is refused (413)
  int64_t expiry_ms = 24 * 3600 * 1000;  // as UploadConfig::expiry_ms (0: never)
  // Lifetime of the part URLs, capped by the expiry and by SigV4's 7 days.
  int url_ttl_s = 24 * 3600;
};

struct PartUrl {
  int part_number = 0;
  std::string url;
  ports::Millis expires_at = 0;  // ms since the epoch
};

// A created direct upload: the record and where to PUT each part.
struct DirectUpload {
  ports::UploadRecord record;
  uint64_t part_size = 0;
  std::vector<PartUrl> parts;
};

// The multipart upload id stored on a direct upload's record; "" for a tus
// upload. Pure.
std::string DirectUploadIdOf(const ports::UploadRecord& upload);
inline bool IsDirectUpload(const ports::UploadRecord& upload) { return !DirectUploadIdOf(upload).empty(); }
// The part size for `length` bytes starting from `preferred` (see
// DirectUploadConfig::part_size). Pure.
uint64_t ChoosePartSize(uint64_t length, uint64_t preferred);
// uploads/<upload_id>: where the parts are assembled.
std::string StagingKey(std::string_view upload_id);

class DirectUploadService {
 public:
  DirectUploadService(DirectUploadConfig config, ports::ServiceStore& store, ports::BlobStore& blobs,
                      ports::Clock& clock, VideoMaker make_video, Completed completed);
  DirectUploadService(const DirectUploadService&) = delete;
  DirectUploadService& operator=(const DirectUploadService&) = delete;

  // Whether the blob store takes direct uploads; when false, use tus.
  bool Enabled() const { return blobs_.SupportsMultipartUploads(); }

  // Starts the store's multipart upload and records the upload. 413 above
  // max_size, 400 for a length FitsDirectUpload refuses (use tus) or a
  // malformed "sha256" metadata entry, 409 for a video_id already used, 500
  // for the store's failures.
  service::TusOr<DirectUpload> Create(const NewUpload& upload);
  // See the header comment. 404 unknown or terminated; 409 a tus upload,
  // busy (here or, within kCompletionLeaseMs, in another instance), or
  // completed with other parts; 410 expired; 400, 422, 460, 500.
  service::TusOr<ports::UploadRecord> Complete(std::string_view upload_id,
                                               const std::vector<ports::UploadedPart>& parts);
  // Terminates the upload and discards its parts. Returns whether the store
  // discarded them (false: left to the lifecycle rule). 404 unknown or
  // terminated; 409 a tus upload, busy, or completed.
  service::TusOr<bool> Abort(std::string_view upload_id);
  // Aborts the expired direct uploads (see Abort), except those a
  // completion holds (this process's, or a reservation younger than
  // kCompletionLeaseMs); returns how many.
  StatusOr<int> ExpireUploads();

 private:
  using Claim = BusyUploads::Claim;

  // The stored direct upload: 404 unknown or terminated, 409 for tus.
  service::TusOr<ports::UploadRecord> Lookup(std::string_view upload_id);
  // The planned parts' URLs.
  StatusOr<std::vector<PartUrl>> PartUrls(const ports::UploadRecord& upload, const std::string& multipart_id,
                                          uint64_t part_size);
  // 400 unless `parts` names exactly the planned parts 1..N.
  service::TusOr<int> CheckPartList(const ports::UploadRecord& upload,
                                    const std::vector<ports::UploadedPart>& parts) const;
  // BeginIdempotent on the upload's completion key, after abandoning a
  // reservation older than kCompletionLeaseMs. nullopt: reserved.
  StatusOr<std::optional<ports::IdempotencyRecord>> Reserve(const std::string& upload_id,
                                                            const std::string& fingerprint);
  // A completed upload asked to complete again.
  service::TusOr<ports::UploadRecord> CompletedAgain(const ports::UploadRecord& upload,
                                                     const std::string& fingerprint);
  service::TusOr<ports::UploadRecord> CompleteReserved(const ports::UploadRecord& upload,
                                                       const std::vector<ports::UploadedPart>& parts);
  // Step 1, or the staging blob's checksum when an earlier try assembled it.
  service::TusOr<std::string> Assemble(const ports::UploadRecord& upload,
                                       const std::vector<ports::UploadedPart>& parts);
  // Step 2.
  service::TusOr<std::string> CheckAssembled(const ports::UploadRecord& upload, const std::string& sha);
  // Steps 3..5.
  service::TusOr<ports::UploadRecord> Commit(const ports::UploadRecord& upload, const std::string& sha);
  // Terminates the upload, deletes its staging blob, then answers `error`.
  service::TusError Discard(const ports::UploadRecord& upload, service::TusError error);
  // Terminates the upload and asks the store to discard its parts.
  StatusOr<bool> TerminateAndAbort(const ports::UploadRecord& upload);

  const DirectUploadConfig config_;
  ports::ServiceStore& store_;
  ports::BlobStore& blobs_;
  ports::Clock& clock_;
  const VideoMaker make_video_;
  const Completed completed_;
  BusyUploads busy_;
};

}  // namespace vtp::control
