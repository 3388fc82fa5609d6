// Vp9Subsampler / Av1Subsampler on real encoder output: fragmented MP4s made
// by the ffmpeg CLI at test time (libvpx-vp9 with hidden alt-ref frames in
// superframes, SVT-AV1 and libaom with one and two tile columns). The
// expected maps are built from ffmpeg's own header parser — the
// trace_headers bitstream filter (libavcodec CBS) prints every header
// field with its bit position — plus the tile sizes read here, never from
// the code under test.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "domain/bmff.h"
#include "domain/cenc_frame_subsamples.h"
#include "testutil/fixtures.h"

namespace vtp::cenc {
namespace {

using Bytes = std::vector<uint8_t>;
using Subs = std::vector<Subsample>;

constexpr char kSource[] = "-f lavfi -i testsrc2=size=640x360:rate=25 -frames:v 24 -an ";
constexpr char kFragmented[] = " -g 12 -f mp4 -movflags +frag_keyframe+empty_moov";

Bytes ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

uint32_t Be32(bmff::ByteSpan b, size_t at) {
  return (uint32_t{b[at]} << 24) | (uint32_t{b[at + 1]} << 16) | (uint32_t{b[at + 2]} << 8) |
         b[at + 3];
}

// The samples of a one-track fragmented MP4 in decode order: each moof's
// trun sizes (or tfhd default_sample_size) cut the mdat that follows.
std::vector<Bytes> Samples(const Bytes& file) {
  auto boxes = bmff::ReadBoxes(file);
  EXPECT_TRUE(boxes.ok()) << boxes.status().ToString();
  if (!boxes.ok()) return {};
  std::vector<Bytes> out;
  std::vector<uint32_t> sizes;
  for (const bmff::Box& box : *boxes) {
    if (box.type == "moof") {
      auto tfhd = bmff::FindPath(box.payload, "traf/tfhd");
      auto trun = bmff::FindPath(box.payload, "traf/trun");
      EXPECT_TRUE(tfhd.ok() && trun.ok());
      if (!tfhd.ok() || !trun.ok()) return {};
      const uint32_t tf_flags = Be32(tfhd->payload, 0) & 0xffffff;
      size_t p = 8 + ((tf_flags & 1) ? 8 : 0) + ((tf_flags & 2) ? 4 : 0) + ((tf_flags & 8) ? 4 : 0);
      const uint32_t default_size = (tf_flags & 0x10) ? Be32(tfhd->payload, p) : 0;
      const uint32_t flags = Be32(trun->payload, 0) & 0xffffff;
      const uint32_t count = Be32(trun->payload, 4);
      p = 8 + ((flags & 1) ? 4 : 0) + ((flags & 4) ? 4 : 0);
      sizes.clear();
      for (uint32_t i = 0; i < count; ++i) {
        p += (flags & 0x100) ? 4 : 0;
        sizes.push_back((flags & 0x200) ? Be32(trun->payload, p) : default_size);
        p += ((flags & 0x200) ? 4 : 0) + ((flags & 0x400) ? 4 : 0) + ((flags & 0x800) ? 4 : 0);
      }
    } else if (box.type == "mdat") {
      size_t at = 0;
      for (uint32_t size : sizes) {
        EXPECT_LE(at + size, box.payload.size());
        if (at + size > box.payload.size()) return {};
        out.emplace_back(box.payload.begin() + at, box.payload.begin() + at + size);
        at += size;
      }
      EXPECT_EQ(at, box.payload.size()) << "trun sizes do not cover the mdat";
      sizes.clear();
    }
  }
  return out;
}

// The av1C payload of the first sample entry.
Bytes Av1C(const Bytes& file) {
  auto stsd = bmff::FindPath(file, "moov/trak/mdia/minf/stbl/stsd");
  EXPECT_TRUE(stsd.ok()) << stsd.status().ToString();
  if (!stsd.ok()) return {};
  bmff::BoxReader r(stsd->payload);
  EXPECT_TRUE(r.Skip(8).ok());
  auto entry = bmff::ReadBox(r);
  EXPECT_TRUE(entry.ok() && entry->payload.size() > 78);
  if (!entry.ok() || entry->payload.size() <= 78) return {};
  auto av1c = bmff::FindChild(entry->payload.subspan(78), "av1C");
  EXPECT_TRUE(av1c.ok()) << av1c.status().ToString();
  if (!av1c.ok()) return {};
  return Bytes(av1c->payload.begin(), av1c->payload.end());
}

// One line of trace_headers: "<bit position> <name> [bits] = <value>".
struct Field {
  size_t pos = 0;
  std::string name;
  size_t width = 0;  // bits printed; 0 for derived values (obu_size)
  int64_t value = 0;
};

// The fields trace_headers prints for each packet, in order.
std::vector<std::vector<Field>> Trace(const std::string& path) {
  const auto r = testutil::RunCommand("ffmpeg -hide_banner -nostdin -nostats -i '" + path +
                                          "' -c copy -bsf:v trace_headers -f null - 2>&1",
                                      true);
  EXPECT_EQ(r.exit_status, 0) << r.output;
  std::vector<std::vector<Field>> packets;
  std::istringstream lines(r.output);
  std::string line;
  while (std::getline(lines, line)) {
    const size_t tag = line.find("[trace_headers @ ");
    if (tag == std::string::npos) continue;
    std::istringstream words(line.substr(line.find("] ", tag) + 2));
    std::vector<std::string> t;
    for (std::string w; words >> w;) t.push_back(w);
    if (!t.empty() && t[0] == "Packet:") packets.emplace_back();
    if (packets.empty() || t.size() < 4 || t[t.size() - 2] != "=" ||
        t[0].find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    Field f{std::stoul(t[0]), t[1], 0, std::stoll(t.back())};
    if (t.size() == 5) f.width = t[2].size();
    packets.back().push_back(f);
  }
  return packets;
}

// The reference rule, written out plainly: clear pieces accumulate;
// a protected piece keeps its whole 16-byte blocks and gives the rest to
// the clear bytes before it; long clear runs split at 65535.
class ExpectedMap {
 public:
  void Clear(size_t n) { clear_ += n; }
  void Protect(size_t n) {
    clear_ += n % 16;
    if (n / 16 == 0) return;
    for (; clear_ > 65535; clear_ -= 65535) subs_.push_back({65535, 0});
    subs_.push_back({static_cast<uint32_t>(clear_), static_cast<uint32_t>(n / 16 * 16)});
    clear_ = 0;
  }
  Subs Done() {
    for (; clear_ > 65535; clear_ -= 65535) subs_.push_back({65535, 0});
    if (clear_ > 0) subs_.push_back({static_cast<uint32_t>(clear_), 0});
    return subs_;
  }

 private:
  Subs subs_;
  size_t clear_ = 0;
};

void ExpectTiles(const Subs& subs, size_t sample_size) {
  size_t total = 0;
  for (const Subsample& s : subs) {
    EXPECT_LE(s.clear_bytes, 65535u);
    EXPECT_EQ(s.protected_bytes % 16, 0u);
    total += s.clear_bytes + s.protected_bytes;
  }
  EXPECT_EQ(total, sample_size);
}

std::string FixturePath(const std::string& name, const std::string& encode) {
  const std::string path = testutil::Fixture(name, kSource + encode + kFragmented);
  EXPECT_FALSE(path.empty()) << "the encoder for " << name << " is missing or failed";
  return path;
}

// ------------------------------------------------------------------ VP9 --

struct Vp9Stats {
  int superframes = 0;
  int hidden_frames = 0;
  int show_existing = 0;
  int frames = 0;
};

// Frame sizes of a sample per VP9 Annex B (a single frame when there is no
// superframe index), and the index size.
std::vector<size_t> Vp9FrameSizes(const Bytes& s, size_t& index_size) {
  const uint8_t m = s.back();
  const size_t per = ((m >> 3) & 3) + 1, n = (m & 7) + 1, len = 2 + per * n;
  index_size = 0;
  if ((m & 0xe0) != 0xc0 || len > s.size() || s[s.size() - len] != m) return {s.size()};
  index_size = len;
  std::vector<size_t> sizes;
  for (size_t i = 0; i < n; ++i) {
    size_t v = 0;
    for (size_t b = 0; b < per; ++b) v |= size_t{s[s.size() - len + 1 + i * per + b]} << (8 * b);
    sizes.push_back(v);
  }
  return sizes;
}

// Per frame: show_existing_frame clear; otherwise clear up to the byte
// after header_size_in_bytes (the end of the uncompressed header), the
// compressed header and tiles protected.
Subs Vp9Expected(const Bytes& sample, const std::vector<Field>& trace, Vp9Stats& stats) {
  size_t index_size = 0;
  const std::vector<size_t> sizes = Vp9FrameSizes(sample, index_size);
  stats.superframes += index_size > 0;
  std::vector<std::vector<Field>> frames;
  for (const Field& f : trace) {
    if (f.name == "show_existing_frame") frames.emplace_back();
    if (!frames.empty()) frames.back().push_back(f);
  }
  EXPECT_EQ(frames.size(), sizes.size());
  ExpectedMap map;
  for (size_t i = 0; i < sizes.size() && i < frames.size(); ++i) {
    ++stats.frames;
    if (frames[i][0].value == 1) {
      ++stats.show_existing;
      map.Clear(sizes[i]);
      continue;
    }
    size_t header = 0, compressed = 0;
    for (const Field& f : frames[i]) {
      if (f.name == "show_frame" && f.value == 0) ++stats.hidden_frames;
      if (f.name == "header_size_in_bytes") {
        header = (f.pos + f.width + 7) / 8;
        compressed = static_cast<size_t>(f.value);
      }
    }
    EXPECT_GT(header, 0u) << "trace has no header_size_in_bytes for frame " << i;
    EXPECT_LT(header + compressed, sizes[i]) << "compressed header must end inside the frame";
    map.Clear(header);
    map.Protect(sizes[i] - header);
  }
  map.Clear(index_size);
  return map.Done();
}

// libvpx here places hidden alt-ref frames (packed into superframes by the
// muxer) only in two-pass mode: pass 1 runs before the cached fixture is
// made by pass 2. Two tile columns at 640 px exercise the tile bits.
std::string Vp9ArfFixture() {
  const std::string name = "cenc-frames-vp9-arf.mp4";
  const std::string log = testutil::TestTmpDir() + "/cenc-frames-vp9-pass";
  const std::string encode =
      "-c:v libvpx-vp9 -auto-alt-ref 1 -lag-in-frames 16 -deadline good -cpu-used 8 "
      "-tile-columns 1 -b:v 400k -passlogfile '" + log + "' ";
  if (!std::filesystem::exists(testutil::TestTmpDir() + "/fixtures/" + name)) {
    const auto pass1 = testutil::RunCommand("ffmpeg -hide_banner -nostdin -v error -y " +
                                                std::string(kSource) + encode +
                                                "-pass 1 -f null - 2>&1");
    EXPECT_EQ(pass1.exit_status, 0) << pass1.output;
  }
  return FixturePath(name, encode + "-pass 2");
}

TEST(Vp9SubsamplerStreamTest, LibvpxSuperframesMatchTheTracedHeaders) {
  const std::string path = Vp9ArfFixture();
  ASSERT_FALSE(path.empty());
  const Bytes file = ReadAll(path);
  const std::vector<Bytes> samples = Samples(file);
  const auto trace = Trace(path);
  ASSERT_EQ(samples.size(), 24u);
  ASSERT_EQ(trace.size(), samples.size());
  Vp9Subsampler mapper;
  Vp9Stats stats;
  for (size_t i = 0; i < samples.size(); ++i) {
    auto r = mapper.Map(samples[i], i % 2 ? Scheme::kCbcs : Scheme::kCenc);
    ASSERT_TRUE(r.ok()) << "sample " << i << ": " << r.status().ToString();
    ExpectTiles(*r, samples[i].size());
    EXPECT_EQ(*r, Vp9Expected(samples[i], trace[i], stats)) << "sample " << i;
  }
  EXPECT_GT(stats.superframes, 0) << "libvpx packed no hidden alt-ref into a superframe";
  EXPECT_GT(stats.hidden_frames, 0);
  EXPECT_GT(stats.frames, 24);
}

TEST(Vp9SubsamplerStreamTest, StatelessFormMapsTheKeyframe) {
  const std::string path = Vp9ArfFixture();
  ASSERT_FALSE(path.empty());
  const std::vector<Bytes> samples = Samples(ReadAll(path));
  const auto trace = Trace(path);
  ASSERT_FALSE(samples.empty());
  ASSERT_FALSE(trace.empty());
  Vp9Stats stats;
  auto r = Vp9Subsamples(samples[0], Scheme::kCenc);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, Vp9Expected(samples[0], trace[0], stats));
}

// ------------------------------------------------------------------ AV1 --

struct Av1Stats {
  int tile_groups = 0;
  int frame_headers = 0;
  int show_existing = 0;
  std::vector<int> tiles_per_frame;
};

// Tile layout fields of the last frame header traced.
struct TracedTiles {
  int log2 = 0;  // tile_cols_log2 + tile_rows_log2
  int size_bytes = 4;
};

// Tile data of a tile group OBU (or the tile group in an OBU_FRAME)
// starting at `data`: the traced fields end with the tile group header's
// byte alignment, so tile data starts at the byte after the last traced
// bit. Tile sizes are read here with the traced TileSizeBytes, and must
// add up exactly to the OBU's end.
void ExpectTileGroup(const Bytes& sample, size_t obu_start, size_t obu_end,
                     const std::vector<Field>& fields, const TracedTiles& tiles,
                     ExpectedMap& map, Av1Stats& stats) {
  size_t end_bits = 0;
  int64_t tg_start = 0, tg_end = (int64_t{1} << tiles.log2) - 1;
  for (const Field& f : fields) {
    if (f.width > 0) end_bits = std::max(end_bits, f.pos + f.width);
    if (f.name == "tg_start") tg_start = f.value;
    if (f.name == "tg_end") tg_end = f.value;
  }
  size_t pos = obu_start + (end_bits + 7) / 8;
  map.Clear(pos - obu_start);
  for (int64_t tile = tg_start; tile <= tg_end; ++tile) {
    size_t size = obu_end - pos;
    if (tile != tg_end) {
      size = 1;
      for (int b = 0; b < tiles.size_bytes; ++b) size += size_t{sample[pos + b]} << (8 * b);
      pos += static_cast<size_t>(tiles.size_bytes);
      map.Clear(static_cast<size_t>(tiles.size_bytes));
      ASSERT_LE(size, obu_end - pos) << "traced tile " << tile << " runs past its OBU";
    }
    ASSERT_GT(size, 0u) << "tile sizes leave no data for the last tile";
    map.Protect(size);
    pos += size;
  }
  EXPECT_EQ(pos, obu_end);
  ++stats.tile_groups;
}

// Walks the sample's OBUs alongside the traced ones: frame and tile group
// OBUs as above, every other OBU clear.
Subs Av1Expected(const Bytes& sample, const std::vector<Field>& trace, TracedTiles& tiles,
                 Av1Stats& stats) {
  std::vector<std::vector<Field>> obus;
  for (const Field& f : trace) {
    if (f.name == "obu_forbidden_bit") obus.emplace_back();
    if (!obus.empty()) obus.back().push_back(f);
  }
  ExpectedMap map;
  size_t pos = 0;
  for (size_t i = 0; pos < sample.size(); ++i) {
    EXPECT_LT(i, obus.size()) << "more OBUs than traced";
    if (i >= obus.size()) return {};
    const int type = (sample[pos] >> 3) & 15;
    size_t hdr = (sample[pos] & 4) ? 2 : 1, size = 0;
    for (int shift = 0;; shift += 7) {
      size |= size_t{sample[pos + hdr] & 0x7fu} << shift;
      if (!(sample[pos + hdr++] & 0x80)) break;
    }
    int cols = -1, rows = 0;
    for (const Field& f : obus[i]) {
      if (f.name == "obu_type") {
        EXPECT_EQ(f.value, type);
      }
      if (f.name == "tile_cols_log2") cols = static_cast<int>(f.value);
      if (f.name == "tile_rows_log2") rows = static_cast<int>(f.value);
      if (f.name == "tile_size_bytes_minus1") tiles.size_bytes = static_cast<int>(f.value) + 1;
      if (f.name == "show_existing_frame") ++stats.frame_headers;
      if (f.name == "show_existing_frame" && f.value == 1) ++stats.show_existing;
    }
    if (cols >= 0) {
      tiles.log2 = cols + rows;
      if (cols + rows == 0) tiles.size_bytes = 4;
      stats.tiles_per_frame.push_back(1 << tiles.log2);
    }
    if (type == 6 || type == 4) {
      ExpectTileGroup(sample, pos, pos + hdr + size, obus[i], tiles, map, stats);
    } else {
      map.Clear(hdr + size);
    }
    pos += hdr + size;
  }
  return map.Done();
}

struct Av1Case {
  std::string name;
  std::string encode;
  int tiles = 1;  // what the encoder was asked for
};

void PrintTo(const Av1Case& c, std::ostream* os) { *os << c.name; }

class Av1SubsamplerStreamTest : public ::testing::TestWithParam<Av1Case> {};

TEST_P(Av1SubsamplerStreamTest, MatchesTheTracedHeadersAndTileSizes) {
  const Av1Case& c = GetParam();
  const std::string path = FixturePath(c.name, c.encode);
  ASSERT_FALSE(path.empty());
  const Bytes file = ReadAll(path);
  const std::vector<Bytes> samples = Samples(file);
  const auto trace = Trace(path);
  ASSERT_EQ(samples.size(), 24u);
  ASSERT_EQ(trace.size(), samples.size());
  auto mapper = Av1Subsampler::Create(Av1C(file));
  ASSERT_TRUE(mapper.ok()) << mapper.status().ToString();
  TracedTiles tiles;
  Av1Stats stats;
  for (size_t i = 0; i < samples.size(); ++i) {
    auto r = mapper->Map(samples[i], i % 2 ? Scheme::kCbcs : Scheme::kCenc);
    ASSERT_TRUE(r.ok()) << "sample " << i << ": " << r.status().ToString();
    ExpectTiles(*r, samples[i].size());
    const Subs expected = Av1Expected(samples[i], trace[i], tiles, stats);
    EXPECT_EQ(*r, expected) << "sample " << i;
  }
  EXPECT_GT(stats.frame_headers, 24) << "expected hidden frames beyond the 24 shown";
  EXPECT_GT(stats.tile_groups, 0);
  ASSERT_FALSE(stats.tiles_per_frame.empty());
  for (int n : stats.tiles_per_frame) EXPECT_EQ(n, c.tiles);
}

INSTANTIATE_TEST_SUITE_P(
    Encoders, Av1SubsamplerStreamTest,
    ::testing::Values(
        Av1Case{"cenc-frames-svt.mp4", "-c:v libsvtav1 -preset 8", 1},
        Av1Case{"cenc-frames-svt-2tiles.mp4",
                "-c:v libsvtav1 -preset 8 -svtav1-params tile-columns=1", 2},
        Av1Case{"cenc-frames-aom-2tiles.mp4",
                "-c:v libaom-av1 -cpu-used 8 -row-mt 1 -tiles 2x1 -lag-in-frames 16", 2}),
    [](const ::testing::TestParamInfo<Av1Case>& param) {
      std::string n = param.param.name.substr(12, param.param.name.size() - 16);
      for (char& ch : n) ch = ch == '-' ? '_' : ch;
      return n;
    });

}  // namespace
}  // namespace vtp::cenc
