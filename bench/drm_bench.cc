// Common Encryption throughput: encrypts one packaged rendition (a folder
// with init.mp4 and segment_NNN.m4s, as vtp writes them) with cenc and with
// cbcs, in memory, and prints bytes, CPU seconds and MB/s per scheme.
// Not a test: bench/drm_bench.sh runs it beside the ffmpeg CLI baseline.
//
// usage: drm_bench DIR [REPEATS]
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "domain/cenc_fragment.h"

namespace {

using Bytes = std::vector<uint8_t>;

Bytes Read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

int Bench(const Bytes& init, const std::vector<Bytes>& segments, vtp::cenc::Scheme scheme, int repeats) {
  vtp::cenc::TrackKeying k;
  k.scheme = scheme;
  k.kid.fill(0x11);
  k.key.fill(0x22);
  k.iv_salt = "bench";
  size_t bytes = 0;
  const double start = CpuSeconds();
  for (int r = 0; r < repeats; ++r) {
    auto enc = vtp::cenc::FragmentEncryptor::Create(init, k);
    if (!enc.ok()) return std::fprintf(stderr, "%s\n", enc.status().ToString().c_str()), 1;
    for (size_t i = 0; i < segments.size(); ++i) {
      auto out = enc->EncryptSegment(segments[i], static_cast<uint32_t>(i));
      if (!out.ok()) return std::fprintf(stderr, "%s\n", out.status().ToString().c_str()), 1;
      bytes += segments[i].size();
    }
  }
  const double cpu = CpuSeconds() - start;
  std::printf("vtp %s: %zu bytes x %d in %.3f CPU-s: %.1f MB/s\n", std::string(vtp::cenc::SchemeName(scheme)).c_str(),
              bytes / static_cast<size_t>(repeats), repeats, cpu, static_cast<double>(bytes) / 1e6 / cpu);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return std::fputs("usage: drm_bench DIR [REPEATS]\n", stderr), 2;
  const std::filesystem::path dir = argv[1];
  const int repeats = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3;
  std::vector<std::filesystem::path> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".m4s") names.push_back(e.path());
  }
  std::sort(names.begin(), names.end());
  std::vector<Bytes> segments;
  for (const auto& n : names) segments.push_back(Read(n));
  const Bytes init = Read(dir / "init.mp4");
  if (init.empty() || segments.empty()) return std::fprintf(stderr, "no init.mp4 / segments in %s\n", argv[1]), 1;
  for (auto scheme : {vtp::cenc::Scheme::kCenc, vtp::cenc::Scheme::kCbcs}) {
    if (int rc = Bench(init, segments, scheme, repeats); rc != 0) return rc;
  }
  return 0;
}
