#include "app/drm_flags.h"

#include <cstdlib>
#include <filesystem>

#include "adapters/blob_checksum.h"
#include "adapters/static_key_source.h"
#include "pipeline/atomic_files.h"

namespace vtp::app {

const char kDrmUsage[] =
    "\n"
    "DRM (docs/drm.md):\n"
    "  --drm SCHEME             encrypt: cenc (AES-CTR; Widevine, PlayReady, ClearKey) or\n"
    "                           cbcs (AES-CBC 1:9; also FairPlay); MPEG-TS gets HLS AES-128\n"
    "  --drm-keys FILE          bring your own keys: {\"keys\":[{\"label\",\"kid\",\"key\"}]}\n"
    "  --drm-key-server URL     fetch keys from a CPIX key server (token: $VTP_KEY_SERVER_TOKEN)\n"
    "  --drm-key-policy P       single, av (audio/video, default) or tiers (audio/sd/hd/uhd)\n"
    "  --drm-systems LIST       signalled systems, of widevine,playready,fairplay,clearkey\n"
    "                           (default all; fairplay only with cbcs)\n"
    "  --drm-clear-lead S       leave the first S seconds unencrypted (default 0)\n"
    "  --drm-key-uri TEMPLATE   HLS AES-128 key URI, {video} and {kid} substituted\n"
    "                           (default /api/v1/videos/{video}/keys/{kid}, served by vtp serve)\n"
    "  --drm-license-url URL    license server written into the manifests ({video})\n"
    "  --no-ts-aes128           leave the MPEG-TS renditions unencrypted\n"
    "  keys live wrapped under $VTP_MASTER_KEY (default: DATA/master.key, made on first use)\n";

std::vector<std::string> SplitList(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t comma = list.find(',', start);
    out.push_back(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

StatusOr<bool> ParseDrmFlag(const std::string& flag, const std::function<const char*()>& value,
                            pipeline::DrmOptions& drm, bool& any_drm_flag) {
  if (flag.rfind("--drm", 0) != 0 && flag != "--no-ts-aes128") return false;
  if (flag == "--drm") {
    drm.scheme = value();
    return true;
  }
  any_drm_flag = true;
  if (flag == "--drm-keys") {
    drm.key_file = value();
  } else if (flag == "--drm-key-server") {
    drm.key_server = value();
  } else if (flag == "--drm-key-policy") {
    drm.key_policy = value();
  } else if (flag == "--drm-systems") {
    std::string v = value();
    drm.systems = v == "none" ? std::vector<std::string>{} : SplitList(v);
  } else if (flag == "--drm-clear-lead") {
    const char* v = value();
    char* end = nullptr;
    drm.clear_lead_seconds = std::strtod(v, &end);
    if (end == v || *end != '\0') return InvalidArgument("--drm-clear-lead must be a number of seconds");
  } else if (flag == "--drm-key-uri") {
    drm.key_uri = value();
  } else if (flag == "--drm-license-url") {
    drm.license_url = value();
  } else if (flag == "--no-ts-aes128") {
    drm.ts_aes128 = false;
  } else {
    return false;
  }
  return true;
}

Status PrepareDrm(pipeline::DrmOptions& drm, bool any_drm_flag) {
  if (!drm.enabled()) {
    if (any_drm_flag) return InvalidArgument("DRM options need --drm cenc or --drm cbcs");
    return Status::Ok();
  }
  // FairPlay exists only for cbcs: a cenc job signals the others.
  if (drm.scheme == "cenc") std::erase(drm.systems, "fairplay");
  RETURN_IF_ERROR(pipeline::ValidateDrmOptions(drm).WithContext("--drm"));
  if (drm.key_file.empty()) return Status::Ok();
  ASSIGN_OR_RETURN(std::vector<ports::ContentKey> keys, adapters::LoadStaticKeys(drm.key_file));
  // Every label the policy can ask for must be in the file, so a missing
  // one is refused now rather than after the transcode.
  std::vector<std::string> labels = {pipeline::AudioKeyLabel(drm)};
  if (drm.key_policy == "av") labels.push_back("video");
  if (drm.key_policy == "tiers") labels.insert(labels.end(), {"sd", "hd", "uhd"});
  for (const auto& k : keys) {
    for (const auto& other : keys) {
      if (k.label == pipeline::kAes128Label && other.label != k.label && other.key == k.key) {
        return InvalidArgument(drm.key_file + ": the aes128 key must differ from the '" + other.label +
                               "' content key (clients fetch it in the clear)");
      }
    }
  }
  adapters::StaticKeySource source(std::move(keys));
  RETURN_IF_ERROR(source.KeysFor("v0", labels).status().WithContext(drm.key_file));
  drm.key_file = std::filesystem::absolute(drm.key_file).lexically_normal().string();
  return Status::Ok();
}

StatusOr<std::string> KeyFileDigest(const pipeline::DrmOptions& drm) {
  if (drm.key_file.empty()) return std::string();
  ASSIGN_OR_RETURN(std::string bytes, pipeline::ReadFileBytes(drm.key_file));
  return adapters::Sha256Hex(bytes);
}

}  // namespace vtp::app
