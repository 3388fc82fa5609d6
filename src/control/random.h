// Unpredictable identifiers and secrets from the kernel's CSPRNG
// (getrandom(2)): video and upload ids, API keys, webhook secrets.
#pragma once

#include <cstddef>
#include <string>

#include "core/status.h"

namespace vtp::control {

// `n` random bytes. kInternal if the kernel refuses (it does not block once
// the pool is initialised, which it is long before a server starts).
StatusOr<std::string> RandomBytes(size_t n);
// `prefix` followed by 2*bytes lowercase hex digits ("v" + 16 hex).
StatusOr<std::string> RandomId(std::string_view prefix, size_t bytes);

}  // namespace vtp::control
