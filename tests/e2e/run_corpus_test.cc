// Every file of ../shared/corpus through `vtp run`: it either produces output
// that decodes to the source's frames and duration, or fails with the error
// class documented for it in docs/errors.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>

#include "e2e/e2e_util.h"

namespace vtp::e2e {
namespace {

namespace fs = std::filesystem;

// docs/errors.md, "Corpus files vtp rejects".
const std::map<std::string, std::pair<int, std::string>> kExpectedFailures = {
    {"vp9_invalid_bitstream.webm", {11, "corrupt_input"}},
};

std::vector<std::string> CorpusFiles() {
  std::vector<std::string> files;
  if (!testutil::CorpusAvailable()) return {"<corpus missing>"};
  for (const auto& e : fs::directory_iterator(testutil::CorpusPath(""))) {
    std::string name = e.path().filename().string();
    if (e.is_regular_file() && name != "MANIFEST.md") files.push_back(name);
  }
  std::sort(files.begin(), files.end());
  return files;
}

testutil::StreamDecode SourceStream(const std::string& path, bool video) {
  std::string err;
  testutil::StreamDecode best;
  for (const auto& [i, s] : testutil::DecodeAll(path, -1, &err)) {
    if (s.video == video && s.frames > best.frames) best = s;
  }
  return best;
}

class RunCorpusTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RunCorpusTest, ProducesDecodableLadderOrDocumentedError) {
  ASSERT_TRUE(testutil::CorpusAvailable()) << "../shared/corpus is missing";
  const std::string name = GetParam();
  const std::string src = testutil::CorpusPath(name);
  std::string out = testutil::FreshDir() + "/out";
  auto r = RunVtp(src, out, "--preset ultrafast --workers 2");
  auto fail = kExpectedFailures.find(name);
  if (fail != kExpectedFailures.end()) {
    EXPECT_EQ(r.exit_status, fail->second.first) << r.output;
    EXPECT_NE(r.output.find(fail->second.second), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(out));
    return;
  }
  ASSERT_EQ(r.exit_status, 0) << r.output;
  std::string err;
  auto headers = testutil::StreamHeaders(out + "/manifest.m3u8", &err);
  ASSERT_FALSE(headers.empty()) << err;
  // The top rung and the first stereo AAC rendition, each decoded on its own.
  int top = -1, audio = -1, best_w = 0, surround = 0;
  for (size_t i = 0; i < headers.size(); ++i) {
    if (headers[i].video && headers[i].width * headers[i].height > best_w) {
      best_w = headers[i].width * headers[i].height;
      top = static_cast<int>(i);
    }
    if (!headers[i].video && audio < 0 && headers[i].codec == "aac" && headers[i].channels == 2) {
      audio = static_cast<int>(i);
    }
    surround += !headers[i].video && headers[i].channels == 6;
  }
  auto src_video = SourceStream(src, true);
  // A 5.1 source keeps a 5.1 rendition beside the stereo ones.
  EXPECT_EQ(surround > 0, SourceStream(src, false).channels >= 6) << name;
  if (top >= 0) {
    auto d = testutil::DecodeAll(out + "/manifest.m3u8", top, &err);
    ASSERT_EQ(d.size(), 1u) << err;
    const auto& v = d.begin()->second;
    EXPECT_EQ(v.corrupt_frames, 0);
    // Every source frame that has a timestamp of its own (docs/errors.md:
    // frames without one, or sharing one, are dropped as ffmpeg does).
    EXPECT_EQ(v.frames, src_video.timed_frames);
    EXPECT_NEAR(v.duration(), src_video.duration(), 0.5);
    EXPECT_EQ(v.width % 2, 0);
    EXPECT_EQ(v.height % 2, 0);
  } else {
    EXPECT_EQ(src_video.frames, 0) << "source has video but output has none";
  }
  if (audio >= 0) {
    auto d = testutil::DecodeAll(out + "/manifest.m3u8", audio, &err);
    ASSERT_EQ(d.size(), 1u) << err;
    const auto& a = d.begin()->second;
    EXPECT_EQ(a.channels, 2);
    double expected = top >= 0 ? src_video.duration() : SourceStream(src, false).duration();
    // Audio is trimmed to the video and may end up to one AAC frame short.
    EXPECT_NEAR(a.duration(), expected, 0.5);
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, RunCorpusTest, ::testing::ValuesIn(CorpusFiles()),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           std::string n = p.param;
                           for (char& c : n) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace vtp::e2e
