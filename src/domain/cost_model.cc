#include "domain/cost_model.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

namespace vtp {
namespace {

using nlohmann::json;

constexpr double kBytesPerGb = 1e9;

Status PriceError(const std::string& key, const std::string& what) {
  return InvalidArgument("prices: " + key + ": " + what);
}

StatusOr<double> NonNegative(const json& v, const std::string& key) {
  if (!v.is_number()) return PriceError(key, "must be a number");
  double d = v.get<double>();
  if (!std::isfinite(d) || d < 0) return PriceError(key, "must be >= 0");
  return d;
}

StatusOr<std::map<std::string, double>> ParseMix(const json& j) {
  if (!j.is_object()) return PriceError("viewing_mix", "must be an object of rung name -> share");
  std::map<std::string, double> mix;
  double sum = 0;
  for (const auto& [rung, share] : j.items()) {
    std::string key = "viewing_mix." + rung;
    if (!RungShortSide(rung)) return PriceError(key, "not a rung name (like \"720p\")");
    ASSIGN_OR_RETURN(mix[rung], NonNegative(share, key));
    sum += mix[rung];
  }
  if (!mix.empty() && !(sum > 0)) return PriceError("viewing_mix", "shares must not all be 0");
  return mix;
}

// The rung of `have` nearest to `rung` by short side (a tie goes to the
// lower); `have` is not empty.
const std::string& Nearest(const std::string& rung, const std::map<int, std::string>& have) {
  int side = *RungShortSide(rung);
  auto above = have.lower_bound(side);
  if (above == have.end()) return std::prev(above)->second;
  if (above == have.begin() || above->first == side) return above->second;
  auto below = std::prev(above);
  return side - below->first <= above->first - side ? below->second : above->second;
}

// The viewing mix over the rungs in `have` (short side -> name).
std::map<std::string, double> ResolveMix(const std::map<std::string, double>& mix,
                                         const std::map<int, std::string>& have) {
  std::map<std::string, double> out;
  if (have.empty()) return out;
  if (mix.empty()) return {{have.rbegin()->second, 1.0}};
  double sum = 0;
  for (const auto& [rung, share] : mix) sum += share;
  for (const auto& [rung, share] : mix) {
    if (share > 0) out[Nearest(rung, have)] += share / sum;
  }
  return out;
}

Status CheckMeasures(const std::vector<CodecMeasure>& measures) {
  std::set<std::string> codecs;
  for (const auto& c : measures) {
    if (!codecs.insert(c.codec).second) return InvalidArgument("cost model: codec " + c.codec + " listed twice");
    std::set<std::string> rungs;
    for (const auto& r : c.rungs) {
      std::string where = "cost model: " + c.codec + " " + r.rung;
      if (!RungShortSide(r.rung)) return InvalidArgument(where + ": not a rung name (like \"720p\")");
      if (!rungs.insert(r.rung).second) return InvalidArgument(where + ": listed twice");
      bool ok = std::isfinite(r.cpu_seconds) && r.cpu_seconds >= 0 && r.average_bitrate >= 0 &&
                std::isfinite(r.duration_seconds) && r.duration_seconds >= 0;
      if (!ok) return InvalidArgument(where + ": CPU, bitrate and duration must be finite and >= 0");
    }
  }
  return Status::Ok();
}

double StoredBytes(const RungMeasure& m) { return static_cast<double>(m.average_bitrate) / 8.0 * m.duration_seconds; }

double StorageUsd(const RungMeasure& m, const Prices& p) {
  return StoredBytes(m) / kBytesPerGb * p.storage_usd_per_gb_month * p.storage_months;
}

RungCost CostOf(const RungMeasure& m, const CostConfig& cfg) {
  RungCost r;
  r.rung = m.rung;
  r.cpu_seconds = m.cpu_seconds;
  r.cpu_seconds_per_output_second = m.duration_seconds > 0 ? m.cpu_seconds / m.duration_seconds : 0;
  r.average_bitrate = m.average_bitrate;
  r.bytes_per_view = StoredBytes(m) * cfg.watched_fraction;
  r.cost_usd = m.cpu_seconds * cfg.prices.CpuUsdPerSecond() + StorageUsd(m, cfg.prices);
  return r;
}

}  // namespace

std::optional<int> RungShortSide(std::string_view rung) {
  if (rung.size() < 2 || rung.size() > 7 || rung.back() != 'p') return std::nullopt;
  int side = 0;
  for (char c : rung.substr(0, rung.size() - 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    side = side * 10 + (c - '0');
  }
  if (side <= 0) return std::nullopt;
  return side;
}

std::optional<int64_t> BreakEvenViews(double cost_usd, double saving_usd_per_view) {
  if (!(saving_usd_per_view > 0) || !std::isfinite(cost_usd)) return std::nullopt;
  double q = std::max(0.0, cost_usd) / saving_usd_per_view;
  // Tolerate rounding in the division: 37.000000000000007 views is 37.
  double n = std::ceil(q - q * 1e-9);
  if (!std::isfinite(n) || n >= 9.2e18) return std::nullopt;
  return static_cast<int64_t>(n);
}

StatusOr<CostConfig> CostConfigFromJson(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return InvalidArgument("prices: not valid JSON");
  if (!j.is_object()) return InvalidArgument("prices: must be a JSON object");
  CostConfig c;
  Prices& p = c.prices;
  const std::map<std::string, double*> numbers = {
      {"egress_usd_per_gb", &p.egress_usd_per_gb},
      {"cpu_usd_per_vcpu_hour", &p.cpu_usd_per_vcpu_hour},
      {"storage_usd_per_gb_month", &p.storage_usd_per_gb_month},
      {"storage_months", &p.storage_months},
      {"watched_fraction", &c.watched_fraction},
  };
  for (const auto& [key, value] : j.items()) {
    if (key == "viewing_mix") {
      ASSIGN_OR_RETURN(c.viewing_mix, ParseMix(value));
      continue;
    }
    auto it = numbers.find(key);
    if (it == numbers.end()) return InvalidArgument("prices: unknown key \"" + key + "\"");
    ASSIGN_OR_RETURN(*it->second, NonNegative(value, key));
  }
  if (!(c.watched_fraction > 0) || c.watched_fraction > 1) return PriceError("watched_fraction", "must be in (0, 1]");
  return c;
}

std::string CostConfigToJson(const CostConfig& c) {
  const Prices& p = c.prices;
  json j = {{"egress_usd_per_gb", p.egress_usd_per_gb},
            {"cpu_usd_per_vcpu_hour", p.cpu_usd_per_vcpu_hour},
            {"storage_usd_per_gb_month", p.storage_usd_per_gb_month},
            {"storage_months", p.storage_months},
            {"watched_fraction", c.watched_fraction},
            {"viewing_mix", c.viewing_mix}};
  return j.dump(2);
}

const CodecCost* CostReport::Find(std::string_view codec) const {
  for (const auto& c : codecs) {
    if (c.codec == codec) return &c;
  }
  return nullptr;
}

StatusOr<CostReport> ComputeCosts(const std::vector<CodecMeasure>& measures, const CostConfig& config) {
  RETURN_IF_ERROR(CheckMeasures(measures));
  CostReport report;
  report.config = config;
  std::map<std::string, RungCost> h264;  // the baseline's rungs by name
  for (const auto& c : measures) {
    if (c.codec != "h264") continue;
    for (const auto& r : c.rungs) h264[r.rung] = CostOf(r, config);
  }
  const double usd_per_byte = config.prices.egress_usd_per_gb / kBytesPerGb;
  for (const auto& m : measures) {
    CodecCost c;
    c.codec = m.codec;
    const bool baseline = m.codec == "h264";
    std::map<int, std::string> comparable;  // rungs with a baseline: short side -> name
    std::map<std::string, const RungCost*> by_name;
    for (const auto& rm : m.rungs) {
      RungCost r = CostOf(rm, config);
      c.cpu_seconds += rm.cpu_seconds;
      c.encode_usd += rm.cpu_seconds * config.prices.CpuUsdPerSecond();
      c.storage_usd += StorageUsd(rm, config.prices);
      c.cost_usd += r.cost_usd;
      auto base = h264.find(rm.rung);
      if (baseline || base != h264.end()) comparable[*RungShortSide(rm.rung)] = rm.rung;
      if (!baseline && base != h264.end()) {
        r.saving_bytes_per_view = base->second.bytes_per_view - r.bytes_per_view;
        r.saving_usd_per_view = *r.saving_bytes_per_view * usd_per_byte;
        r.break_even_views = BreakEvenViews(r.cost_usd, *r.saving_usd_per_view);
      }
      c.rungs.push_back(std::move(r));
    }
    for (const auto& r : c.rungs) by_name[r.rung] = &r;
    c.mix = ResolveMix(config.viewing_mix, comparable);
    double saving = 0;
    for (const auto& [rung, share] : c.mix) {
      c.bytes_per_view += share * by_name[rung]->bytes_per_view;
      if (!baseline) saving += share * *by_name[rung]->saving_usd_per_view;
    }
    if (!baseline && !c.mix.empty()) {
      c.saving_usd_per_view = saving;
      c.break_even_views = BreakEvenViews(c.cost_usd, saving);
    }
    report.codecs.push_back(std::move(c));
  }
  return report;
}

}  // namespace vtp
