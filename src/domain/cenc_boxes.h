// The ISO/IEC 23001-7 (Common Encryption) and ISO/IEC 14496-12 boxes that
// protect a track, each defined once with a symmetric pair: Write() appends
// the whole box to a BoxWriter, Parse() reads it back from the box's payload
// (bmff::Box::payload, the bytes after the header). Parse(Write(x)) == x for
// every valid value; tests/domain/cenc_boxes_test.cc checks that for every
// box here. Parse bounds every read by the payload and rejects trailing or
// missing bytes with kInvalidArgument. Pure.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "domain/bmff.h"
#include "domain/bmff_writer.h"
#include "domain/cenc_types.h"

namespace vtp::cenc {

using SystemId = std::array<uint8_t, 16>;

struct ProtectionSystemHeader;  // pssh
struct TrackEncryption;         // tenc
struct SampleEncryption;        // senc
struct SampleAuxInfoSizes;      // saiz
struct SampleAuxInfoOffsets;    // saio
struct SchemeType;              // schm
struct OriginalFormat;          // frma

// pssh (23001-7 §8.1). Version 1 (with KIDs) when `kids` is non-empty,
// version 0 otherwise.
struct ProtectionSystemHeader {
  SystemId system_id{};
  std::vector<Kid> kids;
  std::vector<uint8_t> data;  // system-specific (Widevine protobuf, PlayReady object)

  void Write(bmff::BoxWriter& w) const;
  static StatusOr<ProtectionSystemHeader> Parse(bmff::ByteSpan payload);
  bool operator==(const ProtectionSystemHeader&) const = default;
};

// tenc (23001-7 §8.2). Version 1 carries a pattern (cbcs); version 0 leaves
// those bits reserved (cenc). constant_iv is written only when
// per_sample_iv_size == 0 (cbcs).
struct TrackEncryption {
  uint8_t version = 0;
  Pattern pattern;  // version 1 only
  bool is_protected = true;
  uint8_t per_sample_iv_size = 8;  // 0, 8 or 16
  Kid default_kid{};
  std::vector<uint8_t> constant_iv;  // 8 or 16 bytes when per_sample_iv_size == 0

  void Write(bmff::BoxWriter& w) const;
  static StatusOr<TrackEncryption> Parse(bmff::ByteSpan payload);
  bool operator==(const TrackEncryption&) const = default;
};

// One sample's auxiliary information (senc entry, saiz size).
struct SampleEncryptionEntry {
  std::vector<uint8_t> iv;  // per_sample_iv_size bytes; empty for constant IVs
  std::vector<Subsample> subsamples;
  bool operator==(const SampleEncryptionEntry&) const = default;
};

// senc (23001-7 §7.2). flags 0x2 (UseSubSampleEncryption) when
// use_subsamples; then every entry carries its subsample list (each
// clear_bytes must fit in 16 bits).
struct SampleEncryption {
  bool use_subsamples = false;
  std::vector<SampleEncryptionEntry> entries;

  void Write(bmff::BoxWriter& w) const;
  // The IV size is not in the box: it comes from the track's tenc. With
  // IV size 0 and no subsamples entries are empty and cannot be checked
  // against the payload; counts above 2^20 are then rejected.
  static StatusOr<SampleEncryption> Parse(bmff::ByteSpan payload, uint8_t iv_size);
  // Bytes of entry `i` as saiz counts them.
  size_t EntrySize(size_t i) const;
  // Offset of the first entry from the start of the box (for saio).
  static constexpr size_t kFirstEntryOffset = 16;  // header, version/flags, count
  bool operator==(const SampleEncryption&) const = default;
};

// saiz (14496-12 §8.7.8) for aux_info_type 'cenc' left implicit (flags 0).
// default_size != 0 means every sample has that size and `sizes` is empty.
struct SampleAuxInfoSizes {
  uint8_t default_size = 0;
  uint32_t sample_count = 0;
  std::vector<uint8_t> sizes;

  void Write(bmff::BoxWriter& w) const;
  static StatusOr<SampleAuxInfoSizes> Parse(bmff::ByteSpan payload);
  bool operator==(const SampleAuxInfoSizes&) const = default;
};

// saio (14496-12 §8.7.9), version 0 (32-bit offsets), flags 0. In a traf
// of a default-base-is-moof fragment the offsets count from the moof.
struct SampleAuxInfoOffsets {
  std::vector<uint32_t> offsets;

  void Write(bmff::BoxWriter& w) const;
  static StatusOr<SampleAuxInfoOffsets> Parse(bmff::ByteSpan payload);
  // Offset of offsets[0] from the start of the box (to patch it later).
  static constexpr size_t kFirstOffsetOffset = 16;
  bool operator==(const SampleAuxInfoOffsets&) const = default;
};

// schm (14496-12 §8.12.5) without a scheme URI.
struct SchemeType {
  std::string scheme_type = "cenc";  // "cenc" or "cbcs"
  uint32_t scheme_version = 0x00010000;

  void Write(bmff::BoxWriter& w) const;
  static StatusOr<SchemeType> Parse(bmff::ByteSpan payload);
  bool operator==(const SchemeType&) const = default;
};

// frma (14496-12 §8.12.2): the sample entry's original format.
struct OriginalFormat {
  std::string format = "avc1";

  void Write(bmff::BoxWriter& w) const;
  static StatusOr<OriginalFormat> Parse(bmff::ByteSpan payload);
  bool operator==(const OriginalFormat&) const = default;
};

// sinf (14496-12 §8.12.1) as Common Encryption fills it: frma, schm and a
// schi holding tenc. Parse accepts exactly that layout (what Write writes);
// a missing, extra or reordered child is kInvalidArgument.
struct ProtectionSchemeInfo {
  OriginalFormat original_format;
  SchemeType scheme;
  TrackEncryption track_encryption;

  void Write(bmff::BoxWriter& w) const;
  static StatusOr<ProtectionSchemeInfo> Parse(bmff::ByteSpan payload);
  bool operator==(const ProtectionSchemeInfo&) const = default;
};

}  // namespace vtp::cenc
