#include "core/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

namespace vtp {
namespace {

// Every enumerator, listed by hand so a new code that is forgotten in the
// name table shows up here as a duplicate "internal" name.
const std::vector<ErrorCode> kAllCodes = {
    ErrorCode::kOk,           ErrorCode::kInvalidArgument,   ErrorCode::kNotFound,
    ErrorCode::kAlreadyExists, ErrorCode::kIo,               ErrorCode::kNotMedia,
    ErrorCode::kCorruptInput, ErrorCode::kNoDecodableStream, ErrorCode::kUnsupportedCodec,
    ErrorCode::kLimitExceeded, ErrorCode::kEncodeFailed,     ErrorCode::kWorkerCrashed,
    ErrorCode::kInternal,     ErrorCode::kDeadlineExceeded,
};

TEST(ErrorCodeTest, NamesAreUniqueNonEmptySnakeCase) {
  std::set<std::string> names;
  for (ErrorCode c : kAllCodes) {
    std::string name(ErrorCodeName(c));
    ASSERT_FALSE(name.empty()) << static_cast<int>(c);
    for (char ch : name) {
      EXPECT_TRUE((ch >= 'a' && ch <= 'z') || ch == '_') << name;
    }
    EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
  }
}

TEST(ErrorCodeTest, NameRoundTrips) {
  for (ErrorCode c : kAllCodes) {
    EXPECT_EQ(ErrorCodeFromName(ErrorCodeName(c)), c) << ErrorCodeName(c);
  }
}

TEST(ErrorCodeTest, DocumentedNames) {
  // docs/errors.md: the names are part of the public contract.
  EXPECT_EQ(ErrorCodeName(ErrorCode::kOk), "ok");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kNotMedia), "not_media");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kCorruptInput), "corrupt_input");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kWorkerCrashed), "worker_crashed");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kDeadlineExceeded), "deadline_exceeded");
}

TEST(ErrorCodeTest, ExistingValuesKeepTheirNumbersAndExitStatuses) {
  // Appending a code must renumber nothing: stored and scripted values depend on these.
  EXPECT_EQ(static_cast<int>(ErrorCode::kWorkerCrashed), 11);
  EXPECT_EQ(static_cast<int>(ErrorCode::kInternal), 12);
  EXPECT_EQ(static_cast<int>(ErrorCode::kDeadlineExceeded), 13);
  EXPECT_EQ(ErrorCodeExitStatus(ErrorCode::kEncodeFailed), 20);
  EXPECT_EQ(ErrorCodeExitStatus(ErrorCode::kWorkerCrashed), 21);
  EXPECT_EQ(ErrorCodeExitStatus(ErrorCode::kDeadlineExceeded), 22);
  EXPECT_EQ(ErrorCodeExitStatus(ErrorCode::kInternal), 70);
}

TEST(ErrorCodeTest, UnknownCodeIsInternal) {
  // The fallback is kInternal, not whichever row was appended last.
  const auto unknown = static_cast<ErrorCode>(999);
  EXPECT_EQ(ErrorCodeName(unknown), "internal");
  EXPECT_EQ(ErrorCodeExitStatus(unknown), 70);
}

TEST(ErrorCodeTest, UnknownNameIsInternal) {
  EXPECT_EQ(ErrorCodeFromName("no_such_code"), ErrorCode::kInternal);
  EXPECT_EQ(ErrorCodeFromName(""), ErrorCode::kInternal);
  EXPECT_EQ(ErrorCodeFromName("NOT_MEDIA"), ErrorCode::kInternal);  // case matters
}

TEST(ErrorCodeTest, ExitStatusesUniqueAndUsable) {
  std::set<int> statuses;
  for (ErrorCode c : kAllCodes) {
    int s = ErrorCodeExitStatus(c);
    EXPECT_TRUE(statuses.insert(s).second) << "duplicate exit status " << s;
    if (c == ErrorCode::kOk) {
      EXPECT_EQ(s, 0);
      continue;
    }
    // Failures must not read as success, as the shell's generic failure (1),
    // or collide with the exec/signal range (126+).
    EXPECT_GT(s, 1) << ErrorCodeName(c);
    EXPECT_LT(s, 126) << ErrorCodeName(c);
  }
}

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kOk);
  EXPECT_TRUE(s.message().empty());
  EXPECT_EQ(s.ToString(), "ok");
  EXPECT_TRUE(Status::Ok().ok());
}

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  Status s(ErrorCode::kNotMedia, "input.bin is not media");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kNotMedia);
  EXPECT_EQ(s.message(), "input.bin is not media");
  EXPECT_EQ(s.ToString(), "not_media: input.bin is not media");
}

TEST(StatusTest, Helpers) {
  EXPECT_EQ(InvalidArgument("a").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(NotFound("b").code(), ErrorCode::kNotFound);
  EXPECT_EQ(IoError("c").code(), ErrorCode::kIo);
  EXPECT_EQ(Internal("d").code(), ErrorCode::kInternal);
  EXPECT_EQ(IoError("c").message(), "c");
}

TEST(StatusTest, WithContextPrefixesMessageKeepsCode) {
  Status s = Status(ErrorCode::kCorruptInput, "truncated moov").WithContext("probe in.mp4");
  EXPECT_EQ(s.code(), ErrorCode::kCorruptInput);
  EXPECT_EQ(s.message(), "probe in.mp4: truncated moov");
  Status twice = s.WithContext("run");
  EXPECT_EQ(twice.message(), "run: probe in.mp4: truncated moov");
}

TEST(StatusTest, WithContextOnOkStaysOk) {
  Status s = Status::Ok().WithContext("ignored");
  EXPECT_TRUE(s.ok());
  EXPECT_TRUE(s.message().empty());
}

TEST(StatusOrTest, HoldsValue) {
  StatusOr<int> v = 42;
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v.status().ok());
  EXPECT_EQ(*v, 42);
  EXPECT_EQ(v.value(), 42);
  *v = 7;
  EXPECT_EQ(v.value(), 7);
}

TEST(StatusOrTest, HoldsError) {
  StatusOr<std::string> v = NotFound("missing.mp4");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(v.status().message(), "missing.mp4");
}

TEST(StatusOrTest, OkStatusBecomesInternalError) {
  // An OK status carries no value; accepting it would make ok() lie.
  StatusOr<int> v = Status::Ok();
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), ErrorCode::kInternal);
}

TEST(StatusOrTest, ArrowAndMoveOut) {
  StatusOr<std::string> v = std::string("abc");
  EXPECT_EQ(v->size(), 3u);
  std::string moved = std::move(v).value();
  EXPECT_EQ(moved, "abc");
}

TEST(StatusOrTest, MoveOnlyValue) {
  StatusOr<std::unique_ptr<int>> v = std::make_unique<int>(5);
  ASSERT_TRUE(v.ok());
  std::unique_ptr<int> p = std::move(v).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 5);
}

// --- macros -------------------------------------------------------------

Status FailIf(bool fail, int* calls) {
  ++*calls;
  return fail ? Status(ErrorCode::kEncodeFailed, "boom") : Status::Ok();
}

Status TwoSteps(bool fail_first, bool fail_second, int* calls, bool* reached_end) {
  RETURN_IF_ERROR(FailIf(fail_first, calls));
  RETURN_IF_ERROR(FailIf(fail_second, calls));
  *reached_end = true;
  return Status::Ok();
}

TEST(MacroTest, ReturnIfErrorPassesOk) {
  int calls = 0;
  bool end = false;
  EXPECT_TRUE(TwoSteps(false, false, &calls, &end).ok());
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(end);
}

TEST(MacroTest, ReturnIfErrorStopsAtFirstError) {
  int calls = 0;
  bool end = false;
  Status s = TwoSteps(true, false, &calls, &end);
  EXPECT_EQ(s.code(), ErrorCode::kEncodeFailed);
  EXPECT_EQ(s.message(), "boom");
  EXPECT_EQ(calls, 1);  // the second step never ran
  EXPECT_FALSE(end);
}

TEST(MacroTest, ReturnIfErrorEvaluatesOnce) {
  int calls = 0;
  bool end = false;
  Status s = TwoSteps(false, true, &calls, &end);
  EXPECT_EQ(s.code(), ErrorCode::kEncodeFailed);
  EXPECT_EQ(calls, 2);
  EXPECT_FALSE(end);
}

StatusOr<int> Parse(int x) {
  if (x < 0) return InvalidArgument("negative " + std::to_string(x));
  return x * 10;
}

StatusOr<int> SumParsed(int a, int b) {
  ASSIGN_OR_RETURN(int pa, Parse(a));
  ASSIGN_OR_RETURN(int pb, Parse(b));  // two on adjacent lines need distinct temporaries
  return pa + pb;
}

Status AssignExisting(int a, int* out) {
  int v = -1;
  ASSIGN_OR_RETURN(v, Parse(a));
  *out = v;
  return Status::Ok();
}

StatusOr<std::unique_ptr<int>> MakePtr(bool fail) {
  if (fail) return Internal("no pointer");
  return std::make_unique<int>(9);
}

StatusOr<int> DerefPtr(bool fail) {
  ASSIGN_OR_RETURN(std::unique_ptr<int> p, MakePtr(fail));
  return *p;
}

TEST(MacroTest, AssignOrReturnAssigns) {
  auto r = SumParsed(1, 2);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, 30);
}

TEST(MacroTest, AssignOrReturnPropagatesFirstError) {
  auto r = SumParsed(1, -2);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "negative -2");
  auto first = SumParsed(-1, -2);
  EXPECT_EQ(first.status().message(), "negative -1");
}

TEST(MacroTest, AssignOrReturnIntoExistingVariable) {
  int out = 0;
  EXPECT_TRUE(AssignExisting(4, &out).ok());
  EXPECT_EQ(out, 40);
  out = 0;
  Status s = AssignExisting(-4, &out);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(out, 0);
}

TEST(MacroTest, AssignOrReturnMovesMoveOnlyValues) {
  auto ok = DerefPtr(false);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 9);
  auto bad = DerefPtr(true);
  EXPECT_EQ(bad.status().code(), ErrorCode::kInternal);
}

}  // namespace
}  // namespace vtp
