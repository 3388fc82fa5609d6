// Shared helpers of the end-to-end tests: run the real vtp binary and look at
// what it wrote.
#pragma once

#include <string>
#include <vector>

#include "testutil/fixtures.h"
#include "testutil/media_check.h"

namespace vtp::e2e {

// Runs `vtp run INPUT -o OUT --quiet <extra>`; returns the exit status and
// stderr+stdout text.
inline testutil::CommandResult RunVtp(const std::string& input, const std::string& out,
                                      const std::string& extra = "") {
  return testutil::RunCommand(testutil::VtpBinary() + " run '" + input + "' -o '" + out +
                                  "' --quiet " + extra,
                              true);
}

struct Variant {
  std::string uri;
  std::string line;  // the EXT-X-STREAM-INF line
};

// Variants of an HLS master playlist, in order.
std::vector<Variant> MasterVariants(const std::string& master_path);

// EXTINF durations and URIs of a media playlist.
struct MediaPlaylistInfo {
  std::vector<double> durations;
  std::vector<std::string> uris;
  std::string map_uri;
  int target_duration = -1;
  std::vector<std::string> lines;
};
MediaPlaylistInfo ReadMediaPlaylist(const std::string& path);

// Decodes every stream of `url` (or only the video ones), each on its own:
// the DASH demuxer drops frames when all representations are read together.
// Fails the current test when a stream cannot be decoded.
std::vector<testutil::StreamDecode> DecodeEachStream(const std::string& url, bool video_only = false);

// Concatenates init + segment into a temporary file and returns its path.
std::string JoinInitAndSegment(const std::string& init, const std::string& segment);

}  // namespace vtp::e2e
