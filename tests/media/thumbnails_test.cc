#include "media/thumbnails.h"

#include <gtest/gtest.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "domain/sprite_layout.h"
#include "media/logging.h"
#include "media/probe.h"
#include "testutil/fixtures.h"
#include "testutil/media_check.h"

namespace vtp::media {
namespace {

namespace fs = std::filesystem;
using testutil::CorpusPath;
using testutil::Fixture;

#define REQUIRE_CORPUS() \
  ASSERT_TRUE(testutil::CorpusAvailable()) << "../shared/corpus is missing"

// ---------------------------------------------------------------------------
// Reading images back.

struct Image {
  bool ok = false;
  std::string error;
  int width = 0, height = 0;
  AVRational sar{0, 1};
  std::string codec;
  std::vector<uint8_t> rgb;  // RGB24, width*height*3, decoded as the format specifies

  double MeanLuma(int x0, int y0, int w, int h) const {
    double sum = 0;
    for (int y = y0; y < y0 + h; ++y) {
      for (int x = x0; x < x0 + w; ++x) {
        const uint8_t* p = &rgb[(static_cast<size_t>(y) * width + x) * 3];
        sum += 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
      }
    }
    return sum / (static_cast<double>(w) * h);
  }
  double MeanLuma() const { return MeanLuma(0, 0, width, height); }
  double LumaStddev() const {
    double m = MeanLuma(), sum = 0;
    for (size_t i = 0; i + 2 < rgb.size(); i += 3) {
      double y = 0.299 * rgb[i] + 0.587 * rgb[i + 1] + 0.114 * rgb[i + 2];
      sum += (y - m) * (y - m);
    }
    return std::sqrt(sum / (static_cast<double>(width) * height));
  }
  // Mean chroma (max - min of R, G, B): low for washed-out pictures.
  double Colourfulness() const {
    double sum = 0;
    for (size_t i = 0; i + 2 < rgb.size(); i += 3) {
      sum += std::max({rgb[i], rgb[i + 1], rgb[i + 2]}) - std::min({rgb[i], rgb[i + 1], rgb[i + 2]});
    }
    return sum / (static_cast<double>(width) * height);
  }
  // Mean of channel c over a centred box half the picture's size.
  double CentreChannel(int c) const {
    double sum = 0;
    int n = 0;
    for (int y = height / 4; y < height * 3 / 4; ++y) {
      for (int x = width / 4; x < width * 3 / 4; ++x) {
        sum += rgb[(static_cast<size_t>(y) * width + x) * 3 + static_cast<size_t>(c)];
        ++n;
      }
    }
    return sum / n;
  }
};

// Decodes the first picture of `path` (JPEG, WebP, PNG, or any video) to RGB
// the way a browser does: the decoder's own pixel format and colour range,
// BT.601 matrix (JFIF / VP8).
Image ReadImage(const std::string& path) {
  Image img;
  AVFormatContext* fmt = nullptr;
  if (avformat_open_input(&fmt, path.c_str(), nullptr, nullptr) < 0) {
    img.error = "cannot open " + path;
    return img;
  }
  avformat_find_stream_info(fmt, nullptr);
  int vi = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  AVCodecContext* dec = nullptr;
  AVPacket* pkt = av_packet_alloc();
  AVFrame* frame = av_frame_alloc();
  bool got = false;
  if (vi >= 0) {
    const AVCodec* codec = avcodec_find_decoder(fmt->streams[vi]->codecpar->codec_id);
    dec = avcodec_alloc_context3(codec);
    avcodec_parameters_to_context(dec, fmt->streams[vi]->codecpar);
    img.codec = codec->name;
    if (avcodec_open2(dec, codec, nullptr) >= 0) {
      while (!got && av_read_frame(fmt, pkt) >= 0) {
        if (pkt->stream_index == vi && avcodec_send_packet(dec, pkt) >= 0) {
          got = avcodec_receive_frame(dec, frame) >= 0;
        }
        av_packet_unref(pkt);
      }
      if (!got) {
        avcodec_send_packet(dec, nullptr);
        got = avcodec_receive_frame(dec, frame) >= 0;
      }
    }
  }
  if (got) {
    img.width = frame->width;
    img.height = frame->height;
    img.sar = frame->sample_aspect_ratio;
    auto pf = static_cast<AVPixelFormat>(frame->format);
    SwsContext* sws = sws_getContext(img.width, img.height, pf, img.width, img.height, AV_PIX_FMT_RGB24,
                                     SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nullptr, nullptr, nullptr);
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(pf);
    int full = frame->color_range == AVCOL_RANGE_JPEG || std::string(d->name).rfind("yuvj", 0) == 0;
    sws_setColorspaceDetails(sws, sws_getCoefficients(SWS_CS_ITU601), full, sws_getCoefficients(SWS_CS_ITU601), 1,
                             0, 1 << 16, 1 << 16);
    img.rgb.resize(static_cast<size_t>(img.width) * img.height * 3);
    uint8_t* dst[4] = {img.rgb.data(), nullptr, nullptr, nullptr};
    int stride[4] = {img.width * 3, 0, 0, 0};
    sws_scale(sws, frame->data, frame->linesize, 0, img.height, dst, stride);
    sws_freeContext(sws);
    img.ok = true;
  } else if (img.error.empty()) {
    img.error = "no picture in " + path;
  }
  av_frame_free(&frame);
  av_packet_free(&pkt);
  avcodec_free_context(&dec);
  avformat_close_input(&fmt);
  return img;
}

// Mean absolute RGB difference of two pictures of the same size.
double MeanAbsDiff(const Image& a, const Image& b) {
  if (a.rgb.size() != b.rgb.size() || a.rgb.empty()) return 1e9;
  double sum = 0;
  for (size_t i = 0; i < a.rgb.size(); ++i) sum += std::abs(static_cast<int>(a.rgb[i]) - b.rgb[i]);
  return sum / static_cast<double>(a.rgb.size());
}

// ---------------------------------------------------------------------------
// Jobs as the pipeline builds them: conditioning and geometry from the probe.

ThumbnailJob JobFor(const std::string& path, const std::string& out_dir) {
  ConfigureLibavLogging();
  ThumbnailJob job;
  job.input_path = path;
  job.out_dir = out_dir;
  StatusOr<MediaInfo> info = Probe(path);
  EXPECT_TRUE(info.ok()) << info.status().ToString();
  if (!info.ok() || info->video_stream() == nullptr) return job;
  const StreamInfo& s = *info->video_stream();
  const VideoInfo& v = *s.video;
  job.stream_index = s.index;
  job.origin_seconds = s.start_time;
  job.duration_seconds = s.duration > 0 ? s.duration : info->duration - (s.start_time - info->start_time);
  job.conditioning.deinterlace = v.field_order == FieldOrder::kTopFirst || v.field_order == FieldOrder::kBottomFirst;
  job.conditioning.rotation = v.rotation;
  job.conditioning.tonemap_to_sdr = v.hdr != HdrType::kSdr;
  job.conditioning.color_transfer = v.color_transfer;
  job.conditioning.color_primaries = v.color_primaries;
  job.conditioning.color_matrix = v.color_matrix;
  job.sar = v.sample_aspect_ratio;
  return job;
}

ThumbnailResult RunOk(const ThumbnailJob& job) {
  StatusOr<ThumbnailResult> r = GenerateThumbnails(job);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : ThumbnailResult{};
}

std::string Describe(const ThumbnailResult& r) {
  std::string out;
  char buf[256];
  for (size_t i = 0; i < r.poster_candidates.size(); ++i) {
    const PosterCandidate& c = r.poster_candidates[i];
    std::snprintf(buf, sizeof(buf), "%s%6.2fs mean %6.1f sd %5.1f edge %5.1f mad %5.1f %c%c%c%s\n",
                  static_cast<int>(i) == r.poster_candidate ? "*" : " ", static_cast<double>(c.ms) / 1000,
                  c.stats.mean, c.stats.stddev, c.stats.edge, c.stats.mad_prev, c.exposed ? 'E' : '-',
                  c.detailed ? 'D' : '-', c.stable ? 'S' : '-', c.in_window ? " window" : "");
    out += buf;
  }
  return out;
}

// 23 s of 320x240@30 test pattern.
std::string Testsrc23() {
  return Fixture("thumbs_testsrc2_23s.mp4",
                 "-f lavfi -i testsrc2=size=320x240:rate=30 -t 23 -c:v libx264 -preset veryfast -pix_fmt yuv420p");
}

// ---------------------------------------------------------------------------

TEST(ThumbnailsTest, SpritesStillsAndPosterOnTestPattern) {
  std::string in = Testsrc23();
  ASSERT_FALSE(in.empty());
  ThumbnailJob job = JobFor(in, testutil::FreshDir());
  job.sprite_cols = 4;
  job.sprite_rows = 2;
  ThumbnailResult r = RunOk(job);
  if (std::getenv("THUMBS_DEBUG")) std::fprintf(stderr, "%s", Describe(r).c_str());

  // Sprites: ceil(23 / 2) = 12 tiles of 160x120 (4:3), 8 per sheet.
  EXPECT_EQ(r.tile_width, 160);
  EXPECT_EQ(r.tile_height, 120);
  ASSERT_EQ(r.layout.tiles.size(), 12u);
  ASSERT_EQ(r.layout.sheets, 2);
  ASSERT_EQ(r.sprites, (std::vector<std::string>{"sprite_001.jpg", "sprite_002.jpg"}));
  for (int s = 0; s < r.layout.sheets; ++s) {
    Image img = ReadImage(job.out_dir + "/" + r.sprites[static_cast<size_t>(s)]);
    ASSERT_TRUE(img.ok) << img.error;
    EXPECT_EQ(img.codec, "mjpeg");
    SpriteSheetSize size = SheetSize(r.layout, s);
    EXPECT_EQ(img.width, size.width) << "sheet " << s;
    EXPECT_EQ(img.height, size.height) << "sheet " << s;
  }
  EXPECT_EQ(SheetSize(r.layout, 0).width, 640);
  EXPECT_EQ(SheetSize(r.layout, 0).height, 240);
  EXPECT_EQ(SheetSize(r.layout, 1).width, 640);  // the last sheet keeps the grid's size
  EXPECT_EQ(SheetSize(r.layout, 1).height, 240);

  // The VTT is the layout's, naming the sheet files.
  EXPECT_EQ(r.vtt, "thumbnails.vtt");
  EXPECT_EQ(testutil::ReadFile(job.out_dir + "/thumbnails.vtt"),
            WriteThumbnailVtt(r.layout, [](int s) { return "sprite_00" + std::to_string(s + 1) + ".jpg"; }));

  // Stills at 0, 10, 20 s (every T < duration), never wider than the source.
  ASSERT_EQ(r.stills, (std::vector<std::string>{"thumb_001.jpg", "thumb_002.jpg", "thumb_003.jpg"}));
  for (const std::string& s : r.stills) {
    Image img = ReadImage(job.out_dir + "/" + s);
    ASSERT_TRUE(img.ok) << img.error;
    EXPECT_EQ(img.width, 320);
    EXPECT_EQ(img.height, 240);
  }

  // Posters: 1280 and 640 exceed the source, replaced once by its 320.
  EXPECT_EQ(r.posters, (std::vector<std::string>{"poster_320.jpg", "poster_320.webp"}));
  Image webp = ReadImage(job.out_dir + "/poster_320.webp");
  ASSERT_TRUE(webp.ok) << webp.error;
  EXPECT_EQ(webp.codec, "webp");
  EXPECT_EQ(webp.width, 320);
  Image jpeg = ReadImage(job.out_dir + "/poster_320.jpg");
  ASSERT_TRUE(jpeg.ok);
  EXPECT_LT(MeanAbsDiff(jpeg, webp), 6) << "the two poster files show the same picture";
  // Default position: 10% of 23 s; the test pattern is good everywhere.
  EXPECT_NEAR(r.poster_seconds, 2.3, 2.0);

  // Only picked frames were converted: 12 tile times (stills share them) + the poster.
  EXPECT_EQ(r.frames_decoded, 690);
  EXPECT_EQ(r.frames_converted, 13);
  // Nothing else was written.
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(job.out_dir)) files.push_back(e.path().filename().string());
  EXPECT_EQ(files.size(), 2u + 3u + 2u + 1u);
}


// Tile i shows the frame on screen at 2i s: a clip whose brightness ramps
// linearly with time makes each tile's brightness tell its time.
TEST(ThumbnailsTest, TilesShowTheFrameAtTheirCueStart) {
  std::string in = Fixture("thumbs_ramp_20s.mp4",
                           "-f lavfi -i color=c=white:s=320x240:r=10:d=20,fade=in:st=0:d=20 "
                           "-c:v libx264 -preset veryfast -pix_fmt yuv420p -g 10");
  ASSERT_FALSE(in.empty());
  ThumbnailJob job = JobFor(in, testutil::FreshDir());
  job.poster_widths.clear();
  job.still_interval = 0;
  ThumbnailResult r = RunOk(job);
  EXPECT_TRUE(r.posters.empty());
  EXPECT_TRUE(r.stills.empty());
  ASSERT_EQ(r.layout.tiles.size(), 10u);
  ASSERT_EQ(r.sprites.size(), 1u);
  Image sheet = ReadImage(job.out_dir + "/" + r.sprites[0]);
  ASSERT_TRUE(sheet.ok) << sheet.error;
  for (const SpriteTile& t : r.layout.tiles) {
    // fade=in over 20 s at 10 fps: frame n has n/200 of full brightness.
    double expected = 255.0 * static_cast<double>(t.start_ms / 100) / 200.0;
    EXPECT_NEAR(sheet.MeanLuma(t.x + 8, t.y + 8, t.w - 16, t.h - 16), expected, 6) << "tile at " << t.start_ms;
  }
}

TEST(ThumbnailsTest, ByteIdenticalAcrossRuns) {
  std::string in = Testsrc23();
  ASSERT_FALSE(in.empty());
  ThumbnailJob a = JobFor(in, testutil::FreshDir("-a"));
  ThumbnailJob b = a;
  b.out_dir = testutil::FreshDir("-b");
  RunOk(a);
  RunOk(b);
  auto ta = testutil::TreeContents(a.out_dir);
  auto tb = testutil::TreeContents(b.out_dir);
  EXPECT_EQ(ta.size(), 7u);  // 2 posters, 3 stills, 1 sheet, the VTT
  ASSERT_EQ(ta.size(), tb.size());
  for (const auto& [name, bytes] : ta) {
    EXPECT_TRUE(tb.count(name) && tb[name] == bytes) << name << " differs between runs";
    // Bit-exact encoders: no version string in the images.
    EXPECT_EQ(bytes.find("Lavc"), std::string::npos) << name;
  }
}

TEST(ThumbnailsTest, PosterSkipsBlackOpening) {
  std::string in = Fixture("thumbs_black3_testsrc5.mp4",
                           "-filter_complex \"color=black:s=320x240:r=30:d=3[a];"
                           "testsrc2=s=320x240:r=30:d=5[b];[a][b]concat[v]\" -map \"[v]\" "
                           "-c:v libx264 -preset veryfast -pix_fmt yuv420p");
  ASSERT_FALSE(in.empty());
  ThumbnailJob job = JobFor(in, testutil::FreshDir());
  ThumbnailResult r = RunOk(job);
  SCOPED_TRACE(Describe(r));
  if (std::getenv("THUMBS_DEBUG")) std::fprintf(stderr, "%s", Describe(r).c_str());
  // Default position 0.8 s is black, and so is the whole window around it.
  EXPECT_GE(r.poster_seconds, 3.0);
  ASSERT_EQ(r.posters.size(), 2u);
  for (const std::string& p : r.posters) {
    Image img = ReadImage(job.out_dir + "/" + p);
    ASSERT_TRUE(img.ok) << img.error;
    EXPECT_GT(img.MeanLuma(), 80) << p << " is (near) black";
    EXPECT_GT(img.LumaStddev(), 30) << p << " is flat";
  }
  // The first still is the black opening: stills do not search.
  Image first = ReadImage(job.out_dir + "/thumb_001.jpg");
  ASSERT_TRUE(first.ok);
  EXPECT_LT(first.MeanLuma(), 5);
}

TEST(ThumbnailsTest, PosterAvoidsFadeAtDefaultPosition) {
  // 20 s: the default position (2 s) is in the middle of a 2 s fade-in that
  // starts at 1 s from black.
  std::string in = Fixture("thumbs_fadein_20s.mp4",
                           "-f lavfi -i testsrc2=s=320x240:r=30:d=20,fade=in:st=1:d=2 "
                           "-c:v libx264 -preset veryfast -pix_fmt yuv420p");
  ASSERT_FALSE(in.empty());
  ThumbnailJob job = JobFor(in, testutil::FreshDir());
  ThumbnailResult r = RunOk(job);
  SCOPED_TRACE(Describe(r));
  if (std::getenv("THUMBS_DEBUG")) std::fprintf(stderr, "%s", Describe(r).c_str());
  EXPECT_GE(r.poster_seconds, 3.0) << "poster taken inside the fade";
  EXPECT_LE(r.poster_seconds, 4.0) << "poster should stay near the default position";
  Image poster = ReadImage(job.out_dir + "/poster_320.jpg");
  Image full = ReadImage(job.out_dir + "/thumb_002.jpg");  // 10 s: full brightness
  ASSERT_TRUE(poster.ok && full.ok);
  EXPECT_NEAR(poster.MeanLuma(), full.MeanLuma(), 0.05 * full.MeanLuma()) << "poster is dimmed";
}

TEST(ThumbnailsTest, ExplicitPosterPositionIsHonoured) {
  std::string in = Fixture("thumbs_black3_testsrc5.mp4", "");
  ASSERT_FALSE(in.empty());
  ThumbnailJob job = JobFor(in, testutil::FreshDir());
  job.poster_seconds = 1.0;
  ThumbnailResult r = RunOk(job);
  EXPECT_NEAR(r.poster_seconds, 1.0, 1.0 / 30);
  Image img = ReadImage(job.out_dir + "/poster_320.jpg");
  ASSERT_TRUE(img.ok);
  EXPECT_LT(img.MeanLuma(), 5) << "asked for a black frame, got another";
}

// Orientation checked against the ffmpeg CLI, which applies the display
// matrix itself: our picture must match its picture, not a turned one.
void ExpectSameOrientationAsCli(const std::string& in, const ThumbnailJob& job, const ThumbnailResult& r) {
  std::string poster = job.out_dir + "/poster_320.jpg";
  Image ours = ReadImage(poster);
  ASSERT_TRUE(ours.ok) << ours.error;
  std::string ref = job.out_dir + "/cli_reference.png";
  char ss[32];
  std::snprintf(ss, sizeof(ss), "%.3f", job.origin_seconds + r.poster_seconds);
  testutil::CommandResult cli = testutil::RunCommand(
      "ffmpeg -hide_banner -nostdin -v error -y -i '" + in + "' -ss " + ss + " -frames:v 1 -vf scale=" +
          std::to_string(ours.width) + ":" + std::to_string(ours.height) + " '" + ref + "'",
      true);
  ASSERT_EQ(cli.exit_status, 0) << cli.output;
  Image theirs = ReadImage(ref);
  ASSERT_TRUE(theirs.ok) << theirs.error;
  Image turned = theirs;  // the reference turned by 180 degrees
  size_t px = static_cast<size_t>(theirs.width) * theirs.height;
  for (size_t i = 0; i < px; ++i) {
    for (size_t c = 0; c < 3; ++c) turned.rgb[i * 3 + c] = theirs.rgb[(px - 1 - i) * 3 + c];
  }
  double same = MeanAbsDiff(ours, theirs), flipped = MeanAbsDiff(ours, turned);
  EXPECT_LT(same, 12);
  EXPECT_LT(same * 2, flipped) << "poster is not oriented like the CLI's frame";
}

TEST(ThumbnailsTest, Rotation90GivesPortraitPictures) {
  REQUIRE_CORPUS();
  std::string in = CorpusPath("phone_h264_rot90.mov");  // 568x320 coded, rotated 90
  ThumbnailJob job = JobFor(in, testutil::FreshDir());
  ASSERT_EQ(job.conditioning.rotation, 90);
  ThumbnailResult r = RunOk(job);
  SCOPED_TRACE(Describe(r));
  if (std::getenv("THUMBS_DEBUG")) std::fprintf(stderr, "%s", Describe(r).c_str());
  EXPECT_EQ(r.posters, (std::vector<std::string>{"poster_320.jpg", "poster_320.webp"}));
  Image poster = ReadImage(job.out_dir + "/poster_320.jpg");
  ASSERT_TRUE(poster.ok);
  EXPECT_EQ(poster.width, 320);
  EXPECT_EQ(poster.height, 568);
  EXPECT_EQ(r.tile_width, 160);
  EXPECT_EQ(r.tile_height, 284);
  Image still = ReadImage(job.out_dir + "/thumb_001.jpg");
  EXPECT_GT(still.height, still.width);
  ExpectSameOrientationAsCli(in, job, r);
}

TEST(ThumbnailsTest, Rotation180KeepsLandscapeAndTurnsPicture) {
  REQUIRE_CORPUS();
  std::string in = CorpusPath("phone_vfr_rot180_h264_aac.mp4");
  ThumbnailJob job = JobFor(in, testutil::FreshDir());
  ASSERT_EQ(job.conditioning.rotation, 180);
  ThumbnailResult r = RunOk(job);
  SCOPED_TRACE(Describe(r));
  if (std::getenv("THUMBS_DEBUG")) std::fprintf(stderr, "%s", Describe(r).c_str());
  EXPECT_EQ(r.posters, (std::vector<std::string>{"poster_1280.jpg", "poster_1280.webp", "poster_640.jpg",
                                                 "poster_640.webp", "poster_320.jpg", "poster_320.webp"}));
  Image poster = ReadImage(job.out_dir + "/poster_1280.jpg");
  EXPECT_EQ(poster.width, 1280);
  EXPECT_EQ(poster.height, 720);
  ExpectSameOrientationAsCli(in, job, r);
}

TEST(ThumbnailsTest, NonSquarePixelsBecomeSquareAtDisplayAspect) {
  REQUIRE_CORPUS();
  // 800x640 coded with SAR 64:45: displayed 1138x640 (16:9).
  ThumbnailJob job = JobFor(CorpusPath("bbb_800x640_sar64x45_h264_bpyramid.mp4"), testutil::FreshDir());
  ASSERT_EQ(job.sar, (Rational{64, 45}));
  ThumbnailResult r = RunOk(job);
  EXPECT_EQ(r.posters, (std::vector<std::string>{"poster_1138.jpg", "poster_1138.webp", "poster_640.jpg",
                                                 "poster_640.webp", "poster_320.jpg", "poster_320.webp"}));
  double dar = 800.0 * 64 / 45 / 640;
  for (const std::string& p : r.posters) {
    Image img = ReadImage(job.out_dir + "/" + p);
    ASSERT_TRUE(img.ok) << img.error;
    EXPECT_NEAR(static_cast<double>(img.width) / img.height, dar, 0.01) << p;
    EXPECT_TRUE(img.sar.num == 0 || img.sar.num == img.sar.den) << p << " has non-square pixels";
  }
  EXPECT_EQ(r.tile_width, 160);
  EXPECT_EQ(r.tile_height, 90);
  Image still = ReadImage(job.out_dir + "/thumb_001.jpg");
  EXPECT_EQ(still.width, 640);
  EXPECT_EQ(still.height, 360);
}

// HDR pictures are tone-mapped: an SDR JPEG with a plausible exposure,
// contrast and saturation, where the untreated PQ/HLG code values (the same
// job without tone mapping) look washed out.
void ExpectSaneSdr(const std::string& file, int expect_rotation) {
  REQUIRE_CORPUS();
  std::string in = CorpusPath(file);
  ThumbnailJob job = JobFor(in, testutil::FreshDir());
  ASSERT_TRUE(job.conditioning.tonemap_to_sdr) << file << " should probe as HDR";
  ASSERT_EQ(job.conditioning.rotation, expect_rotation);
  ThumbnailResult r = RunOk(job);
  SCOPED_TRACE(Describe(r));
  if (std::getenv("THUMBS_DEBUG")) std::fprintf(stderr, "%s", Describe(r).c_str());
  ASSERT_FALSE(r.posters.empty());
  Image poster = ReadImage(job.out_dir + "/" + r.posters[0]);
  ASSERT_TRUE(poster.ok);
  EXPECT_EQ(poster.height > poster.width, expect_rotation == 90) << "portrait iff rotated by 90";
  std::fprintf(stderr, "%s: mapped mean %.1f sd %.1f colour %.1f\n", file.c_str(), poster.MeanLuma(),
               poster.LumaStddev(), poster.Colourfulness());
  EXPECT_GT(poster.MeanLuma(), 35);
  EXPECT_LT(poster.MeanLuma(), 200);
  EXPECT_GT(poster.LumaStddev(), 20);
  ThumbnailJob raw = job;
  raw.conditioning.tonemap_to_sdr = false;
  raw.out_dir = testutil::FreshDir("-raw");
  ThumbnailResult rr = RunOk(raw);
  Image untreated = ReadImage(raw.out_dir + "/" + rr.posters[0]);
  std::fprintf(stderr, "%s: untreated mean %.1f sd %.1f colour %.1f\n", file.c_str(), untreated.MeanLuma(),
               untreated.LumaStddev(), untreated.Colourfulness());
  // BT.2020 code values shown as BT.601/709 lose about half their saturation.
  EXPECT_GT(poster.Colourfulness(), 1.5 * untreated.Colourfulness()) << "poster looks washed out";
}

TEST(ThumbnailsTest, HlgToneMappedToSaneSdr) { ExpectSaneSdr("phone_hevc10_hlg_rot90_editlist.mp4", 90); }
TEST(ThumbnailsTest, Hdr10ToneMappedToSaneSdr) { ExpectSaneSdr("av1_10bit_hdr10_1080p60_aac.mp4", 0); }

TEST(ThumbnailsTest, ColoursSurviveBt709Source) {
  // A flat colour encoded as BT.709 limited range: the JPEG (JFIF, BT.601 full
  // range) and WebP (BT.601 limited) must decode back to the same RGB.
  std::string in = Fixture("thumbs_colour_709.mp4",
                           "-f lavfi -i color=c=0xC02040:s=1280x720:r=25:d=2,format=rgb24 "
                           "-vf scale=out_color_matrix=bt709:out_range=tv,format=yuv420p "
                           "-colorspace bt709 -color_primaries bt709 -color_trc bt709 -color_range tv "
                           "-c:v libx264 -preset veryfast -qp 0");
  ASSERT_FALSE(in.empty());
  ThumbnailJob job = JobFor(in, testutil::FreshDir());
  ASSERT_EQ(job.conditioning.color_matrix, "bt709");
  // One tile per sheet, so the sheet's centre is the tile's (a full 5x5
  // sheet of one tile is black around it).
  job.sprite_cols = 1;
  job.sprite_rows = 1;
  ThumbnailResult r = RunOk(job);
  for (const std::string& p : {std::string("poster_320.jpg"), std::string("poster_320.webp"),
                               std::string("thumb_001.jpg"), std::string("sprite_001.jpg")}) {
    Image img = ReadImage(job.out_dir + "/" + p);
    ASSERT_TRUE(img.ok) << img.error;
    EXPECT_NEAR(img.CentreChannel(0), 0xC0, 4) << p << " red";
    EXPECT_NEAR(img.CentreChannel(1), 0x20, 4) << p << " green";
    EXPECT_NEAR(img.CentreChannel(2), 0x40, 4) << p << " blue";
  }
}

// Line-to-line alternation of luma: high where two fields of a moving
// picture are woven together.
double Combing(const Image& img) {
  double sum = 0;
  auto luma = [&](int x, int y) {
    const uint8_t* p = &img.rgb[(static_cast<size_t>(y) * img.width + x) * 3];
    return 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
  };
  for (int y = 1; y + 1 < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) sum += std::fabs(2 * luma(x, y) - luma(x, y - 1) - luma(x, y + 1));
  }
  return sum / (static_cast<double>(img.width) * (img.height - 2));
}

TEST(ThumbnailsTest, InterlacedPicturesHaveNoCombing) {
  // Two 60 Hz fields of a pattern panning at 240 px/s woven into each 30 Hz frame.
  std::string in = Fixture("thumbs_interlaced_tff.mp4",
                           "-f lavfi -i testsrc2=s=1920x240:r=60:d=6,crop=320:240:t*240:0,"
                           "tinterlace=mode=interleave_top,setfield=tff "
                           "-c:v libx264 -preset veryfast -flags +ildct+ilme -x264-params tff=1 -pix_fmt yuv420p");
  ASSERT_FALSE(in.empty());
  ThumbnailJob job = JobFor(in, testutil::FreshDir());
  ASSERT_TRUE(job.conditioning.deinterlace) << "fixture should probe as interlaced";
  job.poster_seconds = 3;
  ThumbnailResult r = RunOk(job);
  ThumbnailJob woven = job;
  woven.conditioning.deinterlace = false;
  woven.out_dir = testutil::FreshDir("-woven");
  ThumbnailResult w = RunOk(woven);
  EXPECT_EQ(r.poster_seconds, w.poster_seconds);
  Image a = ReadImage(job.out_dir + "/poster_320.jpg"), b = ReadImage(woven.out_dir + "/poster_320.jpg");
  ASSERT_TRUE(a.ok && b.ok);
  std::fprintf(stderr, "combing: deinterlaced %.2f woven %.2f\n", Combing(a), Combing(b));
  EXPECT_LT(Combing(a), 0.5 * Combing(b));
  // Stills and sprites go through the same conditioning.
  Image sa = ReadImage(job.out_dir + "/thumb_001.jpg"), sb = ReadImage(woven.out_dir + "/thumb_001.jpg");
  ASSERT_TRUE(sa.ok && sb.ok);
  EXPECT_LT(Combing(sa), 0.5 * Combing(sb));
}

TEST(ThumbnailsTest, InterlacedSourceIsDeinterlaced) {
  REQUIRE_CORPUS();
  ThumbnailJob job = JobFor(CorpusPath("h264_interlaced_tff_opengop.mp4"), testutil::FreshDir());
  ASSERT_TRUE(job.conditioning.deinterlace);
  ThumbnailResult r = RunOk(job);
  EXPECT_EQ(r.stills.size(), 1u);
  EXPECT_EQ(r.layout.tiles.size(), 3u);
  EXPECT_EQ(r.posters.size(), 4u);  // 640 and 320
  Image img = ReadImage(job.out_dir + "/poster_640.jpg");
  ASSERT_TRUE(img.ok);
  EXPECT_EQ(img.height, 360);
}

TEST(ThumbnailsTest, QualityChangesJpegSize) {
  std::string in = Testsrc23();
  ASSERT_FALSE(in.empty());
  ThumbnailJob low = JobFor(in, testutil::FreshDir("-low"));
  low.jpeg_quality = 30;
  ThumbnailJob high = low;
  high.jpeg_quality = 95;
  high.out_dir = testutil::FreshDir("-high");
  RunOk(low);
  RunOk(high);
  size_t a = fs::file_size(low.out_dir + "/sprite_001.jpg"), b = fs::file_size(high.out_dir + "/sprite_001.jpg");
  EXPECT_GT(b, a * 2) << "quality 95 vs 30";
  EXPECT_GT(fs::file_size(high.out_dir + "/poster_320.webp"), fs::file_size(low.out_dir + "/poster_320.webp"));
}

TEST(ThumbnailsTest, BadInputsGiveClearErrors) {
  std::string text = testutil::WriteFile("thumbs_not_video.mp4", "this is not a video, just some text\n");
  ThumbnailJob job;
  job.input_path = text;
  job.out_dir = testutil::FreshDir();
  job.duration_seconds = 10;
  StatusOr<ThumbnailResult> r = GenerateThumbnails(job);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kNotMedia);
  EXPECT_NE(r.status().message().find(text), std::string::npos) << r.status().message();

  std::string audio = Fixture("thumbs_audio_only.m4a", "-f lavfi -i sine=d=1 -c:a aac");
  ASSERT_FALSE(audio.empty());
  job.input_path = audio;
  r = GenerateThumbnails(job);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kNoDecodableStream) << r.status().ToString();

  if (testutil::CorpusAvailable()) {
    job.input_path = CorpusPath("vp9_invalid_bitstream.webm");  // no frame decodes
    r = GenerateThumbnails(job);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kCorruptInput) << r.status().ToString();
  }

  job.input_path = testutil::TestTmpDir() + "/does-not-exist.mp4";
  r = GenerateThumbnails(job);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kNotFound);

  job.input_path = Testsrc23();
  job.jpeg_quality = 0;
  r = GenerateThumbnails(job);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  // Nothing was written for the failed jobs.
  EXPECT_TRUE(fs::is_empty(job.out_dir));
}

// ---------------------------------------------------------------------------
// Pure policy.

TEST(ThumbnailsPolicyTest, JpegQscaleFollowsLibjpegScale) {
  EXPECT_EQ(JpegQscale(80), 6);
  EXPECT_EQ(JpegQscale(75), 7);
  EXPECT_EQ(JpegQscale(90), 3);
  EXPECT_EQ(JpegQscale(50), 14);
  EXPECT_EQ(JpegQscale(100), 2);
  EXPECT_EQ(JpegQscale(92), 2);
  EXPECT_EQ(JpegQscale(1), 31);
  EXPECT_EQ(JpegQscale(22), 31);
  for (int q = 2; q <= 100; ++q) EXPECT_LE(JpegQscale(q), JpegQscale(q - 1)) << q;
}

TEST(ThumbnailsPolicyTest, AnalyzeLumaGrid) {
  std::vector<uint8_t> flat(16, 100), checker(16), zero(16, 0);
  for (int i = 0; i < 16; ++i) checker[static_cast<size_t>(i)] = ((i % 4) + (i / 4)) % 2 ? 200 : 0;
  PosterStats f = AnalyzeLumaGrid(flat.data(), 4, 4, 4, nullptr);
  EXPECT_DOUBLE_EQ(f.mean, 100);
  EXPECT_DOUBLE_EQ(f.stddev, 0);
  EXPECT_DOUBLE_EQ(f.edge, 0);
  EXPECT_LT(f.mad_prev, 0);
  PosterStats c = AnalyzeLumaGrid(checker.data(), 4, 4, 4, zero.data());
  EXPECT_DOUBLE_EQ(c.mean, 100);
  EXPECT_DOUBLE_EQ(c.stddev, 100);
  EXPECT_DOUBLE_EQ(c.edge, 400);  // every neighbour differs by 200, two per pixel
  EXPECT_DOUBLE_EQ(c.mad_prev, 100);
}

PosterStats Stats(double mean, double sd, double edge, double mad) { return {mean, sd, edge, mad}; }

TEST(ThumbnailsPolicyTest, ScheduleCoversWindowAndFallbacks) {
  PosterSchedule s = MakePosterSchedule(60000, -1);
  EXPECT_EQ(s.target_ms, 6000);
  EXPECT_EQ(s.window_start_ms, 3000);
  EXPECT_EQ(s.window_end_ms, 9000);
  ASSERT_FALSE(s.candidates.empty());
  EXPECT_EQ(s.candidates.front().ms, 0);
  EXPECT_FALSE(s.candidates.front().in_window);
  int in_window = 0;
  for (size_t i = 0; i < s.candidates.size(); ++i) {
    if (i) {
      EXPECT_LT(s.candidates[i - 1].ms, s.candidates[i].ms);
    }
    in_window += s.candidates[i].in_window;
    EXPECT_LT(s.candidates[i].ms, 60000);
  }
  EXPECT_EQ(in_window, 25);
  EXPECT_EQ(s.candidates.back().ms, 59000);
  // Long video: at most 30 s in, window of +-10 s.
  PosterSchedule l = MakePosterSchedule(3600000, -1);
  EXPECT_EQ(l.target_ms, 30000);
  EXPECT_EQ(l.window_start_ms, 20000);
  EXPECT_EQ(l.window_end_ms, 40000);
  // Explicit: one candidate, clamped into the video.
  PosterSchedule e = MakePosterSchedule(5000, 9000);
  ASSERT_EQ(e.candidates.size(), 1u);
  EXPECT_EQ(e.candidates[0].ms, 4999);
}

// Feeds `stats` for the schedule's first candidates and chooses.
int ChooseFrom(PosterChooser& c, const std::vector<PosterStats>& stats) {
  for (size_t i = 0; i < stats.size() && c.Wants(i); ++i) EXPECT_TRUE(c.Add(i, stats[i]));
  c.Finish();
  return c.Choose();
}

TEST(ThumbnailsPolicyTest, ChooserRejectsFadeAndPrefersSharpNearTarget) {
  // 20 s: P = 2 s, window [0, 4] s every 250 ms (17 candidates).
  PosterChooser c(MakePosterSchedule(20000, -1));
  ASSERT_EQ(c.schedule().window_start_ms, 0);
  std::vector<PosterStats> st;
  for (int i = 0; i < 17; ++i) {
    int64_t ms = i * 250;
    double level = ms < 1000 ? 0 : ms < 3000 ? static_cast<double>(ms - 1000) / 2000 : 1;  // fade 1..3 s
    st.push_back(Stats(120 * level, 60 * level, 14 * level, i ? 3 : -1));
  }
  st[14].edge = 20;  // 3.5 s: the sharpest stable frame
  int chosen = ChooseFrom(c, st);
  ASSERT_GE(chosen, 0);
  EXPECT_EQ(c.schedule().candidates[static_cast<size_t>(chosen)].ms, 3500);
  for (const PosterCandidate& p : c.schedule().candidates) {
    if (p.ms > 1000 && p.ms <= 3000) {
      EXPECT_FALSE(p.good()) << p.ms << " is in the fade";
    }
  }
}

TEST(ThumbnailsPolicyTest, ChooserFallsBackAfterWindowAndStops) {
  PosterChooser c(MakePosterSchedule(60000, -1));  // window [3, 9] s
  std::vector<PosterStats> st;
  for (const PosterCandidate& p : c.schedule().candidates) {
    bool lit = p.ms >= 12000;  // black until 12 s
    st.push_back(lit ? Stats(120, 60, 14, 3) : Stats(2, 1, 0.5, 0.5));
  }
  int chosen = ChooseFrom(c, st);
  ASSERT_GE(chosen, 0);
  // 12 s follows black (unstable); 13 s is the first good one, and analysis
  // stopped right after it.
  EXPECT_EQ(c.schedule().candidates[static_cast<size_t>(chosen)].ms, 13000);
  EXPECT_EQ(c.added(), static_cast<size_t>(chosen) + 2);
  EXPECT_LE(c.Retained().size(), 5u);
}

TEST(ThumbnailsPolicyTest, ChooserPrefersNearestGoodOutsideWindow) {
  PosterChooser c(MakePosterSchedule(60000, -1));  // P = 6 s, window [3, 9] s
  std::vector<PosterStats> st;
  for (const PosterCandidate& p : c.schedule().candidates) {
    bool good = p.ms <= 1000 || p.ms >= 11000;  // 1 s is 5 s before P, 11 s is 5 s after
    st.push_back(good ? Stats(120, 60, 14, 3) : Stats(250, 1, 0.5, 0.5));
  }
  int chosen = ChooseFrom(c, st);
  // 1 s is unstable (next is white), 0 s is good (6 s away); 11 s unstable, 12 s good (6 s away): tie -> earlier.
  EXPECT_EQ(c.schedule().candidates[static_cast<size_t>(chosen)].ms, 0);
}

TEST(ThumbnailsPolicyTest, ChooserAllBadPicksMostDetailedNearest) {
  PosterChooser c(MakePosterSchedule(8000, -1));
  std::vector<PosterStats> st(c.schedule().candidates.size(), Stats(0, 0, 0, 0));
  int chosen = ChooseFrom(c, st);
  // Everything equal: nearest to P (0.8 s) wins.
  EXPECT_EQ(c.schedule().candidates[static_cast<size_t>(chosen)].ms, 750);
  PosterChooser explicit_pos(MakePosterSchedule(8000, 1000));
  EXPECT_EQ(ChooseFrom(explicit_pos, {Stats(0, 0, 0, -1)}), 0);
}

TEST(ThumbnailsPolicyTest, ChooserKeepsFewFrames) {
  PosterChooser c(MakePosterSchedule(600000, -1));
  size_t most = 0;
  for (size_t i = 0; i < c.schedule().candidates.size() && c.Wants(i); ++i) {
    double wobble = static_cast<double>((i * 37) % 11);
    c.Add(i, Stats(100 + wobble, 40, 10 + wobble, 2));
    most = std::max(most, c.Retained().size());
  }
  EXPECT_LE(most, 5u);
}

// ---------------------------------------------------------------------------
// Not a test: CPU time of GenerateThumbnails with the defaults on 60 s of
// 1080p30 H.264, for docs/benchmarks.md. ctest does not register "*Bench*"
// names (tests/CMakeLists.txt); bench/thumbnails_bench.sh runs it beside
// the ffmpeg CLI.
TEST(ThumbnailsBench, Defaults60s1080p) {
  std::string in = Fixture("thumbs_bench_1080p_60s.mp4",
                           "-f lavfi -i testsrc2=s=1920x1080:r=30:d=60 -c:v libx264 -preset fast -pix_fmt yuv420p");
  ThumbnailJob job = JobFor(in, testutil::FreshDir());
  std::clock_t t0 = std::clock();
  ThumbnailResult r = RunOk(job);
  double cpu = static_cast<double>(std::clock() - t0) / CLOCKS_PER_SEC;
  std::printf("    vtp GenerateThumbnails: %.2f CPU-s (%zu posters, %zu stills, %zu sheets; %lld frames decoded, "
              "%lld converted)\n",
              cpu, r.posters.size(), r.stills.size(), r.sprites.size(), static_cast<long long>(r.frames_decoded),
              static_cast<long long>(r.frames_converted));
  std::printf("    input: %s\n", in.c_str());
}

}  // namespace
}  // namespace vtp::media
