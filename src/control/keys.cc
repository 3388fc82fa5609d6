#include "control/keys.h"

#include <algorithm>

#include "control/random.h"
#include "engine/progress.h"
#include "service/api_keys.h"

namespace vtp::control {

StatusOr<CreatedKey> CreateKey(ports::ServiceStore& store, const std::string& role, const std::string& creator_id,
                               const std::string& name) {
  RETURN_IF_ERROR(service::ParseRole(role).status());
  bool id_ok = !creator_id.empty() && creator_id.size() <= 64 &&
               std::all_of(creator_id.begin(), creator_id.end(), [](char c) {
                 return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
               });
  if (!id_ok) return InvalidArgument("creator id must be 1-64 characters of A-Z a-z 0-9 . _ -");
  if (name.size() > 200) return InvalidArgument("key name is longer than 200 characters");
  ASSIGN_OR_RETURN(std::string random, RandomBytes(service::kApiKeyRandomBytes));
  ASSIGN_OR_RETURN(service::GeneratedApiKey key, service::GenerateApiKey(random));
  CreatedKey out;
  out.record.key_id = key.key.key_id;
  out.record.secret_hash = key.secret_hash;
  out.record.role = role;
  out.record.creator_id = creator_id;
  out.record.name = name;
  RETURN_IF_ERROR(store.CreateApiKey(out.record));
  ASSIGN_OR_RETURN(out.record, store.GetApiKey(out.record.key_id));
  out.token = key.token;
  return out;
}

nlohmann::json KeyJson(const ports::ApiKeyRecord& key) {
  return {{"key_id", key.key_id},
          {"role", key.role},
          {"creator_id", key.creator_id},
          {"name", key.name},
          {"created_at", engine::FormatUtcTime(key.created_at)},
          {"revoked_at", key.revoked_at ? nlohmann::json(engine::FormatUtcTime(*key.revoked_at)) : nlohmann::json(nullptr)}};
}

}  // namespace vtp::control
