#include "service/tus.h"

#include <algorithm>
#include <utility>

#include "service/http_date.h"

namespace vtp::service {
namespace {

// creation-defer-length and creation-with-upload are not offered: the
// length is always known at creation and the body always comes by PATCH.
constexpr std::string_view kExtensions = "creation,expiration,termination,checksum";

void AddResumable(HeaderList& headers) { headers.emplace_back("Tus-Resumable", std::string(kTusVersion)); }

void AddExpires(HeaderList& headers, const UploadState& state) {
  if (state.expires_ms > 0 && !state.completed) {
    headers.emplace_back("Upload-Expires", FormatHttpDate(state.expires_ms));
  }
}

TusError Gone(const UploadState& state) { return TusError{410, "upload " + state.id + " has expired", {}}; }

}  // namespace

bool IsExpired(const UploadState& state, int64_t now_ms) {
  return !state.completed && state.expires_ms > 0 && now_ms >= state.expires_ms;
}

TusOr<UploadState> PlanCreate(const TusRequestHeaders& headers, const TusLimits& limits, std::string id,
                              int64_t now_ms) {
  if (auto e = CheckTusResumable(headers.tus_resumable)) return *e;
  if (headers.upload_defer_length && !headers.upload_length) {
    return TusError{400, "Upload-Defer-Length is not supported: send Upload-Length", {}};
  }
  TusOr<uint64_t> length = ParseUploadLength(headers.upload_length, limits.max_size);
  if (!length.ok()) return length.error();
  UploadMetadata metadata;
  if (headers.upload_metadata) {
    TusOr<UploadMetadata> md = ParseUploadMetadata(*headers.upload_metadata);
    if (!md.ok()) return md.error();
    metadata = std::move(md).value();
  }
  UploadState state;
  state.id = std::move(id);
  state.length = *length;
  state.metadata = std::move(metadata);
  state.created_ms = now_ms;
  state.expires_ms = limits.expiry_ms > 0 ? now_ms + limits.expiry_ms : 0;
  state.completed = state.length == 0;
  return state;
}

HeaderList CreatedHeaders(const UploadState& state) {
  HeaderList h;
  AddResumable(h);
  h.emplace_back("Upload-Offset", std::to_string(state.offset));
  AddExpires(h, state);
  return h;
}

TusOr<HeaderList> PlanHead(const UploadState& state, const TusRequestHeaders& headers, int64_t now_ms) {
  if (auto e = CheckTusResumable(headers.tus_resumable)) return *e;
  if (IsExpired(state, now_ms)) return Gone(state);
  HeaderList h;
  AddResumable(h);
  h.emplace_back("Upload-Offset", std::to_string(state.offset));
  h.emplace_back("Upload-Length", std::to_string(state.length));
  if (!state.metadata.entries.empty()) h.emplace_back("Upload-Metadata", FormatUploadMetadata(state.metadata));
  // The offset changes with every PATCH: a cached HEAD would resume wrongly.
  h.emplace_back("Cache-Control", "no-store");
  AddExpires(h, state);
  return h;
}

TusOr<PatchPlan> PlanPatch(const UploadState& state, const TusRequestHeaders& headers,
                           std::optional<uint64_t> body_size, int64_t now_ms) {
  if (auto e = CheckTusResumable(headers.tus_resumable)) return *e;
  if (IsExpired(state, now_ms)) return Gone(state);
  if (auto e = CheckOffsetContentType(headers.content_type)) return *e;
  TusOr<uint64_t> offset = CheckUploadOffset(headers.upload_offset, state.offset);
  if (!offset.ok()) return offset.error();
  PatchPlan plan;
  if (headers.upload_checksum) {
    TusOr<UploadChecksum> checksum = ParseUploadChecksum(*headers.upload_checksum);
    if (!checksum.ok()) return checksum.error();
    plan.checksum = std::move(checksum).value();
  }
  plan.offset = state.offset;
  plan.max_body = state.length - std::min(state.offset, state.length);
  if (body_size && *body_size > plan.max_body) {
    return TusError{413, "body of " + std::to_string(*body_size) + " bytes exceeds the " +
                             std::to_string(plan.max_body) + " bytes left of Upload-Length", {}};
  }
  plan.body_size = body_size;
  plan.new_offset = plan.offset + body_size.value_or(plan.max_body);
  return plan;
}

TusOr<UploadState> CommitPatch(const UploadState& state, const PatchPlan& plan, uint64_t bytes_received,
                               bool body_complete, const std::optional<std::string>& digest) {
  if (plan.offset != state.offset) {
    return TusError{409, "upload " + state.id + " moved since the PATCH was planned", {}};
  }
  if (bytes_received > plan.max_body) {
    return TusError{413, "received more than the " + std::to_string(plan.max_body) + " bytes left", {}};
  }
  if (plan.checksum) {
    const bool whole = body_complete && (!plan.body_size || bytes_received == *plan.body_size);
    if (!whole || !digest || *digest != plan.checksum->digest) {
      return TusError{kStatusChecksumMismatch,
                      whole ? "Checksum Mismatch" : "Checksum Mismatch: the body arrived incomplete", {}};
    }
  }
  UploadState next = state;
  next.offset = state.offset + bytes_received;
  next.completed = next.offset == next.length;
  return next;
}

// A PATCH answer carries exactly what a creation answer does.
HeaderList PatchHeaders(const UploadState& state) { return CreatedHeaders(state); }

std::optional<TusError> PlanTerminate(const TusRequestHeaders& headers) {
  return CheckTusResumable(headers.tus_resumable);
}

HeaderList OptionsHeaders(const TusLimits& limits) {
  HeaderList h;
  AddResumable(h);
  h.emplace_back("Tus-Version", std::string(kTusVersion));
  h.emplace_back("Tus-Extension", std::string(kExtensions));
  h.emplace_back("Tus-Max-Size", std::to_string(limits.max_size));
  h.emplace_back("Tus-Checksum-Algorithm", TusChecksumAlgorithms());
  return h;
}

HeaderList ErrorHeaders(const TusError& error) {
  HeaderList h;
  AddResumable(h);
  h.insert(h.end(), error.headers.begin(), error.headers.end());
  return h;
}

}  // namespace vtp::service
