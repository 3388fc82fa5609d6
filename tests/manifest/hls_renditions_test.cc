// Alternative renditions in HLS masters: several audio groups, subtitle
// groups, CLOSED-CAPTIONS=NONE, and the WebVTT Media Playlists subtitle
// renditions point to.
#include "manifest/hls.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vtp::manifest {
namespace {

constexpr char kSdh[] =
    "public.accessibility.transcribes-spoken-dialog,public.accessibility.describes-music-and-sound";

AudioRendition Audio(const std::string& group, const std::string& name,
                     const std::string& language, bool is_default, const std::string& channels,
                     const std::string& uri) {
  AudioRendition r;
  r.group_id = group;
  r.name = name;
  r.language = language;
  r.is_default = is_default;
  r.autoselect = true;
  r.channels = channels;
  r.uri = uri;
  return r;
}

SubtitleRendition EnglishSubtitles() {
  SubtitleRendition r;
  r.group_id = "subs";
  r.name = "English";
  r.language = "en";
  r.is_default = true;
  r.autoselect = true;
  r.characteristics = kSdh;
  r.uri = "subtitles/en/playlist.m3u8";
  return r;
}

SubtitleRendition FrenchForced() {
  SubtitleRendition r;
  r.group_id = "subs";
  r.name = "Fran\xC3\xA7" "ais (forced)";
  r.language = "fr";
  r.autoselect = true;
  r.forced = true;
  r.uri = "subtitles/fr_forced/playlist.m3u8";
  return r;
}

Variant VideoVariant(const std::string& uri, int64_t peak, int64_t average,
                     const std::string& audio_codec, const std::string& audio_group, int width,
                     int height) {
  Variant v;
  v.uri = uri;
  v.bandwidth = peak;
  v.average_bandwidth = average;
  v.codecs = {"avc1.640028", audio_codec};
  v.resolution = Resolution{width, height};
  v.frame_rate = 25.0;
  v.audio_group_id = audio_group;
  v.subtitles_group_id = "subs";
  v.closed_captions_none = true;
  return v;
}

// Two audio groups (AAC stereo, AC-3 5.1) in English and Spanish, one
// subtitle group (English SDH by default, French forced), and variants
// referencing both, none with embedded captions.
MasterPlaylist MultiTrackMaster() {
  MasterPlaylist m;
  m.audio = {Audio("aac", "English", "en", true, "2", "audio/aac_en/playlist.m3u8"),
             Audio("aac", "Espa\xC3\xB1ol", "es", false, "2", "audio/aac_es/playlist.m3u8"),
             Audio("ac3", "English", "en", true, "6", "audio/ac3_en/playlist.m3u8"),
             Audio("ac3", "Espa\xC3\xB1ol", "es", false, "6", "audio/ac3_es/playlist.m3u8")};
  m.subtitles = {EnglishSubtitles(), FrenchForced()};
  m.variants = {
      VideoVariant("h264/1080p/playlist.m3u8", 5300000, 4600000, "mp4a.40.2", "aac", 1920, 1080),
      VideoVariant("h264/1080p/playlist.m3u8", 5600000, 4900000, "ac-3", "ac3", 1920, 1080),
      VideoVariant("h264/720p/playlist.m3u8", 3200000, 2700000, "mp4a.40.2", "aac", 1280, 720)};
  return m;
}

template <typename T>
void ExpectInvalid(const StatusOr<T>& result, const std::string& needle) {
  ASSERT_FALSE(result.ok()) << "expected an error mentioning " << needle;
  EXPECT_EQ(result.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find(needle), std::string::npos)
      << result.status().message();
}

TEST(HlsRenditionsTest, AudioGroupsSubtitlesAndNoClosedCaptions) {
  auto text = WriteMasterPlaylist(MultiTrackMaster());
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text,
            "#EXTM3U\n"
            "#EXT-X-VERSION:4\n"
            "#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aac\",NAME=\"English\",LANGUAGE=\"en\","
            "DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"2\",URI=\"audio/aac_en/playlist.m3u8\"\n"
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aac\",NAME=\"Espa\xC3\xB1ol\",LANGUAGE=\"es\","
            "DEFAULT=NO,AUTOSELECT=YES,CHANNELS=\"2\",URI=\"audio/aac_es/playlist.m3u8\"\n"
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"ac3\",NAME=\"English\",LANGUAGE=\"en\","
            "DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"6\",URI=\"audio/ac3_en/playlist.m3u8\"\n"
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"ac3\",NAME=\"Espa\xC3\xB1ol\",LANGUAGE=\"es\","
            "DEFAULT=NO,AUTOSELECT=YES,CHANNELS=\"6\",URI=\"audio/ac3_es/playlist.m3u8\"\n"
            "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"English\",LANGUAGE=\"en\","
            "DEFAULT=YES,AUTOSELECT=YES,FORCED=NO,"
            "CHARACTERISTICS=\"public.accessibility.transcribes-spoken-dialog,"
            "public.accessibility.describes-music-and-sound\","
            "URI=\"subtitles/en/playlist.m3u8\"\n"
            "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"Fran\xC3\xA7" "ais (forced)\","
            "LANGUAGE=\"fr\",DEFAULT=NO,AUTOSELECT=YES,FORCED=YES,"
            "URI=\"subtitles/fr_forced/playlist.m3u8\"\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=5300000,AVERAGE-BANDWIDTH=4600000,"
            "CODECS=\"avc1.640028,mp4a.40.2\",RESOLUTION=1920x1080,FRAME-RATE=25.000,"
            "AUDIO=\"aac\",SUBTITLES=\"subs\",CLOSED-CAPTIONS=NONE\n"
            "h264/1080p/playlist.m3u8\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=5600000,AVERAGE-BANDWIDTH=4900000,"
            "CODECS=\"avc1.640028,ac-3\",RESOLUTION=1920x1080,FRAME-RATE=25.000,"
            "AUDIO=\"ac3\",SUBTITLES=\"subs\",CLOSED-CAPTIONS=NONE\n"
            "h264/1080p/playlist.m3u8\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=3200000,AVERAGE-BANDWIDTH=2700000,"
            "CODECS=\"avc1.640028,mp4a.40.2\",RESOLUTION=1280x720,FRAME-RATE=25.000,"
            "AUDIO=\"aac\",SUBTITLES=\"subs\",CLOSED-CAPTIONS=NONE\n"
            "h264/720p/playlist.m3u8\n");
}

TEST(HlsRenditionsTest, AudioCharacteristicsComeBeforeChannels) {
  MasterPlaylist m = MultiTrackMaster();
  m.audio.resize(1);
  m.audio[0].characteristics = "public.accessibility.describes-video";
  m.subtitles.clear();
  m.variants.resize(1);
  m.variants[0].subtitles_group_id.reset();
  m.variants[0].closed_captions_none = false;
  auto text = WriteMasterPlaylist(m);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text,
            "#EXTM3U\n"
            "#EXT-X-VERSION:4\n"
            "#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aac\",NAME=\"English\",LANGUAGE=\"en\","
            "DEFAULT=YES,AUTOSELECT=YES,CHARACTERISTICS=\"public.accessibility.describes-video\","
            "CHANNELS=\"2\",URI=\"audio/aac_en/playlist.m3u8\"\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=5300000,AVERAGE-BANDWIDTH=4600000,"
            "CODECS=\"avc1.640028,mp4a.40.2\",RESOLUTION=1920x1080,FRAME-RATE=25.000,"
            "AUDIO=\"aac\"\n"
            "h264/1080p/playlist.m3u8\n");
}

TEST(HlsRenditionsTest, SubtitlesAloneMakeVersionFour) {
  MasterPlaylist m;
  SubtitleRendition r = EnglishSubtitles();
  r.characteristics.reset();
  m.subtitles = {r};
  Variant v;
  v.uri = "h264/720p/playlist.m3u8";
  v.bandwidth = 3000000;
  v.codecs = {"avc1.64001f"};
  v.subtitles_group_id = "subs";
  m.variants = {v};
  EXPECT_EQ(DefaultVersion(m), 4);
  auto text = WriteMasterPlaylist(m);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text,
            "#EXTM3U\n"
            "#EXT-X-VERSION:4\n"
            "#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"English\",LANGUAGE=\"en\","
            "DEFAULT=YES,AUTOSELECT=YES,FORCED=NO,URI=\"subtitles/en/playlist.m3u8\"\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=3000000,CODECS=\"avc1.64001f\",SUBTITLES=\"subs\"\n"
            "h264/720p/playlist.m3u8\n");
}

TEST(HlsRenditionsTest, GroupsAreKeyedByTypeAndId) {
  // §4.3.4.1.1: a group is a TYPE plus a GROUP-ID, so "main" can name an
  // audio group and a subtitle group at once, and a rendition NAME or a
  // DEFAULT=YES may repeat across groups.
  MasterPlaylist m = MultiTrackMaster();
  for (AudioRendition& r : m.audio) r.group_id = "main";
  m.audio.resize(2);
  for (SubtitleRendition& r : m.subtitles) r.group_id = "main";
  m.variants.resize(1);
  m.variants[0].audio_group_id = "main";
  m.variants[0].subtitles_group_id = "main";
  auto text = WriteMasterPlaylist(m);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_NE(text->find("AUDIO=\"main\",SUBTITLES=\"main\""), std::string::npos);
}

TEST(HlsRenditionsTest, ClosedCaptionsNoneIsAllOrNothing) {
  MasterPlaylist m = MultiTrackMaster();
  m.variants[2].closed_captions_none = false;
  ExpectInvalid(WriteMasterPlaylist(m),
                "CLOSED-CAPTIONS=NONE must be set on every variant or on none; "
                "variant 0 and variant 2 differ");
  for (Variant& v : m.variants) v.closed_captions_none = false;
  auto text = WriteMasterPlaylist(m);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->find("CLOSED-CAPTIONS"), std::string::npos);
}

TEST(HlsRenditionsTest, RejectsBadGroupReferences) {
  MasterPlaylist m = MultiTrackMaster();
  m.variants[1].subtitles_group_id = "cc";
  ExpectInvalid(WriteMasterPlaylist(m),
                "variant 1 SUBTITLES=\"cc\" names no subtitle rendition group");
  // A group of the wrong TYPE does not count.
  m = MultiTrackMaster();
  m.variants[0].subtitles_group_id = "aac";
  ExpectInvalid(WriteMasterPlaylist(m),
                "variant 0 SUBTITLES=\"aac\" names no subtitle rendition group");
  m = MultiTrackMaster();
  m.variants[0].audio_group_id = "subs";
  ExpectInvalid(WriteMasterPlaylist(m), "variant 0 AUDIO=\"subs\" names no audio rendition group");
  m = MultiTrackMaster();
  m.subtitles.clear();
  ExpectInvalid(WriteMasterPlaylist(m),
                "variant 0 SUBTITLES=\"subs\" names no subtitle rendition group");
  m = MultiTrackMaster();
  m.variants[2].subtitles_group_id = "";
  ExpectInvalid(WriteMasterPlaylist(m), "variant 2 SUBTITLES is empty");
  m = MultiTrackMaster();
  m.variants[2].subtitles_group_id = "su\"bs";
  ExpectInvalid(WriteMasterPlaylist(m), "variant 2 SUBTITLES contains a double quote");
}

TEST(HlsRenditionsTest, RejectsInconsistentSubtitleGroups) {
  MasterPlaylist m = MultiTrackMaster();
  m.subtitles[1].name = "English";
  ExpectInvalid(WriteMasterPlaylist(m), "subtitle group \"subs\" repeats NAME \"English\"");
  m = MultiTrackMaster();
  m.subtitles[1].is_default = true;
  ExpectInvalid(WriteMasterPlaylist(m),
                "subtitle group \"subs\" has more than one DEFAULT=YES rendition");
  m = MultiTrackMaster();
  m.subtitles[0].autoselect = false;
  ExpectInvalid(WriteMasterPlaylist(m),
                "subtitle rendition 0 is DEFAULT=YES but not AUTOSELECT=YES");
  // Each audio group keeps its own rules.
  m = MultiTrackMaster();
  m.audio[3].is_default = true;
  ExpectInvalid(WriteMasterPlaylist(m),
                "audio group \"ac3\" has more than one DEFAULT=YES rendition");
  m = MultiTrackMaster();
  m.audio[3].name = "English";
  ExpectInvalid(WriteMasterPlaylist(m), "audio group \"ac3\" repeats NAME \"English\"");
}

TEST(HlsRenditionsTest, RejectsBadSubtitleAttributes) {
  MasterPlaylist m = MultiTrackMaster();
  m.subtitles[0].uri = "";
  ExpectInvalid(WriteMasterPlaylist(m), "subtitle rendition 0 URI is empty");
  m = MultiTrackMaster();
  m.subtitles[1].uri = "subs/fr forced.m3u8";
  ExpectInvalid(WriteMasterPlaylist(m), "subtitle rendition 1 URI contains whitespace");
  m = MultiTrackMaster();
  m.subtitles[1].name = "French \"forced\"";
  ExpectInvalid(WriteMasterPlaylist(m), "subtitle rendition 1 NAME contains a double quote");
  m = MultiTrackMaster();
  m.subtitles[1].name = "";
  ExpectInvalid(WriteMasterPlaylist(m), "subtitle rendition 1 NAME is empty");
  m = MultiTrackMaster();
  m.subtitles[0].group_id = "su\tbs";
  ExpectInvalid(WriteMasterPlaylist(m), "subtitle rendition 0 GROUP-ID contains a control");
  m = MultiTrackMaster();
  m.subtitles[0].language = "en_GB";
  ExpectInvalid(WriteMasterPlaylist(m), "subtitle rendition 0 LANGUAGE is not an RFC 5646");
}

TEST(HlsRenditionsTest, RejectsBadCharacteristics) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"", "CHARACTERISTICS is empty"},
      {"public.easy-to-read,", "CHARACTERISTICS has an empty entry"},
      {",public.easy-to-read", "CHARACTERISTICS has an empty entry"},
      {"a,,b", "CHARACTERISTICS has an empty entry"},
      {"public.easy-to-read, public.accessibility.describes-music-and-sound",
       "CHARACTERISTICS entry \" public.accessibility.describes-music-and-sound\" contains a "
       "space"},
      {"public.\"x\"", "CHARACTERISTICS contains a double quote"},
      {"public.x\n", "CHARACTERISTICS contains a control character"}};
  for (const auto& [value, needle] : bad) {
    MasterPlaylist m = MultiTrackMaster();
    m.subtitles[1].characteristics = value;
    ExpectInvalid(WriteMasterPlaylist(m), "subtitle rendition 1 " + needle);
    m = MultiTrackMaster();
    m.audio[2].characteristics = value;
    ExpectInvalid(WriteMasterPlaylist(m), "audio rendition 2 " + needle);
  }
}

TEST(HlsWebVttPlaylistTest, SubtitleSegmentsWithoutMap) {
  // A WebVTT Media Playlist (RFC 8216 §3.5): no EXT-X-MAP, so version 3.
  MediaPlaylist p;
  p.segments = {{"subtitles_000.vtt", 6.0}, {"subtitles_001.vtt", 6.0},
                {"subtitles_002.vtt", 2.52}};
  EXPECT_EQ(RequiredVersion(p), 3);
  auto text = WriteMediaPlaylist(p);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text,
            "#EXTM3U\n"
            "#EXT-X-VERSION:3\n"
            "#EXT-X-TARGETDURATION:6\n"
            "#EXT-X-MEDIA-SEQUENCE:0\n"
            "#EXT-X-PLAYLIST-TYPE:VOD\n"
            "#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXTINF:6.000000,\n"
            "subtitles_000.vtt\n"
            "#EXTINF:6.000000,\n"
            "subtitles_001.vtt\n"
            "#EXTINF:2.520000,\n"
            "subtitles_002.vtt\n"
            "#EXT-X-ENDLIST\n");
}

}  // namespace
}  // namespace vtp::manifest
