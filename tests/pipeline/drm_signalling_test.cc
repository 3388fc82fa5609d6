#include "pipeline/drm_signalling.h"

#include <gtest/gtest.h>

#include "domain/bmff_writer.h"
#include "domain/cenc_boxes.h"
#include "domain/drm_systems.h"

namespace vtp::pipeline {
namespace {

using nlohmann::json;

std::string PsshBase64(const cenc::SystemId& system, const cenc::Kid& kid) {
  bmff::BoxWriter w;
  cenc::ProtectionSystemHeader{system, {kid}, {}}.Write(w);
  return drm::Base64Encode(std::move(w).Finish().value());
}

PackagedRendition Rendition(const std::string& dir, const std::string& codecs, bool video) {
  PackagedRendition r;
  r.name = dir.substr(dir.rfind('/') + 1);
  r.dir = dir;
  r.codecs = codecs;
  r.track.codec = video ? "h264" : "aac";
  r.track.timescale = video ? 12800 : 48000;
  r.track.init_name = "init.mp4";
  for (int i = 0; i < 3; ++i) {
    media::PackagedSegment s;
    s.start = i * 2 * r.track.timescale;
    s.duration = 2 * r.track.timescale;
    s.seconds = 2;
    s.fmp4_bytes = 100'000;
    s.ts_bytes = video ? 110'000 : 0;
    s.fmp4_name = "segment_00" + std::to_string(i) + ".m4s";
    if (video) s.ts_name = "segment_00" + std::to_string(i) + ".ts";
    r.track.segments.push_back(s);
  }
  if (video) {
    r.track.width = r.name == "240p" ? 426 : 640;
    r.track.height = r.name == "240p" ? 240 : 360;
    r.frame_rate = {25, 1};
  } else {
    r.track.sample_rate = 48000;
    r.track.channels = 2;
    r.group = "track1";
  }
  return r;
}

const cenc::Kid kVideoKid = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                             0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
const cenc::Kid kAudioKid = {0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88,
                             0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x00};

json Key(const std::string& label, const cenc::Kid& kid, bool fairplay) {
  return {{"label", label}, {"kid", cenc::Hex16(kid)}, {"fairplay", fairplay},
          {"license_url", "https://lic.example/" + label},
          {"pssh", {{"widevine", PsshBase64(drm::kWidevineSystemId, kid)},
                    {"clearkey", PsshBase64(drm::kCommonSystemId, kid)}}}};
}

json Result(const std::string& scheme, int clear_segments) {
  json tracks = json::array();
  for (const char* dir : {"h264/240p", "h264/360p"}) {
    tracks.push_back({{"name", dir}, {"label", "video"}, {"kid", cenc::Hex16(kVideoKid)},
                      {"clear_segments", clear_segments}});
  }
  tracks.push_back({{"name", "audio/track1/aac_128k"}, {"label", "audio"}, {"kid", cenc::Hex16(kAudioKid)},
                    {"clear_segments", clear_segments}});
  return {{"scheme", scheme},
          {"keys", {Key("video", kVideoKid, scheme == "cbcs"), Key("audio", kAudioKid, scheme == "cbcs")}},
          {"aes128", {{"kid", "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f"}, {"uri", "/api/v1/videos/v1/keys/0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f"}}},
          {"tracks", tracks}};
}

ManifestInput Input() {
  ManifestInput in;
  in.video = {Rendition("h264/240p", "avc1.64001e", true), Rendition("h264/360p", "avc1.64001e", true)};
  in.audio = {Rendition("audio/track1/aac_128k", "mp4a.40.2", false)};
  return in;
}

TEST(DrmSignallingTest, CbcsMediaPlaylistsCarryOneKeyTagPerSystemAfterTheClearLead) {
  ManifestInput in = Input();
  ASSERT_TRUE(ApplyDrmSignalling(Result("cbcs", 1), in).ok());
  auto files = BuildManifests(in);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  const std::string wv = PsshBase64(drm::kWidevineSystemId, kVideoKid);
  const std::string ck = PsshBase64(drm::kCommonSystemId, kVideoKid);
  EXPECT_EQ(files->at("h264/360p/playlist.m3u8"),
            "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
            "#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI=\"init.mp4\"\n"
            "#EXTINF:2.000000,\nsegment_000.m4s\n"
            "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"data:text/plain;base64," + wv +
                "\",KEYFORMAT=\"urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed\",KEYFORMATVERSIONS=\"1\"\n"
            "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://00112233445566778899aabbccddeeff\","
            "KEYFORMAT=\"com.apple.streamingkeydelivery\",KEYFORMATVERSIONS=\"1\"\n"
            "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"data:text/plain;base64," + ck +
                "\",KEYFORMAT=\"urn:uuid:1077efec-c0b2-4d02-ace3-3c1e52e2fb4b\",KEYFORMATVERSIONS=\"1\"\n"
            "#EXTINF:2.000000,\nsegment_001.m4s\n#EXTINF:2.000000,\nsegment_002.m4s\n#EXT-X-ENDLIST\n");
  EXPECT_EQ(files->at("h264/360p/playlist_ts.m3u8"),
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
            "#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXTINF:2.000000,\nsegment_000.ts\n"
            "#EXT-X-KEY:METHOD=AES-128,URI=\"/api/v1/videos/v1/keys/0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f\"\n"
            "#EXTINF:2.000000,\nsegment_001.ts\n#EXTINF:2.000000,\nsegment_002.ts\n#EXT-X-ENDLIST\n");
  // The CMAF master announces every key for preloading; the TS master none.
  const std::string& master = files->at("manifest.m3u8");
  EXPECT_NE(master.find("#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI=\"skd://00112233445566778899aabbccddeeff\""),
            std::string::npos);
  EXPECT_NE(master.find("#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI=\"skd://ffeeddccbbaa99887766554433221100\""),
            std::string::npos);
  EXPECT_EQ(files->at("manifest_ts.m3u8").find("SESSION-KEY"), std::string::npos);
}

TEST(DrmSignallingTest, CencUsesSampleAesCtrAndNoFairPlay) {
  ManifestInput in = Input();
  ASSERT_TRUE(ApplyDrmSignalling(Result("cenc", 0), in).ok());
  auto files = BuildManifests(in);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  const std::string& p = files->at("h264/240p/playlist.m3u8");
  EXPECT_NE(p.find("#EXT-X-MAP:URI=\"init.mp4\"\n#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,"), std::string::npos) << p;
  EXPECT_EQ(p.find("skd://"), std::string::npos);
  EXPECT_EQ(p.find("METHOD=SAMPLE-AES,"), std::string::npos);
}

TEST(DrmSignallingTest, DashSharesProtectionOnTheSetWhenEveryRepresentationHasTheKey) {
  ManifestInput in = Input();
  ASSERT_TRUE(ApplyDrmSignalling(Result("cenc", 0), in).ok());
  auto files = BuildManifests(in);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  const std::string& mpd = files->at("manifest.mpd");
  const std::string video_set =
      "maxFrameRate=\"25\">\n"
      "      <ContentProtection schemeIdUri=\"urn:mpeg:dash:mp4protection:2011\" value=\"cenc\" "
      "cenc:default_KID=\"00112233-4455-6677-8899-aabbccddeeff\"/>\n"
      "      <ContentProtection schemeIdUri=\"urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed\" value=\"Widevine\">\n"
      "        <cenc:pssh>" + PsshBase64(drm::kWidevineSystemId, kVideoKid) + "</cenc:pssh>\n"
      "      </ContentProtection>\n"
      "      <ContentProtection schemeIdUri=\"urn:uuid:1077efec-c0b2-4d02-ace3-3c1e52e2fb4b\" value=\"ClearKey\">\n"
      "        <cenc:pssh>" + PsshBase64(drm::kCommonSystemId, kVideoKid) + "</cenc:pssh>\n"
      "        <dashif:laurl>https://lic.example/video</dashif:laurl>\n"
      "      </ContentProtection>\n"
      "      <Representation id=\"h264_240p\"";
  EXPECT_NE(mpd.find(video_set), std::string::npos) << mpd;
  EXPECT_NE(mpd.find("cenc:default_KID=\"ffeeddcc-bbaa-9988-7766-554433221100\""), std::string::npos);
  EXPECT_NE(mpd.find("xmlns:cenc=\"urn:mpeg:cenc:2013\""), std::string::npos);
}

TEST(DrmSignallingTest, DashPutsProtectionOnRepresentationsWhenTiersHaveTheirOwnKeys) {
  ManifestInput in = Input();
  json result = Result("cbcs", 0);
  cenc::Kid hd = kVideoKid;
  hd[15] = 0x01;
  result["keys"].push_back(Key("hd", hd, true));
  result["tracks"][1]["label"] = "hd";
  result["tracks"][1]["kid"] = cenc::Hex16(hd);
  ASSERT_TRUE(ApplyDrmSignalling(result, in).ok());
  auto files = BuildManifests(in);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  const std::string& mpd = files->at("manifest.mpd");
  EXPECT_NE(mpd.find("<Representation id=\"h264_240p\" codecs=\"avc1.64001e\" bandwidth=\"400000\" width=\"426\" "
                     "height=\"240\" frameRate=\"25\" sar=\"1:1\">\n        <ContentProtection "
                     "schemeIdUri=\"urn:mpeg:dash:mp4protection:2011\" value=\"cbcs\" "
                     "cenc:default_KID=\"00112233-4455-6677-8899-aabbccddeeff\"/>"),
            std::string::npos)
      << mpd;
  EXPECT_NE(mpd.find("cenc:default_KID=\"00112233-4455-6677-8899-aabbccddee01\"/>"), std::string::npos);
  EXPECT_NE(files->at("h264/360p/playlist.m3u8").find("skd://00112233445566778899aabbccddee01"), std::string::npos);
}

TEST(DrmSignallingTest, APlaylistRelativeKeyUriIsPerRendition) {
  ManifestInput in = Input();
  json result = Result("cenc", 0);
  result["tracks"][0]["ts_key_uri"] = "../../keys/0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f";
  result["tracks"][1]["ts_key_uri"] = "../../keys/0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f";
  result["tracks"][2]["ts_key_uri"] = "../../../keys/0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f";
  ASSERT_TRUE(ApplyDrmSignalling(result, in).ok());
  auto files = BuildManifests(in);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  EXPECT_NE(files->at("h264/240p/playlist_ts.m3u8")
                .find("#EXT-X-KEY:METHOD=AES-128,URI=\"../../keys/0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f\"\n"),
            std::string::npos);
  EXPECT_EQ(in.audio[0].protection.hls_ts.at(0).uri, "../../../keys/0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f");
}

TEST(DrmSignallingTest, RefusesResultsThatDoNotCoverTheRenditions) {
  ManifestInput in = Input();
  json result = Result("cenc", 0);
  result["tracks"].erase(2);
  Status s = ApplyDrmSignalling(result, in);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("audio/track1/aac_128k"), std::string::npos) << s.message();

  in = Input();
  result = Result("cenc", 0);
  result["tracks"][0]["label"] = "uhd";
  s = ApplyDrmSignalling(result, in);
  EXPECT_NE(s.message().find("no key labelled uhd"), std::string::npos) << s.message();

  in = Input();
  result = Result("cenc", 0);
  result["keys"][0]["pssh"]["widevine"] = "not base64!";
  EXPECT_EQ(ApplyDrmSignalling(result, in).code(), ErrorCode::kInvalidArgument);

  in = Input();
  EXPECT_EQ(ApplyDrmSignalling(json{{"scheme", "cenc"}}, in).code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vtp::pipeline
