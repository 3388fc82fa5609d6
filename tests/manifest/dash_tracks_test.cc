// MPDs with several audio languages, text tracks and thumbnail tiles.
#include "manifest/dash.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace vtp::manifest {
namespace {

// `count` contiguous segments of `duration` ticks from 0.
std::vector<SegmentTime> Uniform(int64_t duration, int count) {
  std::vector<SegmentTime> out;
  for (int i = 0; i < count; ++i) out.push_back({i * duration, duration});
  return out;
}

AdaptationSet VideoSet() {
  Representation rep;
  rep.id = "1080p";
  rep.codecs = "avc1.640028";
  rep.bandwidth = 5000000;
  rep.format = VideoFormat{1920, 1080, Rational{25, 1}, Rational{1, 1}};
  rep.segment_template.timescale = 12800;
  rep.segment_template.initialization = "h264/1080p/init.mp4";
  rep.segment_template.media = "h264/1080p/segment_$Number%03d$.m4s";
  rep.segment_template.segments = Uniform(76800, 20);
  AdaptationSet set;
  set.id = 0;
  set.content_type = ContentType::kVideo;
  set.mime_type = "video/mp4";
  set.representations = {rep};
  return set;
}

AdaptationSet AudioSet(int64_t id, const std::string& rep_id, const std::string& lang,
                       int channels, int64_t bandwidth) {
  Representation rep;
  rep.id = rep_id;
  rep.codecs = "mp4a.40.2";
  rep.bandwidth = bandwidth;
  rep.format = AudioFormat{48000, channels};
  rep.segment_template.timescale = 48000;
  rep.segment_template.initialization = "audio/" + rep_id + "/init.mp4";
  rep.segment_template.media = "audio/" + rep_id + "/segment_$Number%03d$.m4s";
  rep.segment_template.segments = Uniform(288000, 20);
  AdaptationSet set;
  set.id = id;
  set.content_type = ContentType::kAudio;
  set.mime_type = "audio/mp4";
  set.lang = lang;
  set.representations = {rep};
  return set;
}

// A sidecar WebVTT file: mimeType text/vtt, no codecs, one BaseURL.
AdaptationSet SidecarTextSet() {
  Representation rep;
  rep.id = "subtitles_en";
  rep.bandwidth = 256;
  rep.format = TextFormat{};
  rep.base_url = "subtitles/en.vtt";
  AdaptationSet set;
  set.id = 3;
  set.content_type = ContentType::kText;
  set.mime_type = "text/vtt";
  set.lang = "en";
  set.roles = {"caption"};
  set.label = "English (SDH)";
  set.representations = {rep};
  return set;
}

// DASH-IF IOP thumbnails: 5x5 sprite sheets of 320x180 thumbnails, one
// thumbnail every 2 s, so one sheet covers 50 s.
AdaptationSet ThumbnailSet() {
  Representation rep;
  rep.id = "thumbnails";
  rep.bandwidth = 12000;
  rep.format = ImageFormat{1600, 900};
  rep.segment_template.timescale = 1;
  rep.segment_template.duration = 50;
  rep.segment_template.media = "thumbnails/sprite_$Number%03d$.jpg";
  rep.segment_template.start_number = 1;
  rep.essential_properties = {ThumbnailTile(5, 5)};
  AdaptationSet set;
  set.id = 4;
  set.content_type = ContentType::kImage;
  set.mime_type = "image/jpeg";
  set.representations = {rep};
  return set;
}

Mpd MultiTrackMpd() {
  Mpd mpd;
  mpd.media_presentation_duration_seconds = 120;
  AdaptationSet english = AudioSet(1, "aac_en", "en", 2, 128000);
  english.roles = {"main"};
  english.label = "English";
  AdaptationSet german = AudioSet(2, "aac_de", "de", 6, 384000);
  german.roles = {"dub"};
  german.label = "Deutsch 5.1";
  mpd.adaptation_sets = {VideoSet(), english, german, SidecarTextSet(), ThumbnailSet()};
  return mpd;
}

Representation& Rep(Mpd& mpd, size_t set) { return mpd.adaptation_sets[set].representations[0]; }

template <typename T>
void ExpectInvalid(const StatusOr<T>& result, const std::string& needle) {
  ASSERT_FALSE(result.ok()) << "expected an error mentioning " << needle;
  EXPECT_EQ(result.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find(needle), std::string::npos)
      << result.status().message();
}

TEST(DashTracksTest, VideoTwoAudioLanguagesSidecarTextAndThumbnails) {
  auto text = WriteMpd(MultiTrackMpd());
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, R"(<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011,urn:mpeg:dash:profile:cmaf:2019" type="static" mediaPresentationDuration="PT120.000S" minBufferTime="PT2.000S">
  <Period id="0" start="PT0S">
    <AdaptationSet id="0" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1" maxWidth="1920" maxHeight="1080" maxFrameRate="25">
      <Representation id="1080p" codecs="avc1.640028" bandwidth="5000000" width="1920" height="1080" frameRate="25" sar="1:1">
        <SegmentTemplate timescale="12800" initialization="h264/1080p/init.mp4" media="h264/1080p/segment_$Number%03d$.m4s" startNumber="0">
          <SegmentTimeline>
            <S t="0" d="76800" r="19"/>
          </SegmentTimeline>
        </SegmentTemplate>
      </Representation>
    </AdaptationSet>
    <AdaptationSet id="1" contentType="audio" lang="en" mimeType="audio/mp4" segmentAlignment="true" startWithSAP="1">
      <Label>English</Label>
      <Role schemeIdUri="urn:mpeg:dash:role:2011" value="main"/>
      <Representation id="aac_en" codecs="mp4a.40.2" bandwidth="128000" audioSamplingRate="48000">
        <AudioChannelConfiguration schemeIdUri="urn:mpeg:dash:23003:3:audio_channel_configuration:2011" value="2"/>
        <SegmentTemplate timescale="48000" initialization="audio/aac_en/init.mp4" media="audio/aac_en/segment_$Number%03d$.m4s" startNumber="0">
          <SegmentTimeline>
            <S t="0" d="288000" r="19"/>
          </SegmentTimeline>
        </SegmentTemplate>
      </Representation>
    </AdaptationSet>
    <AdaptationSet id="2" contentType="audio" lang="de" mimeType="audio/mp4" segmentAlignment="true" startWithSAP="1">
      <Label>Deutsch 5.1</Label>
      <Role schemeIdUri="urn:mpeg:dash:role:2011" value="dub"/>
      <Representation id="aac_de" codecs="mp4a.40.2" bandwidth="384000" audioSamplingRate="48000">
        <AudioChannelConfiguration schemeIdUri="urn:mpeg:dash:23003:3:audio_channel_configuration:2011" value="6"/>
        <SegmentTemplate timescale="48000" initialization="audio/aac_de/init.mp4" media="audio/aac_de/segment_$Number%03d$.m4s" startNumber="0">
          <SegmentTimeline>
            <S t="0" d="288000" r="19"/>
          </SegmentTimeline>
        </SegmentTemplate>
      </Representation>
    </AdaptationSet>
    <AdaptationSet id="3" contentType="text" lang="en" mimeType="text/vtt">
      <Label>English (SDH)</Label>
      <Role schemeIdUri="urn:mpeg:dash:role:2011" value="caption"/>
      <Representation id="subtitles_en" bandwidth="256">
        <BaseURL>subtitles/en.vtt</BaseURL>
      </Representation>
    </AdaptationSet>
    <AdaptationSet id="4" contentType="image" mimeType="image/jpeg">
      <Representation id="thumbnails" bandwidth="12000" width="1600" height="900">
        <EssentialProperty schemeIdUri="http://dashif.org/thumbnail_tile" value="5x5"/>
        <SegmentTemplate timescale="1" duration="50" media="thumbnails/sprite_$Number%03d$.jpg" startNumber="1"/>
      </Representation>
    </AdaptationSet>
  </Period>
</MPD>
)");
}

TEST(DashTracksTest, SegmentedWebVttAndSetLevelProperties) {
  // WebVTT in ISOBMFF segments: mimeType application/mp4, codecs "wvtt",
  // a SegmentTemplate like any other track. Two roles, a set-level
  // EssentialProperty without @value, and text that needs escaping.
  Representation rep;
  rep.id = "wvtt_fr";
  rep.codecs = "wvtt";
  rep.bandwidth = 1200;
  rep.format = TextFormat{};
  rep.segment_template.timescale = 1000;
  rep.segment_template.initialization = "text/fr/init.mp4";
  rep.segment_template.media = "text/fr/segment_$Number$.m4s";
  rep.segment_template.segments = Uniform(6000, 2);
  AdaptationSet set;
  set.id = 7;
  set.content_type = ContentType::kText;
  set.mime_type = "application/mp4";
  set.lang = "fr-CA";
  set.roles = {"subtitle", "forced-subtitle"};
  set.label = "Fran\xC3\xA7" "ais <forc\xC3\xA9> & co";
  set.essential_properties = {{"urn:example:needs-text-renderer", ""}};
  set.representations = {rep};
  Mpd mpd;
  mpd.profiles = {kDashProfileCmaf};
  mpd.media_presentation_duration_seconds = 12;
  mpd.adaptation_sets = {set};
  auto text = WriteMpd(mpd);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, R"(<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:cmaf:2019" type="static" mediaPresentationDuration="PT12.000S" minBufferTime="PT2.000S">
  <Period id="0" start="PT0S">
    <AdaptationSet id="7" contentType="text" lang="fr-CA" mimeType="application/mp4">
      <EssentialProperty schemeIdUri="urn:example:needs-text-renderer"/>
      <Label>Français &lt;forcé&gt; &amp; co</Label>
      <Role schemeIdUri="urn:mpeg:dash:role:2011" value="subtitle"/>
      <Role schemeIdUri="urn:mpeg:dash:role:2011" value="forced-subtitle"/>
      <Representation id="wvtt_fr" codecs="wvtt" bandwidth="1200">
        <SegmentTemplate timescale="1000" initialization="text/fr/init.mp4" media="text/fr/segment_$Number$.m4s" startNumber="0">
          <SegmentTimeline>
            <S t="0" d="6000" r="1"/>
          </SegmentTimeline>
        </SegmentTemplate>
      </Representation>
    </AdaptationSet>
  </Period>
</MPD>
)");
}

TEST(DashTracksTest, ThumbnailTileHelperAndSchemeSpellings) {
  const Descriptor tile = ThumbnailTile(10, 3);
  EXPECT_EQ(tile.scheme_id_uri, "http://dashif.org/thumbnail_tile");
  EXPECT_EQ(tile.value, "10x3");
  // The draft IOP v5 spelling is accepted and written as given.
  Mpd mpd = MultiTrackMpd();
  Rep(mpd, 4).essential_properties = {{"http://dashif.org/guidelines/thumbnail_tile", "10x3"}};
  auto text = WriteMpd(mpd);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_NE(text->find("<EssentialProperty schemeIdUri=\"http://dashif.org/guidelines/"
                       "thumbnail_tile\" value=\"10x3\"/>"),
            std::string::npos);
}

TEST(DashTracksTest, DurationFormWithPresentationTimeOffset) {
  Mpd mpd = MultiTrackMpd();
  Rep(mpd, 4).segment_template.presentation_time_offset = 2;
  auto text = WriteMpd(mpd);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_NE(text->find("<SegmentTemplate timescale=\"1\" presentationTimeOffset=\"2\" "
                       "duration=\"50\" media=\"thumbnails/sprite_$Number%03d$.jpg\" "
                       "startNumber=\"1\"/>"),
            std::string::npos);
}

TEST(DashTracksTest, RejectsFormatsInTheWrongSet) {
  Mpd mpd = MultiTrackMpd();
  Rep(mpd, 3).format = ImageFormat{10, 10};
  ExpectInvalid(WriteMpd(mpd), "Representation \"subtitles_en\" is image in a text set");
  mpd = MultiTrackMpd();
  Rep(mpd, 1).format = TextFormat{};
  ExpectInvalid(WriteMpd(mpd), "Representation \"aac_en\" is text in an audio set");
  mpd = MultiTrackMpd();
  Rep(mpd, 4).format = VideoFormat{1600, 900, Rational{25, 1}, Rational{1, 1}};
  ExpectInvalid(WriteMpd(mpd), "Representation \"thumbnails\" is video in an image set");
  mpd = MultiTrackMpd();
  Rep(mpd, 4).format = ImageFormat{0, 900};
  ExpectInvalid(WriteMpd(mpd), "Representation \"thumbnails\" width and height must be > 0");
}

TEST(DashTracksTest, CodecsMayBeOmittedOnlyForTextAndImages) {
  Mpd mpd = MultiTrackMpd();
  Rep(mpd, 1).codecs = "";
  ExpectInvalid(WriteMpd(mpd), "Representation \"aac_en\" codecs is empty");
  mpd = MultiTrackMpd();
  Rep(mpd, 0).codecs = "";
  ExpectInvalid(WriteMpd(mpd), "Representation \"1080p\" codecs is empty");
  mpd = MultiTrackMpd();
  Rep(mpd, 3).codecs = "wvtt\x01";
  ExpectInvalid(WriteMpd(mpd), "codecs contains a character XML cannot hold");
}

TEST(DashTracksTest, RejectsBadAddressing) {
  Mpd mpd = MultiTrackMpd();
  Rep(mpd, 1).base_url = "audio/en.mp4";
  ExpectInvalid(WriteMpd(mpd),
                "Representation \"aac_en\" has a BaseURL, which only text Representations may "
                "use; an audio set needs a SegmentTemplate");
  mpd = MultiTrackMpd();
  Rep(mpd, 4).base_url = "thumbnails/all.jpg";
  ExpectInvalid(WriteMpd(mpd), "an image set needs a SegmentTemplate");
  mpd = MultiTrackMpd();
  Rep(mpd, 3).segment_template.timescale = 1000;
  ExpectInvalid(WriteMpd(mpd), "\"subtitles_en\" has both a BaseURL and a SegmentTemplate");
  mpd = MultiTrackMpd();
  Rep(mpd, 3).base_url.reset();
  ExpectInvalid(WriteMpd(mpd), "\"subtitles_en\" has neither a BaseURL nor a SegmentTemplate");
  mpd = MultiTrackMpd();
  Rep(mpd, 1).segment_template = SegmentTemplate{};
  ExpectInvalid(WriteMpd(mpd), "\"aac_en\" has no SegmentTemplate");
  const std::vector<std::pair<std::string, std::string>> bad_urls = {
      {"", "BaseURL is empty"},
      {"subtitles/en gb.vtt", "BaseURL contains whitespace"},
      {"subtitles/en.vtt\n", "BaseURL contains a control character"},
      {"subtitles/\x01.vtt", "BaseURL contains a character XML cannot hold"},
      {"subtitles/\xFF.vtt", "BaseURL is not valid UTF-8"}};
  for (const auto& [url, needle] : bad_urls) {
    mpd = MultiTrackMpd();
    Rep(mpd, 3).base_url = url;
    ExpectInvalid(WriteMpd(mpd), "Representation \"subtitles_en\" " + needle);
  }
}

TEST(DashTracksTest, BaseUrlIsEscaped) {
  Mpd mpd = MultiTrackMpd();
  Rep(mpd, 3).base_url = "subtitles/en.vtt?a=1&b=<2>";
  auto text = WriteMpd(mpd);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_NE(text->find("<BaseURL>subtitles/en.vtt?a=1&amp;b=&lt;2&gt;</BaseURL>"),
            std::string::npos);
}

TEST(DashTracksTest, RejectsBadConstantDurationTemplates) {
  Mpd mpd = MultiTrackMpd();
  Rep(mpd, 4).segment_template.segments = Uniform(50, 3);
  ExpectInvalid(WriteMpd(mpd), "has both a duration and a SegmentTimeline");
  mpd = MultiTrackMpd();
  Rep(mpd, 4).segment_template.duration = 0;
  ExpectInvalid(WriteMpd(mpd), "SegmentTemplate duration must be in [1, 2^32)");
  mpd = MultiTrackMpd();
  Rep(mpd, 4).segment_template.duration = int64_t{1} << 32;
  ExpectInvalid(WriteMpd(mpd), "SegmentTemplate duration must be in [1, 2^32)");
  mpd = MultiTrackMpd();
  Rep(mpd, 4).segment_template.media = "thumbnails/$Time$.jpg";
  ExpectInvalid(WriteMpd(mpd), "media must use $Number$ and not $Time$ with a duration");
  mpd = MultiTrackMpd();
  Rep(mpd, 4).segment_template.media = "thumbnails/$Number$_$Time$.jpg";
  ExpectInvalid(WriteMpd(mpd), "media must use $Number$ and not $Time$ with a duration");
  // The constant-duration form works for audio too, with its init segment.
  mpd = MultiTrackMpd();
  Rep(mpd, 1).segment_template.segments.clear();
  Rep(mpd, 1).segment_template.duration = 288000;
  auto text = WriteMpd(mpd);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_NE(text->find("<SegmentTemplate timescale=\"48000\" duration=\"288000\" "
                       "initialization=\"audio/aac_en/init.mp4\" "
                       "media=\"audio/aac_en/segment_$Number%03d$.m4s\" startNumber=\"0\"/>"),
            std::string::npos);
}

TEST(DashTracksTest, RejectsThumbnailSetsOutsideDashIfRules) {
  Mpd mpd = MultiTrackMpd();
  Rep(mpd, 4).segment_template.duration.reset();
  Rep(mpd, 4).segment_template.segments = Uniform(50, 3);
  ExpectInvalid(WriteMpd(mpd), "in an image set needs a duration, not a SegmentTimeline");
  mpd = MultiTrackMpd();
  Rep(mpd, 4).segment_template.initialization = "thumbnails/init.jpg";
  ExpectInvalid(WriteMpd(mpd), "initialization must be empty in an image set");
  mpd = MultiTrackMpd();
  Rep(mpd, 4).essential_properties.clear();
  ExpectInvalid(WriteMpd(mpd),
                "\"thumbnails\" in an image set needs a thumbnail_tile EssentialProperty");
  mpd = MultiTrackMpd();
  Rep(mpd, 4).essential_properties.push_back(ThumbnailTile(4, 4));
  ExpectInvalid(WriteMpd(mpd), "\"thumbnails\" has more than one thumbnail_tile");
  mpd = MultiTrackMpd();
  Rep(mpd, 4).essential_properties = {ThumbnailTile(1601, 1)};
  ExpectInvalid(WriteMpd(mpd), "\"thumbnails\" thumbnail_tile 1601x1 does not fit 1600x900");
  mpd = MultiTrackMpd();
  mpd.adaptation_sets[4].essential_properties = {ThumbnailTile(5, 5)};
  ExpectInvalid(WriteMpd(mpd),
                "AdaptationSet 4 has a thumbnail_tile EssentialProperty; put it on each image "
                "Representation instead");
  mpd = MultiTrackMpd();
  Rep(mpd, 0).essential_properties = {ThumbnailTile(5, 5)};
  ExpectInvalid(WriteMpd(mpd),
                "\"1080p\" has a thumbnail_tile EssentialProperty outside an image set");
  for (const std::string value : {"5by5", "5x", "x5", "0x5", "05x5", "5x5x5", "-5x5", "",
                                  "1234567890x1"}) {
    mpd = MultiTrackMpd();
    Rep(mpd, 4).essential_properties[0].value = value;
    ExpectInvalid(WriteMpd(mpd), "EssentialProperty 0 thumbnail_tile value \"" + value +
                                     "\" is not <columns>x<rows>");
  }
}

TEST(DashTracksTest, RejectsBadDescriptors) {
  Mpd mpd = MultiTrackMpd();
  mpd.adaptation_sets[1].essential_properties = {{"", "x"}};
  ExpectInvalid(WriteMpd(mpd), "AdaptationSet 1 EssentialProperty 0 schemeIdUri is empty");
  mpd = MultiTrackMpd();
  mpd.adaptation_sets[1].essential_properties = {{"urn:a", "1"}, {"urn:x y", "1"}};
  ExpectInvalid(WriteMpd(mpd), "EssentialProperty 1 schemeIdUri contains whitespace");
  mpd = MultiTrackMpd();
  Rep(mpd, 0).essential_properties = {{"urn:a", "line\nbreak"}};
  ExpectInvalid(WriteMpd(mpd),
                "Representation \"1080p\" EssentialProperty 0 value contains a control");
}

TEST(DashTracksTest, RejectsBadRolesAndLabels) {
  Mpd mpd = MultiTrackMpd();
  mpd.adaptation_sets[3].roles = {"Caption"};
  ExpectInvalid(WriteMpd(mpd),
                "AdaptationSet 3 Role \"Caption\" is not a value of urn:mpeg:dash:role:2011");
  mpd = MultiTrackMpd();
  mpd.adaptation_sets[3].roles = {""};
  ExpectInvalid(WriteMpd(mpd), "Role \"\" is not a value");
  mpd = MultiTrackMpd();
  mpd.adaptation_sets[3].roles = {"sub\ttitle"};
  ExpectInvalid(WriteMpd(mpd), "AdaptationSet 3 Role contains a control character");
  mpd = MultiTrackMpd();
  mpd.adaptation_sets[1].roles = {"main", "commentary", "main"};
  ExpectInvalid(WriteMpd(mpd), "AdaptationSet 1 repeats Role \"main\"");
  mpd = MultiTrackMpd();
  mpd.adaptation_sets[2].label = "";
  ExpectInvalid(WriteMpd(mpd), "AdaptationSet 2 Label is empty");
  mpd = MultiTrackMpd();
  mpd.adaptation_sets[2].label = "Deutsch\n5.1";
  ExpectInvalid(WriteMpd(mpd), "AdaptationSet 2 Label contains a control character");
  mpd = MultiTrackMpd();
  mpd.adaptation_sets[2].label = "Deutsch \xEF\xBF\xBE";  // U+FFFE
  ExpectInvalid(WriteMpd(mpd), "AdaptationSet 2 Label contains a character XML cannot hold");
  mpd = MultiTrackMpd();
  mpd.adaptation_sets[3].lang = "en gb";
  ExpectInvalid(WriteMpd(mpd), "AdaptationSet 3 lang is not an RFC 5646 language tag");
}

TEST(DashTracksTest, IdsStayUniqueAcrossNewSetTypes) {
  Mpd mpd = MultiTrackMpd();
  Rep(mpd, 4).id = "subtitles_en";
  ExpectInvalid(WriteMpd(mpd), "Representation \"subtitles_en\" id is not unique");
  mpd = MultiTrackMpd();
  mpd.adaptation_sets[4].id = 3;
  ExpectInvalid(WriteMpd(mpd), "AdaptationSet 3 id is not unique");
}

}  // namespace
}  // namespace vtp::manifest
