// Codec-aware subsample maps for Common Encryption of H.264 and H.265
// video (ISO/IEC 23001-7 §10.2, ISO/IEC 14496-15 length-prefixed samples as
// in an fMP4 mdat). Pure: bytes in, a subsample list out.
//
// Rules (the same as Apple's SAMPLE-AES/cbcs video guidance):
//  * Non-VCL NAL units (parameter sets, SEI, AUD, ...) are entirely clear.
//  * Of each coded slice NAL unit (H.264 nal_unit_type 1..5, H.265 0..31)
//    the length prefix, the NAL unit header and the whole slice header are
//    clear; the protected range starts at the first on-wire byte after the
//    slice header (after cabac_alignment_one_bit / byte_alignment(); under
//    H.264 CAVLC, the byte holding the header's last bit stays clear).
//  * kCenc: the protected range is shortened from the front to a multiple of
//    16 bytes (the remainder joins the clear part).
//    kCbcs: the protected range runs to the end of the NAL unit; the cipher
//    leaves its final partial block clear.
//  * A slice whose protected range would be shorter than 16 bytes stays
//    wholly clear.
//  * Clear bytes accumulate into the next entry's clear_bytes; a run longer
//    than 65535 bytes is split into {65535, 0} entries; the last entry may
//    be {clear, 0}. The entries tile the sample exactly; an empty sample
//    gives an empty list (which EncryptSample treats as "all protected" of
//    zero bytes: nothing happens).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"
#include "domain/cenc_types.h"
#include "domain/slice_header.h"

namespace vtp::cenc {

// Maps the samples of one video track. Keeps the track's NAL length size
// and the parameter sets seen so far, from the decoder configuration record
// and then from SPS/PPS NAL units met inside samples (which replace earlier
// sets of the same id), so samples must be mapped in decoding order.
// Not thread-safe: one instance per track; movable and copyable.
class NalSubsampler {
 public:
  // `avcc_payload` is an AVCDecoderConfigurationRecord (14496-15 §5.3.3.1):
  // the avcC box contents after its 8-byte header. Borrowed for the call.
  // A bad record, lengthSizeMinusOne == 2 or a damaged SPS/PPS in it ->
  // kInvalidArgument.
  static StatusOr<NalSubsampler> ForAvc(std::span<const uint8_t> avcc_payload);

  // `hvcc_payload` is an HEVCDecoderConfigurationRecord (14496-15 §8.3.3.1):
  // the hvcC box contents after its header. Errors as ForAvc.
  static StatusOr<NalSubsampler> ForHevc(std::span<const uint8_t> hvcc_payload);

  // The subsample map of one sample (length-prefixed NAL units). `sample`
  // is only read, during the call. A NAL length that runs past the end, a
  // damaged parameter set, or a slice whose header cannot be parsed or
  // refers to an unknown PPS/SPS -> kInvalidArgument naming the NAL unit.
  // Parameter sets read before the failing NAL unit stay learnt.
  StatusOr<std::vector<Subsample>> Map(std::span<const uint8_t> sample, Scheme scheme);

  // 1, 2 or 4.
  int nal_length_size() const { return nal_length_size_; }

 private:
  enum class Codec { kAvc, kHevc };
  NalSubsampler(Codec codec, int nal_length_size)
      : codec_(codec), nal_length_size_(nal_length_size) {}

  // Learns `nal` if it is an SPS or PPS. Returns whether it is a coded slice.
  StatusOr<bool> Inspect(std::span<const uint8_t> nal);
  StatusOr<size_t> SliceHeaderSize(std::span<const uint8_t> nal) const;

  Codec codec_;
  int nal_length_size_;
  AvcSliceHeaderParser avc_;
  HevcSliceHeaderParser hevc_;
};

}  // namespace vtp::cenc
