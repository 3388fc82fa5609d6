// Completion of an upload, and the startup/periodic sweeps that find uploads
// to complete or discard (uploads.h has the contract).
#include <algorithm>
#include <filesystem>
#include <set>
#include <system_error>
#include <utility>
#include <vector>

#include "control/direct_uploads.h"
#include "control/upload_part_file.h"
#include "control/upload_records.h"
#include "control/uploads.h"

namespace vtp::control {
namespace {

constexpr int kExpiryBatch = 100;
constexpr std::string_view kPartSuffix = ".part";

service::TusError ServerError(const Status& status) { return {500, status.message(), {}}; }

// Upload ids of the part files in `dir` (none when it does not exist).
std::vector<std::string> PartFileIds(const std::string& dir) {
  std::vector<std::string> ids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= kPartSuffix.size() || !name.ends_with(kPartSuffix)) continue;
    std::string id = name.substr(0, name.size() - kPartSuffix.size());
    if (IsUploadId(id)) ids.push_back(std::move(id));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

service::TusOr<ports::UploadRecord> UploadService::Finalize(const ports::UploadRecord& upload,
                                                            const Claim& claim) {
  (void)claim;  // holding it is the precondition: no writer touches the part file
  service::TusOr<ports::UploadRecord> done = FinalizeSteps(upload);
  if (done.ok() || done.error().status == service::kStatusChecksumMismatch) return done;
  // Another process sharing the store may have completed it meanwhile.
  StatusOr<ports::UploadRecord> now = store_.GetUpload(upload.upload_id);
  if (now.ok() && now->state == ports::UploadState::kCompleted) return std::move(now).value();
  return done;
}

service::TusOr<ports::UploadRecord> UploadService::FinalizeSteps(const ports::UploadRecord& upload) {
  StatusOr<std::string> sha = HashPart(upload);
  if (!sha.ok()) return ServerError(sha.status());
  StatusOr<std::optional<std::string>> declared = DeclaredSha256(MetadataFromJson(upload.metadata_json));
  if (!declared.ok()) return ServerError(declared.status());
  if (*declared && **declared != *sha) return RejectWholeUpload(upload);
  StatusOr<ports::VideoRecord> video = make_video_(upload, *sha);
  if (!video.ok()) return ServerError(video.status().WithContext("building the video of upload " + upload.upload_id));
  if (Status s = StoreOriginal(upload, *sha, *video); !s.ok()) return ServerError(s);
  return CommitCompletion(upload, *sha, *video);
}

StatusOr<std::string> UploadService::HashPart(const ports::UploadRecord& upload) {
  ASSIGN_OR_RETURN(PartFile part, PartFile::Open(PartPath(config_.dir, upload.upload_id)));
  ASSIGN_OR_RETURN(uint64_t size, part.Size());
  // PutFile copies the whole file: nothing past the upload's length may stay.
  if (size > upload.length) RETURN_IF_ERROR(part.Truncate(upload.length));
  return part.Sha256Hex(upload.length);
}

Status UploadService::StoreOriginal(const ports::UploadRecord& upload, const std::string& sha,
                                    ports::VideoRecord& video) {
  if (video.video_id.empty()) video.video_id = upload.video_id;
  if (video.video_id != upload.video_id) {
    return Internal("VideoMaker gave video " + video.video_id + " for upload " + upload.upload_id +
                    " of video " + upload.video_id);
  }
  if (video.file_size_bytes == 0) video.file_size_bytes = static_cast<int64_t>(upload.length);
  // Only the write-once area guarantees the put below can never replace bytes.
  if (!ports::IsOriginalKey(video.original_key)) {
    return Internal("VideoMaker must key the original under originals/, not '" + video.original_key + "'");
  }
  ASSIGN_OR_RETURN(std::string stored, blobs_.PutFile(video.original_key, PartPath(config_.dir, upload.upload_id)));
  if (stored != sha) {
    return IoError("original " + video.original_key + " was stored with sha256 " + stored +
                   ", the upload's bytes hash to " + sha);
  }
  return blobs_.Verify(video.original_key);
}

service::TusOr<ports::UploadRecord> UploadService::CommitCompletion(const ports::UploadRecord& upload,
                                                                    const std::string& sha,
                                                                    const ports::VideoRecord& video) {
  Status committed = store_.CompleteUpload(upload.upload_id, sha, video);
  if (!committed.ok() && committed.code() != ErrorCode::kAlreadyExists) {
    return ServerError(committed.WithContext("completing upload " + upload.upload_id));
  }
  StatusOr<ports::UploadRecord> stored = store_.GetUpload(upload.upload_id);
  if (!stored.ok()) return ServerError(stored.status());
  // The video row exists, so an earlier finalization got through; the part
  // file goes only once the upload itself is recorded completed, so a
  // later finalization always finds its bytes.
  if (stored->state == ports::UploadState::kCompleted) {
    (void)RemovePartFile(PartPath(config_.dir, upload.upload_id));  // Recover retries a failed unlink
  }
  if (committed.ok() && completed_) completed_(video.video_id);
  return std::move(stored).value();
}

service::TusError UploadService::RejectWholeUpload(const ports::UploadRecord& upload) {
  if (Status s = TerminateClaimed(upload); !s.ok()) return ServerError(s);
  return service::TusError{service::kStatusChecksumMismatch,
                           "Checksum Mismatch: the upload's bytes do not match the sha256 declared in "
                           "Upload-Metadata; the upload was discarded, start a new upload",
                           {}};
}

Status UploadService::Recover() {
  Status first;
  for (const std::string& id : PartFileIds(config_.dir)) {
    Status s = RecoverOne(id);
    if (!s.ok() && first.ok()) first = s.WithContext("recovering upload " + id);
  }
  return first;
}

Status UploadService::RecoverOne(const std::string& upload_id) {
  std::unique_ptr<Claim> claim = busy_.TryClaim(upload_id);
  if (!claim) return Status::Ok();  // a live writer owns it
  const std::string path = PartPath(config_.dir, upload_id);
  StatusOr<ports::UploadRecord> upload = store_.GetUpload(upload_id);
  if (!upload.ok() && upload.status().code() == ErrorCode::kNotFound) return RemovePartFile(path);
  if (!upload.ok()) return upload.status();
  if (upload->state != ports::UploadState::kUploading) return RemovePartFile(path);
  {
    ASSIGN_OR_RETURN(PartFile part, PartFile::Open(path));
    ASSIGN_OR_RETURN(uint64_t size, part.Size());
    // Bytes the store counts as durable are gone: resuming would leave a hole.
    if (size < upload->offset) return TerminateClaimed(*upload);
    if (size > upload->offset) RETURN_IF_ERROR(part.Truncate(upload->offset));
  }
  if (upload->offset != upload->length) return Status::Ok();
  service::TusOr<ports::UploadRecord> done = Finalize(*upload, *claim);
  // A whole-upload checksum mismatch is the client's; the upload is gone.
  if (done.ok() || done.error().status == service::kStatusChecksumMismatch) return Status::Ok();
  return StatusFromTusError(done.error());
}

StatusOr<int> UploadService::ExpireUploads() {
  int terminated = 0;
  Status first;
  std::set<std::string, std::less<>> seen;  // handled or skipped in this call
  while (true) {
    ASSIGN_OR_RETURN(std::vector<ports::UploadRecord> batch,
                     store_.ListExpiredUploads(clock_.NowMillis(), kExpiryBatch));
    bool fresh = false;
    for (const ports::UploadRecord& listed : batch) {
      if (!seen.insert(listed.upload_id).second) continue;
      fresh = true;
      std::unique_ptr<Claim> claim = busy_.TryClaim(listed.upload_id);
      if (!claim) continue;  // a writer planned before expiry; next call
      StatusOr<ports::UploadRecord> upload = store_.GetUpload(listed.upload_id);
      if (!upload.ok() || upload->state != ports::UploadState::kUploading) continue;
      if (IsDirectUpload(*upload)) continue;  // DirectUploadService::ExpireUploads aborts those
      if (upload->offset == upload->length) {
        (void)Finalize(*upload, *claim);  // every byte arrived: complete, not expire
        continue;
      }
      Status s = TerminateClaimed(*upload);
      if (s.ok()) ++terminated;
      if (!s.ok() && first.ok()) first = s;
    }
    if (!fresh || static_cast<int>(batch.size()) < kExpiryBatch) break;
  }
  if (!first.ok()) return first;
  return terminated;
}

}  // namespace vtp::control
