// Test helpers for cenc_fragment_test: real fragmented MP4s made by the
// ffmpeg CLI at test time, split into an init segment and moof+mdat
// fragments, and a test-side reading of each fragment's tfhd/trun and
// samples (14496-12 §8.8.7, §8.8.8) written here, independently of the
// code under test.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "domain/bmff.h"
#include "testutil/fixtures.h"

namespace vtp::cenc::media_test {

using Bytes = std::vector<uint8_t>;

inline Bytes ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline uint32_t U32At(bmff::ByteSpan b, size_t at) {
  return uint32_t{b[at]} << 24 | uint32_t{b[at + 1]} << 16 | uint32_t{b[at + 2]} << 8 | b[at + 3];
}

inline void PutU32At(Bytes& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

inline Bytes Concat(const std::vector<Bytes>& parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A fragmented MP4: everything before the first moof, then each moof with
// the mdat after it (an mfra at the end is dropped).
struct Fmp4 {
  Bytes init;
  std::vector<Bytes> fragments;
};

inline Fmp4 SplitFmp4(const Bytes& file) {
  Fmp4 out;
  StatusOr<std::vector<bmff::Box>> boxes = bmff::ReadBoxes(file);
  EXPECT_TRUE(boxes.ok()) << boxes.status().ToString();
  if (!boxes.ok()) return out;
  auto whole = [&file](const bmff::Box& b) {
    return Bytes(file.begin() + static_cast<long>(b.offset), file.begin() + static_cast<long>(b.offset + b.size));
  };
  for (size_t i = 0; i < boxes->size(); ++i) {
    const bmff::Box& b = (*boxes)[i];
    if (b.type == "moof") {
      EXPECT_TRUE(i + 1 < boxes->size() && (*boxes)[i + 1].type == "mdat");
      if (i + 1 >= boxes->size()) break;
      Bytes frag = whole(b);
      const Bytes mdat = whole((*boxes)[i + 1]);
      frag.insert(frag.end(), mdat.begin(), mdat.end());
      out.fragments.push_back(std::move(frag));
      ++i;
    } else if (out.fragments.empty()) {
      const Bytes part = whole(b);
      out.init.insert(out.init.end(), part.begin(), part.end());
    }
  }
  return out;
}

// trex default_sample_size of a single-track init, 0 without one.
inline uint32_t TrexDefaultSize(const Bytes& init) {
  StatusOr<bmff::Box> trex = bmff::FindPath(init, "moov/mvex/trex");
  if (!trex.ok() || trex->payload.size() < 24) return 0;
  return U32At(trex->payload, 20);
}

// One traf child: its type and where the whole box sits, from the moof's
// first byte.
struct TrafChild {
  std::string type;
  size_t offset_in_moof = 0;
  size_t size = 0;
  bmff::ByteSpan payload;
};

// A test-side reading of one moof + mdat.
struct ParsedFragment {
  size_t moof_size = 0;
  size_t mdat_offset = 0;  // from the moof's first byte
  size_t mdat_size = 0;
  size_t mdat_header = 0;
  std::vector<std::string> moof_children;
  std::vector<TrafChild> traf;
  uint32_t tfhd_flags = 0;
  uint32_t track_id = 0;
  uint32_t description_index = 0;  // 0: none in tfhd
  uint32_t trun_flags = 0;
  int32_t data_offset = 0;
  std::vector<uint32_t> sizes;
  std::vector<Bytes> samples;  // the sample bytes, in order

  const TrafChild* Find(const std::string& type) const {
    for (const TrafChild& c : traf) {
      if (c.type == type) return &c;
    }
    return nullptr;
  }
  std::vector<std::string> TrafTypes() const {
    std::vector<std::string> out;
    for (const TrafChild& c : traf) out.push_back(c.type);
    return out;
  }
};

inline ParsedFragment ParseFragment(const Bytes& fragment, uint32_t trex_default_size) {
  ParsedFragment f;
  StatusOr<std::vector<bmff::Box>> top = bmff::ReadBoxes(fragment);
  EXPECT_TRUE(top.ok()) << top.status().ToString();
  if (!top.ok() || top->size() != 2 || (*top)[0].type != "moof" || (*top)[1].type != "mdat") {
    ADD_FAILURE() << "not one moof + mdat";
    return f;
  }
  const bmff::Box& moof = (*top)[0];
  f.moof_size = moof.size;
  f.mdat_offset = (*top)[1].offset;
  f.mdat_size = (*top)[1].size;
  f.mdat_header = (*top)[1].header_size;
  StatusOr<std::vector<bmff::Box>> children = bmff::ReadBoxes(moof.payload);
  EXPECT_TRUE(children.ok());
  if (!children.ok()) return f;
  size_t traf_payload_at = 0;
  bmff::ByteSpan traf_payload;
  for (const bmff::Box& c : *children) {
    f.moof_children.push_back(c.type);
    if (c.type == "traf") {
      traf_payload_at = moof.header_size + c.offset + c.header_size;
      traf_payload = c.payload;
    }
  }
  StatusOr<std::vector<bmff::Box>> traf = bmff::ReadBoxes(traf_payload);
  EXPECT_TRUE(traf.ok());
  if (!traf.ok()) return f;
  uint32_t default_size = trex_default_size;
  for (const bmff::Box& c : *traf) {
    f.traf.push_back({c.type, traf_payload_at + c.offset, c.size, c.payload});
    const bmff::ByteSpan p = c.payload;
    if (c.type == "tfhd") {
      f.tfhd_flags = U32At(p, 0) & 0xffffff;
      f.track_id = U32At(p, 4);
      size_t at = 8;
      if (f.tfhd_flags & 0x01) at += 8;
      if (f.tfhd_flags & 0x02) f.description_index = U32At(p, at), at += 4;
      if (f.tfhd_flags & 0x08) at += 4;
      if (f.tfhd_flags & 0x10) default_size = U32At(p, at);
    } else if (c.type == "trun") {
      f.trun_flags = U32At(p, 0) & 0xffffff;
      const uint32_t count = U32At(p, 4);
      size_t at = 8;
      if (f.trun_flags & 0x01) f.data_offset = static_cast<int32_t>(U32At(p, at)), at += 4;
      if (f.trun_flags & 0x04) at += 4;
      for (uint32_t i = 0; i < count; ++i) {
        if (f.trun_flags & 0x100) at += 4;
        uint32_t size = default_size;
        if (f.trun_flags & 0x200) size = U32At(p, at), at += 4;
        if (f.trun_flags & 0x400) at += 4;
        if (f.trun_flags & 0x800) at += 4;
        f.sizes.push_back(size);
      }
      EXPECT_EQ(at, p.size()) << "trun parsed short";
    }
  }
  size_t at = static_cast<size_t>(f.data_offset);
  for (uint32_t size : f.sizes) {
    EXPECT_LE(at + size, fragment.size()) << "sample past the fragment";
    if (at + size > fragment.size()) break;
    f.samples.emplace_back(fragment.begin() + static_cast<long>(at), fragment.begin() + static_cast<long>(at + size));
    at += size;
  }
  return f;
}

// One stream made by the ffmpeg CLI, as vtp's muxer cuts it: CMAF-style
// fragments (dash, no sidx, no edit list) at every keyframe for video, every
// 0.2 s for audio.
struct CodecCase {
  std::string name;         // test name and fixture file stem
  std::string encode;       // ffmpeg input and encoder arguments
  std::string movflags;     // muxer arguments
  std::string sample_entry;
  bool video = true;
};

inline constexpr char kVtpVideoMux[] =
    " -movflags +frag_keyframe+dash+delay_moov+skip_sidx+skip_trailer+frag_discont -use_editlist 0 -f mp4";
inline constexpr char kVtpAudioMux[] =
    " -movflags +dash+delay_moov+skip_sidx+skip_trailer+frag_discont -frag_duration 200000"
    " -use_editlist 0 -f mp4";
inline constexpr char kVideoIn[] = "-f lavfi -i testsrc2=size=64x64:rate=25 -frames:v 12 -an ";
inline constexpr char kAudioIn[] = "-f lavfi -i sine=frequency=440:duration=0.5 -vn ";

inline std::vector<CodecCase> CodecCases() {
  return {
      {"h264", std::string(kVideoIn) + "-c:v libx264 -g 4 -bf 2 -pix_fmt yuv420p", kVtpVideoMux, "avc1", true},
      // The simpler fragmenting most tools use: empty moov, mfra at the end.
      {"h264_empty_moov", std::string(kVideoIn) + "-c:v libx264 -g 4 -bf 0 -pix_fmt yuv420p",
       " -movflags +frag_keyframe+empty_moov+default_base_moof -f mp4", "avc1", true},
      // One slice per macroblock: 64 NAL units per picture, so a senc entry
      // needs more than the 255 bytes a saiz size can say.
      {"h264_many_slices",
       "-f lavfi -i testsrc2=size=128x128:rate=25 -frames:v 12 -an -c:v libx264 -g 4 -pix_fmt yuv420p"
       " -x264-params slice-max-mbs=1",
       kVtpVideoMux, "avc1", true},
      {"hevc",
       std::string(kVideoIn) +
           "-c:v libx265 -tag:v hvc1 -pix_fmt yuv420p -x265-params log-level=none:keyint=4:min-keyint=4",
       kVtpVideoMux, "hvc1", true},
      {"vp9", std::string(kVideoIn) + "-c:v libvpx-vp9 -g 4 -deadline realtime -cpu-used 8", kVtpVideoMux,
       "vp09", true},
      {"av1", std::string(kVideoIn) + "-c:v libsvtav1 -g 4 -preset 12", kVtpVideoMux, "av01", true},
      {"aac", std::string(kAudioIn) + "-c:a aac -b:a 64k", kVtpAudioMux, "mp4a", false},
      {"opus", std::string(kAudioIn) + "-c:a libopus -b:a 48k", kVtpAudioMux, "Opus", false},
  };
}

inline std::string CasePath(const CodecCase& c) {
  return testutil::Fixture("cenc_frag_" + c.name + ".mp4", c.encode + c.movflags);
}

}  // namespace vtp::cenc::media_test
