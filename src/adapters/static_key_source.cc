#include "adapters/static_key_source.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "adapters/key_material.h"

namespace vtp::adapters {
namespace {

using nlohmann::json;
using ports::ContentKey;

// A 32-hex-digit field of `entry`; `secret` keeps the value out of the message.
StatusOr<cenc::Kid> HexField(const json& entry, const char* name, bool secret,
                             const std::string& where) {
  auto it = entry.find(name);
  if (it == entry.end()) return InvalidArgument(where + ": missing \"" + name + "\"");
  std::optional<cenc::Kid> bytes;
  if (it->is_string()) bytes = ParseHex16(it->get_ref<const std::string&>());
  if (!bytes) {
    std::string shown = secret || !it->is_string() ? "" : " (got '" + it->get<std::string>().substr(0, 40) + "')";
    return InvalidArgument(where + ": \"" + name + "\" must be a string of 32 hex digits" + shown);
  }
  return *bytes;
}

StatusOr<ContentKey> ParseEntry(const json& entry, size_t index) {
  std::string where = "keys[" + std::to_string(index) + "]";
  if (!entry.is_object()) return InvalidArgument(where + " must be an object");
  for (const auto& [name, value] : entry.items()) {
    if (name != "label" && name != "kid" && name != "key") {
      return InvalidArgument(where + ": unknown field \"" + name.substr(0, 40) + "\"");
    }
  }
  auto label = entry.find("label");
  if (label == entry.end() || !label->is_string()) {
    return InvalidArgument(where + ": \"label\" must be a string");
  }
  ContentKey k;
  k.label = label->get<std::string>();
  RETURN_IF_ERROR(ValidateLabel(k.label).WithContext(where));
  where += " ('" + k.label + "')";
  ASSIGN_OR_RETURN(k.kid, HexField(entry, "kid", false, where));
  ASSIGN_OR_RETURN(k.key, HexField(entry, "key", true, where));
  return k;
}

// Repeated labels or KIDs would make KeysFor / Lookup ambiguous.
Status CheckUnique(const std::vector<ContentKey>& keys, size_t index) {
  const ContentKey& k = keys[index];
  for (size_t i = 0; i < index; ++i) {
    std::string where = "keys[" + std::to_string(index) + "] ('" + k.label + "')";
    if (keys[i].label == k.label) {
      return InvalidArgument(where + ": label repeats keys[" + std::to_string(i) + "]");
    }
    if (keys[i].kid == k.kid) {
      return InvalidArgument(where + ": kid " + KidHex(k.kid) + " repeats keys[" +
                             std::to_string(i) + "] ('" + keys[i].label + "')");
    }
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::vector<ContentKey>> ParseStaticKeys(std::string_view text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return InvalidArgument("key file is not valid JSON");
  if (!doc.is_object()) return InvalidArgument("key file must be a JSON object {\"keys\": [...]}");
  for (const auto& [name, value] : doc.items()) {
    if (name != "keys") return InvalidArgument("key file: unknown field \"" + name.substr(0, 40) + "\"");
  }
  auto list = doc.find("keys");
  if (list == doc.end() || !list->is_array() || list->empty()) {
    return InvalidArgument("key file: \"keys\" must be a non-empty array");
  }
  std::vector<ContentKey> keys;
  for (size_t i = 0; i < list->size(); ++i) {
    ASSIGN_OR_RETURN(ContentKey k, ParseEntry((*list)[i], i));
    keys.push_back(std::move(k));
    RETURN_IF_ERROR(CheckUnique(keys, i));
  }
  return keys;
}

StatusOr<std::vector<ContentKey>> LoadStaticKeys(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return NotFound("key file " + path + " does not exist");
  if (!std::filesystem::is_regular_file(path, ec)) {
    return IoError("key file " + path + " is not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad()) {
    return IoError("cannot read key file " + path + ": " + std::strerror(errno));
  }
  auto keys = ParseStaticKeys(text.str());
  if (!keys.ok()) return keys.status().WithContext(path);
  return keys;
}

StaticKeySource::StaticKeySource(std::vector<ContentKey> keys) : keys_(std::move(keys)) {}

StatusOr<std::vector<ContentKey>> StaticKeySource::KeysFor(const std::string& video_id,
                                                           const std::vector<std::string>& labels) {
  RETURN_IF_ERROR(ValidateKeyRequest(video_id, labels));
  std::vector<ContentKey> out;
  for (const std::string& label : labels) {
    auto it = std::find_if(keys_.begin(), keys_.end(),
                           [&](const ContentKey& k) { return k.label == label; });
    if (it == keys_.end()) return InvalidArgument("no key for label '" + label + "' in the key file");
    out.push_back(*it);
  }
  return out;
}

StatusOr<ContentKey> StaticKeySource::Lookup(const std::string& video_id, const cenc::Kid& kid) {
  RETURN_IF_ERROR(ValidateVideoId(video_id));
  auto it = std::find_if(keys_.begin(), keys_.end(), [&](const ContentKey& k) { return k.kid == kid; });
  if (it == keys_.end()) return NotFound("no key with kid " + KidHex(kid) + " in the key file");
  return *it;
}

}  // namespace vtp::adapters
