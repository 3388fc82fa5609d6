// Wiring of the key source (ports::KeySource) for the drm step and for the
// API's key and license endpoints: content keys are made by a generator --
// vtp's CSPRNG, an external CPIX key server, or a key file the user brings --
// and kept wrapped under the master key in the data directory's store
// (adapters/envelope_key_source.h).
//
// The master key is $VTP_MASTER_KEY (64 hex digits; production sets it from
// a secret manager). Without it, embedded mode keeps one in DATA/master.key
// (created on first use, mode 0600) so `vtp run --drm` works out of the box.
#pragma once

#include <memory>
#include <string>

#include "adapters/envelope_key_source.h"
#include "core/status.h"
#include "domain/cenc_types.h"
#include "ports/key_source.h"
#include "ports/key_vault.h"

namespace vtp::app {

inline constexpr char kMasterKeyEnv[] = "VTP_MASTER_KEY";
inline constexpr char kKeyServerTokenEnv[] = "VTP_KEY_SERVER_TOKEN";

// $VTP_MASTER_KEY, else DATA/master.key (made when missing). kInvalidArgument
// for a malformed value (never quoted), kIo when the file cannot be made.
StatusOr<adapters::MasterKey> LoadMasterKey(const std::string& data_dir);

// Where new keys come from (DrmOptions::key_server / key_file).
struct KeyOrigin {
  std::string server;  // CPIX endpoint; "" = not used
  std::string file;    // static key file; "" = not used
  cenc::Scheme scheme = cenc::Scheme::kCenc;
};

// A key source over `vault`; owns its generator and HTTP client. Lifetime:
// `vault` must outlive it.
StatusOr<std::unique_ptr<ports::KeySource>> OpenKeySource(ports::KeyVault& vault, const std::string& data_dir,
                                                          const KeyOrigin& origin);

// The key source of a process that may never need one (vtp serve without
// --drm serves keys only if some client asked for DRM): opened by the first
// call, so no master key is read or made before. An opening failure is
// returned by that call and retried by the next. Thread-safe.
std::unique_ptr<ports::KeySource> LazyKeySource(ports::KeyVault& vault, std::string data_dir, KeyOrigin origin);

}  // namespace vtp::app
