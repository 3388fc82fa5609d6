#include "domain/cenc_nal_subsamples.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "domain/bit_writer.h"
#include "domain/cenc_crypto.h"
#include "domain/cenc_nal_test_media.h"

namespace vtp::cenc {
namespace {

using testing::Bytes;

// testutil::BitWriter plus a bit count, so tests can align and know where
// a header ends.
class Writer {
 public:
  Writer& Bits(uint64_t v, int n) {
    w_.Bits(v, n);
    bits_ += static_cast<size_t>(n);
    return *this;
  }
  Writer& Flag(bool f) { return Bits(f ? 1 : 0, 1); }
  Writer& Ue(uint32_t v) {
    w_.Ue(v);
    int len = 0;
    while ((uint64_t{v} + 1) >> (len + 1)) ++len;
    bits_ += static_cast<size_t>(2 * len + 1);
    return *this;
  }
  Writer& Se(int v) { return Ue(v > 0 ? static_cast<uint32_t>(2 * v - 1) : static_cast<uint32_t>(-2 * v)); }
  Writer& AlignOnes() {
    while (bits_ % 8 != 0) Bits(1, 1);
    return *this;
  }
  Writer& AlignZeros() {
    while (bits_ % 8 != 0) Bits(0, 1);
    return *this;
  }
  // RBSP bytes touched so far.
  size_t RbspBytes() const { return (bits_ + 7) / 8; }
  // Appends trailing bits and returns the escaped NAL unit.
  Bytes Nal() {
    w_.Trailing();
    return testutil::AddEmulationPrevention(w_.bytes());
  }

 private:
  testutil::BitWriter w_;
  size_t bits_ = 0;
};

struct HandSlice {
  Bytes nal;          // escaped NAL unit
  size_t header = 0;  // expected on-wire bytes of NAL header + slice header
};

// Appends `n` bytes of slice data (0x40.., never needing escapes) and the
// trailing bits; the header ended at `header_rbsp` RBSP bytes.
HandSlice Finish(Writer& w, size_t n) {
  const size_t header_rbsp = w.RbspBytes();
  for (size_t i = 0; i < n; ++i) w.Bits(0x40 + (i * 37) % 150, 8);
  HandSlice s;
  s.nal = w.Nal();
  s.header = testing::EscapedLength(s.nal, header_rbsp);
  return s;
}

Bytes LengthPrefixed(const std::vector<Bytes>& nals, int length_size = 4) {
  Bytes out;
  for (const Bytes& nal : nals) {
    for (int i = length_size - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(nal.size() >> (8 * i)));
    out.insert(out.end(), nal.begin(), nal.end());
  }
  return out;
}

void AppendU16Nal(Bytes& out, const Bytes& nal) {
  out.push_back(static_cast<uint8_t>(nal.size() >> 8));
  out.push_back(static_cast<uint8_t>(nal.size()));
  out.insert(out.end(), nal.begin(), nal.end());
}

Bytes MakeAvcC(const std::vector<Bytes>& sps, const std::vector<Bytes>& pps, int length_size = 4) {
  Bytes out = {1, 100, 0, 30, static_cast<uint8_t>(0xfc | (length_size - 1)),
               static_cast<uint8_t>(0xe0 | sps.size())};
  for (const Bytes& s : sps) AppendU16Nal(out, s);
  out.push_back(static_cast<uint8_t>(pps.size()));
  for (const Bytes& p : pps) AppendU16Nal(out, p);
  return out;
}

Bytes MakeHvcC(const std::vector<Bytes>& nals, int length_size = 4) {
  Bytes out(22, 0);
  out[0] = 1;
  out[21] = static_cast<uint8_t>(0xfc | (length_size - 1));
  out.push_back(static_cast<uint8_t>(nals.size()));  // one array per NAL unit
  for (const Bytes& nal : nals) {
    out.push_back(static_cast<uint8_t>(0x80 | ((nal[0] >> 1) & 0x3f)));
    out.push_back(0);
    out.push_back(1);
    AppendU16Nal(out, nal);
  }
  return out;
}

// ------------------------------------------------------------ H.264 hand --

struct AvcSpsOptions {
  bool high = true;
  bool scaling_matrix = false;
  uint32_t log2_max_frame_num = 4;
  uint32_t poc_type = 0;
  bool frame_mbs_only = true;
};

Bytes AvcSps(const AvcSpsOptions& o, uint32_t id = 0) {
  Writer w;
  w.Bits(0x67, 8).Bits(o.high ? 100 : 66, 8).Bits(0, 8).Bits(30, 8).Ue(id);
  if (o.high) {
    w.Ue(1).Ue(0).Ue(0).Flag(false).Flag(o.scaling_matrix);
    for (int i = 0; o.scaling_matrix && i < 8; ++i) {
      w.Flag(i == 0 || i == 6);
      if (i == 0) {
        for (int j = 0; j < 16; ++j) w.Se(j % 3 - 1);
      }
      if (i == 6) {  // nextScale reaches 0 at j == 10, ending the list
        for (int j = 0; j <= 10; ++j) w.Se(j == 10 ? -18 : 1);
      }
    }
  }
  w.Ue(o.log2_max_frame_num - 4).Ue(o.poc_type);
  if (o.poc_type == 0) w.Ue(2);  // log2_max_pic_order_cnt_lsb = 6
  if (o.poc_type == 1) w.Flag(false).Se(1).Se(-1).Ue(2).Se(3).Se(-3);
  w.Ue(4).Flag(false).Ue(19).Ue(14).Flag(o.frame_mbs_only);
  if (!o.frame_mbs_only) w.Flag(true);  // mb_adaptive_frame_field_flag
  w.Flag(true).Flag(false).Flag(false);  // direct_8x8, cropping, vui
  return w.Nal();
}

struct AvcPpsOptions {
  uint32_t id = 0;
  bool cabac = false;
  bool bottom_field_pic_order = false;
  bool slice_groups = false;  // 2 groups, map type 4, change rate 4
  uint32_t l0_default = 0;
  uint32_t l1_default = 0;
  bool weighted_pred = false;
  uint32_t weighted_bipred_idc = 0;
  bool deblocking_control = true;
  bool redundant_pic_cnt = false;
};

Bytes AvcPps(const AvcPpsOptions& o) {
  Writer w;
  w.Bits(0x68, 8).Ue(o.id).Ue(0).Flag(o.cabac).Flag(o.bottom_field_pic_order);
  w.Ue(o.slice_groups ? 1 : 0);
  if (o.slice_groups) w.Ue(4).Flag(false).Ue(3);
  w.Ue(o.l0_default).Ue(o.l1_default).Flag(o.weighted_pred).Bits(o.weighted_bipred_idc, 2);
  w.Se(0).Se(0).Se(0).Flag(o.deblocking_control).Flag(false).Flag(o.redundant_pic_cnt);
  return w.Nal();
}

// IDR I slice, CAVLC, log2_max_frame_num 4 / poc lsb 6 bits.
HandSlice AvcIdrSlice(size_t data_bytes, uint32_t pps_id = 0) {
  Writer w;
  w.Bits(0x65, 8).Ue(0).Ue(7).Ue(pps_id).Bits(0, 4).Ue(0).Bits(0, 6);
  w.Flag(false).Flag(false);  // dec_ref_pic_marking (IDR)
  w.Se(-3).Ue(0).Se(1).Se(-1);
  return Finish(w, data_bytes);
}

NalSubsampler AvcSubsampler(const Bytes& sps, const Bytes& pps, int length_size = 4) {
  auto s = NalSubsampler::ForAvc(MakeAvcC({sps}, {pps}, length_size));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

const Bytes kAud = {0x09, 0xf0};
const Bytes kSei = {0x06, 0x05, 0x04, 0x11, 0x22, 0x33, 0x44, 0x80};

TEST(NalSubsamplerAvcTest, IdrCavlcSliceHeaderAndNonVclClear) {
  NalSubsampler sub = AvcSubsampler(AvcSps({}), AvcPps({}));
  const HandSlice slice = AvcIdrSlice(100);
  ASSERT_EQ(slice.header, 6u);  // 8 + 1+7+1+4+1+6+2+5+1+3+3 = 42 bits
  const Bytes sample = LengthPrefixed({kAud, kSei, slice.nal});
  auto map = sub.Map(sample, Scheme::kCbcs);
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  const uint32_t clear = 4 + 2 + 4 + 8 + 4 + 6;
  EXPECT_EQ(*map, (std::vector<Subsample>{{clear, static_cast<uint32_t>(slice.nal.size() - 6)}}));

  auto cenc = sub.Map(sample, Scheme::kCenc);
  ASSERT_TRUE(cenc.ok());
  const uint32_t prot = static_cast<uint32_t>((slice.nal.size() - 6) / 16 * 16);
  EXPECT_EQ(*cenc, (std::vector<Subsample>{{static_cast<uint32_t>(sample.size() - prot), prot}}));
}

TEST(NalSubsamplerAvcTest, TrailingNonVclBecomesClearOnlyEntry) {
  NalSubsampler sub = AvcSubsampler(AvcSps({}), AvcPps({}), 2);
  const HandSlice a = AvcIdrSlice(40);
  const HandSlice b = AvcIdrSlice(64);
  const Bytes sample = LengthPrefixed({a.nal, b.nal, kSei}, 2);
  auto map = sub.Map(sample, Scheme::kCbcs);
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  EXPECT_EQ(*map, (std::vector<Subsample>{{2 + 6, static_cast<uint32_t>(a.nal.size() - 6)},
                                          {2 + 6, static_cast<uint32_t>(b.nal.size() - 6)},
                                          {2 + 8, 0}}));
}

TEST(NalSubsamplerAvcTest, ShortSliceStaysClearAndMerges) {
  NalSubsampler sub = AvcSubsampler(AvcSps({}), AvcPps({}));
  // The header's last byte holds slice data bits too, so a slice of
  // header + n data bytes + trailing byte has n protected bytes.
  const HandSlice tiny = AvcIdrSlice(15);  // 15 protected
  const HandSlice big = AvcIdrSlice(50);
  ASSERT_EQ(tiny.nal.size(), 6u + 15u);
  const Bytes sample = LengthPrefixed({tiny.nal, big.nal});
  auto cbcs = sub.Map(sample, Scheme::kCbcs);
  ASSERT_TRUE(cbcs.ok());
  const uint32_t big_prot = static_cast<uint32_t>(big.nal.size() - 6);
  EXPECT_EQ(*cbcs, (std::vector<Subsample>{
                       {static_cast<uint32_t>(4 + tiny.nal.size() + 4 + 6), big_prot}}));
  // cenc: 45 protected -> 32, 13 more clear.
  const HandSlice mid = AvcIdrSlice(45);
  auto cenc = sub.Map(LengthPrefixed({mid.nal}), Scheme::kCenc);
  ASSERT_TRUE(cenc.ok());
  const uint32_t prot = static_cast<uint32_t>((mid.nal.size() - 6) / 16 * 16);
  ASSERT_EQ(prot, 32u);
  EXPECT_EQ(*cenc, (std::vector<Subsample>{{static_cast<uint32_t>(4 + mid.nal.size() - prot), prot}}));
  // A slice whose cenc range rounds below 16 is wholly clear.
  const HandSlice edge = AvcIdrSlice(20);   // 20 protected -> 16 in cenc
  const HandSlice under = AvcIdrSlice(15);  // 15 protected -> 0 in cenc
  auto edge_map = sub.Map(LengthPrefixed({under.nal, edge.nal}), Scheme::kCenc);
  ASSERT_TRUE(edge_map.ok());
  EXPECT_EQ(*edge_map, (std::vector<Subsample>{
                           {static_cast<uint32_t>(4 + under.nal.size() + 4 + edge.nal.size() - 16), 16}}));
}

TEST(NalSubsamplerAvcTest, LongClearRunIsSplit) {
  NalSubsampler sub = AvcSubsampler(AvcSps({}), AvcPps({}));
  Bytes big_sei(70000, 0x55);
  big_sei[0] = 0x06;
  const HandSlice slice = AvcIdrSlice(64);
  const Bytes sample = LengthPrefixed({big_sei, slice.nal, big_sei});
  auto map = sub.Map(sample, Scheme::kCbcs);
  ASSERT_TRUE(map.ok());
  const uint32_t first = 4 + 70000 + 4 + 6;
  EXPECT_EQ(*map, (std::vector<Subsample>{{65535, 0},
                                          {first - 65535, static_cast<uint32_t>(slice.nal.size() - 6)},
                                          {65535, 0},
                                          {70004 - 65535, 0}}));
}

TEST(NalSubsamplerAvcTest, EmulationPreventionInsideHeaderCountsOnWire) {
  // 16-bit frame_num and 16-bit POC LSB of zero put 00 00 pairs into the
  // header, so escaped bytes sit inside it.
  Bytes sps;  // baseline, log2_max_frame_num 16, POC LSB 16 bits
  {
    Writer w;
    w.Bits(0x67, 8).Bits(66, 8).Bits(0, 8).Bits(30, 8).Ue(0).Ue(12).Ue(0).Ue(12);
    w.Ue(1).Flag(false).Ue(19).Ue(14).Flag(true).Flag(true).Flag(false).Flag(false);
    sps = w.Nal();
  }
  NalSubsampler sub = AvcSubsampler(sps, AvcPps({}));
  Writer w;  // non-IDR, non-reference I slice: frame_num and POC LSB adjoin
  w.Bits(0x01, 8).Ue(0).Ue(7).Ue(0).Bits(0, 16).Bits(0, 16);
  w.Se(0).Ue(1);
  const HandSlice slice = Finish(w, 64);
  ASSERT_GT(slice.header, w.RbspBytes() - 64);  // an escape inside the header
  auto map = sub.Map(LengthPrefixed({slice.nal}), Scheme::kCbcs);
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  ASSERT_EQ(map->size(), 1u);
  EXPECT_EQ((*map)[0].clear_bytes, 4 + slice.header);
  EXPECT_EQ((*map)[0].clear_bytes + (*map)[0].protected_bytes, 4 + slice.nal.size());
}

TEST(NalSubsamplerAvcTest, CabacPSliceWithReorderWeightsAndMmco) {
  AvcPpsOptions p;
  p.cabac = true;
  p.bottom_field_pic_order = true;
  p.weighted_pred = true;
  AvcSpsOptions so;
  so.scaling_matrix = true;
  NalSubsampler sub = AvcSubsampler(AvcSps(so), AvcPps(p));
  Writer w;
  w.Bits(0x41, 8).Ue(0).Ue(5).Ue(0).Bits(3, 4).Bits(6, 6).Se(-1);  // P, poc lsb, bottom delta
  w.Flag(true).Ue(2);                                           // 3 active refs in L0
  w.Flag(true).Ue(0).Ue(3).Ue(2).Ue(1).Ue(3);                   // ref_pic_list_modification
  w.Ue(5).Ue(4);                                                // weight denominators
  for (int i = 0; i < 3; ++i) {
    w.Flag(true).Se(2).Se(-1);
    w.Flag(i == 0);
    if (i == 0) w.Se(1).Se(-2).Se(3).Se(-4);
  }
  w.Flag(true).Ue(1).Ue(0).Ue(3).Ue(4).Ue(7).Ue(0);  // dec_ref_pic_marking: mmco 1, 3, end
  w.Ue(1).Se(2).Ue(0).Se(0).Se(0);                   // cabac_init_idc, qp, deblocking
  w.AlignOnes();
  const HandSlice slice = Finish(w, 80);
  auto map = sub.Map(LengthPrefixed({slice.nal}), Scheme::kCbcs);
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  EXPECT_EQ(*map, (std::vector<Subsample>{{static_cast<uint32_t>(4 + slice.header),
                                           static_cast<uint32_t>(slice.nal.size() - slice.header)}}));
}

TEST(NalSubsamplerAvcTest, FieldBSliceWithBipredWeightsAndSliceGroups) {
  AvcSpsOptions so;
  so.poc_type = 1;
  so.frame_mbs_only = false;
  AvcPpsOptions p;
  p.bottom_field_pic_order = true;
  p.slice_groups = true;
  p.l0_default = 1;
  p.l1_default = 0;
  p.weighted_bipred_idc = 1;
  p.redundant_pic_cnt = true;
  NalSubsampler sub = AvcSubsampler(AvcSps(so), AvcPps(p));
  Writer w;
  w.Bits(0x01, 8).Ue(0).Ue(6).Ue(0).Bits(9, 4);  // B (6 = 1 + 5), non-reference
  w.Flag(true).Flag(true);                        // field_pic_flag, bottom_field_flag
  w.Se(-5);                                       // delta_pic_order_cnt[0] only (field)
  w.Ue(1);                                        // redundant_pic_cnt
  w.Flag(true).Flag(false);                       // direct_spatial, no override: 2 + 1 refs
  w.Flag(false).Flag(true).Ue(1).Ue(0).Ue(3);     // L0 no reorder, L1 reorder
  w.Ue(3).Ue(2);
  for (int i = 0; i < 2; ++i) w.Flag(i == 1).Flag(false);  // L0 luma weight on ref 1 only
  w.Se(4).Se(-4);
  w.Flag(false).Flag(true).Se(1).Se(1).Se(1).Se(1);  // L1: chroma weights only
  w.Se(-1).Ue(1);                                    // qp, deblocking off
  w.Bits(0x55, 7);  // slice_group_change_cycle: Ceil(Log2(300 / 4 + 1)) = 7 bits
  const HandSlice slice = Finish(w, 40);
  auto map = sub.Map(LengthPrefixed({slice.nal}), Scheme::kCbcs);
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  EXPECT_EQ(*map, (std::vector<Subsample>{{static_cast<uint32_t>(4 + slice.header),
                                           static_cast<uint32_t>(slice.nal.size() - slice.header)}}));
}

TEST(NalSubsamplerAvcTest, InBandParameterSetsReplaceConfig) {
  // avcC: PPS 0 is CAVLC. The sample carries a CABAC PPS 0 before its
  // slice, whose header is then followed by alignment ones.
  NalSubsampler sub = AvcSubsampler(AvcSps({}), AvcPps({}));
  AvcPpsOptions cabac;
  cabac.cabac = true;
  Writer w;
  w.Bits(0x65, 8).Ue(0).Ue(7).Ue(0).Bits(0, 4).Ue(0).Bits(0, 6).Flag(false).Flag(false);
  w.Se(-3).Ue(1);
  w.AlignOnes();
  const HandSlice slice = Finish(w, 60);
  auto with_pps = sub.Map(LengthPrefixed({AvcPps(cabac), slice.nal}), Scheme::kCbcs);
  ASSERT_TRUE(with_pps.ok()) << with_pps.status().ToString();
  const uint32_t pps_size = static_cast<uint32_t>(AvcPps(cabac).size());
  EXPECT_EQ(*with_pps, (std::vector<Subsample>{{static_cast<uint32_t>(4 + pps_size + 4 + slice.header),
                                                static_cast<uint32_t>(slice.nal.size() - slice.header)}}));
  // The learnt PPS persists into later samples.
  auto later = sub.Map(LengthPrefixed({slice.nal}), Scheme::kCbcs);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ((*later)[0].clear_bytes, 4 + slice.header);
}

void ExpectInvalid(const StatusOr<std::vector<Subsample>>& r, const std::string& needle) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
}

TEST(NalSubsamplerAvcTest, MalformedSamplesAreRejected) {
  NalSubsampler sub = AvcSubsampler(AvcSps({}), AvcPps({}));
  const HandSlice slice = AvcIdrSlice(40);
  Bytes sample = LengthPrefixed({kAud, slice.nal});
  sample[4 + 2 + 3] += 1;  // second NAL length one past the end
  ExpectInvalid(sub.Map(sample, Scheme::kCbcs), "past the sample end");
  ExpectInvalid(sub.Map(Bytes{0, 0, 1}, Scheme::kCbcs), "truncated length prefix");
  ExpectInvalid(sub.Map(LengthPrefixed({AvcIdrSlice(40, 7).nal}), Scheme::kCbcs), "unknown PPS id 7");
  ExpectInvalid(sub.Map(LengthPrefixed({Bytes{0x65, 0x88}}), Scheme::kCenc), "NAL unit 0");
  // CABAC slice whose alignment bits are zeros: the header parse is off.
  AvcPpsOptions cabac;
  cabac.cabac = true;
  NalSubsampler cabac_sub = AvcSubsampler(AvcSps({}), AvcPps(cabac));
  Writer w;
  w.Bits(0x65, 8).Ue(0).Ue(7).Ue(0).Bits(0, 4).Ue(0).Bits(0, 6).Flag(false).Flag(false);
  w.Se(-3).Ue(1).AlignZeros();
  ExpectInvalid(cabac_sub.Map(LengthPrefixed({Finish(w, 40).nal}), Scheme::kCbcs),
                "cabac_alignment_one_bit");
  // A PPS naming an SPS never seen.
  Writer bad_pps;
  bad_pps.Bits(0x68, 8).Ue(3).Ue(9).Flag(false).Flag(false).Ue(0).Ue(0).Ue(0);
  bad_pps.Flag(false).Bits(0, 2).Se(0).Se(0).Se(0).Flag(true).Flag(false).Flag(false);
  ExpectInvalid(sub.Map(LengthPrefixed({bad_pps.Nal(), AvcIdrSlice(40, 3).nal}), Scheme::kCbcs),
                "unknown SPS id 9");
}

TEST(NalSubsamplerAvcTest, BadConfigRecordsAreRejected) {
  EXPECT_FALSE(NalSubsampler::ForAvc({}).ok());
  Bytes avcc = MakeAvcC({AvcSps({})}, {AvcPps({})});
  avcc[0] = 2;
  EXPECT_EQ(NalSubsampler::ForAvc(avcc).status().code(), ErrorCode::kInvalidArgument);
  avcc = MakeAvcC({AvcSps({})}, {AvcPps({})}, 3);
  EXPECT_EQ(NalSubsampler::ForAvc(avcc).status().code(), ErrorCode::kInvalidArgument);
  avcc = MakeAvcC({AvcSps({})}, {AvcPps({})});
  avcc.resize(avcc.size() - 2);  // PPS cut short
  EXPECT_EQ(NalSubsampler::ForAvc(avcc).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(NalSubsampler::ForAvc(MakeAvcC({Bytes{0x67, 0x64}}, {})).status().code(),
            ErrorCode::kInvalidArgument);
  auto ok = NalSubsampler::ForAvc(MakeAvcC({AvcSps({})}, {AvcPps({})}, 1));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->nal_length_size(), 1);
}

// ------------------------------------------------------------ H.265 hand --

Bytes HevcSps() {
  Writer w;
  w.Bits(0x4201, 16).Bits(0, 4).Bits(0, 3).Flag(true);  // vps id, 1 sub-layer, nesting
  w.Bits(0x01, 8).Bits(0x60000000, 32).Bits(0x900000000000, 48).Bits(60, 8);  // PTL
  w.Ue(0).Ue(1).Ue(320).Ue(240).Flag(false).Ue(0).Ue(0).Ue(4);  // id .. poc lsb 8 bits
  w.Flag(true).Ue(4).Ue(0).Ue(0);                                // sub-layer ordering
  w.Ue(0).Ue(3).Ue(0).Ue(3).Ue(1).Ue(1);                         // 8..64 CB, TB sizes
  w.Flag(false).Flag(true).Flag(true).Flag(false);  // scaling, amp, SAO, pcm
  w.Ue(3);                                          // three st_ref_pic_sets
  w.Ue(2).Ue(1).Ue(0).Flag(true).Ue(1).Flag(true).Ue(1).Flag(false);  // {-1,-3 | +2}
  w.Flag(false).Ue(1).Ue(0).Ue(3).Flag(true);                        // {-4}
  // Set 2 predicted from set 1 with deltaRps -1: {-1, -5}, both used.
  w.Flag(true).Flag(true).Ue(0).Flag(true).Flag(true);
  w.Flag(true).Ue(2).Bits(17, 8).Flag(true).Bits(33, 8).Flag(false);  // 2 long-term in SPS
  w.Flag(true).Flag(true).Flag(false).Flag(false);  // tmvp, strong intra, no VUI/ext
  return w.Nal();
}

Bytes HevcPps() {
  Writer w;
  w.Bits(0x4401, 16).Ue(0).Ue(0).Flag(true).Flag(true).Bits(2, 3);  // dep. slices, output flag
  w.Flag(true).Flag(true).Ue(0).Ue(0).Se(0).Flag(false).Flag(false);  // cabac_init_present
  w.Flag(true).Ue(1).Se(0).Se(0).Flag(true);  // cu_qp_delta, chroma offsets present
  w.Flag(true).Flag(true).Flag(false);        // weighted pred/bipred
  w.Flag(false).Flag(true).Flag(true);        // no tiles, WPP, loop filter across slices
  w.Flag(true).Flag(true).Flag(false).Se(0).Se(0);  // deblocking override enabled
  w.Flag(false).Flag(true).Ue(0).Flag(true);        // lists_modification, header extension
  w.Flag(true).Flag(true).Flag(false).Flag(false).Flag(false).Bits(0, 4);  // range extension
  w.Flag(false).Flag(true).Ue(0).Ue(0).Se(1).Se(-1).Ue(0).Ue(0);
  return w.Nal();
}

NalSubsampler HevcSubsampler() {
  const Bytes vps = {0x40, 0x01, 0x0c, 0x01, 0xff, 0xff};  // never parsed
  auto s = NalSubsampler::ForHevc(MakeHvcC({vps, HevcSps(), HevcPps()}));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

TEST(NalSubsamplerHevcTest, BSliceWithPredictedRpsListsWeightsAndEntryPoints) {
  NalSubsampler sub = HevcSubsampler();
  Writer w;
  w.Bits(0x0201, 16).Flag(false).Ue(0).Flag(false).Bits(7, 5);  // TRAIL_R, address in 20 CTBs
  w.Bits(0, 2).Ue(0).Flag(true).Bits(5, 8);                     // reserved, B, output, POC
  // st_ref_pic_set(3) predicted from set 2 with deltaRps +2: {-3 | +1, +2};
  // used: -3 and +1, so NumPicTotalCurr = 2 and list entries take 1 bit.
  w.Flag(false).Flag(true).Ue(0).Flag(false).Ue(1);
  w.Flag(true).Flag(true).Flag(false).Flag(true);
  w.Ue(1).Ue(1).Bits(1, 1).Flag(false);                      // lt from SPS #1 (unused)
  w.Bits(9, 8).Flag(false).Flag(true).Ue(2);                 // lt in header (unused)
  w.Flag(true).Flag(true).Flag(false);                       // tmvp, SAO luma/chroma
  w.Flag(true).Ue(2).Ue(1);                                  // 3 + 2 active refs
  w.Flag(true).Bits(0b101, 3).Flag(true).Bits(0b01, 2);      // list_entry_l0/l1
  w.Flag(false).Flag(true).Flag(false).Ue(1);                // mvd_l1_zero, cabac_init, col
  w.Ue(3).Se(-1);                                            // pred_weight_table
  w.Flag(true).Flag(false).Flag(true).Flag(false).Flag(true).Flag(false);
  w.Se(3).Se(-3).Se(1).Se(1).Se(-1).Se(-1).Se(2).Se(0);
  w.Flag(false).Flag(true).Flag(true).Flag(false);
  w.Se(1).Se(2).Se(3).Se(4).Se(-2).Se(5);
  w.Ue(2).Se(-2).Se(1).Se(-1).Flag(true);      // merge cand, qp, cb/cr, cu_chroma_qp_offset
  w.Flag(true).Flag(false).Se(1).Se(-1).Flag(true);  // deblocking override, across slices
  w.Ue(2).Ue(9).Bits(1000, 10).Bits(77, 10);         // entry points
  w.Ue(2).Bits(0xab, 8).Bits(0xcd, 8);               // header extension
  w.Flag(true).AlignZeros();
  const HandSlice slice = Finish(w, 100);
  auto map = sub.Map(LengthPrefixed({slice.nal}), Scheme::kCbcs);
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  EXPECT_EQ(*map, (std::vector<Subsample>{{static_cast<uint32_t>(4 + slice.header),
                                           static_cast<uint32_t>(slice.nal.size() - slice.header)}}));
}

TEST(NalSubsamplerHevcTest, IdrAndDependentSliceSegments) {
  NalSubsampler sub = HevcSubsampler();
  Writer idr;
  idr.Bits(0x2601, 16).Flag(true).Flag(false).Ue(0);  // IDR_W_RADL, first, no_output
  idr.Bits(1, 2).Ue(2).Flag(true).Flag(false).Flag(true);  // I, output, SAO luma off, chroma on
  idr.Se(3).Se(0).Se(0).Flag(false).Flag(false).Flag(false);
  idr.Ue(0).Ue(0).Flag(true).AlignZeros();  // no entry points, empty extension
  const HandSlice a = Finish(idr, 50);
  Writer dep;
  dep.Bits(0x2601, 16).Flag(false).Flag(false).Ue(0).Flag(true).Bits(12, 5);  // dependent
  dep.Ue(1).Ue(3).Bits(5, 4).Ue(0).Flag(true).AlignZeros();
  const HandSlice b = Finish(dep, 50);
  const Bytes sei = {0x4e, 0x01, 0x05, 0x02, 0xaa, 0xbb, 0x80};
  auto map = sub.Map(LengthPrefixed({sei, a.nal, b.nal}), Scheme::kCbcs);
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  EXPECT_EQ(*map, (std::vector<Subsample>{
                      {static_cast<uint32_t>(4 + sei.size() + 4 + a.header),
                       static_cast<uint32_t>(a.nal.size() - a.header)},
                      {static_cast<uint32_t>(4 + b.header), static_cast<uint32_t>(b.nal.size() - b.header)}}));
}

TEST(NalSubsamplerHevcTest, MalformedInputIsRejected) {
  NalSubsampler sub = HevcSubsampler();
  Writer w;
  w.Bits(0x2601, 16).Flag(true).Flag(false).Ue(0).Bits(1, 2).Ue(2).Flag(true).Flag(false).Flag(true);
  w.Se(3).Se(0).Se(0).Flag(false).Flag(false).Flag(false).Ue(0).Ue(0);
  w.Flag(false).AlignZeros();  // alignment_bit_equal_to_one is 0
  ExpectInvalid(sub.Map(LengthPrefixed({Finish(w, 40).nal}), Scheme::kCbcs), "alignment_bit");
  ExpectInvalid(sub.Map(LengthPrefixed({Bytes{0x1c, 0x01, 0xff, 0xff}}), Scheme::kCbcs),
                "no known slice type");  // reserved VCL type 14
  ExpectInvalid(sub.Map(LengthPrefixed({Bytes{0x02, 0x01, 0x80}}), Scheme::kCbcs),
                "truncated or damaged");
  Writer unknown;
  unknown.Bits(0x0201, 16).Flag(true).Ue(9);
  ExpectInvalid(sub.Map(LengthPrefixed({Finish(unknown, 40).nal}), Scheme::kCbcs), "unknown PPS id 9");
  EXPECT_FALSE(NalSubsampler::ForHevc(Bytes(10, 1)).ok());
  Bytes cut = MakeHvcC({HevcSps()});
  cut.resize(cut.size() - 20);
  EXPECT_EQ(NalSubsampler::ForHevc(cut).status().code(), ErrorCode::kInvalidArgument);
}

// ---------------------------------------------------------- real streams --

struct RealStream {
  const char* name;
  const char* ffmpeg_args;
};
void PrintTo(const RealStream& s, std::ostream* os) { *os << s.name; }

bool IsVcl(bool hevc, uint8_t first_byte) {
  return hevc ? ((first_byte >> 1) & 0x3f) <= 31 : ((first_byte & 0x1f) >= 1 && (first_byte & 0x1f) <= 5);
}

// The expected map of `sample` built from the traced slice header lengths
// with the rules of cenc_nal_subsamples.h.
std::vector<Subsample> ExpectedMap(bmff::ByteSpan sample, bool hevc, const std::vector<uint64_t>& bits,
                                   Scheme scheme) {
  std::vector<Subsample> out;
  uint64_t clear = 0;
  size_t pos = 0;
  size_t slice = 0;
  auto emit = [&out](uint64_t c, uint32_t p) {
    for (; c > 65535; c -= 65535) out.push_back({65535, 0});
    out.push_back({static_cast<uint32_t>(c), p});
  };
  while (pos + 4 <= sample.size()) {
    const size_t len = testing::U32(sample, pos);
    const bmff::ByteSpan nal = sample.subspan(pos + 4, len);
    pos += 4 + len;
    if (!IsVcl(hevc, nal[0])) {
      clear += 4 + len;
      continue;
    }
    EXPECT_LT(slice, bits.size()) << "more slices than traced";
    const size_t header = testing::EscapedLength(nal, slice < bits.size() ? (bits[slice] + 7) / 8 : 0);
    ++slice;
    size_t prot = len - header;
    if (scheme == Scheme::kCenc) prot -= prot % 16;
    if (prot < 16) {
      clear += 4 + len;
      continue;
    }
    emit(clear + 4 + len - prot, static_cast<uint32_t>(prot));
    clear = 0;
  }
  EXPECT_EQ(slice, bits.size()) << "traced slices not found";
  if (clear > 0) emit(clear, 0);
  return out;
}

class NalSubsamplerRealTest : public ::testing::TestWithParam<RealStream> {};

TEST_P(NalSubsamplerRealTest, MatchesFfmpegTraceAndRoundTrips) {
  const std::string path = testutil::Fixture(GetParam().name, GetParam().ffmpeg_args);
  ASSERT_FALSE(path.empty());
  const testing::Mp4Track track = testing::ReadFragmentedMp4(path);
  ASSERT_GE(track.samples.size(), 10u);
  const bool hevc = track.sample_entry != "avc1";
  auto made = hevc ? NalSubsampler::ForHevc(track.config) : NalSubsampler::ForAvc(track.config);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  ASSERT_EQ(made->nal_length_size(), 4);
  NalSubsampler sub = std::move(made).value();
  const auto traced = testing::TracedSliceHeaderBits(path);
  ASSERT_EQ(traced.size(), track.samples.size());
  const Key key = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  const Bytes iv(16, 0x42);
  size_t protected_total = 0;
  for (size_t i = 0; i < track.samples.size(); ++i) {
    const Bytes& sample = track.samples[i];
    for (Scheme scheme : {Scheme::kCbcs, Scheme::kCenc}) {
      auto map = sub.Map(sample, scheme);
      ASSERT_TRUE(map.ok()) << "sample " << i << ": " << map.status().ToString();
      EXPECT_EQ(*map, ExpectedMap(sample, hevc, traced[i], scheme)) << "sample " << i;
      uint64_t covered = 0;
      for (const Subsample& s : *map) {
        covered += uint64_t{s.clear_bytes} + s.protected_bytes;
        EXPECT_LE(s.clear_bytes, 65535u);
        if (scheme == Scheme::kCenc) {
          EXPECT_EQ(s.protected_bytes % 16, 0u);
        }
        protected_total += s.protected_bytes;
      }
      EXPECT_EQ(covered, sample.size());
      Bytes enc = sample;
      const Pattern pattern = scheme == Scheme::kCbcs ? kVideoCbcsPattern : kNoPattern;
      ASSERT_TRUE(EncryptSample(scheme, key, iv, *map, pattern, enc).ok());
      ASSERT_TRUE(DecryptSample(scheme, key, iv, *map, pattern, enc).ok());
      EXPECT_EQ(enc, sample);
    }
  }
  EXPECT_GT(protected_total, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    NalSubsamplerEncoders, NalSubsamplerRealTest,
    ::testing::Values(
        RealStream{"cenc_nal_x264_cabac.mp4",
                   "-f lavfi -i testsrc2=size=320x240:rate=25 -frames:v 30 -c:v libx264 -bf 2 "
                   "-f mp4 -movflags +frag_keyframe+empty_moov"},
        RealStream{"cenc_nal_x264_cavlc_wp.mp4",
                   "-f lavfi -i testsrc2=size=320x240:rate=25 -frames:v 30 -c:v libx264 "
                   "-x264-params cabac=0:weightp=2:ref=4:bframes=3:b-pyramid=normal:weightb=1:"
                   "slices=3:keyint=12 -f mp4 -movflags +frag_keyframe+empty_moov"},
        RealStream{"cenc_nal_x264_mbaff_cqm.mp4",
                   "-f lavfi -i testsrc2=size=320x240:rate=25 -frames:v 20 -c:v libx264 "
                   "-x264-params interlaced=1:cqm=jvt:weightp=1:ref=3:slices=2 -bsf:v dump_extra "
                   "-f mp4 -movflags +frag_keyframe+empty_moov"},
        RealStream{"cenc_nal_x265.mp4",
                   "-f lavfi -i testsrc2=size=320x240:rate=25 -frames:v 30 -c:v libx265 "
                   "-x265-params log-level=error:weightb=1:keyint=12:wpp=0 "
                   "-f mp4 -movflags +frag_keyframe+empty_moov"},
        RealStream{"cenc_nal_x265_slices_444.mp4",
                   "-f lavfi -i testsrc2=size=320x240:rate=25 -frames:v 20 -c:v libx265 -pix_fmt yuv444p "
                   "-x265-params log-level=error:slices=2:repeat-headers=1:tskip=1:sao=0:"
                   "bframes=3:ref=4 -f mp4 -movflags +frag_keyframe+empty_moov"}),
    [](const ::testing::TestParamInfo<RealStream>& p) {
      std::string name = p.param.name;
      name = name.substr(9, name.size() - 13);
      for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return name;
    });

}  // namespace
}  // namespace vtp::cenc
