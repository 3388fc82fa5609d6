#include "domain/cenc_nal_subsamples.h"

#include <string>

#include "domain/bmff.h"

namespace vtp::cenc {
namespace {

constexpr uint32_t kMaxClearPerEntry = 65535;  // senc BytesOfClearData is 16 bits
constexpr size_t kMinProtected = 16;

constexpr uint32_t kAvcSps = 7;
constexpr uint32_t kAvcPps = 8;
constexpr uint32_t kHevcSps = 33;
constexpr uint32_t kHevcPps = 34;

// Appends {clear, protected}, first splitting a clear run that does not fit
// the 16-bit senc field into {65535, 0} entries (23001-7 §7.2.2).
void Emit(uint64_t clear, uint32_t protected_bytes, std::vector<Subsample>& out) {
  while (clear > kMaxClearPerEntry) {
    out.push_back({kMaxClearPerEntry, 0});
    clear -= kMaxClearPerEntry;
  }
  out.push_back({static_cast<uint32_t>(clear), protected_bytes});
}

// numOfSequenceParameterSets / numOfPictureParameterSets style lists of
// u16-length-prefixed NAL units, fed to `learn`.
template <typename Learn>
Status ReadNalList(bmff::BoxReader& r, uint32_t count, Learn&& learn) {
  for (uint32_t i = 0; i < count; ++i) {
    ASSIGN_OR_RETURN(const uint16_t len, r.ReadU16());
    ASSIGN_OR_RETURN(const bmff::ByteSpan nal, r.ReadBytes(len));
    RETURN_IF_ERROR(learn(nal));
  }
  return Status::Ok();
}

}  // namespace

StatusOr<NalSubsampler> NalSubsampler::ForAvc(std::span<const uint8_t> avcc_payload) {
  bmff::BoxReader r(avcc_payload);
  ASSIGN_OR_RETURN(const uint8_t version, r.ReadU8());
  if (version != 1) return InvalidArgument("avcC: configurationVersion is not 1");
  RETURN_IF_ERROR(r.Skip(3));  // profile, compatibility, level
  ASSIGN_OR_RETURN(const uint8_t length_byte, r.ReadU8());
  const int length_size = (length_byte & 3) + 1;
  if (length_size == 3) return InvalidArgument("avcC: lengthSizeMinusOne of 2 is invalid");
  NalSubsampler out(Codec::kAvc, length_size);
  auto learn = [&out](bmff::ByteSpan nal) { return out.Inspect(nal).status(); };
  ASSIGN_OR_RETURN(const uint8_t sps_count, r.ReadU8());
  RETURN_IF_ERROR(ReadNalList(r, sps_count & 0x1f, learn));
  ASSIGN_OR_RETURN(const uint8_t pps_count, r.ReadU8());
  RETURN_IF_ERROR(ReadNalList(r, pps_count, learn));
  return out;
}

StatusOr<NalSubsampler> NalSubsampler::ForHevc(std::span<const uint8_t> hvcc_payload) {
  bmff::BoxReader r(hvcc_payload);
  ASSIGN_OR_RETURN(const uint8_t version, r.ReadU8());
  if (version != 1) return InvalidArgument("hvcC: configurationVersion is not 1");
  RETURN_IF_ERROR(r.Skip(20));  // profile_tier_level .. avgFrameRate
  ASSIGN_OR_RETURN(const uint8_t length_byte, r.ReadU8());
  const int length_size = (length_byte & 3) + 1;
  if (length_size == 3) return InvalidArgument("hvcC: lengthSizeMinusOne of 2 is invalid");
  NalSubsampler out(Codec::kHevc, length_size);
  auto learn = [&out](bmff::ByteSpan nal) { return out.Inspect(nal).status(); };
  ASSIGN_OR_RETURN(const uint8_t arrays, r.ReadU8());
  for (uint8_t i = 0; i < arrays; ++i) {
    RETURN_IF_ERROR(r.Skip(1));  // array_completeness, NAL_unit_type
    ASSIGN_OR_RETURN(const uint16_t count, r.ReadU16());
    RETURN_IF_ERROR(ReadNalList(r, count, learn));
  }
  return out;
}

StatusOr<bool> NalSubsampler::Inspect(std::span<const uint8_t> nal) {
  if (nal.empty()) return false;
  if (codec_ == Codec::kAvc) {
    const uint32_t type = nal[0] & 0x1f;
    if (type == kAvcSps) RETURN_IF_ERROR(avc_.AddSps(nal));
    if (type == kAvcPps) RETURN_IF_ERROR(avc_.AddPps(nal));
    return type >= 1 && type <= 5;
  }
  const uint32_t type = (nal[0] >> 1) & 0x3f;
  if (type == kHevcSps) RETURN_IF_ERROR(hevc_.AddSps(nal));
  if (type == kHevcPps) RETURN_IF_ERROR(hevc_.AddPps(nal));
  return type <= 31;
}

StatusOr<size_t> NalSubsampler::SliceHeaderSize(std::span<const uint8_t> nal) const {
  return codec_ == Codec::kAvc ? avc_.HeaderSize(nal) : hevc_.HeaderSize(nal);
}

StatusOr<std::vector<Subsample>> NalSubsampler::Map(std::span<const uint8_t> sample,
                                                    Scheme scheme) {
  std::vector<Subsample> out;
  uint64_t clear = 0;  // clear bytes not yet emitted
  size_t pos = 0;
  const size_t prefix = static_cast<size_t>(nal_length_size_);
  for (int index = 0; pos < sample.size(); ++index) {
    const std::string where = "NAL unit " + std::to_string(index) + " at byte " + std::to_string(pos);
    if (sample.size() - pos < prefix) return InvalidArgument(where + ": truncated length prefix");
    uint64_t len = 0;
    for (size_t i = 0; i < prefix; ++i) len = (len << 8) | sample[pos + i];
    if (len > sample.size() - pos - prefix) {
      return InvalidArgument(where + ": length " + std::to_string(len) + " runs past the sample end");
    }
    const std::span<const uint8_t> nal = sample.subspan(pos + prefix, static_cast<size_t>(len));
    pos += prefix + static_cast<size_t>(len);
    auto is_slice = Inspect(nal);
    if (!is_slice.ok()) return is_slice.status().WithContext(where);
    if (!*is_slice) {
      clear += prefix + len;
      continue;
    }
    auto header = SliceHeaderSize(nal);
    if (!header.ok()) return header.status().WithContext(where);
    size_t protected_bytes = nal.size() - *header;
    // 23001-7 §10.1: cenc protected ranges of video are whole blocks.
    if (scheme == Scheme::kCenc) protected_bytes -= protected_bytes % 16;
    if (protected_bytes < kMinProtected) {
      clear += prefix + len;
      continue;
    }
    clear += prefix + len - protected_bytes;
    Emit(clear, static_cast<uint32_t>(protected_bytes), out);
    clear = 0;
  }
  if (clear > 0) Emit(clear, 0, out);
  return out;
}

}  // namespace vtp::cenc
