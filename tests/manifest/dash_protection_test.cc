// ContentProtection in the MPD (ISO/IEC 23009-1 §5.8.4.1, DASH-IF IOP).
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "domain/drm_systems.h"
#include "manifest/dash.h"

namespace vtp::manifest {
namespace {

constexpr std::array<uint8_t, 16> kVideoKid = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                               0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
constexpr std::array<uint8_t, 16> kAudioKid = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
                                               0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};

// Boxes written out by hand; their base64 (coreutils base64) is pasted
// into the expected MPD.
// Version-0 Widevine pssh, 38 bytes, data = 6 bytes of WidevinePsshData.
// base64: AAAAJnBzc2gAAAAA7e+LqXnWSs6jyCfc1R0h7QAAAAZI49yVmwY=
const std::vector<uint8_t> kWidevinePssh = {
    0x00, 0x00, 0x00, 0x26, 'p',  's',  's',  'h',  0x00, 0x00, 0x00, 0x00, 0xed,
    0xef, 0x8b, 0xa9, 0x79, 0xd6, 0x4a, 0xce, 0xa3, 0xc8, 0x27, 0xdc, 0xd5, 0x1d,
    0x21, 0xed, 0x00, 0x00, 0x00, 0x06, 0x48, 0xe3, 0xdc, 0x95, 0x9b, 0x06};
// Version-1 W3C Common pssh with kVideoKid and no data, 52 bytes.
// base64: AAAANHBzc2gBAAAAEHfv7MCyTQKs4zweUuL7SwAAAAEAESIzRFVmd4iZqrvM3e7/AAAAAA==
const std::vector<uint8_t> kCommonPssh = {
    0x00, 0x00, 0x00, 0x34, 'p',  's',  's',  'h',  0x01, 0x00, 0x00, 0x00, 0x10,
    0x77, 0xef, 0xec, 0xc0, 0xb2, 0x4d, 0x02, 0xac, 0xe3, 0x3c, 0x1e, 0x52, 0xe2,
    0xfb, 0x4b, 0x00, 0x00, 0x00, 0x01, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
    0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x00, 0x00, 0x00};
// A 12-byte PlayReady Object shape (length 12, one record of 2 bytes).
// base64: DAAAAAEAAQACAGEA
const std::vector<uint8_t> kPlayReadyPro = {0x0c, 0x00, 0x00, 0x00, 0x01, 0x00,
                                            0x01, 0x00, 0x02, 0x00, 'a',  0x00};

ContentProtection Mp4Protection(std::string scheme, std::array<uint8_t, 16> kid) {
  ContentProtection cp;
  cp.scheme_id_uri = kDashMp4ProtectionScheme;
  cp.value = std::move(scheme);
  cp.default_kid = kid;
  return cp;
}

ContentProtection System(const drm::SystemId& id, std::string name) {
  ContentProtection cp;
  cp.scheme_id_uri = SystemSchemeIdUri(id);
  cp.value = std::move(name);
  return cp;
}

std::vector<ContentProtection> VideoProtection() {
  ContentProtection widevine = System(drm::kWidevineSystemId, "Widevine");
  widevine.pssh = kWidevinePssh;
  ContentProtection playready = System(drm::kPlayReadySystemId, "PlayReady");
  playready.playready_pro = kPlayReadyPro;
  ContentProtection clearkey = System(drm::kCommonSystemId, "ClearKey");
  clearkey.pssh = kCommonPssh;
  clearkey.laurl = "https://license.example.com/clearkey?a=1&b=2";
  return {Mp4Protection("cenc", kVideoKid), widevine, playready, clearkey};
}

Mpd ProtectedMpd() {
  Representation video;
  video.id = "720p";
  video.codecs = "avc1.64001f";
  video.bandwidth = 3000000;
  video.format = VideoFormat{1280, 720, Rational{25, 1}, Rational{1, 1}};
  video.segment_template = {.timescale = 12800, .initialization = "v/init.mp4",
                            .media = "v/$Number$.m4s", .start_number = 1,
                            .presentation_time_offset = std::nullopt, .segments = {},
                            .duration = 51200};
  AdaptationSet video_set;
  video_set.id = 0;
  video_set.content_type = ContentType::kVideo;
  video_set.mime_type = "video/mp4";
  video_set.representations = {video};
  video_set.content_protection = VideoProtection();
  video_set.essential_properties = {{"urn:example:property", "1"}};

  Representation audio;
  audio.id = "aac";
  audio.codecs = "mp4a.40.2";
  audio.bandwidth = 128000;
  audio.format = AudioFormat{48000, 2};
  audio.segment_template = {.timescale = 48000, .initialization = "a/init.mp4",
                            .media = "a/$Number$.m4s", .start_number = 1,
                            .presentation_time_offset = std::nullopt, .segments = {},
                            .duration = 192000};
  audio.content_protection = {Mp4Protection("cenc", kAudioKid),
                              System(drm::kWidevineSystemId, "")};
  audio.essential_properties = {{"urn:example:property", "2"}};
  AdaptationSet audio_set;
  audio_set.id = 1;
  audio_set.content_type = ContentType::kAudio;
  audio_set.mime_type = "audio/mp4";
  audio_set.representations = {audio};

  Mpd mpd;
  mpd.media_presentation_duration_seconds = 8.0;
  mpd.adaptation_sets = {video_set, audio_set};
  return mpd;
}

template <typename T>
void ExpectInvalid(const StatusOr<T>& result, const std::string& needle) {
  ASSERT_FALSE(result.ok()) << "expected an error mentioning " << needle;
  EXPECT_EQ(result.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find(needle), std::string::npos)
      << result.status().message();
}

TEST(DashProtectionTest, SystemSchemeIdUri) {
  EXPECT_EQ(SystemSchemeIdUri(drm::kPlayReadySystemId),
            "urn:uuid:9a04f079-9840-4286-ab92-e65be0885f95");
}

TEST(DashProtectionTest, SetAndRepresentationLevelElements) {
  auto text = WriteMpd(ProtectedMpd());
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, R"(<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" xmlns:cenc="urn:mpeg:cenc:2013" xmlns:mspr="urn:microsoft:playready" xmlns:dashif="https://dashif.org/CPS" profiles="urn:mpeg:dash:profile:isoff-live:2011,urn:mpeg:dash:profile:cmaf:2019" type="static" mediaPresentationDuration="PT8.000S" minBufferTime="PT2.000S">
  <Period id="0" start="PT0S">
    <AdaptationSet id="0" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1" maxWidth="1280" maxHeight="720" maxFrameRate="25">
      <ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cenc" cenc:default_KID="00112233-4455-6677-8899-aabbccddeeff"/>
      <ContentProtection schemeIdUri="urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed" value="Widevine">
        <cenc:pssh>AAAAJnBzc2gAAAAA7e+LqXnWSs6jyCfc1R0h7QAAAAZI49yVmwY=</cenc:pssh>
      </ContentProtection>
      <ContentProtection schemeIdUri="urn:uuid:9a04f079-9840-4286-ab92-e65be0885f95" value="PlayReady">
        <mspr:pro>DAAAAAEAAQACAGEA</mspr:pro>
      </ContentProtection>
      <ContentProtection schemeIdUri="urn:uuid:1077efec-c0b2-4d02-ace3-3c1e52e2fb4b" value="ClearKey">
        <cenc:pssh>AAAANHBzc2gBAAAAEHfv7MCyTQKs4zweUuL7SwAAAAEAESIzRFVmd4iZqrvM3e7/AAAAAA==</cenc:pssh>
        <dashif:laurl>https://license.example.com/clearkey?a=1&amp;b=2</dashif:laurl>
      </ContentProtection>
      <EssentialProperty schemeIdUri="urn:example:property" value="1"/>
      <Representation id="720p" codecs="avc1.64001f" bandwidth="3000000" width="1280" height="720" frameRate="25" sar="1:1">
        <SegmentTemplate timescale="12800" duration="51200" initialization="v/init.mp4" media="v/$Number$.m4s" startNumber="1"/>
      </Representation>
    </AdaptationSet>
    <AdaptationSet id="1" contentType="audio" mimeType="audio/mp4" segmentAlignment="true" startWithSAP="1">
      <Representation id="aac" codecs="mp4a.40.2" bandwidth="128000" audioSamplingRate="48000">
        <AudioChannelConfiguration schemeIdUri="urn:mpeg:dash:23003:3:audio_channel_configuration:2011" value="2"/>
        <ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cenc" cenc:default_KID="a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaf"/>
        <ContentProtection schemeIdUri="urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed"/>
        <EssentialProperty schemeIdUri="urn:example:property" value="2"/>
        <SegmentTemplate timescale="48000" duration="192000" initialization="a/init.mp4" media="a/$Number$.m4s" startNumber="1"/>
      </Representation>
    </AdaptationSet>
  </Period>
</MPD>
)");
}

// Each namespace is declared exactly when something uses it.
TEST(DashProtectionTest, NamespacesOnlyWhenUsed) {
  auto root = [](const Mpd& mpd) {
    auto text = WriteMpd(mpd);
    if (!text.ok()) return "error: " + text.status().ToString();
    const size_t begin = text->find("<MPD ");
    return text->substr(begin, text->find(" profiles=") - begin);
  };
  Mpd mpd = ProtectedMpd();
  mpd.adaptation_sets[0].content_protection = {};
  mpd.adaptation_sets[1].representations[0].content_protection = {
      System(drm::kWidevineSystemId, "Widevine")};
  EXPECT_EQ(root(mpd), "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\"");
  mpd.adaptation_sets[1].representations[0].content_protection.push_back(
      Mp4Protection("cbcs", kAudioKid));
  EXPECT_EQ(root(mpd),
            "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" xmlns:cenc=\"urn:mpeg:cenc:2013\"");
  mpd.adaptation_sets[1].representations[0].content_protection = {
      System(drm::kPlayReadySystemId, "")};
  mpd.adaptation_sets[1].representations[0].content_protection[0].playready_pro = kPlayReadyPro;
  EXPECT_EQ(root(mpd),
            "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" xmlns:mspr=\"urn:microsoft:playready\"");
  mpd.adaptation_sets[1].representations[0].content_protection[0].playready_pro.clear();
  mpd.adaptation_sets[1].representations[0].content_protection[0].laurl = "https://l.example/";
  EXPECT_EQ(root(mpd),
            "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" xmlns:dashif=\"https://dashif.org/CPS\"");
}

TEST(DashProtectionTest, RejectsBadSchemes) {
  Mpd mpd = ProtectedMpd();
  std::vector<ContentProtection>& set = mpd.adaptation_sets[0].content_protection;
  set[0].scheme_id_uri = "";
  ExpectInvalid(WriteMpd(mpd), "AdaptationSet 0 ContentProtection 0 schemeIdUri is empty");
  set[0] = Mp4Protection("cens", kVideoKid);
  ExpectInvalid(WriteMpd(mpd), "ContentProtection 0 urn:mpeg:dash:mp4protection:2011 value "
                               "must be cenc or cbcs, not \"cens\"");
  set[0] = Mp4Protection("", kVideoKid);
  ExpectInvalid(WriteMpd(mpd), "value must be cenc or cbcs");
  set[0] = Mp4Protection("cenc", kVideoKid);
  set[0].pssh = kWidevinePssh;
  ExpectInvalid(WriteMpd(mpd), "ContentProtection 0 urn:mpeg:dash:mp4protection:2011 carries "
                               "no cenc:pssh");
  set[0] = Mp4Protection("cenc", kVideoKid);
  for (const char* uri : {"urn:uuid:edef8ba979d64acea3c827dcd51d21ed", "urn:example:drm",
                          "urn:uuid:", "urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21eg"}) {
    set[1].scheme_id_uri = uri;
    ExpectInvalid(WriteMpd(mpd), "ContentProtection 1 schemeIdUri \"" + std::string(uri) +
                                     "\" is neither");
  }
}

TEST(DashProtectionTest, RejectsSystemDataThatDoesNotFit) {
  Mpd mpd = ProtectedMpd();
  std::vector<ContentProtection>& set = mpd.adaptation_sets[0].content_protection;
  set[2].pssh = kWidevinePssh;  // a Widevine box on the PlayReady element
  ExpectInvalid(WriteMpd(mpd), "ContentProtection 2 cenc:pssh SystemID does not match");
  set[2].pssh.clear();
  set[1].pssh.pop_back();
  ExpectInvalid(WriteMpd(mpd), "ContentProtection 1 cenc:pssh is not one whole pssh box");
  set[1].pssh.resize(20);
  ExpectInvalid(WriteMpd(mpd), "ContentProtection 1 cenc:pssh is too short");
  set[1].pssh = kWidevinePssh;
  set[1].pssh[7] = 'H';
  ExpectInvalid(WriteMpd(mpd), "ContentProtection 1 cenc:pssh is not one whole pssh box");
  set[1].pssh = kWidevinePssh;
  set[1].playready_pro = kPlayReadyPro;
  ExpectInvalid(WriteMpd(mpd), "ContentProtection 1 has mspr:pro but is not the PlayReady");
  set[1].playready_pro.clear();
  set[2].playready_pro.push_back(0);
  ExpectInvalid(WriteMpd(mpd), "ContentProtection 2 mspr:pro length field");
  set[2].playready_pro = kPlayReadyPro;
  set[3].laurl = "https://license.example.com/a b";
  ExpectInvalid(WriteMpd(mpd), "ContentProtection 3 dashif:laurl contains whitespace");
  set[3].laurl = "https://license.example.com/";
  set[3].value = "Clear\x01Key";
  ExpectInvalid(WriteMpd(mpd), "ContentProtection 3 value");
}

TEST(DashProtectionTest, RepresentationLevelErrorsNameTheRepresentation) {
  Mpd mpd = ProtectedMpd();
  mpd.adaptation_sets[1].representations[0].content_protection[1].laurl = "https://l/\x7f";
  ExpectInvalid(WriteMpd(mpd), "Representation \"aac\" ContentProtection 1 dashif:laurl");
}

}  // namespace
}  // namespace vtp::manifest
