// MeasureLoudness against signals whose BS.1770 loudness is known in closed
// form.
//
// A sine of peak amplitude A has mean square A^2/2 (-3.01 dB re A^2). The
// K-weighting filter gains about +0.69 dB at 997 Hz, which is exactly what
// the -0.691 constant in BS.1770's loudness formula cancels, so one channel
// reads 20*log10(A) - 3.01 LUFS and the same sine in both stereo channels
// (channel weights 1.0 each, powers add: +3.01 dB) reads 20*log10(A) LUFS.
// (BS.1770's own check: a 0 dBFS 997 Hz sine in one channel reads -3.01 LKFS.)
// The tolerance is 0.1 LU: the K filter's gain at 997 Hz is 0.691 dB only
// to about 0.01 dB, and ebur128 reports three decimals.
#include "media/loudness.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "media/logging.h"
#include "testutil/fixtures.h"

namespace vtp::media {
namespace {

using testutil::Fixture;

constexpr double kTol = 0.1;

// A 997 Hz sine of peak amplitude `a` in each of `channels` channels,
// `seconds` long, as a float WAV.
std::string Sine(const std::string& name, double a, int channels, double seconds) {
  char amp[32];
  std::snprintf(amp, sizeof(amp), "%.9f", a);
  std::string e = std::string(amp) + "*sin(2*PI*997*t)";
  std::string exprs = e;
  for (int i = 1; i < channels; ++i) exprs += "|" + e;
  return Fixture(name, "-f lavfi -i \"aevalsrc=exprs='" + exprs + "':s=48000:d=" + std::to_string(seconds) +
                           "\" -c:a pcm_f32le");
}

class LoudnessTest : public ::testing::Test {
 protected:
  void SetUp() override { ConfigureLibavLogging(); }
};

TEST_F(LoudnessTest, StereoSineReadsItsPeakLevel) {
  std::string path = Sine("loud_sine_m20.wav", 0.1, 2, 5);
  ASSERT_FALSE(path.empty());
  StatusOr<LoudnessStats> s = MeasureLoudness(path, 0);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_NEAR(s->integrated_lufs, 20 * std::log10(0.1), kTol);  // -20.0 LUFS
  EXPECT_NEAR(s->true_peak_dbtp, -20.0, 0.05);
  EXPECT_NEAR(s->lra_lu, 0.0, 0.1);
  EXPECT_FALSE(s->silent);
  EXPECT_EQ(s->channels, 2);
}

TEST_F(LoudnessTest, MonoSineIsThreeDecibelsBelowStereo) {
  std::string path = Sine("loud_sine_mono_m6.wav", 0.5, 1, 5);
  ASSERT_FALSE(path.empty());
  StatusOr<LoudnessStats> s = MeasureLoudness(path, 0);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_NEAR(s->integrated_lufs, 20 * std::log10(0.5) - 3.01, kTol);  // -9.03 LUFS
  EXPECT_NEAR(s->true_peak_dbtp, 20 * std::log10(0.5), 0.05);
  EXPECT_EQ(s->channels, 1);
}

// ebur128 prints linear peaks with three decimals; a -60 dBFS peak (0.001)
// must still come out to a tenth of a dB.
TEST_F(LoudnessTest, QuietPeakIsPrecise) {
  std::string path = Sine("loud_sine_m60.wav", 0.001, 2, 3);
  ASSERT_FALSE(path.empty());
  StatusOr<LoudnessStats> s = MeasureLoudness(path, 0);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_NEAR(s->true_peak_dbtp, -60.0, 0.1);
  EXPECT_NEAR(s->integrated_lufs, -60.0, kTol);
  EXPECT_FALSE(s->silent);
}

TEST_F(LoudnessTest, SilenceReadsSilent) {
  std::string path = Fixture("loud_silence.wav", "-f lavfi -i anullsrc=r=48000:cl=stereo -t 4 -c:a pcm_s16le");
  ASSERT_FALSE(path.empty());
  StatusOr<LoudnessStats> s = MeasureLoudness(path, 0);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(s->silent);
  EXPECT_LE(s->integrated_lufs, kLoudnessGateLufs);
  EXPECT_EQ(s->true_peak_dbtp, kSilentPeakDbtp);
}

// A tone under the -70 LUFS absolute gate is "silent" too: nothing to measure.
TEST_F(LoudnessTest, BelowTheGateReadsSilent) {
  std::string path = Sine("loud_sine_m75.wav", std::pow(10.0, -75.0 / 20), 2, 3);
  ASSERT_FALSE(path.empty());
  StatusOr<LoudnessStats> s = MeasureLoudness(path, 0);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(s->silent);
  EXPECT_NEAR(s->true_peak_dbtp, -75.0, 0.2);
}

// 5 s at -20 dBFS then 5 s at -40 dBFS: each window reads its own half.
TEST_F(LoudnessTest, WindowSelectsPartOfTheStream) {
  std::string path = Fixture(
      "loud_two_levels.wav",
      "-f lavfi -i \"aevalsrc=exprs='if(lt(t,5),0.1,0.01)*sin(2*PI*997*t)|if(lt(t,5),0.1,0.01)*sin(2*PI*997*t)'"
      ":s=48000:d=10\" -c:a pcm_f32le");
  ASSERT_FALSE(path.empty());
  StatusOr<LoudnessStats> whole = MeasureLoudness(path, 0);
  StatusOr<LoudnessStats> first = MeasureLoudness(path, 0, 0, 5);
  StatusOr<LoudnessStats> second = MeasureLoudness(path, 0, 5, 0);
  ASSERT_TRUE(whole.ok() && first.ok() && second.ok());
  EXPECT_NEAR(first->integrated_lufs, -20.0, kTol);
  EXPECT_NEAR(second->integrated_lufs, -40.0, kTol);
  EXPECT_NEAR(second->true_peak_dbtp, -40.0, 0.1);
  // Both halves count in the whole (the relative gate is -10 LU, so the
  // quiet half is gated out of the integrated value, but shows in LRA).
  EXPECT_NEAR(whole->integrated_lufs, -20.0, 0.5);
  EXPECT_GT(whole->lra_lu, 15.0);
}

// One decode, several mixes: each equals the single measurement, and a
// stereo source's stereo mix is the source itself.
TEST_F(LoudnessTest, MixesMatchSingleMeasurements) {
  ASSERT_TRUE(testutil::CorpusAvailable()) << "../shared/corpus is missing";
  std::string path = testutil::CorpusPath("jfk_speech_audioonly.flac");
  StatusOr<std::vector<LoudnessStats>> mixes = MeasureLoudnessMixes(path, 0, 0, 0, {0, 1, 2});
  ASSERT_TRUE(mixes.ok()) << mixes.status().ToString();
  ASSERT_EQ(mixes->size(), 3u);
  StatusOr<LoudnessStats> mono = MeasureLoudness(path, 0, 0, 0, 1);
  ASSERT_TRUE(mono.ok());
  EXPECT_DOUBLE_EQ((*mixes)[1].integrated_lufs, mono->integrated_lufs);
  EXPECT_DOUBLE_EQ((*mixes)[0].integrated_lufs, (*mixes)[2].integrated_lufs);
  EXPECT_EQ((*mixes)[1].channels, 1);
  EXPECT_EQ((*mixes)[2].channels, 2);
  // The corpus notes put this speech at about -12.5 LUFS, -2.1 dBTP.
  EXPECT_NEAR((*mixes)[0].integrated_lufs, -12.5, 0.5);
  EXPECT_NEAR((*mixes)[0].true_peak_dbtp, -2.1, 0.3);
}

TEST_F(LoudnessTest, Errors) {
  EXPECT_EQ(MeasureLoudness("/nonexistent/x.wav", 0).status().code(), ErrorCode::kNotFound);
  std::string path = Sine("loud_sine_m20.wav", 0.1, 2, 5);
  EXPECT_EQ(MeasureLoudness(path, 0, 0, 0, 3).status().code(), ErrorCode::kInvalidArgument);
  std::string video = Fixture("loud_video_only.mp4", "-f lavfi -i testsrc2=size=64x64:rate=10 -t 1 -c:v libx264");
  EXPECT_EQ(MeasureLoudness(video, 0).status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vtp::media
