// VideoEncoderSettingsFor as data (every encoder, NVENC included, which
// cannot be opened on the machines the tests run on), the refusals for
// inconsistent renditions, and the clear error an absent NVENC gives.
#include "media/video_encoders.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

extern "C" {
#include <libavutil/pixdesc.h>
}

#include "media/transcode.h"

namespace vtp::media {
namespace {

using Options = std::map<std::string, std::string>;

VideoRendition Rendition(const std::string& codec, const std::string& encoder, int bit_depth = 8) {
  VideoRendition r;
  r.name = "720p";
  r.codec = codec;
  r.encoder = encoder;
  r.width = 1280;
  r.height = 720;
  r.maxrate = 1'800'000;
  r.bufsize = 3'600'000;
  r.crf = 28;
  r.preset = "medium";
  r.profile = bit_depth == 10 ? "main10" : "main";
  r.bit_depth = bit_depth;
  return r;
}

VideoEncoderInput Sdr(int threads = 1) {
  return {Rational{30, 1}, threads, false, "bt709", "bt709", "bt709"};
}

VideoEncoderInput Pq(int threads = 1) {
  return {Rational{30000, 1001}, threads, false, "bt2020", "smpte2084", "bt2020nc"};
}

VideoEncoderSettings SettingsOrDie(const VideoRendition& r, const VideoEncoderInput& in) {
  StatusOr<VideoEncoderSettings> s = VideoEncoderSettingsFor(r, in);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? s.value() : VideoEncoderSettings{};
}

TEST(VideoEncoderSettingsTest, X264KeepsTheSettingsH264HasAlwaysHad) {
  VideoRendition r = Rendition("h264", "libx264");
  r.crf = 23;
  r.profile = "high";
  r.level = "3.1";
  VideoEncoderSettings s = SettingsOrDie(r, Sdr(2));
  EXPECT_EQ(s.encoder, "libx264");
  EXPECT_EQ(s.options, (Options{{"preset", "medium"},
                                {"crf", "23"},
                                {"profile", "high"},
                                {"level", "3.1"},
                                {"forced-idr", "1"},
                                {"x264-params", "scenecut=0:open-gop=0:mbtree=0:min-keyint=60"}}));
  EXPECT_EQ(s.pix_fmt, AV_PIX_FMT_YUV420P);
  EXPECT_EQ(s.gop_size, 120);
  EXPECT_EQ(s.keyint_min, -1);  // libav's default, as before
  EXPECT_EQ(s.bit_rate, -1);
  EXPECT_EQ(s.rc_max_rate, 1'800'000);
  EXPECT_EQ(s.rc_buffer_size, 3'600'000);
  EXPECT_EQ(s.thread_count, 1);  // asked for 2: x264 is repeatable only single-threaded
  EXPECT_EQ(s.profile, FF_PROFILE_UNKNOWN);
  EXPECT_EQ(s.color_primaries, AVCOL_PRI_BT709);
  EXPECT_FALSE(s.hardware);
}

TEST(VideoEncoderSettingsTest, ToneMappedPicturesAreTaggedBt709) {
  VideoRendition r = Rendition("h264", "libx264");
  VideoEncoderInput in = Pq();
  in.tonemapped = true;
  VideoEncoderSettings s = SettingsOrDie(r, in);
  EXPECT_EQ(s.color_primaries, AVCOL_PRI_BT709);
  EXPECT_EQ(s.color_trc, AVCOL_TRC_BT709);
  EXPECT_EQ(s.colorspace, AVCOL_SPC_BT709);
  EXPECT_EQ(s.color_range, AVCOL_RANGE_MPEG);
}

TEST(VideoEncoderSettingsTest, X265IsDeterministicCrfUnderVbvWithForcedIdrOnly) {
  VideoEncoderSettings s = SettingsOrDie(Rendition("hevc", "libx265"), Sdr(3));
  EXPECT_EQ(s.options.at("preset"), "medium");
  EXPECT_EQ(s.options.at("crf"), "28");
  EXPECT_EQ(s.options.at("profile"), "main");
  EXPECT_EQ(s.options.at("forced-idr"), "1");
  EXPECT_EQ(s.options.at("x265-params"),
            "log-level=error:pools=3:frame-threads=1:scenecut=0:open-gop=0:keyint=120:min-keyint=60:"
            "vbv-maxrate=1800:vbv-bufsize=3600");
  EXPECT_EQ(s.pix_fmt, AV_PIX_FMT_YUV420P);
  EXPECT_EQ(s.bit_rate, 0);
  EXPECT_EQ(s.rc_max_rate, 1'800'000);
}

TEST(VideoEncoderSettingsTest, X265Main10HdrKeepsPqAndBt2020) {
  VideoRendition r = Rendition("hevc", "libx265", 10);
  r.hdr = true;
  r.level = "4.1";
  VideoEncoderSettings s = SettingsOrDie(r, Pq());
  EXPECT_EQ(s.options.at("profile"), "main10");
  EXPECT_NE(s.options.at("x265-params").find(":level-idc=4.1"), std::string::npos);
  EXPECT_EQ(s.pix_fmt, AV_PIX_FMT_YUV420P10LE);
  EXPECT_EQ(s.color_primaries, AVCOL_PRI_BT2020);
  EXPECT_EQ(s.color_trc, AVCOL_TRC_SMPTE2084);
  EXPECT_EQ(s.colorspace, AVCOL_SPC_BT2020_NCL);
  EXPECT_EQ(s.gop_size, 120);  // 2 x round(29.97 * 2)
}

TEST(VideoEncoderSettingsTest, X265WithoutThreadCountLeavesPoolsToX265) {
  VideoEncoderSettings s = SettingsOrDie(Rendition("hevc", "libx265"), Sdr(0));
  EXPECT_EQ(s.options.at("x265-params").find("pools="), std::string::npos);
  EXPECT_NE(s.options.at("x265-params").find("frame-threads=1"), std::string::npos);
}

TEST(VideoEncoderSettingsTest, Vp9IsConstrainedQualityWithRowMtAndTilesByWidth) {
  VideoRendition r = Rendition("vp9", "libvpx-vp9");
  r.crf = 33;
  r.preset = "3";
  r.profile = "0";
  VideoEncoderSettings s = SettingsOrDie(r, Sdr(2));
  EXPECT_EQ(s.options, (Options{{"crf", "33"},
                                {"deadline", "good"},
                                {"cpu-used", "3"},
                                {"row-mt", "1"},
                                {"tile-columns", "2"},
                                {"lag-in-frames", "25"},
                                {"auto-alt-ref", "1"}}));
  EXPECT_EQ(s.bit_rate, 1'800'000);  // the cap of constrained quality
  EXPECT_EQ(s.rc_max_rate, 1'800'000);
  EXPECT_EQ(s.rc_buffer_size, 3'600'000);
  EXPECT_EQ(s.keyint_min, s.gop_size);  // no keyframes of libvpx's own
  EXPECT_EQ(s.profile, FF_PROFILE_VP9_0);

  r.width = 320;
  r.height = 180;
  EXPECT_EQ(SettingsOrDie(r, Sdr()).options.at("tile-columns"), "0");
  r.width = 3840;
  r.height = 2160;
  EXPECT_EQ(SettingsOrDie(r, Sdr()).options.at("tile-columns"), "3");
}

TEST(VideoEncoderSettingsTest, Vp9Profile2IsTenBit) {
  VideoRendition r = Rendition("vp9", "libvpx-vp9", 10);
  r.preset = "3";
  r.profile = "2";
  r.hdr = true;
  VideoEncoderSettings s = SettingsOrDie(r, Pq());
  EXPECT_EQ(s.profile, FF_PROFILE_VP9_2);
  EXPECT_EQ(s.pix_fmt, AV_PIX_FMT_YUV420P10LE);
  EXPECT_EQ(s.color_trc, AVCOL_TRC_SMPTE2084);
}

TEST(VideoEncoderSettingsTest, SvtAv1CappedCrfRunsOnOneLogicalProcessor) {
  VideoRendition r = Rendition("av1", "libsvtav1");
  r.crf = 35;
  r.preset = "8";
  VideoEncoderSettings s = SettingsOrDie(r, Sdr(4));
  EXPECT_EQ(s.options, (Options{{"preset", "8"},
                                {"crf", "35"},
                                {"svtav1-params", "lp=1:scd=0:enable-force-key-frames=1"}}));
  EXPECT_EQ(s.rc_max_rate, 1'800'000);  // capped CRF in SVT-AV1 >= 1.1
  EXPECT_EQ(s.bit_rate, 0);
  EXPECT_EQ(s.thread_count, 1);
  EXPECT_EQ(s.profile, FF_PROFILE_AV1_MAIN);

  r.maxrate = 0;  // uncapped CRF is deterministic with any thread count
  EXPECT_EQ(SettingsOrDie(r, Sdr(4)).options.at("svtav1-params"), "lp=4:scd=0:enable-force-key-frames=1");
}

TEST(VideoEncoderSettingsTest, AomIsConstrainedQualityWithRowMt) {
  VideoRendition r = Rendition("av1", "libaom-av1", 10);
  r.preset = "6";
  r.profile = "main";
  VideoEncoderSettings s = SettingsOrDie(r, Sdr());
  EXPECT_EQ(s.options, (Options{{"crf", "28"}, {"cpu-used", "6"}, {"row-mt", "1"}, {"tile-columns", "2"}}));
  EXPECT_EQ(s.bit_rate, 1'800'000);
  EXPECT_EQ(s.keyint_min, s.gop_size);
  EXPECT_EQ(s.pix_fmt, AV_PIX_FMT_YUV420P10LE);
}

TEST(VideoEncoderSettingsTest, HevcNvencMapping) {
  VideoRendition r = Rendition("hevc", "hevc_nvenc", 10);
  r.hdr = true;
  VideoEncoderSettings s = SettingsOrDie(r, Pq());
  EXPECT_EQ(s.encoder, "hevc_nvenc");
  EXPECT_EQ(s.options, (Options{{"preset", "p5"},
                                {"rc", "vbr"},
                                {"cq", "28"},
                                {"forced-idr", "1"},
                                {"no-scenecut", "1"},
                                {"profile", "main10"}}));
  EXPECT_EQ(s.pix_fmt, AV_PIX_FMT_P010LE);  // NVENC's 10-bit input
  EXPECT_EQ(s.bit_rate, 0);                 // quality-driven VBR, capped:
  EXPECT_EQ(s.rc_max_rate, 1'800'000);
  EXPECT_EQ(s.rc_buffer_size, 3'600'000);
  EXPECT_EQ(s.gop_size, 120);
  EXPECT_EQ(s.color_trc, AVCOL_TRC_SMPTE2084);
  EXPECT_TRUE(s.hardware);
}

TEST(VideoEncoderSettingsTest, H264NvencMappingCarriesProfileAndLevel) {
  VideoRendition r = Rendition("h264", "h264_nvenc");
  r.crf = 23;
  r.profile = "high";
  r.level = "3.1";
  VideoEncoderSettings s = SettingsOrDie(r, Sdr());
  EXPECT_EQ(s.options, (Options{{"preset", "p5"},
                                {"rc", "vbr"},
                                {"cq", "23"},
                                {"forced-idr", "1"},
                                {"no-scenecut", "1"},
                                {"profile", "high"},
                                {"level", "3.1"}}));
  EXPECT_EQ(s.pix_fmt, AV_PIX_FMT_YUV420P);
}

TEST(VideoEncoderSettingsTest, InconsistentRenditionsAreRefused) {
  auto refused = [](VideoRendition r, VideoEncoderInput in = Sdr()) {
    StatusOr<VideoEncoderSettings> s = VideoEncoderSettingsFor(r, in);
    if (s.ok()) return std::string("accepted");
    EXPECT_EQ(s.status().code(), ErrorCode::kInvalidArgument) << s.status().ToString();
    return s.status().message();
  };
  EXPECT_NE(refused(Rendition("hevc", "libvpx-vp9")).find("does not produce hevc"), std::string::npos);
  EXPECT_NE(refused(Rendition("hevc", "libx266")).find("unknown video encoder"), std::string::npos);
  VideoRendition main10_8bit = Rendition("hevc", "libx265");
  main10_8bit.profile = "main10";
  EXPECT_NE(refused(main10_8bit).find("does not match bit depth"), std::string::npos);
  VideoRendition hdr8 = Rendition("hevc", "libx265");
  hdr8.hdr = true;
  EXPECT_NE(refused(hdr8).find("10-bit"), std::string::npos);
  VideoRendition hdr_tonemapped = Rendition("hevc", "libx265", 10);
  hdr_tonemapped.hdr = true;
  VideoEncoderInput tm = Pq();
  tm.tonemapped = true;
  EXPECT_NE(refused(hdr_tonemapped, tm).find("tone-mapped"), std::string::npos);
  VideoRendition vp9 = Rendition("vp9", "libvpx-vp9");
  vp9.profile = "0";
  vp9.preset = "medium";
  EXPECT_NE(refused(vp9).find("not a number"), std::string::npos);
  VideoRendition h264_10 = Rendition("h264", "libx264", 10);
  EXPECT_NE(refused(h264_10).find("8-bit"), std::string::npos);
  VideoRendition odd = Rendition("av1", "libsvtav1");
  odd.preset = "8";
  odd.width = 321;
  EXPECT_NE(refused(odd).find("even"), std::string::npos);
}

// Opening NVENC where there is none: one clear, retryable error naming the
// encoder and what libav said (the GPU fallback then moves the task).
TEST(VideoEncoderSettingsTest, AbsentNvencIsAClearUnavailableError) {
  VideoRendition r = Rendition("hevc", "hevc_nvenc");
  r.width = 320;
  r.height = 180;
  VideoEncoderSettings s = SettingsOrDie(r, Sdr());
  StatusOr<Encoder> e = OpenVideoEncoder(s, 320, 180, Rational{1, 30}, Rational{30, 1});
  if (e.ok()) {  // a machine with NVENC: the settings must have opened as given
    EXPECT_EQ(std::string(e->context()->codec->name), "hevc_nvenc");
    EXPECT_EQ(e->context()->rc_max_rate, s.rc_max_rate);
    return;
  }
  EXPECT_EQ(e.status().code(), ErrorCode::kEncodeFailed) << e.status().ToString();
  EXPECT_NE(e.status().message().find("encoder hevc_nvenc is unavailable here: "), std::string::npos)
      << e.status().message();
  // libav's own words follow, not just the bare AVERROR text.
  EXPECT_GT(e.status().message().size(), std::string("encoder hevc_nvenc is unavailable here: ").size() + 8);
}

}  // namespace
}  // namespace vtp::media
