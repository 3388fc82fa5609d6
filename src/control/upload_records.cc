#include "control/upload_records.h"

#include <nlohmann/json.hpp>

#include "control/random.h"

namespace vtp::control {
namespace {

constexpr size_t kUploadIdBytes = 16;

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

StatusOr<std::string> NewUploadId() { return RandomId("", kUploadIdBytes); }

bool IsUploadId(std::string_view id) {
  if (id.size() != 2 * kUploadIdBytes) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string PartPath(const std::string& dir, std::string_view upload_id) {
  return dir + "/" + std::string(upload_id) + ".part";
}

std::string MetadataToJson(const service::UploadMetadata& metadata) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [key, value] : metadata.entries) object[key] = value;
  return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

service::UploadMetadata MetadataFromJson(std::string_view json) {
  service::UploadMetadata metadata;
  nlohmann::json object = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!object.is_object()) return metadata;
  for (const auto& [key, value] : object.items()) {
    if (value.is_string()) metadata.entries[key] = value.get<std::string>();
  }
  return metadata;
}

StatusOr<std::optional<std::string>> DeclaredSha256(const service::UploadMetadata& metadata) {
  auto it = metadata.entries.find(std::string(kSha256MetadataKey));
  if (it == metadata.entries.end()) return std::optional<std::string>();
  const std::string& value = it->second;
  bool ok = value.size() == 64;
  for (char c : value) ok = ok && IsHex(c);
  if (!ok) return InvalidArgument("Upload-Metadata sha256 must be 64 hex digits");
  std::string lower;
  for (char c : value) lower.push_back(Lower(c));
  return std::optional<std::string>(std::move(lower));
}

service::UploadState ToTusState(const ports::UploadRecord& upload) {
  service::UploadState state;
  state.id = upload.upload_id;
  state.length = upload.length;
  state.offset = upload.offset;
  state.metadata = MetadataFromJson(upload.metadata_json);
  state.created_ms = upload.created_at;
  state.expires_ms = upload.expires_at;
  state.completed = upload.state == ports::UploadState::kCompleted || upload.offset == upload.length;
  return state;
}

service::TusError TusErrorFromStatus(const Status& status) {
  switch (status.code()) {
    case ErrorCode::kNotFound:
      return {404, status.message(), {}};
    case ErrorCode::kInvalidArgument:
      return {400, status.message(), {}};
    case ErrorCode::kAlreadyExists:
      return {409, status.message(), {}};
    case ErrorCode::kLimitExceeded:
      return {413, status.message(), {}};
    default:
      return {500, status.message(), {}};
  }
}

Status StatusFromTusError(const service::TusError& error) {
  std::string message = error.message;
  switch (error.status) {
    case 404:
      return NotFound(std::move(message));
    case 409:
      return Status(ErrorCode::kAlreadyExists, std::move(message));
    case 413:
      return Status(ErrorCode::kLimitExceeded, std::move(message));
    default:
      if (error.status >= 400 && error.status < 500) return InvalidArgument(std::move(message));
      return IoError(std::move(message));
  }
}

}  // namespace vtp::control
