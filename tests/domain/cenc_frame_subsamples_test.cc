// Vp9Subsampler / Av1Subsampler: hand-built frames and OBUs whose header
// lengths are counted by hand in the comments, and real encoder output
// (libvpx-vp9 with superframes, SVT-AV1 and libaom with two tile columns)
// checked against ffmpeg's own header parser (the trace_headers bitstream
// filter, libavcodec CBS), never against the code under test.
#include "domain/cenc_frame_subsamples.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "domain/cenc_types.h"
#include "domain/bit_writer.h"

namespace vtp::cenc {
namespace {

using Bytes = std::vector<uint8_t>;
using Subs = std::vector<Subsample>;
using testutil::BitWriter;

void Append(Bytes& out, const Bytes& more) { out.insert(out.end(), more.begin(), more.end()); }

Bytes Filler(size_t n, uint8_t seed = 0x5a) {
  Bytes out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(seed + i * 7);
  return out;
}

// ------------------------------------------------------------------ VP9 --

// Uncompressed header of a profile 0 shown keyframe (VP9 §6.2), counted:
// marker 2 + profile 2 + show_existing 1 + frame_type 1 + show_frame 1 +
// error_resilient 1 = 8; sync code 24 = 32; color_space 3 + color_range 1
// = 36; frame size 32 = 68; render_and_frame_size_different 1 = 69;
// refresh_frame_context 1 + frame_parallel 1 + frame_context_idx 2 = 73;
// loop filter 6 + 3 + 1 = 83; base_q_idx 8 + 3 delta_coded = 94;
// segmentation_enabled 1 = 95; tile info (see callers); then
// header_size_in_bytes 16.
BitWriter Vp9KeyframeUpToTileInfo(int width, int height) {
  BitWriter w;
  w.Bits(2, 2).Bits(0, 2).Flag(false).Flag(false).Flag(true).Flag(false);
  w.Bits(0x498342, 24).Bits(2, 3).Flag(false);
  w.Bits(static_cast<uint64_t>(width - 1), 16).Bits(static_cast<uint64_t>(height - 1), 16);
  w.Flag(false).Flag(true).Flag(true).Bits(0, 2);
  w.Bits(10, 6).Bits(0, 3).Flag(false);
  w.Bits(60, 8).Flag(false).Flag(false).Flag(false);
  w.Flag(false);
  return w;
}

// A 64x64 keyframe: 64 px is one superblock, so tile_info is just
// tile_rows_log2 (1 bit) = 96; + 16 = 112 bits = 14 bytes exactly.
Bytes Vp9SmallKeyframe(uint16_t compressed_size, size_t data_after_header) {
  BitWriter w = Vp9KeyframeUpToTileInfo(64, 64);
  w.Flag(false).Bits(compressed_size, 16).AlignZero();
  Bytes frame = w.bytes();
  Append(frame, Filler(data_after_header));
  return frame;
}

// A 1920x1080 keyframe: 30 superblock columns give min_log2 0, max_log2 2,
// so two increment_tile_cols_log2 bits ("1", "0") + tile_rows_log2 "1" +
// increment_tile_rows_log2: 95 + 4 = 99; + 16 = 115 bits -> 15 bytes.
Bytes Vp9HdKeyframe(uint16_t compressed_size, size_t data_after_header) {
  BitWriter w = Vp9KeyframeUpToTileInfo(1920, 1080);
  w.Flag(true).Flag(false).Flag(true).Flag(true).Bits(compressed_size, 16).AlignZero();
  Bytes frame = w.bytes();
  Append(frame, Filler(data_after_header));
  return frame;
}

// A shown inter frame taking its size from reference slot 0 (found_ref):
// 8 + reset_frame_context 2 + refresh_frame_flags 8 + 3 x (idx 3 + sign 1)
// = 30; found_ref 1 + render 1 + allow_high_precision_mv 1 +
// is_filter_switchable 1 = 34; refresh_frame_context 1 + parallel 1 +
// context idx 2 = 38; loop filter 10 = 48; quant 11 = 59; segmentation
// enabled, no map or data update 3 = 62. For a 1920-wide reference: tile
// cols "1","1" (reaches max_log2 2) + tile_rows_log2 "0" = 65; + 16 = 81
// bits -> 11 bytes.
Bytes Vp9InterFrameFromRef(uint16_t compressed_size, size_t data_after_header) {
  BitWriter w;
  w.Bits(2, 2).Bits(0, 2).Flag(false).Flag(true).Flag(true).Flag(false);
  w.Bits(0, 2).Bits(0x01, 8);
  for (int i = 0; i < 3; ++i) w.Bits(0, 3).Flag(false);
  w.Flag(true).Flag(false).Flag(true).Flag(true);
  w.Flag(true).Flag(false).Bits(0, 2);
  w.Bits(10, 6).Bits(0, 3).Flag(false);
  w.Bits(60, 8).Flag(false).Flag(false).Flag(false);
  w.Flag(true).Flag(false).Flag(false);
  w.Flag(true).Flag(true).Flag(false);
  w.Bits(compressed_size, 16).AlignZero();
  Bytes frame = w.bytes();
  Append(frame, Filler(data_after_header));
  return frame;
}

// show_existing_frame: marker 2 + profile 2 + flag 1 + index 3 = 1 byte.
Bytes Vp9ShowExisting(int index) {
  BitWriter w;
  w.Bits(2, 2).Bits(0, 2).Flag(true).Bits(static_cast<uint64_t>(index), 3);
  return w.bytes();
}

// Annex B superframe: frames, then index marker, little-endian sizes,
// marker.
Bytes Vp9Superframe(const std::vector<Bytes>& frames, int bytes_per_size) {
  Bytes out;
  for (const Bytes& f : frames) Append(out, f);
  const uint8_t marker = static_cast<uint8_t>(0xc0 | ((bytes_per_size - 1) << 3) |
                                              (frames.size() - 1));
  out.push_back(marker);
  for (const Bytes& f : frames) {
    for (int b = 0; b < bytes_per_size; ++b) out.push_back(static_cast<uint8_t>(f.size() >> (8 * b)));
  }
  out.push_back(marker);
  return out;
}

void ExpectInvalid(const StatusOr<Subs>& r, const std::string& fragment) {
  ASSERT_FALSE(r.ok()) << "expected an error mentioning '" << fragment << "'";
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << r.status().ToString();
  EXPECT_NE(r.status().message().find(fragment), std::string::npos) << r.status().ToString();
}

TEST(Vp9SubsamplesTest, KeyframeHeaderClearRestBlockAligned) {
  // 14-byte header; 100 bytes follow: 100 % 16 = 4 more clear, 96 protected.
  const Bytes frame = Vp9SmallKeyframe(20, 100);
  ASSERT_EQ(frame.size(), 114u);
  for (Scheme scheme : {Scheme::kCenc, Scheme::kCbcs}) {
    auto r = Vp9Subsamples(frame, scheme);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(*r, (Subs{{18, 96}}));
  }
}

TEST(Vp9SubsamplesTest, TileColumnBitsDependOnWidth) {
  // 15-byte header; 64 bytes follow exactly 4 blocks.
  auto r = Vp9Subsamples(Vp9HdKeyframe(8, 64), Scheme::kCenc);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, (Subs{{15, 64}}));
}

TEST(Vp9SubsamplesTest, ShortFrameIsAllClear) {
  // 14-byte header, 1-byte compressed header, 14 more: less than a block.
  auto r = Vp9Subsamples(Vp9SmallKeyframe(1, 15), Scheme::kCenc);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, (Subs{{29, 0}}));
}

TEST(Vp9SubsamplesTest, SuperframeGivesEachFrameItsOwnSubsample) {
  // Frame 0: 14 + 50 (2 clear, 48 protected); frame 1: 14 + 40 (8 clear,
  // 32 protected); frame 2: show_existing (1 byte clear); index 2 + 3 x 2.
  const Bytes hidden = Vp9SmallKeyframe(10, 50);
  const Bytes shown = Vp9SmallKeyframe(10, 40);
  const Bytes sample = Vp9Superframe({hidden, shown, Vp9ShowExisting(3)}, 2);
  ASSERT_EQ(sample.size(), 64u + 54u + 1u + 8u);
  auto r = Vp9Subsamples(sample, Scheme::kCbcs);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, (Subs{{16, 48}, {22, 32}, {9, 0}}));
}

TEST(Vp9SubsamplesTest, ShowExistingFrameAloneIsClear) {
  auto r = Vp9Subsamples(Vp9ShowExisting(5), Scheme::kCenc);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, (Subs{{1, 0}}));
}

TEST(Vp9SubsamplesTest, InterFrameNeedsTheReferenceSizeFromEarlierSamples) {
  // 11-byte header; 3 + 44 bytes follow: 47 % 16 = 15 more clear, 32
  // protected.
  const Bytes inter = Vp9InterFrameFromRef(3, 47);
  ExpectInvalid(Vp9Subsamples(inter, Scheme::kCenc), "reference slot 0");

  Vp9Subsampler mapper;
  ASSERT_TRUE(mapper.Map(Vp9HdKeyframe(8, 64), Scheme::kCenc).ok());
  auto r = mapper.Map(inter, Scheme::kCenc);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, (Subs{{26, 32}}));

  // With a 64-wide reference there are no tile column bits: the header
  // ends a bit earlier, in byte 10, and 48 bytes would be protected.
  Vp9Subsampler small;
  ASSERT_TRUE(small.Map(Vp9SmallKeyframe(20, 100), Scheme::kCenc).ok());
  auto wrong = small.Map(inter, Scheme::kCenc);
  ASSERT_TRUE(wrong.ok()) << wrong.status().ToString();
  EXPECT_EQ(*wrong, (Subs{{10, 48}}));
}

TEST(Vp9SubsamplesTest, FailedSampleLeavesStateUnchanged) {
  Vp9Subsampler mapper;
  ASSERT_TRUE(mapper.Map(Vp9HdKeyframe(8, 64), Scheme::kCenc).ok());
  Bytes bad = Vp9SmallKeyframe(20, 100);
  bad[0] = 0x00;  // frame_marker 0
  // A superframe whose first frame refreshes all slots with 64x64, then a
  // broken frame: the refresh must not stick.
  ExpectInvalid(mapper.Map(Vp9Superframe({Vp9SmallKeyframe(4, 20), bad}, 1), Scheme::kCenc),
                "frame_marker");
  auto r = mapper.Map(Vp9InterFrameFromRef(3, 47), Scheme::kCenc);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, (Subs{{26, 32}}));
}

TEST(Vp9SubsamplesTest, RejectsMalformedFrames) {
  ExpectInvalid(Vp9Subsamples({}, Scheme::kCenc), "empty");
  Bytes bad_marker = Vp9SmallKeyframe(20, 100);
  bad_marker[0] &= 0x3f;
  ExpectInvalid(Vp9Subsamples(bad_marker, Scheme::kCenc), "frame_marker");
  Bytes bad_sync = Vp9SmallKeyframe(20, 100);
  bad_sync[2] ^= 0xff;
  ExpectInvalid(Vp9Subsamples(bad_sync, Scheme::kCenc), "frame_sync_code");
  const Bytes full = Vp9SmallKeyframe(20, 100);
  ExpectInvalid(Vp9Subsamples(Bytes(full.begin(), full.begin() + 10), Scheme::kCenc),
                "runs past the frame");
  ExpectInvalid(Vp9Subsamples(Vp9SmallKeyframe(0, 100), Scheme::kCenc), "header_size_in_bytes");
  ExpectInvalid(Vp9Subsamples(Vp9SmallKeyframe(101, 100), Scheme::kCenc), "compressed header");
}

TEST(Vp9SubsamplesTest, RejectsInconsistentSuperframeIndex) {
  Bytes sample = Vp9Superframe({Vp9SmallKeyframe(10, 50), Vp9SmallKeyframe(10, 40)}, 1);
  Bytes short_sizes = sample;
  short_sizes[short_sizes.size() - 2] -= 1;  // second size one short
  ExpectInvalid(Vp9Subsamples(short_sizes, Scheme::kCenc), "do not cover");
  Bytes long_sizes = sample;
  long_sizes[long_sizes.size() - 2] += 1;
  ExpectInvalid(Vp9Subsamples(long_sizes, Scheme::kCenc), "exceed the sample");
  Bytes zero = sample;
  zero[zero.size() - 3] = 0;
  ExpectInvalid(Vp9Subsamples(zero, Scheme::kCenc), "empty frame");
}

// ------------------------------------------------------------------ AV1 --

// OBU with obu_has_size_field and a one- or two-byte leb128 size.
Bytes Obu(int type, const Bytes& payload) {
  Bytes out = {static_cast<uint8_t>((type << 3) | 0x02)};
  size_t size = payload.size();
  do {
    uint8_t byte = size & 0x7f;
    size >>= 7;
    if (size) byte |= 0x80;
    out.push_back(byte);
  } while (size);
  Append(out, payload);
  return out;
}

constexpr int kTd = 2, kFrameHeader = 3, kTileGroup = 4, kFrame = 6, kTileList = 8,
              kPadding = 15;

// sequence_header_obu(), AV1 §5.5: profile 0, one operating point at level
// 4.0, 640x360 (10 + 9 bit sizes), order hints of 7 bits,
// seq_choose_screen_content_tools, no superres / CDEF / restoration, 8-bit
// 4:2:0, no film grain.
Bytes Av1SequenceHeaderPayload() {
  BitWriter w;
  w.Bits(0, 3).Flag(false).Flag(false);                // profile, still, reduced
  w.Flag(false).Flag(false).Bits(0, 5);                 // timing, display delay, op count
  w.Bits(0, 12).Bits(8, 5).Flag(false);                 // idc, seq_level_idx 8, tier
  w.Bits(9, 4).Bits(8, 4).Bits(639, 10).Bits(359, 9);   // frame size
  w.Flag(false).Flag(false).Flag(false).Flag(false);    // ids, 128x128, filter intra, edge
  w.Flag(false).Flag(false).Flag(false).Flag(false);    // interintra, masked, warped, dual
  w.Flag(true).Flag(false).Flag(false);                 // order hint, jnt_comp, ref_frame_mvs
  w.Flag(true).Flag(true).Bits(6, 3);                   // choose sct, choose int mv, hint bits
  w.Flag(false).Flag(false).Flag(false);                // superres, cdef, restoration
  w.Flag(false).Flag(false).Flag(false).Flag(false).Bits(0, 2).Flag(false);  // color_config
  w.Flag(false).Trailing();                             // film grain
  return w.bytes();
}

Bytes Av1C() {
  Bytes out = {0x81, 0x08, 0x0c, 0x00};
  Append(out, Obu(1, Av1SequenceHeaderPayload()));
  return out;
}

// uncompressed_header() of a shown 640x360 key frame with two tile
// columns, counted: show_existing 1 + frame_type 2 + show_frame 1 +
// disable_cdf_update 1 + allow_screen_content_tools 1 +
// frame_size_override 1 + order_hint 7 = 14; render_and_frame_size_
// different 1 + disable_frame_end_update_cdf 1 = 16; tile_info: uniform 1
// + tile cols increments "1","0" (10 superblock columns: max_log2 4) + tile
// rows increment "0" + context_update_tile_id 1 + tile_size_bytes_minus_1 2
// = 23; base_q_idx 8 + 3 delta_coded + using_qmatrix 1 = 35;
// segmentation 1 + delta_q_present 1 = 37; loop filter levels 12 +
// sharpness 3 + delta_enabled 1 = 53; tx_mode_select 1 + reduced_tx_set 1
// = 55 bits -> 7 bytes.
BitWriter Av1KeyFrameHeader() {
  BitWriter w;
  w.Flag(false).Bits(0, 2).Flag(true).Flag(false).Flag(false).Flag(false).Bits(0, 7);
  w.Flag(false).Flag(false);
  w.Flag(true).Flag(true).Flag(false).Flag(false).Flag(true).Bits(1, 2);
  w.Bits(100, 8).Flag(false).Flag(false).Flag(false).Flag(false);
  w.Flag(false).Flag(false);
  w.Bits(0, 6).Bits(0, 6).Bits(0, 3).Flag(false);
  w.Flag(true).Flag(false);
  return w;
}

// OBU_FRAME: the key frame header, byte_alignment, a tile group without
// tile_start_and_end_present_flag (1 byte), tile 0's 2-byte size, data.
Bytes Av1KeyFrameObu(size_t tile0, size_t tile1) {
  BitWriter w = Av1KeyFrameHeader();
  w.AlignZero().Flag(false).AlignZero();
  Bytes payload = w.bytes();
  payload.push_back(static_cast<uint8_t>(tile0 - 1));
  payload.push_back(static_cast<uint8_t>((tile0 - 1) >> 8));
  Append(payload, Filler(tile0 + tile1));
  return Obu(kFrame, payload);
}

StatusOr<Av1Subsampler> MakeAv1() { return Av1Subsampler::Create(Av1C()); }

TEST(Av1SubsamplerTest, FrameObuTilesAreSeparateAlignedRanges) {
  // TD 2 + frame OBU header 2 + frame header 7 + tile group header 1 +
  // tile size 2 + 40 % 16 = 8 -> 22 clear, 32 protected; tile 1:
  // 35 % 16 = 3 clear, 32 protected.
  Bytes sample = Obu(kTd, {});
  Append(sample, Av1KeyFrameObu(40, 35));
  ASSERT_EQ(sample.size(), 2u + 2u + 7u + 1u + 2u + 75u);
  for (Scheme scheme : {Scheme::kCenc, Scheme::kCbcs}) {
    auto mapper = MakeAv1();
    ASSERT_TRUE(mapper.ok()) << mapper.status().ToString();
    auto r = mapper->Map(sample, scheme);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(*r, (Subs{{22, 32}, {3, 32}}));
  }
}

TEST(Av1SubsamplerTest, FrameHeaderObuThenTileGroupsWithStartAndEnd) {
  // Frame header OBU: 2 + 7 (55 bits + trailing one bit) clear. Tile
  // group 1: OBU header 2 + flag/tg_start/tg_end byte 1 + 20 % 16 = 4;
  // tile group 2: 2 + 1 + 17 % 16 = 1.
  BitWriter fh = Av1KeyFrameHeader();
  fh.Trailing();
  Bytes sample = Obu(kTd, {});
  Append(sample, Obu(kFrameHeader, fh.bytes()));
  Bytes tg1 = BitWriter().Flag(true).Bits(0, 1).Bits(0, 1).AlignZero().bytes();
  Append(tg1, Filler(20));
  Bytes tg2 = BitWriter().Flag(true).Bits(1, 1).Bits(1, 1).AlignZero().bytes();
  Append(tg2, Filler(17));
  Append(sample, Obu(kTileGroup, tg1));
  Append(sample, Obu(kTileGroup, tg2));
  auto mapper = MakeAv1();
  ASSERT_TRUE(mapper.ok()) << mapper.status().ToString();
  auto r = mapper->Map(sample, Scheme::kCenc);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, (Subs{{18, 16}, {4, 16}}));
}

TEST(Av1SubsamplerTest, LongClearRunsSplitAt65535) {
  // Padding OBU: header 1 + 3-byte leb128 + 70000 = 70004 clear, then the
  // 22 clear bytes before tile 0's first block (frame OBU 2 + 7 + 1 + 2 +
  // 40 % 16): 70024 = 65535 + 4489.
  Bytes sample = Obu(kPadding, Filler(70000));
  ASSERT_EQ(sample.size(), 70004u);
  Append(sample, Av1KeyFrameObu(40, 35));
  auto mapper = MakeAv1();
  ASSERT_TRUE(mapper.ok()) << mapper.status().ToString();
  auto r = mapper->Map(sample, Scheme::kCenc);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, (Subs{{65535, 0}, {4489, 32}, {3, 32}}));
}

TEST(Av1SubsamplerTest, SequenceHeaderInSampleIsClear) {
  Bytes sample = Obu(kTd, {});
  Append(sample, Obu(1, Av1SequenceHeaderPayload()));
  Append(sample, Av1KeyFrameObu(48, 16));
  const size_t seq_obu = 2 + Av1SequenceHeaderPayload().size();
  auto mapper = MakeAv1();
  ASSERT_TRUE(mapper.ok()) << mapper.status().ToString();
  auto r = mapper->Map(sample, Scheme::kCbcs);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, (Subs{{static_cast<uint32_t>(2 + seq_obu + 12), 48}, {0, 16}}));
}

TEST(Av1SubsamplerTest, SequenceHeaderCanComeFromTheFirstSample) {
  // ffmpeg writes an empty av1C for libaom with +empty_moov; av1C may also
  // carry no configOBUs.
  for (const Bytes& av1c : {Bytes{}, Bytes{0x81, 0x08, 0x0c, 0x00}}) {
    auto mapper = Av1Subsampler::Create(av1c);
    ASSERT_TRUE(mapper.ok()) << mapper.status().ToString();
    ExpectInvalid(mapper->Map(Av1KeyFrameObu(40, 35), Scheme::kCenc), "before any sequence header");
    Bytes sample = Obu(1, Av1SequenceHeaderPayload());
    Append(sample, Av1KeyFrameObu(40, 35));
    const uint32_t seq_obu = static_cast<uint32_t>(sample.size() - 87);
    auto r = mapper->Map(sample, Scheme::kCenc);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(*r, (Subs{{seq_obu + 20, 32}, {3, 32}}));
  }
}

TEST(Av1SubsamplerTest, CreateRejectsDamagedAv1C) {
  EXPECT_EQ(Av1Subsampler::Create(Bytes{0x81, 0x08}).status().code(),
            ErrorCode::kInvalidArgument);
  Bytes bad_marker = Av1C();
  bad_marker[0] = 0x01;
  EXPECT_EQ(Av1Subsampler::Create(bad_marker).status().code(), ErrorCode::kInvalidArgument);
  Bytes truncated = Av1C();
  truncated.resize(8);
  truncated[5] = 3;  // the sequence header OBU claims 3 bytes
  EXPECT_EQ(Av1Subsampler::Create(truncated).status().code(), ErrorCode::kInvalidArgument);
  Bytes cut_sequence = Av1C();
  cut_sequence[5] = 2;  // a 2-byte sequence header is truncated
  EXPECT_EQ(Av1Subsampler::Create(cut_sequence).status().code(), ErrorCode::kInvalidArgument);
}

TEST(Av1SubsamplerTest, RejectsMalformedSamples) {
  auto mapper = MakeAv1();
  ASSERT_TRUE(mapper.ok()) << mapper.status().ToString();
  const Bytes good = Av1KeyFrameObu(40, 35);
  Bytes forbidden = good;
  forbidden[0] |= 0x80;
  ExpectInvalid(mapper->Map(forbidden, Scheme::kCenc), "obu_forbidden_bit");
  Bytes cut(good.begin(), good.end() - 1);
  ExpectInvalid(mapper->Map(cut, Scheme::kCenc), "runs past the end of the sample");
  Bytes tile_too_big = good;
  tile_too_big[2 + 7 + 1 + 1] = 0x7f;  // tile 0 size 0x7f27 + 1
  ExpectInvalid(mapper->Map(tile_too_big, Scheme::kCenc), "runs past its OBU");
  ExpectInvalid(mapper->Map(Obu(kTileGroup, Filler(30)), Scheme::kCenc), "without a frame header");
  ExpectInvalid(mapper->Map(Obu(kFrame, {0x10}), Scheme::kCenc), "frame header");
  auto list = mapper->Map(Obu(kTileList, Filler(4)), Scheme::kCenc);
  EXPECT_EQ(list.status().code(), ErrorCode::kUnsupportedCodec);
  // None of the failures above changed the mapper.
  auto r = mapper->Map(good, Scheme::kCenc);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, (Subs{{20, 32}, {3, 32}}));
}

TEST(Av1SubsamplerTest, InterFrameNeedsAKeyFrameFirst) {
  // An inter OBU_FRAME referring to slot 0 before any key frame.
  BitWriter w;
  w.Flag(false).Bits(1, 2).Flag(true).Flag(false);  // inter, shown, error_resilient 0
  w.Flag(false).Flag(false).Flag(false).Bits(1, 7).Bits(0, 3).Bits(0x01, 8);
  w.Flag(false);  // frame_refs_short_signaling
  for (int i = 0; i < 7; ++i) w.Bits(0, 3);
  w.AlignZero();
  Bytes payload = w.bytes();
  Append(payload, Filler(40));
  auto mapper = MakeAv1();
  ASSERT_TRUE(mapper.ok()) << mapper.status().ToString();
  ExpectInvalid(mapper->Map(Obu(kFrame, payload), Scheme::kCenc), "empty reference slot");
}

}  // namespace
}  // namespace vtp::cenc
