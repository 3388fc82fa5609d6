#include "control/random.h"

#include <sys/random.h>

#include <cerrno>
#include <cstring>

#include "service/encoding.h"

namespace vtp::control {

StatusOr<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::getrandom(out.data() + got, n - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      return Internal(std::string("getrandom: ") + std::strerror(errno));
    }
    got += static_cast<size_t>(r);
  }
  return out;
}

StatusOr<std::string> RandomId(std::string_view prefix, size_t bytes) {
  ASSIGN_OR_RETURN(std::string raw, RandomBytes(bytes));
  return std::string(prefix) + service::HexEncode(raw);
}

}  // namespace vtp::control
