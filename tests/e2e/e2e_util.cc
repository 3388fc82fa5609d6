#include "e2e/e2e_util.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace vtp::e2e {

std::vector<Variant> MasterVariants(const std::string& master_path) {
  std::vector<Variant> out;
  auto lines = testutil::ReadLines(master_path);
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    if (lines[i].rfind("#EXT-X-STREAM-INF:", 0) == 0) out.push_back({lines[i + 1], lines[i]});
  }
  return out;
}

MediaPlaylistInfo ReadMediaPlaylist(const std::string& path) {
  MediaPlaylistInfo info;
  info.lines = testutil::ReadLines(path);
  for (size_t i = 0; i < info.lines.size(); ++i) {
    const std::string& l = info.lines[i];
    if (l.rfind("#EXTINF:", 0) == 0) {
      info.durations.push_back(std::strtod(l.c_str() + 8, nullptr));
      if (i + 1 < info.lines.size()) info.uris.push_back(info.lines[i + 1]);
    } else if (l.rfind("#EXT-X-TARGETDURATION:", 0) == 0) {
      info.target_duration = std::atoi(l.c_str() + 22);
    } else if (l.rfind("#EXT-X-MAP:", 0) == 0) {
      info.map_uri = testutil::HlsAttributes(l)["URI"];
    }
  }
  return info;
}

std::vector<testutil::StreamDecode> DecodeEachStream(const std::string& url, bool video_only) {
  std::string err;
  auto headers = testutil::StreamHeaders(url, &err);
  EXPECT_FALSE(headers.empty()) << url << ": " << err;
  std::vector<testutil::StreamDecode> out;
  for (size_t i = 0; i < headers.size(); ++i) {
    if (video_only && !headers[i].video) continue;
    auto d = testutil::DecodeAll(url, static_cast<int>(i), &err);
    EXPECT_EQ(d.size(), 1u) << url << " stream " << i << ": " << err;
    if (d.size() == 1) out.push_back(d.begin()->second);
  }
  return out;
}

std::string JoinInitAndSegment(const std::string& init, const std::string& segment) {
  std::string path = testutil::TestTmpDir() + "/joined_" +
                     std::filesystem::path(segment).parent_path().filename().string() + "_" +
                     std::filesystem::path(segment).filename().string() + ".mp4";
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << testutil::ReadFile(init) << testutil::ReadFile(segment);
  return path;
}

}  // namespace vtp::e2e
