// DecodeMonoPcm: length, level, downmix and the origin/limit timing rule,
// checked against inputs generated with the ffmpeg CLI and the corpus.
#include "media/pcm_decode.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "media/logging.h"
#include "testutil/fixtures.h"

namespace vtp::media {
namespace {

using testutil::CorpusPath;
using testutil::Fixture;

#define REQUIRE_CORPUS() \
  ASSERT_TRUE(testutil::CorpusAvailable()) << "../shared/corpus is missing"

StatusOr<std::vector<int16_t>> Decode(const std::string& path, int stream, int rate,
                                      double origin = 0, double max = 0) {
  ConfigureLibavLogging();
  return DecodeMonoPcm(path, stream, rate, origin, max);
}

std::vector<int16_t> DecodeOk(const std::string& path, int stream, int rate, double origin = 0,
                              double max = 0) {
  auto pcm = Decode(path, stream, rate, origin, max);
  EXPECT_TRUE(pcm.ok()) << pcm.status().ToString();
  return pcm.ok() ? *pcm : std::vector<int16_t>{};
}

double Rms(const std::vector<int16_t>& pcm, size_t from, size_t to) {
  double sum = 0;
  for (size_t i = from; i < to && i < pcm.size(); ++i) sum += static_cast<double>(pcm[i]) * pcm[i];
  return to > from ? std::sqrt(sum / static_cast<double>(to - from)) : 0;
}

// Index of the first sample louder than `level`, or pcm.size().
size_t FirstLoud(const std::vector<int16_t>& pcm, int level) {
  for (size_t i = 0; i < pcm.size(); ++i) {
    if (std::abs(pcm[i]) > level) return i;
  }
  return pcm.size();
}

// 2 s of 440 Hz at 48 kHz stereo (lavfi sine: peak 1/8 of full scale).
std::string StereoTone() {
  return Fixture("pcm_tone_stereo.wav",
                 "-f lavfi -i sine=frequency=440:sample_rate=48000:duration=2 "
                 "-ac 2 -c:a pcm_s16le");
}

// Video from t=0, a 1 s tone whose timestamps start at 0.5 s; audio is
// stream 1.
std::string LateAudio() {
  return Fixture("pcm_late_audio.mkv",
                 "-f lavfi -i testsrc2=size=160x120:rate=25:duration=2 "
                 "-itsoffset 0.5 -f lavfi -i sine=frequency=440:sample_rate=44100:duration=1 "
                 "-map 0:v -map 1:a -c:v libx264 -c:a flac");
}

TEST(DecodeMonoPcmTest, ResamplesAndDownmixesTone) {
  std::vector<int16_t> pcm = DecodeOk(StereoTone(), 0, 16000);
  EXPECT_EQ(pcm.size(), 32000u);
  // The fixture's mono-to-stereo upmix put the tone (RMS 4096/sqrt(2)) in
  // both channels at -3 dB; the downmix averages them, so RMS 2048.
  EXPECT_NEAR(Rms(pcm, 1000, 31000), 2048, 30);
  // 440 Hz: 880 zero crossings a second, whatever the sample rate.
  int crossings = 0;
  for (size_t i = 1; i < pcm.size(); ++i) crossings += (pcm[i - 1] < 0) != (pcm[i] < 0);
  EXPECT_NEAR(crossings, 1760, 4);
}

TEST(DecodeMonoPcmTest, MatchesTheFfmpegCliDownmixOfACorpusFile) {
  REQUIRE_CORPUS();
  // JFK, 44.1 kHz stereo FLAC, 11 s.
  std::string flac = CorpusPath("jfk_speech_audioonly.flac");
  std::string raw = Fixture("pcm_jfk_cli.raw",
                            "-i '" + flac + "' -ar 16000 -ac 1 -c:a pcm_s16le -f s16le");
  std::ifstream in(raw, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<int16_t> cli(bytes.size() / 2);
  for (size_t i = 0; i < cli.size(); ++i) {
    unsigned lo = static_cast<unsigned char>(bytes[2 * i]);
    unsigned hi = static_cast<unsigned char>(bytes[2 * i + 1]);
    cli[i] = static_cast<int16_t>(static_cast<uint16_t>(lo | (hi << 8)));
  }
  std::vector<int16_t> pcm = DecodeOk(flac, 0, 16000);
  ASSERT_EQ(pcm.size(), 176000u);
  ASSERT_EQ(cli.size(), pcm.size());
  double diff = 0;
  for (size_t i = 0; i < pcm.size(); ++i) diff += std::abs(pcm[i] - cli[i]);
  EXPECT_LT(diff / static_cast<double>(pcm.size()), 2.0);
  EXPECT_GT(Rms(pcm, 0, pcm.size()), 300);
}

TEST(DecodeMonoPcmTest, AudioStartingAfterTheOriginIsPrecededBySilence) {
  std::vector<int16_t> pcm = DecodeOk(LateAudio(), 1, 16000);
  // 0.5 s of silence, then the 1 s tone.
  EXPECT_NEAR(static_cast<double>(FirstLoud(pcm, 500)), 8000, 16);
  EXPECT_NEAR(static_cast<double>(pcm.size()), 24000, 32);
  EXPECT_EQ(Rms(pcm, 0, 7900), 0);
}

TEST(DecodeMonoPcmTest, OriginMovesSampleZero) {
  // Origin 0.2 s: 0.3 s of silence remains before the tone.
  std::vector<int16_t> later = DecodeOk(LateAudio(), 1, 16000, 0.2);
  EXPECT_NEAR(static_cast<double>(FirstLoud(later, 500)), 4800, 16);
  EXPECT_NEAR(static_cast<double>(later.size()), 20800, 32);
  // Origin 1.0 s: the first half second of the tone is before sample 0.
  std::vector<int16_t> inside = DecodeOk(LateAudio(), 1, 16000, 1.0);
  EXPECT_LT(FirstLoud(inside, 500), 16u);
  EXPECT_NEAR(static_cast<double>(inside.size()), 8000, 32);
  // Origin past the end: nothing.
  std::vector<int16_t> past = DecodeOk(LateAudio(), 1, 16000, 5.0);
  EXPECT_TRUE(past.empty()) << past.size();
}

TEST(DecodeMonoPcmTest, MaxSecondsLimitsTheOutputExactly) {
  std::vector<int16_t> pcm = DecodeOk(StereoTone(), 0, 16000, 0, 0.3);
  EXPECT_EQ(pcm.size(), 4800u);
  std::vector<int16_t> late = DecodeOk(LateAudio(), 1, 8000, 0, 0.75);
  EXPECT_EQ(late.size(), 6000u);
  EXPECT_NEAR(static_cast<double>(FirstLoud(late, 500)), 4000, 8);
}

TEST(DecodeMonoPcmTest, MultichannelCorpusFile) {
  REQUIRE_CORPUS();
  // AAC 5.1, 48 kHz, 5.312 s.
  std::vector<int16_t> pcm = DecodeOk(CorpusPath("bbb_720p_h264main_aac51.mp4"), 1, 16000);
  EXPECT_NEAR(static_cast<double>(pcm.size()), 5.312 * 16000, 16000 * 0.05);
  EXPECT_GT(Rms(pcm, 0, pcm.size()), 10);
}

TEST(DecodeMonoPcmTest, Errors) {
  EXPECT_EQ(Decode("/nonexistent/audio.wav", 0, 16000).status().code(), ErrorCode::kNotFound);
  std::string late = LateAudio();
  auto video = Decode(late, 0, 16000);
  EXPECT_EQ(video.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(video.status().message().find("not audio"), std::string::npos);
  EXPECT_EQ(Decode(late, 7, 16000).status().code(), ErrorCode::kInternal);
  EXPECT_EQ(Decode(late, 1, 0).status().code(), ErrorCode::kInvalidArgument);
  // Per process: ctest runs tests in parallel processes.
  std::string text = testutil::WriteFile(
      "pcm_not_media." + std::to_string(::getpid()) + ".txt", "hello, not media\n");
  EXPECT_EQ(Decode(text, 0, 16000).status().code(), ErrorCode::kNotMedia);
  std::filesystem::remove(text);
}

}  // namespace
}  // namespace vtp::media
