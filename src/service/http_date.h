// HTTP dates (RFC 7231 section 7.1.1.1, IMF-fixdate), e.g.
// "Sun, 06 Nov 1994 08:49:37 GMT", as tus's Upload-Expires wants them.
// Pure: the instant is a parameter; no time zone or locale is consulted.
#pragma once

#include <cstdint>
#include <string>

namespace vtp::service {

// IMF-fixdate of the Unix instant `unix_ms`, truncated to whole seconds
// (floor, so instants before 1970 work too).
std::string FormatHttpDate(int64_t unix_ms);

}  // namespace vtp::service
