#include "media/probe.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "domain/media_info_json.h"
#include "media/logging.h"
#include "testutil/fixtures.h"

namespace vtp::media {
namespace {

using testutil::CorpusPath;
using testutil::Fixture;
using testutil::WriteFile;

// 2 s of 320x240@30 test pattern plus a mono 48 kHz tone. kClipInputs lets
// a fixture add inputs before the output duration option.
constexpr const char* kClipInputs =
    "-f lavfi -i testsrc2=size=320x240:rate=30 -f lavfi -i sine=frequency=440:sample_rate=48000 ";
const std::string kClip = std::string(kClipInputs) + "-t 2 ";

StatusOr<MediaInfo> RunProbe(const std::string& path, const ProbeLimits& limits = {}) {
  ConfigureLibavLogging();
  return Probe(path, limits);
}

// Probes a file that must be usable; fails the test otherwise.
MediaInfo ProbeOk(const std::string& path, const ProbeLimits& limits = {}) {
  StatusOr<MediaInfo> info = RunProbe(path, limits);
  EXPECT_TRUE(info.ok()) << info.status().ToString();
  return info.ok() ? *info : MediaInfo{};
}

ErrorCode ProbeCode(const std::string& path, const ProbeLimits& limits = {}) {
  StatusOr<MediaInfo> info = RunProbe(path, limits);
  return info.ok() ? ErrorCode::kOk : info.status().code();
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Mp4Clip() { return Fixture("probe_clip.mp4", kClip + "-c:v libx264 -g 30 -c:a aac"); }

// The corpus is part of the test environment (../shared beside the
// checkout, in CI too): its absence is a failure, never a skip.
#define REQUIRE_CORPUS() \
  ASSERT_TRUE(testutil::CorpusAvailable()) << "../shared/corpus is missing"

// ---------------------------------------------------------------------------
// The same clip in every container vtp accepts.

struct ContainerCase {
  const char* file;
  const char* args;  // appended to kClip unless own_source
  bool own_source;
  const char* container;
  const char* video_codec;
  const char* audio_codec;
  int width;
  int height;
  double fps;
  int sample_rate;
};

class ContainerTest : public ::testing::TestWithParam<ContainerCase> {};

TEST_P(ContainerTest, DescribesClip) {
  const ContainerCase& c = GetParam();
  std::string args = c.own_source ? c.args : kClip + c.args;
  std::string path = Fixture(c.file, args);
  ASSERT_FALSE(path.empty());
  MediaInfo info = ProbeOk(path);
  EXPECT_EQ(info.container, c.container);
  EXPECT_EQ(info.path, path);
  EXPECT_GT(info.file_size, 0);
  EXPECT_NEAR(info.duration, 2.0, 0.1);
  EXPECT_GT(info.bit_rate, 0);
  ASSERT_EQ(info.streams.size(), 2u);
  ASSERT_NE(info.video_stream(), nullptr);
  ASSERT_NE(info.audio_stream(), nullptr);
  EXPECT_FALSE(info.audio_only());

  const StreamInfo& vs = *info.video_stream();
  EXPECT_EQ(vs.kind, StreamKind::kVideo);
  EXPECT_EQ(vs.codec, c.video_codec);
  EXPECT_TRUE(vs.decodable);
  ASSERT_TRUE(vs.video.has_value());
  const VideoInfo& v = *vs.video;
  EXPECT_EQ(v.width, c.width);
  EXPECT_EQ(v.height, c.height);
  EXPECT_EQ(v.display_width, c.width);
  EXPECT_EQ(v.display_height, c.height);
  EXPECT_EQ(v.rotation, 0);
  EXPECT_EQ(v.pixel_format, "yuv420p");
  EXPECT_EQ(v.bit_depth, 8);
  EXPECT_EQ(v.hdr, HdrType::kSdr);
  EXPECT_NEAR(v.avg_frame_rate.ToDouble(), c.fps, 0.01);
  EXPECT_NEAR(v.real_frame_rate.ToDouble(), c.fps, 0.01);
  EXPECT_FALSE(v.variable_frame_rate);
  EXPECT_EQ(v.field_order, FieldOrder::kProgressive);
  EXPECT_NEAR(static_cast<double>(v.frame_count), 2 * c.fps, 1);
  ASSERT_FALSE(v.gop.keyframe_times.empty());
  EXPECT_NEAR(v.gop.keyframe_times.front(), vs.start_time, 0.05);
  EXPECT_GT(v.gop.max_gop_seconds, 0);

  const StreamInfo& as = *info.audio_stream();
  EXPECT_EQ(as.kind, StreamKind::kAudio);
  EXPECT_EQ(as.codec, c.audio_codec);
  EXPECT_TRUE(as.decodable);
  ASSERT_TRUE(as.audio.has_value());
  EXPECT_EQ(as.audio->sample_rate, c.sample_rate);
  EXPECT_EQ(as.audio->channels, 1);
  EXPECT_EQ(as.audio->channel_layout, "mono");
  EXPECT_FALSE(as.audio->sample_format.empty());
}

const ContainerCase kContainers[] = {
    {"probe_clip.mp4", "-c:v libx264 -g 30 -c:a aac", false, "mov,mp4,m4a,3gp,3g2,mj2", "h264",
     "aac", 320, 240, 30, 48000},
    {"probe_clip.mov", "-c:v libx264 -g 30 -c:a aac", false, "mov,mp4,m4a,3gp,3g2,mj2", "h264",
     "aac", 320, 240, 30, 48000},
    {"probe_clip.mkv", "-c:v libx264 -g 30 -c:a aac", false, "matroska,webm", "h264", "aac", 320,
     240, 30, 48000},
    {"probe_clip.webm", "-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -g 30 -c:a libopus", false,
     "matroska,webm", "vp9", "opus", 320, 240, 30, 48000},
    {"probe_clip.avi", "-c:v mpeg4 -g 30 -c:a libmp3lame", false, "avi", "mpeg4", "mp3", 320, 240,
     30, 48000},
    {"probe_clip.ts", "-c:v libx264 -g 30 -c:a aac", false, "mpegts", "h264", "aac", 320, 240, 30,
     48000},
    {"probe_clip.flv", "-c:v libx264 -g 30 -c:a aac", false, "flv", "h264", "aac", 320, 240, 30,
     48000},
    {"probe_clip.mpg", "-c:v mpeg2video -g 15 -c:a mp2 -f vob", false, "mpeg", "mpeg2video", "mp2",
     320, 240, 30, 48000},
    {"probe_clip.3gp",
     "-f lavfi -i testsrc2=size=176x144:rate=15 -f lavfi -i sine=frequency=440:sample_rate=8000 "
     "-t 2 -c:v h263 -c:a aac -ac 1",
     true, "mov,mp4,m4a,3gp,3g2,mj2", "h263", "aac", 176, 144, 15, 8000},
};

INSTANTIATE_TEST_SUITE_P(Probe, ContainerTest, ::testing::ValuesIn(kContainers),
                         [](const ::testing::TestParamInfo<ContainerCase>& p) {
                           std::string name = p.param.file;
                           return name.substr(name.find('.') + 1);
                         });

// ---------------------------------------------------------------------------
// Generated fixtures with one property each.

TEST(ProbeTest, Hdr10Hevc10Bit) {
  std::string path = Fixture("probe_hdr10_hevc.mp4",
                             "-f lavfi -i testsrc2=size=256x144:rate=25 -t 1 -c:v libx265 "
                             "-preset ultrafast -x265-params log-level=error "
                             "-pix_fmt yuv420p10le -color_primaries bt2020 -color_trc smpte2084 "
                             "-colorspace bt2020nc");
  MediaInfo info = ProbeOk(path);
  ASSERT_NE(info.video_stream(), nullptr);
  EXPECT_EQ(info.primary_audio, -1);
  const StreamInfo& s = *info.video_stream();
  EXPECT_EQ(s.codec, "hevc");
  EXPECT_EQ(s.profile, "Main 10");
  const VideoInfo& v = *s.video;
  EXPECT_EQ(v.pixel_format, "yuv420p10le");
  EXPECT_EQ(v.bit_depth, 10);
  EXPECT_EQ(v.color_primaries, "bt2020");
  EXPECT_EQ(v.color_transfer, "smpte2084");
  EXPECT_EQ(v.color_matrix, "bt2020nc");
  EXPECT_EQ(v.hdr, HdrType::kHdr10);
  EXPECT_EQ(v.dolby_vision_profile, -1);
}

TEST(ProbeTest, ClosedGopKeyframesEverySecond) {
  std::string path = Fixture("probe_closed_gop.mp4",
                             "-f lavfi -i testsrc2=size=320x240:rate=30 -t 4 -c:v libx264 "
                             "-g 30 -keyint_min 30 -sc_threshold 0 -bf 3");
  MediaInfo info = ProbeOk(path);
  ASSERT_NE(info.video_stream(), nullptr);
  const GopInfo& gop = info.video_stream()->video->gop;
  ASSERT_EQ(gop.keyframe_times.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(gop.keyframe_times[i], static_cast<double>(i), 1e-6);
  EXPECT_NEAR(gop.max_gop_seconds, 1.0, 1e-6);
  EXPECT_NEAR(gop.avg_gop_seconds, 1.0, 1e-6);
  EXPECT_TRUE(gop.open_gop_known);
  EXPECT_FALSE(gop.open_gop);
  EXPECT_EQ(info.video_stream()->video->frame_count, 120);
}

TEST(ProbeTest, OpenGopX264) {
  std::string path = Fixture("probe_open_gop.mp4",
                             "-f lavfi -i testsrc2=size=320x240:rate=30 -t 4 -c:v libx264 "
                             "-g 30 -keyint_min 30 -sc_threshold 0 -bf 3 -x264-params open-gop=1");
  MediaInfo info = ProbeOk(path);
  ASSERT_NE(info.video_stream(), nullptr);
  const GopInfo& gop = info.video_stream()->video->gop;
  EXPECT_EQ(gop.keyframe_times.size(), 4u);
  EXPECT_TRUE(gop.open_gop_known);
  EXPECT_TRUE(gop.open_gop);
}

TEST(ProbeTest, InterlacedFieldOrderFromDecodedFrames) {
  std::string tff = Fixture("probe_tff.mp4",
                            "-f lavfi -i testsrc2=size=320x240:rate=30 -t 1 -vf setfield=tff "
                            "-c:v libx264 -flags +ildct+ilme");
  std::string bff = Fixture("probe_bff.mp4",
                            "-f lavfi -i testsrc2=size=320x240:rate=30 -t 1 -vf setfield=bff "
                            "-c:v libx264 -flags +ildct+ilme");
  EXPECT_EQ(ProbeOk(tff).video_stream()->video->field_order, FieldOrder::kTopFirst);
  EXPECT_EQ(ProbeOk(bff).video_stream()->video->field_order, FieldOrder::kBottomFirst);
}

TEST(ProbeTest, StreamMetadata) {
  std::string path =
      Fixture("probe_metadata.mkv", std::string(kClipInputs) +
                                        "-f lavfi -i sine=frequency=880:sample_rate=48000 -t 2 "
                                        "-map 0 -map 1 -map 2 -c:v libx264 -c:a aac "
                                        "-metadata:s:a:0 language=eng -metadata:s:a:1 language=fra "
                                        "-metadata:s:a:1 title=Commentary "
                                        "-disposition:a:0 0 -disposition:a:1 default");
  MediaInfo info = ProbeOk(path);
  ASSERT_EQ(info.streams.size(), 3u);
  EXPECT_EQ(info.streams[1].language, "eng");
  EXPECT_FALSE(info.streams[1].is_default);
  EXPECT_EQ(info.streams[2].language, "fra");
  EXPECT_EQ(info.streams[2].title, "Commentary");
  EXPECT_TRUE(info.streams[2].is_default);
  EXPECT_EQ(info.primary_audio, 2);  // the default one, not the first
}

TEST(ProbeTest, SubtitleStreamsAreListed) {
  std::string srt = WriteFile("probe_subs.srt", "1\n00:00:00,500 --> 00:00:01,500\nHello\n\n");
  std::string path = Fixture("probe_with_subs.mkv", std::string(kClipInputs) + "-i '" + srt +
                                                        "' -t 2 -map 0 -map 1 -map 2 -c:v libx264 "
                                                        "-c:a aac -c:s srt -metadata:s:s:0 "
                                                        "language=ger");
  MediaInfo info = ProbeOk(path);
  ASSERT_EQ(info.streams.size(), 3u);
  EXPECT_EQ(info.streams[2].kind, StreamKind::kSubtitle);
  EXPECT_EQ(info.streams[2].codec, "subrip");
  EXPECT_EQ(info.streams[2].language, "ger");
  EXPECT_EQ(info.primary_video, 0);
  EXPECT_EQ(info.primary_audio, 1);
}

// ---------------------------------------------------------------------------
// Real-world files (../shared/corpus/MANIFEST.md lists their properties).

TEST(ProbeCorpusTest, RotationFromDisplayMatrix) {
  REQUIRE_CORPUS();
  MediaInfo rot90 = ProbeOk(CorpusPath("phone_h264_rot90.mov"));
  ASSERT_NE(rot90.video_stream(), nullptr);
  const VideoInfo& v90 = *rot90.video_stream()->video;
  EXPECT_EQ(v90.rotation, 90);
  EXPECT_EQ(v90.width, 568);
  EXPECT_EQ(v90.display_width, 320);
  EXPECT_EQ(v90.display_height, 568);

  MediaInfo rot180 = ProbeOk(CorpusPath("pixel7_1080p_rot180_videoonly.mp4"));
  ASSERT_NE(rot180.video_stream(), nullptr);
  const VideoInfo& v180 = *rot180.video_stream()->video;
  EXPECT_EQ(v180.rotation, 180);
  EXPECT_EQ(v180.display_width, 1920);
  EXPECT_EQ(v180.display_height, 1080);
  EXPECT_EQ(v180.color_range, "pc");
  EXPECT_EQ(rot180.primary_audio, -1);
}

TEST(ProbeCorpusTest, AnamorphicSampleAspectRatio) {
  REQUIRE_CORPUS();
  MediaInfo info = ProbeOk(CorpusPath("bbb_800x640_sar64x45_h264_bpyramid.mp4"));
  ASSERT_NE(info.video_stream(), nullptr);
  const VideoInfo& v = *info.video_stream()->video;
  EXPECT_EQ(v.sample_aspect_ratio, (Rational{64, 45}));
  EXPECT_EQ(v.display_width, 1138);
  EXPECT_EQ(v.display_height, 640);
  EXPECT_EQ(v.frame_count, 120);
  EXPECT_TRUE(v.gop.open_gop_known);
  EXPECT_FALSE(v.gop.open_gop);
}

TEST(ProbeCorpusTest, Av1Hdr10) {
  REQUIRE_CORPUS();
  MediaInfo info = ProbeOk(CorpusPath("av1_10bit_hdr10_1080p60_aac.mp4"));
  ASSERT_NE(info.video_stream(), nullptr);
  const StreamInfo& s = *info.video_stream();
  EXPECT_EQ(s.codec, "av1");
  EXPECT_EQ(s.video->hdr, HdrType::kHdr10);
  EXPECT_EQ(s.video->bit_depth, 10);
  EXPECT_EQ(s.video->color_primaries, "bt2020");
  EXPECT_NEAR(s.video->avg_frame_rate.ToDouble(), 59.94, 0.01);
  EXPECT_EQ(s.video->real_frame_rate, (Rational{60000, 1001}));
}

TEST(ProbeCorpusTest, HlgWithDolbyVisionCompatibleBaseLayer) {
  REQUIRE_CORPUS();
  MediaInfo info = ProbeOk(CorpusPath("phone_hevc10_hlg_rot90_editlist.mp4"));
  ASSERT_NE(info.video_stream(), nullptr);
  const VideoInfo& v = *info.video_stream()->video;
  EXPECT_EQ(v.hdr, HdrType::kHlg);
  EXPECT_EQ(v.color_transfer, "arib-std-b67");
  EXPECT_EQ(v.dolby_vision_profile, 8);
  EXPECT_EQ(v.rotation, 90);
  EXPECT_EQ(v.bit_depth, 10);
  EXPECT_TRUE(v.gop.open_gop);  // CRA pictures with leading frames
}

TEST(ProbeCorpusTest, IphoneDolbyVisionProfile8ReportsHlgBase) {
  REQUIRE_CORPUS();
  MediaInfo info = ProbeOk(CorpusPath("iphone_hevc10_dolbyvision_rot90.mov"));
  ASSERT_EQ(info.streams.size(), 5u);
  EXPECT_EQ(info.primary_video, 0);
  EXPECT_EQ(info.primary_audio, 1);
  const VideoInfo& v = *info.video_stream()->video;
  EXPECT_EQ(v.dolby_vision_profile, 8);
  EXPECT_EQ(v.hdr, HdrType::kHlg);  // compatibility id 4: HLG base layer
  EXPECT_EQ(v.rotation, 90);
  EXPECT_EQ(v.display_width, 720);
  EXPECT_EQ(v.display_height, 1280);
  EXPECT_EQ(info.streams[2].kind, StreamKind::kData);
  EXPECT_EQ(info.streams[2].codec, "mebx");
}

TEST(ProbeCorpusTest, VariableFrameRate) {
  REQUIRE_CORPUS();
  MediaInfo vfr = ProbeOk(CorpusPath("phone_vfr_rot180_h264_aac.mp4"));
  ASSERT_NE(vfr.video_stream(), nullptr);
  EXPECT_TRUE(vfr.video_stream()->video->variable_frame_rate);
  EXPECT_EQ(vfr.video_stream()->video->rotation, 180);
  EXPECT_EQ(vfr.video_stream()->video->frame_count, 25);

  MediaInfo cfr = ProbeOk(CorpusPath("intel_person_detection_139s_10fps.mp4"));
  ASSERT_NE(cfr.video_stream(), nullptr);
  const VideoInfo& v = *cfr.video_stream()->video;
  EXPECT_FALSE(v.variable_frame_rate);
  EXPECT_EQ(v.gop.keyframe_times.size(), 140u);
  EXPECT_NEAR(v.gop.max_gop_seconds, 1.0, 1e-6);
  EXPECT_FALSE(v.gop.open_gop);
}

TEST(ProbeCorpusTest, HiddenVp9FramesAreNotVariableRate) {
  REQUIRE_CORPUS();
  MediaInfo info = ProbeOk(CorpusPath("roadtrip_vp9_profile2_10bit.webm"));
  ASSERT_NE(info.video_stream(), nullptr);
  EXPECT_FALSE(info.video_stream()->video->variable_frame_rate);
  EXPECT_EQ(info.video_stream()->video->pixel_format, "yuv420p10le");
}

TEST(ProbeCorpusTest, InterlacedTopFieldFirstOpenGop) {
  REQUIRE_CORPUS();
  MediaInfo info = ProbeOk(CorpusPath("h264_interlaced_tff_opengop.mp4"));
  ASSERT_NE(info.video_stream(), nullptr);
  const VideoInfo& v = *info.video_stream()->video;
  EXPECT_EQ(v.field_order, FieldOrder::kTopFirst);
  EXPECT_TRUE(v.gop.open_gop_known);
  EXPECT_TRUE(v.gop.open_gop);
  EXPECT_EQ(v.frame_count, 126);
}

TEST(ProbeCorpusTest, InterlacedBottomFieldFirstTs) {
  REQUIRE_CORPUS();
  MediaInfo info = ProbeOk(CorpusPath("mpeg2_interlaced_bff_opengop_mp3.ts"));
  ASSERT_NE(info.video_stream(), nullptr);
  const VideoInfo& v = *info.video_stream()->video;
  EXPECT_EQ(v.field_order, FieldOrder::kBottomFirst);
  EXPECT_EQ(v.sample_aspect_ratio, (Rational{12, 11}));
  EXPECT_TRUE(v.gop.open_gop);
  ASSERT_NE(info.audio_stream(), nullptr);
  EXPECT_EQ(info.audio_stream()->codec, "mp3");
}

TEST(ProbeCorpusTest, VideoListedAfterDataTrack) {
  REQUIRE_CORPUS();
  MediaInfo info = ProbeOk(CorpusPath("phone_hevc_1080p_rot90_metadata_track.mp4"));
  EXPECT_EQ(info.primary_video, 2);
  EXPECT_EQ(info.primary_audio, 1);
}

TEST(ProbeCorpusTest, AudioOnly) {
  REQUIRE_CORPUS();
  MediaInfo info = ProbeOk(CorpusPath("jfk_speech_audioonly.flac"));
  EXPECT_TRUE(info.audio_only());
  EXPECT_EQ(info.container, "flac");
  EXPECT_NEAR(info.duration, 11.0, 0.01);
  ASSERT_NE(info.audio_stream(), nullptr);
  EXPECT_EQ(info.audio_stream()->codec, "flac");
  EXPECT_EQ(info.audio_stream()->audio->sample_rate, 44100);
  EXPECT_EQ(info.audio_stream()->audio->channels, 2);
  EXPECT_EQ(info.audio_stream()->audio->channel_layout, "stereo");
}

TEST(ProbeCorpusTest, InvalidVp9BitstreamIsCorrupt) {
  REQUIRE_CORPUS();
  StatusOr<MediaInfo> info = RunProbe(CorpusPath("vp9_invalid_bitstream.webm"));
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), ErrorCode::kCorruptInput);
  EXPECT_NE(info.status().message().find("vp9_invalid_bitstream.webm"), std::string::npos);
  EXPECT_NE(info.status().message().find("no frame could be decoded"), std::string::npos);
}

// The AVI header declares 9 frames and an AC-3 track, but the file holds 3
// frames and no audio packet; what is there decodes cleanly, so it probes as
// a video-only input with a warning rather than failing.
TEST(ProbeCorpusTest, AviWithEmptyAudioTrackIsVideoOnlyWithWarning) {
  REQUIRE_CORPUS();
  StatusOr<MediaInfo> info = RunProbe(CorpusPath("screencap_mjpeg_ac3.avi"));
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_GE(info->primary_video, 0);
  EXPECT_EQ(info->primary_audio, -1);
  ASSERT_EQ(info->warnings.size(), 1u);
  EXPECT_NE(info->warnings[0].find("no packets"), std::string::npos);
}

// ---------------------------------------------------------------------------
// Every error class from a crafted input.

TEST(ProbeErrorTest, MissingFileIsNotFound) {
  StatusOr<MediaInfo> info = RunProbe(testutil::TestTmpDir() + "/no/such/file.mp4");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(info.status().message().find("no/such/file.mp4"), std::string::npos);
}

TEST(ProbeErrorTest, DirectoryIsIoError) {
  EXPECT_EQ(ProbeCode(testutil::TestTmpDir()), ErrorCode::kIo);
}

TEST(ProbeErrorTest, EmptyFileIsNotMedia) {
  StatusOr<MediaInfo> info = RunProbe(WriteFile("probe_empty.mp4", ""));
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), ErrorCode::kNotMedia);
  EXPECT_NE(info.status().message().find("empty"), std::string::npos);
}

TEST(ProbeErrorTest, RandomBytesAreNotMedia) {
  for (uint32_t seed : {1u, 2u, 3u, 4u}) {
    std::mt19937 rng(seed);
    std::string bytes(static_cast<size_t>(4096) << seed, '\0');
    for (char& c : bytes) c = static_cast<char>(rng() & 0xff);
    std::string path = WriteFile("probe_random_" + std::to_string(seed) + ".mp3", bytes);
    EXPECT_EQ(ProbeCode(path), ErrorCode::kNotMedia) << "seed " << seed;
  }
}

TEST(ProbeErrorTest, TextFilesAreNotMedia) {
  // libavformat alone would open *.txt as ANSI art (tty demuxer).
  std::string text = "cmake_minimum_required(VERSION 3.25)\nproject(vtp VERSION 0.1.0)\n";
  for (int i = 0; i < 20; ++i) text += "add_library(lib" + std::to_string(i) + " STATIC x.cc)\n";
  EXPECT_EQ(ProbeCode(WriteFile("probe_notes.txt", text)), ErrorCode::kNotMedia);
  EXPECT_EQ(ProbeCode(WriteFile("probe_readme.md", "# Title\n\nSome prose.\n")),
            ErrorCode::kNotMedia);
}

TEST(ProbeErrorTest, TruncatedMp4IsCorrupt) {
  std::string moov_at_end = ReadAll(Mp4Clip());
  ASSERT_GT(moov_at_end.size(), 1000u);
  StatusOr<MediaInfo> cut =
      RunProbe(WriteFile("probe_cut_moov_end.mp4", moov_at_end.substr(0, moov_at_end.size() / 2)));
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().code(), ErrorCode::kCorruptInput) << cut.status().ToString();

  std::string faststart =
      ReadAll(Fixture("probe_faststart.mp4", kClip + "-c:v libx264 -c:a aac -movflags +faststart"));
  ASSERT_GT(faststart.size(), 1000u);
  StatusOr<MediaInfo> cut2 =
      RunProbe(WriteFile("probe_cut_faststart.mp4", faststart.substr(0, faststart.size() / 2)));
  ASSERT_FALSE(cut2.ok());
  EXPECT_EQ(cut2.status().code(), ErrorCode::kCorruptInput) << cut2.status().ToString();
}

TEST(ProbeErrorTest, TruncatedMatroskaIsCorrupt) {
  std::string mkv = ReadAll(Fixture("probe_clip.mkv", kClip + "-c:v libx264 -g 30 -c:a aac"));
  ASSERT_GT(mkv.size(), 1000u);
  StatusOr<MediaInfo> cut = RunProbe(WriteFile("probe_cut.mkv", mkv.substr(0, mkv.size() / 2)));
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().code(), ErrorCode::kCorruptInput);
  EXPECT_NE(cut.status().message().find("truncated"), std::string::npos);
}

TEST(ProbeErrorTest, SubtitleOnlyInputsHaveNoDecodableStream) {
  std::string srt = WriteFile("probe_only.srt",
                              "1\n00:00:01,000 --> 00:00:02,000\nHello\n\n"
                              "2\n00:00:03,000 --> 00:00:04,000\nWorld\n\n");
  StatusOr<MediaInfo> info = RunProbe(srt);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), ErrorCode::kNoDecodableStream);
  EXPECT_NE(info.status().message().find("subrip"), std::string::npos);

  std::string mkv = Fixture("probe_subtitle_only.mkv", "-i '" + srt + "' -c:s srt");
  EXPECT_EQ(ProbeCode(mkv), ErrorCode::kNoDecodableStream);
}

TEST(ProbeErrorTest, UnknownCodecIsUnsupported) {
  std::string mkv = ReadAll(
      Fixture("probe_mpeg4.mkv", "-f lavfi -i testsrc=size=64x48:rate=5 -t 0.4 -c:v mpeg4"));
  // Same length keeps every EBML size valid; Matroska maps unknown codec
  // ids to AV_CODEC_ID_NONE.
  size_t at = mkv.find("V_MPEG4/ISO/ASP");
  ASSERT_NE(at, std::string::npos);
  mkv.replace(at, 15, "V_VTPTEST/NONE!");
  StatusOr<MediaInfo> info = RunProbe(WriteFile("probe_unknown_codec.mkv", mkv));
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), ErrorCode::kUnsupportedCodec);
}

TEST(ProbeErrorTest, HugeDeclaredDimensionsExceedLimits) {
  std::string header = "YUV4MPEG2 W10000 H10000 F25:1 Ip A1:1 C420jpeg\nFRAME\n";
  StatusOr<MediaInfo> info = RunProbe(WriteFile("probe_huge.y4m", header + "0123456789"));
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), ErrorCode::kLimitExceeded);
  EXPECT_NE(info.status().message().find("10000"), std::string::npos);
  // libavformat itself refuses pictures beyond av_image_check_size().
  std::string absurd = "YUV4MPEG2 W30000 H30000 F25:1 Ip A1:1 C420jpeg\nFRAME\n";
  EXPECT_EQ(ProbeCode(WriteFile("probe_absurd.y4m", absurd + "0123456789")),
            ErrorCode::kCorruptInput);
}

TEST(ProbeErrorTest, LimitsFromOptions) {
  std::string clip = Mp4Clip();
  ProbeLimits streams;
  streams.max_streams = 1;
  EXPECT_EQ(ProbeCode(clip, streams), ErrorCode::kLimitExceeded);
  ProbeLimits duration;
  duration.max_duration_seconds = 1;
  EXPECT_EQ(ProbeCode(clip, duration), ErrorCode::kLimitExceeded);
  ProbeLimits width;
  width.max_width = 319;
  EXPECT_EQ(ProbeCode(clip, width), ErrorCode::kLimitExceeded);
  ProbeLimits size;
  size.max_file_size = 1000;
  EXPECT_EQ(ProbeCode(clip, size), ErrorCode::kLimitExceeded);
  ProbeLimits exact;
  exact.max_width = 320;
  exact.max_height = 240;
  exact.max_streams = 2;
  exact.max_duration_seconds = 2.5;
  EXPECT_EQ(ProbeCode(clip, exact), ErrorCode::kOk);
}

// ---------------------------------------------------------------------------
// Pure policy helpers.

TEST(ProbePolicyTest, ClockwiseRotation) {
  EXPECT_EQ(ClockwiseRotation(0), 0);
  EXPECT_EQ(ClockwiseRotation(-90), 90);
  EXPECT_EQ(ClockwiseRotation(90), 270);
  EXPECT_EQ(ClockwiseRotation(180), 180);
  EXPECT_EQ(ClockwiseRotation(-180), 180);
  EXPECT_EQ(ClockwiseRotation(-270), 270);
  EXPECT_EQ(ClockwiseRotation(-89.7), 90);
  EXPECT_EQ(ClockwiseRotation(360), 0);
}

TEST(ProbePolicyTest, DisplaySize) {
  int w = 0;
  int h = 0;
  DisplaySize(800, 640, {64, 45}, 0, &w, &h);
  EXPECT_EQ(w, 1138);
  EXPECT_EQ(h, 640);
  DisplaySize(800, 640, {64, 45}, 90, &w, &h);
  EXPECT_EQ(w, 640);
  EXPECT_EQ(h, 1138);
  DisplaySize(1920, 1080, {1, 1}, 270, &w, &h);
  EXPECT_EQ(w, 1080);
  EXPECT_EQ(h, 1920);
  DisplaySize(720, 576, {0, 1}, 180, &w, &h);
  EXPECT_EQ(w, 720);
  EXPECT_EQ(h, 576);
}

std::vector<int64_t> Steps(std::initializer_list<int64_t> deltas, int repeat) {
  std::vector<int64_t> pts{0};
  for (int r = 0; r < repeat; ++r) {
    for (int64_t d : deltas) pts.push_back(pts.back() + d);
  }
  return pts;
}

TEST(ProbePolicyTest, VariableFrameRate) {
  EXPECT_FALSE(IsVariableFrameRate(Steps({3000}, 100)));               // 30 fps, 90 kHz
  EXPECT_FALSE(IsVariableFrameRate(Steps({33, 34, 33}, 30)));          // 30 fps, ms ticks
  EXPECT_TRUE(IsVariableFrameRate(Steps({8000, 9000, 7200}, 9)));      // phone VFR
  EXPECT_TRUE(IsVariableFrameRate(Steps({33, 33, 67, 33, 100}, 10)));  // dropped frames
  EXPECT_FALSE(IsVariableFrameRate(Steps({41, 1, 42}, 20)));           // VP9 hidden frames
  EXPECT_FALSE(IsVariableFrameRate({0, 40}));
  std::vector<int64_t> reordered = Steps({3000}, 30);
  std::swap(reordered[3], reordered[5]);  // B-frames arrive out of order
  EXPECT_FALSE(IsVariableFrameRate(reordered));
  EXPECT_NEAR(MeasuredFrameRate(Steps({3003}, 50), {1, 90000}), 29.97, 0.01);
  EXPECT_EQ(MeasuredFrameRate({5}, {1, 90000}), 0.0);
}

StreamInfo MakeStream(int index, StreamKind kind, bool decodable, bool is_default,
                      bool attached_picture = false) {
  StreamInfo s;
  s.index = index;
  s.kind = kind;
  s.codec = decodable ? "h264" : "none";
  s.decodable = decodable;
  s.is_default = is_default;
  s.attached_picture = attached_picture;
  if (kind == StreamKind::kVideo) s.video = VideoInfo{};
  if (kind == StreamKind::kAudio) s.audio = AudioInfo{};
  return s;
}

TEST(ProbePolicyTest, ChoosePrimaryStreams) {
  MediaInfo info;
  info.streams = {MakeStream(0, StreamKind::kVideo, true, true, /*attached_picture=*/true),
                  MakeStream(1, StreamKind::kVideo, true, false),
                  MakeStream(2, StreamKind::kVideo, true, true),
                  MakeStream(3, StreamKind::kAudio, true, false),
                  MakeStream(4, StreamKind::kAudio, true, true)};
  ChoosePrimaryStreams(&info);
  EXPECT_EQ(info.primary_video, 2);
  EXPECT_EQ(info.primary_audio, 4);

  info.streams = {MakeStream(0, StreamKind::kVideo, false, true),
                  MakeStream(1, StreamKind::kVideo, true, false),
                  MakeStream(2, StreamKind::kAudio, true, false),
                  MakeStream(3, StreamKind::kAudio, true, false)};
  ChoosePrimaryStreams(&info);
  EXPECT_EQ(info.primary_video, 1);  // decodable beats default
  EXPECT_EQ(info.primary_audio, 2);  // no default: the first

  info.streams = {MakeStream(0, StreamKind::kVideo, true, true, /*attached_picture=*/true),
                  MakeStream(1, StreamKind::kAudio, true, false)};
  ChoosePrimaryStreams(&info);
  EXPECT_EQ(info.primary_video, -1);  // cover art is not the programme
  EXPECT_TRUE(info.audio_only());
}

TEST(ProbePolicyTest, CheckStreamsUsable) {
  MediaInfo info;
  info.streams = {MakeStream(0, StreamKind::kSubtitle, true, true)};
  ChoosePrimaryStreams(&info);
  EXPECT_EQ(CheckStreamsUsable(info).code(), ErrorCode::kNoDecodableStream);

  info.streams = {MakeStream(0, StreamKind::kVideo, false, true),
                  MakeStream(1, StreamKind::kAudio, true, true)};
  ChoosePrimaryStreams(&info);
  Status s = CheckStreamsUsable(info);
  EXPECT_EQ(s.code(), ErrorCode::kUnsupportedCodec);
  EXPECT_NE(s.message().find("video stream #0"), std::string::npos);

  info.streams = {MakeStream(0, StreamKind::kAudio, true, false)};
  ChoosePrimaryStreams(&info);
  EXPECT_TRUE(CheckStreamsUsable(info).ok());
}

TEST(ProbePolicyTest, CheckLimits) {
  MediaInfo info;
  info.file_size = 1000;
  info.duration = 10;
  info.streams = {MakeStream(0, StreamKind::kVideo, true, true)};
  info.streams[0].video->width = 4096;
  info.streams[0].video->height = 2160;
  ProbeLimits limits;
  EXPECT_TRUE(CheckLimits(info, limits).ok());
  limits.max_pixels = 4096LL * 2160 - 1;
  EXPECT_EQ(CheckLimits(info, limits).code(), ErrorCode::kLimitExceeded);
  limits = ProbeLimits{};
  limits.max_height = 2000;
  EXPECT_EQ(CheckLimits(info, limits).code(), ErrorCode::kLimitExceeded);
  limits = ProbeLimits{};
  limits.max_duration_seconds = 9.5;
  EXPECT_EQ(CheckLimits(info, limits).code(), ErrorCode::kLimitExceeded);
  info.streams[0].attached_picture = true;  // cover art is never decoded as video
  info.duration = 1;
  limits = ProbeLimits{};
  limits.max_width = 100;
  EXPECT_TRUE(CheckLimits(info, limits).ok());
}

// ---------------------------------------------------------------------------
// Presentations.

TEST(MediaInfoJsonTest, JsonAndTextOfProbedClip) {
  MediaInfo info = ProbeOk(Mp4Clip());
  nlohmann::json j = ToJson(info);
  EXPECT_EQ(j["container"], "mov,mp4,m4a,3gp,3g2,mj2");
  EXPECT_EQ(j["primary_video"], 0);
  EXPECT_EQ(j["audio_only"], false);
  ASSERT_EQ(j["streams"].size(), 2u);
  const nlohmann::json& v = j["streams"][0];
  EXPECT_EQ(v["kind"], "video");
  EXPECT_EQ(v["codec"], "h264");
  EXPECT_EQ(v["video"]["avg_frame_rate"], "30/1");
  EXPECT_DOUBLE_EQ(v["video"]["avg_frame_rate_value"].get<double>(), 30.0);
  EXPECT_EQ(v["video"]["sample_aspect_ratio"], "1/1");
  EXPECT_EQ(v["video"]["hdr"], "sdr");
  EXPECT_EQ(v["video"]["field_order"], "progressive");
  EXPECT_TRUE(v["video"]["dolby_vision_profile"].is_null());
  EXPECT_EQ(v["video"]["gop"]["keyframe_times"].size(), 2u);
  EXPECT_EQ(j["streams"][1]["audio"]["channel_layout"], "mono");
  EXPECT_FALSE(j["streams"][1].contains("video"));

  std::string text = ToText(info);
  EXPECT_NE(text.find("#0 video*: h264 (High), 320x240"), std::string::npos) << text;
  EXPECT_NE(text.find("#1 audio*: aac (LC), 48000 Hz, 1 ch (mono)"), std::string::npos) << text;
  EXPECT_NE(text.find("gop: 2 keyframes"), std::string::npos) << text;
}

TEST(MediaInfoJsonTest, EnumNames) {
  EXPECT_EQ(HdrTypeName(HdrType::kHdr10), "hdr10");
  EXPECT_EQ(HdrTypeName(HdrType::kHlg), "hlg");
  EXPECT_EQ(HdrTypeName(HdrType::kDolbyVision), "dolby_vision");
  EXPECT_EQ(FieldOrderName(FieldOrder::kTopFirst), "top_first");
  EXPECT_EQ(FieldOrderName(FieldOrder::kBottomFirst), "bottom_first");
  EXPECT_EQ(StreamKindName(StreamKind::kSubtitle), "subtitle");
  EXPECT_EQ(RationalText({30000, 1001}), "30000/1001");
}

}  // namespace
}  // namespace vtp::media
