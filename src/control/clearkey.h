// The messages of the W3C Encrypted Media Extensions "Clear Key" license
// exchange (EME, section 9.1), nothing else:
//  - the license request the CDM makes (9.1.3):
//      {"kids": ["<base64url KID>", ...], "type": "temporary"}
//  - the license the server answers (9.1.4), a JSON Web Key set:
//      {"keys": [{"kty": "oct", "k": "<base64url key>", "kid": "<base64url KID>"}],
//       "type": "temporary"}
// base64url is RFC 4648 section 5 WITHOUT padding, as EME requires.
//
// Pure; thread-safe (free functions). Key bytes never appear in a Status.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "domain/cenc_types.h"
#include "ports/key_source.h"

namespace vtp::control {

// The most KIDs one request may ask for (a DASH presentation has a few).
inline constexpr size_t kMaxClearKeyKids = 64;

struct ClearKeyRequest {
  std::vector<cenc::Kid> kids;     // distinct, in the order first asked
  std::string type = "temporary";  // "temporary" or "persistent-license"
};

// Parses a license request. kInvalidArgument (naming what is wrong) for a
// body that is not a JSON object, "kids" missing, not an array, empty or
// longer than kMaxClearKeyKids, an entry that is not canonical unpadded
// base64url of exactly 16 bytes, or a "type" other than the two above.
// An absent "type" means "temporary"; other members are ignored.
StatusOr<ClearKeyRequest> ParseClearKeyRequest(std::string_view body);

// The license for `keys` (label ignored), in their order, with `type`
// echoed. An empty `keys` gives {"keys": [], "type": ...}.
std::string ClearKeyLicenseJson(const std::vector<ports::ContentKey>& keys, std::string_view type);

}  // namespace vtp::control
