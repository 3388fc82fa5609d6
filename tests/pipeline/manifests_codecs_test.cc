// Masters and MPDs of a ladder in several video codecs (issue 4): each
// codec's variants in the CMAF master, only MPEG-TS-capable codecs in the TS
// master, one DASH AdaptationSet per codec, and VIDEO-RANGE / CICP
// properties once an HDR rendition is present.
#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "pipeline/manifests.h"

namespace vtp::pipeline {
namespace {

using Bytes = std::vector<uint8_t>;

// AVCDecoderConfigurationRecord around an x264 High@3.1 SPS (64 00 1f).
Bytes HighAvcC() {
  const Bytes sps = {0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9, 0x40, 0x50, 0x05, 0xbb, 0x01, 0x10, 0x00,
                     0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0xc0, 0xf1, 0x83, 0x19, 0x60};
  const Bytes pps = {0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0};
  Bytes out = {0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, static_cast<uint8_t>(sps.size())};
  out.insert(out.end(), sps.begin(), sps.end());
  out.insert(out.end(), {0x01, 0x00, static_cast<uint8_t>(pps.size())});
  out.insert(out.end(), pps.begin(), pps.end());
  return out;
}

// Two 4 s segments of `a` and `b` bytes (fMP4) and, when `ts`, 10% more as
// MPEG-TS: fMP4 peak = b*8/4, average = (a+b)*8/8.
media::PackagedTrack Track(const std::string& codec, int64_t a, int64_t b, bool ts) {
  media::PackagedTrack t;
  t.codec = codec;
  t.timescale = 90000;
  t.init_name = "init.mp4";
  int64_t bytes[2] = {a, b};
  for (int i = 0; i < 2; ++i) {
    media::PackagedSegment s;
    s.start = i * 360000;
    s.duration = 360000;
    s.seconds = 4;
    s.fmp4_bytes = bytes[i];
    s.ts_bytes = ts ? bytes[i] * 11 / 10 : 0;
    char name[32];
    std::snprintf(name, sizeof(name), "segment_%03d", i);
    s.fmp4_name = std::string(name) + ".m4s";
    if (ts) s.ts_name = std::string(name) + ".ts";
    t.segments.push_back(s);
  }
  return t;
}

PackagedRendition Video(const std::string& codec, const std::string& name, int w, int h, int64_t a,
                        int64_t b) {
  PackagedRendition r;
  r.name = name;
  r.dir = codec + "/" + name;
  r.track = Track(codec, a, b, codec == "h264");
  if (codec == "h264") {
    r.track.codec_config = HighAvcC();
  } else {
    r.codecs = codec == "hevc" ? "hvc1.1.6.L93.B0" : "av01.0.05M.08";
  }
  r.track.width = w;
  r.track.height = h;
  r.frame_rate = {30, 1};
  return r;
}

// 128 kb/s fMP4 (peak = average = 128,000), 140.8 kb/s TS.
PackagedRendition Audio() {
  PackagedRendition r;
  r.name = "aac_128k";
  r.dir = "audio/aac_128k";
  r.track = Track("aac", 64'000, 64'000, true);
  r.track.codec_config = {0x11, 0x90};
  r.track.sample_rate = 48000;
  r.track.channels = 2;
  return r;
}

ManifestInput TwoCodecs() {
  ManifestInput in;
  in.video = {Video("h264", "360p", 640, 360, 400'000, 600'000),
              Video("h264", "720p", 1280, 720, 1'000'000, 1'500'000),
              Video("hevc", "360p", 640, 360, 240'000, 360'000),
              Video("hevc", "720p", 1280, 720, 600'000, 900'000)};
  in.audio = {Audio()};
  return in;
}

std::vector<std::string> Lines(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  std::istringstream s(text);
  for (std::string line; std::getline(s, line);) {
    if (line.rfind(prefix, 0) == 0) out.push_back(line);
  }
  return out;
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(ManifestsCodecsTest, CmafMasterListsEveryCodecsRungsWithItsCodecString) {
  auto files = BuildManifests(TwoCodecs());
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  // Bandwidths: video peak/average (see Track) + audio 128,000.
  EXPECT_EQ(files->at("manifest.m3u8"),
            "#EXTM3U\n"
            "#EXT-X-VERSION:4\n"
            "#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aac_128k\",NAME=\"default\",DEFAULT=YES,AUTOSELECT=YES,"
            "CHANNELS=\"2\",URI=\"audio/aac_128k/playlist.m3u8\"\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=1328000,AVERAGE-BANDWIDTH=1128000,CODECS=\"avc1.64001f,mp4a.40.2\","
            "RESOLUTION=640x360,FRAME-RATE=30.000,AUDIO=\"aac_128k\",CLOSED-CAPTIONS=NONE\n"
            "h264/360p/playlist.m3u8\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=3128000,AVERAGE-BANDWIDTH=2628000,CODECS=\"avc1.64001f,mp4a.40.2\","
            "RESOLUTION=1280x720,FRAME-RATE=30.000,AUDIO=\"aac_128k\",CLOSED-CAPTIONS=NONE\n"
            "h264/720p/playlist.m3u8\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=848000,AVERAGE-BANDWIDTH=728000,CODECS=\"hvc1.1.6.L93.B0,mp4a.40.2\","
            "RESOLUTION=640x360,FRAME-RATE=30.000,AUDIO=\"aac_128k\",CLOSED-CAPTIONS=NONE\n"
            "hevc/360p/playlist.m3u8\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=1928000,AVERAGE-BANDWIDTH=1628000,CODECS=\"hvc1.1.6.L93.B0,mp4a.40.2\","
            "RESOLUTION=1280x720,FRAME-RATE=30.000,AUDIO=\"aac_128k\",CLOSED-CAPTIONS=NONE\n"
            "hevc/720p/playlist.m3u8\n");
}

TEST(ManifestsCodecsTest, TsMasterListsOnlyCodecsPackagedAsTs) {
  auto files = BuildManifests(TwoCodecs());
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  const std::string& ts = files->at("manifest_ts.m3u8");
  EXPECT_EQ(Lines(ts, "#EXT-X-STREAM-INF").size(), 2u);
  EXPECT_EQ(Count(ts, "hvc1"), 0u);
  EXPECT_EQ(Lines(ts, "h264/").size(), 2u);
  // No HEVC TS playlist exists to be listed.
  EXPECT_EQ(files->count("hevc/720p/playlist_ts.m3u8"), 0u);
  EXPECT_EQ(files->count("hevc/720p/playlist.m3u8"), 1u);
}

TEST(ManifestsCodecsTest, AudioPairsByRankWithinEachCodec) {
  ManifestInput in = TwoCodecs();
  PackagedRendition low = Audio(), high = Audio();
  low.name = "aac_64k";
  low.dir = "audio/aac_64k";
  high.name = "aac_192k";
  high.dir = "audio/aac_192k";
  in.audio = {low, high};
  auto files = BuildManifests(in);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  auto inf = Lines(files->at("manifest.m3u8"), "#EXT-X-STREAM-INF");
  ASSERT_EQ(inf.size(), 4u);
  // Lowest rung of each codec with the lowest rate, highest with the highest.
  EXPECT_NE(inf[0].find("AUDIO=\"aac_64k\""), std::string::npos) << inf[0];
  EXPECT_NE(inf[1].find("AUDIO=\"aac_192k\""), std::string::npos) << inf[1];
  EXPECT_NE(inf[2].find("AUDIO=\"aac_64k\""), std::string::npos) << inf[2];
  EXPECT_NE(inf[3].find("AUDIO=\"aac_192k\""), std::string::npos) << inf[3];
}

TEST(ManifestsCodecsTest, DashPutsEachCodecInItsOwnAdaptationSet) {
  ManifestInput in = TwoCodecs();
  in.video.push_back(Video("av1", "360p", 640, 360, 200'000, 300'000));
  auto files = BuildManifests(in);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  const std::string& mpd = files->at("manifest.mpd");
  EXPECT_EQ(Count(mpd, "contentType=\"video\""), 3u);
  EXPECT_EQ(Count(mpd, "contentType=\"audio\""), 1u);
  size_t h264 = mpd.find("id=\"h264_360p\""), hevc = mpd.find("id=\"hevc_360p\""), av1 = mpd.find("id=\"av1_360p\"");
  ASSERT_NE(h264, std::string::npos);
  ASSERT_NE(hevc, std::string::npos);
  ASSERT_NE(av1, std::string::npos);
  EXPECT_LT(h264, hevc);
  EXPECT_LT(hevc, av1);
  // Each set holds only its codec: an AdaptationSet boundary lies between.
  EXPECT_NE(mpd.substr(h264, hevc - h264).find("</AdaptationSet>"), std::string::npos);
  EXPECT_NE(mpd.substr(hevc, av1 - hevc).find("</AdaptationSet>"), std::string::npos);
  EXPECT_NE(mpd.find("codecs=\"av01.0.05M.08\""), std::string::npos);
  EXPECT_EQ(Count(mpd, "cicp"), 0u);  // all SDR
}

TEST(ManifestsCodecsTest, HdrRenditionsSignalVideoRangeAndCicp) {
  ManifestInput in = TwoCodecs();
  for (auto& r : in.video) {
    if (r.track.codec == "hevc") {
      r.video_range = "PQ";
      r.codecs = "hvc1.2.4.L93.B0";
    }
  }
  auto files = BuildManifests(in);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  auto inf = Lines(files->at("manifest.m3u8"), "#EXT-X-STREAM-INF");
  ASSERT_EQ(inf.size(), 4u);
  EXPECT_NE(inf[0].find(",VIDEO-RANGE=SDR,"), std::string::npos) << inf[0];
  EXPECT_NE(inf[1].find(",VIDEO-RANGE=SDR,"), std::string::npos) << inf[1];
  EXPECT_NE(inf[2].find("FRAME-RATE=30.000,VIDEO-RANGE=PQ,AUDIO="), std::string::npos) << inf[2];
  EXPECT_NE(inf[3].find(",VIDEO-RANGE=PQ,"), std::string::npos) << inf[3];
  const std::string& mpd = files->at("manifest.mpd");
  EXPECT_NE(mpd.find("schemeIdUri=\"urn:mpeg:mpegB:cicp:TransferCharacteristics\" value=\"16\""),
            std::string::npos) << mpd;
  EXPECT_EQ(Count(mpd, "urn:mpeg:mpegB:cicp:TransferCharacteristics"), 1u);  // the HEVC set only
}

TEST(ManifestsCodecsTest, SdrOnlyMastersCarryNoVideoRange) {
  auto files = BuildManifests(TwoCodecs());
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(Count(files->at("manifest.m3u8"), "VIDEO-RANGE"), 0u);
}

}  // namespace
}  // namespace vtp::pipeline
