#include "domain/codec_policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace vtp {
namespace {

using Codecs = std::vector<std::string>;

PolicyInput Views(int64_t first_hour, int64_t total) {
  PolicyInput in;
  in.current_codecs = {"h264"};
  in.views_first_hour = first_hour;
  in.total_views = total;
  in.creator_priority = "normal";
  in.source_height = 1080;
  return in;
}

CodecPolicy Parse(const std::string& text) {
  auto p = CodecPolicy::FromJson(text);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? *p : CodecPolicy::Default();
}

std::string ParseError(const std::string& text) {
  auto p = CodecPolicy::FromJson(text);
  EXPECT_FALSE(p.ok()) << text;
  EXPECT_EQ(p.status().code(), ErrorCode::kInvalidArgument);
  return p.status().message();
}

// ---- defaults: the seed's tiers ----

TEST(CodecPolicyDefaults, AreTheSeedsTiers) {
  const CodecPolicy p = CodecPolicy::Default();
  ASSERT_EQ(p.tiers().size(), 4u);
  EXPECT_EQ(p.tiers()[0].add, Codecs{"h264"});
  EXPECT_FALSE(p.tiers()[0].when.has_value());
  EXPECT_EQ(p.tiers()[1].add, Codecs{"hevc"});
  EXPECT_EQ(p.tiers()[1].when, (ViewCondition{100, std::nullopt, false}));
  EXPECT_EQ(p.tiers()[2].add, Codecs{"av1"});
  EXPECT_EQ(p.tiers()[2].when, (ViewCondition{std::nullopt, 10000, false}));
  EXPECT_EQ(p.tiers()[3].add, Codecs{"vp9"});
  EXPECT_FALSE(p.tiers()[3].enabled);
  for (const auto& t : p.tiers()) {
    EXPECT_TRUE(t.grant_to_priorities.empty()) << t.name;  // the seed grants nothing by priority
    EXPECT_FALSE(t.min_source_height.has_value()) << t.name;
  }
}

TEST(CodecPolicyDefaults, NewUploadGetsH264Only) {
  PolicyInput in = Views(0, 0);
  in.current_codecs = {};
  EXPECT_EQ(CodecPolicy::Default().Decide(in), Codecs{"h264"});
}

TEST(CodecPolicyDefaults, HevcStrictlyAbove100ViewsInTheFirstHour) {
  const CodecPolicy p = CodecPolicy::Default();
  EXPECT_EQ(p.Decide(Views(99, 99)), Codecs{"h264"});
  EXPECT_EQ(p.Decide(Views(100, 100)), Codecs{"h264"});  // exactly at the threshold: not more than 100
  EXPECT_EQ(p.Decide(Views(101, 101)), (Codecs{"h264", "hevc"}));
  // Views after the first hour do not count towards tier 2.
  EXPECT_EQ(p.Decide(Views(100, 9000)), Codecs{"h264"});
}

TEST(CodecPolicyDefaults, Av1StrictlyAbove10000TotalViews) {
  const CodecPolicy p = CodecPolicy::Default();
  EXPECT_EQ(p.Decide(Views(0, 10000)), Codecs{"h264"});
  EXPECT_EQ(p.Decide(Views(0, 10001)), (Codecs{"h264", "av1"}));
  EXPECT_EQ(p.Decide(Views(500, 10001)), (Codecs{"h264", "hevc", "av1"}));
}

TEST(CodecPolicyDefaults, Vp9IsOptIn) {
  EXPECT_EQ(CodecPolicy::Default().Decide(Views(1'000'000, 1'000'000)), (Codecs{"h264", "hevc", "av1"}));
  EXPECT_TRUE(CodecPolicy::Default().TiersAdding("vp9").empty());
}

TEST(CodecPolicyDefaults, DocumentRoundTrips) {
  const CodecPolicy p = CodecPolicy::Default();
  EXPECT_EQ(Parse(kDefaultCodecPolicyJson), p);
  EXPECT_EQ(Parse(p.ToJson()), p);
}

// ---- decisions ----

TEST(CodecPolicyDecide, NeverRemovesACodec) {
  PolicyInput in = Views(0, 0);
  in.current_codecs = {"av1", "h264", "hevc", "vp9"};  // a deployment that once enabled everything
  EXPECT_EQ(CodecPolicy::Default().Decide(in), (Codecs{"h264", "hevc", "vp9", "av1"}));
  in.current_codecs = {"mpeg2", "hevc"};  // unknown codecs are kept, after the known ones
  EXPECT_EQ(CodecPolicy::Default().Decide(in), (Codecs{"h264", "hevc", "mpeg2"}));
}

TEST(CodecPolicyDecide, AlwaysIncludesH264EvenWhenNoTierListsIt) {
  CodecPolicy p = Parse(R"({"tiers": [{"add": ["hevc"], "when": {"total_views_over": 5}}]})");
  EXPECT_EQ(p.Decide(Views(0, 0)), Codecs{"h264"});
  EXPECT_EQ(p.Decide(Views(0, 6)), (Codecs{"h264", "hevc"}));
  EXPECT_EQ(p.Explain(Views(0, 0)).front().Line(), "h264: every upload");
}

TEST(CodecPolicyDecide, H264StaysEvenIfItsTierIsDisabled) {
  CodecPolicy p = Parse(R"({"tiers": [{"add": ["h264"], "enabled": false}, {"add": ["av1"]}]})");
  PolicyInput in = Views(0, 0);
  in.current_codecs = {};
  EXPECT_EQ(p.Decide(in), (Codecs{"h264", "av1"}));
}

TEST(CodecPolicyDecide, PriorityGrantsTheTierAtUpload) {
  CodecPolicy p = Parse(R"({"tiers": [
      {"add": ["hevc"], "when": {"views_first_hour_over": 100}, "grant_to_priorities": ["high", "urgent"]},
      {"add": ["av1"], "when": {"total_views_over": 10000}}]})");
  PolicyInput in = Views(0, 0);
  for (const char* prio : {"high", "urgent"}) {
    in.creator_priority = prio;
    EXPECT_EQ(p.Decide(in), (Codecs{"h264", "hevc"})) << prio;  // tier 2 only, not tier 3
  }
  for (const char* prio : {"low", "normal", ""}) {
    in.creator_priority = prio;
    EXPECT_EQ(p.Decide(in), Codecs{"h264"}) << prio;
  }
  in.creator_priority = "urgent";
  bool found = false;
  for (const auto& r : p.Explain(in)) {
    if (r.codec == "hevc") {
      EXPECT_EQ(r.Line(), "hevc: urgent-priority creator (granted at upload)");
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST(CodecPolicyDecide, MinimumSourceHeightHoldsEvenForGrants) {
  CodecPolicy p = Parse(R"({"tiers": [{"add": ["av1"], "when": {"total_views_over": 10},
      "min_source_height": 720, "grant_to_priorities": ["urgent"]}]})");
  PolicyInput in = Views(0, 50);
  in.source_height = 719;
  EXPECT_EQ(p.Decide(in), Codecs{"h264"});
  in.creator_priority = "urgent";
  EXPECT_EQ(p.Decide(in), Codecs{"h264"});
  in.source_height = 720;
  EXPECT_EQ(p.Decide(in), (Codecs{"h264", "av1"}));
  in.source_height = 0;  // unknown: the floor is not met
  EXPECT_EQ(p.Decide(in), Codecs{"h264"});
}

TEST(CodecPolicyDecide, HdrGrant) {
  CodecPolicy p = Parse(R"({"tiers": [{"add": ["hevc"], "when": {"views_first_hour_over": 100},
      "grant_to_hdr_sources": true}]})");
  PolicyInput in = Views(0, 0);
  EXPECT_EQ(p.Decide(in), Codecs{"h264"});
  in.source_hdr = true;
  EXPECT_EQ(p.Decide(in), (Codecs{"h264", "hevc"}));
  // The default policy does not grant HDR sources anything.
  EXPECT_EQ(CodecPolicy::Default().Decide(in), Codecs{"h264"});
}

TEST(CodecPolicyDecide, CombineAllNeedsBothCounts) {
  CodecPolicy p = Parse(R"({"tiers": [{"add": ["vp9", "hevc"],
      "when": {"views_first_hour_over": 10, "total_views_over": 100, "combine": "all"}}]})");
  EXPECT_EQ(p.Decide(Views(11, 100)), Codecs{"h264"});
  EXPECT_EQ(p.Decide(Views(10, 101)), Codecs{"h264"});
  EXPECT_EQ(p.Decide(Views(11, 101)), (Codecs{"h264", "hevc", "vp9"}));
  CodecPolicy any = Parse(R"({"tiers": [{"add": ["hevc"],
      "when": {"views_first_hour_over": 10, "total_views_over": 100}}]})");
  EXPECT_EQ(any.Decide(Views(11, 11)), (Codecs{"h264", "hevc"}));
  EXPECT_EQ(any.Decide(Views(0, 101)), (Codecs{"h264", "hevc"}));
  EXPECT_EQ(any.Decide(Views(10, 100)), Codecs{"h264"});
}

TEST(CodecPolicyDecide, EnabledVp9Tier) {
  CodecPolicy p = Parse(R"({"tiers": [{"name": "vp9", "add": ["vp9"], "when": {"views_first_hour_over": 100}}]})");
  EXPECT_EQ(p.Decide(Views(101, 101)), (Codecs{"h264", "vp9"}));
}

// ---- explanations ----

TEST(CodecPolicyExplain, SaysWhyForEachTier) {
  std::vector<std::string> lines;
  for (const auto& r : CodecPolicy::Default().Explain(Views(142, 5200))) lines.push_back(r.Line());
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "h264: every upload",
                       "hevc: 142 views in the first hour > 100",
                       "av1: not yet: 5200 total views <= 10000",
                       "vp9: tier vp9 is disabled (opt-in)",
                   }));
}

TEST(CodecPolicyExplain, AlreadyEncodedCodecsStay) {
  PolicyInput in = Views(3, 3);
  in.current_codecs = {"h264", "hevc"};
  auto reasons = CodecPolicy::Default().Explain(in);
  ASSERT_GE(reasons.size(), 2u);
  EXPECT_TRUE(reasons[1].added);
  EXPECT_EQ(reasons[1].Line(), "hevc: already encoded (not yet: 3 views in the first hour <= 100)");
}

TEST(CodecPolicyExplain, ExplainAgreesWithDecide) {
  const CodecPolicy p = CodecPolicy::Default();
  for (int64_t fh : {0, 100, 101}) {
    for (int64_t total : {0, 10000, 10001}) {
      PolicyInput in = Views(fh, total);
      Codecs added;
      for (const auto& r : p.Explain(in)) {
        if (r.added) added.push_back(r.codec);
      }
      Codecs decided = p.Decide(in);
      for (const auto& c : decided) EXPECT_NE(std::find(added.begin(), added.end(), c), added.end()) << c;
      for (const auto& c : added) EXPECT_NE(std::find(decided.begin(), decided.end(), c), decided.end()) << c;
    }
  }
}

TEST(CodecPolicyExplain, DescribeTier) {
  const CodecPolicy p = CodecPolicy::Default();
  EXPECT_EQ(CodecPolicy::DescribeTier(p.tiers()[0]), "every upload");
  EXPECT_EQ(CodecPolicy::DescribeTier(p.tiers()[1]), "> 100 views in the first hour");
  EXPECT_EQ(CodecPolicy::DescribeTier(p.tiers()[2]), "> 10000 total views");
  EXPECT_EQ(CodecPolicy::DescribeTier(p.tiers()[3]), "disabled (opt-in): > 100 views in the first hour");
  CodecPolicy q = Parse(R"({"tiers": [{"add": ["hevc"], "when": {"views_first_hour_over": 5, "total_views_over": 50,
      "combine": "all"}, "grant_to_priorities": ["high"], "min_source_height": 720}]})");
  EXPECT_EQ(CodecPolicy::DescribeTier(q.tiers()[0]),
            "> 5 views in the first hour and > 50 total views; at upload for high creators; sources >= 720p");
}

// ---- parsing ----

TEST(CodecPolicyParse, RefusesUnknownKeysNamingThem) {
  EXPECT_EQ(ParseError(R"({"tiers": [], "tier": []})"), "codec policy: top level: unknown key \"tier\"");
  EXPECT_EQ(ParseError(R"({"tiers": [{"add": ["hevc"], "when": {"views_first_hour": 100}}]})"),
            "codec policy: tiers[0].when: unknown key \"views_first_hour\"");
  EXPECT_EQ(ParseError(R"({"tiers": [{"add": ["h264"]}, {"add": ["hevc"], "priority": "high"}]})"),
            "codec policy: tiers[1]: unknown key \"priority\"");
}

TEST(CodecPolicyParse, RefusesBadValuesNamingTheKey) {
  struct Case {
    const char* json;
    const char* error;
  };
  const Case cases[] = {
      {"not json", "codec policy: not valid JSON"},
      {"[]", "codec policy: top level: must be an object"},
      {"{}", "codec policy: top level: missing \"tiers\""},
      {R"({"version": 2, "tiers": []})", "codec policy: version: must be 1"},
      {R"({"tiers": {}})", "codec policy: tiers: must be an array"},
      {R"({"tiers": [{"name": "x"}]})", "codec policy: tiers[0]: missing \"add\" (the codecs the tier adds)"},
      {R"({"tiers": [{"add": []}]})", "codec policy: tiers[0].add: must list at least one codec"},
      {R"({"tiers": [{"add": ["hevc", "h266"]}]})", "codec policy: tiers[0].add[1]: unknown codec \"h266\""},
      {R"({"tiers": [{"add": ["hevc", "hevc"]}]})", "codec policy: tiers[0].add[1]: \"hevc\" is listed twice"},
      {R"({"tiers": [{"add": "hevc"}]})", "codec policy: tiers[0].add: must be an array of strings"},
      {R"({"tiers": [{"add": ["hevc"], "when": {}}]})",
       "codec policy: tiers[0].when: needs \"views_first_hour_over\" or \"total_views_over\" (omit \"when\" for "
       "every upload)"},
      {R"({"tiers": [{"add": ["hevc"], "when": {"views_first_hour_over": -1}}]})",
       "codec policy: tiers[0].when.views_first_hour_over: must be a whole number >= 0"},
      {R"({"tiers": [{"add": ["hevc"], "when": {"views_first_hour_over": 1.5}}]})",
       "codec policy: tiers[0].when.views_first_hour_over: must be a whole number >= 0"},
      {R"({"tiers": [{"add": ["hevc"], "when": {"total_views_over": "100"}}]})",
       "codec policy: tiers[0].when.total_views_over: must be a whole number >= 0"},
      {R"({"tiers": [{"add": ["hevc"], "when": {"total_views_over": 1, "combine": "both"}}]})",
       "codec policy: tiers[0].when.combine: must be \"any\" or \"all\""},
      {R"({"tiers": [{"add": ["hevc"], "enabled": "yes"}]})", "codec policy: tiers[0].enabled: must be true or false"},
      {R"({"tiers": [{"add": ["hevc"], "min_source_height": 0}]})",
       "codec policy: tiers[0].min_source_height: must be 1..100000"},
      {R"({"tiers": [{"add": ["hevc"], "grant_to_priorities": ["vip"]}]})",
       "codec policy: tiers[0].grant_to_priorities[0]: unknown priority \"vip\""},
      {R"({"tiers": [{"add": ["hevc"], "grant_to_hdr_sources": 1}]})",
       "codec policy: tiers[0].grant_to_hdr_sources: must be true or false"},
      {R"({"tiers": [{"add": ["hevc"], "name": ""}]})", "codec policy: tiers[0].name: must be a non-empty string"},
      {R"({"tiers": [{"add": ["hevc"]}, {"add": ["hevc"]}]})", "codec policy: tiers[1].name: \"hevc\" is used twice"},
  };
  for (const auto& c : cases) EXPECT_EQ(ParseError(c.json), c.error) << c.json;
}

TEST(CodecPolicyParse, NamesDefaultToTheCodecs) {
  CodecPolicy p = Parse(R"({"tiers": [{"add": ["av1", "hevc"]}]})");
  EXPECT_EQ(p.tiers()[0].name, "hevc+av1");
  EXPECT_EQ(p.tiers()[0].add, (Codecs{"hevc", "av1"}));  // kept in decision order
}

}  // namespace
}  // namespace vtp
