#include "service/idempotency.h"

#include <cstdint>

#include "service/digest.h"

namespace vtp::service {
namespace {

void AppendField(std::string& out, std::string_view field) {
  const auto n = static_cast<uint64_t>(field.size());
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xFF));
  out.append(field);
}

}  // namespace

Status ValidateIdempotencyKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxIdempotencyKeyLength) {
    return InvalidArgument("Idempotency-Key must be 1 to 255 characters");
  }
  for (char c : key) {
    if (c < 0x20 || c > 0x7E) return InvalidArgument("Idempotency-Key must be printable ASCII");
  }
  if (key.front() == ' ' || key.back() == ' ') {
    return InvalidArgument("Idempotency-Key must not begin or end with a space");
  }
  return Status::Ok();
}

std::string RequestFingerprint(std::string_view method, std::string_view path, std::string_view body) {
  std::string canonical;
  canonical.reserve(24 + method.size() + path.size() + body.size());
  AppendField(canonical, method);
  AppendField(canonical, path);
  AppendField(canonical, body);
  return Sha256Hex(canonical);
}

std::string_view IdempotencyOutcomeName(IdempotencyOutcome outcome) {
  switch (outcome) {
    case IdempotencyOutcome::kReplay: return "replay";
    case IdempotencyOutcome::kConflict: return "conflict";
  }
  return "unknown";
}

IdempotencyOutcome Compare(std::string_view stored_fingerprint, std::string_view fingerprint) {
  return stored_fingerprint == fingerprint ? IdempotencyOutcome::kReplay : IdempotencyOutcome::kConflict;
}

}  // namespace vtp::service
