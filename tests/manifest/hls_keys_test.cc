// EXT-X-KEY and EXT-X-SESSION-KEY (RFC 8216 §4.3.2.4, §4.3.4.5).
#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "manifest/hls.h"

namespace vtp::manifest {
namespace {

// The writer copies URIs verbatim, so these stand in for real payloads
// (a base64 Widevine pssh box, a base64 PlayReady Object).
constexpr char kWidevineUri[] = "data:text/plain;base64,AAAANHBzc2gAAAAA7e+LqXnWSs6jyCfc1R0h7Q==";
constexpr char kPlayReadyUri[] = "data:text/plain;charset=UTF-16;base64,xAEAAAEAAQC6AQ==";
constexpr char kFairPlayUri[] = "skd://keys.example.com/00112233445566778899aabbccddeeff";
constexpr char kIdentityUri[] = "https://keys.example.com/00112233445566778899aabbccddeeff";

KeyTag Key(std::string method, std::string uri, std::optional<std::string> keyformat,
           std::optional<std::string> versions = "1") {
  KeyTag key;
  key.method = std::move(method);
  key.uri = std::move(uri);
  if (keyformat) key.keyformat_versions = std::move(versions);
  key.keyformat = std::move(keyformat);
  return key;
}

// Widevine, PlayReady and FairPlay for one 'cbcs' key.
std::vector<KeyTag> CbcsDrmKeys() {
  return {Key("SAMPLE-AES", kWidevineUri, "urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed"),
          Key("SAMPLE-AES", kPlayReadyUri, kHlsKeyFormatPlayReady),
          Key("SAMPLE-AES", kFairPlayUri, kHlsKeyFormatFairPlay)};
}

MediaPlaylist Fmp4Playlist() {
  MediaPlaylist p;
  p.init_segment_uri = "init.mp4";
  p.segments = {{"segment_000.m4s", 4.0}, {"segment_001.m4s", 4.0}, {"segment_002.m4s", 2.0}};
  return p;
}

MediaPlaylist TsPlaylist() {
  MediaPlaylist p;
  p.segments = {{"segment_000.ts", 6.0}, {"segment_001.ts", 3.5}};
  return p;
}

MasterPlaylist AudioVideoMaster() {
  MasterPlaylist m;
  AudioRendition aac;
  aac.group_id = "aac";
  aac.name = "English";
  aac.language = "en";
  aac.is_default = true;
  aac.autoselect = true;
  aac.uri = "audio/playlist.m3u8";
  m.audio = {aac};
  Variant v;
  v.uri = "video/playlist.m3u8";
  v.bandwidth = 2000000;
  v.codecs = {"avc1.64001f", "mp4a.40.2"};
  v.audio_group_id = "aac";
  m.variants = {v};
  return m;
}

template <typename T>
void ExpectInvalid(const StatusOr<T>& result, const std::string& needle) {
  ASSERT_FALSE(result.ok()) << "expected an error mentioning " << needle;
  EXPECT_EQ(result.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find(needle), std::string::npos)
      << result.status().message();
}

TEST(HlsKeysTest, CbcsMasterWithSessionKeys) {
  MasterPlaylist m = AudioVideoMaster();
  m.session_keys = CbcsDrmKeys();
  auto text = WriteMasterPlaylist(m);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text,
            "#EXTM3U\n"
            "#EXT-X-VERSION:5\n"
            "#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,"
            "URI=\"data:text/plain;base64,AAAANHBzc2gAAAAA7e+LqXnWSs6jyCfc1R0h7Q==\","
            "KEYFORMAT=\"urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed\",KEYFORMATVERSIONS=\"1\"\n"
            "#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,"
            "URI=\"data:text/plain;charset=UTF-16;base64,xAEAAAEAAQC6AQ==\","
            "KEYFORMAT=\"com.microsoft.playready\",KEYFORMATVERSIONS=\"1\"\n"
            "#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,"
            "URI=\"skd://keys.example.com/00112233445566778899aabbccddeeff\","
            "KEYFORMAT=\"com.apple.streamingkeydelivery\",KEYFORMATVERSIONS=\"1\"\n"
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aac\",NAME=\"English\",LANGUAGE=\"en\","
            "DEFAULT=YES,AUTOSELECT=YES,URI=\"audio/playlist.m3u8\"\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=2000000,CODECS=\"avc1.64001f,mp4a.40.2\","
            "AUDIO=\"aac\"\n"
            "video/playlist.m3u8\n");
}

TEST(HlsKeysTest, SessionKeyVersions) {
  MasterPlaylist m = AudioVideoMaster();
  m.audio.clear();
  m.variants[0].audio_group_id.reset();
  KeyTag aes = Key("AES-128", kIdentityUri, std::nullopt);
  aes.iv = std::array<uint8_t, 16>{};
  m.session_keys = {aes};
  EXPECT_EQ(DefaultVersion(m), 3);  // IV needs 2
  m.session_keys[0].keyformat = kHlsKeyFormatIdentity;
  EXPECT_EQ(DefaultVersion(m), 5);
  m.version = 4;
  ExpectInvalid(WriteMasterPlaylist(m), "master playlist EXT-X-VERSION 4 is outside [5, 7]");
  m.version = 5;
  EXPECT_TRUE(WriteMasterPlaylist(m).ok());
}

TEST(HlsKeysTest, RejectsBadSessionKeys) {
  MasterPlaylist m = AudioVideoMaster();
  m.session_keys = {Key("NONE", kIdentityUri, std::nullopt)};
  ExpectInvalid(WriteMasterPlaylist(m), "EXT-X-SESSION-KEY 0 METHOD \"NONE\" is not AES-128");
  m.session_keys = CbcsDrmKeys();
  m.session_keys.push_back(m.session_keys[1]);
  ExpectInvalid(WriteMasterPlaylist(m), "EXT-X-SESSION-KEY 3 repeats an earlier");
  m.session_keys = CbcsDrmKeys();
  m.session_keys[2].uri = "skd://a key";
  ExpectInvalid(WriteMasterPlaylist(m), "EXT-X-SESSION-KEY 2 URI contains whitespace");
}

TEST(HlsKeysTest, Fmp4WithFourKeySystems) {
  MediaPlaylist p = Fmp4Playlist();
  p.keys = CbcsDrmKeys();
  p.keys.push_back(Key("SAMPLE-AES", kIdentityUri, std::nullopt));
  auto text = WriteMediaPlaylist(p);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text,
            "#EXTM3U\n"
            "#EXT-X-VERSION:6\n"
            "#EXT-X-TARGETDURATION:4\n"
            "#EXT-X-MEDIA-SEQUENCE:0\n"
            "#EXT-X-PLAYLIST-TYPE:VOD\n"
            "#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-MAP:URI=\"init.mp4\"\n"
            "#EXT-X-KEY:METHOD=SAMPLE-AES,"
            "URI=\"data:text/plain;base64,AAAANHBzc2gAAAAA7e+LqXnWSs6jyCfc1R0h7Q==\","
            "KEYFORMAT=\"urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed\",KEYFORMATVERSIONS=\"1\"\n"
            "#EXT-X-KEY:METHOD=SAMPLE-AES,"
            "URI=\"data:text/plain;charset=UTF-16;base64,xAEAAAEAAQC6AQ==\","
            "KEYFORMAT=\"com.microsoft.playready\",KEYFORMATVERSIONS=\"1\"\n"
            "#EXT-X-KEY:METHOD=SAMPLE-AES,"
            "URI=\"skd://keys.example.com/00112233445566778899aabbccddeeff\","
            "KEYFORMAT=\"com.apple.streamingkeydelivery\",KEYFORMATVERSIONS=\"1\"\n"
            "#EXT-X-KEY:METHOD=SAMPLE-AES,"
            "URI=\"https://keys.example.com/00112233445566778899aabbccddeeff\"\n"
            "#EXTINF:4.000000,\n"
            "segment_000.m4s\n"
            "#EXTINF:4.000000,\n"
            "segment_001.m4s\n"
            "#EXTINF:2.000000,\n"
            "segment_002.m4s\n"
            "#EXT-X-ENDLIST\n");
}

TEST(HlsKeysTest, ClearLeadPutsTheKeysBeforeTheFirstEncryptedSegment) {
  MediaPlaylist p = Fmp4Playlist();
  p.keys = {Key("SAMPLE-AES-CTR", kWidevineUri, "urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed",
                "1/2/5")};
  p.first_encrypted_segment = 2;
  auto text = WriteMediaPlaylist(p);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text,
            "#EXTM3U\n"
            "#EXT-X-VERSION:6\n"
            "#EXT-X-TARGETDURATION:4\n"
            "#EXT-X-MEDIA-SEQUENCE:0\n"
            "#EXT-X-PLAYLIST-TYPE:VOD\n"
            "#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-MAP:URI=\"init.mp4\"\n"
            "#EXTINF:4.000000,\n"
            "segment_000.m4s\n"
            "#EXTINF:4.000000,\n"
            "segment_001.m4s\n"
            "#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,"
            "URI=\"data:text/plain;base64,AAAANHBzc2gAAAAA7e+LqXnWSs6jyCfc1R0h7Q==\","
            "KEYFORMAT=\"urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed\","
            "KEYFORMATVERSIONS=\"1/2/5\"\n"
            "#EXTINF:2.000000,\n"
            "segment_002.m4s\n"
            "#EXT-X-ENDLIST\n");
}

TEST(HlsKeysTest, Aes128TransportStreamWithIv) {
  MediaPlaylist p = TsPlaylist();
  KeyTag key = Key("AES-128", "keys/key0.bin", std::nullopt);
  key.iv = std::array<uint8_t, 16>{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                   0x08, 0x09, 0x0a, 0x0b, 0x0c, 0xcd, 0xef, 0xff};
  p.keys = {key};
  EXPECT_EQ(RequiredVersion(p), 3);  // IV needs only 2
  auto text = WriteMediaPlaylist(p);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text,
            "#EXTM3U\n"
            "#EXT-X-VERSION:3\n"
            "#EXT-X-TARGETDURATION:6\n"
            "#EXT-X-MEDIA-SEQUENCE:0\n"
            "#EXT-X-PLAYLIST-TYPE:VOD\n"
            "#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-KEY:METHOD=AES-128,URI=\"keys/key0.bin\","
            "IV=0x000102030405060708090A0B0CCDEFFF\n"
            "#EXTINF:6.000000,\n"
            "segment_000.ts\n"
            "#EXTINF:3.500000,\n"
            "segment_001.ts\n"
            "#EXT-X-ENDLIST\n");
}

TEST(HlsKeysTest, TransportStreamVersionRisesForKeyFormatAndSampleAes) {
  MediaPlaylist p = TsPlaylist();
  p.keys = {Key("AES-128", kIdentityUri, kHlsKeyFormatIdentity)};
  EXPECT_EQ(RequiredVersion(p), 5);
  p.keys = {Key("AES-128", kIdentityUri, std::nullopt)};
  p.keys[0].keyformat_versions = "1";
  EXPECT_EQ(RequiredVersion(p), 5);
  p.keys = {Key("SAMPLE-AES", kFairPlayUri, std::nullopt)};
  EXPECT_EQ(RequiredVersion(p), 5);
  p.version = 4;
  ExpectInvalid(WriteMediaPlaylist(p), "media playlist EXT-X-VERSION 4 is outside [5, 7]");
  p.version.reset();
  auto text = WriteMediaPlaylist(p);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->substr(0, 25), "#EXTM3U\n#EXT-X-VERSION:5\n");
}

TEST(HlsKeysTest, RejectsBadKeyTags) {
  MediaPlaylist p = Fmp4Playlist();
  p.keys = {Key("AES-256", kIdentityUri, std::nullopt)};
  ExpectInvalid(WriteMediaPlaylist(p), "EXT-X-KEY 0 METHOD \"AES-256\" is not AES-128");
  p.keys = {Key("aes-128", kIdentityUri, std::nullopt)};  // enumerated-strings are exact
  ExpectInvalid(WriteMediaPlaylist(p), "EXT-X-KEY 0 METHOD");
  p.keys = {Key("AES-128", "", std::nullopt)};
  ExpectInvalid(WriteMediaPlaylist(p), "EXT-X-KEY 0 URI is empty");
  p.keys = {Key("AES-128", "https://k/\"x\"", std::nullopt)};
  ExpectInvalid(WriteMediaPlaylist(p), "EXT-X-KEY 0 URI contains a double quote");
  p.keys = {Key("AES-128", "https://k/a\nb", std::nullopt)};
  ExpectInvalid(WriteMediaPlaylist(p), "EXT-X-KEY 0 URI");
  p.keys = {Key("SAMPLE-AES", kFairPlayUri, "")};
  ExpectInvalid(WriteMediaPlaylist(p), "EXT-X-KEY 0 KEYFORMAT is empty");
  p.keys = {Key("SAMPLE-AES", kFairPlayUri, "com.apple\"x")};
  ExpectInvalid(WriteMediaPlaylist(p), "EXT-X-KEY 0 KEYFORMAT contains a double quote");
}

TEST(HlsKeysTest, KeyFormatVersionsArePositiveIntegersJoinedBySlash) {
  MediaPlaylist p = Fmp4Playlist();
  for (const char* good : {"1", "1/2/5", "12"}) {
    p.keys = {Key("SAMPLE-AES", kFairPlayUri, kHlsKeyFormatFairPlay, good)};
    EXPECT_TRUE(WriteMediaPlaylist(p).ok()) << good;
  }
  for (const char* bad : {"", "0", "1/0", "1/", "/1", "1//2", "a", "1.0", "1,2", " 1", "00"}) {
    p.keys = {Key("SAMPLE-AES", kFairPlayUri, kHlsKeyFormatFairPlay, bad)};
    ExpectInvalid(WriteMediaPlaylist(p), "EXT-X-KEY 0 KEYFORMATVERSIONS");
  }
}

TEST(HlsKeysTest, RejectsInconsistentKeySets) {
  MediaPlaylist p = Fmp4Playlist();
  p.keys = CbcsDrmKeys();
  p.keys[2].method = "AES-128";
  ExpectInvalid(WriteMediaPlaylist(p),
                "EXT-X-KEY 2 METHOD AES-128 differs from EXT-X-KEY 0 METHOD SAMPLE-AES");

  // An unset KEYFORMAT means "identity", so these two collide.
  p.keys = {Key("SAMPLE-AES", kIdentityUri, std::nullopt),
            Key("SAMPLE-AES", kIdentityUri, kHlsKeyFormatIdentity)};
  ExpectInvalid(WriteMediaPlaylist(p), "EXT-X-KEY 1 repeats KEYFORMAT \"identity\"");

  p.keys = CbcsDrmKeys();
  p.first_encrypted_segment = 3;
  ExpectInvalid(WriteMediaPlaylist(p), "first_encrypted_segment 3 is not a segment index");

  p.keys.clear();
  p.first_encrypted_segment = 1;
  ExpectInvalid(WriteMediaPlaylist(p), "first_encrypted_segment is 1 but the playlist has no keys");
}

TEST(HlsKeysTest, SampleAesCtrNeedsFmp4) {
  MediaPlaylist p = TsPlaylist();
  p.keys = {Key("SAMPLE-AES-CTR", kIdentityUri, std::nullopt)};
  ExpectInvalid(WriteMediaPlaylist(p), "EXT-X-KEY 0 METHOD SAMPLE-AES-CTR needs fMP4");
}

}  // namespace
}  // namespace vtp::manifest
