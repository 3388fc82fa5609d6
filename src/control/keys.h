// API key administration shared by `vtp keys` and POST /api/v1/keys.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "ports/service_store.h"

namespace vtp::control {

struct CreatedKey {
  ports::ApiKeyRecord record;
  std::string token;  // shown once; only its hash is stored
};

// A new key for `creator_id` with `role` ("creator" or "admin").
// kInvalidArgument for an unknown role or a creator id that is empty,
// longer than 64 or not [A-Za-z0-9._-].
StatusOr<CreatedKey> CreateKey(ports::ServiceStore& store, const std::string& role, const std::string& creator_id,
                               const std::string& name);

// {"key_id", "role", "creator_id", "name", "created_at", "revoked_at"}: never the hash.
nlohmann::json KeyJson(const ports::ApiKeyRecord& key);

}  // namespace vtp::control
