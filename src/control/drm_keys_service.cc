#include "control/drm_keys_service.h"

#include "control/clearkey.h"
#include "pipeline/drm_options.h"

namespace vtp::control {
namespace {

Status NoVideo(std::string_view video_id) { return NotFound("no video " + std::string(video_id)); }

Status NoKey(std::string_view video_id, const cenc::Kid& kid) {
  return NotFound("video " + std::string(video_id) + " has no key " + cenc::Hex16(kid));
}

}  // namespace

Status DrmKeyService::MayRead(const KeyReader& reader, std::string_view video_id) const {
  if (reader.caller) return videos_.Owned(*reader.caller, video_id).status();
  StatusOr<ports::VideoRecord> v = meta_.GetVideo(video_id);
  if (v.status().code() == ErrorCode::kNotFound) return NoVideo(video_id);
  RETURN_IF_ERROR(v.status());
  if (v->status == ports::VideoStatus::kRemoved) return NoVideo(video_id);
  return Status::Ok();
}

StatusOr<ports::ContentKey> DrmKeyService::Find(std::string_view video_id, const cenc::Kid& kid) {
  StatusOr<ports::ContentKey> key = keys_.Lookup(std::string(video_id), kid);
  if (key.status().code() == ErrorCode::kNotFound) return NoKey(video_id, kid);
  if (key.status().code() == ErrorCode::kCorruptInput) {
    // The stored row is fine for the client to ask about; the server's
    // master key is what is wrong, so this is the server's fault.
    return Internal("a stored key of video " + std::string(video_id) + " does not unwrap: " +
                    key.status().message());
  }
  return key;
}

StatusOr<cenc::Key> DrmKeyService::Aes128Key(const KeyReader& reader, std::string_view video_id,
                                             std::string_view kid_hex) {
  if (kid_hex.size() != 32) return InvalidArgument("a KID is 32 hex digits");
  StatusOr<cenc::Kid> kid = cenc::ParseHex16(kid_hex);
  if (!kid.ok()) return InvalidArgument("a KID is 32 hex digits");
  RETURN_IF_ERROR(MayRead(reader, video_id));
  ASSIGN_OR_RETURN(ports::ContentKey key, Find(video_id, *kid));
  // DRM content keys are released only through a license service.
  if (key.label != pipeline::kAes128Label) return NoKey(video_id, *kid);
  return key.key;
}

StatusOr<std::string> DrmKeyService::ClearKeyLicense(const KeyReader& reader, std::string_view video_id,
                                                     std::string_view request_body) {
  if (!options_.clearkey_license) return NotFound("ClearKey licensing is not enabled on this server");
  ASSIGN_OR_RETURN(ClearKeyRequest request, ParseClearKeyRequest(request_body));
  RETURN_IF_ERROR(MayRead(reader, video_id));
  std::vector<ports::ContentKey> found;
  for (const cenc::Kid& kid : request.kids) {
    StatusOr<ports::ContentKey> key = Find(video_id, kid);
    if (key.status().code() == ErrorCode::kNotFound) continue;
    RETURN_IF_ERROR(key.status());
    // The HLS AES-128 key is not a CENC content key; it has its own route.
    if (key->label == pipeline::kAes128Label) continue;
    found.push_back(*key);
  }
  return ClearKeyLicenseJson(found, request.type);
}

}  // namespace vtp::control
