#include "domain/codec_policy.h"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>

namespace vtp {

const char kDefaultCodecPolicyJson[] = R"({
  "version": 1,
  "tiers": [
    {"name": "tier1", "add": ["h264"]},
    {"name": "tier2", "add": ["hevc"], "when": {"views_first_hour_over": 100}},
    {"name": "tier3", "add": ["av1"], "when": {"total_views_over": 10000}},
    {"name": "vp9", "add": ["vp9"], "enabled": false, "when": {"views_first_hour_over": 100}}
  ]
})";

namespace {

using nlohmann::json;

constexpr std::string_view kPriorityNames[] = {"low", "normal", "high", "urgent"};

int CodecRank(std::string_view codec) { return static_cast<int>(VideoCodecRank(codec)); }

// Strict JSON reading: every error names its path ("tiers[1].when").
class Reader {
 public:
  static Status Error(const std::string& path, const std::string& what) {
    return InvalidArgument("codec policy: " + path + ": " + what);
  }

  static Status OnlyKeys(const json& obj, const std::string& path, std::initializer_list<std::string_view> keys) {
    if (!obj.is_object()) return Error(path, "must be an object");
    for (const auto& [k, v] : obj.items()) {
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) {
        return Error(path, "unknown key \"" + k + "\"");
      }
    }
    return Status::Ok();
  }

  static StatusOr<int64_t> Count(const json& v, const std::string& path) {
    if (!v.is_number_integer()) return Error(path, "must be a whole number >= 0");
    if (v.is_number_unsigned()) {
      if (v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) return Error(path, "is too large");
    } else if (v.get<int64_t>() < 0) {
      return Error(path, "must be a whole number >= 0");
    }
    return v.get<int64_t>();
  }

  static StatusOr<bool> Bool(const json& v, const std::string& path) {
    if (!v.is_boolean()) return Error(path, "must be true or false");
    return v.get<bool>();
  }

  static StatusOr<std::vector<std::string>> Names(const json& v, const std::string& path,
                                                  bool (*valid)(std::string_view), const char* what) {
    if (!v.is_array()) return Error(path, "must be an array of strings");
    std::vector<std::string> out;
    for (size_t i = 0; i < v.size(); ++i) {
      std::string p = path + "[" + std::to_string(i) + "]";
      if (!v[i].is_string()) return Error(p, "must be a string");
      std::string s = v[i].get<std::string>();
      if (!valid(s)) return Error(p, std::string("unknown ") + what + " \"" + s + "\"");
      if (std::find(out.begin(), out.end(), s) != out.end()) return Error(p, "\"" + s + "\" is listed twice");
      out.push_back(s);
    }
    return out;
  }
};

bool IsPriorityName(std::string_view p) {
  return std::find(std::begin(kPriorityNames), std::end(kPriorityNames), p) != std::end(kPriorityNames);
}

StatusOr<ViewCondition> ParseCondition(const json& j, const std::string& path) {
  RETURN_IF_ERROR(Reader::OnlyKeys(j, path, {"views_first_hour_over", "total_views_over", "combine"}));
  ViewCondition c;
  if (j.contains("views_first_hour_over")) {
    ASSIGN_OR_RETURN(c.first_hour_over, Reader::Count(j["views_first_hour_over"], path + ".views_first_hour_over"));
  }
  if (j.contains("total_views_over")) {
    ASSIGN_OR_RETURN(c.total_over, Reader::Count(j["total_views_over"], path + ".total_views_over"));
  }
  if (!c.first_hour_over && !c.total_over) {
    return Reader::Error(path, "needs \"views_first_hour_over\" or \"total_views_over\" (omit \"when\" for every upload)");
  }
  if (j.contains("combine")) {
    const json& m = j["combine"];
    if (m != "any" && m != "all") return Reader::Error(path + ".combine", "must be \"any\" or \"all\"");
    c.require_all = m == "all";
  }
  return c;
}

StatusOr<PolicyTier> ParseTier(const json& j, const std::string& path) {
  RETURN_IF_ERROR(Reader::OnlyKeys(j, path, {"name", "add", "enabled", "when", "min_source_height",
                                             "grant_to_priorities", "grant_to_hdr_sources"}));
  PolicyTier t;
  if (!j.contains("add")) return Reader::Error(path, "missing \"add\" (the codecs the tier adds)");
  ASSIGN_OR_RETURN(t.add, Reader::Names(j["add"], path + ".add", IsPolicyCodec, "codec"));
  if (t.add.empty()) return Reader::Error(path + ".add", "must list at least one codec");
  std::sort(t.add.begin(), t.add.end(), [](const auto& a, const auto& b) { return CodecRank(a) < CodecRank(b); });
  if (j.contains("name")) {
    if (!j["name"].is_string() || j["name"].get<std::string>().empty()) {
      return Reader::Error(path + ".name", "must be a non-empty string");
    }
    t.name = j["name"].get<std::string>();
  } else {
    for (const auto& c : t.add) t.name += (t.name.empty() ? "" : "+") + c;
  }
  if (j.contains("enabled")) {
    ASSIGN_OR_RETURN(t.enabled, Reader::Bool(j["enabled"], path + ".enabled"));
  }
  if (j.contains("when")) {
    ASSIGN_OR_RETURN(t.when, ParseCondition(j["when"], path + ".when"));
  }
  if (j.contains("min_source_height")) {
    ASSIGN_OR_RETURN(int64_t h, Reader::Count(j["min_source_height"], path + ".min_source_height"));
    if (h < 1 || h > 100000) return Reader::Error(path + ".min_source_height", "must be 1..100000");
    t.min_source_height = static_cast<int>(h);
  }
  if (j.contains("grant_to_priorities")) {
    ASSIGN_OR_RETURN(t.grant_to_priorities, Reader::Names(j["grant_to_priorities"], path + ".grant_to_priorities",
                                                          IsPriorityName, "priority"));
  }
  if (j.contains("grant_to_hdr_sources")) {
    ASSIGN_OR_RETURN(t.grant_to_hdr_sources, Reader::Bool(j["grant_to_hdr_sources"], path + ".grant_to_hdr_sources"));
  }
  return t;
}

std::string FirstHourText(int64_t views) { return std::to_string(views) + " views in the first hour"; }
std::string TotalText(int64_t views) { return std::to_string(views) + " total views"; }

// Whether the view condition holds, and the comparison(s) that say so (or
// the failing ones when it does not).
std::pair<bool, std::string> Evaluate(const ViewCondition& c, const PolicyInput& in) {
  std::vector<std::pair<bool, std::string>> parts;
  if (c.first_hour_over) {
    bool ok = in.views_first_hour > *c.first_hour_over;
    parts.push_back({ok, FirstHourText(in.views_first_hour) + (ok ? " > " : " <= ") +
                             std::to_string(*c.first_hour_over)});
  }
  if (c.total_over) {
    bool ok = in.total_views > *c.total_over;
    parts.push_back({ok, TotalText(in.total_views) + (ok ? " > " : " <= ") + std::to_string(*c.total_over)});
  }
  bool holds = c.require_all ? std::all_of(parts.begin(), parts.end(), [](const auto& p) { return p.first; })
                             : std::any_of(parts.begin(), parts.end(), [](const auto& p) { return p.first; });
  std::string text;
  for (const auto& [ok, s] : parts) {
    // Say what decided: the comparisons that hold when it holds, those that
    // fail when it does not.
    if (ok != holds) continue;
    if (!text.empty()) text += " and ";
    text += s;
    if (holds && !c.require_all) break;
  }
  return {holds, text};
}

// Why `tier` applies to `in` (nullopt: it does not, with the reason in `no`).
std::optional<std::string> Applies(const PolicyTier& tier, const PolicyInput& in, std::string& no) {
  if (!tier.enabled) {
    no = "tier " + tier.name + " is disabled (opt-in)";
    return std::nullopt;
  }
  if (tier.min_source_height && in.source_height < *tier.min_source_height) {
    no = in.source_height <= 0 ? "source height unknown; tier " + tier.name + " needs >= " +
                                     std::to_string(*tier.min_source_height) + "p"
                               : "source " + std::to_string(in.source_height) + "p is below tier " + tier.name +
                                     "'s " + std::to_string(*tier.min_source_height) + "p floor";
    return std::nullopt;
  }
  if (!tier.when) return std::string("every upload");
  auto [holds, text] = Evaluate(*tier.when, in);
  if (holds) return text;
  const auto& grants = tier.grant_to_priorities;
  if (!in.creator_priority.empty() && std::find(grants.begin(), grants.end(), in.creator_priority) != grants.end()) {
    return in.creator_priority + "-priority creator (granted at upload)";
  }
  if (tier.grant_to_hdr_sources && in.source_hdr) {
    return std::string("HDR source (granted at upload: H.264 renditions are SDR)");
  }
  no = "not yet: " + text;
  return std::nullopt;
}

bool Has(const std::vector<std::string>& v, std::string_view s) { return std::find(v.begin(), v.end(), s) != v.end(); }

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

}  // namespace

bool IsPolicyCodec(std::string_view codec) { return VideoCodecRank(codec) < kVideoCodecs.size(); }

CodecPolicy CodecPolicy::Default() {
  // The document is part of the binary and covered by a test, so it parses.
  return FromJson(kDefaultCodecPolicyJson).value();
}

StatusOr<CodecPolicy> CodecPolicy::FromJson(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return InvalidArgument("codec policy: not valid JSON");
  RETURN_IF_ERROR(Reader::OnlyKeys(j, "top level", {"version", "tiers"}));
  if (j.contains("version") && j["version"] != 1) return Reader::Error("version", "must be 1");
  if (!j.contains("tiers")) return Reader::Error("top level", "missing \"tiers\"");
  if (!j["tiers"].is_array()) return Reader::Error("tiers", "must be an array");
  std::vector<PolicyTier> tiers;
  std::set<std::string> names;
  for (size_t i = 0; i < j["tiers"].size(); ++i) {
    std::string path = "tiers[" + std::to_string(i) + "]";
    ASSIGN_OR_RETURN(PolicyTier t, ParseTier(j["tiers"][i], path));
    if (!names.insert(t.name).second) return Reader::Error(path + ".name", "\"" + t.name + "\" is used twice");
    tiers.push_back(std::move(t));
  }
  return CodecPolicy(std::move(tiers));
}

std::string CodecPolicy::ToJson() const {
  json tiers = json::array();
  for (const auto& t : tiers_) {
    json o = {{"name", t.name}, {"add", t.add}, {"enabled", t.enabled},
              {"grant_to_priorities", t.grant_to_priorities}, {"grant_to_hdr_sources", t.grant_to_hdr_sources}};
    if (t.when) {
      json w = {{"combine", t.when->require_all ? "all" : "any"}};
      if (t.when->first_hour_over) w["views_first_hour_over"] = *t.when->first_hour_over;
      if (t.when->total_over) w["total_views_over"] = *t.when->total_over;
      o["when"] = w;
    }
    if (t.min_source_height) o["min_source_height"] = *t.min_source_height;
    tiers.push_back(o);
  }
  return json{{"version", 1}, {"tiers", tiers}}.dump(2);
}

std::vector<PolicyReason> CodecPolicy::Explain(const PolicyInput& in) const {
  std::vector<PolicyReason> out;
  std::set<std::string> listed;
  for (const auto& tier : tiers_) {
    std::string no;
    std::optional<std::string> yes = Applies(tier, in, no);
    for (const auto& codec : tier.add) {
      listed.insert(codec);
      if (yes) {
        out.push_back({codec, tier.name, true, *yes});
      } else if (Has(in.current_codecs, codec)) {
        out.push_back({codec, tier.name, true, "already encoded (" + no + ")"});
      } else {
        out.push_back({codec, tier.name, false, no});
      }
    }
  }
  // H.264 is every video's baseline, whatever the tiers say.
  bool h264 = std::any_of(out.begin(), out.end(), [](const auto& r) { return r.codec == "h264" && r.added; });
  if (!h264) out.insert(out.begin(), {"h264", "", true, "every upload"});
  for (const auto& c : in.current_codecs) {
    if (!listed.count(c) && c != "h264") out.push_back({c, "", true, "already encoded"});
  }
  return out;
}

std::vector<std::string> CodecPolicy::Decide(const PolicyInput& in) const {
  std::vector<std::string> codecs;
  for (const auto& r : Explain(in)) {
    if (r.added && !Has(codecs, r.codec)) codecs.push_back(r.codec);
  }
  // Names outside kVideoCodecs all rank last, so the stable sort keeps them
  // after the known ones in their given order.
  std::stable_sort(codecs.begin(), codecs.end(), [](const auto& a, const auto& b) { return CodecRank(a) < CodecRank(b); });
  return codecs;
}

std::vector<const PolicyTier*> CodecPolicy::TiersAdding(std::string_view codec) const {
  std::vector<const PolicyTier*> out;
  for (const auto& t : tiers_) {
    if (t.enabled && Has(t.add, codec)) out.push_back(&t);
  }
  return out;
}

std::string CodecPolicy::DescribeTier(const PolicyTier& t) {
  std::string s;
  if (!t.when) {
    s = "every upload";
  } else {
    std::vector<std::string> parts;
    if (t.when->first_hour_over) parts.push_back("> " + std::to_string(*t.when->first_hour_over) + " views in the first hour");
    if (t.when->total_over) parts.push_back("> " + std::to_string(*t.when->total_over) + " total views");
    s = Join(parts, t.when->require_all ? " and " : " or ");
  }
  if (!t.grant_to_priorities.empty()) s += "; at upload for " + Join(t.grant_to_priorities, ", ") + " creators";
  if (t.grant_to_hdr_sources) s += "; at upload for HDR sources";
  if (t.min_source_height) s += "; sources >= " + std::to_string(*t.min_source_height) + "p";
  if (!t.enabled) s = "disabled (opt-in): " + s;
  return s;
}

}  // namespace vtp
