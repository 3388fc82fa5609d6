#include "domain/media_info_json.h"

#include <gtest/gtest.h>

namespace vtp {
namespace {

MediaInfo Sample() {
  MediaInfo m;
  m.path = "/x/in.mp4";
  m.container = "mov,mp4,m4a,3gp,3g2,mj2";
  m.container_long = "QuickTime / MOV";
  m.file_size = 123456789;
  m.duration = 12.345678901234;
  m.start_time = 0.0416667;
  m.bit_rate = 4'500'000;
  m.warnings = {"stream #2 has no packets and is ignored"};
  StreamInfo v;
  v.index = 0;
  v.kind = StreamKind::kVideo;
  v.codec = "hevc";
  v.profile = "Main 10";
  v.level = 153;
  v.language = "und";
  v.decodable = true;
  VideoInfo vi;
  vi.width = 3840;
  vi.height = 2160;
  vi.sample_aspect_ratio = {4, 3};
  vi.display_width = 2160;
  vi.display_height = 5120;
  vi.rotation = 90;
  vi.pixel_format = "yuv420p10le";
  vi.bit_depth = 10;
  vi.color_transfer = "arib-std-b67";
  vi.hdr = HdrType::kHlg;
  vi.dolby_vision_profile = 8;
  vi.avg_frame_rate = {30000, 1001};
  vi.real_frame_rate = {60, 1};
  vi.variable_frame_rate = true;
  vi.field_order = FieldOrder::kBottomFirst;
  vi.frame_count = 720;
  vi.gop = {{0.0, 1.001, 2.002}, 1.001, 1.001, true, true};
  v.video = vi;
  StreamInfo a;
  a.index = 1;
  a.kind = StreamKind::kAudio;
  a.codec = "aac";
  a.is_default = true;
  a.duration = 12.3;
  a.audio = AudioInfo{48000, 6, "5.1(side)", "fltp"};
  StreamInfo s;
  s.index = 2;
  s.kind = StreamKind::kSubtitle;
  s.codec = "mov_text";
  s.title = "English \"SDH\"";
  m.streams = {v, a, s};
  m.primary_video = 0;
  m.primary_audio = 1;
  return m;
}

TEST(MediaInfoJsonTest, FromJsonInvertsToJson) {
  nlohmann::json j = ToJson(Sample());
  auto back = MediaInfoFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(ToJson(*back), j);
  EXPECT_EQ(back->streams[0].video->hdr, HdrType::kHlg);
  EXPECT_EQ(back->streams[0].video->field_order, FieldOrder::kBottomFirst);
  EXPECT_EQ(back->streams[0].video->avg_frame_rate, (Rational{30000, 1001}));
  EXPECT_EQ(back->streams[0].video->dolby_vision_profile, 8);
  EXPECT_EQ(back->streams[2].kind, StreamKind::kSubtitle);
  EXPECT_FALSE(back->streams[2].video.has_value());
  EXPECT_DOUBLE_EQ(back->duration, 12.345678901234);
}

TEST(MediaInfoJsonTest, SurvivesTextRoundTrip) {
  // What the planner does: the probe task's result is stored as text.
  std::string text = ToJson(Sample()).dump();
  auto back = MediaInfoFromJson(nlohmann::json::parse(text));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(ToJson(*back).dump(), text);
}

TEST(MediaInfoJsonTest, MalformedDocumentsAreInvalidArgument) {
  nlohmann::json j = ToJson(Sample());
  nlohmann::json missing = j;
  missing.erase("streams");
  EXPECT_EQ(MediaInfoFromJson(missing).status().code(), ErrorCode::kInvalidArgument);
  nlohmann::json bad_rational = j;
  bad_rational["streams"][0]["video"]["avg_frame_rate"] = "thirty";
  EXPECT_EQ(MediaInfoFromJson(bad_rational).status().code(), ErrorCode::kInvalidArgument);
  nlohmann::json bad_primary = j;
  bad_primary["primary_audio"] = 7;
  EXPECT_EQ(MediaInfoFromJson(bad_primary).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(MediaInfoFromJson(nlohmann::json::array()).status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vtp
