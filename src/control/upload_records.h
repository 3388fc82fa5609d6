// Conversions between the stored upload (ports::UploadRecord), the tus
// decisions' view of it (service::UploadState) and the error types, plus
// upload ids and part file names. Internal to src/control; pure except
// NewUploadId (reads the OS CSPRNG).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "ports/service_store.h"
#include "service/tus.h"

namespace vtp::control {

// 32 lowercase hex digits from the kernel's CSPRNG (control/random.h).
StatusOr<std::string> NewUploadId();
// Exactly the shape NewUploadId makes. Anything else is nobody's upload,
// and never reaches a file name.
bool IsUploadId(std::string_view id);
// <dir>/<upload_id>.part. Precondition: IsUploadId(upload_id).
std::string PartPath(const std::string& dir, std::string_view upload_id);

// Upload-Metadata as a JSON object of strings (key -> decoded value). The
// values are client bytes: invalid UTF-8 is replaced by U+FFFD, so the JSON
// is always valid (the metadata is display data; only "sha256" is read back
// for a decision, and a valid one is ASCII).
std::string MetadataToJson(const service::UploadMetadata& metadata);
// Inverse of MetadataToJson; malformed JSON or non-string values are skipped.
service::UploadMetadata MetadataFromJson(std::string_view json);

// The metadata key a client may use to declare the SHA-256 of the whole
// upload (64 hex digits, either case).
inline constexpr std::string_view kSha256MetadataKey = "sha256";
// The declared digest in lowercase, nullopt when absent, kInvalidArgument
// when malformed.
StatusOr<std::optional<std::string>> DeclaredSha256(const service::UploadMetadata& metadata);

// The tus view. An upload whose bytes have all arrived counts as completed
// (no expiry, no Upload-Expires) even before its finalization committed.
service::UploadState ToTusState(const ports::UploadRecord& upload);

// kNotFound 404, kInvalidArgument 400, kAlreadyExists 409, kLimitExceeded
// 413, anything else (the server's own failures) 500; message kept.
service::TusError TusErrorFromStatus(const Status& status);
// 4xx other than 404/409/413 -> kInvalidArgument, 404 kNotFound, 409
// kAlreadyExists, 413 kLimitExceeded, else kIo; message kept.
Status StatusFromTusError(const service::TusError& error);

}  // namespace vtp::control
