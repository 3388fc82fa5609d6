#include "pipeline/manifests.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace vtp::pipeline {
namespace {

using Bytes = std::vector<uint8_t>;

// AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1) around an x264
// High@3.1 SPS (67 64 00 1f ...) and a PPS.
Bytes HighAvcC() {
  const Bytes sps = {0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9, 0x40, 0x50, 0x05,
                     0xbb, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00,
                     0x00, 0x03, 0x03, 0xc0, 0xf1, 0x83, 0x19, 0x60};
  const Bytes pps = {0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0};
  Bytes out = {0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, static_cast<uint8_t>(sps.size())};
  out.insert(out.end(), sps.begin(), sps.end());
  out.insert(out.end(), {0x01, 0x00, static_cast<uint8_t>(pps.size())});
  out.insert(out.end(), pps.begin(), pps.end());
  return out;
}

// AudioSpecificConfig: AAC LC (object type 2), 48 kHz (index 3), stereo.
const Bytes kAacLc48kStereo = {0x11, 0x90};

struct Seg {
  double seconds;
  int64_t fmp4_bytes;
  int64_t ts_bytes;
};

media::PackagedTrack Track(const std::string& codec, Bytes config, int64_t timescale,
                           int64_t first_start, const std::vector<Seg>& segs) {
  media::PackagedTrack t;
  t.codec = codec;
  t.codec_config = std::move(config);
  t.timescale = timescale;
  t.presentation_offset = first_start;
  t.init_name = "init.mp4";
  int64_t start = first_start;
  for (size_t i = 0; i < segs.size(); ++i) {
    media::PackagedSegment s;
    s.start = start;
    s.duration = static_cast<int64_t>(segs[i].seconds * static_cast<double>(timescale));
    s.seconds = segs[i].seconds;
    s.fmp4_bytes = segs[i].fmp4_bytes;
    s.ts_bytes = segs[i].ts_bytes;
    char name[32];
    std::snprintf(name, sizeof(name), "segment_%03zu", i);
    s.fmp4_name = std::string(name) + ".m4s";
    s.ts_name = std::string(name) + ".ts";
    start += s.duration;
    t.segments.push_back(s);
  }
  return t;
}

// 720p: fMP4 rates 2.0, 3.0, 0.8 Mbit/s (peak 3,000,000; 2,700,000 bytes
// over 10 s = 2,160,000 average); TS rates 2.2, 3.2, 1.0 Mbit/s (peak
// 3,200,000; 2,950,000 bytes -> 2,360,000 average).
PackagedRendition Video720() {
  PackagedRendition r;
  r.name = "720p";
  r.dir = "h264/720p";
  r.track = Track("h264", HighAvcC(), 15360, 1024,
                  {{4, 1'000'000, 1'100'000}, {4, 1'500'000, 1'600'000}, {2, 200'000, 250'000}});
  r.track.width = 1280;
  r.track.height = 720;
  r.frame_rate = {30, 1};
  return r;
}

// 360p: fMP4 peak 1,000,000 (500,000 bytes in 4 s), average 900,000;
// TS peak 1,100,000, average 1,000,000.
PackagedRendition Video360() {
  PackagedRendition r;
  r.name = "360p";
  r.dir = "h264/360p";
  r.track = Track("h264", HighAvcC(), 15360, 1024,
                  {{4, 500'000, 550'000}, {4, 400'000, 450'000}, {2, 225'000, 250'000}});
  r.track.width = 640;
  r.track.height = 360;
  r.frame_rate = {30, 1};
  return r;
}

// Audio: fMP4 rates 128,000, 128,000, 132,000 (peak 132,000; 161,000 bytes
// over 10 s = 128,800 average); TS 140,000, 140,000, 144,000 (peak 144,000,
// average 140,800).
PackagedRendition Audio(const std::string& language) {
  PackagedRendition r;
  r.name = "aac_128k";
  r.dir = "audio/aac_128k";
  r.language = language;
  r.track = Track("aac", kAacLc48kStereo, 48000, 0,
                  {{4, 64'000, 70'000}, {4, 64'000, 70'000}, {2, 33'000, 36'000}});
  r.track.sample_rate = 48000;
  r.track.channels = 2;
  return r;
}

std::map<std::string, std::string> Build(const std::vector<PackagedRendition>& video,
                                         const std::optional<PackagedRendition>& audio) {
  auto files = BuildManifests(video, audio);
  EXPECT_TRUE(files.ok()) << files.status().ToString();
  return files.ok() ? *files : std::map<std::string, std::string>{};
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<std::string> LinesStartingWith(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& l : Lines(text)) {
    if (l.rfind(prefix, 0) == 0) out.push_back(l);
  }
  return out;
}

// Value of NAME=... in an HLS attribute list (quoted or not).
std::string Attr(const std::string& line, const std::string& name) {
  std::regex re("[:,]" + name + "=(\"[^\"]*\"|[^,]*)");
  std::smatch m;
  if (!std::regex_search(line, m, re)) return "";
  std::string v = m[1];
  if (!v.empty() && v.front() == '"') v = v.substr(1, v.size() - 2);
  return v;
}

// (STREAM-INF line, URI line) pairs of a master playlist.
std::vector<std::pair<std::string, std::string>> Variants(const std::string& master) {
  std::vector<std::pair<std::string, std::string>> out;
  auto lines = Lines(master);
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    if (lines[i].rfind("#EXT-X-STREAM-INF:", 0) == 0) out.push_back({lines[i], lines[i + 1]});
  }
  return out;
}

// The text of <Representation id="id" ...> ... </Representation>.
std::string RepresentationXml(const std::string& mpd, const std::string& id) {
  size_t begin = mpd.find("<Representation id=\"" + id + "\"");
  if (begin == std::string::npos) return "";
  size_t end = mpd.find("</Representation>", begin);
  return mpd.substr(begin, end - begin);
}

std::string XmlAttr(const std::string& element, const std::string& name) {
  std::regex re("\\s" + name + "=\"([^\"]*)\"");
  std::smatch m;
  return std::regex_search(element, m, re) ? std::string(m[1]) : "";
}

// Expands a SegmentTimeline (S@t, @d, @r) into segment start times.
std::vector<int64_t> TimelineStarts(const std::string& rep_xml) {
  std::vector<int64_t> starts;
  int64_t next = 0;
  for (const auto& line : Lines(rep_xml)) {
    if (line.find("<S ") == std::string::npos) continue;
    std::string t = XmlAttr(line, "t"), d = XmlAttr(line, "d"), r = XmlAttr(line, "r");
    if (!t.empty()) next = std::stoll(t);
    const int64_t dur = std::stoll(d);
    const int64_t repeat = r.empty() ? 0 : std::stoll(r);
    for (int64_t i = 0; i <= repeat; ++i) {
      starts.push_back(next);
      next += dur;
    }
  }
  return starts;
}

std::vector<int64_t> SegmentStarts(const media::PackagedTrack& t) {
  std::vector<int64_t> out;
  for (const auto& s : t.segments) out.push_back(s.start);
  return out;
}

// ------------------------------------------------------------ file set

TEST(BuildManifestsTest, WritesEveryPlaylistAndTheMpd) {
  auto files = Build({Video720(), Video360()}, Audio("en"));
  std::vector<std::string> names;
  for (const auto& [name, text] : files) {
    names.push_back(name);
    EXPECT_FALSE(text.empty()) << name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{
                       "audio/aac_128k/playlist.m3u8", "audio/aac_128k/playlist_ts.m3u8",
                       "h264/360p/playlist.m3u8", "h264/360p/playlist_ts.m3u8",
                       "h264/720p/playlist.m3u8", "h264/720p/playlist_ts.m3u8",
                       "manifest.m3u8", "manifest.mpd", "manifest_ts.m3u8"}));
}

TEST(BuildManifestsTest, NothingToDescribeIsAnError) {
  EXPECT_FALSE(BuildManifests({}, std::nullopt).ok());
}

TEST(BuildManifestsTest, UnknownCodecIsAnError) {
  PackagedRendition v = Video720();
  v.track.codec = "hevc";
  EXPECT_FALSE(BuildManifests({v}, std::nullopt).ok());
}

TEST(BuildManifestsTest, BrokenCodecConfigIsAnError) {
  PackagedRendition v = Video720();
  v.track.codec_config = {0x01, 0x64};  // truncated avcC
  EXPECT_FALSE(BuildManifests({v}, std::nullopt).ok());
}

// ------------------------------------------------------------ media playlists

TEST(BuildManifestsTest, CmafMediaPlaylistListsInitAndSegments) {
  auto files = Build({Video720()}, std::nullopt);
  const std::string& p = files["h264/720p/playlist.m3u8"];
  EXPECT_EQ(p.rfind("#EXTM3U\n", 0), 0u);
  EXPECT_NE(p.find("#EXT-X-MAP:URI=\"init.mp4\"\n"), std::string::npos) << p;
  EXPECT_NE(p.find("#EXT-X-TARGETDURATION:4\n"), std::string::npos) << p;
  EXPECT_NE(p.find("#EXT-X-PLAYLIST-TYPE:VOD\n"), std::string::npos);
  EXPECT_NE(p.find("#EXT-X-ENDLIST"), std::string::npos);
  auto lines = Lines(p);
  std::vector<std::string> uris;
  for (const auto& l : lines) {
    if (!l.empty() && l[0] != '#') uris.push_back(l);
  }
  EXPECT_EQ(uris, (std::vector<std::string>{"segment_000.m4s", "segment_001.m4s",
                                            "segment_002.m4s"}));
  EXPECT_EQ(LinesStartingWith(p, "#EXTINF:"),
            (std::vector<std::string>{"#EXTINF:4.000000,", "#EXTINF:4.000000,",
                                      "#EXTINF:2.000000,"}));
}

TEST(BuildManifestsTest, TsMediaPlaylistHasNoMap) {
  auto files = Build({Video720()}, Audio("und"));
  for (const std::string name : {"h264/720p/playlist_ts.m3u8", "audio/aac_128k/playlist_ts.m3u8"}) {
    const std::string& p = files[name];
    EXPECT_EQ(p.find("#EXT-X-MAP"), std::string::npos) << name;
    EXPECT_NE(p.find("segment_000.ts\n"), std::string::npos) << name;
    EXPECT_NE(p.find("segment_002.ts\n"), std::string::npos) << name;
    EXPECT_EQ(p.find(".m4s"), std::string::npos) << name;
  }
}

// ------------------------------------------------------------ master playlists

TEST(BuildManifestsTest, MasterBandwidthAddsAudioToEachVariant) {
  auto files = Build({Video720(), Video360()}, Audio("en"));
  auto cmaf = Variants(files["manifest.m3u8"]);
  ASSERT_EQ(cmaf.size(), 2u) << files["manifest.m3u8"];
  // RFC 8216 §4.3.4.2: BANDWIDTH covers every rendition played together.
  EXPECT_EQ(Attr(cmaf[0].first, "BANDWIDTH"), "3132000");          // 3,000,000 + 132,000
  EXPECT_EQ(Attr(cmaf[0].first, "AVERAGE-BANDWIDTH"), "2288800");  // 2,160,000 + 128,800
  EXPECT_EQ(Attr(cmaf[1].first, "BANDWIDTH"), "1132000");          // 1,000,000 + 132,000
  EXPECT_EQ(Attr(cmaf[1].first, "AVERAGE-BANDWIDTH"), "1028800");  // 900,000 + 128,800
  EXPECT_EQ(cmaf[0].second, "h264/720p/playlist.m3u8");
  EXPECT_EQ(cmaf[1].second, "h264/360p/playlist.m3u8");

  // The TS master rates the TS segments (bigger: PES/TS overhead).
  auto ts = Variants(files["manifest_ts.m3u8"]);
  ASSERT_EQ(ts.size(), 2u);
  EXPECT_EQ(Attr(ts[0].first, "BANDWIDTH"), "3344000");          // 3,200,000 + 144,000
  EXPECT_EQ(Attr(ts[0].first, "AVERAGE-BANDWIDTH"), "2500800");  // 2,360,000 + 140,800
  EXPECT_EQ(ts[0].second, "h264/720p/playlist_ts.m3u8");
  EXPECT_EQ(ts[1].second, "h264/360p/playlist_ts.m3u8");
}

TEST(BuildManifestsTest, MasterVariantAttributes) {
  auto files = Build({Video720()}, Audio("en"));
  auto v = Variants(files["manifest.m3u8"]);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(Attr(v[0].first, "CODECS"), "avc1.64001f,mp4a.40.2");
  EXPECT_EQ(Attr(v[0].first, "RESOLUTION"), "1280x720");
  EXPECT_EQ(Attr(v[0].first, "FRAME-RATE"), "30.000");
  EXPECT_EQ(Attr(v[0].first, "AUDIO"), "aac_128k");  // groups are named by rendition
  EXPECT_EQ(Attr(v[0].first, "CLOSED-CAPTIONS"), "NONE");
}

TEST(BuildManifestsTest, AudioGroupIsTaggedWithLanguage) {
  auto files = Build({Video720()}, Audio("en"));
  for (const std::string name : {"manifest.m3u8", "manifest_ts.m3u8"}) {
    auto media = LinesStartingWith(files[name], "#EXT-X-MEDIA:");
    ASSERT_EQ(media.size(), 1u) << name;
    EXPECT_EQ(Attr(media[0], "TYPE"), "AUDIO");
    EXPECT_EQ(Attr(media[0], "GROUP-ID"), "aac_128k");
    EXPECT_EQ(Attr(media[0], "LANGUAGE"), "en");
    EXPECT_EQ(Attr(media[0], "CHANNELS"), "2");
    EXPECT_EQ(Attr(media[0], "DEFAULT"), "YES");
    EXPECT_EQ(Attr(media[0], "AUTOSELECT"), "YES");
    const std::string playlist = name == "manifest.m3u8" ? "playlist.m3u8" : "playlist_ts.m3u8";
    EXPECT_EQ(Attr(media[0], "URI"), "audio/aac_128k/" + playlist);
  }
}

TEST(BuildManifestsTest, UndeterminedLanguageIsNotWritten) {
  for (const std::string lang : {"und", ""}) {
    auto files = Build({Video720()}, Audio(lang));
    auto media = LinesStartingWith(files["manifest.m3u8"], "#EXT-X-MEDIA:");
    ASSERT_EQ(media.size(), 1u);
    EXPECT_EQ(media[0].find("LANGUAGE="), std::string::npos) << media[0];
    EXPECT_FALSE(Attr(media[0], "NAME").empty());
    EXPECT_EQ(files["manifest.mpd"].find("lang="), std::string::npos) << lang;
  }
  auto tagged = Build({Video720()}, Audio("de"));
  EXPECT_NE(tagged["manifest.mpd"].find("lang=\"de\""), std::string::npos);
}

TEST(BuildManifestsTest, AudioOnlyHasOneAudioVariant) {
  auto files = Build({}, Audio("en"));
  EXPECT_EQ(files.count("manifest.mpd"), 1u);
  EXPECT_EQ(files.count("audio/aac_128k/playlist.m3u8"), 1u);
  for (const std::string name : {"manifest.m3u8", "manifest_ts.m3u8"}) {
    const std::string& m = files[name];
    EXPECT_EQ(m.find("#EXT-X-MEDIA"), std::string::npos) << m;
    auto v = Variants(m);
    ASSERT_EQ(v.size(), 1u) << m;
    EXPECT_EQ(Attr(v[0].first, "CODECS"), "mp4a.40.2");
    EXPECT_EQ(v[0].first.find("RESOLUTION"), std::string::npos);
    EXPECT_EQ(v[0].first.find("AUDIO="), std::string::npos);
  }
  auto cmaf = Variants(files["manifest.m3u8"]);
  EXPECT_EQ(Attr(cmaf[0].first, "BANDWIDTH"), "132000");
  EXPECT_EQ(Attr(cmaf[0].first, "AVERAGE-BANDWIDTH"), "128800");
  EXPECT_EQ(cmaf[0].second, "audio/aac_128k/playlist.m3u8");
  auto ts = Variants(files["manifest_ts.m3u8"]);
  EXPECT_EQ(Attr(ts[0].first, "BANDWIDTH"), "144000");
  EXPECT_EQ(ts[0].second, "audio/aac_128k/playlist_ts.m3u8");
  // The MPD has only the audio AdaptationSet.
  EXPECT_EQ(files["manifest.mpd"].find("contentType=\"video\""), std::string::npos);
  EXPECT_NE(files["manifest.mpd"].find("contentType=\"audio\""), std::string::npos);
}

TEST(BuildManifestsTest, VideoOnlyHasNoAudioReferences) {
  auto files = Build({Video720(), Video360()}, std::nullopt);
  for (const std::string name : {"manifest.m3u8", "manifest_ts.m3u8"}) {
    const std::string& m = files[name];
    EXPECT_EQ(m.find("#EXT-X-MEDIA"), std::string::npos);
    auto v = Variants(m);
    ASSERT_EQ(v.size(), 2u);
    for (const auto& [inf, uri] : v) {
      EXPECT_EQ(inf.find("AUDIO="), std::string::npos) << inf;
      EXPECT_EQ(Attr(inf, "CODECS"), "avc1.64001f");
    }
  }
  auto v = Variants(files["manifest.m3u8"]);
  EXPECT_EQ(Attr(v[0].first, "BANDWIDTH"), "3000000");
  EXPECT_EQ(Attr(v[0].first, "AVERAGE-BANDWIDTH"), "2160000");
  EXPECT_EQ(files["manifest.mpd"].find("contentType=\"audio\""), std::string::npos);
}

// ------------------------------------------------------------ MPD

TEST(BuildManifestsTest, MpdTimelineMatchesSegments) {
  PackagedRendition v = Video720();
  PackagedRendition a = Audio("en");
  auto files = Build({v}, a);
  const std::string& mpd = files["manifest.mpd"];

  std::string video = RepresentationXml(mpd, "h264_720p");
  ASSERT_FALSE(video.empty()) << mpd;
  EXPECT_EQ(XmlAttr(video, "codecs"), "avc1.64001f");
  EXPECT_EQ(XmlAttr(video, "width"), "1280");
  EXPECT_EQ(XmlAttr(video, "height"), "720");
  EXPECT_EQ(XmlAttr(video, "bandwidth"), "3000000");  // video alone in DASH
  EXPECT_EQ(XmlAttr(video, "timescale"), "15360");
  EXPECT_EQ(XmlAttr(video, "presentationTimeOffset"), "1024");
  EXPECT_EQ(XmlAttr(video, "initialization"), "h264/720p/init.mp4");
  EXPECT_EQ(TimelineStarts(video), SegmentStarts(v.track));

  std::string audio = RepresentationXml(mpd, "aac_128k");
  ASSERT_FALSE(audio.empty()) << mpd;
  EXPECT_EQ(XmlAttr(audio, "codecs"), "mp4a.40.2");
  EXPECT_EQ(XmlAttr(audio, "audioSamplingRate"), "48000");
  EXPECT_EQ(XmlAttr(audio, "bandwidth"), "132000");
  EXPECT_EQ(TimelineStarts(audio), SegmentStarts(a.track));
  // An offset of 0 is the default; writing it is optional.
  std::string pto = XmlAttr(audio, "presentationTimeOffset");
  EXPECT_TRUE(pto.empty() || pto == "0") << pto;

  // 10 s from the presented start (1024) to the end of the last segment.
  EXPECT_NE(mpd.find("mediaPresentationDuration=\"PT10.000S\""), std::string::npos) << mpd;
}

TEST(BuildManifestsTest, MpdTemplateAddressesThePackagedFiles) {
  PackagedRendition v = Video720();
  auto files = Build({v}, std::nullopt);
  std::string rep = RepresentationXml(files["manifest.mpd"], "h264_720p");
  std::string media = XmlAttr(rep, "media");
  const int64_t start_number = std::stoll(XmlAttr(rep, "startNumber"));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(media, m, std::regex("\\$Number(%0(\\d+)d)?\\$"))) << media;
  const int width = m[2].matched ? std::stoi(m[2]) : 0;
  for (size_t i = 0; i < v.track.segments.size(); ++i) {
    char num[32];
    std::snprintf(num, sizeof(num), "%0*lld", width, static_cast<long long>(start_number + static_cast<int64_t>(i)));
    std::string expanded = std::string(m.prefix()) + num + std::string(m.suffix());
    EXPECT_EQ(expanded, v.dir + "/" + v.track.segments[i].fmp4_name) << i;
  }
}

TEST(BuildManifestsTest, MpdTimelineKeepsGaps) {
  PackagedRendition v = Video720();
  // Drop the middle segment's time: the third segment now starts later than
  // the second ended, so its S must carry its own @t.
  v.track.segments[2].start += 15360;
  auto files = Build({v}, std::nullopt);
  std::string rep = RepresentationXml(files["manifest.mpd"], "h264_720p");
  EXPECT_EQ(TimelineStarts(rep), SegmentStarts(v.track));
}

// ------------------------------------------------------------ MeasureBitrates

media::PackagedTrack RateTrack(const std::vector<Seg>& segs) {
  return Track("h264", HighAvcC(), 90000, 0, segs);
}

TEST(MeasureBitratesTest, PeakIsLargestSegmentAverageIsTotal) {
  auto t = RateTrack({{4, 500'000, 600'000}, {4, 1'000'000, 1'100'000}, {4, 300'000, 400'000}});
  Bitrates f = MeasureBitrates(t, false);
  EXPECT_EQ(f.peak, 2'000'000);
  EXPECT_EQ(f.average, 1'800'000 * 8 / 12);
  Bitrates ts = MeasureBitrates(t, true);
  EXPECT_EQ(ts.peak, 2'200'000);
  EXPECT_EQ(ts.average, 2'100'000 * 8 / 12);
}

TEST(MeasureBitratesTest, ShortFinalSegmentRatedOverOneSecond) {
  // 100,000 bytes in 0.25 s would be 3.2 Mbit/s; over 1 s it is 0.8 Mbit/s,
  // below the 2 Mbit/s of the full segment.
  auto t = RateTrack({{4, 1'000'000, 1'000'000}, {0.25, 100'000, 100'000}});
  Bitrates b = MeasureBitrates(t, false);
  EXPECT_EQ(b.peak, 2'000'000);
  EXPECT_LE(b.average, b.peak);
  EXPECT_GT(b.average, 0);
}

TEST(MeasureBitratesTest, SegmentsOfAtLeastOneSecondUseTheirOwnDuration) {
  auto t = RateTrack({{1.5, 300'000, 300'000}});
  EXPECT_EQ(MeasureBitrates(t, false).peak, 1'600'000);
}

TEST(MeasureBitratesTest, RoundsUp) {
  // 1 byte in 3 s is 2.67 bit/s: a BANDWIDTH must not understate it.
  auto t = RateTrack({{3, 1, 1}});
  Bitrates b = MeasureBitrates(t, false);
  EXPECT_EQ(b.peak, 3);
  EXPECT_EQ(b.average, 3);
}

TEST(MeasureBitratesTest, AverageNeverExceedsPeak) {
  for (const auto& segs : std::vector<std::vector<Seg>>{
           {{0.5, 100'000, 100'000}},
           {{0.1, 10, 10}, {0.1, 1'000'000, 1'000'000}},
           {{4, 1, 1}, {0.04, 5'000'000, 5'000'000}},
           {{2, 0, 0}},
       }) {
    Bitrates b = MeasureBitrates(RateTrack(segs), false);
    EXPECT_GT(b.average, 0);
    EXPECT_LE(b.average, b.peak);
  }
}

}  // namespace
}  // namespace vtp::pipeline

// ------------------------------------------------------------ tracks

namespace vtp::pipeline {
namespace {

// Rendition `name` of audio track `group` (the default track or not).
PackagedRendition TrackAudio(const std::string& group, const std::string& lang, const std::string& name,
                             const std::string& codec, int channels, bool is_default) {
  PackagedRendition r = Audio(lang);
  r.name = name;
  r.dir = "audio/" + group + "/" + name;
  r.group = group;
  r.label = lang == "en" ? "English" : "Deutsch";
  r.is_default = is_default;
  r.track.codec = codec;
  r.track.channels = channels;
  if (codec == "opus") {
    r.track.codec_config.clear();
    for (auto& seg : r.track.segments) {  // packaged without MPEG-TS
      seg.ts_name.clear();
      seg.ts_bytes = 0;
    }
  }
  return r;
}

ManifestInput TwoTracks() {
  ManifestInput in;
  in.video = {Video360(), Video720()};
  for (const auto& [group, lang, def] : {std::tuple{"en", "en", true}, std::tuple{"de", "de", false}}) {
    in.audio.push_back(TrackAudio(group, lang, "aac_64k", "aac", 2, def));
    in.audio.push_back(TrackAudio(group, lang, "aac_128k", "aac", 2, def));
    in.audio.push_back(TrackAudio(group, lang, "opus_96k", "opus", 2, def));
  }
  in.audio.push_back(TrackAudio("de", "de", "aac51_384k", "aac", 6, false));
  return in;
}

std::map<std::string, std::string> BuildIn(const ManifestInput& in) {
  auto files = BuildManifests(in);
  EXPECT_TRUE(files.ok()) << files.status().ToString();
  return files.ok() ? *files : std::map<std::string, std::string>{};
}

TEST(BuildManifestsTest, EachRungPairsWithTheAudioRateOfItsRankPerFamily) {
  auto files = BuildIn(TwoTracks());
  auto cmaf = Variants(files["manifest.m3u8"]);
  std::vector<std::pair<std::string, std::string>> got;  // (video uri, audio group)
  for (const auto& [line, uri] : cmaf) got.emplace_back(uri, Attr(line, "AUDIO"));
  EXPECT_EQ(got, (std::vector<std::pair<std::string, std::string>>{
                     {"h264/360p/playlist.m3u8", "aac_64k"},
                     {"h264/720p/playlist.m3u8", "aac_128k"},
                     {"h264/360p/playlist.m3u8", "opus_96k"},
                     {"h264/720p/playlist.m3u8", "opus_96k"},
                     {"h264/360p/playlist.m3u8", "aac51_384k"},
                     {"h264/720p/playlist.m3u8", "aac51_384k"}}));
  EXPECT_EQ(Attr(cmaf[2].first, "CODECS"), "avc1.64001f,opus");
  // One EXT-X-MEDIA per track in each group; the 5.1 group has only "de",
  // so it is that group's default.
  auto media = LinesStartingWith(files["manifest.m3u8"], "#EXT-X-MEDIA:TYPE=AUDIO");
  ASSERT_EQ(media.size(), 7u);
  EXPECT_EQ(Attr(media[0], "NAME"), "English");
  EXPECT_EQ(Attr(media[0], "DEFAULT"), "YES");
  EXPECT_EQ(Attr(media[1], "NAME"), "Deutsch");
  EXPECT_EQ(Attr(media[1], "DEFAULT"), "NO");
  EXPECT_EQ(Attr(media[6], "CHANNELS"), "6");
  EXPECT_EQ(Attr(media[6], "DEFAULT"), "YES");
  // MPEG-TS cannot carry Opus: its master lists the AAC families only.
  auto ts = Variants(files["manifest_ts.m3u8"]);
  EXPECT_EQ(ts.size(), 4u);
  for (const auto& [line, uri] : ts) EXPECT_EQ(Attr(line, "CODECS").find("opus"), std::string::npos);
  EXPECT_EQ(files.count("audio/en/opus_96k/playlist_ts.m3u8"), 0u);
  // DASH: a set per (track, family) with lang, Label and Role.
  const std::string& mpd = files["manifest.mpd"];
  EXPECT_NE(mpd.find("<Representation id=\"en_opus_96k\" codecs=\"opus\""), std::string::npos) << mpd;
  EXPECT_NE(mpd.find("<Role schemeIdUri=\"urn:mpeg:dash:role:2011\" value=\"alternate\"/>"), std::string::npos);
  size_t sets = 0;
  for (size_t p = mpd.find("contentType=\"audio\""); p != std::string::npos; p = mpd.find("contentType=\"audio\"", p + 1)) ++sets;
  EXPECT_EQ(sets, 5u);  // en: AAC, Opus; de: AAC, Opus, AAC 5.1
}

TEST(BuildManifestsTest, SubtitlesAreSegmentedOnBothMediaClocks) {
  ManifestInput in = TwoTracks();
  SubtitleTrackOut en;
  en.key = "en";
  en.language = "en";
  en.label = "English";
  en.file = "subtitles/en.vtt";
  en.bytes = 1000;
  en.cues = {{500, 1500, "one", "", ""}, {3500, 4500, "spans", "", ""}, {9000, 9500, "last", "", ""}};
  in.subtitles.push_back(en);
  SubtitleTrackOut cc = en;
  cc.key = "en-auto";
  cc.label = "English (auto)";
  cc.captions = true;
  cc.file = "subtitles/en-auto.vtt";
  in.subtitles.push_back(cc);
  auto files = BuildIn(in);
  // Video: segments at 0, 4, 8 s, presented from media time 1024/15360 s.
  EXPECT_EQ(files["subtitles/en/segment_000.vtt"],
            "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:6000,LOCAL:00:00:00.000\n\n"
            "00:00:00.500 --> 00:00:01.500\none\n\n00:00:03.500 --> 00:00:04.500\nspans\n\n");
  EXPECT_NE(files["subtitles/en/segment_001.vtt"].find("spans"), std::string::npos);
  EXPECT_NE(files["subtitles/en/segment_002.vtt"].find("last"), std::string::npos);
  EXPECT_EQ(files["subtitles/en/ts_segment_000.vtt"].rfind("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:906000,", 0), 0u);
  EXPECT_EQ(files["subtitles/en/playlist.m3u8"].find("#EXT-X-MAP"), std::string::npos);
  EXPECT_NE(files["subtitles/en/playlist_ts.m3u8"].find("ts_segment_002.vtt"), std::string::npos);
  auto subs = LinesStartingWith(files["manifest.m3u8"], "#EXT-X-MEDIA:TYPE=SUBTITLES");
  ASSERT_EQ(subs.size(), 2u);
  EXPECT_EQ(Attr(subs[1], "NAME"), "English (auto)");
  // Two tracks with one label (say a full and a forced English stream) get
  // distinct NAMEs, as RFC 8216 requires within a group.
  ManifestInput twice = in;
  twice.subtitles[1].label = "English";
  auto names = LinesStartingWith(BuildIn(twice)["manifest.m3u8"], "#EXT-X-MEDIA:TYPE=SUBTITLES");
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(Attr(names[0], "NAME"), "English");
  EXPECT_EQ(Attr(names[1], "NAME"), "English (2)");
  EXPECT_EQ(Attr(subs[1], "CHARACTERISTICS"), "public.accessibility.transcribes-spoken-dialog");
  EXPECT_EQ(Attr(LinesStartingWith(files["manifest_ts.m3u8"], "#EXT-X-MEDIA:TYPE=SUBTITLES")[0], "URI"),
            "subtitles/en/playlist_ts.m3u8");
  for (const auto& [line, uri] : Variants(files["manifest.m3u8"])) EXPECT_EQ(Attr(line, "SUBTITLES"), "subs");
  const std::string& mpd = files["manifest.mpd"];
  EXPECT_NE(mpd.find("<BaseURL>subtitles/en-auto.vtt</BaseURL>"), std::string::npos) << mpd;
  EXPECT_NE(mpd.find("value=\"caption\""), std::string::npos);
  EXPECT_NE(mpd.find("value=\"subtitle\""), std::string::npos);
}

TEST(BuildManifestsTest, SpriteSheetsBecomeADashImageSet) {
  ManifestInput in = TwoTracks();
  ThumbnailTrackOut t;
  t.sprites = {"thumbnails/sprite_001.jpg", "thumbnails/sprite_002.jpg"};
  t.cols = 5;
  t.rows = 4;
  t.tile_width = 160;
  t.tile_height = 90;
  t.interval_seconds = 2;
  t.bytes = 50'000;
  in.thumbnails = t;
  auto files = BuildIn(in);
  const std::string& mpd = files["manifest.mpd"];
  EXPECT_NE(mpd.find("contentType=\"image\" mimeType=\"image/jpeg\""), std::string::npos) << mpd;
  std::string rep = RepresentationXml(mpd, "thumbnails");
  EXPECT_EQ(XmlAttr(rep, "width"), "800");
  EXPECT_EQ(XmlAttr(rep, "height"), "360");
  EXPECT_EQ(XmlAttr(rep, "duration"), "40000");  // 20 tiles x 2 s, in ms
  EXPECT_EQ(XmlAttr(rep, "media"), "thumbnails/sprite_$Number%03d$.jpg");
  EXPECT_EQ(XmlAttr(rep, "startNumber"), "1");
  EXPECT_NE(rep.find("http://dashif.org/thumbnail_tile\" value=\"5x4\""), std::string::npos);
}

}  // namespace
}  // namespace vtp::pipeline
