#include "domain/cenc_types.h"

namespace vtp::cenc {

std::string_view SchemeName(Scheme scheme) {
  return scheme == Scheme::kCbcs ? "cbcs" : "cenc";
}

}  // namespace vtp::cenc
