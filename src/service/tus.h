// The tus 1.0.0 server side as pure decisions: core protocol (HEAD, PATCH,
// OPTIONS) plus the creation, expiration, termination and checksum
// extensions. The HTTP layer looks the upload up, asks these functions what
// to answer, does the storage I/O, and stores the returned UploadState.
//
// Request flow for PATCH:
//   1. PlanPatch(state, headers, content_length, now) before reading the
//      body: refuses (412, 410, 415, 400, 409, 413) or says where the bytes
//      go and how many may be read at most;
//   2. the caller streams at most plan.max_body bytes to storage at
//      plan.offset, feeding a Digest when plan.checksum is set;
//   3. CommitPatch(state, plan, bytes_received, body_complete, digest): on a
//      refusal (460, 413) the caller truncates storage back to plan.offset;
//      otherwise it stores the new state and answers 204 with PatchHeaders.
// Every reply, refusals included, carries Tus-Resumable (ErrorHeaders for
// refusals) except OPTIONS, which uses OptionsHeaders.
//
// Pure: time is a parameter (Unix milliseconds). Thread-safe: values only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "service/tus_headers.h"

namespace vtp::service {

struct TusLimits {
  uint64_t max_size = 0;  // Tus-Max-Size: larger Upload-Length -> 413
  // Lifetime of an incomplete upload, from creation (0: never expires).
  int64_t expiry_ms = 0;
};

struct UploadState {
  std::string id;
  uint64_t length = 0;  // Upload-Length, fixed at creation
  uint64_t offset = 0;  // bytes durably received, <= length
  UploadMetadata metadata;
  int64_t created_ms = 0;
  int64_t expires_ms = 0;  // 0: never
  bool completed = false;  // offset == length

  bool operator==(const UploadState&) const = default;
};

// An incomplete upload past its expiry. Completed uploads never expire here.
bool IsExpired(const UploadState& state, int64_t now_ms);

// POST (creation). 412, 400 (missing/malformed Upload-Length, Upload-Defer-
// Length, which this server does not offer, or bad Upload-Metadata), 413.
// A zero-length upload is complete at once. `id` is the caller's (random).
TusOr<UploadState> PlanCreate(const TusRequestHeaders& headers, const TusLimits& limits, std::string id,
                              int64_t now_ms);
// Headers of the 201 (the caller adds Location: it knows the URL).
HeaderList CreatedHeaders(const UploadState& state);

// HEAD: 412, 410 (expired); else the 200's headers (Upload-Offset,
// Upload-Length, Upload-Metadata when any, Cache-Control: no-store,
// Upload-Expires when expiring).
TusOr<HeaderList> PlanHead(const UploadState& state, const TusRequestHeaders& headers, int64_t now_ms);

struct PatchPlan {
  uint64_t offset = 0;      // where the body's first byte goes (== state.offset)
  uint64_t new_offset = 0;  // the offset after a whole, verified body
  uint64_t max_body = 0;    // read no more than this (length - offset)
  std::optional<uint64_t> body_size;       // declared Content-Length, if any
  std::optional<UploadChecksum> checksum;  // verify the body against this
  bool operator==(const PatchPlan&) const = default;
};

// PATCH before the body. Checks in protocol order: 412 (Tus-Resumable),
// 410 (expired), 415 (Content-Type), 400/409 (Upload-Offset), 400
// (Upload-Checksum: malformed or unsupported algorithm), 413 (a declared
// body longer than what remains). `body_size` is Content-Length, nullopt
// for a chunked body (then new_offset assumes max_body bytes).
TusOr<PatchPlan> PlanPatch(const UploadState& state, const TusRequestHeaders& headers,
                           std::optional<uint64_t> body_size, int64_t now_ms);

// PATCH after the body: `bytes_received` is what reached storage,
// `body_complete` whether the request body ended normally (false when the
// connection broke), `digest` the raw digest of the bytes received in
// plan.checksum's algorithm (ignored without a checksum).
// With a checksum, anything but a complete body (of the declared size, if
// one was declared) with a matching digest is 460: the chunk is discarded
// and the offset does not move. Without one, whatever arrived is kept (core
// protocol: the client resumes where it broke). More than plan.max_body
// bytes is 413; a state that moved since PlanPatch is 409. The returned
// state is the one to store.
TusOr<UploadState> CommitPatch(const UploadState& state, const PatchPlan& plan, uint64_t bytes_received,
                               bool body_complete, const std::optional<std::string>& digest);
// The 204's headers: Upload-Offset, Upload-Expires while incomplete and expiring.
HeaderList PatchHeaders(const UploadState& state);

// DELETE (termination): 412, else nullopt (the caller answers 204 and
// removes the upload; a later request answers 404).
std::optional<TusError> PlanTerminate(const TusRequestHeaders& headers);

// OPTIONS (204): Tus-Version, Tus-Extension, Tus-Max-Size,
// Tus-Checksum-Algorithm. Tus-Resumable is included too (allowed; clients
// ignore it).
HeaderList OptionsHeaders(const TusLimits& limits);

// Headers of a refusal: Tus-Resumable plus error.headers.
HeaderList ErrorHeaders(const TusError& error);

}  // namespace vtp::service
