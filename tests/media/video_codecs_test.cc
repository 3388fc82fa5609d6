// H.264, HEVC, VP9 and AV1 renditions through the real chain: a clip made
// with the ffmpeg CLI, split (SplitIntoChunks), transcoded
// (TranscodeVideoChunk), packaged (PackageRendition) and decoded back.
// Checks picture size, frame count, duration, keyframes exactly at the
// plan's forced positions (the clip has a hard cut that is not one),
// segments starting on keyframes, byte-identical reruns, the fMP4 sample
// entries, 10-bit HDR signalling, and MPEG-TS refused for codecs it does
// not carry.
#include <gtest/gtest.h>
#include <malloc.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "domain/segment_plan.h"
#include "media/package.h"
#include "media/packet_file.h"
#include "media/splitter.h"
#include "media/transcode.h"
#include "testutil/fixtures.h"
#include "testutil/media_check.h"

namespace vtp::media {
namespace {

namespace fs = std::filesystem;
using testutil::Fixture;
using testutil::FreshDir;
using testutil::ReadFile;

constexpr int kFps = 30;
constexpr int kFrames = 90;  // 3 s

// 3 s, 320x180 at 30 fps, source GOP 0.5 s, with a hard cut at 1.5 s
// (frame 45) where an encoder left to itself would put a keyframe.
std::string SdrClip() {
  return Fixture("codecs_sdr.mp4",
                 "-f lavfi -i testsrc2=size=320x180:rate=30:duration=1.5 "
                 "-f lavfi -i smptebars=size=320x180:rate=30:duration=1.5 "
                 "-filter_complex '[0:v][1:v]concat=n=2:v=1:a=0,format=yuv420p' "
                 "-c:v libx264 -preset ultrafast -g 15");
}

// The same length, 10-bit HEVC tagged BT.2020 + PQ (HDR10 without metadata).
std::string PqClip() {
  return Fixture("codecs_pq.mp4",
                 "-f lavfi -i testsrc2=size=320x180:rate=30:duration=3 -vf format=yuv420p10le "
                 "-c:v libx265 -preset ultrafast "
                 "-x265-params log-level=error:keyint=15:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc "
                 "-color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc -tag:v hvc1");
}

struct Case {
  const char* codec;
  const char* encoder;
  const char* preset;  // fast settings: the tests check behaviour, not quality
  const char* profile_8bit;
  const char* profile_10bit;
  int crf;
};

const Case kCases[] = {
    {"h264", "libx264", "veryfast", "high", "", 23},
    {"hevc", "libx265", "ultrafast", "main", "main10", 28},
    {"vp9", "libvpx-vp9", "5", "0", "2", 33},
    {"av1", "libsvtav1", "10", "main", "main", 35},
    {"av1", "libaom-av1", "6", "main", "main", 35},
};

std::string CaseName(const testing::TestParamInfo<Case>& info) {
  std::string n = info.param.encoder;
  n.erase(std::remove_if(n.begin(), n.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }),
          n.end());
  return n;
}

VideoRendition Rung(const Case& c, const std::string& name, int w, int h, bool hdr) {
  VideoRendition r;
  r.name = name;
  r.codec = c.codec;
  r.encoder = c.encoder;
  r.width = w;
  r.height = h;
  r.maxrate = int64_t{w} * h * 4;  // roughly the ladder's bits per pixel
  r.bufsize = r.maxrate * 2;
  r.crf = c.crf;
  r.preset = c.preset;
  r.profile = hdr ? c.profile_10bit : c.profile_8bit;
  if (std::string(c.codec) == "h264") r.level = "3.1";
  r.bit_depth = hdr ? 10 : 8;
  r.hdr = hdr;
  return r;
}

// One rendition's encoded chunks and what the transcode step reported.
struct Encoded {
  SegmentPlan plan;
  std::vector<VideoRendition> renditions;
  std::vector<std::vector<std::string>> files;  // [rendition][chunk]
  std::vector<int64_t> delays;                  // chunk 0, per rendition
  int64_t frames = 0;                           // over all chunks
};

// Splits `source` into chunks of 1 s segments (1 s GOPs) and transcodes
// every chunk into every rendition under `dir`.
Encoded Encode(const std::string& source, const std::vector<VideoRendition>& renditions,
               const PictureConditioning& conditioning, const std::string& dir, int workers,
               int top_rung_threads = 2) {
  Encoded out;
  out.renditions = renditions;
  StatusOr<VideoIndex> idx = IndexVideo(source, 0);
  EXPECT_TRUE(idx.ok()) << idx.status().ToString();
  if (!idx.ok()) return out;
  SegmentPlanOptions o;
  o.segment_seconds = 1.0;
  o.gop_seconds = 1.0;
  o.workers = workers;
  o.chunks_per_worker = 1;
  StatusOr<SegmentPlan> plan =
      PlanSegments(idx->time_base, idx->first_pts, idx->end_pts - idx->first_pts, idx->keyframes, o);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  if (!plan.ok()) return out;
  out.plan = plan.value();
  fs::create_directories(dir + "/chunks");
  StatusOr<std::vector<ChunkFile>> chunks = SplitIntoChunks(source, *idx, out.plan, dir + "/chunks");
  EXPECT_TRUE(chunks.ok()) << chunks.status().ToString();
  if (!chunks.ok()) return out;
  out.files.resize(renditions.size());
  for (size_t k = 0; k < out.plan.chunks.size(); ++k) {
    const Chunk& c = out.plan.chunks[k];
    VideoChunkJob job;
    job.chunk_path = (*chunks)[k].path;
    job.time_base = idx->time_base;
    job.frame_rate = Rational{kFps, 1};
    job.origin = out.plan.origin;
    job.start = c.start;
    job.end = c.end;
    job.last_frame_duration = SecondsToTicks(1.0 / kFps, idx->time_base);
    for (int64_t f : out.plan.keyframe_forces) {
      if (f >= c.start && (c.end == INT64_MAX || f < c.end)) job.keyframe_forces.push_back(f);
    }
    job.conditioning = conditioning;
    job.renditions = renditions;
    job.top_rung_threads = top_rung_threads;
    for (size_t i = 0; i < renditions.size(); ++i) {
      fs::create_directories(dir + "/" + renditions[i].name);
      std::string file = dir + "/" + renditions[i].name + "/chunk_" + std::to_string(k) + ".pkt";
      job.outputs.push_back(file);
      out.files[i].push_back(file);
    }
    StatusOr<ChunkResult> r = TranscodeVideoChunk(job);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return out;
    if (k == 0) out.delays = r->delays;
    out.frames += r->frames;
  }
  return out;
}

int64_t MaxDelay(const Encoded& e) {
  int64_t d = 0;
  for (int64_t x : e.delays) d = std::max(d, x);
  return d;
}

StatusOr<PackagedTrack> Package(const Encoded& e, size_t i, const std::string& out_dir, bool ts) {
  PackageJob job;
  job.inputs = e.files[i];
  job.video = true;
  for (int64_t s : e.plan.segment_starts) job.boundaries.push_back(s - e.plan.origin);
  job.boundary_time_base = e.plan.time_base;
  job.shift = MaxDelay(e);
  job.out_dir = out_dir;
  job.write_ts = ts;
  return PackageRendition(job);
}

// Presentation times and keyframe flags of every packet of a rendition.
struct PacketTimes {
  std::vector<int64_t> pts;
  std::set<int64_t> keys;
};

PacketTimes ReadPackets(const std::vector<std::string>& files) {
  PacketTimes t;
  PacketPtr pkt = MakePacket();
  for (const auto& f : files) {
    StatusOr<PacketReader> r = PacketReader::Open(f);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return t;
    for (;;) {
      StatusOr<bool> more = r->Next(pkt.get());
      EXPECT_TRUE(more.ok()) << more.status().ToString();
      if (!more.ok() || !more.value()) break;
      t.pts.push_back(pkt->pts);
      if (pkt->flags & AV_PKT_FLAG_KEY) t.keys.insert(pkt->pts);
      av_packet_unref(pkt.get());
    }
  }
  std::sort(t.pts.begin(), t.pts.end());
  return t;
}

// The frames the plan forces: the first frame at or after each force.
std::set<int64_t> ForcedFrames(const Encoded& e, const std::vector<int64_t>& pts) {
  std::set<int64_t> want;
  for (int64_t f : e.plan.keyframe_forces) {
    auto it = std::lower_bound(pts.begin(), pts.end(), f - e.plan.origin);
    if (it != pts.end()) want.insert(*it);
  }
  return want;
}

// init.mp4 followed by every fMP4 segment: one playable file.
std::string Concatenate(const PackagedTrack& t, const std::string& dir, const std::string& name) {
  std::string bytes = ReadFile(dir + "/" + t.init_name);
  for (const auto& s : t.segments) bytes += ReadFile(dir + "/" + s.fmp4_name);
  std::string path = dir + "/" + name;
  testutil::WriteFileAt(path, bytes);
  return path;
}

// colour_primaries, transfer_characteristics, matrix_coefficients of the
// first 'colr' box of type 'nclx', or {-1,-1,-1}.
std::vector<int> ColrNclx(const std::string& mp4) {
  size_t at = mp4.find("colrnclx");
  if (at == std::string::npos || at + 14 > mp4.size()) return {-1, -1, -1};
  auto u16 = [&](size_t i) { return (static_cast<uint8_t>(mp4[i]) << 8) | static_cast<uint8_t>(mp4[i + 1]); };
  return {u16(at + 8), u16(at + 10), u16(at + 12)};
}

class VideoCodecsTest : public testing::TestWithParam<Case> {};

TEST_P(VideoCodecsTest, EncodesPackagesAndDecodesBack) {
  const Case& c = GetParam();
  std::string source = SdrClip();
  ASSERT_FALSE(source.empty());
  std::string dir = FreshDir();
  std::vector<VideoRendition> rungs = {Rung(c, "180p", 320, 180, false), Rung(c, "90p", 160, 90, false)};
  Encoded e = Encode(source, rungs, PictureConditioning{}, dir + "/enc", 1);
  ASSERT_FALSE(HasFailure());
  EXPECT_EQ(e.frames, kFrames);
  ASSERT_EQ(e.delays.size(), rungs.size());
  int64_t frame_ticks = SecondsToTicks(1.0 / kFps, e.plan.time_base);
  std::printf("[ delays ] %s: %s\n", c.encoder,
              (std::to_string(e.delays[0]) + " ticks = " +
               std::to_string(static_cast<double>(e.delays[0]) / static_cast<double>(frame_ticks)) + " frames")
                  .c_str());

  for (size_t i = 0; i < rungs.size(); ++i) {
    SCOPED_TRACE(rungs[i].name);
    PacketTimes t = ReadPackets(e.files[i]);
    ASSERT_EQ(t.pts.size(), static_cast<size_t>(kFrames));
    std::set<int64_t> forced = ForcedFrames(e, t.pts);
    EXPECT_EQ(forced.size(), 3u);
    if (std::string(c.encoder) == "libaom-av1") {
      // libaom also codes the frame after each forced keyframe as one (see
      // video_encoders.cc); nothing else, and never at the cut.
      std::set<int64_t> expected = forced;
      for (int64_t f : forced) {
        auto next = std::upper_bound(t.pts.begin(), t.pts.end(), f);
        if (next != t.pts.end()) expected.insert(*next);
      }
      EXPECT_EQ(t.keys, expected);
    } else {
      EXPECT_EQ(t.keys, forced) << "keyframes only at 0, 1 s and 2 s (not at the cut, 1.5 s)";
    }

    std::string out = dir + "/out/" + rungs[i].name;
    StatusOr<PackagedTrack> track = Package(e, i, out, std::string(c.codec) == "h264");
    ASSERT_TRUE(track.ok()) << track.status().ToString();
    EXPECT_EQ(track->codec, c.codec);
    EXPECT_EQ(track->width, rungs[i].width);
    EXPECT_EQ(track->height, rungs[i].height);
    ASSERT_EQ(track->segments.size(), 3u);
    for (const auto& s : track->segments) {
      EXPECT_NEAR(s.seconds, 1.0, 1e-6) << s.fmp4_name;
      std::string one = dir + "/one.mp4";
      testutil::WriteFileAt(one, ReadFile(out + "/init.mp4") + ReadFile(out + "/" + s.fmp4_name));
      std::string error;
      EXPECT_TRUE(testutil::StartsWithKeyframe(one, &error)) << s.fmp4_name << " " << error;
      if (!s.ts_name.empty()) {
        EXPECT_TRUE(testutil::StartsWithKeyframe(out + "/" + s.ts_name, &error)) << error;
      }
    }

    std::string whole = Concatenate(*track, out, "whole.mp4");
    std::string error;
    auto decoded = testutil::DecodeAll(whole, -1, &error);
    ASSERT_EQ(decoded.size(), 1u) << error;
    const testutil::StreamDecode& d = decoded.begin()->second;
    EXPECT_EQ(d.codec, c.codec);
    EXPECT_EQ(d.width, rungs[i].width);
    EXPECT_EQ(d.height, rungs[i].height);
    EXPECT_EQ(d.frames, kFrames);
    EXPECT_EQ(d.corrupt_frames, 0);
    EXPECT_EQ(d.pix_fmt, "yuv420p");
    EXPECT_NEAR(track->presentation_seconds(), 3.0, 1e-6);
    // The decoder's view of the last frame's duration comes from decode-time
    // deltas, so reordered streams may read one frame short.
    EXPECT_NEAR(d.duration(), 3.0, 1.5 / kFps);
  }
}

TEST_P(VideoCodecsTest, TwoRunsAreByteIdentical) {
  const Case& c = GetParam();
  std::string source = SdrClip();
  ASSERT_FALSE(source.empty());
  std::string dir = FreshDir();
  // Two threads for the larger rung, as the top rung gets in production.
  std::vector<VideoRendition> rungs = {Rung(c, "180p", 320, 180, false), Rung(c, "90p", 160, 90, false)};
  // x264 with frame threads is not repeatable (2 threads: about 1 run in
  // 12 differs at veryfast, with or without VBV, from the ffmpeg CLI too;
  // seen at medium inside vtp as well), so H.264 is checked single-threaded.
  int top_threads = std::string(c.codec) == "h264" ? 1 : 2;
  Encoded a = Encode(source, rungs, PictureConditioning{}, dir + "/a", 2, top_threads);
  Encoded b = Encode(source, rungs, PictureConditioning{}, dir + "/b", 2, top_threads);
  ASSERT_FALSE(HasFailure());
  ASSERT_GE(a.plan.chunks.size(), 2u) << "the test means to cover a chunk boundary";
  for (size_t i = 0; i < rungs.size(); ++i) {
    ASSERT_EQ(a.files[i].size(), b.files[i].size());
    for (size_t k = 0; k < a.files[i].size(); ++k) {
      std::string x = ReadFile(a.files[i][k]);
      EXPECT_FALSE(x.empty());
      EXPECT_TRUE(x == ReadFile(b.files[i][k])) << a.files[i][k] << " differs between runs";
    }
    // The packaged output too, across the chunk boundary.
    StatusOr<PackagedTrack> pa = Package(a, i, dir + "/pa" + std::to_string(i), false);
    StatusOr<PackagedTrack> pb = Package(b, i, dir + "/pb" + std::to_string(i), false);
    ASSERT_TRUE(pa.ok() && pb.ok()) << pa.status().ToString() << pb.status().ToString();
    EXPECT_TRUE(testutil::TreeContents(dir + "/pa" + std::to_string(i)) ==
                testutil::TreeContents(dir + "/pb" + std::to_string(i)));
    std::string error;
    auto decoded = testutil::DecodeAll(Concatenate(*pa, dir + "/pa" + std::to_string(i), "whole.mp4"), -1, &error);
    ASSERT_EQ(decoded.size(), 1u) << error;
    EXPECT_EQ(decoded.begin()->second.frames, kFrames);
  }
}

INSTANTIATE_TEST_SUITE_P(Codecs, VideoCodecsTest, testing::ValuesIn(kCases), CaseName);

// libvpx and libaom get each frame's duration from ticks_per_frame: left at
// 1 in the chunk's fine time base it claims 1/15360 s frames, and their rate
// control then spent about a sixth fewer bits than the cap allows (a
// quarter at 720p on the corpus). With a quality far above what the cap
// allows, the stream must fill the cap whatever the time base.
TEST(VideoCodecsTimeBaseTest, Vp9FillsItsCapWhateverTheChunkTimeBase) {
  std::string mp4 = SdrClip();
  std::string mkv = Fixture("codecs_sdr_ms.mkv", "-i '" + mp4 + "' -c copy");
  ASSERT_FALSE(mp4.empty() || mkv.empty());
  std::string dir = FreshDir();
  std::vector<VideoRendition> rungs = {Rung(kCases[2], "180p", 320, 180, false)};
  rungs[0].crf = 10;
  rungs[0].maxrate = 100'000;
  rungs[0].bufsize = 200'000;
  const double cap_bytes = 100'000 / 8.0 * 3.0;  // SdrClip is 3 s
  for (const std::string& source : {mp4, mkv}) {
    Encoded e = Encode(source, rungs, PictureConditioning{}, dir + "/" + fs::path(source).extension().string(), 1);
    ASSERT_FALSE(HasFailure());
    uintmax_t n = 0;
    for (const auto& f : e.files[0]) n += fs::file_size(f);
    double fill = static_cast<double>(n) / cap_bytes;
    EXPECT_GT(fill, 0.92) << source << " (time base 1/" << e.plan.time_base.den << "): " << n << " bytes";
    EXPECT_LT(fill, 1.1) << source << ": " << n << " bytes";
  }
}

// The encoders must not read memory they did not write: x264 0.164's SIMD
// MB-tree code reads past the end of a heap block, so with MB-tree on the
// 160x90 rung came out differently depending on what earlier work had left
// on the heap (TwoRunsAreByteIdentical/libx264 failed after the libaom
// tests). glibc's M_PERTURB fills new and freed blocks with a pattern, which
// makes that dependence show up in a single test. (Sanitizer allocators
// ignore M_PERTURB: there the test still runs, with less power.)
TEST(VideoCodecsHeapTest, X264OutputDoesNotDependOnHeapContents) {
  std::string source = SdrClip();
  ASSERT_FALSE(source.empty());
  std::string dir = FreshDir();
  std::vector<VideoRendition> rungs = {Rung(kCases[0], "90p", 160, 90, false)};
  std::vector<std::string> outputs;
  for (int perturb : {0x55, 0xAA}) {
    ASSERT_EQ(mallopt(M_PERTURB, perturb), 1);
    Encoded e = Encode(source, rungs, PictureConditioning{}, dir + "/" + std::to_string(perturb), 1);
    mallopt(M_PERTURB, 0);
    ASSERT_FALSE(HasFailure());
    std::string bytes;
    for (const auto& f : e.files[0]) bytes += ReadFile(f);
    EXPECT_FALSE(bytes.empty());
    outputs.push_back(bytes);
  }
  EXPECT_TRUE(outputs[0] == outputs[1]) << "libx264 output changed with the heap's contents";
}

// The fMP4 sample entries players look for: hvc1 (parameter sets in hvcC
// only, not hev1), vp09 + vpcC, av01 + av1C.
TEST(VideoCodecsPackagingTest, SampleEntriesAndTsRefusal) {
  std::string source = SdrClip();
  ASSERT_FALSE(source.empty());
  struct Want {
    Case c;
    std::string entry, config, absent;
  };
  const Want wants[] = {{kCases[1], "hvc1", "hvcC", "hev1"},
                        {kCases[2], "vp09", "vpcC", "avc1"},
                        {kCases[3], "av01", "av1C", "avc1"}};
  for (const auto& w : wants) {
    SCOPED_TRACE(w.c.encoder);
    std::string dir = FreshDir(w.c.codec);
    Encoded e = Encode(source, {Rung(w.c, "90p", 160, 90, false)}, PictureConditioning{}, dir + "/enc", 1);
    ASSERT_FALSE(HasFailure());
    StatusOr<PackagedTrack> ts = Package(e, 0, dir + "/ts", true);
    ASSERT_FALSE(ts.ok());
    EXPECT_EQ(ts.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(ts.status().message().find("MPEG-TS"), std::string::npos) << ts.status().message();
    EXPECT_TRUE(testutil::TreeContents(dir + "/ts").empty()) << "nothing written";

    StatusOr<PackagedTrack> t = Package(e, 0, dir + "/out", false);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    std::string init = ReadFile(dir + "/out/init.mp4");
    EXPECT_NE(init.find(w.entry), std::string::npos);
    EXPECT_NE(init.find(w.config), std::string::npos);
    EXPECT_EQ(init.find(w.absent), std::string::npos);
    for (const auto& s : t->segments) EXPECT_TRUE(s.ts_name.empty());
  }
}

// 10-bit HDR renditions of a PQ source: no tone mapping, 10 bits, BT.2020 +
// PQ in the bitstream and in the init segment's colr box.
TEST(VideoCodecsHdrTest, TenBitPqRenditionsKeepTheirColour) {
  std::string source = PqClip();
  ASSERT_FALSE(source.empty());
  PictureConditioning pq;
  pq.color_primaries = "bt2020";
  pq.color_transfer = "smpte2084";
  pq.color_matrix = "bt2020nc";
  for (const Case& c : {kCases[1], kCases[2], kCases[3]}) {
    SCOPED_TRACE(c.encoder);
    std::string dir = FreshDir(c.codec);
    Encoded e = Encode(source, {Rung(c, "180p", 320, 180, true)}, pq, dir + "/enc", 1);
    ASSERT_FALSE(HasFailure());
    StatusOr<PackagedTrack> t = Package(e, 0, dir + "/out", false);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    EXPECT_EQ(ColrNclx(ReadFile(dir + "/out/init.mp4")), (std::vector<int>{9, 16, 9}));
    std::string error;
    auto decoded = testutil::DecodeAll(Concatenate(*t, dir + "/out", "whole.mp4"), -1, &error);
    ASSERT_EQ(decoded.size(), 1u) << error;
    const testutil::StreamDecode& d = decoded.begin()->second;
    EXPECT_EQ(d.pix_fmt, "yuv420p10le");
    EXPECT_EQ(d.color_transfer, "smpte2084");
    EXPECT_EQ(d.frames, kFrames);
    PacketTimes p = ReadPackets(e.files[0]);
    EXPECT_EQ(p.keys, ForcedFrames(e, p.pts));
  }
}

// A chunk task routed to NVENC on a machine without it fails with the
// encoder named, before any output is written.
TEST(VideoCodecsNvencTest, ChunkWithAbsentNvencFailsClearly) {
  std::string source = SdrClip();
  ASSERT_FALSE(source.empty());
  std::string dir = FreshDir();
  StatusOr<VideoIndex> idx = IndexVideo(source, 0);
  ASSERT_TRUE(idx.ok());
  SegmentPlanOptions o;
  o.workers = 1;
  StatusOr<SegmentPlan> plan =
      PlanSegments(idx->time_base, idx->first_pts, idx->end_pts - idx->first_pts, idx->keyframes, o);
  ASSERT_TRUE(plan.ok());
  fs::create_directories(dir + "/chunks");
  StatusOr<std::vector<ChunkFile>> chunks = SplitIntoChunks(source, *idx, *plan, dir + "/chunks");
  ASSERT_TRUE(chunks.ok());
  VideoChunkJob job;
  job.chunk_path = (*chunks)[0].path;
  job.time_base = idx->time_base;
  job.frame_rate = Rational{kFps, 1};
  job.origin = plan->origin;
  job.start = plan->chunks[0].start;
  job.end = plan->chunks[0].end;
  job.last_frame_duration = SecondsToTicks(1.0 / kFps, idx->time_base);
  Case nvenc{"hevc", "hevc_nvenc", "medium", "main", "main10", 28};
  job.renditions = {Rung(nvenc, "180p", 320, 180, false)};
  job.outputs = {dir + "/180p.pkt"};
  StatusOr<ChunkResult> r = TranscodeVideoChunk(job);
  if (r.ok()) {  // a machine with NVENC: the chunk must then be encoded
    EXPECT_GT(r->frames, 0);
    EXPECT_GT(fs::file_size(job.outputs[0]), 0u);
    return;
  }
  EXPECT_EQ(r.status().code(), ErrorCode::kEncodeFailed) << r.status().ToString();
  EXPECT_NE(r.status().message().find("hevc_nvenc"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace vtp::media
