#include "manifest/hls.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace vtp::manifest {
namespace {

MediaPlaylist Fmp4Playlist() {
  MediaPlaylist p;
  p.init_segment_uri = "init.mp4";
  p.segments = {{"segment_000.m4s", 4.004}, {"segment_001.m4s", 4.004},
                {"segment_002.m4s", 1.5015}};
  return p;
}

AudioRendition EnglishAac() {
  AudioRendition r;
  r.group_id = "aac";
  r.name = "English";
  r.language = "en";
  r.is_default = true;
  r.autoselect = true;
  r.channels = "2";
  r.uri = "audio/aac_128k/playlist.m3u8";
  return r;
}

Variant VideoVariant(const std::string& uri, int64_t peak, int64_t average,
                     const std::string& video_codec, int width, int height) {
  Variant v;
  v.uri = uri;
  v.bandwidth = peak;
  v.average_bandwidth = average;
  v.codecs = {video_codec, "mp4a.40.2"};
  v.resolution = Resolution{width, height};
  v.frame_rate = 30000.0 / 1001.0;
  v.audio_group_id = "aac";
  return v;
}

MasterPlaylist VideoMaster() {
  MasterPlaylist m;
  m.audio = {EnglishAac()};
  m.variants = {
      VideoVariant("h264/720p/playlist.m3u8", 3200000, 2800000, "avc1.64001f", 1280, 720),
      VideoVariant("h264/360p/playlist.m3u8", 1200000, 1000000, "avc1.4d401e", 640, 360)};
  return m;
}

template <typename T>
void ExpectInvalid(const StatusOr<T>& result, const std::string& needle) {
  ASSERT_FALSE(result.ok()) << "expected an error mentioning " << needle;
  EXPECT_EQ(result.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find(needle), std::string::npos)
      << result.status().message();
}

TEST(HlsMediaPlaylistTest, Fmp4ThreeSegments) {
  auto text = WriteMediaPlaylist(Fmp4Playlist());
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text,
            "#EXTM3U\n"
            "#EXT-X-VERSION:6\n"
            "#EXT-X-TARGETDURATION:4\n"
            "#EXT-X-MEDIA-SEQUENCE:0\n"
            "#EXT-X-PLAYLIST-TYPE:VOD\n"
            "#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-MAP:URI=\"init.mp4\"\n"
            "#EXTINF:4.004000,\n"
            "segment_000.m4s\n"
            "#EXTINF:4.004000,\n"
            "segment_001.m4s\n"
            "#EXTINF:1.501500,\n"
            "segment_002.m4s\n"
            "#EXT-X-ENDLIST\n");
}

TEST(HlsMediaPlaylistTest, MpegTs) {
  MediaPlaylist p;
  p.independent_segments = false;
  p.segments = {{"seg0.ts", 6.0}, {"seg1.ts", 6.5}, {"seg2.ts", 0.25}};
  auto text = WriteMediaPlaylist(p);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text,
            "#EXTM3U\n"
            "#EXT-X-VERSION:3\n"
            "#EXT-X-TARGETDURATION:7\n"
            "#EXT-X-MEDIA-SEQUENCE:0\n"
            "#EXT-X-PLAYLIST-TYPE:VOD\n"
            "#EXTINF:6.000000,\n"
            "seg0.ts\n"
            "#EXTINF:6.500000,\n"
            "seg1.ts\n"
            "#EXTINF:0.250000,\n"
            "seg2.ts\n"
            "#EXT-X-ENDLIST\n");
}

TEST(HlsMediaPlaylistTest, ExplicitVersion) {
  MediaPlaylist p = Fmp4Playlist();
  p.version = 7;
  auto text = WriteMediaPlaylist(p);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->substr(0, 25), "#EXTM3U\n#EXT-X-VERSION:7\n");

  p.version = 5;  // EXT-X-MAP needs 6 (§7)
  ExpectInvalid(WriteMediaPlaylist(p), "EXT-X-VERSION 5");
  p.version = 8;
  ExpectInvalid(WriteMediaPlaylist(p), "EXT-X-VERSION 8");
  p.init_segment_uri.reset();
  p.version = 2;  // float EXTINF needs 3
  ExpectInvalid(WriteMediaPlaylist(p), "EXT-X-VERSION 2");
}

TEST(HlsTargetDurationTest, RoundsEachDurationToNearest) {
  EXPECT_EQ(TargetDurationFor({4.4}), 4);
  EXPECT_EQ(TargetDurationFor({4.5}), 5);
  EXPECT_EQ(TargetDurationFor({4.004}), 4);
  EXPECT_EQ(TargetDurationFor({0.3}), 1);
  EXPECT_EQ(TargetDurationFor({}), 1);
  EXPECT_EQ(TargetDurationFor({2.0, 6.49, 5.9}), 6);
  EXPECT_EQ(TargetDurationFor({6.0, 6.0, 6.0}), 6);
}

TEST(HlsTargetDurationTest, UsesThePrintedPrecision) {
  // Printed as "4.500000", which a client rounds to 5.
  EXPECT_EQ(TargetDurationFor({4.4999996}), 5);
  EXPECT_EQ(TargetDurationFor({4.4999994}), 4);
  MediaPlaylist p;
  p.segments = {{"a.ts", 4.4999996}};
  auto text = WriteMediaPlaylist(p);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_NE(text->find("#EXT-X-TARGETDURATION:5\n"), std::string::npos);
  EXPECT_NE(text->find("#EXTINF:4.500000,\n"), std::string::npos);
}

TEST(HlsMediaPlaylistTest, RejectsInvalidSegments) {
  MediaPlaylist p;
  ExpectInvalid(WriteMediaPlaylist(p), "no segments");
  p.segments = {{"a.ts", 0.0}};
  ExpectInvalid(WriteMediaPlaylist(p), "segment 0 duration");
  p.segments = {{"a.ts", 2.0}, {"b.ts", -1.0}};
  ExpectInvalid(WriteMediaPlaylist(p), "segment 1 duration");
  p.segments = {{"a.ts", std::numeric_limits<double>::quiet_NaN()}};
  ExpectInvalid(WriteMediaPlaylist(p), "segment 0 duration");
  p.segments = {{"a.ts", 1e-9}};
  ExpectInvalid(WriteMediaPlaylist(p), "rounds to 0");
  p.segments = {{"a.ts\n#EXT-X-ENDLIST", 2.0}};
  ExpectInvalid(WriteMediaPlaylist(p), "control character");
  p.segments = {{"#a.ts", 2.0}};
  ExpectInvalid(WriteMediaPlaylist(p), "starts with '#'");
  p.segments = {{"my segment.ts", 2.0}};
  ExpectInvalid(WriteMediaPlaylist(p), "whitespace");
  p.segments = {{"", 2.0}};
  ExpectInvalid(WriteMediaPlaylist(p), "segment 0 URI is empty");
  p.segments = {{"a.ts", 2.0}};
  p.init_segment_uri = "in\"it.mp4";
  ExpectInvalid(WriteMediaPlaylist(p), "double quote");
}

TEST(HlsMasterPlaylistTest, TwoVideoVariantsAndAnAudioGroup) {
  auto text = WriteMasterPlaylist(VideoMaster());
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text,
            "#EXTM3U\n"
            "#EXT-X-VERSION:4\n"
            "#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aac\",NAME=\"English\",LANGUAGE=\"en\","
            "DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"2\",URI=\"audio/aac_128k/playlist.m3u8\"\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=3200000,AVERAGE-BANDWIDTH=2800000,"
            "CODECS=\"avc1.64001f,mp4a.40.2\",RESOLUTION=1280x720,FRAME-RATE=29.970,"
            "AUDIO=\"aac\"\n"
            "h264/720p/playlist.m3u8\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=1200000,AVERAGE-BANDWIDTH=1000000,"
            "CODECS=\"avc1.4d401e,mp4a.40.2\",RESOLUTION=640x360,FRAME-RATE=29.970,"
            "AUDIO=\"aac\"\n"
            "h264/360p/playlist.m3u8\n");
}

TEST(HlsMasterPlaylistTest, OptionalAttributesAndExplicitVersion) {
  MasterPlaylist m = VideoMaster();
  m.version = 6;
  m.independent_segments = false;
  AudioRendition french;
  french.group_id = "aac";
  french.name = "Fran\xC3\xA7" "ais";  // UTF-8 is allowed in quoted-strings
  french.uri = "audio/fr/playlist.m3u8";
  m.audio.push_back(french);
  m.variants.resize(1);
  m.variants[0].average_bandwidth.reset();
  m.variants[0].frame_rate = 25.0;
  auto text = WriteMasterPlaylist(m);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text,
            "#EXTM3U\n"
            "#EXT-X-VERSION:6\n"
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aac\",NAME=\"English\",LANGUAGE=\"en\","
            "DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"2\",URI=\"audio/aac_128k/playlist.m3u8\"\n"
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aac\",NAME=\"Fran\xC3\xA7" "ais\","
            "DEFAULT=NO,AUTOSELECT=NO,URI=\"audio/fr/playlist.m3u8\"\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=3200000,CODECS=\"avc1.64001f,mp4a.40.2\","
            "RESOLUTION=1280x720,FRAME-RATE=25.000,AUDIO=\"aac\"\n"
            "h264/720p/playlist.m3u8\n");
}

TEST(HlsMasterPlaylistTest, AudioOnly) {
  MasterPlaylist m;
  Variant v;
  v.uri = "audio/aac_128k/playlist.m3u8";
  v.bandwidth = 132000;
  v.average_bandwidth = 130000;
  v.codecs = {"mp4a.40.2"};
  m.variants = {v};
  auto text = WriteMasterPlaylist(m);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text,
            "#EXTM3U\n"
            "#EXT-X-VERSION:3\n"
            "#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=132000,AVERAGE-BANDWIDTH=130000,"
            "CODECS=\"mp4a.40.2\"\n"
            "audio/aac_128k/playlist.m3u8\n");
}

TEST(HlsMasterPlaylistTest, RejectsCharactersQuotedStringsCannotHold) {
  MasterPlaylist m = VideoMaster();
  m.audio[0].name = "The \"Director\" cut";
  ExpectInvalid(WriteMasterPlaylist(m), "audio rendition 0 NAME contains a double quote");
  m = VideoMaster();
  m.audio[0].uri = "audio.m3u8\r";
  ExpectInvalid(WriteMasterPlaylist(m), "audio rendition 0 URI contains a control");
  m = VideoMaster();
  m.audio[0].group_id = "a\nb";
  ExpectInvalid(WriteMasterPlaylist(m), "GROUP-ID contains a control");
  m = VideoMaster();
  m.audio[0].channels = "\x01";
  ExpectInvalid(WriteMasterPlaylist(m), "CHANNELS contains a control");
  m = VideoMaster();
  m.audio[0].name = "bad \xFF utf8";
  ExpectInvalid(WriteMasterPlaylist(m), "not valid UTF-8");
  m = VideoMaster();
  m.audio[0].name = "C1 \xC2\x85 control";
  ExpectInvalid(WriteMasterPlaylist(m), "control character");
  m = VideoMaster();
  m.variants[1].codecs = {"avc1\".64001f"};
  ExpectInvalid(WriteMasterPlaylist(m), "variant 1 CODECS entry contains a double quote");
  m = VideoMaster();
  m.variants[0].codecs = {"avc1.64001f,mp4a.40.2"};
  ExpectInvalid(WriteMasterPlaylist(m), "contains ',' or space");
  m = VideoMaster();
  m.audio[0].language = "en US";
  ExpectInvalid(WriteMasterPlaylist(m), "RFC 5646");
}

TEST(HlsMasterPlaylistTest, RejectsInconsistentModels) {
  MasterPlaylist m = VideoMaster();
  m.variants.clear();
  ExpectInvalid(WriteMasterPlaylist(m), "no variants");
  m = VideoMaster();
  m.variants[0].audio_group_id = "ac3";
  ExpectInvalid(WriteMasterPlaylist(m), "AUDIO=\"ac3\" names no audio rendition group");
  m = VideoMaster();
  m.audio[0].autoselect = false;
  ExpectInvalid(WriteMasterPlaylist(m), "not AUTOSELECT=YES");
  m = VideoMaster();
  m.audio.push_back(m.audio[0]);
  ExpectInvalid(WriteMasterPlaylist(m), "repeats NAME");
  m = VideoMaster();
  m.audio.push_back(m.audio[0]);
  m.audio[1].name = "English 2";
  ExpectInvalid(WriteMasterPlaylist(m), "more than one DEFAULT=YES");
  m = VideoMaster();
  m.variants[0].bandwidth = 0;
  ExpectInvalid(WriteMasterPlaylist(m), "BANDWIDTH must be > 0");
  m = VideoMaster();
  m.variants[0].average_bandwidth = 4000000;
  ExpectInvalid(WriteMasterPlaylist(m), "AVERAGE-BANDWIDTH");
  m = VideoMaster();
  m.variants[0].resolution = Resolution{0, 720};
  ExpectInvalid(WriteMasterPlaylist(m), "RESOLUTION");
  m = VideoMaster();
  m.variants[0].frame_rate = std::numeric_limits<double>::infinity();
  ExpectInvalid(WriteMasterPlaylist(m), "FRAME-RATE");
  m = VideoMaster();
  m.version = 0;
  ExpectInvalid(WriteMasterPlaylist(m), "EXT-X-VERSION 0");
}

}  // namespace
}  // namespace vtp::manifest
