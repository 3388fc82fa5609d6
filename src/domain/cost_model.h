// The economics of adding a codec: what its encode costs, what it saves on
// every view against H.264 at the same rung, and after how many views the
// saving has paid for the encode. Pure arithmetic on measured values: a
// video's per-codec, per-rung measurements and the prices in, a CostReport
// out.
//
// Definitions (GB = 1e9 bytes, as CDN and cloud price lists count data
// transfer; money in US dollars):
//   bytes/view(rung)   = average_bitrate / 8 * duration * watched_fraction
//   saving/view(rung)  = (bytes/view of h264 at the rung - bytes/view of the
//                         codec at the rung) * egress $/GB / 1e9
//   cost(rung)         = cpu_seconds * vCPU-hour price / 3600
//                        + stored bytes * storage $/GB-month * storage_months
//                        (stored bytes = average_bitrate / 8 * duration)
//   break-even(rung)   = ceil(cost(rung) / saving/view(rung)): the views of
//                        that rung, served in the codec, that pay for the
//                        rung's own encode (and storage)
//   cost(codec)        = the sum over its rungs
//   saving/view(codec) = sum over rungs of share(rung) * saving/view(rung),
//                        share from the viewing mix
//   break-even(codec)  = ceil(cost(codec) / saving/view(codec))
// A saving <= 0 never breaks even (nullopt); a cost of 0 with a positive
// saving breaks even at 0 views. H.264 itself has no saving (it is the
// baseline), nor does a rung H.264 lacks.
//
// Viewing mix: shares of views per rung name ("720p": 0.3, ...), normalised
// to sum 1. Empty (the default) = every view at the top rung the codec and
// H.264 share: the upper bound of the saving, since the top rung is the
// largest. A mix rung the video does not have counts at the nearest rung it
// has (by short side; a tie goes to the lower): a 4K viewer of a 720p video
// watches 720p.
//
// Prices file (CostConfigFromJson). Every key optional (a missing key keeps
// its default); unknown keys, wrong types and negative values are refused
// with the key's name:
//   {
//     "egress_usd_per_gb": 0.085,
//     "cpu_usd_per_vcpu_hour": 0.0425,
//     "storage_usd_per_gb_month": 0.023,
//     "storage_months": 0,          storage counted over this many months; 0 = not counted
//     "watched_fraction": 1.0,      average share of the video a view plays, (0, 1]
//     "viewing_mix": {"1080p": 0.5, "720p": 0.3, "480p": 0.2}
//   }
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vtp {

// Default prices: public on-demand list prices (AWS, us-east-1, checked
// 2024). A deployment passes its own (negotiated CDN rates are often 3-10x
// lower, spot vCPUs 60-90% cheaper).
struct Prices {
  // Amazon CloudFront, data transfer out to the internet, United States /
  // Europe, first 10 TB a month: $0.085/GB (aws.amazon.com/cloudfront/pricing).
  double egress_usd_per_gb = 0.085;
  // Amazon EC2 c6i.large on-demand Linux: $0.085/hour for 2 vCPUs, i.e.
  // $0.0425 per vCPU-hour (aws.amazon.com/ec2/pricing/on-demand). A measured
  // CPU-second (getrusage user+system) is one vCPU busy for a second.
  double cpu_usd_per_vcpu_hour = 0.0425;
  // Amazon S3 Standard, first 50 TB a month: $0.023/GB-month
  // (aws.amazon.com/s3/pricing).
  double storage_usd_per_gb_month = 0.023;
  double storage_months = 0;  // 0 = storage not counted
  // The seed gives no egress price; its tier costs ($0.02 H.264, $0.08
  // H.265 on GPU, $0.50 AV1 per video) are per-video estimates, not prices.

  double CpuUsdPerSecond() const { return cpu_usd_per_vcpu_hour / 3600.0; }
  bool operator==(const Prices&) const = default;
};

struct CostConfig {
  Prices prices;
  double watched_fraction = 1.0;
  std::map<std::string, double> viewing_mix;  // rung name -> share; empty = top rung

  bool operator==(const CostConfig&) const = default;
};

// Strict parse of the prices file above. kInvalidArgument naming the key
// ("prices: viewing_mix.720: not a rung name (\"720p\")").
StatusOr<CostConfig> CostConfigFromJson(std::string_view text);
// The defaults in the same format, for `--prices` files to start from.
std::string CostConfigToJson(const CostConfig& config);

// What was measured for one codec at one rung.
struct RungMeasure {
  std::string rung;              // "720p": the short side and "p"
  double cpu_seconds = 0;        // encode (+ package) CPU of this rung
  int64_t average_bitrate = 0;   // bits/s of the output media
  double duration_seconds = 0;   // of the output

  bool operator==(const RungMeasure&) const = default;
};

struct CodecMeasure {
  std::string codec;  // "h264" is the baseline
  std::vector<RungMeasure> rungs;

  bool operator==(const CodecMeasure&) const = default;
};

struct RungCost {
  std::string rung;
  double cpu_seconds = 0;
  double cpu_seconds_per_output_second = 0;  // 0 when the duration is 0
  int64_t average_bitrate = 0;
  double bytes_per_view = 0;
  double cost_usd = 0;  // encode (+ storage)
  // vs H.264 at the same rung; nullopt for H.264 and rungs it lacks.
  std::optional<double> saving_bytes_per_view;
  std::optional<double> saving_usd_per_view;
  // nullopt with a saving: never breaks even (saving <= 0).
  std::optional<int64_t> break_even_views;

  bool operator==(const RungCost&) const = default;
};

struct CodecCost {
  std::string codec;
  double cpu_seconds = 0;
  double encode_usd = 0;   // CPU only
  double storage_usd = 0;  // 0 unless storage_months > 0
  double cost_usd = 0;     // encode + storage
  std::vector<RungCost> rungs;  // as measured, in the given order
  // Over the viewing mix (see the top of this file).
  std::map<std::string, double> mix;  // resolved: rungs it has, shares summing to 1
  double bytes_per_view = 0;
  std::optional<double> saving_usd_per_view;  // nullopt for H.264 / no common rung
  std::optional<int64_t> break_even_views;    // nullopt with a saving: never

  bool operator==(const CodecCost&) const = default;
};

struct CostReport {
  CostConfig config;
  std::vector<CodecCost> codecs;  // as given

  // nullptr when absent.
  const CodecCost* Find(std::string_view codec) const;
};

// kInvalidArgument for a negative or non-finite measure, a codec or rung
// listed twice, or a rung name that is not "<digits>p".
StatusOr<CostReport> ComputeCosts(const std::vector<CodecMeasure>& measures, const CostConfig& config);

// ceil(cost / saving) views; nullopt when saving <= 0 (never) or the count
// does not fit in int64. Exposed for callers that combine costs themselves.
std::optional<int64_t> BreakEvenViews(double cost_usd, double saving_usd_per_view);

// The short side a rung name stands for ("720p" -> 720); nullopt otherwise.
std::optional<int> RungShortSide(std::string_view rung);

}  // namespace vtp
