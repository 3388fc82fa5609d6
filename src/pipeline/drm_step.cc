#include "pipeline/drm_step.h"

#include <filesystem>
#include <map>
#include <set>

#include "domain/cenc_boxes.h"
#include "domain/cenc_crypto.h"
#include "domain/cenc_fragment.h"
#include "domain/drm_systems.h"
#include "pipeline/atomic_files.h"
#include "pipeline/drm_options.h"

namespace vtp::pipeline {
namespace {

using nlohmann::json;
using Bytes = std::vector<uint8_t>;
namespace fs = std::filesystem;

Bytes ToBytes(const std::string& s) { return Bytes(s.begin(), s.end()); }
std::string ToString(const Bytes& b) { return std::string(b.begin(), b.end()); }

bool Has(const json& systems, const std::string& name) {
  for (const auto& s : systems) {
    if (s.get<std::string>() == name) return true;
  }
  return false;
}

StatusOr<Bytes> BoxBytes(const cenc::ProtectionSystemHeader& pssh) {
  bmff::BoxWriter w;
  pssh.Write(w);
  return std::move(w).Finish();
}

// The pssh boxes of one key, in the order players look for them.
struct KeySignalling {
  std::vector<cenc::ProtectionSystemHeader> boxes;
  json pssh = json::object();
  std::string playready_pro;
  std::string license_url;  // the job's template, expanded for this key
};

StatusOr<KeySignalling> SignallingFor(const ports::ContentKey& key, cenc::Scheme scheme, const json& p) {
  KeySignalling s;
  const json& systems = p.at("systems");
  s.license_url = ExpandKeyTemplate(p.value("license_url", ""), p.at("video_id"), cenc::Hex16(key.kid));
  auto add = [&](const std::string& name, cenc::ProtectionSystemHeader box) -> Status {
    ASSIGN_OR_RETURN(Bytes bytes, BoxBytes(box));
    s.pssh[name] = drm::Base64Encode(bytes);
    s.boxes.push_back(std::move(box));
    return Status::Ok();
  };
  if (Has(systems, "widevine")) {
    RETURN_IF_ERROR(add("widevine", {drm::kWidevineSystemId, {key.kid}, drm::WidevinePsshData({key.kid}, scheme)}));
  }
  if (Has(systems, "playready")) {
    ASSIGN_OR_RETURN(Bytes pro, drm::PlayReadyObject(key.kid, key.key, scheme, s.license_url));
    s.playready_pro = drm::Base64Encode(pro);
    RETURN_IF_ERROR(add("playready", {drm::kPlayReadySystemId, {}, pro}));
  }
  if (Has(systems, "clearkey")) RETURN_IF_ERROR(add("clearkey", {drm::kCommonSystemId, {key.kid}, {}}));
  return s;
}

std::vector<double> SegmentSeconds(const json& track) {
  std::vector<double> out;
  for (const auto& s : track.at("segments")) out.push_back(s.at("seconds"));
  return out;
}

// HLS AES-128 (RFC 8216 §5.2): without an IV attribute the IV is the
// segment's media sequence number, big-endian; vtp's playlists start at 0.
cenc::Iv16 SequenceIv(uint32_t n) {
  cenc::Iv16 iv{};
  for (int i = 0; i < 4; ++i) iv[15 - i] = static_cast<uint8_t>(n >> (8 * i));
  return iv;
}

StatusOr<Bytes> ReadBytes(const std::string& path) {
  ASSIGN_OR_RETURN(std::string s, ReadFileBytes(path));
  return ToBytes(s);
}

Status WriteBytes(const std::string& path, const Bytes& b) { return WriteFileAtomically(path, ToString(b)); }

struct TrackJob {
  const json* spec = nullptr;
  const ports::ContentKey* key = nullptr;
  const KeySignalling* signalling = nullptr;
  const ports::ContentKey* aes128 = nullptr;
};

// Encrypts one rendition folder into `to` (staged, then renamed).
StatusOr<json> EncryptTrack(const TrackJob& job, cenc::Scheme scheme, const json& p) {
  const json& spec = *job.spec;
  json track = spec.at("track");
  const std::string from = spec.at("from"), to = spec.at("to"), stage = Part(to);
  FreshDir(stage);
  cenc::TrackKeying keying;
  keying.scheme = scheme;
  keying.kid = job.key->kid;
  keying.key = job.key->key;
  keying.iv_salt = p.at("video_id").get<std::string>() + "/" + spec.at("name").get<std::string>();
  keying.pssh = job.signalling->boxes;
  DrmOptions lead;
  lead.clear_lead_seconds = p.value("clear_lead_seconds", 0.0);
  keying.clear_segments = ClearSegments(lead, SegmentSeconds(track));
  ASSIGN_OR_RETURN(Bytes init, ReadBytes(from + "/" + track.at("init_name").get<std::string>()));
  ASSIGN_OR_RETURN(cenc::FragmentEncryptor enc, cenc::FragmentEncryptor::Create(init, keying));
  ASSIGN_OR_RETURN(Bytes protected_init, enc.ProtectedInit());
  RETURN_IF_ERROR(WriteBytes(stage + "/" + track.at("init_name").get<std::string>(), protected_init));
  track["init_bytes"] = protected_init.size();
  uint32_t n = 0;
  for (json& seg : track.at("segments")) {
    const std::string name = seg.at("fmp4_name");
    ASSIGN_OR_RETURN(Bytes clear, ReadBytes(from + "/" + name));
    StatusOr<Bytes> encrypted = enc.EncryptSegment(clear, n);
    if (!encrypted.ok()) return encrypted.status().WithContext(spec.at("name").get<std::string>() + "/" + name);
    RETURN_IF_ERROR(WriteBytes(stage + "/" + name, *encrypted));
    seg["fmp4_bytes"] = encrypted->size();
    const std::string ts = seg.value("ts_name", "");
    if (!ts.empty()) {
      ASSIGN_OR_RETURN(Bytes ts_clear, ReadBytes(from + "/" + ts));
      const bool protect = job.aes128 && n >= keying.clear_segments;
      Bytes ts_out = protect ? cenc::Aes128CbcPkcs7Encrypt(job.aes128->key, SequenceIv(n), ts_clear) : ts_clear;
      // Encryption only comes back empty when OpenSSL failed.
      if (ts_out.empty()) return Internal("AES-128 encryption of " + ts + " failed");
      RETURN_IF_ERROR(WriteBytes(stage + "/" + ts, ts_out));
      seg["ts_bytes"] = ts_out.size();
    }
    ++n;
  }
  RETURN_IF_ERROR(CommitPath(stage, to));
  json done = {{"name", spec.at("name")}, {"label", spec.at("label")}, {"kid", cenc::Hex16(job.key->kid)},
               {"clear_segments", keying.clear_segments}, {"track", track}};
  if (job.aes128) {
    done["ts_key_uri"] = ExpandKeyTemplate(p.at("key_uri"), p.at("video_id"), cenc::Hex16(job.aes128->kid),
                                           RootOf(spec.at("name")));
  }
  return done;
}

bool AnyTs(const json& tracks) {
  for (const auto& t : tracks) {
    for (const auto& s : t.at("track").at("segments")) {
      if (!s.value("ts_name", "").empty()) return true;
    }
  }
  return false;
}

}  // namespace

StatusOr<json> RunDrm(const json& p, ports::KeySource& keys) {
  DrmOptions scheme_opts;
  scheme_opts.scheme = p.at("scheme");
  ASSIGN_OR_RETURN(cenc::Scheme scheme, SchemeOf(scheme_opts));
  const json& tracks = p.at("tracks");
  std::vector<std::string> labels;
  for (const auto& t : tracks) {
    std::string label = t.at("label");
    if (std::find(labels.begin(), labels.end(), label) == labels.end()) labels.push_back(label);
  }
  const bool aes128 = p.value("ts_aes128", true) && AnyTs(tracks);
  if (aes128) labels.push_back(kAes128Label);
  const std::string video = p.at("video_id");
  ASSIGN_OR_RETURN(std::vector<ports::ContentKey> issued, keys.KeysFor(video, labels));
  if (issued.size() != labels.size()) return Internal("key source returned " + std::to_string(issued.size()) + " keys for " + std::to_string(labels.size()) + " labels");
  std::map<std::string, const ports::ContentKey*> by_label;
  std::map<std::string, KeySignalling> signalling;
  json out = {{"scheme", p.at("scheme")}, {"keys", json::array()}, {"tracks", json::array()}};
  for (const auto& k : issued) {
    by_label[k.label] = &k;
    if (k.label == kAes128Label) continue;
    ASSIGN_OR_RETURN(signalling[k.label], SignallingFor(k, scheme, p));
    const KeySignalling& s = signalling[k.label];
    json entry = {{"label", k.label}, {"kid", cenc::Hex16(k.kid)}, {"pssh", s.pssh},
                  {"fairplay", scheme == cenc::Scheme::kCbcs && Has(p.at("systems"), "fairplay")},
                  {"license_url", s.license_url}};
    if (!s.playready_pro.empty()) entry["playready_pro"] = s.playready_pro;
    out["keys"].push_back(entry);
  }
  const ports::ContentKey* ts_key = aes128 ? by_label.at(kAes128Label) : nullptr;
  // The AES-128 key is handed to any client that may fetch the playlist;
  // were it a DRM content key, that would hand out the DRM key too.
  for (const auto& k : issued) {
    if (ts_key && k.label != kAes128Label && k.key == ts_key->key) {
      return InvalidArgument("drm: the aes128 key must differ from the '" + k.label + "' content key");
    }
  }
  if (ts_key) {
    const std::string kid = cenc::Hex16(ts_key->kid);
    out["aes128"] = {{"kid", kid}, {"uri", ExpandKeyTemplate(p.at("key_uri"), video, kid)}};
  }
  for (const auto& t : tracks) {
    const std::string label = t.at("label");
    TrackJob job{&t, by_label.at(label), &signalling.at(label), ts_key};
    ASSIGN_OR_RETURN(json done, EncryptTrack(job, scheme, p));
    out["tracks"].push_back(std::move(done));
  }
  return out;
}

}  // namespace vtp::pipeline
