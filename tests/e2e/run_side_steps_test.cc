// End-to-end: the branch of the DAG beside video transcoding — every audio
// track loudness-normalised into AAC/Opus renditions, thumbnails and sprites,
// uploaded, embedded and speech-to-text subtitles — through `vtp run`, checked
// on what it publishes: files, manifests, and measured loudness.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "e2e/e2e_util.h"
#include "media/loudness.h"
#include "subtitle/wer.h"

namespace vtp::e2e {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testutil::CorpusPath;
using testutil::Fixture;
using testutil::ReadFile;

struct JobRun {
  testutil::CommandResult result;
  std::string out;
  json summary;
};

// `vtp run --json`: stdout is the summary, stderr goes to the log.
JobRun RunJson(const std::string& input, const std::string& extra = "") {
  JobRun r;
  r.out = testutil::FreshDir() + "/out";
  std::string log = r.out + ".log";
  r.result = testutil::RunCommand(testutil::VtpBinary() + " run '" + input + "' -o '" + r.out +
                                  "' --preset ultrafast --workers 2 --json " + extra + " 2>'" + log + "'");
  if (r.result.exit_status == 0) {
    r.summary = json::parse(r.result.output, nullptr, false);
  } else {
    r.result.output += ReadFile(log);
  }
  return r;
}

std::vector<std::string> LinesWith(const std::string& path, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& l : testutil::ReadLines(path)) {
    if (l.rfind(prefix, 0) == 0) out.push_back(l);
  }
  return out;
}

// init + every segment of an fMP4 media playlist, as one file libav reads.
std::string JoinRendition(const std::string& dir) {
  auto pl = ReadMediaPlaylist(dir + "/playlist.m3u8");
  std::string path = testutil::TestTmpDir() + "/rendition_" + std::to_string(std::hash<std::string>{}(dir)) + ".mp4";
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << ReadFile(dir + "/" + pl.map_uri);
  for (const auto& uri : pl.uris) f << ReadFile(dir + "/" + uri);
  return path;
}

// Two tagged audio tracks under a small video: English stereo, loud; French
// 5.1, quiet. Every rendition of both must land on the streaming target.
std::string TwoTrackFixture() {
  return Fixture("two_tracks_loud_quiet.mkv",
                 "-f lavfi -i testsrc2=s=320x240:r=25:d=6 "
                 "-f lavfi -i \"sine=f=440:d=6,volume=6,aformat=channel_layouts=stereo\" "
                 "-f lavfi -i \"sine=f=660:d=6,volume=0.25,aformat=channel_layouts=5.1\" "
                 "-map 0 -map 1 -map 2 -c:v libx264 -preset ultrafast -c:a aac -b:a 192k "
                 "-metadata:s:a:0 language=eng -metadata:s:a:0 title=English "
                 "-metadata:s:a:1 language=fra -metadata:s:a:1 title=Francais");
}

TEST(RunSideStepsTest, EveryAudioTrackBecomesNormalisedAlternateRenditions) {
  JobRun r = RunJson(TwoTrackFixture());
  ASSERT_EQ(r.result.exit_status, 0) << r.result.output;
  const std::vector<std::string> stereo = {"aac_64k", "aac_128k", "aac_192k", "opus_64k", "opus_96k", "opus_128k"};
  std::vector<std::string> dirs;
  for (const auto& n : stereo) dirs.push_back("audio/eng/" + n);
  for (const auto& n : stereo) dirs.push_back("audio/fra/" + n);
  dirs.push_back("audio/fra/aac51_384k");  // the 5.1 track keeps a 5.1 rendition
  EXPECT_FALSE(fs::exists(r.out + "/audio/eng/aac51_384k"));
  for (const auto& d : dirs) {
    SCOPED_TRACE(d);
    ASSERT_TRUE(fs::exists(r.out + "/" + d + "/playlist.m3u8"));
    auto loud = media::MeasureLoudness(JoinRendition(r.out + "/" + d), 0);
    ASSERT_TRUE(loud.ok()) << loud.status().ToString();
    EXPECT_NEAR(loud->integrated_lufs, -16.0, 1.0);
    EXPECT_LE(loud->true_peak_dbtp, -1.0);
    std::string err;
    auto streams = testutil::StreamHeaders(JoinRendition(r.out + "/" + d), &err);
    ASSERT_EQ(streams.size(), 1u);
    EXPECT_EQ(streams[0].channels, d.find("aac51") != std::string::npos ? 6 : 2);
  }
  // Opus has no MPEG-TS form; AAC does.
  EXPECT_TRUE(fs::exists(r.out + "/audio/eng/aac_128k/playlist_ts.m3u8"));
  EXPECT_FALSE(fs::exists(r.out + "/audio/eng/opus_96k/playlist_ts.m3u8"));
  // The measured source loudness is in the report: the loud track is turned
  // down, the quiet one up.
  ASSERT_EQ(r.summary["audio_tracks"].size(), 2u);
  EXPECT_EQ(r.summary["audio_tracks"][0]["track"], "eng");
  EXPECT_LT(r.summary["audio_tracks"][0]["gain_db"].get<double>(), 0);
  EXPECT_GT(r.summary["audio_tracks"][1]["gain_db"].get<double>(), 0);

  // HLS: one EXT-X-MEDIA per track in each group a variant plays (the one
  // 240p rung plays the middle rate of each family: aac_128k, opus_96k, and
  // the 5.1 group), languages and channels as in the source; the MPEG-TS
  // master lists the AAC groups only.
  auto media = LinesWith(r.out + "/manifest.m3u8", "#EXT-X-MEDIA:TYPE=AUDIO");
  ASSERT_EQ(media.size(), 5u);
  int eng = 0, fra = 0, six = 0;
  for (const auto& m : media) {
    auto a = testutil::HlsAttributes(m);
    eng += a["LANGUAGE"] == "eng";
    fra += a["LANGUAGE"] == "fra";
    six += a["CHANNELS"] == "6";
    EXPECT_EQ(a["DEFAULT"], a["LANGUAGE"] == "eng" || a["GROUP-ID"] == "aac51_384k" ? "YES" : "NO") << m;
  }
  EXPECT_EQ(eng, 2);
  EXPECT_EQ(fra, 3);
  EXPECT_EQ(six, 1);
  EXPECT_EQ(LinesWith(r.out + "/manifest_ts.m3u8", "#EXT-X-MEDIA:TYPE=AUDIO").size(), 3u);
  for (const auto& v : MasterVariants(r.out + "/manifest_ts.m3u8")) {
    EXPECT_EQ(testutil::HlsAttributes(v.line)["CODECS"].find("opus"), std::string::npos);
  }
  bool opus_variant = false;
  for (const auto& v : MasterVariants(r.out + "/manifest.m3u8")) {
    opus_variant = opus_variant || testutil::HlsAttributes(v.line)["CODECS"] == "avc1.42c00d,opus" ||
                   testutil::HlsAttributes(v.line)["CODECS"].find(",opus") != std::string::npos;
  }
  EXPECT_TRUE(opus_variant);

  // DASH: an audio AdaptationSet per track and codec family, with lang.
  std::string mpd = ReadFile(r.out + "/manifest.mpd");
  std::regex set(R"re(<AdaptationSet [^>]*contentType="audio"[^>]*lang="(\w+)")re");
  int sets = 0;
  for (auto it = std::sregex_iterator(mpd.begin(), mpd.end(), set); it != std::sregex_iterator(); ++it) ++sets;
  EXPECT_EQ(sets, 5);  // eng: AAC, Opus; fra: AAC, Opus, AAC 5.1
  EXPECT_NE(mpd.find("audio_channel_configuration:2011\" value=\"6\""), std::string::npos);

  // The seed's standalone file, from the default track.
  ASSERT_TRUE(fs::exists(r.out + "/audio/aac_128k.m4a"));
  auto solo = media::MeasureLoudness(r.out + "/audio/aac_128k.m4a", 0);
  ASSERT_TRUE(solo.ok()) << solo.status().ToString();
  EXPECT_NEAR(solo->integrated_lufs, -16.0, 1.0);
}

TEST(RunSideStepsTest, BroadcastTargetAndSilenceLeftAlone) {
  std::string src = Fixture("tone_and_silence.mp4",
                            "-f lavfi -i testsrc2=s=320x240:r=25:d=4 -f lavfi -i sine=f=1000:d=4 "
                            "-f lavfi -i anullsrc=r=48000:cl=stereo -t 4 -map 0 -map 1 -map 2 "
                            "-c:v libx264 -preset ultrafast -c:a aac");
  JobRun r = RunJson(src, "--loudness broadcast --audio-opus none");
  ASSERT_EQ(r.result.exit_status, 0) << r.result.output;
  auto tone = media::MeasureLoudness(JoinRendition(r.out + "/audio/track1/aac_128k"), 0);
  ASSERT_TRUE(tone.ok()) << tone.status().ToString();
  EXPECT_NEAR(tone->integrated_lufs, -23.0, 1.0);
  EXPECT_FALSE(fs::exists(r.out + "/audio/track1/opus_96k"));
  // Silence is reported as such and never amplified into noise.
  ASSERT_EQ(r.summary["audio_tracks"].size(), 2u);
  EXPECT_TRUE(r.summary["audio_tracks"][1]["silent"].get<bool>());
  EXPECT_EQ(r.summary["audio_tracks"][1]["gain_db"].get<double>(), 0.0);
  auto quiet = media::MeasureLoudness(JoinRendition(r.out + "/audio/track2/aac_128k"), 0);
  ASSERT_TRUE(quiet.ok()) << quiet.status().ToString();
  EXPECT_TRUE(quiet->silent);
}

TEST(RunSideStepsTest, AudioShorterOrLongerThanTheVideo) {
  std::string shorter = Fixture("audio_shorter.mp4",
                                "-f lavfi -i testsrc2=s=320x240:r=25:d=6 -f lavfi -i sine=d=2 "
                                "-c:v libx264 -preset ultrafast -c:a aac");
  std::string longer = Fixture("audio_longer.mkv",
                               "-f lavfi -i testsrc2=s=320x240:r=25:d=3 -f lavfi -i sine=d=9 "
                               "-c:v libx264 -preset ultrafast -c:a aac");
  for (const auto& [src, max_seconds] : {std::pair{shorter, 6.2}, std::pair{longer, 3.2}}) {
    JobRun r = RunJson(src, "--audio-opus none");
    ASSERT_EQ(r.result.exit_status, 0) << src << r.result.output;
    std::string err;
    auto d = testutil::DecodeAll(JoinRendition(r.out + "/audio/track1/aac_128k"), -1, &err);
    ASSERT_EQ(d.size(), 1u) << err;
    EXPECT_LE(d.begin()->second.duration(), max_seconds) << src;  // never outlasts the video
  }
}

TEST(RunSideStepsTest, NoAudioMeansNoAudioGroups) {
  std::string src = Fixture("silent_video.mp4", "-f lavfi -i testsrc2=s=320x240:r=25:d=3 -c:v libx264 -preset ultrafast");
  JobRun r = RunJson(src);
  ASSERT_EQ(r.result.exit_status, 0) << r.result.output;
  EXPECT_FALSE(fs::exists(r.out + "/audio"));
  EXPECT_EQ(ReadFile(r.out + "/manifest.m3u8").find("TYPE=AUDIO"), std::string::npos);
  EXPECT_EQ(ReadFile(r.out + "/manifest.mpd").find("contentType=\"audio\""), std::string::npos);
}

// Mean luma of an image, through libavfilter's signalstats (ffprobe).
double MeanLuma(const std::string& image) {
  auto r = testutil::RunCommand("ffprobe -v error -f lavfi -i \"movie='" + image +
                                "',signalstats\" -show_entries frame_tags=lavfi.signalstats.YAVG -of csv=p=0");
  return std::strtod(r.output.c_str(), nullptr);
}

TEST(RunSideStepsTest, PosterSpritesAndThumbnailTrack) {
  // 3 s of black, then picture: the poster must not be the black opening.
  std::string src = Fixture("black_then_picture.mp4",
                            "-f lavfi -i color=black:s=320x240:r=25:d=3 -f lavfi -i testsrc2=s=320x240:r=25:d=8 "
                            "-filter_complex \"[0][1]concat=n=2:v=1:a=0\" -c:v libx264 -preset ultrafast");
  JobRun r = RunJson(src, "--sprite-interval 2 --sprite-grid 3x2");
  ASSERT_EQ(r.result.exit_status, 0) << r.result.output;
  std::string thumbs = r.out + "/thumbnails";
  ASSERT_TRUE(fs::exists(thumbs)) << r.result.output;
  bool any_poster = false;
  for (const auto& e : fs::directory_iterator(thumbs)) {
    std::string name = e.path().filename().string();
    if (name.rfind("poster_", 0) != 0 || e.path().extension() != ".jpg") continue;
    any_poster = true;
    EXPECT_GT(MeanLuma(e.path().string()), 40.0) << name;
  }
  EXPECT_TRUE(any_poster);
  // 11 s at one tile per 2 s: 6 tiles, 3x2 per sheet: one sheet.
  std::string vtt = ReadFile(thumbs + "/thumbnails.vtt");
  std::regex cue(R"((\S+\.jpg)#xywh=(\d+),(\d+),(\d+),(\d+))");
  int tiles = 0;
  for (auto it = std::sregex_iterator(vtt.begin(), vtt.end(), cue); it != std::sregex_iterator(); ++it) {
    ++tiles;
    std::string err;
    auto headers = testutil::StreamHeaders(thumbs + "/" + (*it)[1].str(), &err);
    ASSERT_EQ(headers.size(), 1u) << (*it)[1];
    int x = std::stoi((*it)[2]), y = std::stoi((*it)[3]), w = std::stoi((*it)[4]), h = std::stoi((*it)[5]);
    EXPECT_LE(x + w, headers[0].width);
    EXPECT_LE(y + h, headers[0].height);
  }
  EXPECT_EQ(tiles, 6);
  std::string mpd = ReadFile(r.out + "/manifest.mpd");
  EXPECT_NE(mpd.find("contentType=\"image\""), std::string::npos);
  EXPECT_NE(mpd.find("http://dashif.org/thumbnail_tile\" value=\"3x2\""), std::string::npos);
}

const char kSrt[] =
    "1\r\n00:00:00,500 --> 00:00:02,000\r\nHello <i>world</i> & friends\r\n\r\n"
    "2\r\n00:00:04,000 --> 00:00:05,500\r\nSecond line\r\nwraps here\r\n";

TEST(RunSideStepsTest, UploadedSubtitlesBecomeWebVttInHlsAndDash) {
  std::string src = Fixture("subs_video.mp4", "-f lavfi -i testsrc2=s=320x240:r=25:d=8 -c:v libx264 -preset ultrafast");
  std::string srt = testutil::WriteFile("upload_en.srt", kSrt);
  JobRun r = RunJson(src, "--segment-seconds 2 --subtitle 'en:" + srt + "'");
  ASSERT_EQ(r.result.exit_status, 0) << r.result.output;
  EXPECT_EQ(ReadFile(r.out + "/subtitles/en.vtt"),
            "WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nHello <i>world</i> &amp; friends\n\n"
            "00:00:04.000 --> 00:00:05.500\nSecond line\nwraps here\n\n");
  auto subs = LinesWith(r.out + "/manifest.m3u8", "#EXT-X-MEDIA:TYPE=SUBTITLES");
  ASSERT_EQ(subs.size(), 1u);
  auto a = testutil::HlsAttributes(subs[0]);
  EXPECT_EQ(a["LANGUAGE"], "en");
  EXPECT_EQ(a["URI"], "subtitles/en/playlist.m3u8");
  for (const auto& v : MasterVariants(r.out + "/manifest.m3u8")) {
    EXPECT_EQ(testutil::HlsAttributes(v.line)["SUBTITLES"], "subs");
  }
  // Segmented like the video, every segment mapped onto the media clock.
  auto video = ReadMediaPlaylist(r.out + "/h264/240p/playlist.m3u8");
  auto text = ReadMediaPlaylist(r.out + "/subtitles/en/playlist.m3u8");
  ASSERT_EQ(text.uris.size(), video.uris.size());
  for (size_t i = 0; i < text.uris.size(); ++i) {
    EXPECT_NEAR(text.durations[i], video.durations[i], 0.001);
    std::string seg = ReadFile(r.out + "/subtitles/en/" + text.uris[i]);
    EXPECT_EQ(seg.rfind("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:", 0), 0u) << seg;
  }
  EXPECT_NE(ReadFile(r.out + "/subtitles/en/" + text.uris[0]).find("Hello"), std::string::npos);
  EXPECT_NE(ReadFile(r.out + "/subtitles/en/" + text.uris[2]).find("Second line"), std::string::npos);
  std::string mpd = ReadFile(r.out + "/manifest.mpd");
  EXPECT_NE(mpd.find("mimeType=\"text/vtt\""), std::string::npos);
  EXPECT_NE(mpd.find("<BaseURL>subtitles/en.vtt</BaseURL>"), std::string::npos);
  // The upload is kept with the original.
  ASSERT_EQ(r.summary["subtitles"].size(), 1u);
  EXPECT_EQ(r.summary["subtitles"][0]["cues"], 2);
}

TEST(RunSideStepsTest, BadSubtitleFileIsRefusedWithItsLine) {
  std::string src = Fixture("subs_video.mp4", "-f lavfi -i testsrc2=s=320x240:r=25:d=8 -c:v libx264 -preset ultrafast");
  std::string bad = testutil::WriteFile("bad.srt", "1\n00:00:01,000 --> 00:00:02,000\nfine\n\n2\n00:00:0x,000 --> 00:00:03,000\nbroken\n");
  std::string out = testutil::FreshDir() + "/out";
  auto r = RunVtp(src, out, "--subtitle en:" + bad);
  EXPECT_EQ(r.exit_status, 2) << r.output;
  EXPECT_NE(r.output.find("line 6"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out));
  auto latin1 = testutil::WriteFile("latin1.srt", "1\n00:00:01,000 --> 00:00:02,000\ncaf\xe9\n");
  r = RunVtp(src, out, "--subtitle fr:" + latin1);
  EXPECT_EQ(r.exit_status, 2) << r.output;
  EXPECT_NE(r.output.find("line 3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("UTF-8"), std::string::npos) << r.output;
  r = RunVtp(src, out, "--subtitle 'not a tag:" + latin1 + "'");
  EXPECT_EQ(r.exit_status, 2) << r.output;
  r = RunVtp(src, out, "--captions de");
  EXPECT_EQ(r.exit_status, 2) << r.output;
  EXPECT_NE(r.output.find("English"), std::string::npos) << r.output;
}

TEST(RunSideStepsTest, EmbeddedTextSubtitlesAreExtractedAndImagesReported) {
  // Cue times are on the output timeline (0 = the video's first frame) and
  // end with the video: the SRT cue is 0-1.234 s in a file whose video lasts
  // 0.968 s; the ASS file's video starts 67 ms in, so its 0-0.5 s cue ends
  // at 0.433 s of output time.
  JobRun srt = RunJson(CorpusPath("sample_h264_ac3_srt.mkv"));
  ASSERT_EQ(srt.result.exit_status, 0) << srt.result.output;
  EXPECT_EQ(ReadFile(srt.out + "/subtitles/eng.vtt"),
            "WEBVTT\n\n00:00:00.000 --> 00:00:00.968\nThis is the first subtitle.\n\n");
  JobRun ass = RunJson(CorpusPath("sample_h264_ac3_ass.mkv"));
  ASSERT_EQ(ass.result.exit_status, 0) << ass.result.output;
  EXPECT_EQ(ReadFile(ass.out + "/subtitles/track1.vtt"),
            "WEBVTT\n\n00:00:00.000 --> 00:00:00.433\nThis is the first subtitle.\n\n");
  JobRun pgs = RunJson(CorpusPath("sample_h264_ac3_pgs.mkv"));
  ASSERT_EQ(pgs.result.exit_status, 0) << pgs.result.output;
  EXPECT_FALSE(fs::exists(pgs.out + "/subtitles"));
  ASSERT_EQ(pgs.summary["skipped_subtitles"].size(), 1u);
  EXPECT_NE(pgs.summary["skipped_subtitles"][0]["reason"].get<std::string>().find("image subtitles"),
            std::string::npos);
}

TEST(RunSideStepsTest, SpeechToTextCaptionsFollowTheSpokenText) {
  const std::string text =
      "the quick brown fox jumps over the lazy dog. "
      "she sells sea shells by the sea shore. "
      "we will meet again tomorrow morning at the station";
  std::string src = Fixture("speech_video.mkv",
                            "-f lavfi -i testsrc2=s=320x240:r=25:d=14 -f lavfi -i \"flite=text='" + text +
                                "':voice=slt,apad=pad_dur=3\" -t 14 -c:v libx264 -preset ultrafast -c:a aac");
  JobRun r = RunJson(src, "--captions en --audio-opus none --no-thumbnails");
  ASSERT_EQ(r.result.exit_status, 0) << r.result.output;
  std::string vtt = ReadFile(r.out + "/subtitles/en-auto.vtt");
  ASSERT_FALSE(vtt.empty());
  // Cue text, lines checked against the reading rules.
  std::string words;
  std::regex timing(R"(^\d\d:\d\d:\d\d\.\d\d\d --> )");
  bool in_cue = false;
  int lines = 0;
  for (const auto& l : testutil::ReadLines(r.out + "/subtitles/en-auto.vtt")) {
    if (std::regex_search(l, timing)) {
      in_cue = true;
      lines = 0;
      continue;
    }
    if (l.empty()) {
      in_cue = false;
      continue;
    }
    if (!in_cue) continue;
    EXPECT_LE(l.size(), 42u) << l;
    EXPECT_LE(++lines, 2) << vtt;
    words += l + " ";
  }
  subtitle::WerResult wer = subtitle::WordErrorRate(text, words);
  std::printf("captions WER %.3f (%d ref words): %s\n", wer.wer, wer.reference_words, words.c_str());
  EXPECT_LE(wer.wer, 0.5);
  auto subs = LinesWith(r.out + "/manifest.m3u8", "#EXT-X-MEDIA:TYPE=SUBTITLES");
  ASSERT_EQ(subs.size(), 1u);
  EXPECT_EQ(testutil::HlsAttributes(subs[0])["LANGUAGE"], "en");
  EXPECT_NE(ReadFile(r.out + "/manifest.mpd").find("value=\"caption\""), std::string::npos);
}

}  // namespace
}  // namespace vtp::e2e
