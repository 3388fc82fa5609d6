#include "pipeline/drm_signalling.h"

#include <map>

#include "domain/cenc_types.h"
#include "domain/drm_systems.h"

namespace vtp::pipeline {
namespace {

using nlohmann::json;
using Bytes = std::vector<uint8_t>;

constexpr char kWidevineKeyFormat[] = "urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed";
constexpr char kCommonKeyFormat[] = "urn:uuid:1077efec-c0b2-4d02-ace3-3c1e52e2fb4b";
constexpr char kPlayReadyKeyFormat[] = "com.microsoft.playready";
constexpr char kFairPlayKeyFormat[] = "com.apple.streamingkeydelivery";

StatusOr<Bytes> Base64Decode(const std::string& in) {
  std::optional<Bytes> bytes = drm::Base64Decode(in);
  if (!bytes) return InvalidArgument("drm result: malformed base64");
  return std::move(*bytes);
}

// The signalling of one key, shared by every rendition it protects.
struct KeyOut {
  std::vector<manifest::ContentProtection> dash;
  std::vector<manifest::KeyTag> hls;
};

manifest::KeyTag Tag(const std::string& method, std::string uri, const char* keyformat) {
  return {method, std::move(uri), std::nullopt, std::string(keyformat), std::string("1")};
}

StatusOr<KeyOut> SignalKey(const json& key, const std::string& scheme, const std::string& license_url) {
  KeyOut out;
  ASSIGN_OR_RETURN(cenc::Kid kid, cenc::ParseHex16(key.at("kid").get<std::string>()));
  out.dash.push_back({manifest::kDashMp4ProtectionScheme, scheme, kid});
  const std::string method = scheme == "cbcs" ? "SAMPLE-AES" : "SAMPLE-AES-CTR";
  const json& pssh = key.at("pssh");
  if (pssh.contains("widevine")) {
    ASSIGN_OR_RETURN(Bytes box, Base64Decode(pssh.at("widevine")));
    out.dash.push_back({manifest::SystemSchemeIdUri(drm::kWidevineSystemId), "Widevine", std::nullopt, box});
    out.hls.push_back(Tag(method, "data:text/plain;base64," + pssh.at("widevine").get<std::string>(), kWidevineKeyFormat));
  }
  if (pssh.contains("playready")) {
    ASSIGN_OR_RETURN(Bytes box, Base64Decode(pssh.at("playready")));
    ASSIGN_OR_RETURN(Bytes pro, Base64Decode(key.at("playready_pro")));
    out.dash.push_back({manifest::SystemSchemeIdUri(drm::kPlayReadySystemId), "PlayReady", std::nullopt, box, pro});
    out.hls.push_back(Tag(method, "data:text/plain;charset=UTF-16;base64," + key.at("playready_pro").get<std::string>(),
                          kPlayReadyKeyFormat));
  }
  if (scheme == "cbcs" && key.value("fairplay", false)) {
    out.hls.push_back(Tag(method, "skd://" + key.at("kid").get<std::string>(), kFairPlayKeyFormat));
  }
  if (pssh.contains("clearkey")) {
    ASSIGN_OR_RETURN(Bytes box, Base64Decode(pssh.at("clearkey")));
    out.dash.push_back({manifest::SystemSchemeIdUri(drm::kCommonSystemId), "ClearKey", std::nullopt, box, {},
                        license_url});
    out.hls.push_back(Tag(method, "data:text/plain;base64," + pssh.at("clearkey").get<std::string>(), kCommonKeyFormat));
  }
  return out;
}

}  // namespace

Status ApplyDrmSignalling(const json& drm, ManifestInput& in) {
  try {
    const std::string scheme = drm.at("scheme");
    std::map<std::string, KeyOut> by_label;
    for (const auto& key : drm.at("keys")) {
      std::string url = key.value("license_url", "");
      ASSIGN_OR_RETURN(by_label[key.at("label")], SignalKey(key, scheme, url));
      const auto& hls = by_label[key.at("label")].hls;
      in.session_keys.insert(in.session_keys.end(), hls.begin(), hls.end());
    }
    std::vector<manifest::KeyTag> ts;
    if (drm.contains("aes128")) ts.push_back({"AES-128", drm.at("aes128").at("uri"), std::nullopt, std::nullopt, std::nullopt});
    std::map<std::string, const json*> tracks;
    for (const auto& t : drm.at("tracks")) tracks[t.at("name")] = &t;
    auto attach = [&](PackagedRendition& r) -> Status {
      auto it = tracks.find(r.dir);
      if (it == tracks.end()) return InvalidArgument("drm result does not cover rendition " + r.dir);
      const json& t = *it->second;
      auto key = by_label.find(t.at("label"));
      if (key == by_label.end()) return InvalidArgument("drm result has no key labelled " + t.at("label").get<std::string>());
      r.protection.kid = t.at("kid");
      r.protection.dash = key->second.dash;
      r.protection.hls = key->second.hls;
      r.protection.hls_ts = ts;
      // A key URI relative to the playlist ({root}) differs per rendition.
      if (!ts.empty() && t.contains("ts_key_uri")) r.protection.hls_ts.front().uri = t.at("ts_key_uri");
      r.protection.first_encrypted_segment = t.at("clear_segments").get<size_t>();
      return Status::Ok();
    };
    for (auto& r : in.video) RETURN_IF_ERROR(attach(r));
    for (auto& r : in.audio) RETURN_IF_ERROR(attach(r));
  } catch (const json::exception& e) {
    return InvalidArgument(std::string("malformed drm result: ") + e.what());
  }
  return Status::Ok();
}

}  // namespace vtp::pipeline
