#include "domain/cenc_fragment.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "domain/cenc_crypto.h"

namespace vtp::cenc {
namespace {

using Bytes = std::vector<uint8_t>;

// tfhd flags (14496-12 §8.8.7.1) and trun flags (§8.8.8.1).
constexpr uint32_t kTfhdBaseDataOffset = 0x01;
constexpr uint32_t kTfhdDescriptionIndex = 0x02;
constexpr uint32_t kTfhdDefaultDuration = 0x08;
constexpr uint32_t kTfhdDefaultSize = 0x10;
constexpr uint32_t kTfhdDefaultFlags = 0x20;
constexpr uint32_t kTrunDataOffset = 0x001;
constexpr uint32_t kTrunFirstFlags = 0x004;
constexpr uint32_t kTrunDuration = 0x100;
constexpr uint32_t kTrunSize = 0x200;
constexpr uint32_t kTrunFlags = 0x400;
constexpr uint32_t kTrunCto = 0x800;

std::array<uint8_t, 32> Sha256(std::span<const uint8_t> in) {
  std::array<uint8_t, 32> out{};
  unsigned int n = 0;
  EVP_Digest(in.data(), in.size(), out.data(), &n, EVP_sha256(), nullptr);
  return out;
}

// Length-prefixed fields, so no two field lists serialise alike.
void Field(Bytes& out, std::span<const uint8_t> field) {
  const uint32_t n = static_cast<uint32_t>(field.size());
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(n >> s));
  out.insert(out.end(), field.begin(), field.end());
}

void Field(Bytes& out, std::string_view field) {
  Field(out, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(field.data()), field.size()));
}

void Field(Bytes& out, uint32_t number) {
  uint8_t be[4];
  for (int i = 0; i < 4; ++i) be[i] = static_cast<uint8_t>(number >> (24 - 8 * i));
  Field(out, std::span<const uint8_t>(be, 4));
}

// HMAC-SHA256 under the content key: IVs are a keyed function of their
// inputs, and nothing derived from the key without it is published.
std::array<uint8_t, 32> Mac(const Key& key, const Bytes& message) {
  std::array<uint8_t, 32> out{};
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), message.data(), message.size(), out.data(), &n);
  return out;
}

// 8-byte cenc IV of sample `i` of a segment: a keyed per-segment base plus
// the sample index, so IVs never repeat within a track (23001-7 §9.5).
Bytes CtrIv(const std::array<uint8_t, 32>& base, uint32_t i) {
  uint64_t v = 0;
  for (int b = 0; b < 8; ++b) v = (v << 8) | base[b];
  v += i;
  Bytes iv(8);
  for (int b = 7; b >= 0; --b, v >>= 8) iv[b] = static_cast<uint8_t>(v);
  return iv;
}

struct Tfhd {
  uint32_t flags = 0, track_id = 0, description_index = 0, duration = 0, size = 0, sample_flags = 0;
};

StatusOr<Tfhd> ParseTfhd(bmff::ByteSpan payload) {
  bmff::BoxReader r(payload);
  Tfhd t;
  RETURN_IF_ERROR(r.Skip(1));
  ASSIGN_OR_RETURN(t.flags, r.ReadU24());
  ASSIGN_OR_RETURN(t.track_id, r.ReadU32());
  if (t.flags & kTfhdBaseDataOffset) return InvalidArgument("cenc: tfhd with base_data_offset is not supported");
  if (t.flags & kTfhdDescriptionIndex) {
    ASSIGN_OR_RETURN(t.description_index, r.ReadU32());
  }
  if (t.flags & kTfhdDefaultDuration) {
    ASSIGN_OR_RETURN(t.duration, r.ReadU32());
  }
  if (t.flags & kTfhdDefaultSize) {
    ASSIGN_OR_RETURN(t.size, r.ReadU32());
  }
  if (t.flags & kTfhdDefaultFlags) {
    ASSIGN_OR_RETURN(t.sample_flags, r.ReadU32());
  }
  return t;
}

void WriteTfhd(bmff::BoxWriter& w, const Tfhd& t) {
  w.BeginFullBox("tfhd", 0, t.flags);
  w.WriteU32(t.track_id);
  if (t.flags & kTfhdDescriptionIndex) w.WriteU32(t.description_index);
  if (t.flags & kTfhdDefaultDuration) w.WriteU32(t.duration);
  if (t.flags & kTfhdDefaultSize) w.WriteU32(t.size);
  if (t.flags & kTfhdDefaultFlags) w.WriteU32(t.sample_flags);
  w.EndBox();
}

struct Trun {
  int32_t data_offset = 0;
  std::vector<uint32_t> sizes;
};

StatusOr<Trun> ParseTrun(bmff::ByteSpan payload, uint32_t default_size) {
  bmff::BoxReader r(payload);
  RETURN_IF_ERROR(r.Skip(1));
  ASSIGN_OR_RETURN(uint32_t flags, r.ReadU24());
  ASSIGN_OR_RETURN(uint32_t count, r.ReadU32());
  if (!(flags & kTrunDataOffset)) return InvalidArgument("cenc: trun without data_offset is not supported");
  ASSIGN_OR_RETURN(uint32_t offset, r.ReadU32());
  if (flags & kTrunFirstFlags) RETURN_IF_ERROR(r.Skip(4));
  const size_t per_sample = 4 * (((flags & kTrunDuration) != 0) + ((flags & kTrunSize) != 0) +
                                 ((flags & kTrunFlags) != 0) + ((flags & kTrunCto) != 0));
  if (per_sample > 0 && count > r.remaining() / per_sample) return InvalidArgument("cenc: trun sample count past its end");
  Trun t;
  t.data_offset = static_cast<int32_t>(offset);
  for (uint32_t i = 0; i < count; ++i) {
    if (flags & kTrunDuration) RETURN_IF_ERROR(r.Skip(4));
    uint32_t size = default_size;
    if (flags & kTrunSize) {
      ASSIGN_OR_RETURN(size, r.ReadU32());
    }
    if (flags & kTrunFlags) RETURN_IF_ERROR(r.Skip(4));
    if (flags & kTrunCto) RETURN_IF_ERROR(r.Skip(4));
    t.sizes.push_back(size);
  }
  return t;
}

// The boxes of one moof that matter here, as spans into the segment.
struct MoofParts {
  bmff::ByteSpan mfhd;  // whole box
  Tfhd tfhd;
  std::vector<bmff::ByteSpan> before_trun;  // whole boxes between tfhd and trun (tfdt)
  bmff::ByteSpan trun;                       // whole box
  Trun run;
};

StatusOr<bmff::Box> OnlyChild(const std::vector<bmff::Box>& boxes, std::string_view type) {
  const bmff::Box* found = nullptr;
  for (const bmff::Box& b : boxes) {
    if (b.type != type) continue;
    if (found) return InvalidArgument("cenc: more than one " + std::string(type) + " in a fragment");
    found = &b;
  }
  if (!found) return InvalidArgument("cenc: fragment has no " + std::string(type));
  return *found;
}

StatusOr<MoofParts> ParseMoof(const bmff::Box& moof, const TrackInfo& track) {
  ASSIGN_OR_RETURN(std::vector<bmff::Box> children, bmff::ReadBoxes(moof.payload));
  MoofParts p;
  ASSIGN_OR_RETURN(bmff::Box mfhd, OnlyChild(children, "mfhd"));
  p.mfhd = moof.payload.subspan(mfhd.offset, mfhd.size);
  ASSIGN_OR_RETURN(bmff::Box traf, OnlyChild(children, "traf"));
  ASSIGN_OR_RETURN(std::vector<bmff::Box> traf_children, bmff::ReadBoxes(traf.payload));
  for (const bmff::Box& b : traf_children) {
    bmff::ByteSpan whole = traf.payload.subspan(b.offset, b.size);
    if (b.type == "tfhd") {
      ASSIGN_OR_RETURN(p.tfhd, ParseTfhd(b.payload));
    } else if (b.type == "trun") {
      if (!p.trun.empty()) return InvalidArgument("cenc: more than one trun in a traf");
      p.trun = whole;
      const uint32_t size = (p.tfhd.flags & kTfhdDefaultSize) ? p.tfhd.size : track.trex_default_sample_size;
      ASSIGN_OR_RETURN(p.run, ParseTrun(b.payload, size));
    } else if (b.type == "senc" || b.type == "saiz" || b.type == "saio") {
      return InvalidArgument("cenc: fragment is already encrypted");
    } else {
      p.before_trun.push_back(whole);
    }
  }
  if (p.tfhd.track_id != track.track_id) return InvalidArgument("cenc: fragment of another track");
  if (p.trun.empty()) return InvalidArgument("cenc: traf has no trun");
  if (children.size() != 2) return InvalidArgument("cenc: moof holds more than mfhd and one traf");
  return p;
}

}  // namespace

StatusOr<FragmentEncryptor> FragmentEncryptor::Create(bmff::ByteSpan clear_init, TrackKeying keying) {
  FragmentEncryptor e;
  ASSIGN_OR_RETURN(e.track_, ReadTrackInfo(clear_init));
  ASSIGN_OR_RETURN(e.mapper_, MakeSampleMapper(e.track_, keying.scheme));
  e.pattern_ = PatternFor(e.track_, keying.scheme);
  if (keying.scheme == Scheme::kCbcs) {
    Bytes message;
    Field(message, std::string_view("vtp cbcs constant iv"));
    Field(message, keying.iv_salt);
    const auto digest = Mac(keying.key, message);
    e.constant_iv_.assign(digest.begin(), digest.begin() + 16);
  }
  e.keying_ = std::move(keying);
  e.clear_init_.assign(clear_init.begin(), clear_init.end());
  return e;
}

TrackEncryption FragmentEncryptor::Tenc() const {
  TrackEncryption t;
  t.default_kid = keying_.kid;
  if (keying_.scheme == Scheme::kCbcs) {
    t.version = 1;
    t.pattern = pattern_;
    t.per_sample_iv_size = 0;
    t.constant_iv = constant_iv_;
  }
  return t;
}

StatusOr<std::vector<uint8_t>> FragmentEncryptor::ProtectedInit() const {
  InitProtection p;
  p.sinf.scheme.scheme_type = std::string(SchemeName(keying_.scheme));
  p.sinf.track_encryption = Tenc();
  p.pssh = keying_.pssh;
  p.clear_entry = keying_.clear_segments > 0;
  return ProtectInitSegment(clear_init_, p);
}

}  // namespace vtp::cenc

namespace vtp::cenc {
namespace {

// saiz for these entries: one default size when they all agree (and it is
// not 0, which would mean "sizes follow").
SampleAuxInfoSizes SizesOf(const SampleEncryption& senc) {
  SampleAuxInfoSizes saiz;
  saiz.sample_count = static_cast<uint32_t>(senc.entries.size());
  bool same = true;
  for (size_t i = 0; i < senc.entries.size(); ++i) {
    saiz.sizes.push_back(static_cast<uint8_t>(senc.EntrySize(i)));
    same = same && saiz.sizes[i] == saiz.sizes[0];
  }
  if (same && !saiz.sizes.empty() && saiz.sizes[0] != 0) {
    saiz.default_size = saiz.sizes[0];
    saiz.sizes.clear();
  }
  return saiz;
}

// saiz gives each sample's auxiliary information size in 8 bits (14496-12
// §8.7.8), so a senc entry (IV, count, 6 bytes per subsample) must fit in
// 255 bytes. A sample with more NAL units than that allows (an encoder
// writing a slice per macroblock row, say) keeps its smallest protected
// ranges clear instead: each is merged into the clear bytes of the
// subsample after it, which leaves the other ranges, and so the block
// alignment of 'cenc' and the pattern of 'cbcs', untouched.
Status FitAuxInfoSize(std::vector<Subsample>& subs, size_t iv_size) {
  const size_t max = (255 - 2 - iv_size) / 6;
  while (subs.size() > max) {
    size_t best = subs.size();
    for (size_t i = 0; i + 1 < subs.size(); ++i) {
      const uint64_t merged = uint64_t{subs[i].clear_bytes} + subs[i].protected_bytes + subs[i + 1].clear_bytes;
      if (merged > 0xffff) continue;
      if (best == subs.size() || subs[i].protected_bytes < subs[best].protected_bytes) best = i;
    }
    if (best == subs.size()) {
      return InvalidArgument("cenc: a sample of " + std::to_string(subs.size()) +
                             " subsamples does not fit a 255-byte senc entry");
    }
    subs[best + 1].clear_bytes += subs[best].clear_bytes + subs[best].protected_bytes;
    subs.erase(subs.begin() + static_cast<std::ptrdiff_t>(best));
  }
  return Status::Ok();
}

// Offset of the data_offset field within a trun box (header, version and
// flags, sample_count).
constexpr size_t kTrunDataOffsetField = 16;

}  // namespace

StatusOr<SampleEncryption> FragmentEncryptor::EncryptSamples(std::span<uint8_t> data,
                                                             const std::vector<uint32_t>& sizes,
                                                             uint32_t segment, uint32_t fragment) {
  SampleEncryption senc;
  // cbcs audio carries one all-protected subsample per sample: the aux info
  // then has a non-zero size, which every parser handles, where a constant
  // IV without subsamples would give zero-sized aux info.
  senc.use_subsamples = track_.video || keying_.scheme == Scheme::kCbcs;
  // The IVs depend on the clear samples too, so a key that protects other
  // content later (a re-encode, a key file shared by several videos) never
  // repeats a CTR keystream over different plaintext (23001-7 §9.1), while
  // the same input still gives the same output.
  Bytes message;
  Field(message, std::string_view("vtp cenc iv"));
  Field(message, keying_.iv_salt);
  Field(message, segment);
  Field(message, fragment);
  const auto content = Sha256(data);
  Field(message, std::span<const uint8_t>(content));
  const auto base = Mac(keying_.key, message);
  size_t cursor = 0;
  for (uint32_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] > data.size() - cursor) return InvalidArgument("cenc: sample " + std::to_string(i) + " runs past the mdat");
    std::span<uint8_t> sample = data.subspan(cursor, sizes[i]);
    cursor += sizes[i];
    ASSIGN_OR_RETURN(std::optional<std::vector<Subsample>> subs, mapper_->Map(sample));
    SampleEncryptionEntry entry;
    if (subs) entry.subsamples = std::move(*subs);
    if (!subs && senc.use_subsamples) entry.subsamples = {{0, sizes[i]}};
    const Bytes iv = keying_.scheme == Scheme::kCenc ? CtrIv(base, i) : constant_iv_;
    const size_t iv_bytes = keying_.scheme == Scheme::kCenc ? iv.size() : 0;
    RETURN_IF_ERROR(FitAuxInfoSize(entry.subsamples, iv_bytes));
    RETURN_IF_ERROR(EncryptSample(keying_.scheme, keying_.key, iv, entry.subsamples, pattern_, sample));
    if (keying_.scheme == Scheme::kCenc) entry.iv = iv;
    senc.entries.push_back(std::move(entry));
  }
  return senc;
}

// Clear-lead samples still pass through the mapper: VP9 and AV1 mappers
// keep reference frame state, NAL mappers in-band parameter sets.
Status FragmentEncryptor::ObserveSamples(std::span<const uint8_t> data, const std::vector<uint32_t>& sizes) {
  size_t cursor = 0;
  for (uint32_t size : sizes) {
    if (size > data.size() - cursor) return InvalidArgument("cenc: a sample runs past the mdat");
    RETURN_IF_ERROR(mapper_->Map(data.subspan(cursor, size)).status());
    cursor += size;
  }
  return Status::Ok();
}

Status FragmentEncryptor::EncryptFragment(bmff::ByteSpan moof_bytes, bmff::ByteSpan mdat_bytes,
                                          uint32_t segment, uint32_t fragment, bmff::BoxWriter& out) {
  bmff::BoxReader moof_reader(moof_bytes), mdat_reader(mdat_bytes);
  ASSIGN_OR_RETURN(bmff::Box moof, bmff::ReadBox(moof_reader));
  ASSIGN_OR_RETURN(bmff::Box mdat, bmff::ReadBox(mdat_reader));
  ASSIGN_OR_RETURN(MoofParts p, ParseMoof(moof, track_));
  const int64_t data_start = static_cast<int64_t>(moof.size + mdat.header_size);
  if (p.run.data_offset < data_start) return InvalidArgument("cenc: trun data_offset points before the mdat payload");
  Bytes data(mdat.payload.begin(), mdat.payload.end());
  const size_t skip = static_cast<size_t>(p.run.data_offset - data_start);
  if (skip > data.size()) return InvalidArgument("cenc: trun data_offset points past the mdat");
  const bool clear = segment < keying_.clear_segments;
  SampleEncryption senc;
  if (!clear) {
    ASSIGN_OR_RETURN(senc, EncryptSamples(std::span<uint8_t>(data).subspan(skip), p.run.sizes, segment, fragment));
  } else {
    RETURN_IF_ERROR(ObserveSamples(std::span<const uint8_t>(data).subspan(skip), p.run.sizes));
  }

  bmff::BoxWriter w;
  w.BeginBox("moof");
  w.WriteBytes(p.mfhd);
  w.BeginBox("traf");
  Tfhd tfhd = p.tfhd;
  if (clear) {
    tfhd.flags |= kTfhdDescriptionIndex;
    tfhd.description_index = 2;
  }
  WriteTfhd(w, tfhd);
  for (bmff::ByteSpan b : p.before_trun) w.WriteBytes(b);
  const size_t trun_at = w.size();
  w.WriteBytes(p.trun);
  size_t saio_at = 0, senc_at = 0;
  if (!clear) {
    SizesOf(senc).Write(w);
    saio_at = w.size();
    SampleAuxInfoOffsets{{0}}.Write(w);
    senc_at = w.size();
    senc.Write(w);
  }
  w.EndBox();
  w.EndBox();
  const int64_t growth = static_cast<int64_t>(w.size()) - static_cast<int64_t>(moof.size);
  w.PatchU32(trun_at + kTrunDataOffsetField, static_cast<uint32_t>(p.run.data_offset + growth));
  if (!clear) {
    w.PatchU32(saio_at + SampleAuxInfoOffsets::kFirstOffsetOffset,
               static_cast<uint32_t>(senc_at + SampleEncryption::kFirstEntryOffset));
  }
  ASSIGN_OR_RETURN(Bytes new_moof, std::move(w).Finish());
  out.WriteBytes(new_moof);
  out.WriteBytes(mdat_bytes.subspan(0, mdat.header_size));
  out.WriteBytes(data);
  return Status::Ok();
}

StatusOr<std::vector<uint8_t>> FragmentEncryptor::EncryptSegment(bmff::ByteSpan segment,
                                                                 uint32_t segment_number) {
  ASSIGN_OR_RETURN(std::vector<bmff::Box> boxes, bmff::ReadBoxes(segment));
  bmff::BoxWriter out;
  uint32_t fragment = 0;
  for (size_t i = 0; i < boxes.size(); ++i) {
    const bmff::Box& b = boxes[i];
    bmff::ByteSpan whole = segment.subspan(b.offset, b.size);
    if (b.type == "sidx") return InvalidArgument("cenc: segments with sidx are not supported");
    if (b.type == "mdat") return InvalidArgument("cenc: mdat without a moof before it");
    if (b.type != "moof") {
      out.WriteBytes(whole);
      continue;
    }
    if (i + 1 >= boxes.size() || boxes[i + 1].type != "mdat") {
      return InvalidArgument("cenc: moof not followed by its mdat");
    }
    const bmff::Box& mdat = boxes[i + 1];
    RETURN_IF_ERROR(EncryptFragment(whole, segment.subspan(mdat.offset, mdat.size), segment_number,
                                    fragment++, out));
    ++i;
  }
  if (fragment == 0) return InvalidArgument("cenc: segment has no moof");
  return std::move(out).Finish();
}

}  // namespace vtp::cenc
