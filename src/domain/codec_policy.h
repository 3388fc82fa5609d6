// Which video codecs a video should have, from how much it is watched: the
// seed's tiered codec strategy as a deployment-configurable policy. Pure:
// a PolicyInput in, a codec list (and the reasons) out; no clock, no I/O.
//
// The seed's strategy (the defaults, CodecPolicy::Default()):
//   tier 1  h264  every upload, immediately
//   tier 2  hevc  more than 100 views in the first hour
//   tier 3  av1   more than 10,000 views
//   vp9           an opt-in tier, disabled unless a deployment enables it
//
// Policy JSON (CodecPolicy::FromJson). Every key is checked: an unknown key,
// a wrong type or a bad value is refused with its path, e.g.
// `codec policy: tiers[1].when: unknown key "views_first_hour"`.
//
//   {
//     "version": 1,                      optional; only 1 exists
//     "tiers": [                         required, in order (first = tier 1)
//       {
//         "name": "tier2",               optional; default: the codecs joined by "+"
//         "add": ["hevc"],               required, non-empty: codecs among
//                                        "h264", "hevc", "vp9", "av1"
//         "enabled": true,               optional (default true); false = an
//                                        opt-in tier kept in the file but off
//         "when": {                      optional; absent = always (every upload)
//           "views_first_hour_over": 100,   views in the first hour > N
//           "total_views_over": 10000,      views so far > M
//           "combine": "any"                "any" (or, default) / "all" (and);
//                                           at least one of the two counts
//         },
//         "min_source_height": 720,      optional: only sources at least this
//                                        tall (short side, as rung names count)
//         "grant_to_priorities": ["high", "urgent"],
//                                        optional: creators with one of these
//                                        priorities get the tier at upload,
//                                        whatever the view counts
//         "grant_to_hdr_sources": false  optional: HDR sources get the tier at
//                                        upload (H.264 renditions are tone-mapped
//                                        to SDR; only HEVC/VP9/AV1 keep HDR)
//       }
//     ]
//   }
//
// A tier applies when it is enabled, the source is tall enough (when
// min_source_height is set), and its `when` holds or one of its grants does.
// Grants skip the view counts only, never the height floor. A file replaces
// the whole default list, so a deployment that wants VP9 writes the list with
// its VP9 tier enabled. Thresholds are strict: exactly 100 views in the first
// hour does not add HEVC, 101 does.
//
// Thread-compatible value type: const methods may be called concurrently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "domain/ladder.h"

namespace vtp {

// The codecs vtp encodes, in the order decisions list them.
// True for a name in kVideoCodecs (domain/ladder.h).
bool IsPolicyCodec(std::string_view codec);

// What the policy looks at for one video.
struct PolicyInput {
  std::vector<std::string> current_codecs;  // codecs it already has ("h264", ...)
  int64_t views_first_hour = 0;             // views in the hour after publication
  int64_t total_views = 0;                  // views so far
  // The creator's priority, as ports::PriorityName spells it ("low",
  // "normal", "high", "urgent"); "" when unknown. Kept as a name so the
  // domain layer does not depend on the ports.
  std::string creator_priority;
  int source_height = 0;  // short side of the displayed source picture; 0 = unknown
  bool source_hdr = false;
};

// A view-count condition: views_first_hour > first_hour_over and/or
// total_views > total_over. At least one count is set.
struct ViewCondition {
  std::optional<int64_t> first_hour_over;
  std::optional<int64_t> total_over;
  bool require_all = false;  // "combine": "all"; default "any"

  bool operator==(const ViewCondition&) const = default;
};

struct PolicyTier {
  std::string name;
  std::vector<std::string> add;           // codecs, kVideoCodecs order, no repeats
  bool enabled = true;
  std::optional<ViewCondition> when;      // nullopt = always
  std::optional<int> min_source_height;
  std::vector<std::string> grant_to_priorities;  // priority names
  bool grant_to_hdr_sources = false;

  bool operator==(const PolicyTier&) const = default;
};

// One line of an explanation, per tier and codec.
struct PolicyReason {
  std::string codec;  // "hevc"
  std::string tier;   // the tier's name
  bool added = false;  // the codec is in the decision (granted now or already there)
  // "142 views in the first hour > 100", "already encoded",
  // "not yet: 40 views in the first hour <= 100", "tier disabled (opt-in)".
  std::string why;
  // "hevc: 142 views in the first hour > 100"
  std::string Line() const { return codec + ": " + why; }

  bool operator==(const PolicyReason&) const = default;
};

class CodecPolicy {
 public:
  // The seed's tiers (see the top of this file); the same as
  // FromJson(kDefaultCodecPolicyJson).
  static CodecPolicy Default();
  // Strict parse of the format above. kInvalidArgument naming the bad key
  // ("codec policy: tiers[0].add[1]: unknown codec \"h266\"").
  static StatusOr<CodecPolicy> FromJson(std::string_view text);
  // The policy in the same format (every key written), parseable by FromJson.
  std::string ToJson() const;

  const std::vector<PolicyTier>& tiers() const { return tiers_; }

  // The codecs the video should have now: always "h264", every codec it
  // already has (decisions only add), and the codecs of every tier that
  // applies. Listed h264, hevc, vp9, av1; a current codec outside that set
  // is kept, after them, in its given order.
  std::vector<std::string> Decide(const PolicyInput& in) const;
  // Why: one reason per (tier, codec) in tier order, plus "h264: every
  // upload" first when no tier adds h264 and one "already encoded" reason per
  // current codec no tier lists. Decide(in) is exactly the codecs of the
  // reasons with added = true.
  std::vector<PolicyReason> Explain(const PolicyInput& in) const;

  // The enabled tiers that add `codec`, in order.
  std::vector<const PolicyTier*> TiersAdding(std::string_view codec) const;
  // "> 100 views in the first hour", "> 10000 total views", "every upload",
  // plus grants ("; at upload for high, urgent creators") and the height
  // floor ("; sources >= 720p").
  static std::string DescribeTier(const PolicyTier& tier);

  bool operator==(const CodecPolicy&) const = default;

 private:
  explicit CodecPolicy(std::vector<PolicyTier> tiers) : tiers_(std::move(tiers)) {}
  std::vector<PolicyTier> tiers_;
};

// The default policy as a document (what `CodecPolicy::Default().ToJson()`
// means; deployments copy and edit it).
extern const char kDefaultCodecPolicyJson[];

}  // namespace vtp
