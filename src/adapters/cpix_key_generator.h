// CpixKeyGenerator: a KeyGenerator that gets content keys from an external
// key server (a DRM vendor, AWS SPEKE v2, a KMS front end) by the DASH-IF
// CPIX 2.3 document exchange.
//
// One Generate call = one HTTP POST. vtp makes the KIDs (random, UUID v4)
// and sends
//   <cpix:CPIX contentId="VIDEO" version="2.3" xmlns:cpix=... xmlns:pskc=...>
//     <cpix:ContentKeyList>
//       <cpix:ContentKey kid="UUID" commonEncryptionScheme="cenc|cbcs"/> ...
//     <cpix:ContentKeyUsageRuleList>
//       <cpix:ContentKeyUsageRule kid="UUID" intendedTrackType="HD"/> ...
// with labels mapped to track types: audio -> AUDIO, sd -> SD, hd -> HD,
// uhd -> UHD, video and all -> ALL (any other label: kInvalidArgument).
// The answer must be a CPIX document holding, for every KID sent,
//   <ContentKey kid="UUID"><Data><Secret><PlainValue>BASE64 of 16 bytes
// (namespace prefixes are free; elements are matched by local name). The
// parser is strict and bounded: no DTDs, no CDATA, at most 64 levels and
// max_reply_bytes of input; encrypted keys (EncryptedValue, a CPIX document
// key) are not supported.
//
// Errors, all kIo so the engine's default policy retries them (kCorruptInput
// is a non-retryable input verdict there):
//   "key server URL unreachable: ..."   connection refused, DNS, timeout, 5xx
//   "key server URL refused the request: HTTP 403 ..."   any other non-2xx
//   "key server URL returned an invalid CPIX document: ..."   garbage, HTML,
//       a missing or repeated KID, a key that is not 16 bytes of base64
// kInvalidArgument for a label without a track type. Messages carry KIDs
// and at most 80 bytes of a non-CPIX reply, never a key.
//
// Thread safety: Generate may be called from many threads when `http` allows
// it (CurlHttpClient does). Lifetime: `http` must outlive the generator.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/envelope_key_source.h"
#include "core/status.h"
#include "domain/cenc_types.h"
#include "ports/clock.h"
#include "ports/http_client.h"

namespace vtp::adapters {

struct CpixOptions {
  // The key server's endpoint, http:// or https://.
  std::string url;
  // Sent as "Authorization: Bearer <token>" when not empty (the app reads
  // VTP_KEY_SERVER_TOKEN). Never logged.
  std::string bearer_token;
  // More request headers (vendor API keys); sent as given.
  std::vector<std::pair<std::string, std::string>> headers;
  // commonEncryptionScheme of every key asked for.
  cenc::Scheme scheme = cenc::Scheme::kCenc;
  // The whole exchange, connect included.
  ports::Millis timeout_ms = 10'000;
  // Longest reply accepted (a bigger one is an invalid document).
  size_t max_reply_bytes = 256 * 1024;
};

// intendedTrackType of `label`; "" for a label without one.
std::string_view CpixTrackType(std::string_view label);

// The request document for `keys` (label + kid each; keys are ignored).
std::string BuildCpixRequest(const std::string& content_id, cenc::Scheme scheme,
                             const std::vector<ports::ContentKey>& keys);

// The 16-byte key of each kid in `kids`, in that order, read from a CPIX
// response document. kInvalidArgument saying what is wrong (the caller
// wraps it into its kIo message); never quotes key material.
StatusOr<std::vector<cenc::Key>> ParseCpixResponse(std::string_view xml,
                                                   const std::vector<cenc::Kid>& kids);

class CpixKeyGenerator final : public KeyGenerator {
 public:
  CpixKeyGenerator(ports::HttpClient& http, CpixOptions options);

  StatusOr<std::vector<ports::ContentKey>> Generate(
      const std::string& video_id, const std::vector<std::string>& labels) override;

 private:
  // POSTs `document`; the reply body of a 2xx answer.
  StatusOr<std::string> Exchange(const std::string& document);

  ports::HttpClient& http_;
  const CpixOptions options_;
};

}  // namespace vtp::adapters
