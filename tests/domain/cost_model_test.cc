#include "domain/cost_model.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vtp {
namespace {

// Round prices so every expected value below is worked out by hand:
// egress $0.01/GB (1e9 bytes) = $1e-11 per byte; $0.036/vCPU-hour = $1e-5
// per CPU-second.
CostConfig RoundPrices() {
  CostConfig c;
  c.prices.egress_usd_per_gb = 0.01;
  c.prices.cpu_usd_per_vcpu_hour = 0.036;
  return c;
}

// A 60-second video. H.264: 1080p at 6 Mbit/s (45,000,000 bytes a view),
// 720p at 3 Mbit/s (22,500,000 bytes). HEVC: 1080p at 3.6 Mbit/s
// (27,000,000 bytes; saves 18,000,000 = 0.018 GB = $0.00018 a view) with
// 720 CPU-s ($0.0072), 720p at 1.8 Mbit/s (13,500,000 bytes; saves
// 9,000,000 = $0.00009 a view) with 360 CPU-s ($0.0036).
std::vector<CodecMeasure> TwoCodecs() {
  return {
      {"h264", {{"1080p", 120, 6'000'000, 60}, {"720p", 60, 3'000'000, 60}}},
      {"hevc", {{"1080p", 720, 3'600'000, 60}, {"720p", 360, 1'800'000, 60}}},
  };
}

CostReport Compute(const std::vector<CodecMeasure>& m, const CostConfig& c) {
  auto r = ComputeCosts(m, c);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : CostReport{};
}

// One codec's costs, copied out of the report.
CodecCost CostsOf(const std::vector<CodecMeasure>& m, const CostConfig& c, const std::string& codec) {
  CostReport r = Compute(m, c);
  const CodecCost* found = r.Find(codec);
  EXPECT_NE(found, nullptr) << codec;
  return found ? *found : CodecCost{};
}

TEST(CostModel, PerRungArithmetic) {
  CostReport r = Compute(TwoCodecs(), RoundPrices());
  const CodecCost* hevc = r.Find("hevc");
  ASSERT_NE(hevc, nullptr);
  ASSERT_EQ(hevc->rungs.size(), 2u);
  const RungCost& top = hevc->rungs[0];
  EXPECT_EQ(top.rung, "1080p");
  EXPECT_DOUBLE_EQ(top.bytes_per_view, 27'000'000);
  EXPECT_DOUBLE_EQ(top.cpu_seconds_per_output_second, 12);  // 720 CPU-s / 60 s
  EXPECT_DOUBLE_EQ(top.cost_usd, 0.0072);
  EXPECT_DOUBLE_EQ(*top.saving_bytes_per_view, 18'000'000);
  EXPECT_DOUBLE_EQ(*top.saving_usd_per_view, 0.00018);
  // 0.0072 / 0.00018 = 40 exactly: the 40th view pays it back, not the 41st.
  EXPECT_EQ(top.break_even_views, 40);
  const RungCost& low = hevc->rungs[1];
  EXPECT_DOUBLE_EQ(low.bytes_per_view, 13'500'000);
  EXPECT_DOUBLE_EQ(*low.saving_usd_per_view, 0.00009);
  EXPECT_EQ(low.break_even_views, 40);  // 0.0036 / 0.00009
  EXPECT_DOUBLE_EQ(hevc->cpu_seconds, 1080);
  EXPECT_DOUBLE_EQ(hevc->encode_usd, 0.0108);
  EXPECT_DOUBLE_EQ(hevc->storage_usd, 0);
}

TEST(CostModel, BreakEvenRoundsUp) {
  // 720p with 300 CPU-s: $0.003 / $0.00009 = 33.3 views -> 34.
  std::vector<CodecMeasure> m = TwoCodecs();
  m[1].rungs[1].cpu_seconds = 300;
  EXPECT_EQ(Compute(m, RoundPrices()).Find("hevc")->rungs[1].break_even_views, 34);
}

TEST(CostModel, H264IsTheBaseline) {
  const CodecCost h264 = CostsOf(TwoCodecs(), RoundPrices(), "h264");
    EXPECT_FALSE(h264.saving_usd_per_view.has_value());
  EXPECT_FALSE(h264.break_even_views.has_value());
  for (const auto& rung : h264.rungs) EXPECT_FALSE(rung.saving_usd_per_view.has_value()) << rung.rung;
  EXPECT_DOUBLE_EQ(h264.bytes_per_view, 45'000'000);  // top rung
  EXPECT_DOUBLE_EQ(h264.encode_usd, 0.0018);          // 180 CPU-s
}

TEST(CostModel, DefaultMixIsEveryViewAtTheTopRung) {
  const CodecCost hevc = CostsOf(TwoCodecs(), RoundPrices(), "hevc");
  EXPECT_EQ(hevc.mix, (std::map<std::string, double>{{"1080p", 1.0}}));
  // Both rungs' cost ($0.0108) against the top rung's saving ($0.00018).
  EXPECT_DOUBLE_EQ(*hevc.saving_usd_per_view, 0.00018);
  EXPECT_EQ(hevc.break_even_views, 60);
  EXPECT_DOUBLE_EQ(hevc.bytes_per_view, 27'000'000);
}

TEST(CostModel, ConfiguredMix) {
  CostConfig c = RoundPrices();
  c.viewing_mix = {{"1080p", 1}, {"720p", 1}};  // normalised to half each
  const CodecCost hevc = CostsOf(TwoCodecs(), c, "hevc");
  // 0.5 * 0.00018 + 0.5 * 0.00009 = 0.000135; 0.0108 / 0.000135 = 80.
  EXPECT_DOUBLE_EQ(*hevc.saving_usd_per_view, 0.000135);
  EXPECT_EQ(hevc.break_even_views, 80);
  EXPECT_DOUBLE_EQ(hevc.bytes_per_view, 20'250'000);
}

TEST(CostModel, MixRungsTheVideoLacksGoToTheNearest) {
  CostConfig c = RoundPrices();
  // 480p views watch 720p (nearest), 2160p views watch 1080p (the top).
  c.viewing_mix = {{"480p", 0.6}, {"2160p", 0.2}};
  const CodecCost hevc = CostsOf(TwoCodecs(), c, "hevc");
  ASSERT_EQ(hevc.mix.size(), 2u);
  EXPECT_DOUBLE_EQ(hevc.mix.at("1080p"), 0.25);  // 0.2 / 0.8
  EXPECT_DOUBLE_EQ(hevc.mix.at("720p"), 0.75);   // 0.6 / 0.8
  // 0.75 * 0.00009 + 0.25 * 0.00018 = 0.0001125; 0.0108 / 0.0001125 = 96.
  EXPECT_DOUBLE_EQ(*hevc.saving_usd_per_view, 0.0001125);
  EXPECT_EQ(hevc.break_even_views, 96);
  // Between two rungs at equal distance (900p: 180 from each) the lower wins.
  c.viewing_mix = {{"900p", 1}};
  EXPECT_EQ(Compute(TwoCodecs(), c).Find("hevc")->mix, (std::map<std::string, double>{{"720p", 1.0}}));
}

TEST(CostModel, WatchedFractionScalesTheSaving) {
  CostConfig c = RoundPrices();
  c.watched_fraction = 0.5;
  const CodecCost hevc = CostsOf(TwoCodecs(), c, "hevc");
  EXPECT_DOUBLE_EQ(hevc.rungs[1].bytes_per_view, 6'750'000);
  EXPECT_EQ(hevc.rungs[1].break_even_views, 80);  // half the saving: twice the views
  EXPECT_EQ(hevc.break_even_views, 120);
}

TEST(CostModel, StorageIsCountedWhenAskedFor) {
  CostConfig c = RoundPrices();
  c.prices.storage_usd_per_gb_month = 0.02;
  c.prices.storage_months = 12;
  const CodecCost hevc = CostsOf(TwoCodecs(), c, "hevc");
  // 720p keeps 13,500,000 bytes = 0.0135 GB for 12 months at $0.02:
  // $0.00324, plus $0.0036 CPU = $0.00684; / $0.00009 = 76 views.
  EXPECT_DOUBLE_EQ(hevc.rungs[1].cost_usd, 0.00684);
  EXPECT_EQ(hevc.rungs[1].break_even_views, 76);
  // Both rungs: (0.027 + 0.0135) GB * 0.24 = $0.00972.
  EXPECT_DOUBLE_EQ(hevc.storage_usd, 0.00972);
  EXPECT_DOUBLE_EQ(hevc.encode_usd, 0.0108);
  EXPECT_DOUBLE_EQ(hevc.cost_usd, 0.02052);
}

TEST(CostModel, NoSavingNeverBreaksEven) {
  std::vector<CodecMeasure> m = TwoCodecs();
  // VP9: as large as H.264 at 1080p, larger at 720p.
  m.push_back({"vp9", {{"1080p", 500, 6'000'000, 60}, {"720p", 250, 3'500'000, 60}}});
  const CodecCost vp9 = CostsOf(m, RoundPrices(), "vp9");
    EXPECT_DOUBLE_EQ(*vp9.rungs[0].saving_usd_per_view, 0);
  EXPECT_FALSE(vp9.rungs[0].break_even_views.has_value());
  EXPECT_LT(*vp9.rungs[1].saving_usd_per_view, 0);
  EXPECT_FALSE(vp9.rungs[1].break_even_views.has_value());
  ASSERT_TRUE(vp9.saving_usd_per_view.has_value());
  EXPECT_FALSE(vp9.break_even_views.has_value());
}

TEST(CostModel, WithoutH264NothingIsCompared) {
  std::vector<CodecMeasure> m = {TwoCodecs()[1]};
  const CodecCost hevc = CostsOf(m, RoundPrices(), "hevc");
  EXPECT_FALSE(hevc.saving_usd_per_view.has_value());
  EXPECT_FALSE(hevc.break_even_views.has_value());
  EXPECT_TRUE(hevc.mix.empty());
  EXPECT_DOUBLE_EQ(hevc.encode_usd, 0.0108);
}

TEST(CostModel, RefusesBadMeasures) {
  std::vector<CodecMeasure> dup = TwoCodecs();
  dup.push_back(dup[1]);
  EXPECT_EQ(ComputeCosts(dup, {}).status().message(), "cost model: codec hevc listed twice");
  std::vector<CodecMeasure> bad = TwoCodecs();
  bad[1].rungs[0].cpu_seconds = -1;
  EXPECT_EQ(ComputeCosts(bad, {}).status().code(), ErrorCode::kInvalidArgument);
  bad = TwoCodecs();
  bad[1].rungs[0].rung = "hd";
  EXPECT_EQ(ComputeCosts(bad, {}).status().message(), "cost model: hevc hd: not a rung name (like \"720p\")");
}

TEST(BreakEvenViews, Edges) {
  EXPECT_EQ(BreakEvenViews(0, 0.001), 0);  // nothing to pay back
  EXPECT_EQ(BreakEvenViews(10, 3), 4);
  EXPECT_EQ(BreakEvenViews(9, 3), 3);
  EXPECT_EQ(BreakEvenViews(1, 0), std::nullopt);
  EXPECT_EQ(BreakEvenViews(1, -0.5), std::nullopt);
  EXPECT_EQ(BreakEvenViews(1, 1e-30), std::nullopt);  // beyond int64
}

TEST(RungShortSide, ParsesRungNames) {
  EXPECT_EQ(RungShortSide("720p"), 720);
  EXPECT_EQ(RungShortSide("2160p"), 2160);
  EXPECT_EQ(RungShortSide("720"), std::nullopt);
  EXPECT_EQ(RungShortSide("p"), std::nullopt);
  EXPECT_EQ(RungShortSide("0p"), std::nullopt);
  EXPECT_EQ(RungShortSide("7x0p"), std::nullopt);
}

// ---- the prices file ----

TEST(CostConfigJson, DefaultsAreTheDocumentedListPrices) {
  CostConfig c;
  EXPECT_DOUBLE_EQ(c.prices.egress_usd_per_gb, 0.085);
  EXPECT_DOUBLE_EQ(c.prices.cpu_usd_per_vcpu_hour, 0.0425);
  EXPECT_DOUBLE_EQ(c.prices.storage_usd_per_gb_month, 0.023);
  EXPECT_DOUBLE_EQ(c.prices.storage_months, 0);
  EXPECT_DOUBLE_EQ(c.watched_fraction, 1);
  EXPECT_TRUE(c.viewing_mix.empty());
  auto parsed = CostConfigFromJson("{}");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, c);
  auto round_trip = CostConfigFromJson(CostConfigToJson(c));
  ASSERT_TRUE(round_trip.ok());
  EXPECT_EQ(*round_trip, c);
}

TEST(CostConfigJson, OverridesOnlyWhatItNames) {
  auto c = CostConfigFromJson(R"({"egress_usd_per_gb": 0.02, "viewing_mix": {"720p": 0.7, "480p": 0.3}})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_DOUBLE_EQ(c->prices.egress_usd_per_gb, 0.02);
  EXPECT_DOUBLE_EQ(c->prices.cpu_usd_per_vcpu_hour, 0.0425);
  EXPECT_EQ(c->viewing_mix, (std::map<std::string, double>{{"480p", 0.3}, {"720p", 0.7}}));
}

TEST(CostConfigJson, RefusesBadKeysNamingThem) {
  struct Case {
    const char* json;
    const char* error;
  };
  const Case cases[] = {
      {"nope", "prices: not valid JSON"},
      {"[]", "prices: must be a JSON object"},
      {R"({"egress": 0.01})", "prices: unknown key \"egress\""},
      {R"({"egress_usd_per_gb": -0.01})", "prices: egress_usd_per_gb: must be >= 0"},
      {R"({"cpu_usd_per_vcpu_hour": "cheap"})", "prices: cpu_usd_per_vcpu_hour: must be a number"},
      {R"({"watched_fraction": 0})", "prices: watched_fraction: must be in (0, 1]"},
      {R"({"watched_fraction": 1.5})", "prices: watched_fraction: must be in (0, 1]"},
      {R"({"viewing_mix": [1]})", "prices: viewing_mix: must be an object of rung name -> share"},
      {R"({"viewing_mix": {"720": 1}})", "prices: viewing_mix.720: not a rung name (like \"720p\")"},
      {R"({"viewing_mix": {"720p": -1}})", "prices: viewing_mix.720p: must be >= 0"},
      {R"({"viewing_mix": {"720p": 0}})", "prices: viewing_mix: shares must not all be 0"},
  };
  for (const auto& c : cases) {
    auto r = CostConfigFromJson(c.json);
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), c.error) << c.json;
  }
}

}  // namespace
}  // namespace vtp
