// FragmentEncryptor on real fragmented MP4s from the ffmpeg CLI (H.264,
// HEVC, VP9, AV1, AAC, Opus), for both schemes: the protected init's sample
// entry and sinf, the encrypted fragments' senc/saiz/saio and offsets, every
// sample decrypted back (DecryptSample with the IVs and subsamples read
// from the output) to exactly the clear bytes, clear lead, determinism,
// errors, and libavformat decrypting a whole encrypted file. The fragments
// are read test-side (cenc_test_media.h); expected values come from the
// clear input, the spec, or constants written here.
#include "domain/cenc_fragment.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "domain/bmff.h"
#include "domain/cenc_boxes.h"
#include "domain/cenc_crypto.h"
#include "domain/cenc_test_media.h"
#include "testutil/fixtures.h"

namespace vtp::cenc {
namespace {

using media_test::Bytes;
using media_test::CodecCase;
using media_test::Fmp4;
using media_test::ParsedFragment;

const Key kKey = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c};
constexpr char kKeyHex[] = "2b7e151628aed2a6abf7158809cf4f3c";
const Kid kKid = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};
const SystemId kCommonSystem = {0x10, 0x77, 0xef, 0xec, 0xc0, 0xb2, 0x4d, 0x02,
                                0xac, 0xe3, 0x3c, 0x1e, 0x52, 0xe2, 0xfb, 0x4b};
const SystemId kOtherSystem = {0xed, 0xef, 0x8b, 0xa9, 0x79, 0xd6, 0x4a, 0xce,
                               0xa3, 0xc8, 0x27, 0xdc, 0xd5, 0x1d, 0x21, 0xed};

// pssh v1 with one KID and 4 data bytes: 12 + 16 + 4 + 16 + 4 + 4 = 56;
// pssh v0 with 6 data bytes: 12 + 16 + 4 + 6 = 38 (23001-7 §8.1.1).
constexpr size_t kPsshBytes = 56 + 38;
// sinf = frma(12) + schm(20) + schi(8 + tenc); tenc v0 with 8-byte IVs is
// 32 bytes, tenc v1 with a 16-byte constant IV 49 (§8.2.1).
constexpr size_t kSinfCencBytes = 8 + 12 + 20 + 8 + 32;
constexpr size_t kSinfCbcsBytes = 8 + 12 + 20 + 8 + 49;

struct Param {
  CodecCase codec;
  Scheme scheme;
};

void PrintTo(const Param& p, std::ostream* os) { *os << p.codec.name << "/" << SchemeName(p.scheme); }

std::vector<Param> AllParams() {
  std::vector<Param> out;
  for (const CodecCase& c : media_test::CodecCases()) {
    for (Scheme s : {Scheme::kCenc, Scheme::kCbcs}) out.push_back({c, s});
  }
  return out;
}

std::string ParamName(const ::testing::TestParamInfo<Param>& info) {
  return info.param.codec.name + "_" + std::string(SchemeName(info.param.scheme));
}

TrackKeying Keying(Scheme scheme, uint32_t clear_segments = 0, std::string salt = "rendition-720p") {
  TrackKeying k;
  k.scheme = scheme;
  k.kid = kKid;
  k.key = kKey;
  k.iv_salt = std::move(salt);
  k.pssh = {{kCommonSystem, {kKid}, {1, 2, 3, 4}}, {kOtherSystem, {}, {9, 8, 7, 6, 5, 4}}};
  k.clear_segments = clear_segments;
  return k;
}

// The tenc each scheme must carry (23001-7 §10.1, §10.4; vtp's choices in
// cenc_types.h and cenc_sample_mapper.h: 1:9 for video, every block for
// audio).
TrackEncryption ExpectedTenc(Scheme scheme, bool video, const std::vector<uint8_t>& constant_iv) {
  TrackEncryption t;
  t.default_kid = kKid;
  t.is_protected = true;
  if (scheme == Scheme::kCenc) {
    t.version = 0;
    t.per_sample_iv_size = 8;
  } else {
    t.version = 1;
    t.pattern = video ? Pattern{1, 9} : Pattern{1, 0};
    t.per_sample_iv_size = 0;
    t.constant_iv = constant_iv;
  }
  return t;
}

// The stsd payload and its sample entries of a single-track init.
struct Stsd {
  uint32_t entry_count = 0;
  std::vector<bmff::Box> entries;
  std::vector<Bytes> entry_bytes;
};

Stsd ReadStsd(const Bytes& init) {
  Stsd s;
  StatusOr<bmff::Box> stsd = bmff::FindPath(init, "moov/trak/mdia/minf/stbl/stsd");
  EXPECT_TRUE(stsd.ok()) << stsd.status().ToString();
  if (!stsd.ok()) return s;
  s.entry_count = media_test::U32At(stsd->payload, 4);
  const bmff::ByteSpan list = stsd->payload.subspan(8);
  StatusOr<std::vector<bmff::Box>> entries = bmff::ReadBoxes(list);
  EXPECT_TRUE(entries.ok()) << entries.status().ToString();
  if (!entries.ok()) return s;
  s.entries = *entries;
  for (const bmff::Box& e : s.entries) {
    s.entry_bytes.emplace_back(list.begin() + static_cast<long>(e.offset),
                               list.begin() + static_cast<long>(e.offset + e.size));
  }
  return s;
}

std::vector<std::string> ChildTypes(bmff::ByteSpan data) {
  std::vector<std::string> out;
  StatusOr<std::vector<bmff::Box>> boxes = bmff::ReadBoxes(data);
  EXPECT_TRUE(boxes.ok()) << boxes.status().ToString();
  if (boxes.ok()) {
    for (const bmff::Box& b : *boxes) out.push_back(b.type);
  }
  return out;
}

// The tenc of a protected init, read with the box layer.
StatusOr<TrackEncryption> ReadTenc(const Bytes& init) {
  const Stsd stsd = ReadStsd(init);
  if (stsd.entries.empty()) return NotFound("no sample entry");
  const bmff::Box& entry = stsd.entries[0];
  const size_t fields = entry.type == "encv" ? 78 : 28;
  if (entry.payload.size() < fields) return InvalidArgument("short entry");
  ASSIGN_OR_RETURN(bmff::Box sinf, bmff::FindChild(entry.payload.subspan(fields), "sinf"));
  ASSIGN_OR_RETURN(ProtectionSchemeInfo info, ProtectionSchemeInfo::Parse(sinf.payload));
  return info.track_encryption;
}

class CencFragmentTest : public ::testing::TestWithParam<Param> {
 protected:
  void SetUp() override {
    const std::string path = media_test::CasePath(GetParam().codec);
    ASSERT_FALSE(path.empty());
    clear_ = media_test::SplitFmp4(media_test::ReadAll(path));
    ASSERT_FALSE(clear_.init.empty());
    ASSERT_GE(clear_.fragments.size(), 3u) << "the fixture should have several fragments";
    trex_size_ = media_test::TrexDefaultSize(clear_.init);
  }

  Scheme scheme() const { return GetParam().scheme; }
  bool video() const { return GetParam().codec.video; }
  ParsedFragment Parse(const Bytes& fragment) const { return media_test::ParseFragment(fragment, trex_size_); }

  std::unique_ptr<FragmentEncryptor> Make(TrackKeying keying) const {
    StatusOr<FragmentEncryptor> e = FragmentEncryptor::Create(clear_.init, std::move(keying));
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    if (!e.ok()) return nullptr;
    return std::make_unique<FragmentEncryptor>(std::move(e).value());
  }

  Bytes Encrypt(FragmentEncryptor& e, const Bytes& segment, uint32_t number) const {
    StatusOr<Bytes> out = e.EncryptSegment(segment, number);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? *out : Bytes{};
  }

  Bytes Init(const FragmentEncryptor& e) const {
    StatusOr<Bytes> out = e.ProtectedInit();
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? *out : Bytes{};
  }

  // Checks one encrypted fragment against its clear original and decrypts
  // every sample back; returns the senc read from it.
  SampleEncryption CheckEncryptedFragment(const Bytes& clear, const Bytes& enc, const TrackEncryption& tenc);

  Fmp4 clear_;
  uint32_t trex_size_ = 0;
};

SampleEncryption CencFragmentTest::CheckEncryptedFragment(const Bytes& clear, const Bytes& enc,
                                                          const TrackEncryption& tenc) {
  const ParsedFragment c = Parse(clear);
  const ParsedFragment e = Parse(enc);
  EXPECT_EQ(e.moof_children, (std::vector<std::string>{"mfhd", "traf"}));
  std::vector<std::string> want_traf = c.TrafTypes();
  for (const char* t : {"saiz", "saio", "senc"}) want_traf.push_back(t);
  EXPECT_EQ(e.TrafTypes(), want_traf);
  EXPECT_EQ(e.tfhd_flags, c.tfhd_flags);
  EXPECT_EQ(e.description_index, c.description_index) << "encrypted fragments keep the protected entry";
  // Boxes other than trun are copied unchanged; trun differs only in
  // data_offset (the 4 bytes after version/flags and sample_count).
  for (const media_test::TrafChild& cc : c.traf) {
    const media_test::TrafChild* ec = e.Find(cc.type);
    if (!ec) {
      ADD_FAILURE() << "lost " << cc.type;
      continue;
    }
    Bytes a(cc.payload.begin(), cc.payload.end()), b(ec->payload.begin(), ec->payload.end());
    if (cc.type == "trun") std::fill_n(a.begin() + 8, 4, 0), std::fill_n(b.begin() + 8, 4, 0);
    EXPECT_EQ(a, b) << cc.type << " changed";
  }
  const media_test::TrafChild* saiz_box = e.Find("saiz");
  const media_test::TrafChild* saio_box = e.Find("saio");
  const media_test::TrafChild* senc_box = e.Find("senc");
  if (!saiz_box || !saio_box || !senc_box) {
    ADD_FAILURE() << "no saiz/saio/senc";
    return {};
  }
  EXPECT_EQ(e.moof_size, c.moof_size + saiz_box->size + saio_box->size + senc_box->size);
  EXPECT_EQ(e.mdat_size, c.mdat_size);
  EXPECT_EQ(e.sizes, c.sizes) << "sample sizes must not change";
  EXPECT_EQ(c.data_offset, static_cast<int32_t>(c.moof_size + c.mdat_header)) << "fixture layout";
  EXPECT_EQ(e.data_offset, static_cast<int32_t>(e.moof_size + e.mdat_header))
      << "trun data_offset must point at the first sample in the new mdat";

  StatusOr<SampleEncryption> senc = SampleEncryption::Parse(senc_box->payload, tenc.per_sample_iv_size);
  EXPECT_TRUE(senc.ok()) << senc.status().ToString();
  if (!senc.ok()) return {};
  EXPECT_EQ(senc->use_subsamples, video() || scheme() == Scheme::kCbcs);
  EXPECT_EQ(senc->entries.size(), c.sizes.size());

  StatusOr<SampleAuxInfoSizes> saiz = SampleAuxInfoSizes::Parse(saiz_box->payload);
  EXPECT_TRUE(saiz.ok()) << saiz.status().ToString();
  StatusOr<SampleAuxInfoOffsets> saio = SampleAuxInfoOffsets::Parse(saio_box->payload);
  EXPECT_TRUE(saio.ok()) << saio.status().ToString();
  if (!saiz.ok() || !saio.ok()) return {};
  EXPECT_EQ(saiz->sample_count, c.sizes.size());
  if (saio->offsets.size() != 1) {
    ADD_FAILURE() << "saio has " << saio->offsets.size() << " offsets, want 1";
    return *senc;
  }
  // saio counts from the moof (default-base-is-moof): header, version and
  // flags, sample_count, then the first entry (14496-12 §8.7.9, 23001-7 §7.2).
  EXPECT_EQ(saio->offsets[0], senc_box->offset_in_moof + 16);

  bool any_changed = false;
  for (size_t i = 0; i < senc->entries.size() && i < c.samples.size(); ++i) {
    const SampleEncryptionEntry& entry = senc->entries[i];
    const size_t aux = entry.iv.size() + (senc->use_subsamples ? 2 + 6 * entry.subsamples.size() : 0);
    const size_t saiz_size = saiz->default_size != 0 ? saiz->default_size : saiz->sizes.at(i);
    EXPECT_EQ(saiz_size, aux) << "sample " << i;
    if (i == 0) {
      const size_t at = saio->offsets[0];
      Bytes first(enc.begin() + static_cast<long>(at), enc.begin() + static_cast<long>(at + aux));
      Bytes want = entry.iv;
      if (senc->use_subsamples) {
        want.push_back(static_cast<uint8_t>(entry.subsamples.size() >> 8));
        want.push_back(static_cast<uint8_t>(entry.subsamples.size()));
        for (const Subsample& s : entry.subsamples) {
          for (int sh = 8; sh >= 0; sh -= 8) want.push_back(static_cast<uint8_t>(s.clear_bytes >> sh));
          for (int sh = 24; sh >= 0; sh -= 8) want.push_back(static_cast<uint8_t>(s.protected_bytes >> sh));
        }
      }
      EXPECT_EQ(first, want) << "saio does not point at the first senc entry";
    }
    EXPECT_EQ(entry.iv.size(), scheme() == Scheme::kCenc ? 8u : 0u);
    uint64_t covered = 0, protected_bytes = 0;
    for (const Subsample& s : entry.subsamples) {
      covered += s.clear_bytes + s.protected_bytes;
      protected_bytes += s.protected_bytes;
      EXPECT_LE(s.clear_bytes, 0xffffu);
      if (video() && scheme() == Scheme::kCenc) {
        EXPECT_EQ(s.protected_bytes % 16, 0u) << "sample " << i << ": cenc video protects whole blocks";
      }
    }
    if (senc->use_subsamples) {
      EXPECT_EQ(covered, c.sizes[i]) << "subsamples must tile sample " << i;
    } else {
      protected_bytes = c.sizes[i];
    }
    const std::vector<uint8_t> iv = scheme() == Scheme::kCenc ? entry.iv : tenc.constant_iv;
    Bytes sample = e.samples.at(i);
    any_changed = any_changed || sample != c.samples[i];
    if (protected_bytes >= 16) {
      EXPECT_NE(sample, c.samples[i]) << "sample " << i << " left clear";
    }
    if (protected_bytes == 0) {
      EXPECT_EQ(sample, c.samples[i]) << "sample " << i << " changed";
    }
    const Status st = DecryptSample(scheme(), kKey, iv, entry.subsamples, tenc.pattern, sample);
    EXPECT_TRUE(st.ok()) << st.ToString();
    EXPECT_EQ(sample, c.samples[i]) << "sample " << i << " does not decrypt to the clear bytes";
  }
  EXPECT_TRUE(any_changed);
  return *senc;
}

TEST_P(CencFragmentTest, ProtectedInitCarriesTheProtectedEntry) {
  auto enc = Make(Keying(scheme()));
  ASSERT_TRUE(enc);
  EXPECT_EQ(enc->track().sample_entry, GetParam().codec.sample_entry);
  const Bytes init = Init(*enc);

  // Every top-level box but moov is copied unchanged.
  StatusOr<std::vector<bmff::Box>> clear_top = bmff::ReadBoxes(clear_.init);
  StatusOr<std::vector<bmff::Box>> top = bmff::ReadBoxes(init);
  ASSERT_TRUE(clear_top.ok() && top.ok());
  ASSERT_EQ(top->size(), clear_top->size());
  size_t clear_moov_size = 0, moov_size = 0;
  for (size_t i = 0; i < top->size(); ++i) {
    EXPECT_EQ((*top)[i].type, (*clear_top)[i].type);
    if ((*top)[i].type == "moov") {
      clear_moov_size = (*clear_top)[i].size;
      moov_size = (*top)[i].size;
      continue;
    }
    EXPECT_EQ(Bytes((*top)[i].payload.begin(), (*top)[i].payload.end()),
              Bytes((*clear_top)[i].payload.begin(), (*clear_top)[i].payload.end()));
  }

  const Stsd clear_stsd = ReadStsd(clear_.init);
  const Stsd stsd = ReadStsd(init);
  ASSERT_EQ(clear_stsd.entries.size(), 1u);
  ASSERT_EQ(stsd.entry_count, 1u);
  ASSERT_EQ(stsd.entries.size(), 1u);
  const bmff::Box& entry = stsd.entries[0];
  EXPECT_EQ(entry.type, video() ? "encv" : "enca");
  // The entry is the clear entry's fields and children, then a sinf.
  const bmff::Box& clear_entry = clear_stsd.entries[0];
  ASSERT_GT(entry.payload.size(), clear_entry.payload.size());
  EXPECT_EQ(Bytes(entry.payload.begin(), entry.payload.begin() + static_cast<long>(clear_entry.payload.size())),
            Bytes(clear_entry.payload.begin(), clear_entry.payload.end()));
  const bmff::ByteSpan tail = entry.payload.subspan(clear_entry.payload.size());
  StatusOr<std::vector<bmff::Box>> added = bmff::ReadBoxes(tail);
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  ASSERT_EQ(added->size(), 1u);
  const bmff::Box& sinf = (*added)[0];
  EXPECT_EQ(sinf.type, "sinf");
  EXPECT_EQ(sinf.size, scheme() == Scheme::kCenc ? kSinfCencBytes : kSinfCbcsBytes);
  EXPECT_EQ(ChildTypes(sinf.payload), (std::vector<std::string>{"frma", "schm", "schi"}));
  StatusOr<bmff::Box> schi = bmff::FindChild(sinf.payload, "schi");
  ASSERT_TRUE(schi.ok());
  EXPECT_EQ(ChildTypes(schi->payload), std::vector<std::string>{"tenc"});

  StatusOr<ProtectionSchemeInfo> info = ProtectionSchemeInfo::Parse(sinf.payload);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->original_format.format, GetParam().codec.sample_entry);
  EXPECT_EQ(info->scheme.scheme_type, scheme() == Scheme::kCenc ? "cenc" : "cbcs");
  EXPECT_EQ(info->scheme.scheme_version, 0x00010000u);
  if (scheme() == Scheme::kCbcs) {
    ASSERT_EQ(enc->constant_iv().size(), 16u);
    EXPECT_NE(enc->constant_iv(), Bytes(16, 0));
  } else {
    EXPECT_TRUE(enc->constant_iv().empty());
  }
  EXPECT_EQ(info->track_encryption, ExpectedTenc(scheme(), video(), enc->constant_iv()));

  // pssh boxes are appended to moov, in order.
  StatusOr<bmff::Box> moov = bmff::FindChild(init, "moov");
  StatusOr<bmff::Box> clear_moov = bmff::FindChild(clear_.init, "moov");
  ASSERT_TRUE(moov.ok() && clear_moov.ok());
  std::vector<std::string> want_moov = ChildTypes(clear_moov->payload);
  want_moov.push_back("pssh");
  want_moov.push_back("pssh");
  EXPECT_EQ(ChildTypes(moov->payload), want_moov);
  StatusOr<std::vector<bmff::Box>> moov_children = bmff::ReadBoxes(moov->payload);
  ASSERT_TRUE(moov_children.ok());
  const size_t n = moov_children->size();
  ASSERT_GE(n, 2u);
  const TrackKeying k = Keying(scheme());
  for (size_t i = 0; i < 2; ++i) {
    StatusOr<ProtectionSystemHeader> pssh = ProtectionSystemHeader::Parse((*moov_children)[n - 2 + i].payload);
    ASSERT_TRUE(pssh.ok()) << pssh.status().ToString();
    EXPECT_EQ(*pssh, k.pssh[i]);
  }
  EXPECT_EQ(moov_size, clear_moov_size + sinf.size + kPsshBytes);
}

TEST_P(CencFragmentTest, ClearLeadInitKeepsTheClearEntrySecond) {
  auto enc = Make(Keying(scheme(), /*clear_segments=*/2));
  ASSERT_TRUE(enc);
  const Bytes init = Init(*enc);
  const Stsd clear_stsd = ReadStsd(clear_.init);
  const Stsd stsd = ReadStsd(init);
  ASSERT_EQ(clear_stsd.entry_bytes.size(), 1u);
  EXPECT_EQ(stsd.entry_count, 2u);
  ASSERT_EQ(stsd.entries.size(), 2u);
  EXPECT_EQ(stsd.entries[0].type, video() ? "encv" : "enca");
  EXPECT_EQ(stsd.entry_bytes[1], clear_stsd.entry_bytes[0]);
  const size_t sinf = scheme() == Scheme::kCenc ? kSinfCencBytes : kSinfCbcsBytes;
  EXPECT_EQ(stsd.entries[0].size, clear_stsd.entries[0].size + sinf);
  EXPECT_EQ(init.size(), clear_.init.size() + sinf + clear_stsd.entries[0].size + kPsshBytes);
}

TEST_P(CencFragmentTest, EverySampleDecryptsToTheClearBytes) {
  auto enc = Make(Keying(scheme()));
  ASSERT_TRUE(enc);
  StatusOr<TrackEncryption> tenc = ReadTenc(Init(*enc));
  ASSERT_TRUE(tenc.ok()) << tenc.status().ToString();
  std::set<Bytes> ivs;
  size_t samples = 0;
  for (size_t i = 0; i < clear_.fragments.size(); ++i) {
    SCOPED_TRACE("segment " + std::to_string(i));
    const Bytes out = Encrypt(*enc, clear_.fragments[i], static_cast<uint32_t>(i));
    ASSERT_FALSE(out.empty());
    const SampleEncryption senc = CheckEncryptedFragment(clear_.fragments[i], out, *tenc);
    for (const SampleEncryptionEntry& e : senc.entries) ivs.insert(e.iv);
    samples += senc.entries.size();
  }
  ASSERT_GT(samples, 0u);
  // cenc: a fresh IV per sample across the whole track (23001-7 §9.5).
  EXPECT_EQ(ivs.size(), scheme() == Scheme::kCenc ? samples : 1u);
}

TEST_P(CencFragmentTest, SegmentOfSeveralFragments) {
  auto enc = Make(Keying(scheme()));
  ASSERT_TRUE(enc);
  StatusOr<TrackEncryption> tenc = ReadTenc(Init(*enc));
  ASSERT_TRUE(tenc.ok());
  const Bytes segment = media_test::Concat({clear_.fragments[1], clear_.fragments[2]});
  const Bytes out = Encrypt(*enc, segment, 7);
  const Fmp4 parts = media_test::SplitFmp4(out);
  EXPECT_TRUE(parts.init.empty());
  ASSERT_EQ(parts.fragments.size(), 2u);
  const SampleEncryption a = CheckEncryptedFragment(clear_.fragments[1], parts.fragments[0], *tenc);
  const SampleEncryption b = CheckEncryptedFragment(clear_.fragments[2], parts.fragments[1], *tenc);
  if (scheme() == Scheme::kCenc) {
    std::set<Bytes> ivs;
    for (const auto* s : {&a, &b}) {
      for (const SampleEncryptionEntry& e : s->entries) ivs.insert(e.iv);
    }
    EXPECT_EQ(ivs.size(), a.entries.size() + b.entries.size()) << "IVs repeat across fragments";
  }
}

TEST_P(CencFragmentTest, ClearLeadSegmentsStayClearAndSelectEntryTwo) {
  auto enc = Make(Keying(scheme(), /*clear_segments=*/1));
  ASSERT_TRUE(enc);
  const Bytes out = Encrypt(*enc, clear_.fragments[0], 0);
  const ParsedFragment c = Parse(clear_.fragments[0]);
  const ParsedFragment e = Parse(out);
  EXPECT_EQ(e.TrafTypes(), c.TrafTypes()) << "no senc/saiz/saio in clear lead";
  EXPECT_TRUE(e.tfhd_flags & 0x02);
  EXPECT_EQ(e.tfhd_flags, c.tfhd_flags | 0x02);
  EXPECT_EQ(e.description_index, 2u);
  EXPECT_EQ(e.moof_size, c.moof_size + 4) << "tfhd grows by sample_description_index only";
  EXPECT_EQ(e.sizes, c.sizes);
  EXPECT_EQ(e.samples, c.samples);
  EXPECT_EQ(e.data_offset, static_cast<int32_t>(e.moof_size + e.mdat_header));
  EXPECT_EQ(Bytes(out.begin() + static_cast<long>(e.mdat_offset), out.end()),
            Bytes(clear_.fragments[0].begin() + static_cast<long>(c.mdat_offset), clear_.fragments[0].end()));

  // The first segment after the lead is protected and uses entry 1.
  StatusOr<TrackEncryption> tenc = ReadTenc(Init(*enc));
  ASSERT_TRUE(tenc.ok());
  const Bytes protected_out = Encrypt(*enc, clear_.fragments[1], 1);
  CheckEncryptedFragment(clear_.fragments[1], protected_out, *tenc);
}

TEST_P(CencFragmentTest, SameInputsGiveIdenticalBytes) {
  auto a = Make(Keying(scheme()));
  auto b = Make(Keying(scheme()));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(Init(*a), Init(*b));
  std::vector<Bytes> first;
  for (size_t i = 0; i < clear_.fragments.size(); ++i) {
    first.push_back(Encrypt(*a, clear_.fragments[i], static_cast<uint32_t>(i)));
    EXPECT_EQ(first.back(), Encrypt(*b, clear_.fragments[i], static_cast<uint32_t>(i))) << "segment " << i;
  }
  // Re-running a segment, or starting on a fresh encryptor at the last
  // segment, gives the same bytes: segments are independent.
  EXPECT_EQ(Encrypt(*a, clear_.fragments[1], 1), first[1]);
  auto c = Make(Keying(scheme()));
  ASSERT_TRUE(c);
  const size_t last = clear_.fragments.size() - 1;
  EXPECT_EQ(Encrypt(*c, clear_.fragments[last], static_cast<uint32_t>(last)), first[last]);
  // The segment number feeds the IVs.
  if (scheme() == Scheme::kCenc) {
    EXPECT_NE(Encrypt(*a, clear_.fragments[1], 2), first[1]);
  }
}

TEST_P(CencFragmentTest, DifferentSaltGivesDifferentIvs) {
  auto a = Make(Keying(scheme(), 0, "rendition-a"));
  auto b = Make(Keying(scheme(), 0, "rendition-b"));
  ASSERT_TRUE(a && b);
  StatusOr<TrackEncryption> ta = ReadTenc(Init(*a));
  StatusOr<TrackEncryption> tb = ReadTenc(Init(*b));
  ASSERT_TRUE(ta.ok() && tb.ok());
  const Bytes oa = Encrypt(*a, clear_.fragments[0], 0);
  const Bytes ob = Encrypt(*b, clear_.fragments[0], 0);
  EXPECT_NE(oa, ob);
  const SampleEncryption sa = CheckEncryptedFragment(clear_.fragments[0], oa, *ta);
  const SampleEncryption sb = CheckEncryptedFragment(clear_.fragments[0], ob, *tb);
  if (scheme() == Scheme::kCenc) {
    ASSERT_EQ(sa.entries.size(), sb.entries.size());
    for (size_t i = 0; i < sa.entries.size(); ++i) EXPECT_NE(sa.entries[i].iv, sb.entries[i].iv) << i;
  } else {
    EXPECT_NE(ta->constant_iv, tb->constant_iv);
  }
}

// The many-slices fixture really has more NAL units per picture than a
// 255-byte senc entry can describe, so the encryptor must leave some of
// them clear; every remaining protected range still decrypts (checked by
// the suite above).
TEST(CencFragmentSlicesTest, MoreNalUnitsThanASencEntryHolds) {
  const CodecCase c = media_test::CodecCases()[2];
  ASSERT_EQ(c.name, "h264_many_slices");
  const std::string path = media_test::CasePath(c);
  ASSERT_FALSE(path.empty());
  const Fmp4 clear = media_test::SplitFmp4(media_test::ReadAll(path));
  ASSERT_FALSE(clear.fragments.empty());
  const ParsedFragment f = media_test::ParseFragment(clear.fragments[0], media_test::TrexDefaultSize(clear.init));
  ASSERT_FALSE(f.samples.empty());
  // avcC lengthSizeMinusOne is 3 for libx264: 4-byte NAL lengths.
  size_t nals = 0;
  for (size_t at = 0; at + 4 <= f.samples[0].size(); ++nals) at += 4 + media_test::U32At(f.samples[0], at);
  EXPECT_GT(nals, 41u);

  for (Scheme scheme : {Scheme::kCenc, Scheme::kCbcs}) {
    StatusOr<FragmentEncryptor> enc = FragmentEncryptor::Create(clear.init, Keying(scheme));
    ASSERT_TRUE(enc.ok()) << enc.status().ToString();
    StatusOr<Bytes> out = enc->EncryptSegment(clear.fragments[0], 0);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    const ParsedFragment e = media_test::ParseFragment(*out, media_test::TrexDefaultSize(clear.init));
    const media_test::TrafChild* senc_box = e.Find("senc");
    ASSERT_TRUE(senc_box);
    const uint8_t iv_size = scheme == Scheme::kCenc ? 8 : 0;
    StatusOr<SampleEncryption> senc = SampleEncryption::Parse(senc_box->payload, iv_size);
    ASSERT_TRUE(senc.ok()) << senc.status().ToString();
    ASSERT_FALSE(senc->entries.empty());
    const size_t max_subsamples = (255 - 2 - iv_size) / 6;
    EXPECT_EQ(senc->entries[0].subsamples.size(), max_subsamples);
    for (const SampleEncryptionEntry& entry : senc->entries) EXPECT_LE(entry.subsamples.size(), max_subsamples);
  }
}

// The whole encrypted stream through libavformat: packets demuxed and
// decrypted with -decryption_key hash the same as the clear stream's. The
// input is piped: libavformat reads multi-fragment files correctly only as
// non-seekable input.
// Packet lines keep only "stream, dts, pts, duration, size, hash": the
// first packet of a protected file also lists its encryption side data.
std::string PacketsOnly(const std::string& framemd5) {
  std::istringstream lines(framemd5);
  std::string line, out;
  while (std::getline(lines, line)) {
    if (!line.empty() && line[0] != '#') {
      size_t at = 0;
      for (int field = 0; field < 6 && at != std::string::npos; ++field) {
        at = line.find(',', at == 0 ? 0 : at + 1);
      }
      if (at != std::string::npos) line.resize(at);
    }
    out += line + "\n";
  }
  return out;
}

std::string FrameMd5(const std::string& path, const std::string& key_hex) {
  const std::string key = key_hex.empty() ? "" : " -decryption_key " + key_hex;
  const testutil::CommandResult r = testutil::RunCommand(
      "ffmpeg -hide_banner -nostdin -v error" + key + " -i pipe:0 -map 0 -c copy -f framemd5 - < '" + path + "'",
      /*merge_stderr=*/true);
  EXPECT_EQ(r.exit_status, 0) << r.output;
  return PacketsOnly(r.output);
}

void CheckLibavformatDecrypts(const Fmp4& clear, FragmentEncryptor& enc, const std::string& name) {
  StatusOr<Bytes> init = enc.ProtectedInit();
  ASSERT_TRUE(init.ok()) << init.status().ToString();
  std::vector<Bytes> enc_parts = {*init}, clear_parts = {clear.init};
  for (size_t i = 0; i < clear.fragments.size(); ++i) {
    StatusOr<Bytes> seg = enc.EncryptSegment(clear.fragments[i], static_cast<uint32_t>(i));
    ASSERT_TRUE(seg.ok()) << seg.status().ToString();
    enc_parts.push_back(*seg);
    clear_parts.push_back(clear.fragments[i]);
  }
  auto as_string = [](const Bytes& b) { return std::string(b.begin(), b.end()); };
  const std::string enc_path = testutil::WriteFile(name + "_enc.mp4", as_string(media_test::Concat(enc_parts)));
  const std::string clear_path = testutil::WriteFile(name + "_clear.mp4", as_string(media_test::Concat(clear_parts)));
  const std::string want = FrameMd5(clear_path, "");
  ASSERT_NE(want.find("\n0,"), std::string::npos) << want;
  EXPECT_EQ(FrameMd5(enc_path, kKeyHex), want);
  // And the check can fail: a wrong key gives other packets.
  const testutil::CommandResult wrong = testutil::RunCommand(
      "ffmpeg -hide_banner -nostdin -v quiet -decryption_key 00000000000000000000000000000000 -i pipe:0 -map 0"
      " -c copy -f framemd5 - < '" + enc_path + "'");
  EXPECT_NE(PacketsOnly(wrong.output), want);
}

TEST_P(CencFragmentTest, LibavformatDecryptsTheWholeFile) {
  auto enc = Make(Keying(scheme()));
  ASSERT_TRUE(enc);
  CheckLibavformatDecrypts(clear_, *enc, "cenc_whole_" + ParamName(::testing::TestParamInfo<Param>(GetParam(), 0)));
}

TEST_P(CencFragmentTest, LibavformatDecryptsAfterAClearLead) {
  auto enc = Make(Keying(scheme(), /*clear_segments=*/1));
  ASSERT_TRUE(enc);
  CheckLibavformatDecrypts(clear_, *enc, "cenc_lead_" + ParamName(::testing::TestParamInfo<Param>(GetParam(), 0)));
}

INSTANTIATE_TEST_SUITE_P(Codecs, CencFragmentTest, ::testing::ValuesIn(AllParams()), ParamName);

// ---------------------------------------------------------------------------
// Errors.

class CencFragmentErrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::vector<CodecCase> cases = media_test::CodecCases();
    const std::string path = media_test::CasePath(cases[0]);  // h264
    ASSERT_FALSE(path.empty());
    clear_ = media_test::SplitFmp4(media_test::ReadAll(path));
    ASSERT_GE(clear_.fragments.size(), 2u);
    StatusOr<FragmentEncryptor> e = FragmentEncryptor::Create(clear_.init, Keying(Scheme::kCenc));
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    enc_ = std::make_unique<FragmentEncryptor>(std::move(e).value());
  }

  void ExpectRejected(const Bytes& segment, const std::string& fragment) {
    StatusOr<Bytes> out = enc_->EncryptSegment(segment, 3);
    ASSERT_FALSE(out.ok()) << "accepted";
    EXPECT_EQ(out.status().code(), ErrorCode::kInvalidArgument) << out.status().ToString();
    EXPECT_NE(out.status().message().find(fragment), std::string::npos) << out.status().message();
  }

  Fmp4 clear_;
  std::unique_ptr<FragmentEncryptor> enc_;
};

void ExpectCreateRejected(const Bytes& init, const std::string& fragment) {
  StatusOr<FragmentEncryptor> e = FragmentEncryptor::Create(init, Keying(Scheme::kCbcs));
  ASSERT_FALSE(e.ok()) << "accepted";
  EXPECT_EQ(e.status().code(), ErrorCode::kInvalidArgument) << e.status().ToString();
  EXPECT_NE(e.status().message().find(fragment), std::string::npos) << e.status().message();
}

TEST_F(CencFragmentErrorTest, AlreadyEncryptedInit) {
  StatusOr<Bytes> init = enc_->ProtectedInit();
  ASSERT_TRUE(init.ok());
  ExpectCreateRejected(*init, "already encrypted");
}

TEST_F(CencFragmentErrorTest, MultiTrackInit) {
  const std::string path = testutil::Fixture(
      "cenc_frag_av.mp4",
      "-f lavfi -i testsrc2=size=64x64:rate=25 -f lavfi -i sine=frequency=440:duration=0.4 -frames:v 10 "
      "-c:v libx264 -c:a aac -movflags +frag_keyframe+empty_moov+default_base_moof -f mp4");
  ASSERT_FALSE(path.empty());
  const Fmp4 av = media_test::SplitFmp4(media_test::ReadAll(path));
  ExpectCreateRejected(av.init, "2 tracks");
}

TEST_F(CencFragmentErrorTest, InitWithoutMoov) {
  StatusOr<bmff::Box> ftyp = bmff::FindChild(clear_.init, "ftyp");
  ASSERT_TRUE(ftyp.ok());
  const Bytes only_ftyp(clear_.init.begin(), clear_.init.begin() + static_cast<long>(ftyp->size));
  StatusOr<FragmentEncryptor> e = FragmentEncryptor::Create(only_ftyp, Keying(Scheme::kCenc));
  EXPECT_FALSE(e.ok());
}

TEST_F(CencFragmentErrorTest, SidxPresent) {
  // A minimal sidx v0 (14496-12 §8.16.3) with one reference: 44 bytes.
  const Bytes sidx = {0, 0, 0, 44, 's', 'i', 'd', 'x', 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0x32, 0,
                      0, 0, 0, 0,  0,   0,   0,   0,   0, 0, 0, 1, 0, 0, 0x10, 0, 0, 0, 0x02, 0,
                      0x90, 0, 0, 0};
  ExpectRejected(media_test::Concat({sidx, clear_.fragments[0]}), "sidx");
}

TEST_F(CencFragmentErrorTest, MoofWithoutMdat) {
  const ParsedFragment f = media_test::ParseFragment(clear_.fragments[0], 0);
  const Bytes moof(clear_.fragments[0].begin(), clear_.fragments[0].begin() + static_cast<long>(f.moof_size));
  ExpectRejected(moof, "moof not followed by its mdat");
  // A moof followed by the next fragment's moof.
  ExpectRejected(media_test::Concat({moof, clear_.fragments[1]}), "moof not followed by its mdat");
  // An mdat before any moof.
  const Bytes mdat(clear_.fragments[0].begin() + static_cast<long>(f.moof_size), clear_.fragments[0].end());
  ExpectRejected(media_test::Concat({mdat, clear_.fragments[1]}), "mdat without a moof");
}

TEST_F(CencFragmentErrorTest, EveryTruncationIsRejected) {
  const Bytes& frag = clear_.fragments[0];
  for (size_t n = 0; n < frag.size(); ++n) {
    StatusOr<Bytes> out = enc_->EncryptSegment(bmff::ByteSpan(frag).first(n), 0);
    ASSERT_FALSE(out.ok()) << "accepted " << n << " of " << frag.size() << " bytes";
    EXPECT_EQ(out.status().code(), ErrorCode::kInvalidArgument) << n << ": " << out.status().ToString();
  }
}

TEST_F(CencFragmentErrorTest, FragmentOfAnotherTrack) {
  Bytes frag = clear_.fragments[0];
  const ParsedFragment f = media_test::ParseFragment(frag, 0);
  const media_test::TrafChild* tfhd = f.Find("tfhd");
  ASSERT_TRUE(tfhd);
  ASSERT_EQ(f.track_id, enc_->track().track_id);
  media_test::PutU32At(frag, tfhd->offset_in_moof + 8 + 4, f.track_id + 1);
  ExpectRejected(frag, "another track");
}

TEST_F(CencFragmentErrorTest, AlreadyEncryptedSegment) {
  StatusOr<Bytes> once = enc_->EncryptSegment(clear_.fragments[0], 0);
  ASSERT_TRUE(once.ok());
  ExpectRejected(*once, "already encrypted");
}

TEST_F(CencFragmentErrorTest, SegmentWithoutFragments) {
  ExpectRejected({}, "no moof");
  StatusOr<bmff::Box> ftyp = bmff::FindChild(clear_.init, "ftyp");
  ASSERT_TRUE(ftyp.ok());
  ExpectRejected(Bytes(clear_.init.begin(), clear_.init.begin() + static_cast<long>(ftyp->size)), "no moof");
}

TEST_F(CencFragmentErrorTest, TrunDataOffsetOutsideTheMdat) {
  Bytes frag = clear_.fragments[0];
  const ParsedFragment f = media_test::ParseFragment(frag, 0);
  const media_test::TrafChild* trun = f.Find("trun");
  ASSERT_TRUE(trun);
  const size_t field = trun->offset_in_moof + 16;
  media_test::PutU32At(frag, field, 4);  // inside the moof
  ExpectRejected(frag, "before the mdat payload");
  media_test::PutU32At(frag, field, static_cast<uint32_t>(frag.size() + 1));
  ExpectRejected(frag, "past the mdat");
  // The first sample starts one byte before the mdat's end.
  media_test::PutU32At(frag, field, static_cast<uint32_t>(f.moof_size + f.mdat_size - 1));
  ExpectRejected(frag, "sample 0 runs past the mdat");
}

}  // namespace
}  // namespace vtp::cenc
