#include "domain/cenc_frame_subsamples.h"

#include <limits>
#include <string>
#include <utility>

#include "domain/frame_bit_reader.h"

namespace vtp::cenc {
namespace {

constexpr size_t kAesBlock = 16;
constexpr uint32_t kMaxClearPerEntry = 65535;  // senc BytesOfClearData is 16 bits

}  // namespace

// Accumulates clear bytes until a protected range closes an entry, so
// adjacent clear parts merge (23001-7 §7.2.2 entries are clear-then-
// protected).
class FrameSubsampleBuilder {
 public:
  void Clear(size_t n) { clear_ += n; }
  // A protected range; its bytes past the last whole 16-byte block become
  // clear bytes in front of it, as both bindings ask for block-aligned
  // protected ranges.
  void ProtectAligned(size_t n) {
    const size_t partial = n % kAesBlock;
    clear_ += partial;
    if (n - partial > 0) Emit(n - partial);
  }
  std::vector<Subsample> Finish() && {
    if (clear_ > 0 || out_.empty()) Emit(0);
    return std::move(out_);
  }

 private:
  void Emit(size_t protected_bytes) {
    while (clear_ > kMaxClearPerEntry) {
      out_.push_back({kMaxClearPerEntry, 0});
      clear_ -= kMaxClearPerEntry;
    }
    out_.push_back({static_cast<uint32_t>(clear_), static_cast<uint32_t>(protected_bytes)});
    clear_ = 0;
  }

  std::vector<Subsample> out_;
  size_t clear_ = 0;
};

namespace {

Status CheckSample(std::span<const uint8_t> sample, Scheme scheme) {
  if (scheme != Scheme::kCenc && scheme != Scheme::kCbcs) {
    return InvalidArgument("unknown protection scheme");
  }
  if (sample.empty()) return InvalidArgument("empty sample");
  if (sample.size() > std::numeric_limits<uint32_t>::max()) {
    return InvalidArgument("sample larger than 4 GiB");
  }
  return Status::Ok();
}

// ------------------------------------------------------------------ VP9 --

struct Superframe {
  std::vector<std::span<const uint8_t>> frames;
  size_t index_size = 0;  // 0 when the sample is a single frame
};

// superframe_index(), VP9 spec Annex B.3: the last byte is a marker
// 0b110 + 2 bits bytes_per_framesize_minus_1 + 3 bits frames_minus_1, and
// the index's first byte repeats it. Without a matching pair the sample is
// one frame.
StatusOr<Superframe> SplitSuperframe(std::span<const uint8_t> sample) {
  const uint8_t marker = sample.back();
  Superframe sf;
  const size_t bytes_per_size = ((marker >> 3) & 3u) + 1;
  const size_t frames = (marker & 7u) + 1;
  const size_t index_size = 2 + bytes_per_size * frames;
  if ((marker & 0xe0) != 0xc0 || index_size > sample.size() ||
      sample[sample.size() - index_size] != marker) {
    sf.frames.push_back(sample);
    return sf;
  }
  sf.index_size = index_size;
  size_t index = sample.size() - index_size + 1;
  size_t offset = 0;
  for (size_t i = 0; i < frames; ++i) {
    size_t size = 0;
    for (size_t b = 0; b < bytes_per_size; ++b) size |= size_t{sample[index++]} << (8 * b);
    if (size == 0) return InvalidArgument("VP9: superframe index lists an empty frame");
    if (size > sample.size() - index_size - offset) {
      return InvalidArgument("VP9: superframe index frame sizes exceed the sample");
    }
    sf.frames.push_back(sample.subspan(offset, size));
    offset += size;
  }
  if (offset != sample.size() - index_size) {
    return InvalidArgument("VP9: superframe frame sizes (" + std::to_string(offset) +
                           " bytes) do not cover the data before the index");
  }
  return sf;
}

// ------------------------------------------------------------------ AV1 --

// OBU types, AV1 spec §6.2.2.
constexpr int kObuSequenceHeader = 1;
constexpr int kObuTemporalDelimiter = 2;
constexpr int kObuFrameHeader = 3;
constexpr int kObuTileGroup = 4;
constexpr int kObuFrame = 6;
constexpr int kObuRedundantFrameHeader = 7;
constexpr int kObuTileList = 8;

struct Obu {
  int type = 0;
  int temporal_id = 0;
  int spatial_id = 0;
  size_t header_size = 0;  // obu_header(), extension and size field
  std::span<const uint8_t> payload;
};

// obu_header() and leb128() obu_size, §5.3.1-5.3.3, §4.10.5. An OBU
// without obu_size runs to the end of the sample.
StatusOr<Obu> ReadObu(std::span<const uint8_t> data) {
  Obu obu;
  const uint8_t header = data[0];
  if (header & 0x80) return InvalidArgument("AV1: obu_forbidden_bit is set");
  obu.type = (header >> 3) & 0x0f;
  size_t pos = 1;
  if (header & 0x04) {  // obu_extension_flag
    if (data.size() < 2) return InvalidArgument("AV1: truncated OBU extension header");
    obu.temporal_id = data[1] >> 5;
    obu.spatial_id = (data[1] >> 3) & 3;
    pos = 2;
  }
  size_t size = data.size() - pos;
  if (header & 0x02) {  // obu_has_size_field
    uint64_t value = 0;
    for (int i = 0;; ++i) {
      if (i == 8) return InvalidArgument("AV1: leb128 obu_size longer than 8 bytes");
      if (pos >= data.size()) return InvalidArgument("AV1: truncated obu_size");
      const uint8_t byte = data[pos++];
      value |= uint64_t{byte & 0x7fu} << (7 * i);
      if (!(byte & 0x80)) break;
    }
    if (value > data.size() - pos) {
      return InvalidArgument("AV1: obu_size " + std::to_string(value) +
                             " runs past the end of the sample");
    }
    size = static_cast<size_t>(value);
  }
  obu.header_size = pos;
  obu.payload = data.subspan(pos, size);
  return obu;
}

// tile_group_obu(sz), §5.11.1: the header and every tile_size_minus_1 are
// clear; each tile's data is a protected range. Returns the last tile
// number, so the caller knows when the frame's tiles are complete.
StatusOr<int> MapTileGroup(std::span<const uint8_t> data, const Av1TileLayout& tiles,
                           int next_tile, FrameSubsampleBuilder& out) {
  FrameBitReader br(data);
  const int num_tiles = tiles.num_tiles();
  int tg_start = 0;
  int tg_end = num_tiles - 1;
  if (num_tiles > 1 && br.Flag()) {  // tile_start_and_end_present_flag
    const int tile_bits = tiles.tile_cols_log2 + tiles.tile_rows_log2;
    tg_start = static_cast<int>(br.Bits(tile_bits));
    tg_end = static_cast<int>(br.Bits(tile_bits));
  }
  br.AlignToByte();
  if (br.overrun()) return InvalidArgument("AV1: truncated tile group header");
  if (tg_start != next_tile || tg_end < tg_start || tg_end >= num_tiles) {
    return InvalidArgument("AV1: tile group covers tiles " + std::to_string(tg_start) + ".." +
                           std::to_string(tg_end) + ", expected to start at " +
                           std::to_string(next_tile) + " of " + std::to_string(num_tiles));
  }
  size_t pos = br.byte_position();
  out.Clear(pos);
  const size_t size_bytes = static_cast<size_t>(tiles.tile_size_bytes);
  for (int tile = tg_start; tile <= tg_end; ++tile) {
    size_t tile_size = data.size() - pos;
    if (tile != tg_end) {
      if (size_bytes > data.size() - pos) return InvalidArgument("AV1: truncated tile_size_minus_1");
      tile_size = 1;
      for (size_t b = 0; b < size_bytes; ++b) tile_size += size_t{data[pos + b]} << (8 * b);
      pos += size_bytes;
      out.Clear(size_bytes);
      if (tile_size > data.size() - pos) {
        return InvalidArgument("AV1: tile " + std::to_string(tile) + " of " +
                               std::to_string(tile_size) + " bytes runs past its OBU");
      }
    } else if (tile_size == 0) {
      return InvalidArgument("AV1: last tile of a tile group has no data");
    }
    out.ProtectAligned(tile_size);
    pos += tile_size;
  }
  return tg_end;
}

}  // namespace

StatusOr<std::vector<Subsample>> Vp9Subsampler::Map(std::span<const uint8_t> sample,
                                                    Scheme scheme) {
  RETURN_IF_ERROR(CheckSample(sample, scheme));
  ASSIGN_OR_RETURN(Superframe sf, SplitSuperframe(sample));
  Vp9HeaderParser parser = parser_;
  FrameSubsampleBuilder out;
  for (size_t i = 0; i < sf.frames.size(); ++i) {
    const std::span<const uint8_t> frame = sf.frames[i];
    auto layout = parser.Parse(frame);
    if (!layout.ok()) {
      return layout.status().WithContext("frame " + std::to_string(i) + " of the sample");
    }
    if (layout->show_existing_frame) {
      out.Clear(frame.size());
      continue;
    }
    out.Clear(layout->uncompressed_header_size);
    out.ProtectAligned(frame.size() - layout->uncompressed_header_size);
  }
  out.Clear(sf.index_size);
  parser_ = parser;
  return std::move(out).Finish();
}

StatusOr<std::vector<Subsample>> Vp9Subsamples(std::span<const uint8_t> sample, Scheme scheme) {
  Vp9Subsampler mapper;
  return mapper.Map(sample, scheme);
}

StatusOr<Av1Subsampler> Av1Subsampler::Create(std::span<const uint8_t> av1c_payload) {
  Av1Subsampler mapper;
  if (av1c_payload.empty()) return mapper;
  // av1C (AV1-ISOBMFF §2.3.3): marker/version, profile/level, flags, delay
  // byte, then configOBUs.
  if (av1c_payload.size() < 4) return InvalidArgument("av1C: shorter than its 4-byte header");
  if (av1c_payload[0] != 0x81) return InvalidArgument("av1C: bad marker/version byte");
  std::span<const uint8_t> obus = av1c_payload.subspan(4);
  while (!obus.empty()) {
    auto obu = ReadObu(obus);
    if (!obu.ok()) return obu.status().WithContext("av1C configOBUs");
    if (obu->type == kObuSequenceHeader) {
      auto seq = ParseAv1SequenceParams(obu->payload);
      if (!seq.ok()) return seq.status().WithContext("av1C configOBUs");
      mapper.parser_.emplace(*seq);
      break;
    }
    obus = obus.subspan(obu->header_size + obu->payload.size());
  }
  return mapper;
}

Status Av1Subsampler::ParseFrameHeader(std::span<const uint8_t> payload, int temporal_id,
                                       int spatial_id, Av1FrameHeaderInfo& info) {
  if (!parser_) {
    return InvalidArgument("AV1: frame header before any sequence header (none in av1C)");
  }
  ASSIGN_OR_RETURN(info, parser_->Parse(payload, temporal_id, spatial_id));
  return Status::Ok();
}

StatusOr<std::vector<Subsample>> Av1Subsampler::Map(std::span<const uint8_t> sample,
                                                    Scheme scheme) {
  RETURN_IF_ERROR(CheckSample(sample, scheme));
  Av1Subsampler next = *this;
  FrameSubsampleBuilder out;
  size_t pos = 0;
  while (pos < sample.size()) {
    ASSIGN_OR_RETURN(Obu obu, ReadObu(sample.subspan(pos)));
    out.Clear(obu.header_size);
    Status status = next.MapObu(obu.type, obu.temporal_id, obu.spatial_id, obu.payload, out);
    if (!status.ok()) {
      return status.WithContext("OBU of type " + std::to_string(obu.type) + " at byte " +
                                std::to_string(pos));
    }
    pos += obu.header_size + obu.payload.size();
  }
  *this = std::move(next);
  return std::move(out).Finish();
}

// AV1-ISOBMFF "Common Encryption": only tile data is protected; every other
// OBU payload, and the frame header inside OBU_FRAME, is clear.
Status Av1Subsampler::MapObu(int type, int temporal_id, int spatial_id,
                             std::span<const uint8_t> payload, FrameSubsampleBuilder& out) {
  switch (type) {
    case kObuSequenceHeader: {
      ASSIGN_OR_RETURN(Av1SequenceParams seq, ParseAv1SequenceParams(payload));
      if (parser_) {
        parser_->SetSequence(seq);
      } else {
        parser_.emplace(seq);
      }
      break;
    }
    case kObuTemporalDelimiter:
      in_frame_ = false;  // §7.5: a temporal unit starts afresh
      break;
    case kObuFrameHeader:
    case kObuRedundantFrameHeader: {
      if (in_frame_) break;  // frame_header_copy()
      Av1FrameHeaderInfo info;
      RETURN_IF_ERROR(ParseFrameHeader(payload, temporal_id, spatial_id, info));
      in_frame_ = !info.show_existing_frame;
      tiles_ = info.tiles;
      next_tile_ = 0;
      break;
    }
    case kObuFrame: {
      if (in_frame_) return InvalidArgument("AV1: frame OBU before the previous frame's tiles");
      Av1FrameHeaderInfo info;
      RETURN_IF_ERROR(ParseFrameHeader(payload, temporal_id, spatial_id, info));
      if (info.show_existing_frame) return InvalidArgument("AV1: frame OBU with show_existing_frame");
      if (info.header_bytes >= payload.size()) {
        return InvalidArgument("AV1: frame OBU holds no tile group after its frame header");
      }
      in_frame_ = true;
      tiles_ = info.tiles;
      next_tile_ = 0;
      out.Clear(info.header_bytes);
      return MapTiles(payload.subspan(info.header_bytes), out);
    }
    case kObuTileGroup:
      if (!in_frame_) return InvalidArgument("AV1: tile group OBU without a frame header");
      return MapTiles(payload, out);
    case kObuTileList:
      return Status(ErrorCode::kUnsupportedCodec,
                    "AV1: tile list OBUs (large scale tile) are not supported");
    default:  // metadata, padding, reserved types: clear
      break;
  }
  out.Clear(payload.size());
  return Status::Ok();
}

Status Av1Subsampler::MapTiles(std::span<const uint8_t> tile_group, FrameSubsampleBuilder& out) {
  ASSIGN_OR_RETURN(int last_tile, MapTileGroup(tile_group, tiles_, next_tile_, out));
  next_tile_ = last_tile + 1;
  if (next_tile_ == tiles_.num_tiles()) in_frame_ = false;
  return Status::Ok();
}

}  // namespace vtp::cenc
