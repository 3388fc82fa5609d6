#include "api/problem.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace vtp::api {
namespace {

TEST(ProblemTest, ErrorCodeTable) {
  EXPECT_EQ(HttpStatusFor(ErrorCode::kOk), 200);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kNotMedia), 422);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kCorruptInput), 422);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kNoDecodableStream), 422);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnsupportedCodec), 422);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kLimitExceeded), 422);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kDeadlineExceeded), 503);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kIo), 503);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kEncodeFailed), 500);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kWorkerCrashed), 500);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInternal), 500);
}

TEST(ProblemTest, SlugsAreStableNames) {
  EXPECT_EQ(ProblemSlugFor(ErrorCode::kNotFound), "not-found");
  EXPECT_EQ(ProblemSlugFor(ErrorCode::kInvalidArgument), "invalid-argument");
  EXPECT_EQ(ProblemSlugFor(ErrorCode::kLimitExceeded), "limit-exceeded");
}

TEST(ProblemTest, JsonShape) {
  Response r = ProblemResponse(ProblemFromStatus(
      Status(ErrorCode::kAlreadyExists, "video v1 exists"), "/api/v1/videos/v1"));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(*r.headers.Get("content-type"), "application/problem+json");
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j.at("type"), "https://vtp.dev/problems/already-exists");
  EXPECT_EQ(j.at("title"), "Conflict");
  EXPECT_EQ(j.at("status"), 409);
  EXPECT_EQ(j.at("detail"), "video v1 exists");
  EXPECT_EQ(j.at("instance"), "/api/v1/videos/v1");
  EXPECT_EQ(j.size(), 5u);
}

TEST(ProblemTest, EmptyFieldsOmittedAndBadUtf8Survives) {
  auto j = nlohmann::json::parse(ProblemJson(MakeProblem(400, kSlugMalformedRequest, "")));
  EXPECT_FALSE(j.contains("detail"));
  EXPECT_FALSE(j.contains("instance"));
  auto k = nlohmann::json::parse(ProblemJson(MakeProblem(400, "x", "bad \xff byte")));
  EXPECT_TRUE(k.contains("detail"));
}

}  // namespace
}  // namespace vtp::api
