#include "pipeline/output_dir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>

#include "testutil/fixtures.h"

namespace fs = std::filesystem;

namespace vtp::pipeline {
namespace {

void Touch(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

std::string Read(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::set<std::string> Entries(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

class StagingDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testutil::FreshDir();
    input_ = root_ / "in.mp4";
    Touch(input_, "source");
  }
  fs::path root_;
  fs::path input_;
};

TEST_F(StagingDirTest, StagesHiddenBesideOutputAndPublishes) {
  const fs::path out = root_ / "out";
  {
    auto staging = StagingDir::Create(out.string(), input_.string(), false);
    ASSERT_TRUE(staging.ok()) << staging.status().ToString();
    const fs::path s = staging->path();
    EXPECT_TRUE(fs::is_directory(s));
    EXPECT_TRUE(fs::is_empty(s));
    // Beside the output (same parent, so the publishing rename stays on one
    // file system) and hidden.
    EXPECT_EQ(fs::canonical(s.parent_path()), fs::canonical(root_));
    EXPECT_EQ(s.filename().string().front(), '.');
    EXPECT_NE(s.filename().string().find("out"), std::string::npos);
    EXPECT_FALSE(fs::exists(out)) << "output must not appear before Publish";

    Touch(s / "manifest.m3u8", "#EXTM3U\n");
    Touch(s / "h264/720p/init.mp4", "init");
    ASSERT_TRUE(staging->Publish().ok());
    EXPECT_FALSE(fs::exists(s));
  }
  EXPECT_EQ(Read(out / "manifest.m3u8"), "#EXTM3U\n");
  EXPECT_EQ(Read(out / "h264/720p/init.mp4"), "init");
  // Nothing is left beside it but the input and the output.
  EXPECT_EQ(Entries(root_), (std::set<std::string>{"in.mp4", "out"}));
}

TEST_F(StagingDirTest, UnpublishedStagingIsRemoved) {
  const fs::path out = root_ / "out";
  fs::path s;
  {
    auto staging = StagingDir::Create(out.string(), input_.string(), false);
    ASSERT_TRUE(staging.ok()) << staging.status().ToString();
    s = staging->path();
    Touch(s / "partial/segment_000.m4s", "x");
  }
  EXPECT_FALSE(fs::exists(s));
  EXPECT_FALSE(fs::exists(out));
  EXPECT_EQ(Entries(root_), (std::set<std::string>{"in.mp4"}));
}

TEST_F(StagingDirTest, MovedFromDoesNotRemoveStaging) {
  const fs::path out = root_ / "out";
  auto staging = StagingDir::Create(out.string(), input_.string(), false);
  ASSERT_TRUE(staging.ok());
  const fs::path s = staging->path();
  {
    std::optional<StagingDir> owner(std::move(*staging));
    // `staging` still holds a moved-from object; destroying it (at the end of
    // the test) must not matter, and `owner` keeps the directory alive.
    EXPECT_TRUE(fs::is_directory(s));
    EXPECT_EQ(owner->path(), s.string());
  }
  EXPECT_FALSE(fs::exists(s)) << "the new owner cleans up";
}

TEST_F(StagingDirTest, CreatesMissingParents) {
  const fs::path out = root_ / "a/b/out";
  auto staging = StagingDir::Create(out.string(), input_.string(), false);
  ASSERT_TRUE(staging.ok()) << staging.status().ToString();
  ASSERT_TRUE(staging->Publish().ok());
  EXPECT_TRUE(fs::is_directory(out));
}

TEST_F(StagingDirTest, EmptyExistingOutputIsAccepted) {
  const fs::path out = root_ / "out";
  fs::create_directories(out);
  auto staging = StagingDir::Create(out.string(), input_.string(), false);
  ASSERT_TRUE(staging.ok()) << staging.status().ToString();
  Touch(fs::path(staging->path()) / "manifest.mpd", "<MPD/>");
  ASSERT_TRUE(staging->Publish().ok());
  EXPECT_EQ(Read(out / "manifest.mpd"), "<MPD/>");
}

TEST_F(StagingDirTest, NonEmptyOutputRefusedWithoutForce) {
  const fs::path out = root_ / "out";
  Touch(out / "old.txt", "keep me");
  auto staging = StagingDir::Create(out.string(), input_.string(), false);
  ASSERT_FALSE(staging.ok());
  EXPECT_EQ(staging.status().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(Read(out / "old.txt"), "keep me");
  EXPECT_EQ(Entries(out), (std::set<std::string>{"old.txt"}));
  EXPECT_EQ(Entries(root_), (std::set<std::string>{"in.mp4", "out"})) << "no staging left";
}

TEST_F(StagingDirTest, ForceReplacesPreviousOutputOnlyOnPublish) {
  const fs::path out = root_ / "out";
  Touch(out / "old.txt", "old");
  Touch(out / "h264/240p/old.m4s", "old");
  auto staging = StagingDir::Create(out.string(), input_.string(), true);
  ASSERT_TRUE(staging.ok()) << staging.status().ToString();
  // The previous output stays whole while the job runs.
  EXPECT_EQ(Read(out / "old.txt"), "old");
  Touch(fs::path(staging->path()) / "new.txt", "new");
  ASSERT_TRUE(staging->Publish().ok());
  EXPECT_EQ(Entries(out), (std::set<std::string>{"new.txt"}));
  EXPECT_EQ(Read(out / "new.txt"), "new");
  EXPECT_EQ(Entries(root_), (std::set<std::string>{"in.mp4", "out"})) << "old output removed";
}

TEST_F(StagingDirTest, ForcedButFailedRunKeepsPreviousOutput) {
  const fs::path out = root_ / "out";
  Touch(out / "old.txt", "old");
  {
    auto staging = StagingDir::Create(out.string(), input_.string(), true);
    ASSERT_TRUE(staging.ok());
  }
  EXPECT_EQ(Read(out / "old.txt"), "old");
  EXPECT_EQ(Entries(root_), (std::set<std::string>{"in.mp4", "out"}));
}

TEST_F(StagingDirTest, OutputAppearingDuringRunIsNotOverwritten) {
  const fs::path out = root_ / "out";
  auto staging = StagingDir::Create(out.string(), input_.string(), false);
  ASSERT_TRUE(staging.ok());
  Touch(out / "other.txt", "someone else's");
  Status s = staging->Publish();
  EXPECT_EQ(s.code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(Read(out / "other.txt"), "someone else's");
}

TEST_F(StagingDirTest, OutputContainingInputRefusedEvenWithForce) {
  const fs::path out = root_ / "media";
  const fs::path input = out / "upload.mp4";
  Touch(input, "precious");
  for (bool force : {false, true}) {
    auto staging = StagingDir::Create(out.string(), input.string(), force);
    ASSERT_FALSE(staging.ok()) << "force=" << force;
    EXPECT_EQ(staging.status().code(), ErrorCode::kInvalidArgument);
  }
  // Deeper nesting, relative spelling and the input itself as the output.
  auto nested = StagingDir::Create(root_.string(), (out / "upload.mp4").string(), true);
  EXPECT_EQ(nested.status().code(), ErrorCode::kInvalidArgument);
  auto dotted = StagingDir::Create((root_ / "media/../media").string(), input.string(), true);
  EXPECT_EQ(dotted.status().code(), ErrorCode::kInvalidArgument);
  auto itself = StagingDir::Create(input.string(), input.string(), true);
  EXPECT_FALSE(itself.ok());
  EXPECT_EQ(Read(input), "precious");
}

TEST_F(StagingDirTest, OutputReachedThroughSymlinkStillProtectsInput) {
  const fs::path out = root_ / "media";
  const fs::path input = out / "upload.mp4";
  Touch(input, "precious");
  fs::create_directory_symlink(out, root_ / "link");
  auto staging = StagingDir::Create((root_ / "link").string(), input.string(), true);
  ASSERT_FALSE(staging.ok());
  EXPECT_EQ(staging.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Read(input), "precious");
}

TEST_F(StagingDirTest, SiblingWithCommonPrefixIsNotContainment) {
  // "out" does not contain "out2/in.mp4": components, not string prefixes.
  const fs::path input = root_ / "out2/in.mp4";
  Touch(input, "x");
  auto staging = StagingDir::Create((root_ / "out").string(), input.string(), false);
  EXPECT_TRUE(staging.ok()) << staging.status().ToString();
}

TEST_F(StagingDirTest, OutputThatIsAFileIsRefused) {
  const fs::path out = root_ / "out";
  Touch(out, "a file");
  for (bool force : {false, true}) {
    auto staging = StagingDir::Create(out.string(), input_.string(), force);
    EXPECT_FALSE(staging.ok()) << "force=" << force;
  }
  EXPECT_EQ(Read(out), "a file");
  EXPECT_EQ(Entries(root_), (std::set<std::string>{"in.mp4", "out"}));
}

// Disabled: with a trailing slash ("out/", as shell completion writes it)
// out.filename() is empty, so the staging directory is created *inside* the
// output ("out/..vtp-tmp-PID") and Publish fails (kAlreadyExists without
// force, a rename into its own subdirectory with force). See the report.
TEST_F(StagingDirTest, TrailingSlashOutputPublishes) {
  for (bool force : {false, true}) {
    const fs::path out = root_ / (force ? "forced" : "plain");
    {
      auto staging = StagingDir::Create(out.string() + "/", input_.string(), force);
      ASSERT_TRUE(staging.ok()) << staging.status().ToString();
      EXPECT_EQ(fs::canonical(fs::path(staging->path()).parent_path()), fs::canonical(root_));
      Touch(fs::path(staging->path()) / "manifest.mpd", "<MPD/>");
      Status s = staging->Publish();
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
    EXPECT_EQ(Entries(out), (std::set<std::string>{"manifest.mpd"}));
  }
}

// Disabled: fs::absolute("") throws filesystem_error (the non-error_code
// overload is used for the input), so Create throws instead of returning a
// Status. See the report.
TEST_F(StagingDirTest, EmptyInputPathDoesNotThrow) {
  EXPECT_NO_THROW({
    auto staging = StagingDir::Create((root_ / "out").string(), "", false);
    (void)staging;
  });
}

TEST_F(StagingDirTest, EmptyOutputPathIsInvalid) {
  auto staging = StagingDir::Create("", input_.string(), false);
  ASSERT_FALSE(staging.ok());
  EXPECT_EQ(staging.status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vtp::pipeline
