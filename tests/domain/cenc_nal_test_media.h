// Test helpers for cenc_nal_subsamples_test: read the codec configuration
// and samples of a fragmented MP4 written by ffmpeg, and an independent
// measure of each slice header's length from ffmpeg's trace_headers
// bitstream filter (libavcodec's CBS parser).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "domain/bmff.h"
#include "testutil/fixtures.h"

namespace vtp::cenc::testing {

using Bytes = std::vector<uint8_t>;

struct Mp4Track {
  std::string sample_entry;  // "avc1", "hev1", ...
  Bytes config;              // avcC / hvcC payload
  std::vector<Bytes> samples;
};

inline Bytes ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline uint32_t U32(bmff::ByteSpan b, size_t at) {
  return uint32_t{b[at]} << 24 | uint32_t{b[at + 1]} << 16 | uint32_t{b[at + 2]} << 8 | b[at + 3];
}

// Sample sizes of one trun (14496-12 §8.8.8), in order.
inline std::vector<uint32_t> TrunSizes(bmff::ByteSpan trun) {
  const uint32_t flags = U32(trun, 0) & 0xffffff;
  const uint32_t count = U32(trun, 4);
  size_t at = 8 + ((flags & 0x1) ? 4 : 0) + ((flags & 0x4) ? 4 : 0);
  std::vector<uint32_t> sizes;
  for (uint32_t i = 0; i < count; ++i) {
    if (flags & 0x100) at += 4;
    if (flags & 0x200) {
      sizes.push_back(U32(trun, at));
      at += 4;
    }
    if (flags & 0x400) at += 4;
    if (flags & 0x800) at += 4;
  }
  EXPECT_TRUE(flags & 0x200) << "trun without sample sizes";
  return sizes;
}

// One video track of a fragmented MP4 with one trun per moof and the
// samples packed from the start of the following mdat.
inline Mp4Track ReadFragmentedMp4(const std::string& path) {
  Mp4Track track;
  const Bytes file = ReadAll(path);
  auto stsd = bmff::FindPath(file, "moov/trak/mdia/minf/stbl/stsd");
  EXPECT_TRUE(stsd.ok()) << stsd.status().ToString();
  if (!stsd.ok()) return track;
  // stsd: FullBox header and entry_count, then the sample entries.
  auto entries = bmff::ReadBoxes(stsd->payload.subspan(8));
  EXPECT_TRUE(entries.ok() && !entries->empty());
  if (!entries.ok() || entries->empty()) return track;
  const bmff::Box* entry = &entries->front();
  track.sample_entry = entry->type;
  auto config = bmff::FindChild(entry->payload.subspan(78), track.sample_entry == "avc1" ? "avcC" : "hvcC");
  EXPECT_TRUE(config.ok()) << config.status().ToString();
  if (!config.ok()) return track;
  track.config.assign(config->payload.begin(), config->payload.end());

  auto boxes = bmff::ReadBoxes(file);
  EXPECT_TRUE(boxes.ok()) << boxes.status().ToString();
  if (!boxes.ok()) return track;
  std::vector<uint32_t> sizes;
  for (const bmff::Box& box : *boxes) {
    if (box.type == "moof") {
      auto trun = bmff::FindPath(box.payload, "traf/trun");
      EXPECT_TRUE(trun.ok());
      if (trun.ok()) sizes = TrunSizes(trun->payload);
    } else if (box.type == "mdat") {
      size_t at = 0;
      for (uint32_t size : sizes) {
        EXPECT_LE(at + size, box.payload.size());
        if (at + size > box.payload.size()) break;
        track.samples.emplace_back(box.payload.begin() + static_cast<std::ptrdiff_t>(at),
                                   box.payload.begin() + static_cast<std::ptrdiff_t>(at + size));
        at += size;
      }
      EXPECT_EQ(at, box.payload.size()) << "mdat not exactly the trun's samples";
      sizes.clear();
    }
  }
  return track;
}

// For each sample (packet), the bit length in the RBSP (NAL header
// included) of each slice header, as ffmpeg's CBS trace prints it: the end
// of the last syntax element of each "Slice Header" / "Slice Segment
// Header" section.
inline std::vector<std::vector<uint64_t>> TracedSliceHeaderBits(const std::string& path) {
  const testutil::CommandResult r = testutil::RunCommand(
      "ffmpeg -hide_banner -nostdin -nostats -loglevel info -i '" + path +
          "' -c copy -bsf:v trace_headers -f null - 2>&1",
      false);
  EXPECT_EQ(r.exit_status, 0) << r.output.substr(0, 2000);
  std::vector<std::vector<uint64_t>> packets;
  bool in_slice = false;
  std::istringstream lines(r.output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("[trace_headers", 0) != 0) continue;
    const std::string text = line.substr(line.find("] ") + 2);
    if (text.empty()) continue;
    if (!std::isdigit(static_cast<unsigned char>(text[0]))) {
      in_slice = text == "Slice Header" || text == "Slice Segment Header";
      if (text.rfind("Packet:", 0) == 0) packets.emplace_back();
      if (in_slice && !packets.empty()) packets.back().push_back(0);
      continue;
    }
    if (!in_slice || packets.empty()) continue;
    // "<position> <name> <bits> = <value>"
    std::istringstream fields(text);
    uint64_t position = 0;
    std::string name;
    std::string bits;
    fields >> position >> name >> bits;
    packets.back().back() = std::max(packets.back().back(), position + bits.size());
  }
  return packets;
}

// On-wire length of the first `rbsp_bytes` RBSP bytes of escaped NAL unit
// `nal`: emulation prevention bytes before them are counted.
inline size_t EscapedLength(bmff::ByteSpan nal, size_t rbsp_bytes) {
  size_t rbsp = 0;
  size_t i = 0;
  int zeros = 0;
  for (; i < nal.size() && rbsp < rbsp_bytes; ++i) {
    if (zeros == 2 && nal[i] == 3) {
      zeros = 0;
      continue;
    }
    zeros = nal[i] == 0 ? std::min(zeros + 1, 2) : 0;
    ++rbsp;
  }
  return i;
}

}  // namespace vtp::cenc::testing
