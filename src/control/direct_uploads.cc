#include "control/direct_uploads.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "control/upload_records.h"
#include "service/digest.h"

namespace vtp::control {
namespace {

using service::TusError;
using service::TusOr;

// A space cannot appear in a tus Upload-Metadata key (see the header).
constexpr std::string_view kMultipartIdKey = "vtp s3-multipart";
constexpr std::string_view kPartSizeKey = "vtp part-size";
constexpr std::string_view kIdempotencyScope = "vtp:direct-upload";
constexpr int kExpiryBatch = 100;

TusError ServerError(const Status& s) { return {500, s.message(), {}}; }
TusError NoSuchUpload() { return {404, "no such upload", {}}; }

uint64_t PartSizeOf(const ports::UploadRecord& upload) {
  const service::UploadMetadata md = MetadataFromJson(upload.metadata_json);
  auto it = md.entries.find(std::string(kPartSizeKey));
  if (it == md.entries.end()) return 0;
  try {
    return std::stoull(it->second);
  } catch (const std::exception&) {
    return 0;
  }
}

uint64_t PartCount(uint64_t length, uint64_t part_size) { return (length + part_size - 1) / part_size; }

// Stable across processes: the same list always gives the same string.
std::string Fingerprint(const std::vector<ports::UploadedPart>& parts) {
  std::string canonical;
  for (const ports::UploadedPart& p : parts) canonical += std::to_string(p.number) + " " + p.etag + "\n";
  return service::Sha256Hex(canonical);
}

}  // namespace

std::string DirectUploadIdOf(const ports::UploadRecord& upload) {
  const service::UploadMetadata md = MetadataFromJson(upload.metadata_json);
  auto it = md.entries.find(std::string(kMultipartIdKey));
  return it == md.entries.end() ? "" : it->second;
}

uint64_t ChoosePartSize(uint64_t length, uint64_t preferred) {
  uint64_t size = std::max<uint64_t>(preferred, 1);
  while (PartCount(length, size) > static_cast<uint64_t>(ports::kMaxUploadParts)) size *= 2;
  return size;
}

std::string StagingKey(std::string_view upload_id) { return "uploads/" + std::string(upload_id); }

DirectUploadService::DirectUploadService(DirectUploadConfig config, ports::ServiceStore& store,
                                         ports::BlobStore& blobs, ports::Clock& clock, VideoMaker make_video,
                                         Completed completed)
    : config_(std::move(config)),
      store_(store),
      blobs_(blobs),
      clock_(clock),
      make_video_(std::move(make_video)),
      completed_(std::move(completed)) {}

TusOr<DirectUpload> DirectUploadService::Create(const NewUpload& upload) {
  if (upload.length > config_.max_size) {
    return TusError{413, "upload of " + std::to_string(upload.length) + " bytes exceeds the maximum of " +
                             std::to_string(config_.max_size), {}};
  }
  if (!FitsDirectUpload(upload.length)) {
    return TusError{400, "a direct upload takes 1.." + std::to_string(kMaxDirectUploadBytes) + " bytes; use tus", {}};
  }
  StatusOr<std::optional<std::string>> declared = DeclaredSha256(upload.metadata);
  if (!declared.ok()) return TusErrorFromStatus(declared.status());
  StatusOr<std::string> id = NewUploadId();
  if (!id.ok()) return ServerError(id.status());
  StatusOr<std::string> multipart = blobs_.CreateMultipartUpload(StagingKey(*id));
  if (!multipart.ok()) return ServerError(multipart.status().WithContext("starting the direct upload"));
  const uint64_t part_size = ChoosePartSize(upload.length, config_.part_size);

  service::UploadMetadata metadata = upload.metadata;
  metadata.entries[std::string(kMultipartIdKey)] = *multipart;
  metadata.entries[std::string(kPartSizeKey)] = std::to_string(part_size);
  ports::UploadRecord record;
  record.upload_id = *id;
  record.video_id = upload.video_id;
  record.creator_id = upload.creator_id;
  record.length = upload.length;
  record.filename = upload.filename;
  record.content_type = upload.content_type;
  record.title = upload.title;
  record.metadata_json = MetadataToJson(metadata);
  record.options_json = upload.options_json;
  record.expires_at = config_.expiry_ms > 0 ? clock_.NowMillis() + config_.expiry_ms : 0;
  if (Status s = store_.CreateUpload(record); !s.ok()) {
    (void)blobs_.AbortMultipartUpload(StagingKey(*id), *multipart);  // nothing refers to it
    return TusErrorFromStatus(s);
  }
  StatusOr<ports::UploadRecord> stored = store_.GetUpload(*id);
  if (!stored.ok()) return ServerError(stored.status());
  StatusOr<std::vector<PartUrl>> urls = PartUrls(*stored, *multipart, part_size);
  if (!urls.ok()) return ServerError(urls.status());
  return DirectUpload{std::move(stored).value(), part_size, std::move(urls).value()};
}

StatusOr<std::vector<PartUrl>> DirectUploadService::PartUrls(const ports::UploadRecord& upload,
                                                             const std::string& multipart_id, uint64_t part_size) {
  const ports::Millis now = clock_.NowMillis();
  int64_t ttl_s = std::min<int64_t>(config_.url_ttl_s, ports::kMaxPresignSeconds);
  if (upload.expires_at > now) ttl_s = std::min<int64_t>(ttl_s, (upload.expires_at - now + 999) / 1000);
  ttl_s = std::max<int64_t>(ttl_s, 1);
  const int count = static_cast<int>(PartCount(upload.length, part_size));
  std::vector<PartUrl> parts;
  parts.reserve(static_cast<size_t>(count));
  for (int n = 1; n <= count; ++n) {
    ASSIGN_OR_RETURN(std::string url,
                     blobs_.PresignUploadPart(StagingKey(upload.upload_id), multipart_id, n, static_cast<int>(ttl_s)));
    parts.push_back({n, std::move(url), now + ttl_s * 1000});
  }
  return parts;
}

TusOr<ports::UploadRecord> DirectUploadService::Lookup(std::string_view upload_id) {
  if (!IsUploadId(upload_id)) return NoSuchUpload();
  StatusOr<ports::UploadRecord> upload = store_.GetUpload(upload_id);
  if (!upload.ok()) return TusErrorFromStatus(upload.status());
  if (upload->state == ports::UploadState::kTerminated) return NoSuchUpload();
  if (!IsDirectUpload(*upload)) return TusError{409, "this is a tus upload: send its bytes with PATCH", {}};
  return std::move(upload).value();
}

TusOr<int> DirectUploadService::CheckPartList(const ports::UploadRecord& upload,
                                              const std::vector<ports::UploadedPart>& parts) const {
  const uint64_t part_size = PartSizeOf(upload);
  if (part_size == 0) return ServerError(Internal("direct upload " + upload.upload_id + " has no part size"));
  const uint64_t count = PartCount(upload.length, part_size);
  if (parts.size() != count) {
    return TusError{400, "the upload has " + std::to_string(count) + " parts; the list names " +
                             std::to_string(parts.size()), {}};
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].number != static_cast<int>(i + 1)) {
      return TusError{400, "parts must be listed once each, in order, numbered 1.." + std::to_string(count), {}};
    }
    if (parts[i].etag.empty()) return TusError{400, "part " + std::to_string(i + 1) + " has no etag", {}};
  }
  return static_cast<int>(count);
}

TusOr<ports::UploadRecord> DirectUploadService::Complete(std::string_view upload_id,
                                                         const std::vector<ports::UploadedPart>& parts) {
  if (!IsUploadId(upload_id)) return NoSuchUpload();
  std::unique_ptr<Claim> claim = busy_.TryClaim(upload_id);
  if (!claim) return TusError{409, "upload is busy: another completion or abort is in progress", {}};
  TusOr<ports::UploadRecord> found = Lookup(upload_id);
  if (!found.ok()) return found.error();
  const ports::UploadRecord& upload = *found;
  const std::string fingerprint = Fingerprint(parts);
  if (upload.state == ports::UploadState::kCompleted) return CompletedAgain(upload, fingerprint);
  if (upload.expires_at > 0 && clock_.NowMillis() >= upload.expires_at) return TusError{410, "upload expired", {}};
  TusOr<int> count = CheckPartList(upload, parts);
  if (!count.ok()) return count.error();

  const std::string scope(kIdempotencyScope);
  StatusOr<std::optional<ports::IdempotencyRecord>> reserved = Reserve(upload.upload_id, fingerprint);
  if (!reserved.ok()) return ServerError(reserved.status());
  if (reserved->has_value()) {
    if ((*reserved)->status == 0) {
      return TusError{409, "upload is busy: completion in progress elsewhere, retry later", {}};
    }
    // Finished since Lookup: another instance completed it.
    StatusOr<ports::UploadRecord> now = store_.GetUpload(upload.upload_id);
    if (!now.ok()) return ServerError(now.status());
    if (now->state != ports::UploadState::kCompleted) return TusError{409, "upload is busy, retry later", {}};
    return CompletedAgain(*now, fingerprint);
  }
  TusOr<ports::UploadRecord> done = CompleteReserved(upload, parts);
  if (done.ok()) {
    const std::string answer = nlohmann::json{{"video_id", done->video_id}}.dump();
    (void)store_.FinishIdempotent(scope, upload.upload_id, 200, answer);  // only sharpens a later 409
  } else {
    (void)store_.AbandonIdempotent(scope, upload.upload_id);
  }
  return done;
}

StatusOr<std::optional<ports::IdempotencyRecord>> DirectUploadService::Reserve(const std::string& upload_id,
                                                                               const std::string& fingerprint) {
  const std::string scope(kIdempotencyScope);
  ASSIGN_OR_RETURN(std::optional<ports::IdempotencyRecord> held, store_.BeginIdempotent(scope, upload_id, fingerprint));
  if (!held || held->status != 0 || clock_.NowMillis() - held->created_at < kCompletionLeaseMs) return held;
  // Older than any completion runs: its attempt died.
  RETURN_IF_ERROR(store_.AbandonIdempotent(scope, upload_id));
  return store_.BeginIdempotent(scope, upload_id, fingerprint);
}

TusOr<ports::UploadRecord> DirectUploadService::CompletedAgain(const ports::UploadRecord& upload,
                                                               const std::string& fingerprint) {
  const std::string scope(kIdempotencyScope);
  StatusOr<std::optional<ports::IdempotencyRecord>> kept =
      store_.BeginIdempotent(scope, upload.upload_id, fingerprint);
  if (!kept.ok()) return ServerError(kept.status());
  if (!kept->has_value()) {
    // Purged: the parts can no longer be compared; the video is the answer.
    (void)store_.AbandonIdempotent(scope, upload.upload_id);
    return upload;
  }
  if ((*kept)->status != 0 && (*kept)->fingerprint != fingerprint) {
    return TusError{409, "upload was already completed with other parts", {}};
  }
  return upload;
}

TusOr<ports::UploadRecord> DirectUploadService::CompleteReserved(const ports::UploadRecord& upload,
                                                                 const std::vector<ports::UploadedPart>& parts) {
  TusOr<std::string> sha = Assemble(upload, parts);
  if (!sha.ok()) return sha.error();
  TusOr<std::string> checked = CheckAssembled(upload, *sha);
  if (!checked.ok()) return checked.error();
  TusOr<ports::UploadRecord> done = Commit(upload, *sha);
  if (done.ok()) return done;
  // Another instance may have completed it meanwhile.
  StatusOr<ports::UploadRecord> now = store_.GetUpload(upload.upload_id);
  if (now.ok() && now->state == ports::UploadState::kCompleted) return std::move(now).value();
  return done;
}

TusOr<std::string> DirectUploadService::Assemble(const ports::UploadRecord& upload,
                                                 const std::vector<ports::UploadedPart>& parts) {
  const std::string key = StagingKey(upload.upload_id);
  StatusOr<std::string> sha = blobs_.CompleteMultipartUpload(key, DirectUploadIdOf(upload), parts);
  if (sha.ok()) return std::move(sha).value();
  if (sha.status().code() == ErrorCode::kInvalidArgument) {
    return TusError{400, "the storage refused the parts list (check each part's number and etag): " +
                             sha.status().message(), {}};
  }
  if (sha.status().code() != ErrorCode::kNotFound) return ServerError(sha.status());
  // The upload id is spent: an earlier try assembled the blob, and the
  // store hashed it then or (when that try failed first) just now.
  StatusOr<std::string> earlier = blobs_.Checksum(key);
  if (earlier.ok()) return std::move(earlier).value();
  if (earlier.status().code() == ErrorCode::kNotFound) {
    return Discard(upload, {409, "the storage no longer knows this multipart upload; start a new upload", {}});
  }
  // Not hashed yet (a store that does not hash late): the bytes are still
  // there, so a retry may succeed; never discard them for that.
  return ServerError(earlier.status().WithContext("the assembled upload has no checksum yet; retry"));
}

TusOr<std::string> DirectUploadService::CheckAssembled(const ports::UploadRecord& upload, const std::string& sha) {
  StatusOr<uint64_t> size = blobs_.Size(StagingKey(upload.upload_id));
  if (!size.ok()) return ServerError(size.status());
  if (*size != upload.length) {
    return Discard(upload, {422, "the parts add up to " + std::to_string(*size) + " bytes, the upload declared " +
                                     std::to_string(upload.length) + "; the upload was discarded, start a new upload",
                            {}});
  }
  StatusOr<std::optional<std::string>> declared = DeclaredSha256(MetadataFromJson(upload.metadata_json));
  if (!declared.ok()) return ServerError(declared.status());
  if (*declared && **declared != sha) {
    return Discard(upload, {service::kStatusChecksumMismatch,
                            "Checksum Mismatch: the uploaded bytes do not match the declared sha256; the upload "
                            "was discarded, start a new upload",
                            {}});
  }
  return sha;
}

TusOr<ports::UploadRecord> DirectUploadService::Commit(const ports::UploadRecord& upload, const std::string& sha) {
  StatusOr<ports::VideoRecord> video = make_video_(upload, sha);
  if (!video.ok()) return ServerError(video.status().WithContext("building the video of upload " + upload.upload_id));
  if (video->video_id.empty()) video->video_id = upload.video_id;
  if (video->file_size_bytes == 0) video->file_size_bytes = static_cast<int64_t>(upload.length);
  if (video->video_id != upload.video_id || !ports::IsOriginalKey(video->original_key)) {
    return ServerError(Internal("VideoMaker must keep the upload's video id and key the original under originals/"));
  }
  const std::string staging = StagingKey(upload.upload_id);
  StatusOr<std::string> stored = blobs_.Copy(staging, video->original_key);
  if (!stored.ok()) return ServerError(stored.status().WithContext("storing the original"));
  if (*stored != sha) return ServerError(IoError("original " + video->original_key + " holds other bytes"));
  if (upload.offset != upload.length) {
    Status advanced = store_.AdvanceUpload(upload.upload_id, upload.offset, upload.length);
    if (!advanced.ok()) return ServerError(advanced);
  }
  Status committed = store_.CompleteUpload(upload.upload_id, sha, *video);
  if (!committed.ok() && committed.code() != ErrorCode::kAlreadyExists) {
    return ServerError(committed.WithContext("completing upload " + upload.upload_id));
  }
  StatusOr<ports::UploadRecord> now = store_.GetUpload(upload.upload_id);
  if (!now.ok()) return ServerError(now.status());
  if (now->state == ports::UploadState::kCompleted) (void)blobs_.Delete(staging);  // a leftover costs only storage
  if (committed.ok() && completed_) completed_(video->video_id);
  return std::move(now).value();
}

TusError DirectUploadService::Discard(const ports::UploadRecord& upload, TusError error) {
  if (Status s = store_.TerminateUpload(upload.upload_id); !s.ok()) return ServerError(s);
  (void)blobs_.Delete(StagingKey(upload.upload_id));  // nothing refers to it any more
  return error;
}

TusOr<bool> DirectUploadService::Abort(std::string_view upload_id) {
  if (!IsUploadId(upload_id)) return NoSuchUpload();
  std::unique_ptr<Claim> claim = busy_.TryClaim(upload_id);
  if (!claim) return TusError{409, "upload is busy: a completion is in progress", {}};
  TusOr<ports::UploadRecord> found = Lookup(upload_id);
  if (!found.ok()) return found.error();
  if (found->state == ports::UploadState::kCompleted) {
    return TusError{409, "upload is complete: delete its video instead", {}};
  }
  StatusOr<bool> aborted = TerminateAndAbort(*found);
  if (!aborted.ok()) return ServerError(aborted.status());
  return *aborted;
}

StatusOr<bool> DirectUploadService::TerminateAndAbort(const ports::UploadRecord& upload) {
  // Record first: once terminated nothing completes it, whatever the store does.
  RETURN_IF_ERROR(store_.TerminateUpload(upload.upload_id));
  const std::string staging = StagingKey(upload.upload_id);
  (void)blobs_.Delete(staging);  // assembled by a completion that failed later
  return blobs_.AbortMultipartUpload(staging, DirectUploadIdOf(upload)).ok();
}

StatusOr<int> DirectUploadService::ExpireUploads() {
  int terminated = 0;
  Status first;
  std::set<std::string, std::less<>> seen;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<ports::UploadRecord> batch,
                     store_.ListExpiredUploads(clock_.NowMillis(), kExpiryBatch));
    bool fresh = false;
    for (const ports::UploadRecord& listed : batch) {
      if (!seen.insert(listed.upload_id).second) continue;
      fresh = true;
      if (!IsDirectUpload(listed)) continue;  // UploadService's
      std::unique_ptr<Claim> claim = busy_.TryClaim(listed.upload_id);
      if (!claim) continue;  // a completion is running; next call
      // The reservation keeps other instances' completions out meanwhile.
      StatusOr<std::optional<ports::IdempotencyRecord>> held = Reserve(listed.upload_id, "vtp expiry");
      if (!held.ok()) {
        if (first.ok()) first = held.status();
        continue;
      }
      if (held->has_value()) continue;  // a completion holds it (or finished); next call
      StatusOr<ports::UploadRecord> upload = store_.GetUpload(listed.upload_id);
      if (upload.ok() && upload->state == ports::UploadState::kUploading) {
        StatusOr<bool> s = TerminateAndAbort(*upload);
        if (s.ok()) ++terminated;
        if (!s.ok() && first.ok()) first = s.status();
      }
      (void)store_.AbandonIdempotent(std::string(kIdempotencyScope), listed.upload_id);
    }
    if (!fresh || static_cast<int>(batch.size()) < kExpiryBatch) break;
  }
  if (!first.ok()) return first;
  return terminated;
}

}  // namespace vtp::control
