// TranscodeAudioTrack: normalisation checked on the ENCODED outputs (their
// packet files decoded and measured with MeasureLoudness), channel handling,
// determinism, timing, and the corpus's odd audio sources.
#include "media/audio.h"

#include <gtest/gtest.h>

#include <cmath>
#include <ctime>
#include <string>
#include <vector>

#include "media/demuxer.h"
#include "media/logging.h"
#include "media/packet_file.h"
#include "media/transcode.h"
#include "testutil/fixtures.h"
#include "testutil/media_check.h"

namespace vtp::media {
namespace {

using testutil::CorpusPath;
using testutil::Fixture;
using testutil::FreshDir;

#define REQUIRE_CORPUS() ASSERT_TRUE(testutil::CorpusAvailable()) << "../shared/corpus is missing"

// About -8 LUFS, true peak just under 0 dBTP: pink noise plus a tone,
// mastered hot through a limiter. Stereo 48 kHz float.
std::string LoudFixture() {
  return Fixture("audio_loud.wav",
                 "-f lavfi -i anoisesrc=color=pink:amplitude=0.5:seed=7:sample_rate=48000:duration=10 "
                 "-f lavfi -i sine=frequency=330:sample_rate=48000:duration=10 "
                 "-filter_complex \"[0][1]amix=inputs=2:weights=1 1,pan=stereo|c0=c0|c1=0.8*c0,"
                 "volume=7,alimiter=limit=0.9:level=0\" -c:a pcm_f32le");
}

// About -30 LUFS with peaks 14 dB above the loudness (raising it to -16
// LUFS needs the limiter): amplitude-modulated pink noise, 44.1 kHz stereo.
std::string QuietFixture() {
  return Fixture("audio_quiet.wav",
                 "-f lavfi -i anoisesrc=color=pink:amplitude=1:seed=3:sample_rate=44100:duration=10 "
                 "-af \"aeval=exprs='val(0)*0.2*(0.2+0.8*abs(sin(2*PI*1.3*t))*abs(sin(2*PI*0.31*t)))"
                 "|val(0)*0.16*(0.2+0.8*abs(sin(2*PI*1.1*t+1)))',highpass=f=80\" -c:a pcm_f32le");
}

std::vector<AudioOutput> SixStereoOutputs(const std::string& dir) {
  return {{"aac", 64000, 2, dir + "/aac64.pkt"},    {"aac", 128000, 2, dir + "/aac128.pkt"},
          {"aac", 192000, 2, dir + "/aac192.pkt"},  {"opus", 64000, 2, dir + "/opus64.pkt"},
          {"opus", 96000, 2, dir + "/opus96.pkt"},  {"opus", 128000, 2, dir + "/opus128.pkt"}};
}

AudioTrackJob Job(const std::string& input, int stream, std::vector<AudioOutput> outputs) {
  AudioTrackJob job;
  job.input_path = input;
  job.stream_index = stream;
  job.outputs = std::move(outputs);
  return job;
}

AudioTrackResult RunOk(const AudioTrackJob& job) {
  StatusOr<AudioTrackResult> r = TranscodeAudioTrack(job);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return {};
  EXPECT_EQ(r->outputs.size(), job.outputs.size());
  return *r;
}

LoudnessStats Measure(const std::string& packet_file) {
  StatusOr<LoudnessStats> s = MeasureLoudness(packet_file, 0);
  EXPECT_TRUE(s.ok()) << packet_file << ": " << s.status().ToString();
  return s.ok() ? *s : LoudnessStats{};
}

int PacketFileChannels(const std::string& path) {
  StatusOr<PacketReader> r = PacketReader::Open(path);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r->codecpar()->ch_layout.nb_channels : -1;
}

// The first channel of a packet file, decoded, from its first sample (the
// encoder's priming included).
std::vector<float> DecodeFirstChannel(const std::string& path) {
  std::vector<float> out;
  StatusOr<PacketReader> reader = PacketReader::Open(path);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return out;
  StatusOr<Decoder> dec = Decoder::Open(reader->codecpar(), reader->time_base(), 1);
  EXPECT_TRUE(dec.ok()) << dec.status().ToString();
  if (!dec.ok()) return out;
  PacketPtr pkt = MakePacket();
  FramePtr frame = MakeFrame();
  auto on_frame = [&](AVFrame* f) -> Status {
    bool planar = f->format == AV_SAMPLE_FMT_FLTP;
    if (!planar && f->format != AV_SAMPLE_FMT_FLT) return Internal("unexpected sample format");
    const float* data = reinterpret_cast<const float*>(f->extended_data[0]);
    int stride = planar ? 1 : f->ch_layout.nb_channels;
    for (int i = 0; i < f->nb_samples; ++i) out.push_back(data[i * stride]);
    return Status::Ok();
  };
  for (;;) {
    StatusOr<bool> more = reader->Next(pkt.get());
    EXPECT_TRUE(more.ok());
    if (!more.ok()) return out;
    Status st = dec->Feed(*more ? pkt.get() : nullptr, frame.get(), on_frame);
    EXPECT_TRUE(st.ok()) << st.ToString();
    if (!*more || !st.ok()) return out;
    av_packet_unref(pkt.get());
  }
}

std::string Describe(const AudioOutput& o) { return o.codec + "@" + std::to_string(o.bitrate / 1000) + "k"; }

// Every output within +-1 LU of the target and at or under its true peak,
// measured here on the encoded packet file (not trusting the result).
void ExpectOnTarget(const AudioTrackJob& job, const AudioTrackResult& r) {
  for (size_t i = 0; i < job.outputs.size() && i < r.outputs.size(); ++i) {
    LoudnessStats got = Measure(job.outputs[i].output);
    std::string what = Describe(job.outputs[i]);
    EXPECT_NEAR(got.integrated_lufs, job.target.integrated_lufs, 1.0) << what;
    EXPECT_LE(got.true_peak_dbtp, job.target.true_peak_dbtp) << what;
    if (r.outputs[i].loudness) {
      EXPECT_DOUBLE_EQ(r.outputs[i].loudness->integrated_lufs, got.integrated_lufs) << what;
    }
    std::printf("    %-10s %7.2f LUFS %6.2f dBTP  LRA %4.1f  gain %+6.2f dB  encodes %d\n", what.c_str(),
                got.integrated_lufs, got.true_peak_dbtp, got.lra_lu, r.outputs[i].gain_db, r.outputs[i].encodes);
  }
}

class AudioTrackTest : public ::testing::Test {
 protected:
  void SetUp() override { ConfigureLibavLogging(); }
};

// ---------------------------------------------------------------------------
// Normalisation

struct NormCase {
  const char* name;
  bool loud;
  double target;
  double input_lufs;  // what the fixture is built to read
};

class AudioNormalizeTest : public ::testing::TestWithParam<NormCase> {
 protected:
  void SetUp() override { ConfigureLibavLogging(); }
};

TEST_P(AudioNormalizeTest, EveryEncodedOutputMeetsTheTarget) {
  const NormCase& c = GetParam();
  std::string input = c.loud ? LoudFixture() : QuietFixture();
  ASSERT_FALSE(input.empty());
  AudioTrackJob job = Job(input, 0, SixStereoOutputs(FreshDir()));
  job.target = c.target == -23 ? kBroadcastLoudness : kStreamingLoudness;
  AudioTrackResult r = RunOk(job);
  ASSERT_EQ(r.outputs.size(), 6u);
  std::printf("  %s: input %.2f LUFS %.2f dBTP, gain %+.2f dB\n", c.name, r.input.integrated_lufs,
              r.input.true_peak_dbtp, r.gain_db);
  EXPECT_NEAR(r.input.integrated_lufs, c.input_lufs, 1.0);
  EXPECT_FALSE(r.input.silent);
  EXPECT_EQ(r.input.channels, 2);
  // The measured difference, plus at most 0.3 dB for what the limiter takes.
  EXPECT_GE(r.gain_db, c.target - r.input.integrated_lufs - 1e-9);
  EXPECT_LE(r.gain_db, c.target - r.input.integrated_lufs + 0.3 + 1e-9);
  ExpectOnTarget(job, r);
  for (const AudioOutputResult& o : r.outputs) {
    EXPECT_EQ(o.samples, o.sample_rate * 10);  // 10 s, exactly
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, AudioNormalizeTest,
                         ::testing::Values(NormCase{"LoudToStreaming", true, -16, -8},
                                           NormCase{"QuietToStreaming", false, -16, -30},
                                           NormCase{"LoudToBroadcast", true, -23, -8},
                                           NormCase{"QuietToBroadcast", false, -23, -30}),
                         [](const ::testing::TestParamInfo<NormCase>& p) { return std::string(p.param.name); });

// The check above can fail: without normalisation the loud fixture is far
// off target, and the meter on the encoded output says so.
TEST_F(AudioTrackTest, WithoutNormalisationOutputKeepsItsLevel) {
  std::string input = LoudFixture();
  ASSERT_FALSE(input.empty());
  std::string dir = FreshDir();
  AudioTrackJob job = Job(input, 0, {{"aac", 128000, 2, dir + "/aac.pkt"}});
  job.normalize = false;
  AudioTrackResult r = RunOk(job);
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_EQ(r.gain_db, 0);
  EXPECT_FALSE(r.outputs[0].loudness.has_value());
  LoudnessStats got = Measure(job.outputs[0].output);
  EXPECT_NEAR(got.integrated_lufs, -8, 1.0);
  EXPECT_GT(got.true_peak_dbtp, -1.0);
}

// A caller's pass-1 result is used as given (no second measurement): a
// deliberately wrong one shifts the output by exactly the error.
TEST_F(AudioTrackTest, SuppliedMeasurementIsUsed) {
  std::string input = LoudFixture();
  ASSERT_FALSE(input.empty());
  StatusOr<LoudnessStats> m = MeasureLoudness(input, 0, 0, 0, 2);
  ASSERT_TRUE(m.ok());
  LoudnessStats wrong = *m;
  wrong.integrated_lufs -= 3;  // claims the input is 3 LU quieter than it is
  std::string dir = FreshDir();
  AudioTrackJob job = Job(input, 0, {{"aac", 192000, 2, dir + "/aac.pkt"}});
  job.measured = wrong;
  AudioTrackResult r = RunOk(job);
  EXPECT_NEAR(r.gain_db, -16 - wrong.integrated_lufs, 1e-9);
  EXPECT_EQ(r.input.integrated_lufs, wrong.integrated_lufs);
  // Peaks stay far under the target, so nothing was verified.
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_FALSE(r.outputs[0].loudness.has_value());
  EXPECT_NEAR(Measure(job.outputs[0].output).integrated_lufs, -13, 0.5);
  // A measurement for another mix is not used: this one is measured here.
  wrong.channels = 1;
  job.measured = wrong;
  r = RunOk(job);
  EXPECT_NEAR(r.input.integrated_lufs, m->integrated_lufs, 1e-9);
  EXPECT_NEAR(Measure(job.outputs[0].output).integrated_lufs, -16, 0.5);
}

// An output verified (its peaks are near the target) and found too quiet is
// re-encoded with the gain corrected by what was measured.
TEST_F(AudioTrackTest, LoudnessMissIsReencoded) {
  std::string input = QuietFixture();
  ASSERT_FALSE(input.empty());
  StatusOr<LoudnessStats> m = MeasureLoudness(input, 0, 0, 0, 2);
  ASSERT_TRUE(m.ok());
  LoudnessStats wrong = *m;
  wrong.integrated_lufs += 2;  // claims 2 LU louder: the first encode is 2 LU short
  std::string dir = FreshDir();
  AudioTrackJob job = Job(input, 0, {{"aac", 128000, 2, dir + "/aac.pkt"}, {"opus", 96000, 2, dir + "/opus.pkt"}});
  job.measured = wrong;
  AudioTrackResult r = RunOk(job);
  ASSERT_EQ(r.outputs.size(), 2u);
  for (const AudioOutputResult& o : r.outputs) {
    EXPECT_GE(o.encodes, 2);
    EXPECT_GT(o.gain_db, -16 - wrong.integrated_lufs + 1);
  }
  ExpectOnTarget(job, r);
}

// Peaks over the target are caught on the encoded output. A pass-1 result
// that understates the true peak by 4.3 dB keeps the limiter off (the gain
// to -14 LUFS puts the real peaks at -0.1 dBTP before encoding);
// verification finds the encoded peaks over -1 dBTP and the re-encode limits
// them.
TEST_F(AudioTrackTest, PeaksOverTheTargetAreReencoded) {
  std::string input = QuietFixture();
  ASSERT_FALSE(input.empty());
  StatusOr<LoudnessStats> m = MeasureLoudness(input, 0, 0, 0, 2);
  ASSERT_TRUE(m.ok());
  LoudnessStats wrong = *m;
  wrong.true_peak_dbtp -= 4.3;
  std::string dir = FreshDir();
  AudioTrackJob job = Job(input, 0, {{"aac", 64000, 2, dir + "/aac.pkt"}, {"opus", 64000, 2, dir + "/opus.pkt"}});
  job.target = {-14, -1, 11, 30};
  job.measured = wrong;
  job.verify = false;
  RunOk(job);
  for (const AudioOutput& o : job.outputs) {
    ASSERT_GT(Measure(o.output).true_peak_dbtp, -1.0) << Describe(o) << ": the test needs the peaks over the target";
  }
  job.verify = true;
  AudioTrackResult r = RunOk(job);
  ASSERT_EQ(r.outputs.size(), 2u);
  for (const AudioOutputResult& o : r.outputs) EXPECT_GE(o.encodes, 2);
  ExpectOnTarget(job, r);
  // No side file of a re-encode is left behind.
  for (const AudioOutput& o : job.outputs) EXPECT_TRUE(testutil::ReadFile(o.output + ".vtp-reencode").empty());
}

TEST_F(AudioTrackTest, SilenceIsNotAmplified) {
  std::string input = Fixture("audio_silence.wav", "-f lavfi -i anullsrc=r=48000:cl=stereo -t 5 -c:a pcm_s16le");
  ASSERT_FALSE(input.empty());
  std::string dir = FreshDir();
  AudioTrackJob job = Job(input, 0, {{"aac", 128000, 2, dir + "/aac.pkt"}, {"opus", 96000, 2, dir + "/opus.pkt"}});
  AudioTrackResult r = RunOk(job);
  ASSERT_EQ(r.outputs.size(), 2u);
  EXPECT_TRUE(r.input.silent);
  EXPECT_EQ(r.gain_db, 0);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(r.outputs[i].gain_db, 0);
    LoudnessStats got = Measure(job.outputs[i].output);
    EXPECT_TRUE(got.silent) << Describe(job.outputs[i]);
    EXPECT_LT(got.true_peak_dbtp, -90) << Describe(job.outputs[i]);
  }
  EXPECT_EQ(r.outputs[0].samples, 5 * 48000);
}

// A hum at -60 LUFS is a noise floor, not a programme: it is raised by at
// most max_gain_db, never to the target.
TEST_F(AudioTrackTest, QuietFloorIsRaisedAtMostMaxGain) {
  std::string input = Fixture("audio_hum_m60.wav",
                              "-f lavfi -i \"aevalsrc=exprs='0.001*sin(2*PI*100*t)|0.001*sin(2*PI*100*t)':s=48000:d=5\" "
                              "-c:a pcm_f32le");
  ASSERT_FALSE(input.empty());
  std::string dir = FreshDir();
  AudioTrackJob job = Job(input, 0, {{"aac", 128000, 2, dir + "/aac.pkt"}});
  job.target.max_gain_db = 15;
  AudioTrackResult r = RunOk(job);
  EXPECT_FALSE(r.input.silent);
  EXPECT_EQ(r.gain_db, 15);
  EXPECT_NEAR(Measure(job.outputs[0].output).integrated_lufs, r.input.integrated_lufs + 15, 1.0);
}

// ---------------------------------------------------------------------------
// Channels

TEST_F(AudioTrackTest, FivePointOneToStereoAndSixChannels) {
  REQUIRE_CORPUS();
  std::string dir = FreshDir();
  AudioTrackJob job = Job(CorpusPath("bbb_720p_h264main_aac51.mp4"), 1,
                          {{"aac", 128000, 2, dir + "/stereo.pkt"},
                           {"opus", 96000, 2, dir + "/stereo_opus.pkt"},
                           {"aac", 384000, 6, dir + "/surround.pkt"},
                           {"opus", 256000, 6, dir + "/surround_opus.pkt"}});
  AudioTrackResult r = RunOk(job);
  ASSERT_EQ(r.outputs.size(), 4u);
  EXPECT_EQ(r.input.channels, 2);  // the first output's mix: the stereo downmix
  const int expect_channels[] = {2, 2, 6, 6};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(PacketFileChannels(job.outputs[i].output), expect_channels[i]) << i;
    EXPECT_EQ(Measure(job.outputs[i].output).channels, expect_channels[i]) << i;  // decoded
  }
  // Each mix is normalised on its own measurement.
  EXPECT_NE(r.outputs[0].gain_db, r.outputs[2].gain_db);
  ExpectOnTarget(job, r);
}

TEST_F(AudioTrackTest, MonoSourceToStereoAndMono) {
  REQUIRE_CORPUS();
  std::string dir = FreshDir();
  AudioTrackJob job = Job(CorpusPath("kinetics_pancake_h264_opus.mkv"), 1,
                          {{"aac", 128000, 2, dir + "/stereo.pkt"}, {"opus", 64000, 1, dir + "/mono.pkt"}});
  AudioTrackResult r = RunOk(job);
  ASSERT_EQ(r.outputs.size(), 2u);
  EXPECT_EQ(PacketFileChannels(job.outputs[0].output), 2);
  EXPECT_EQ(PacketFileChannels(job.outputs[1].output), 1);
  EXPECT_EQ(Measure(job.outputs[0].output).channels, 2);
  ExpectOnTarget(job, r);
}

TEST_F(AudioTrackTest, SixChannelsFromStereoIsRefused) {
  std::string input = LoudFixture();
  ASSERT_FALSE(input.empty());
  std::string dir = FreshDir();
  AudioTrackJob job = Job(input, 0, {{"aac", 384000, 6, dir + "/surround.pkt"}});
  EXPECT_EQ(TranscodeAudioTrack(job).status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(AudioTrackTest, BadJobsAreRefused) {
  std::string input = LoudFixture();
  ASSERT_FALSE(input.empty());
  std::string dir = FreshDir();
  EXPECT_EQ(TranscodeAudioTrack(Job(input, 0, {})).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(TranscodeAudioTrack(Job(input, 0, {{"mp3", 128000, 2, dir + "/x.pkt"}})).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(TranscodeAudioTrack(Job(input, 0, {{"aac", 128000, 4, dir + "/x.pkt"}})).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(TranscodeAudioTrack(Job("/nonexistent.wav", 0, {{"aac", 128000, 2, dir + "/x.pkt"}})).status().code(),
            ErrorCode::kNotFound);
}

// ---------------------------------------------------------------------------
// Determinism and timing

TEST_F(AudioTrackTest, SameJobGivesIdenticalBytes) {
  std::string input = QuietFixture();
  ASSERT_FALSE(input.empty());
  std::string a = FreshDir("a");
  std::string b = FreshDir("b");
  AudioTrackJob ja = Job(input, 0, SixStereoOutputs(a));
  AudioTrackJob jb = Job(input, 0, SixStereoOutputs(b));
  RunOk(ja);
  RunOk(jb);
  for (size_t i = 0; i < ja.outputs.size(); ++i) {
    std::string x = testutil::ReadFile(ja.outputs[i].output);
    EXPECT_GT(x.size(), 1000u);
    EXPECT_TRUE(x == testutil::ReadFile(jb.outputs[i].output)) << Describe(ja.outputs[i]);
  }
}

// origin/max: the window [1 s, 4 s) becomes [0, 3 s); every packet time is
// at or after 0 (shifted by the priming), in 1/sample_rate of the output.
TEST_F(AudioTrackTest, WindowAndTimestamps) {
  std::string input = QuietFixture();
  ASSERT_FALSE(input.empty());
  std::string dir = FreshDir();
  AudioTrackJob job = Job(input, 0, {{"aac", 128000, 2, dir + "/aac.pkt"}, {"opus", 96000, 2, dir + "/opus.pkt"}});
  job.origin_seconds = 1;
  job.max_seconds = 3;
  job.sample_rate = 44100;
  AudioTrackResult r = RunOk(job);
  ASSERT_EQ(r.outputs.size(), 2u);
  EXPECT_EQ(r.outputs[0].sample_rate, 44100);
  EXPECT_EQ(r.outputs[0].samples, 3 * 44100);
  EXPECT_EQ(r.outputs[0].priming, 1024);
  EXPECT_EQ(r.outputs[1].sample_rate, 48000);  // Opus is always 48 kHz
  EXPECT_EQ(r.outputs[1].samples, 3 * 48000);
  EXPECT_EQ(r.outputs[1].priming, 312);
  for (size_t i = 0; i < 2; ++i) {
    StatusOr<PacketReader> reader = PacketReader::Open(job.outputs[i].output);
    ASSERT_TRUE(reader.ok());
    EXPECT_EQ(reader->time_base().num, 1);
    EXPECT_EQ(reader->time_base().den, r.outputs[i].sample_rate);
    EXPECT_EQ(reader->codecpar()->sample_rate, r.outputs[i].sample_rate);
    PacketPtr pkt = MakePacket();
    int64_t first = -1, last_end = 0;
    for (;;) {
      StatusOr<bool> more = reader->Next(pkt.get());
      ASSERT_TRUE(more.ok());
      if (!*more) break;
      if (first < 0) first = pkt->pts;
      EXPECT_GE(pkt->pts, 0);
      last_end = pkt->pts + pkt->duration;
      av_packet_unref(pkt.get());
    }
    EXPECT_EQ(first, 0);
    // The encoded span covers the priming and every sample.
    EXPECT_GE(last_end, r.outputs[i].priming + r.outputs[i].samples);
  }
  ExpectOnTarget(job, r);
}

// The limiter's lookahead is compensated: a click at 2.000 s of the source
// (20 dB over the limiter's ceiling once the gain is applied) is still at
// 2.000 s of every output, so audio stays in sync with the video.
TEST_F(AudioTrackTest, LimiterKeepsTiming) {
  std::string input = Fixture("audio_click_2s.wav",
                              "-f lavfi -i \"aevalsrc=exprs='0.01*sin(2*PI*300*t)+0.9*between(t\\,2\\,2.0005)"
                              "|0.01*sin(2*PI*300*t)+0.9*between(t\\,2\\,2.0005)':s=48000:d=4\" -c:a pcm_f32le");
  ASSERT_FALSE(input.empty());
  std::string dir = FreshDir();
  AudioTrackJob job = Job(input, 0, {{"aac", 192000, 2, dir + "/aac.pkt"}, {"opus", 128000, 2, dir + "/opus.pkt"}});
  job.verify = false;
  AudioTrackResult r = RunOk(job);
  ASSERT_EQ(r.outputs.size(), 2u);
  EXPECT_GT(r.gain_db, 10);  // the click is limited by well over 10 dB
  for (size_t i = 0; i < 2; ++i) {
    std::vector<float> pcm = DecodeFirstChannel(job.outputs[i].output);
    ASSERT_GT(pcm.size(), 3u * 48000);
    size_t peak = 0;
    for (size_t k = 0; k < pcm.size(); ++k) {
      if (std::abs(pcm[k]) > std::abs(pcm[peak])) peak = k;
    }
    // libavcodec's Opus decoder drops the pre-skip (OpusHead, = priming)
    // itself; the AAC decoder returns the priming samples.
    int64_t skip = job.outputs[i].codec == "opus" ? 0 : r.outputs[i].priming;
    double at = static_cast<double>(static_cast<int64_t>(peak) - skip) / r.outputs[i].sample_rate;
    // The click lasts 0.5 ms; an uncompensated lookahead would add 2 ms.
    EXPECT_NEAR(at, 2.0, 0.001) << Describe(job.outputs[i]);
    std::printf("    %s: click at %.5f s\n", Describe(job.outputs[i]).c_str(), at);
    EXPECT_LT(20 * std::log10(std::abs(pcm[peak])), -1.0) << Describe(job.outputs[i]);
  }
}

// A window after the end of the audio gives empty outputs, not an error.
TEST_F(AudioTrackTest, WindowPastTheEnd) {
  std::string input = QuietFixture();
  ASSERT_FALSE(input.empty());
  std::string dir = FreshDir();
  AudioTrackJob job = Job(input, 0, {{"aac", 128000, 2, dir + "/aac.pkt"}, {"opus", 96000, 2, dir + "/opus.pkt"}});
  job.origin_seconds = 30;
  AudioTrackResult r = RunOk(job);
  ASSERT_EQ(r.outputs.size(), 2u);
  EXPECT_TRUE(r.input.silent);
  for (const AudioOutputResult& o : r.outputs) EXPECT_EQ(o.samples, 0);
}

// One AAC output without normalisation: what the audio step did before
// loudness and alternate renditions (the former TranscodeAudio).
TEST_F(AudioTrackTest, SingleAacOutputWithoutNormalisation) {
  std::string input = LoudFixture();
  ASSERT_FALSE(input.empty());
  std::string dir = FreshDir();
  AudioTrackJob job;
  job.input_path = input;
  job.stream_index = 0;
  job.max_seconds = 2;
  job.normalize = false;
  job.outputs = {{"aac", 128000, 2, dir + "/audio.pkt"}};
  StatusOr<AudioTrackResult> r = TranscodeAudioTrack(job);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->outputs[0].samples, 2 * 48000);
  EXPECT_EQ(r->outputs[0].priming, 1024);
  EXPECT_NEAR(Measure(job.outputs[0].output).integrated_lufs, -8, 1.0);  // untouched level
  EXPECT_EQ(PacketFileChannels(job.outputs[0].output), 2);
}

// ---------------------------------------------------------------------------
// Odd sources from the corpus: decode, normalise and encode without error.

struct OddCase {
  const char* name;
  const char* file;
  int stream;
  double seconds;  // expected output length
  bool measurable;  // long enough (and loud enough) for an integrated loudness
};

class AudioOddSourceTest : public ::testing::TestWithParam<OddCase> {
 protected:
  void SetUp() override { ConfigureLibavLogging(); }
};

TEST_P(AudioOddSourceTest, DecodesAndEncodes) {
  REQUIRE_CORPUS();
  const OddCase& c = GetParam();
  std::string dir = FreshDir();
  AudioTrackJob job = Job(CorpusPath(c.file), c.stream,
                          {{"aac", 128000, 2, dir + "/aac.pkt"}, {"opus", 64000, 2, dir + "/opus.pkt"}});
  job.max_seconds = 20;  // keeps the long E-AC-3 file quick
  AudioTrackResult r = RunOk(job);
  ASSERT_EQ(r.outputs.size(), 2u);
  std::printf("  %s: input %.2f LUFS %.2f dBTP%s, gain %+.2f dB\n", c.name, r.input.integrated_lufs,
              r.input.true_peak_dbtp, r.input.silent ? " (silent)" : "", r.gain_db);
  EXPECT_EQ(r.input.silent, !c.measurable);
  for (size_t i = 0; i < 2; ++i) {
    const AudioOutputResult& o = r.outputs[i];
    EXPECT_NEAR(static_cast<double>(o.samples) / o.sample_rate, c.seconds, 0.03) << Describe(job.outputs[i]);
    LoudnessStats got = Measure(job.outputs[i].output);
    EXPECT_EQ(got.channels, 2);
    EXPECT_LE(got.true_peak_dbtp, -1.0) << Describe(job.outputs[i]);
    if (c.measurable && r.gain_db < kStreamingLoudness.max_gain_db) {
      EXPECT_NEAR(got.integrated_lufs, -16, 1.0) << Describe(job.outputs[i]);
    }
    std::printf("    %-10s %7.2f LUFS %6.2f dBTP  encodes %d\n", Describe(job.outputs[i]).c_str(),
                got.integrated_lufs, got.true_peak_dbtp, o.encodes);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, AudioOddSourceTest,
    ::testing::Values(OddCase{"Aac51", "bbb_720p_h264main_aac51.mp4", 1, 5.31, true},
                      OddCase{"Opus51", "opus_51_audioonly.mka", 0, 2.76, true},
                      OddCase{"Eac351", "eac3_51_channel_id_voices_audioonly.mp4", 0, 20.0, true},
                      OddCase{"Ac351Short", "ac3_51_audioonly_300ms.mp4", 0, 0.29, false},
                      OddCase{"PcmInMov", "h264_1080p50_pcm_s16le.mov", 1, 2.0, true},
                      OddCase{"MonoOpus", "kinetics_pancake_h264_opus.mkv", 1, 10.38, true},
                      OddCase{"MonoAc3At44k", "sample_h264_ac3_srt.mkv", 1, 1.07, true},
                      OddCase{"Flac44k", "jfk_speech_audioonly.flac", 0, 11.0, true}),
    [](const ::testing::TestParamInfo<OddCase>& p) { return std::string(p.param.name); });

// ---------------------------------------------------------------------------
// Not a test: the CPU time of TranscodeAudioTrack for 60 s of stereo with all
// six outputs, for docs/benchmarks.md. ctest does not register "*Bench*"
// names (tests/CMakeLists.txt); run it with bench/audio_bench.sh.
class AudioTrackBench : public AudioTrackTest {};

TEST_F(AudioTrackBench, CpuSixOutputs60s) {
  // Pink noise and a tone (no limiting needed at -16 LUFS), and
  // amplitude-modulated pink noise 30 LUFS down (limiter and verification).
  const std::string inputs[] = {
      Fixture("audio_bench_60s.wav",
              "-f lavfi -i anoisesrc=color=pink:amplitude=0.3:seed=11:sample_rate=48000:duration=60 "
              "-f lavfi -i sine=frequency=440:sample_rate=48000:duration=60 "
              "-filter_complex \"[0][1]amix=inputs=2,pan=stereo|c0=c0|c1=0.7*c0+0.3*c1\" -c:a pcm_s16le"),
      Fixture("audio_bench_peaky_60s.wav",
              "-f lavfi -i anoisesrc=color=pink:amplitude=1:seed=5:sample_rate=48000:duration=60 "
              "-af \"aeval=exprs='val(0)*0.2*(0.2+0.8*abs(sin(2*PI*1.3*t))*abs(sin(2*PI*0.31*t)))"
              "|val(0)*0.16*(0.2+0.8*abs(sin(2*PI*1.1*t+1)))',highpass=f=80\" -c:a pcm_s16le")};
  for (const std::string& input : inputs) {
    ASSERT_FALSE(input.empty());
    std::clock_t t0 = std::clock();
    StatusOr<LoudnessStats> pass1 = MeasureLoudness(input, 0, 0, 0, 2);
    ASSERT_TRUE(pass1.ok());
    double pass1_cpu = static_cast<double>(std::clock() - t0) / CLOCKS_PER_SEC;
    std::printf("  %s: %.2f LUFS %.2f dBTP; pass 1 alone %.2f CPU-s\n", input.c_str(), pass1->integrated_lufs,
                pass1->true_peak_dbtp, pass1_cpu);
    for (bool verify : {false, true}) {
      AudioTrackJob job = Job(input, 0, SixStereoOutputs(FreshDir(verify ? "v" : "n")));
      job.verify = verify;
      t0 = std::clock();
      AudioTrackResult r = RunOk(job);
      double cpu = static_cast<double>(std::clock() - t0) / CLOCKS_PER_SEC;
      int encodes = 0, verified = 0;
      for (const AudioOutputResult& o : r.outputs) {
        encodes += o.encodes;
        verified += o.loudness.has_value();
      }
      std::printf("    verify=%d: %.2f CPU-s for 60 s stereo -> 6 outputs (%d verified, %d encodes)\n", verify, cpu,
                  verified, encodes);
    }
  }
}

}  // namespace
}  // namespace vtp::media
