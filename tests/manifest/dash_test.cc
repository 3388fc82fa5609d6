#include "manifest/dash.h"

#include <gtest/gtest.h>

#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace vtp::manifest {
namespace {

// `count` contiguous segments of `duration` ticks starting at `start`.
std::vector<SegmentTime> Uniform(int64_t start, int64_t duration, int count) {
  std::vector<SegmentTime> out;
  for (int i = 0; i < count; ++i) out.push_back({start + i * duration, duration});
  return out;
}

Representation VideoRep(const std::string& id, const std::string& codecs, int64_t bandwidth,
                        int width, int height) {
  Representation rep;
  rep.id = id;
  rep.codecs = codecs;
  rep.bandwidth = bandwidth;
  rep.format = VideoFormat{width, height, Rational{30000, 1001}, Rational{1, 1}};
  rep.segment_template.timescale = 30000;
  rep.segment_template.initialization = "h264/" + id + "/init.mp4";
  rep.segment_template.media = "h264/" + id + "/segment_$Number%03d$.m4s";
  rep.segment_template.segments = Uniform(0, 120120, 2);
  rep.segment_template.segments.push_back({240240, 60060});
  return rep;
}

Representation AudioRep() {
  Representation rep;
  rep.id = "aac_128k";
  rep.codecs = "mp4a.40.2";
  rep.bandwidth = 128000;
  rep.format = AudioFormat{48000, 2};
  rep.segment_template.timescale = 48000;
  rep.segment_template.initialization = "aac/128k/init.mp4";
  rep.segment_template.media = "aac/128k/segment_$Number%03d$.m4s";
  rep.segment_template.segments = Uniform(0, 192512, 2);
  rep.segment_template.segments.push_back({385024, 96256});
  return rep;
}

AdaptationSet AudioSet(Representation rep) {
  AdaptationSet set;
  set.id = 1;
  set.content_type = ContentType::kAudio;
  set.mime_type = "audio/mp4";
  set.lang = "en";
  set.representations = {std::move(rep)};
  return set;
}

Mpd VodMpd() {
  Mpd mpd;
  mpd.media_presentation_duration_seconds = 10.01;
  AdaptationSet video;
  video.id = 0;
  video.content_type = ContentType::kVideo;
  video.mime_type = "video/mp4";
  video.representations = {VideoRep("720p", "avc1.64001f", 3000000, 1280, 720),
                           VideoRep("360p", "avc1.4d401e", 800000, 640, 360)};
  mpd.adaptation_sets = {video, AudioSet(AudioRep())};
  return mpd;
}

// An MPD with one audio Representation using `segments`.
Mpd AudioOnlyMpd(std::vector<SegmentTime> segments) {
  Representation rep = AudioRep();
  rep.segment_template.segments = std::move(segments);
  Mpd mpd;
  mpd.media_presentation_duration_seconds = 4.0;
  mpd.adaptation_sets = {AudioSet(rep)};
  return mpd;
}

// The S lines written for `segments`, without indentation.
std::string TimelineOf(std::vector<SegmentTime> segments) {
  auto text = WriteMpd(AudioOnlyMpd(std::move(segments)));
  if (!text.ok()) return "error: " + text.status().ToString();
  const std::string open = "<SegmentTimeline>\n";
  const size_t begin = text->find(open) + open.size();
  std::istringstream block(text->substr(begin, text->find("</SegmentTimeline>") - begin));
  std::string lines;
  for (std::string line; std::getline(block, line);) {
    const size_t indent = line.find_first_not_of(' ');
    if (indent != std::string::npos) lines += line.substr(indent) + "\n";
  }
  return lines;
}

template <typename T>
void ExpectInvalid(const StatusOr<T>& result, const std::string& needle) {
  ASSERT_FALSE(result.ok()) << "expected an error mentioning " << needle;
  EXPECT_EQ(result.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find(needle), std::string::npos)
      << result.status().message();
}

TEST(DashMpdTest, VideoAndAudioSets) {
  auto text = WriteMpd(VodMpd());
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, R"(<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011,urn:mpeg:dash:profile:cmaf:2019" type="static" mediaPresentationDuration="PT10.010S" minBufferTime="PT2.000S">
  <Period id="0" start="PT0S">
    <AdaptationSet id="0" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1" maxWidth="1280" maxHeight="720" maxFrameRate="30000/1001">
      <Representation id="720p" codecs="avc1.64001f" bandwidth="3000000" width="1280" height="720" frameRate="30000/1001" sar="1:1">
        <SegmentTemplate timescale="30000" initialization="h264/720p/init.mp4" media="h264/720p/segment_$Number%03d$.m4s" startNumber="0">
          <SegmentTimeline>
            <S t="0" d="120120" r="1"/>
            <S d="60060"/>
          </SegmentTimeline>
        </SegmentTemplate>
      </Representation>
      <Representation id="360p" codecs="avc1.4d401e" bandwidth="800000" width="640" height="360" frameRate="30000/1001" sar="1:1">
        <SegmentTemplate timescale="30000" initialization="h264/360p/init.mp4" media="h264/360p/segment_$Number%03d$.m4s" startNumber="0">
          <SegmentTimeline>
            <S t="0" d="120120" r="1"/>
            <S d="60060"/>
          </SegmentTimeline>
        </SegmentTemplate>
      </Representation>
    </AdaptationSet>
    <AdaptationSet id="1" contentType="audio" lang="en" mimeType="audio/mp4" segmentAlignment="true" startWithSAP="1">
      <Representation id="aac_128k" codecs="mp4a.40.2" bandwidth="128000" audioSamplingRate="48000">
        <AudioChannelConfiguration schemeIdUri="urn:mpeg:dash:23003:3:audio_channel_configuration:2011" value="2"/>
        <SegmentTemplate timescale="48000" initialization="aac/128k/init.mp4" media="aac/128k/segment_$Number%03d$.m4s" startNumber="0">
          <SegmentTimeline>
            <S t="0" d="192512" r="1"/>
            <S d="96256"/>
          </SegmentTimeline>
        </SegmentTemplate>
      </Representation>
    </AdaptationSet>
  </Period>
</MPD>
)");
}

TEST(DashMpdTest, OptionalAttributesAndReducedRatios) {
  Mpd mpd;
  mpd.profiles = {kDashProfileIsoffLive};
  mpd.media_presentation_duration_seconds = 12.345;
  mpd.min_buffer_time_seconds = 1.5;
  AdaptationSet set;
  set.id = 3;
  set.mime_type = "video/mp4";
  Representation rep = VideoRep("v", "avc1.64001f", 1000, 960, 540);
  rep.format = VideoFormat{960, 540, Rational{60, 2}, Rational{64, 48}};
  rep.segment_template.start_number = 1;
  rep.segment_template.presentation_time_offset = 1001;
  rep.segment_template.media = "v/$RepresentationID$_$Time$.m4s";
  rep.segment_template.segments = {{1001, 3003}};
  set.representations = {rep};
  mpd.adaptation_sets = {set};
  auto text = WriteMpd(mpd);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, R"(<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011" type="static" mediaPresentationDuration="PT12.345S" minBufferTime="PT1.500S">
  <Period id="0" start="PT0S">
    <AdaptationSet id="3" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1" maxWidth="960" maxHeight="540" maxFrameRate="30">
      <Representation id="v" codecs="avc1.64001f" bandwidth="1000" width="960" height="540" frameRate="30" sar="4:3">
        <SegmentTemplate timescale="30000" presentationTimeOffset="1001" initialization="h264/v/init.mp4" media="v/$RepresentationID$_$Time$.m4s" startNumber="1">
          <SegmentTimeline>
            <S t="1001" d="3003"/>
          </SegmentTimeline>
        </SegmentTemplate>
      </Representation>
    </AdaptationSet>
  </Period>
</MPD>
)");
}

TEST(DashMpdTest, MaxFrameRateIsTheLargestRate) {
  Mpd mpd = VodMpd();
  auto& reps = mpd.adaptation_sets[0].representations;
  std::get<VideoFormat>(reps[0].format).frame_rate = Rational{25, 1};
  std::get<VideoFormat>(reps[1].format).frame_rate = Rational{60000, 1001};
  auto text = WriteMpd(mpd);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_NE(text->find("maxFrameRate=\"60000/1001\""), std::string::npos);
}

TEST(DashTimelineTest, AllEqualCollapseIntoOneS) {
  EXPECT_EQ(TimelineOf(Uniform(0, 96000, 5)), "<S t=\"0\" d=\"96000\" r=\"4\"/>\n");
  EXPECT_EQ(TimelineOf(Uniform(0, 96000, 1)), "<S t=\"0\" d=\"96000\"/>\n");
}

TEST(DashTimelineTest, LastSegmentShorter) {
  auto segments = Uniform(0, 96000, 4);
  segments.push_back({384000, 20000});
  EXPECT_EQ(TimelineOf(segments),
            "<S t=\"0\" d=\"96000\" r=\"3\"/>\n"
            "<S d=\"20000\"/>\n");
}

TEST(DashTimelineTest, AlternatingDurationsNeedNoT) {
  EXPECT_EQ(TimelineOf({{0, 100}, {100, 50}, {150, 100}, {250, 100}}),
            "<S t=\"0\" d=\"100\"/>\n"
            "<S d=\"50\"/>\n"
            "<S d=\"100\" r=\"1\"/>\n");
}

TEST(DashTimelineTest, GapForcesT) {
  EXPECT_EQ(TimelineOf({{0, 100}, {100, 100}, {250, 100}, {350, 100}}),
            "<S t=\"0\" d=\"100\" r=\"1\"/>\n"
            "<S t=\"250\" d=\"100\" r=\"1\"/>\n");
}

TEST(DashTimelineTest, GapAfterARunAndBeforeADifferentDuration) {
  EXPECT_EQ(TimelineOf({{0, 100}, {100, 100}, {200, 100}, {301, 99}, {400, 100}}),
            "<S t=\"0\" d=\"100\" r=\"2\"/>\n"
            "<S t=\"301\" d=\"99\"/>\n"
            "<S d=\"100\"/>\n");
}

TEST(DashTimelineTest, NonZeroFirstStart) {
  EXPECT_EQ(TimelineOf(Uniform(1024, 1024, 3)), "<S t=\"1024\" d=\"1024\" r=\"2\"/>\n");
}

TEST(DashMpdTest, DurationFormatting) {
  const std::vector<std::pair<double, std::string>> cases = {
      {12.345, "PT12.345S"}, {1.0, "PT1.000S"},      {125.5, "PT125.500S"},
      {3600, "PT3600.000S"}, {59.9996, "PT60.000S"}, {0.001, "PT0.001S"}};
  for (const auto& [seconds, expected] : cases) {
    Mpd mpd = AudioOnlyMpd(Uniform(0, 1024, 1));
    mpd.media_presentation_duration_seconds = seconds;
    auto text = WriteMpd(mpd);
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    EXPECT_NE(text->find("mediaPresentationDuration=\"" + expected + "\""), std::string::npos)
        << seconds;
  }
}

TEST(DashMpdTest, EscapesAttributeValues) {
  Mpd mpd = AudioOnlyMpd(Uniform(0, 1024, 1));
  mpd.profiles = {"urn:x:a&b"};
  auto& tmpl = mpd.adaptation_sets[0].representations[0].segment_template;
  tmpl.initialization = "in\"it'<&>\t.mp4";
  tmpl.media = "cost$$/seg_$Number$.m4s?a=1&b=2";
  auto text = WriteMpd(mpd);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_NE(text->find("profiles=\"urn:x:a&amp;b\""), std::string::npos);
  EXPECT_NE(text->find("initialization=\"in&quot;it'&lt;&amp;&gt;&#9;.mp4\""),
            std::string::npos);
  EXPECT_NE(text->find("media=\"cost$$/seg_$Number$.m4s?a=1&amp;b=2\""), std::string::npos);
}

TEST(DashMpdTest, RejectsTextXmlCannotHold) {
  Mpd mpd = AudioOnlyMpd(Uniform(0, 1024, 1));
  mpd.adaptation_sets[0].representations[0].codecs = "mp4a\x01";
  ExpectInvalid(WriteMpd(mpd), "codecs contains a character XML cannot hold");
  mpd.adaptation_sets[0].representations[0].codecs = "mp4a\xC3";
  ExpectInvalid(WriteMpd(mpd), "codecs is not valid UTF-8");
  mpd.adaptation_sets[0].representations[0].codecs = "mp4a\xEF\xBF\xBF";  // U+FFFF
  ExpectInvalid(WriteMpd(mpd), "codecs contains a character XML cannot hold");
}

TEST(DashMpdTest, RejectsBadTemplates) {
  const std::vector<std::pair<std::string, std::string>> bad_media = {
      {"seg_$number$.m4s", "unknown identifier $number$"},
      {"seg.m4s", "must contain $Number$ or $Time$"},
      {"seg_$Number.m4s", "unmatched '$'"},
      {"seg_$Number%3d$.m4s", "bad format tag"},
      {"$RepresentationID%05d$_$Number$.m4s", "bad format tag"},
      {"", "media is empty"}};
  for (const auto& [media, needle] : bad_media) {
    Mpd mpd = AudioOnlyMpd(Uniform(0, 1024, 1));
    mpd.adaptation_sets[0].representations[0].segment_template.media = media;
    ExpectInvalid(WriteMpd(mpd), needle);
  }
  Mpd mpd = AudioOnlyMpd(Uniform(0, 1024, 1));
  mpd.adaptation_sets[0].representations[0].segment_template.initialization = "i_$Number$.mp4";
  ExpectInvalid(WriteMpd(mpd), "initialization may not use $Number$");
}

TEST(DashMpdTest, RejectsBadTimelines) {
  ExpectInvalid(WriteMpd(AudioOnlyMpd({})), "has no segments");
  ExpectInvalid(WriteMpd(AudioOnlyMpd({{0, 0}})), "segment 0 needs");
  ExpectInvalid(WriteMpd(AudioOnlyMpd({{-1, 10}})), "segment 0 needs");
  ExpectInvalid(WriteMpd(AudioOnlyMpd({{0, 10}, {0, 10}})), "segment 1 overlaps");
  // §5.3.9.6 forbids overlaps, even small ones.
  ExpectInvalid(WriteMpd(AudioOnlyMpd({{0, 100}, {90, 100}})), "segment 1 overlaps");
  ExpectInvalid(WriteMpd(AudioOnlyMpd({{std::numeric_limits<int64_t>::max(), 10}})),
                "segment 0 needs");
  Mpd mpd = AudioOnlyMpd(Uniform(0, 1024, 1));
  mpd.adaptation_sets[0].representations[0].segment_template.timescale = 0;
  ExpectInvalid(WriteMpd(mpd), "timescale");
}

TEST(DashMpdTest, RejectsInconsistentModels) {
  Mpd mpd = VodMpd();
  mpd.adaptation_sets.clear();
  ExpectInvalid(WriteMpd(mpd), "no AdaptationSets");
  mpd = VodMpd();
  mpd.adaptation_sets[0].representations[1].id = "720p";
  ExpectInvalid(WriteMpd(mpd), "Representation \"720p\" id is not unique");
  mpd = VodMpd();
  mpd.adaptation_sets[0].representations[1].id = "360 p";
  ExpectInvalid(WriteMpd(mpd), "id contains whitespace");
  mpd = VodMpd();
  mpd.adaptation_sets[1].id = 0;
  ExpectInvalid(WriteMpd(mpd), "AdaptationSet 0 id is not unique");
  mpd = VodMpd();
  mpd.adaptation_sets[1].representations.push_back(mpd.adaptation_sets[0].representations[0]);
  mpd.adaptation_sets[1].representations.back().id = "video_in_audio";
  ExpectInvalid(WriteMpd(mpd), "is video in an audio set");
  mpd = VodMpd();
  std::get<VideoFormat>(mpd.adaptation_sets[0].representations[0].format).frame_rate = {0, 1};
  ExpectInvalid(WriteMpd(mpd), "frameRate");
  mpd = VodMpd();
  mpd.adaptation_sets[0].representations[0].bandwidth = 0;
  ExpectInvalid(WriteMpd(mpd), "bandwidth must be > 0");
  mpd = VodMpd();
  mpd.adaptation_sets[1].lang = "en_US";
  ExpectInvalid(WriteMpd(mpd), "RFC 5646");
  mpd = VodMpd();
  mpd.media_presentation_duration_seconds = 0;
  ExpectInvalid(WriteMpd(mpd), "mediaPresentationDuration");
  mpd.media_presentation_duration_seconds = std::numeric_limits<double>::quiet_NaN();
  ExpectInvalid(WriteMpd(mpd), "mediaPresentationDuration");
  mpd = VodMpd();
  mpd.profiles = {"a,b"};
  ExpectInvalid(WriteMpd(mpd), "contains ','");
}

}  // namespace
}  // namespace vtp::manifest
