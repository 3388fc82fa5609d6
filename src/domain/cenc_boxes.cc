#include "domain/cenc_boxes.h"

#include <algorithm>

namespace vtp::cenc {
namespace {

struct FullBoxHeader {
  uint8_t version = 0;
  uint32_t flags = 0;
};

StatusOr<FullBoxHeader> ReadFullBoxHeader(bmff::BoxReader& r) {
  ASSIGN_OR_RETURN(uint8_t version, r.ReadU8());
  ASSIGN_OR_RETURN(uint32_t flags, r.ReadU24());
  return FullBoxHeader{version, flags};
}

template <size_t N>
StatusOr<std::array<uint8_t, N>> ReadArray(bmff::BoxReader& r) {
  ASSIGN_OR_RETURN(bmff::ByteSpan b, r.ReadBytes(N));
  std::array<uint8_t, N> out{};
  std::copy(b.begin(), b.end(), out.begin());
  return out;
}

StatusOr<std::vector<uint8_t>> ReadVector(bmff::BoxReader& r, size_t n) {
  ASSIGN_OR_RETURN(bmff::ByteSpan b, r.ReadBytes(n));
  return std::vector<uint8_t>(b.begin(), b.end());
}

Status ExpectEnd(const bmff::BoxReader& r, std::string_view box) {
  if (r.remaining() != 0) {
    return InvalidArgument(std::string(box) + ": " + std::to_string(r.remaining()) +
                           " unexpected trailing bytes");
  }
  return Status::Ok();
}

bool ValidIvSize(size_t n) { return n == 0 || n == 8 || n == 16; }

// More samples than any fragment holds (hours of video at 60 fps).
constexpr uint32_t kMaxEmptyEntries = 1u << 20;

}  // namespace

void ProtectionSystemHeader::Write(bmff::BoxWriter& w) const {
  w.BeginFullBox("pssh", kids.empty() ? 0 : 1, 0);
  w.WriteBytes(system_id);
  if (!kids.empty()) {
    w.WriteU32(static_cast<uint32_t>(kids.size()));
    for (const Kid& kid : kids) w.WriteBytes(kid);
  }
  w.WriteU32(static_cast<uint32_t>(data.size()));
  w.WriteBytes(data);
  w.EndBox();
}

StatusOr<ProtectionSystemHeader> ProtectionSystemHeader::Parse(bmff::ByteSpan payload) {
  bmff::BoxReader r(payload);
  ASSIGN_OR_RETURN(FullBoxHeader h, ReadFullBoxHeader(r));
  if (h.version > 1) return InvalidArgument("pssh: version " + std::to_string(h.version));
  ProtectionSystemHeader out;
  ASSIGN_OR_RETURN(out.system_id, ReadArray<16>(r));
  if (h.version == 1) {
    ASSIGN_OR_RETURN(uint32_t count, r.ReadU32());
    if (count == 0 || count > r.remaining() / 16) return InvalidArgument("pssh: bad KID count");
    for (uint32_t i = 0; i < count; ++i) {
      ASSIGN_OR_RETURN(Kid kid, ReadArray<16>(r));
      out.kids.push_back(kid);
    }
  }
  ASSIGN_OR_RETURN(uint32_t size, r.ReadU32());
  ASSIGN_OR_RETURN(out.data, ReadVector(r, size));
  RETURN_IF_ERROR(ExpectEnd(r, "pssh"));
  return out;
}

void TrackEncryption::Write(bmff::BoxWriter& w) const {
  w.BeginFullBox("tenc", version, 0);
  w.WriteU8(0);  // reserved
  w.WriteU8(version == 0 ? 0
                         : static_cast<uint8_t>((pattern.crypt_blocks << 4) |
                                                (pattern.skip_blocks & 0x0f)));
  w.WriteU8(is_protected ? 1 : 0);
  w.WriteU8(per_sample_iv_size);
  w.WriteBytes(default_kid);
  if (is_protected && per_sample_iv_size == 0) {
    w.WriteU8(static_cast<uint8_t>(constant_iv.size()));
    w.WriteBytes(constant_iv);
  }
  w.EndBox();
}

StatusOr<TrackEncryption> TrackEncryption::Parse(bmff::ByteSpan payload) {
  bmff::BoxReader r(payload);
  ASSIGN_OR_RETURN(FullBoxHeader h, ReadFullBoxHeader(r));
  if (h.version > 1) return InvalidArgument("tenc: version " + std::to_string(h.version));
  TrackEncryption out;
  out.version = h.version;
  RETURN_IF_ERROR(r.Skip(1));
  ASSIGN_OR_RETURN(uint8_t pattern, r.ReadU8());
  if (h.version == 1) out.pattern = {static_cast<uint8_t>(pattern >> 4), static_cast<uint8_t>(pattern & 0x0f)};
  ASSIGN_OR_RETURN(uint8_t is_protected, r.ReadU8());
  if (is_protected > 1) return InvalidArgument("tenc: default_isProtected " + std::to_string(is_protected));
  out.is_protected = is_protected == 1;
  ASSIGN_OR_RETURN(out.per_sample_iv_size, r.ReadU8());
  if (!ValidIvSize(out.per_sample_iv_size)) return InvalidArgument("tenc: per-sample IV size " + std::to_string(out.per_sample_iv_size));
  ASSIGN_OR_RETURN(out.default_kid, ReadArray<16>(r));
  if (out.is_protected && out.per_sample_iv_size == 0) {
    ASSIGN_OR_RETURN(uint8_t n, r.ReadU8());
    if (n != 8 && n != 16) return InvalidArgument("tenc: constant IV size " + std::to_string(n));
    ASSIGN_OR_RETURN(out.constant_iv, ReadVector(r, n));
  }
  RETURN_IF_ERROR(ExpectEnd(r, "tenc"));
  return out;
}

void SampleEncryption::Write(bmff::BoxWriter& w) const {
  w.BeginFullBox("senc", 0, use_subsamples ? 0x2 : 0);
  w.WriteU32(static_cast<uint32_t>(entries.size()));
  for (const SampleEncryptionEntry& e : entries) {
    w.WriteBytes(e.iv);
    if (!use_subsamples) continue;
    w.WriteU16(static_cast<uint16_t>(e.subsamples.size()));
    for (const Subsample& s : e.subsamples) {
      w.WriteU16(static_cast<uint16_t>(s.clear_bytes));
      w.WriteU32(s.protected_bytes);
    }
  }
  w.EndBox();
}

StatusOr<SampleEncryption> SampleEncryption::Parse(bmff::ByteSpan payload, uint8_t iv_size) {
  if (!ValidIvSize(iv_size)) return InvalidArgument("senc: IV size " + std::to_string(iv_size));
  bmff::BoxReader r(payload);
  ASSIGN_OR_RETURN(FullBoxHeader h, ReadFullBoxHeader(r));
  if (h.version != 0 || (h.flags & ~0x2u) != 0) return InvalidArgument("senc: unsupported version/flags");
  SampleEncryption out;
  out.use_subsamples = (h.flags & 0x2) != 0;
  ASSIGN_OR_RETURN(uint32_t count, r.ReadU32());
  const size_t min_entry = iv_size + (out.use_subsamples ? 2 : 0);
  if (min_entry > 0 && count > r.remaining() / min_entry) return InvalidArgument("senc: sample count past the end");
  // Empty entries (constant IV, no subsamples) cannot be checked against
  // the payload; bound them so a lying count cannot allocate gigabytes.
  if (min_entry == 0 && count > kMaxEmptyEntries) {
    return InvalidArgument("senc: sample count " + std::to_string(count) + " of empty entries is implausible");
  }
  for (uint32_t i = 0; i < count; ++i) {
    SampleEncryptionEntry e;
    ASSIGN_OR_RETURN(e.iv, ReadVector(r, iv_size));
    if (out.use_subsamples) {
      ASSIGN_OR_RETURN(uint16_t n, r.ReadU16());
      for (uint16_t k = 0; k < n; ++k) {
        ASSIGN_OR_RETURN(uint16_t clear, r.ReadU16());
        ASSIGN_OR_RETURN(uint32_t prot, r.ReadU32());
        e.subsamples.push_back({clear, prot});
      }
    }
    out.entries.push_back(std::move(e));
  }
  RETURN_IF_ERROR(ExpectEnd(r, "senc"));
  return out;
}

size_t SampleEncryption::EntrySize(size_t i) const {
  const SampleEncryptionEntry& e = entries.at(i);
  return e.iv.size() + (use_subsamples ? 2 + 6 * e.subsamples.size() : 0);
}

void SampleAuxInfoSizes::Write(bmff::BoxWriter& w) const {
  w.BeginFullBox("saiz", 0, 0);
  w.WriteU8(default_size);
  w.WriteU32(sample_count);
  if (default_size == 0) w.WriteBytes(sizes);
  w.EndBox();
}

StatusOr<SampleAuxInfoSizes> SampleAuxInfoSizes::Parse(bmff::ByteSpan payload) {
  bmff::BoxReader r(payload);
  ASSIGN_OR_RETURN(FullBoxHeader h, ReadFullBoxHeader(r));
  if (h.version != 0) return InvalidArgument("saiz: version " + std::to_string(h.version));
  if (h.flags & 1) RETURN_IF_ERROR(r.Skip(8));  // aux_info_type + parameter
  SampleAuxInfoSizes out;
  ASSIGN_OR_RETURN(out.default_size, r.ReadU8());
  ASSIGN_OR_RETURN(out.sample_count, r.ReadU32());
  if (out.default_size == 0) {
    ASSIGN_OR_RETURN(out.sizes, ReadVector(r, out.sample_count));
  }
  RETURN_IF_ERROR(ExpectEnd(r, "saiz"));
  return out;
}

void SampleAuxInfoOffsets::Write(bmff::BoxWriter& w) const {
  w.BeginFullBox("saio", 0, 0);
  w.WriteU32(static_cast<uint32_t>(offsets.size()));
  for (uint32_t o : offsets) w.WriteU32(o);
  w.EndBox();
}

StatusOr<SampleAuxInfoOffsets> SampleAuxInfoOffsets::Parse(bmff::ByteSpan payload) {
  bmff::BoxReader r(payload);
  ASSIGN_OR_RETURN(FullBoxHeader h, ReadFullBoxHeader(r));
  if (h.version > 1) return InvalidArgument("saio: version " + std::to_string(h.version));
  if (h.flags & 1) RETURN_IF_ERROR(r.Skip(8));
  ASSIGN_OR_RETURN(uint32_t count, r.ReadU32());
  const size_t width = h.version == 0 ? 4 : 8;
  if (count > r.remaining() / width) return InvalidArgument("saio: entry count past the end");
  SampleAuxInfoOffsets out;
  for (uint32_t i = 0; i < count; ++i) {
    if (h.version == 0) {
      ASSIGN_OR_RETURN(uint32_t o, r.ReadU32());
      out.offsets.push_back(o);
    } else {
      ASSIGN_OR_RETURN(uint64_t o, r.ReadU64());
      if (o > UINT32_MAX) return InvalidArgument("saio: 64-bit offset out of range");
      out.offsets.push_back(static_cast<uint32_t>(o));
    }
  }
  RETURN_IF_ERROR(ExpectEnd(r, "saio"));
  return out;
}

void SchemeType::Write(bmff::BoxWriter& w) const {
  w.BeginFullBox("schm", 0, 0);
  w.WriteFourCC(scheme_type);
  w.WriteU32(scheme_version);
  w.EndBox();
}

StatusOr<SchemeType> SchemeType::Parse(bmff::ByteSpan payload) {
  bmff::BoxReader r(payload);
  ASSIGN_OR_RETURN(FullBoxHeader h, ReadFullBoxHeader(r));
  if (h.version != 0 || h.flags != 0) return InvalidArgument("schm: unsupported version/flags (scheme URI)");
  SchemeType out;
  ASSIGN_OR_RETURN(out.scheme_type, r.ReadFourCC());
  ASSIGN_OR_RETURN(out.scheme_version, r.ReadU32());
  RETURN_IF_ERROR(ExpectEnd(r, "schm"));
  return out;
}

void OriginalFormat::Write(bmff::BoxWriter& w) const {
  w.BeginBox("frma");
  w.WriteFourCC(format);
  w.EndBox();
}

StatusOr<OriginalFormat> OriginalFormat::Parse(bmff::ByteSpan payload) {
  bmff::BoxReader r(payload);
  OriginalFormat out;
  ASSIGN_OR_RETURN(out.format, r.ReadFourCC());
  RETURN_IF_ERROR(ExpectEnd(r, "frma"));
  return out;
}

void ProtectionSchemeInfo::Write(bmff::BoxWriter& w) const {
  w.BeginBox("sinf");
  original_format.Write(w);
  scheme.Write(w);
  w.BeginBox("schi");
  track_encryption.Write(w);
  w.EndBox();
  w.EndBox();
}

StatusOr<ProtectionSchemeInfo> ProtectionSchemeInfo::Parse(bmff::ByteSpan payload) {
  // Exactly what Write() produces, so that a missing child is an invalid
  // box (not kNotFound) and nothing after schi or tenc goes unread.
  ASSIGN_OR_RETURN(std::vector<bmff::Box> children, bmff::ReadBoxes(payload));
  std::string types;
  for (const bmff::Box& b : children) types += " " + b.type;
  if (children.size() != 3 || children[0].type != "frma" || children[1].type != "schm" ||
      children[2].type != "schi") {
    return InvalidArgument("sinf: children are [" + types + " ], want [ frma schm schi ]");
  }
  ProtectionSchemeInfo out;
  ASSIGN_OR_RETURN(out.original_format, OriginalFormat::Parse(children[0].payload));
  ASSIGN_OR_RETURN(out.scheme, SchemeType::Parse(children[1].payload));
  ASSIGN_OR_RETURN(std::vector<bmff::Box> schi, bmff::ReadBoxes(children[2].payload));
  if (schi.size() != 1 || schi[0].type != "tenc") return InvalidArgument("sinf: schi must hold one tenc and nothing else");
  ASSIGN_OR_RETURN(out.track_encryption, TrackEncryption::Parse(schi[0].payload));
  return out;
}

}  // namespace vtp::cenc
