// InMemoryStore's ports::KeyVault: rows by (video_id, label) plus an index
// of (video_id, kid), both under the store's one mutex.
#include <string>
#include <utility>

#include "adapters/key_material.h"
#include "adapters/memory_store.h"

namespace vtp::adapters {

using ports::WrappedKey;

StatusOr<WrappedKey> InMemoryStore::PutKeyIfAbsent(const WrappedKey& key) {
  RETURN_IF_ERROR(ValidateWrappedKey(key));
  std::lock_guard<std::mutex> lock(mu_);
  ScopedKey id{key.video_id, key.label};
  auto it = content_keys_.find(id);
  if (it != content_keys_.end()) return it->second;
  auto by_kid = std::make_pair(key.video_id, key.kid);
  auto taken = key_labels_.find(by_kid);
  if (taken != key_labels_.end()) {
    return Status(ErrorCode::kAlreadyExists, "kid " + KidHex(key.kid) + " already names key '" +
                                                 taken->second + "' of video " + key.video_id);
  }
  WrappedKey row = key;
  row.created_at = clock_.NowMillis();
  key_labels_.emplace(std::move(by_kid), key.label);
  content_keys_.emplace(std::move(id), row);
  return row;
}

StatusOr<WrappedKey> InMemoryStore::GetKeyByLabel(std::string_view video_id,
                                                  std::string_view label) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = content_keys_.find(ScopedKey{std::string(video_id), std::string(label)});
  if (it == content_keys_.end()) {
    return NotFound("no key '" + std::string(label) + "' for video " + std::string(video_id));
  }
  return it->second;
}

StatusOr<WrappedKey> InMemoryStore::GetKeyByKid(std::string_view video_id, const cenc::Kid& kid) {
  std::lock_guard<std::mutex> lock(mu_);
  auto label = key_labels_.find(std::make_pair(std::string(video_id), kid));
  if (label == key_labels_.end()) {
    return NotFound("no key with kid " + KidHex(kid) + " for video " + std::string(video_id));
  }
  return content_keys_.at(ScopedKey{std::string(video_id), label->second});
}

}  // namespace vtp::adapters
