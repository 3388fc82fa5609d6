#include "control/clearkey.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "service/encoding.h"

namespace vtp::control {
namespace {

using nlohmann::json;

std::string_view AsView(const std::array<uint8_t, 16>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

StatusOr<cenc::Kid> ParseKid(const json& entry, size_t index) {
  const std::string where = "kids[" + std::to_string(index) + "]";
  if (!entry.is_string()) return InvalidArgument(where + " must be a string");
  StatusOr<std::string> bytes = service::Base64UrlDecode(entry.get<std::string>());
  if (!bytes.ok()) return InvalidArgument(where + " is not unpadded base64url");
  cenc::Kid kid{};
  if (bytes->size() != kid.size()) return InvalidArgument(where + " is not a 16-byte KID");
  std::copy(bytes->begin(), bytes->end(), kid.begin());
  return kid;
}

}  // namespace

StatusOr<ClearKeyRequest> ParseClearKeyRequest(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgument("the license request must be a JSON object");
  ClearKeyRequest req;
  if (auto type = j.find("type"); type != j.end()) {
    if (!type->is_string() || (*type != "temporary" && *type != "persistent-license")) {
      return InvalidArgument("type must be \"temporary\" or \"persistent-license\"");
    }
    req.type = type->get<std::string>();
  }
  auto kids = j.find("kids");
  if (kids == j.end() || !kids->is_array() || kids->empty() || kids->size() > kMaxClearKeyKids) {
    return InvalidArgument("kids must be an array of 1 to " + std::to_string(kMaxClearKeyKids) + " KIDs");
  }
  for (size_t i = 0; i < kids->size(); ++i) {
    ASSIGN_OR_RETURN(cenc::Kid kid, ParseKid((*kids)[i], i));
    if (std::find(req.kids.begin(), req.kids.end(), kid) == req.kids.end()) req.kids.push_back(kid);
  }
  return req;
}

std::string ClearKeyLicenseJson(const std::vector<ports::ContentKey>& keys, std::string_view type) {
  json list = json::array();
  for (const auto& k : keys) {
    list.push_back({{"kty", "oct"},
                    {"k", service::Base64UrlEncode(AsView(k.key))},
                    {"kid", service::Base64UrlEncode(AsView(k.kid))}});
  }
  return json{{"keys", list}, {"type", std::string(type)}}.dump();
}

}  // namespace vtp::control
