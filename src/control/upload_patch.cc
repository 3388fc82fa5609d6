// One PATCH: the body streamed into the part file at the upload's offset
// (tus core protocol + checksum extension; uploads.h has the contract).
#include <optional>
#include <utility>

#include "control/upload_part_file.h"
#include "control/upload_records.h"
#include "control/uploads.h"
#include "service/digest.h"

namespace vtp::control {
namespace {

// AdvanceUpload refuses when the stored state is no longer what the writer
// planned from: someone else moved the upload.
service::TusError CommitFailure(const Status& status) {
  if (status.code() == ErrorCode::kInvalidArgument) return {409, status.message(), {}};
  return {500, status.message(), {}};
}

// The part file positioned for a write at `offset`: bytes past it are a
// previous attempt's undurable tail (or a refused chunk) and go.
StatusOr<PartFile> OpenPartAt(const std::string& path, uint64_t offset) {
  ASSIGN_OR_RETURN(PartFile part, PartFile::Open(path));
  ASSIGN_OR_RETURN(uint64_t size, part.Size());
  if (size < offset) {
    return IoError("part file " + path + " holds " + std::to_string(size) + " bytes, fewer than the " +
                   std::to_string(offset) + " recorded as received");
  }
  if (size > offset) RETURN_IF_ERROR(part.Truncate(offset));
  return part;
}

}  // namespace

class UploadPatch final : public PatchWriter {
 public:
  UploadPatch(UploadService& service, std::unique_ptr<UploadService::Claim> claim, ports::UploadRecord upload,
              service::PatchPlan plan, std::optional<PartFile> part, std::optional<service::Digest> digest)
      : service_(service),
        claim_(std::move(claim)),
        upload_(std::move(upload)),
        plan_(std::move(plan)),
        part_(std::move(part)),
        digest_(std::move(digest)),
        durable_(plan_.offset) {}

  ~UploadPatch() override {
    if (!finished_) (void)Finish(false);
  }

  Status Write(std::string_view bytes) override;
  service::TusOr<service::HeaderList> Finish(bool body_complete) override;

 private:
  // fsync, then move the stored offset to everything written so far.
  Status CommitProgress();
  // Ends the PATCH with `error`; bytes past the durable offset are dropped.
  service::TusError Refuse(service::TusError error);
  service::TusOr<service::HeaderList> Conclude();

  UploadService& service_;
  std::unique_ptr<UploadService::Claim> claim_;
  const ports::UploadRecord upload_;  // as planned from
  const service::PatchPlan plan_;
  std::optional<PartFile> part_;  // absent when nothing may be written
  std::optional<service::Digest> digest_;
  uint64_t received_ = 0;  // body bytes written, from plan_.offset
  uint64_t excess_ = 0;    // body bytes refused past plan_.max_body
  uint64_t durable_;       // the stored offset
  std::optional<service::TusError> failure_;
  bool finished_ = false;
};

Status UploadPatch::Write(std::string_view bytes) {
  if (finished_) return Internal("PatchWriter::Write after Finish");
  if (failure_) return IoError(failure_->message);
  if (bytes.empty()) return Status::Ok();
  if (excess_ > 0 || bytes.size() > plan_.max_body - received_) {
    excess_ += bytes.size();
    return Status(ErrorCode::kLimitExceeded, "the body is longer than the upload's remaining length");
  }
  Status s = part_->WriteAt(plan_.offset + received_, bytes);
  if (s.ok()) {
    received_ += bytes.size();
    if (digest_) {
      s = digest_->Update(bytes);
    } else if (plan_.offset + received_ - durable_ >= service_.config_.commit_every_bytes) {
      s = CommitProgress();
      if (!s.ok()) failure_ = CommitFailure(s);
    }
  }
  if (!s.ok() && !failure_) failure_ = service::TusError{500, s.message(), {}};
  return s;
}

Status UploadPatch::CommitProgress() {
  const uint64_t target = plan_.offset + received_;
  if (target == durable_) return Status::Ok();
  RETURN_IF_ERROR(part_->Sync());
  RETURN_IF_ERROR(service_.store_.AdvanceUpload(upload_.upload_id, durable_, target));
  durable_ = target;
  return Status::Ok();
}

service::TusError UploadPatch::Refuse(service::TusError error) {
  // Best effort: a longer file is harmless, the next PATCH or Recover cuts it.
  if (part_) (void)part_->Truncate(durable_);
  part_.reset();
  claim_.reset();
  return error;
}

service::TusOr<service::HeaderList> UploadPatch::Finish(bool body_complete) {
  if (finished_) return service::TusError{500, "PatchWriter::Finish called twice", {}};
  finished_ = true;
  if (failure_) return Refuse(*failure_);
  std::optional<std::string> digest;
  if (digest_) {
    StatusOr<std::string> raw = digest_->Final();
    if (!raw.ok()) return Refuse(service::TusError{500, raw.status().message(), {}});
    digest = std::move(raw).value();
  }
  // Judged against the upload as planned: intermediate commits are this
  // PATCH's own progress, not a concurrent change.
  service::TusOr<service::UploadState> verdict =
      service::CommitPatch(ToTusState(upload_), plan_, received_ + excess_, body_complete, digest);
  if (!verdict.ok()) return Refuse(verdict.error());
  if (Status s = CommitProgress(); !s.ok()) return Refuse(CommitFailure(s));
  return Conclude();
}

service::TusOr<service::HeaderList> UploadPatch::Conclude() {
  part_.reset();
  ports::UploadRecord upload = upload_;
  upload.offset = durable_;
  if (upload.state == ports::UploadState::kUploading && upload.offset == upload.length) {
    service::TusOr<ports::UploadRecord> done = service_.Finalize(upload, *claim_);
    claim_.reset();
    if (!done.ok()) return done.error();
    upload = std::move(done).value();
  }
  claim_.reset();
  return service::PatchHeaders(ToTusState(upload));
}

service::TusOr<std::unique_ptr<PatchWriter>> UploadService::BeginPatch(std::string_view upload_id,
                                                                      const service::TusRequestHeaders& headers,
                                                                      std::optional<uint64_t> content_length) {
  if (auto e = service::CheckTusResumable(headers.tus_resumable)) return *e;
  if (!IsUploadId(upload_id)) return service::TusError{404, "no such upload", {}};
  std::unique_ptr<Claim> claim = busy_.TryClaim(upload_id);
  if (!claim) return service::TusError{423, "upload is busy", {}};
  service::TusOr<ports::UploadRecord> found = Lookup(upload_id);
  if (!found.ok()) return found.error();
  service::TusOr<service::PatchPlan> plan =
      service::PlanPatch(ToTusState(*found), headers, content_length, clock_.NowMillis());
  if (!plan.ok()) return plan.error();
  std::optional<PartFile> part;
  if (found->state == ports::UploadState::kUploading && plan->max_body > 0) {
    StatusOr<PartFile> opened = OpenPartAt(PartPath(config_.dir, upload_id), plan->offset);
    if (!opened.ok()) return service::TusError{500, opened.status().message(), {}};
    part = std::move(opened).value();
  }
  std::optional<service::Digest> digest;
  if (plan->checksum) {
    StatusOr<service::Digest> created = service::Digest::Create(plan->checksum->algorithm);
    if (!created.ok()) return service::TusError{500, created.status().message(), {}};
    digest = std::move(created).value();
  }
  return std::unique_ptr<PatchWriter>(new UploadPatch(*this, std::move(claim), std::move(found).value(),
                                                      std::move(plan).value(), std::move(part),
                                                      std::move(digest)));
}

}  // namespace vtp::control
