#include "pipeline/track_plan.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "pipeline/job_options.h"

namespace vtp::pipeline {
namespace {

StreamInfo Audio(int index, const std::string& lang, int channels = 2, const std::string& title = "") {
  StreamInfo s;
  s.index = index;
  s.kind = StreamKind::kAudio;
  s.codec = "aac";
  s.language = lang;
  s.title = title;
  s.decodable = true;
  s.packets = 100;
  s.audio = AudioInfo{48000, channels, channels == 6 ? "5.1" : "stereo", "fltp"};
  return s;
}

StreamInfo Subtitle(int index, const std::string& lang, const std::string& codec = "subrip") {
  StreamInfo s;
  s.index = index;
  s.kind = StreamKind::kSubtitle;
  s.codec = codec;
  s.language = lang;
  s.decodable = true;
  s.packets = 10;
  return s;
}

MediaInfo With(std::vector<StreamInfo> streams) {
  MediaInfo info;
  info.streams = std::move(streams);
  for (const auto& s : info.streams) {
    if (s.kind == StreamKind::kAudio && info.primary_audio < 0) info.primary_audio = s.index;
  }
  return info;
}

std::vector<std::string> AudioKeys(const MediaInfo& info) {
  std::vector<std::string> keys;
  for (const auto& t : PlanAudioTracks(info, {})) keys.push_back(t.key);
  return keys;
}

TEST(TrackPlanTest, AudioKeysAreLanguagesMadeUnique) {
  EXPECT_EQ(AudioKeys(With({Audio(0, "eng"), Audio(1, "fra")})), (std::vector<std::string>{"eng", "fra"}));
  // A suffixed key never lands on a tag another track already has.
  EXPECT_EQ(AudioKeys(With({Audio(0, "en"), Audio(1, "en"), Audio(2, "en-2")})),
            (std::vector<std::string>{"en", "en-2", "en-2-2"}));
  EXPECT_EQ(AudioKeys(With({Audio(0, "track1"), Audio(1, ""), Audio(2, "und")})),
            (std::vector<std::string>{"track1", "track2", "track3"}));
  // Path-unsafe tags are not used as keys.
  EXPECT_EQ(AudioKeys(With({Audio(0, "../x"), Audio(1, "a/b")})), (std::vector<std::string>{"track1", "track2"}));
}

TEST(TrackPlanTest, AudioRenditionsPerTrack) {
  auto tracks = PlanAudioTracks(With({Audio(0, "eng", 2), Audio(1, "fra", 6)}), {});
  ASSERT_EQ(tracks.size(), 2u);
  EXPECT_TRUE(tracks[0].is_default);
  EXPECT_FALSE(tracks[1].is_default);
  EXPECT_EQ(tracks[0].renditions.size(), 6u);  // AAC 64/128/192, Opus 64/96/128
  ASSERT_EQ(tracks[1].renditions.size(), 7u);  // + AAC 5.1
  EXPECT_EQ(tracks[1].renditions.back().name, "aac51_384k");
  EXPECT_EQ(tracks[1].Dir(tracks[1].renditions.back()), "audio/fra/aac51_384k");
  EXPECT_EQ(StandaloneAudio(tracks[0])->name, "aac_128k");
  AudioOptions no_surround;
  no_surround.surround = false;
  EXPECT_EQ(PlanAudioTracks(With({Audio(0, "fra", 6)}), no_surround)[0].renditions.size(), 6u);
}

TEST(TrackPlanTest, EmptyOrUndecodableStreamsAreNotTracks) {
  StreamInfo empty = Audio(1, "fra");
  empty.packets = 0;  // a capture tool's placeholder
  StreamInfo undecodable = Audio(2, "deu");
  undecodable.decodable = false;
  EXPECT_EQ(AudioKeys(With({Audio(0, "eng"), empty, undecodable})), (std::vector<std::string>{"eng"}));
  // No primary audio (probe ignored it): no alternates either.
  MediaInfo no_primary = With({Audio(0, "eng"), Audio(1, "fra")});
  no_primary.primary_audio = -1;
  EXPECT_TRUE(PlanAudioTracks(no_primary, {}).empty());
}

TEST(TrackPlanTest, TitlesAManifestCannotCarryFallBackToTheLanguageName) {
  auto tracks = PlanAudioTracks(With({Audio(0, "eng", 2, "Fran\xe7" "ais"), Audio(1, "fra", 2, "say \"hi\""),
                                      Audio(2, "deu", 2, "Kommentar")}),
                                {});
  EXPECT_EQ(tracks[0].title, "");  // Latin-1, not UTF-8
  EXPECT_EQ(tracks[1].title, "");
  EXPECT_EQ(tracks[2].title, "Kommentar");
}

TEST(TrackPlanTest, SubtitleTracksUploadsStreamsThenCaptions) {
  JobOptions o;
  o.subtitles = {{"en", "/x/a.srt", "", "srt"}, {"en-auto", "/x/b.srt", "", "srt"}};
  o.captions_language = "en";
  auto tracks = PlanSubtitleTracks(With({Audio(0, "eng"), Subtitle(1, "en"), Subtitle(2, "eng", "hdmv_pgs_subtitle")}), o);
  std::vector<std::string> keys;
  for (const auto& t : tracks) keys.push_back(t.key);
  // The captions key is reserved: an upload tagged "en-auto" moves aside.
  EXPECT_EQ(keys, (std::vector<std::string>{"en", "en-auto-2", "en-2", "eng", "en-auto"}));
  EXPECT_EQ(tracks[3].is_text, false);
  EXPECT_EQ(tracks[4].source, SubtitleSource::kCaptions);
  EXPECT_EQ(tracks[4].label, "English (auto)");
  EXPECT_EQ(tracks[4].File(), "subtitles/en-auto.vtt");
  std::set<std::string> unique(keys.begin(), keys.end());
  EXPECT_EQ(unique.size(), keys.size());
}

TEST(TrackPlanTest, CaptionsNeedAudioAndASafeLanguage) {
  JobOptions o;
  o.captions_language = "en";
  EXPECT_TRUE(PlanSubtitleTracks(With({}), o).empty());
  o.captions_language = "../../x";
  EXPECT_TRUE(PlanSubtitleTracks(With({Audio(0, "eng")}), o).empty());
}

TEST(JobOptionsTest, RepeatedBitratesAndTamperedRowsAreRefused) {
  JobOptions o;
  o.audio.aac_kbps = {128, 128};
  EXPECT_EQ(ValidateJobOptions(o).code(), ErrorCode::kInvalidArgument);
  JobOptions stored;
  nlohmann::json j = ToJson(stored);
  ASSERT_TRUE(JobOptionsFromJson(j).ok());
  j["captions_language"] = "../../../x";
  auto bad = JobOptionsFromJson(j);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("stored job options"), std::string::npos) << bad.status().ToString();
  // A row written before issue 5 (no audio/thumbnail/subtitle fields) reads
  // back with the defaults.
  nlohmann::json old = ToJson(stored);
  for (const char* k : {"audio", "thumbnails", "subtitles", "captions_language"}) old.erase(k);
  auto read = JobOptionsFromJson(old);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->audio.aac_kbps, (std::vector<int>{64, 128, 192}));
  EXPECT_TRUE(read->thumbnails.enabled);
}

}  // namespace
}  // namespace vtp::pipeline
