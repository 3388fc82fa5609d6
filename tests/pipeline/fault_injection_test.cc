#include "pipeline/fault_injection.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace vtp::pipeline {
namespace {

std::optional<FaultAction> MustFault(std::string_view spec, std::string_view id,
                                     std::string_view step, int attempt) {
  auto f = FaultFor(spec, id, step, attempt);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  return f.ok() ? *f : std::nullopt;
}

const FaultAction kFailEncode{FaultMode::kFail, ErrorCode::kEncodeFailed};

TEST(FaultSpecTest, ParsesEveryField) {
  auto rules = ParseFaultSpec("transcode=fail:2:corrupt_input, v1/probe=crash,package/720p=hang:1");
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  ASSERT_EQ(rules->size(), 3u);
  EXPECT_EQ((*rules)[0], (FaultRule{"transcode", FaultMode::kFail, 2, ErrorCode::kCorruptInput}));
  EXPECT_EQ((*rules)[1], (FaultRule{"v1/probe", FaultMode::kCrash, std::nullopt, ErrorCode::kEncodeFailed}));
  EXPECT_EQ((*rules)[2], (FaultRule{"package/720p", FaultMode::kHang, 1, ErrorCode::kEncodeFailed}));
}

TEST(FaultSpecTest, EmptySpecAndEmptyEntriesHaveNoRules) {
  for (const char* spec : {"", " ", ",", "a=fail,,", ",a=fail"}) {
    auto rules = ParseFaultSpec(spec);
    ASSERT_TRUE(rules.ok()) << spec;
    EXPECT_LE(rules->size(), 1u) << spec;
  }
}

TEST(FaultSpecTest, EmptyCountMeansEveryAttempt) {
  auto rules = ParseFaultSpec("transcode=fail::io_error");
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  EXPECT_FALSE((*rules)[0].first_attempts.has_value());
  EXPECT_EQ((*rules)[0].error, ErrorCode::kIo);
}

TEST(FaultSpecTest, MalformedRulesAreInvalidArgumentNamingTheRule) {
  const std::vector<std::string> bad = {
      "transcode",                   // no '='
      "=fail",                       // empty key
      "transcode=explode",           // unknown mode
      "transcode=",                  // no mode
      "transcode=fail:0",            // N < 1
      "transcode=fail:-1",           // N < 1
      "transcode=fail:x",            // N not a number
      "transcode=fail:2x",           // trailing junk
      "transcode=fail:1:martian",    // unknown error class
      "transcode=fail:1:internal2",  // not an exact name
      "transcode=fail:1:ok",         // ok is not an error
      "transcode=crash:1:io_error",  // only fail takes an error
      "transcode=fail:1:io_error:x", // too many fields
  };
  for (const std::string& rule : bad) {
    auto rules = ParseFaultSpec("split=crash," + rule);
    ASSERT_FALSE(rules.ok()) << rule;
    EXPECT_EQ(rules.status().code(), ErrorCode::kInvalidArgument) << rule;
    EXPECT_NE(rules.status().message().find("'" + rule + "'"), std::string::npos)
        << rules.status().message();
    EXPECT_NE(rules.status().message().find("VTP_FAULTS"), std::string::npos);
  }
}

TEST(FaultSpecTest, InternalIsAValidErrorClass) {
  auto rules = ParseFaultSpec("x=fail:1:internal");
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  EXPECT_EQ((*rules)[0].error, ErrorCode::kInternal);
}

TEST(FaultKeyTest, MatchesStepFullIdAndIdWithoutVideo) {
  const char* id = "v123/transcode/chunk_001";
  EXPECT_TRUE(FaultKeyMatches("transcode", id, "transcode"));
  EXPECT_TRUE(FaultKeyMatches("transcode/chunk_001", id, "transcode"));
  EXPECT_TRUE(FaultKeyMatches("v123/transcode/chunk_001", id, "transcode"));
  EXPECT_FALSE(FaultKeyMatches("transcode/chunk_002", id, "transcode"));
  EXPECT_FALSE(FaultKeyMatches("chunk_001", id, "transcode"));
  EXPECT_FALSE(FaultKeyMatches("v123", id, "transcode"));
  EXPECT_FALSE(FaultKeyMatches("package", id, "transcode"));
  EXPECT_FALSE(FaultKeyMatches("transcode/chunk_00", id, "transcode"));
}

TEST(FaultKeyTest, LocalIdsWithoutVideoPrefix) {
  // `vtp run` ids start at the step: nothing to strip.
  EXPECT_TRUE(FaultKeyMatches("transcode/chunk_003", "transcode/chunk_003", "transcode"));
  EXPECT_FALSE(FaultKeyMatches("chunk_003", "transcode/chunk_003", "transcode"));
  EXPECT_TRUE(FaultKeyMatches("split", "split", "split"));
}

TEST(FaultForTest, DefaultFailIsEncodeFailedOnEveryAttempt) {
  for (int attempt : {1, 2, 50}) {
    EXPECT_EQ(MustFault("transcode=fail", "v1/transcode/chunk_000", "transcode", attempt),
              kFailEncode);
  }
}

TEST(FaultForTest, CountLimitsTheAttempts) {
  const char* spec = "transcode/chunk_001=fail:2:corrupt_input";
  const FaultAction corrupt{FaultMode::kFail, ErrorCode::kCorruptInput};
  EXPECT_EQ(MustFault(spec, "v1/transcode/chunk_001", "transcode", 1), corrupt);
  EXPECT_EQ(MustFault(spec, "v1/transcode/chunk_001", "transcode", 2), corrupt);
  EXPECT_EQ(MustFault(spec, "v1/transcode/chunk_001", "transcode", 3), std::nullopt);
  EXPECT_EQ(MustFault(spec, "v1/transcode/chunk_000", "transcode", 1), std::nullopt);
}

TEST(FaultForTest, FirstMatchingRuleWins) {
  const char* spec = "v1/transcode/chunk_001=crash:1,transcode=hang";
  EXPECT_EQ(MustFault(spec, "v1/transcode/chunk_001", "transcode", 1)->mode, FaultMode::kCrash);
  // Past its count the first rule no longer matches; the step rule does.
  EXPECT_EQ(MustFault(spec, "v1/transcode/chunk_001", "transcode", 2)->mode, FaultMode::kHang);
  EXPECT_EQ(MustFault(spec, "v1/transcode/chunk_002", "transcode", 1)->mode, FaultMode::kHang);
  EXPECT_EQ(MustFault(spec, "v1/package/720p", "package", 1), std::nullopt);
}

TEST(FaultForTest, MalformedSpecIsAnErrorEvenForOtherTasks) {
  auto f = FaultFor("split=crash,oops", "v1/probe", "probe", 1);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(f.status().message().find("'oops'"), std::string::npos) << f.status().message();
}

}  // namespace
}  // namespace vtp::pipeline
