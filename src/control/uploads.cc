#include "control/uploads.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "control/direct_uploads.h"
#include "control/upload_part_file.h"
#include "control/upload_records.h"

namespace vtp::control {
namespace {

service::TusError NoSuchUpload() { return {404, "no such upload", {}}; }

// Derived from the metadata tus clients send when the caller left it open.
void FillFromMetadata(NewUpload& upload) {
  if (auto name = upload.metadata.filename()) upload.filename = *name;
  if (auto type = upload.metadata.filetype()) upload.content_type = *type;
  if (upload.title.empty()) {
    auto title = upload.metadata.entries.find("title");
    upload.title = title != upload.metadata.entries.end() ? title->second : upload.filename;
  }
}

}  // namespace

UploadService::UploadService(UploadConfig config, ports::ServiceStore& store, ports::BlobStore& blobs,
                             ports::Clock& clock, VideoMaker make_video, Completed completed)
    : config_(std::move(config)),
      store_(store),
      blobs_(blobs),
      clock_(clock),
      make_video_(std::move(make_video)),
      completed_(std::move(completed)) {}

service::TusLimits UploadService::Limits() const {
  return service::TusLimits{config_.max_size, config_.expiry_ms};
}

StatusOr<ports::UploadRecord> UploadService::Create(const NewUpload& upload) {
  ASSIGN_OR_RETURN(std::string id, NewUploadId());
  // A fresh id is never busy; the claim keeps Recover off a half-made upload.
  std::unique_ptr<Claim> claim = busy_.TryClaim(id);
  if (!claim) return Internal("fresh upload id " + id + " is busy");
  service::TusOr<ports::UploadRecord> created = CreateClaimed(upload, id, *claim);
  if (!created.ok()) return StatusFromTusError(created.error());
  return std::move(created).value();
}

service::TusOr<ports::UploadRecord> UploadService::CreateFromTus(const service::TusRequestHeaders& headers,
                                                                 NewUpload base) {
  StatusOr<std::string> id = NewUploadId();
  if (!id.ok()) return TusErrorFromStatus(id.status());
  service::TusOr<service::UploadState> plan = service::PlanCreate(headers, Limits(), *id, clock_.NowMillis());
  if (!plan.ok()) return plan.error();
  base.length = plan->length;
  base.metadata = plan->metadata;
  FillFromMetadata(base);
  std::unique_ptr<Claim> claim = busy_.TryClaim(*id);
  if (!claim) return service::TusError{500, "fresh upload id " + *id + " is busy", {}};
  return CreateClaimed(base, *id, *claim);
}

service::TusOr<ports::UploadRecord> UploadService::CreateClaimed(const NewUpload& upload,
                                                                 const std::string& upload_id,
                                                                 const Claim& claim) {
  if (upload.length > config_.max_size) {
    return service::TusError{413, "upload of " + std::to_string(upload.length) + " bytes exceeds the maximum of " +
                                      std::to_string(config_.max_size), {}};
  }
  StatusOr<std::optional<std::string>> declared = DeclaredSha256(upload.metadata);
  if (!declared.ok()) return TusErrorFromStatus(declared.status());
  std::error_code ec;
  std::filesystem::create_directories(config_.dir, ec);
  if (ec) return service::TusError{500, "upload directory " + config_.dir + ": " + ec.message(), {}};
  const std::string path = PartPath(config_.dir, upload_id);
  StatusOr<PartFile> part = PartFile::Create(path);
  if (!part.ok()) return TusErrorFromStatus(part.status().WithContext("creating upload"));

  ports::UploadRecord record;
  record.upload_id = upload_id;
  record.video_id = upload.video_id;
  record.creator_id = upload.creator_id;
  record.length = upload.length;
  record.filename = upload.filename;
  record.content_type = upload.content_type;
  record.title = upload.title;
  record.metadata_json = MetadataToJson(upload.metadata);
  record.options_json = upload.options_json;
  record.expires_at = config_.expiry_ms > 0 ? clock_.NowMillis() + config_.expiry_ms : 0;
  if (Status s = store_.CreateUpload(record); !s.ok()) {
    (void)RemovePartFile(path);
    return TusErrorFromStatus(s);
  }
  service::TusOr<ports::UploadRecord> stored = Lookup(upload_id);
  if (!stored.ok() || stored->length > 0) return stored;
  // Zero bytes have all arrived: tus considers the upload complete at once.
  return Finalize(*stored, claim);
}

service::HeaderList UploadService::CreatedHeaders(const ports::UploadRecord& upload) const {
  return service::CreatedHeaders(ToTusState(upload));
}

service::TusOr<ports::UploadRecord> UploadService::Lookup(std::string_view upload_id) {
  if (!IsUploadId(upload_id)) return NoSuchUpload();
  StatusOr<ports::UploadRecord> upload = store_.GetUpload(upload_id);
  if (!upload.ok()) return TusErrorFromStatus(upload.status());
  // Direct uploads (direct_uploads.h) have no part file: not tus's to touch.
  if (upload->state == ports::UploadState::kTerminated || IsDirectUpload(*upload)) return NoSuchUpload();
  return std::move(upload).value();
}

service::TusOr<service::HeaderList> UploadService::Head(std::string_view upload_id,
                                                        const service::TusRequestHeaders& headers) {
  if (auto e = service::CheckTusResumable(headers.tus_resumable)) return *e;
  service::TusOr<ports::UploadRecord> found = Lookup(upload_id);
  if (!found.ok()) return found.error();
  ports::UploadRecord upload = std::move(found).value();
  const int64_t now = clock_.NowMillis();
  service::TusOr<service::HeaderList> answer = service::PlanHead(ToTusState(upload), headers, now);
  if (!answer.ok()) return answer;
  const bool all_arrived = upload.state == ports::UploadState::kUploading && upload.offset == upload.length;
  // A busy upload is being written or finalized by its holder: answer as is.
  std::unique_ptr<Claim> claim = all_arrived ? busy_.TryClaim(upload_id) : nullptr;
  if (!claim) return answer;
  found = Lookup(upload_id);
  if (!found.ok()) return found.error();
  if (found->state != ports::UploadState::kUploading) return service::PlanHead(ToTusState(*found), headers, now);
  service::TusOr<ports::UploadRecord> done = Finalize(*found, *claim);
  if (!done.ok()) return done.error();
  return service::PlanHead(ToTusState(*done), headers, now);
}

service::TusOr<service::HeaderList> UploadService::Terminate(std::string_view upload_id,
                                                             const service::TusRequestHeaders& headers) {
  if (auto e = service::PlanTerminate(headers)) return *e;
  if (!IsUploadId(upload_id)) return NoSuchUpload();
  std::unique_ptr<Claim> claim = busy_.TryClaim(upload_id);
  if (!claim) return service::TusError{423, "upload is busy", {}};
  service::TusOr<ports::UploadRecord> found = Lookup(upload_id);
  if (!found.ok()) return found.error();
  if (found->state == ports::UploadState::kCompleted) {
    return service::TusError{409, "upload is complete: delete its video instead", {}};
  }
  if (Status s = TerminateClaimed(*found); !s.ok()) return TusErrorFromStatus(s);
  return service::HeaderList{{"Tus-Resumable", std::string(service::kTusVersion)}};
}

Status UploadService::TerminateClaimed(const ports::UploadRecord& upload) {
  // Store first: a crash before the unlink leaves a part file that Recover
  // removes, never a live upload without its bytes.
  RETURN_IF_ERROR(store_.TerminateUpload(upload.upload_id));
  return RemovePartFile(PartPath(config_.dir, upload.upload_id));
}

service::HeaderList UploadService::Options() const { return service::OptionsHeaders(Limits()); }

}  // namespace vtp::control
