// Reads outputs back through libavformat/libavcodec for assertions: HLS and
// DASH manifests through their demuxers, single files, segment files.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace vtp::testutil {

struct StreamDecode {
  int index = -1;
  std::string codec;
  bool video = false;
  int width = 0, height = 0;
  int sample_rate = 0, channels = 0;
  int64_t frames = 0;          // decoded frames
  // Frames with a timestamp of their own: decoded frames less those with no
  // timestamp or one already seen (what a transcoder can place on a timeline).
  int64_t timed_frames = 0;
  int64_t corrupt_frames = 0;  // frames flagged corrupt by the decoder
  double first_pts = 0;        // seconds, first decoded frame
  double end = 0;              // seconds, last frame pts + duration
  double duration() const { return end - first_pts; }
  std::string pix_fmt;
  int bits_per_raw_sample = 0;
  std::string color_transfer;
};

// Opens `url` (file, .m3u8 master/media playlist, .mpd) and fully decodes the
// streams selected by `only_stream` (-1: all). Returns one entry per decoded
// stream, keyed by stream index. `error` receives a message on failure.
std::map<int, StreamDecode> DecodeAll(const std::string& url, int only_stream, std::string* error);

// Number of streams `url` exposes (e.g. one per HLS variant + audio).
int StreamCount(const std::string& url, std::string* error);

// Kind/codec/size of stream `i` of `url` without decoding.
struct StreamHeader {
  bool video = false;
  std::string codec;
  int width = 0, height = 0;
  int profile = -1, level = -1;  // as parsed from the bitstream headers
  int channels = 0;              // audio
};
std::vector<StreamHeader> StreamHeaders(const std::string& url, std::string* error);

// True if the first video frame decoded from `path` (a self-contained file,
// e.g. init + segment concatenated, or a .ts segment) is a keyframe and an
// I picture.
bool StartsWithKeyframe(const std::string& path, std::string* error);

// Reads a whole file (binary).
std::string ReadFile(const std::string& path);

// Lines of a text file.
std::vector<std::string> ReadLines(const std::string& path);

// "ATTR=VALUE" map of an HLS tag's attribute list (quotes removed).
std::map<std::string, std::string> HlsAttributes(const std::string& tag_line);

// Every regular file under `dir` (relative path -> bytes).
std::map<std::string, std::string> TreeContents(const std::string& dir);

}  // namespace vtp::testutil
