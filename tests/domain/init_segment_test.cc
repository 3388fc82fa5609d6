// InspectInitSegment and the codec strings on real encoder output: small
// fragmented MP4s made by the ffmpeg CLI at test time. Each stream is
// checked three ways: against what the fixture was asked to be (fourcc, bit
// depth, HDR transfer), against ffprobe (size, profile, level), and the
// codec string from the configuration box against the one formatted from
// the stream's own headers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "domain/bitstream_headers.h"
#include "domain/bmff.h"
#include "domain/codec_config.h"
#include "domain/codec_string.h"
#include "testutil/fixtures.h"

namespace vtp {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr char kFragmented[] =
    " -movflags +frag_keyframe+empty_moov+default_base_moof -f mp4";
constexpr char kVideoSource[] =
    "-f lavfi -i testsrc2=size=64x64:rate=25 -frames:v 5 -an";
constexpr char kHdrPq[] = " -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc";
constexpr char kHdrHlg[] = " -color_primaries bt2020 -color_trc arib-std-b67 -colorspace bt2020nc";

struct StreamCase {
  std::string name;      // fixture file name (the cache key)
  std::string encode;    // ffmpeg arguments between the source and the muxer
  std::string fourcc;    // what the sample entry must be
  int bit_depth = 0;     // what the encoder was asked for; 0 for audio
  std::string video_range;
};

std::string FixturePath(const StreamCase& c) {
  const std::string source =
      c.bit_depth == 0 ? "-f lavfi -i sine=frequency=440:duration=0.3 -vn" : kVideoSource;
  return testutil::Fixture(c.name, source + " " + c.encode + kFragmented);
}

Bytes ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Everything before the first moof, found with a plain header scan (not
// the bmff walker under test).
Bytes InitBytes(const Bytes& file) {
  size_t pos = 0;
  while (pos + 8 <= file.size()) {
    const uint32_t size = (uint32_t{file[pos]} << 24) | (uint32_t{file[pos + 1]} << 16) |
                          (uint32_t{file[pos + 2]} << 8) | file[pos + 3];
    if (std::string(file.begin() + pos + 4, file.begin() + pos + 8) == "moof") break;
    if (size < 8) break;
    pos += size;
  }
  return Bytes(file.begin(), file.begin() + std::min(pos, file.size()));
}

// `key=value` lines of an ffprobe -show_entries query.
std::map<std::string, std::string> Probe(const std::string& path, const std::string& what) {
  const auto r = testutil::RunCommand("ffprobe -v error -select_streams 0 " + what +
                                      " -of default=noprint_wrappers=1 '" + path + "'");
  EXPECT_EQ(r.exit_status, 0) << r.output;
  std::map<std::string, std::string> out;
  std::istringstream lines(r.output);
  std::string line;
  while (std::getline(lines, line)) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos && !out.count(line.substr(0, eq))) {
      out[line.substr(0, eq)] = line.substr(eq + 1);
    }
  }
  return out;
}

// The first sample's bytes, located by ffprobe's packet position and size.
Bytes FirstSample(const std::string& path, const Bytes& file) {
  auto packet = Probe(path, "-show_packets -read_intervals %+#1 -show_entries packet=pos,size");
  const size_t pos = std::stoul(packet["pos"]);
  const size_t size = std::stoul(packet["size"]);
  EXPECT_LE(pos + size, file.size());
  if (pos + size > file.size()) return {};
  return Bytes(file.begin() + pos, file.begin() + pos + size);
}

// The payload of a configuration box (hvcC, vpcC, av1C) of the first
// sample entry.
Bytes ConfigBox(const Bytes& init, const std::string& type) {
  auto stsd = bmff::FindPath(init, "moov/trak/mdia/minf/stbl/stsd");
  EXPECT_TRUE(stsd.ok()) << stsd.status().ToString();
  if (!stsd.ok()) return {};
  bmff::BoxReader r(stsd->payload);
  EXPECT_TRUE(r.Skip(8).ok());
  auto entry = bmff::ReadBox(r);
  EXPECT_TRUE(entry.ok()) << entry.status().ToString();
  if (!entry.ok() || entry->payload.size() < 78) return {};
  auto box = bmff::FindChild(entry->payload.subspan(78), type);
  EXPECT_TRUE(box.ok()) << box.status().ToString();
  if (!box.ok()) return {};
  return Bytes(box->payload.begin(), box->payload.end());
}

std::string RangeFromFfprobe(const std::string& color_transfer) {
  if (color_transfer == "smpte2084") return "PQ";
  if (color_transfer == "arib-std-b67") return "HLG";
  return "SDR";
}

class InitSegmentTest : public ::testing::TestWithParam<StreamCase> {};

TEST_P(InitSegmentTest, InspectMatchesTheFixtureAndFfprobe) {
  const StreamCase& c = GetParam();
  const std::string path = FixturePath(c);
  ASSERT_FALSE(path.empty());
  const Bytes file = ReadAll(path);
  const Bytes init = InitBytes(file);
  ASSERT_LT(init.size(), file.size()) << "no moof found";
  auto info = InspectInitSegment(init);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->fourcc, c.fourcc);
  EXPECT_EQ(info->bit_depth, c.bit_depth);
  EXPECT_EQ(info->video_range, c.video_range);
  if (c.bit_depth == 0) return;
  auto probe = Probe(path, "-show_entries stream=width,height,pix_fmt,color_transfer");
  EXPECT_EQ(std::to_string(info->width), probe["width"]);
  EXPECT_EQ(std::to_string(info->height), probe["height"]);
  EXPECT_EQ(info->bit_depth, probe["pix_fmt"].find("10le") != std::string::npos ? 10 : 8);
  EXPECT_EQ(info->video_range, RangeFromFfprobe(probe["color_transfer"]));
  // The whole file (init + fragments) reads the same as the init segment.
  auto whole = InspectInitSegment(file);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  EXPECT_EQ(whole->codecs, info->codecs);
}

TEST_P(InitSegmentTest, EveryTruncationIsACleanError) {
  const std::string path = FixturePath(GetParam());
  ASSERT_FALSE(path.empty());
  const Bytes init = InitBytes(ReadAll(path));
  ASSERT_TRUE(InspectInitSegment(init).ok());
  for (size_t len = 0; len < init.size(); ++len) {
    auto info = InspectInitSegment(Bytes(init.begin(), init.begin() + len));
    ASSERT_FALSE(info.ok()) << "prefix of " << len << " bytes: " << info->codecs;
    ASSERT_EQ(info.status().code(), ErrorCode::kInvalidArgument) << len;
  }
}

TEST_P(InitSegmentTest, CorruptBytesAreCleanErrorsOrValues) {
  const std::string path = FixturePath(GetParam());
  ASSERT_FALSE(path.empty());
  const Bytes init = InitBytes(ReadAll(path));
  int errors = 0;
  for (size_t i = 0; i < init.size(); ++i) {
    for (uint8_t mask : {0xff, 0x80, 0x01}) {
      Bytes damaged = init;
      damaged[i] ^= mask;
      auto info = InspectInitSegment(damaged);
      if (!info.ok()) {
        ASSERT_EQ(info.status().code(), ErrorCode::kInvalidArgument);
        ++errors;
      }
    }
  }
  EXPECT_GT(errors, 0);  // damage to box sizes at least must be noticed
}

const StreamCase kCases[] = {
    {"codecstr_h264.mp4", "-c:v libx264 -pix_fmt yuv420p", "avc1", 8, "SDR"},
    {"codecstr_hevc8.mp4",
     "-c:v libx265 -x265-params log-level=error -tag:v hvc1 -pix_fmt yuv420p", "hvc1", 8, "SDR"},
    {"codecstr_hevc10.mp4",
     "-c:v libx265 -x265-params log-level=error -tag:v hvc1 -pix_fmt yuv420p10le", "hvc1", 10,
     "SDR"},
    {"codecstr_hevc10_hlg.mp4",
     std::string("-c:v libx265 -x265-params log-level=error -tag:v hvc1 -pix_fmt yuv420p10le") +
         kHdrHlg,
     "hvc1", 10, "HLG"},
    {"codecstr_vp9.mp4", "-c:v libvpx-vp9 -pix_fmt yuv420p", "vp09", 8, "SDR"},
    {"codecstr_vp9_pq.mp4", std::string("-c:v libvpx-vp9 -pix_fmt yuv420p10le") + kHdrPq, "vp09",
     10, "PQ"},
    {"codecstr_av1.mp4", "-c:v libsvtav1 -pix_fmt yuv420p", "av01", 8, "SDR"},
    {"codecstr_av1_10.mp4", "-c:v libsvtav1 -pix_fmt yuv420p10le", "av01", 10, "SDR"},
    {"codecstr_av1_pq.mp4", std::string("-c:v libsvtav1 -pix_fmt yuv420p10le") + kHdrPq, "av01",
     10, "PQ"},
    {"codecstr_aac.mp4", "-c:a aac -b:a 64k", "mp4a", 0, ""},
    {"codecstr_opus.mp4", "-c:a libopus -b:a 64k", "Opus", 0, ""},
};

INSTANTIATE_TEST_SUITE_P(Encoders, InitSegmentTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<StreamCase>& p) {
                           std::string n = p.param.name.substr(9);  // drop "codecstr_"
                           return n.substr(0, n.find('.'));
                         });

// Per-codec checks of the string itself ------------------------------------

struct Loaded {
  std::string path;
  Bytes file;
  Bytes init;
  SampleEntryInfo info;
};

Loaded Load(const StreamCase& c) {
  Loaded l;
  l.path = FixturePath(c);
  if (l.path.empty()) return l;
  l.file = ReadAll(l.path);
  l.init = InitBytes(l.file);
  auto info = InspectInitSegment(l.init);
  EXPECT_TRUE(info.ok()) << info.status().ToString();
  if (info.ok()) l.info = *info;
  return l;
}

const StreamCase& Case(const std::string& name) {
  for (const StreamCase& c : kCases) {
    if (c.name == name) return c;
  }
  ADD_FAILURE() << "no case " << name;
  return kCases[0];
}

std::string TwoDigits(int v) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%02d", v);
  return buf;
}

TEST(RealStreamCodecStringTest, H264MatchesFfprobeProfileAndLevel) {
  const Loaded l = Load(Case("codecstr_h264.mp4"));
  auto probe = Probe(l.path, "-show_entries stream=profile,level");
  ASSERT_EQ(probe["profile"], "High");
  char level[8];
  std::snprintf(level, sizeof(level), "%02x", std::stoi(probe["level"]));
  // profile_idc 100 = 0x64; x264 sets no constraint flags for High.
  EXPECT_EQ(l.info.codecs, std::string("avc1.6400") + level);
}

void ExpectHevcAgreesWithSps(const std::string& name, const std::string& ffprobe_profile,
                             int profile_idc) {
  SCOPED_TRACE(name);
  const Loaded l = Load(Case(name));
  auto record = ParseHevcDecoderConfig(ConfigBox(l.init, "hvcC"));
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  const std::vector<uint8_t>* sps_nal = record->FirstNal(33);
  ASSERT_NE(sps_nal, nullptr);
  auto sps = ParseHevcSps(*sps_nal);
  ASSERT_TRUE(sps.ok()) << sps.status().ToString();
  EXPECT_EQ(l.info.codecs, FormatHevcCodecString("hvc1", sps->ptl));
  EXPECT_EQ(l.info.bit_depth, sps->bit_depth_luma);
  EXPECT_EQ(static_cast<uint32_t>(l.info.width), sps->width);

  auto probe = Probe(l.path, "-show_entries stream=profile,level");
  EXPECT_EQ(probe["profile"], ffprobe_profile);
  EXPECT_EQ(sps->ptl.profile_idc, profile_idc);
  const std::string prefix = "hvc1." + std::to_string(profile_idc) + ".";
  EXPECT_EQ(l.info.codecs.substr(0, prefix.size()), prefix);
  EXPECT_NE(l.info.codecs.find(".L" + probe["level"]), std::string::npos) << l.info.codecs;
}

TEST(RealStreamCodecStringTest, HevcConfigAgreesWithItsSps) {
  ExpectHevcAgreesWithSps("codecstr_hevc8.mp4", "Main", 1);
  ExpectHevcAgreesWithSps("codecstr_hevc10.mp4", "Main 10", 2);
  ExpectHevcAgreesWithSps("codecstr_hevc10_hlg.mp4", "Main 10", 2);
}

// VP9 frames carry no level, primaries or transfer: those come from vpcC,
// the rest (profile, bit depth, subsampling, matrix, range) from the frame.
void ExpectVp9AgreesWithKeyframe(const std::string& name, const std::string& ffprobe_profile) {
  SCOPED_TRACE(name);
  const Loaded l = Load(Case(name));
  auto record = ParseVp9CodecConfig(ConfigBox(l.init, "vpcC"));
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  auto frame = ParseVp9FrameHeader(FirstSample(l.path, l.file));
  ASSERT_TRUE(frame.ok()) << frame.status().ToString();
  auto from_frame = Vp9CodecConfigFromFrame(*frame, record->level, record->colour);
  ASSERT_TRUE(from_frame.ok()) << from_frame.status().ToString();
  EXPECT_EQ(l.info.codecs, FormatVp9CodecString(*from_frame));
  EXPECT_EQ(static_cast<uint32_t>(l.info.width), frame->width);
  EXPECT_EQ(static_cast<uint32_t>(l.info.height), frame->height);

  auto probe = Probe(l.path, "-show_entries stream=profile");
  EXPECT_EQ(probe["profile"], ffprobe_profile);
  EXPECT_EQ(ffprobe_profile, "Profile " + std::to_string(frame->profile));
}

TEST(RealStreamCodecStringTest, Vp9ConfigAgreesWithKeyframe) {
  ExpectVp9AgreesWithKeyframe("codecstr_vp9.mp4", "Profile 0");
  ExpectVp9AgreesWithKeyframe("codecstr_vp9_pq.mp4", "Profile 2");
  // The PQ stream needs the long form: that is how players see HDR.
  const Loaded pq = Load(Case("codecstr_vp9_pq.mp4"));
  EXPECT_NE(pq.info.codecs.find(".09.16.09."), std::string::npos) << pq.info.codecs;
}

void ExpectAv1AgreesWithSample(const std::string& name) {
  SCOPED_TRACE(name);
  const Loaded l = Load(Case(name));
  auto seq = ParseAv1SequenceHeader(FirstSample(l.path, l.file));
  ASSERT_TRUE(seq.ok()) << seq.status().ToString();
  EXPECT_EQ(l.info.codecs, FormatAv1CodecString(*seq));
  EXPECT_EQ(l.info.bit_depth, seq->bit_depth);

  auto probe = Probe(l.path, "-show_entries stream=profile,level");
  EXPECT_EQ(probe["profile"], "Main");  // seq_profile 0
  EXPECT_EQ(l.info.codecs.substr(0, 10), "av01.0." + TwoDigits(std::stoi(probe["level"])) + "M");
}

TEST(RealStreamCodecStringTest, Av1ConfigAgreesWithSequenceHeaderInSample) {
  ExpectAv1AgreesWithSample("codecstr_av1.mp4");
  ExpectAv1AgreesWithSample("codecstr_av1_10.mp4");
  ExpectAv1AgreesWithSample("codecstr_av1_pq.mp4");
  const Loaded pq = Load(Case("codecstr_av1_pq.mp4"));
  EXPECT_NE(pq.info.codecs.find(".09.16.09."), std::string::npos) << pq.info.codecs;
}

TEST(RealStreamCodecStringTest, AudioEntries) {
  const Loaded aac = Load(Case("codecstr_aac.mp4"));
  auto probe = Probe(aac.path, "-show_entries stream=profile");
  ASSERT_EQ(probe["profile"], "LC");
  EXPECT_EQ(aac.info.codecs, "mp4a.40.2");  // AAC LC is audio object type 2
  EXPECT_EQ(Load(Case("codecstr_opus.mp4")).info.codecs, "opus");
}

}  // namespace
}  // namespace vtp
