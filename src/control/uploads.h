// Resumable uploads: the tus 1.0.0 server side (core, creation, expiration,
// termination, checksum) over the ServiceStore and BlobStore ports, with no
// HTTP types. The protocol decisions come from service/tus.h; this class
// does the I/O they call for and keeps the stored state consistent with the
// bytes on disk. api/ maps requests onto it and answers:
//   - a TusError with error.status, the body from error.message and the
//     headers service::ErrorHeaders(error) (Tus-Resumable, plus Tus-Version
//     on 412);
//   - a success with the returned HeaderList (the caller adds Location on
//     creation, as only it knows the URL).
//
// Storage. The bytes of an upload live in <dir>/<upload_id>.part, written in
// place; the store's offset counts the bytes known durable (fsync'd before
// AdvanceUpload moves it), so after a crash the part file may be longer than
// the offset but never shorter. When the offset reaches the length the
// upload is finalized (Finish, Head or Recover, whichever sees it first):
//   1. SHA-256 of the part file, compared with the whole-upload digest the
//      client may declare in Upload-Metadata "sha256" (a mismatch terminates
//      the upload and answers 460: start a new upload);
//   2. VideoMaker builds the video row; the part file is stored as
//      video.original_key (an originals/ key: write-once) and verified;
//   3. ServiceStore::CompleteUpload commits the upload, the video row and the
//      "video.uploaded" outbox event in one transaction;
//   4. the part file is removed and Completed(video_id) is called.
// Any failure before step 3 leaves the upload uploading with its part file,
// so the next Head/PATCH/Recover finalizes again (storing the same bytes to
// an original is an idempotent success). CompleteUpload's kAlreadyExists
// (the video row exists) counts as already finalized: success, without
// Completed, and the part file stays until the store says completed.
// Completed is a prompt, not the durable trigger: a crash between steps 3
// and 4 loses the call but not the outbox event. No path here deletes or
// overwrites an original.
//
// Concurrency: one writer per upload in this process. A BeginPatch or
// Terminate on an upload with a live PatchWriter (or a finalization in
// progress) answers 423 "upload is busy" (tus-js-client retries it). The
// service assumes one process serves a given upload directory.
//
// Thread safety: every UploadService method may be called from any thread.
// VideoMaker and Completed run on the calling thread with no lock held. A
// PatchWriter is used by one thread at a time and must not outlive its
// UploadService; the store, blob store and clock must outlive the service.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "control/upload_claim.h"
#include "core/status.h"
#include "ports/blob_store.h"
#include "ports/clock.h"
#include "ports/records.h"
#include "ports/service_store.h"
#include "service/tus.h"

namespace vtp::control {

struct UploadConfig {
  std::string dir;                        // part files: <dir>/<upload_id>.part (created on demand)
  uint64_t max_size = 64ull << 30;        // Tus-Max-Size; a longer upload is refused (413)
  int64_t expiry_ms = 24 * 3600 * 1000;   // incomplete uploads expire this long after creation (0: never)
  // Without an Upload-Checksum, a PATCH fsyncs and advances the stored
  // offset every time this many bytes have arrived, so a server killed in
  // the middle of one long PATCH (tus-js-client sends the whole file in one
  // by default) keeps nearly all of it.
  uint64_t commit_every_bytes = 8 << 20;
};

struct NewUpload {
  std::string video_id;  // the video this upload becomes; unique per upload
  std::string creator_id;
  std::string filename;
  std::string content_type;
  std::string title;
  std::string options_json = "{}";  // job options, kept on the upload record
  uint64_t length = 0;              // Upload-Length
  service::UploadMetadata metadata;  // "sha256" (64 hex) declares the whole upload's digest
};

// Builds the video row of a completed upload: the application decides its
// job options and the original's key, which must be under originals/
// (anything else is refused as kInternal). video_id, when set, must be the
// upload's; file_size_bytes 0 is filled with the upload's length.
using VideoMaker =
    std::function<StatusOr<ports::VideoRecord>(const ports::UploadRecord& upload, const std::string& sha256_hex)>;
// Called after the completion committed: start the pipeline for the video.
using Completed = std::function<void(const std::string& video_id)>;

// The body of one PATCH, streamed. Call Write for each piece of the body as
// it arrives, then Finish once. Memory stays flat: nothing is buffered.
class PatchWriter {
 public:
  // Without a prior Finish, behaves as Finish(false) (the client went away).
  virtual ~PatchWriter() = default;
  // Writes the next bytes at the upload's offset. A non-OK status means
  // "stop reading the body" (more than the upload's remaining length, or a
  // storage or store failure); Finish then gives the answer.
  virtual Status Write(std::string_view bytes) = 0;
  // Ends the PATCH. `body_complete`: the request body ended normally (false
  // when the connection broke). Answers the 204's headers (Upload-Offset,
  // Upload-Expires), after finalizing the upload when it is now complete; or
  // 460 (checksum mismatch or incomplete body with a checksum: nothing is
  // kept), 413 (a body longer than what remains), 409 (the upload changed
  // underneath), 500 (the server's failure; the durable offset is intact).
  // Without an Upload-Checksum, whatever arrived is kept. Call once.
  virtual service::TusOr<service::HeaderList> Finish(bool body_complete) = 0;
};

class UploadService {
 public:
  UploadService(UploadConfig config, ports::ServiceStore& store, ports::BlobStore& blobs,
                ports::Clock& clock, VideoMaker make_video, Completed completed);
  UploadService(const UploadService&) = delete;
  UploadService& operator=(const UploadService&) = delete;

  // JSON API creation: a new upload (random 32-hex id) with an empty part
  // file. kLimitExceeded above max_size, kInvalidArgument for a malformed
  // "sha256" metadata entry, kAlreadyExists for a video_id already used. A
  // zero-length upload is finalized at once (the record comes back
  // completed).
  StatusOr<ports::UploadRecord> Create(const NewUpload& upload);
  // tus POST: the length and metadata come from the headers (PlanCreate:
  // 412, 400, 413); filename / content type from the "filename" /
  // "filetype" metadata when present, title from "title" or the filename
  // when base.title is empty. Errors of Create map to 400/409/413/500.
  service::TusOr<ports::UploadRecord> CreateFromTus(const service::TusRequestHeaders& headers,
                                                    NewUpload base);
  // 201 headers for an upload made by Create/CreateFromTus (no Location).
  service::HeaderList CreatedHeaders(const ports::UploadRecord& upload) const;

  // HEAD: 412; 404 unknown or terminated; 410 expired; else the 200's
  // headers. An upload whose bytes have all arrived is finalized first
  // (unless busy), so its errors (460, 500) can answer a HEAD too.
  service::TusOr<service::HeaderList> Head(std::string_view upload_id,
                                           const service::TusRequestHeaders& headers);
  // PATCH, before the body: 412; 404; 423 while another writer is live;
  // then PlanPatch's refusals (410, 415, 400, 409, 413). `content_length`
  // is nullopt for a chunked body.
  service::TusOr<std::unique_ptr<PatchWriter>> BeginPatch(std::string_view upload_id,
                                                          const service::TusRequestHeaders& headers,
                                                          std::optional<uint64_t> content_length);
  // DELETE: 412; 404; 423 while a writer is live; 409 for a completed upload
  // (its video exists: delete that instead); else the upload is terminated,
  // its part file removed, and the 204's headers come back.
  service::TusOr<service::HeaderList> Terminate(std::string_view upload_id,
                                                const service::TusRequestHeaders& headers);
  // OPTIONS: the 204's headers.
  service::HeaderList Options() const;

  // At startup, before serving: walks the part files. Those of unknown,
  // terminated or completed uploads are removed; longer ones are truncated
  // to the durable offset; an upload whose offset equals its length is
  // finalized; one whose part file lost durable bytes is terminated (its
  // bytes cannot be trusted). Tries every upload, then returns the first
  // error.
  Status Recover();
  // Terminates expired uploads and removes their part files (busy ones are
  // left for a later call; ones whose bytes have all arrived are finalized
  // instead). Returns how many were terminated.
  StatusOr<int> ExpireUploads();

 private:
  friend class UploadPatch;
  using Claim = BusyUploads::Claim;

  service::TusLimits Limits() const;
  service::TusOr<ports::UploadRecord> CreateClaimed(const NewUpload& upload, const std::string& upload_id,
                                                    const Claim& claim);
  // The stored upload, 404 when unknown or terminated.
  service::TusOr<ports::UploadRecord> Lookup(std::string_view upload_id);
  // Finalizes `upload` (kUploading, offset == length) while holding its
  // claim; returns the completed record. See the header comment.
  service::TusOr<ports::UploadRecord> Finalize(const ports::UploadRecord& upload, const Claim& claim);
  // Finalize's steps; see the header comment.
  service::TusOr<ports::UploadRecord> FinalizeSteps(const ports::UploadRecord& upload);
  StatusOr<std::string> HashPart(const ports::UploadRecord& upload);
  Status StoreOriginal(const ports::UploadRecord& upload, const std::string& sha, ports::VideoRecord& video);
  service::TusOr<ports::UploadRecord> CommitCompletion(const ports::UploadRecord& upload,
                                                       const std::string& sha,
                                                       const ports::VideoRecord& video);
  service::TusError RejectWholeUpload(const ports::UploadRecord& upload);
  // Recover's work on one part file.
  Status RecoverOne(const std::string& upload_id);
  Status TerminateClaimed(const ports::UploadRecord& upload);

  const UploadConfig config_;
  ports::ServiceStore& store_;
  ports::BlobStore& blobs_;
  ports::Clock& clock_;
  const VideoMaker make_video_;
  const Completed completed_;
  BusyUploads busy_;
};

}  // namespace vtp::control
