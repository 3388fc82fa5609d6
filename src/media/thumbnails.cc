// GenerateThumbnails: one decode pass; stills, sprite tiles and poster
// candidates are picked as the frames go by, and only picked frames are
// conditioned and scaled (media/thumbnails.h).
#include "media/thumbnails.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

extern "C" {
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include "media/conditioning.h"
#include "media/demuxer.h"
#include "media/encoder.h"
#include "media/filter_graph.h"
#include "media/probe.h"

namespace vtp::media {
namespace {

namespace fs = std::filesystem;

struct SwsDeleter {
  void operator()(SwsContext* s) const { sws_freeContext(s); }
};
using SwsPtr = std::unique_ptr<SwsContext, SwsDeleter>;
using BytePtr = std::unique_ptr<uint8_t, AvFreeDeleter>;

int EvenDown(int v) { return std::max(2, v & ~1); }
int EvenRound(double v) { return std::max(2, static_cast<int>(std::lround(v / 2.0)) * 2); }

enum class Flavor { kJpeg, kWebp };

struct OutputSpec {
  int w = 0, h = 0;
  Flavor flavor = Flavor::kJpeg;
};

// A picture `w` wide (never wider than the display) at the display aspect.
OutputSpec SpecForWidth(int w, int display_w, int display_h, Flavor flavor) {
  OutputSpec s;
  s.w = EvenDown(std::min(w, display_w));
  s.h = EvenRound(static_cast<double>(s.w) * display_h / display_w);
  s.flavor = flavor;
  return s;
}

std::string Numbered(const char* prefix, int n, const char* suffix) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%s%03d%s", prefix, n, suffix);
  return buf;
}

std::string SheetName(int sheet) { return Numbered("sprite_", sheet + 1, ".jpg"); }

// The scale filter's name for the matrix of the pictures it receives.
std::string InputMatrix(const PictureConditioning& c, const AVCodecParameters* par) {
  if (c.tonemap_to_sdr) return "bt709";  // the tone-mapping chain's output
  std::string name = c.color_matrix;
  if (name.empty() || name == "unknown" || name == "unspecified" || name == "reserved") {
    const char* tag = par->color_space == AVCOL_SPC_UNSPECIFIED ? nullptr : av_color_space_name(par->color_space);
    name = tag != nullptr ? tag : "";
  }
  if (name == "bt709") return "bt709";
  if (name == "bt470bg" || name == "smpte170m") return "bt601";
  if (name == "bt2020nc" || name == "bt2020c") return "bt2020";
  if (name == "fcc") return "fcc";
  if (name == "smpte240m") return "smpte240m";
  return par->width >= 1280 || par->height >= 720 ? "bt709" : "bt601";
}

std::string ScaleChain(const OutputSpec& o, const std::string& in_matrix) {
  return "scale=" + std::to_string(o.w) + ":" + std::to_string(o.h) +
         ":flags=bicubic+accurate_rnd+full_chroma_int+bitexact:in_color_matrix=" + in_matrix +
         ":out_color_matrix=bt601:out_range=" + (o.flavor == Flavor::kJpeg ? "full" : "tv") +
         ",format=yuv420p,setsar=1";
}

// "[in]" split into one scaler per output, "[out0]".."[outN-1]".
std::string ScaleGraph(const std::vector<OutputSpec>& specs, const std::string& in_matrix) {
  if (specs.size() == 1) return "[in]" + ScaleChain(specs[0], in_matrix) + "[out0]";
  std::string desc = "[in]split=" + std::to_string(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) desc += "[s" + std::to_string(i) + "]";
  for (size_t i = 0; i < specs.size(); ++i) {
    desc += ";[s" + std::to_string(i) + "]" + ScaleChain(specs[i], in_matrix) + "[out" + std::to_string(i) + "]";
  }
  return desc;
}

// A decoder-shaped context describing `f`, for FilterGraph::Create.
StatusOr<CodecContextPtr> FrameShape(const AVFrame* f) {
  CodecContextPtr ctx(avcodec_alloc_context3(nullptr));
  if (!ctx) return Internal("avcodec_alloc_context3 failed");
  ctx->codec_type = AVMEDIA_TYPE_VIDEO;
  ctx->width = f->width;
  ctx->height = f->height;
  ctx->pix_fmt = static_cast<AVPixelFormat>(f->format);
  ctx->sample_aspect_ratio = f->sample_aspect_ratio;
  return ctx;
}

// A picked frame with its neighbours (used only when deinterlacing).
struct Pick {
  AVFrame* prev = nullptr;
  AVFrame* cur = nullptr;
  AVFrame* next = nullptr;
};

FramePtr Clone(const AVFrame* f) { return f == nullptr ? FramePtr() : FramePtr(av_frame_clone(f)); }

struct HeldPick {
  FramePtr prev, cur, next;
  Pick view() const { return {prev.get(), cur.get(), next.get()}; }
};

// Conditions and scales picked frames in two stages, so the expensive
// conditioning (tone mapping works in 32-bit float RGB) runs once per picked
// frame and exists once in memory, whatever set of sizes that frame feeds.
// Stage 1 (conditioning) and stage 2 (split + one scaler per output size)
// are stateless without deinterlacing, so one graph per input shape is kept
// and fed only the picked frames. bwdif needs the neighbouring frames, so
// deinterlacing builds a fresh stage 1 and pushes prev, cur, next.
class Converter {
 public:
  Converter(const PictureConditioning& c, std::string in_matrix, AVRational tb)
      : filters_(ConditioningFilters(c)), temporal_(c.deinterlace), in_matrix_(std::move(in_matrix)), tb_(tb) {}

  StatusOr<std::vector<FramePtr>> Convert(const Pick& p, const std::vector<OutputSpec>& specs) {
    ++converted_;
    ASSIGN_OR_RETURN(FramePtr conditioned, Condition(p));
    std::string desc = ScaleGraph(specs, in_matrix_);
    int n = static_cast<int>(specs.size());
    ASSIGN_OR_RETURN(FilterGraph * g, Cached(conditioned.get(), desc, n));
    RETURN_IF_ERROR(g->Push(conditioned.get()));
    std::vector<FramePtr> outs;
    for (int i = 0; i < n; ++i) {
      FramePtr out = MakeFrame();
      ASSIGN_OR_RETURN(bool got, g->Pull(i, out.get()));
      if (!got) return Internal("filter graph gave no picture for '" + desc + "'");
      outs.push_back(std::move(out));
    }
    return outs;
  }

  int64_t converted() const { return converted_; }

 private:
  StatusOr<FramePtr> Condition(const Pick& p) {
    if (filters_.empty()) return Clone(p.cur);
    std::string desc = "[in]";
    for (size_t i = 0; i < filters_.size(); ++i) desc += (i ? "," : "") + filters_[i];
    desc += "[out0]";
    if (!temporal_) {
      ASSIGN_OR_RETURN(FilterGraph * g, Cached(p.cur, desc, 1));
      RETURN_IF_ERROR(g->Push(p.cur));
      FramePtr out = MakeFrame();
      ASSIGN_OR_RETURN(bool got, g->Pull(0, out.get()));
      if (!got) return Internal("filter graph gave no picture for '" + desc + "'");
      return out;
    }
    ASSIGN_OR_RETURN(CodecContextPtr ctx, FrameShape(p.cur));
    ASSIGN_OR_RETURN(FilterGraph g, FilterGraph::Create(ctx.get(), tb_, desc, 1));
    for (AVFrame* f : {p.prev, p.cur, p.next}) {
      if (f != nullptr && f->width == p.cur->width && f->height == p.cur->height && f->format == p.cur->format) {
        RETURN_IF_ERROR(g.Push(f));
      }
    }
    RETURN_IF_ERROR(g.Push(nullptr));
    FramePtr chosen;
    for (;;) {
      FramePtr out = MakeFrame();
      ASSIGN_OR_RETURN(bool got, g.Pull(0, out.get()));
      if (!got) break;
      if (!chosen || av_rescale_q(out->pts, g.output_time_base(0), tb_) == p.cur->pts) chosen = std::move(out);
    }
    if (!chosen) return Internal("filter graph gave no picture for '" + desc + "'");
    return chosen;
  }

  // The graph `desc` for input frames shaped like `f`, built on first use.
  StatusOr<FilterGraph*> Cached(const AVFrame* f, const std::string& desc, int outputs) {
    char shape[96];
    std::snprintf(shape, sizeof(shape), "%dx%d:%d:%d/%d|", f->width, f->height, f->format,
                  f->sample_aspect_ratio.num, f->sample_aspect_ratio.den);
    std::string key = shape + desc;
    auto it = graphs_.find(key);
    if (it == graphs_.end()) {
      ASSIGN_OR_RETURN(CodecContextPtr ctx, FrameShape(f));
      ASSIGN_OR_RETURN(FilterGraph g, FilterGraph::Create(ctx.get(), tb_, desc, outputs));
      it = graphs_.emplace(key, std::move(g)).first;
    }
    return &it->second;
  }

  std::vector<std::string> filters_;
  bool temporal_;
  std::string in_matrix_;
  AVRational tb_;
  std::map<std::string, FilterGraph> graphs_;
  int64_t converted_ = 0;
};

StatusOr<std::string> EncodeImage(AVFrame* f, Flavor flavor, int quality) {
  bool jpeg = flavor == Flavor::kJpeg;
  int qscale = JpegQscale(quality);
  std::map<std::string, std::string> opts;
  if (!jpeg) opts["quality"] = std::to_string(std::clamp(quality, 0, 100));
  ASSIGN_OR_RETURN(Encoder enc, Encoder::Open(jpeg ? "mjpeg" : "libwebp", opts, [&](AVCodecContext* c) {
    c->width = f->width;
    c->height = f->height;
    c->pix_fmt = AV_PIX_FMT_YUV420P;
    c->time_base = {1, 25};
    c->sample_aspect_ratio = {1, 1};
    c->thread_count = 1;
    c->flags |= AV_CODEC_FLAG_BITEXACT;
    c->color_range = jpeg ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
    c->colorspace = AVCOL_SPC_BT470BG;
    if (jpeg) {
      // Fixed quantiser: the encoder reads it from each frame's quality.
      c->flags |= AV_CODEC_FLAG_QSCALE;
      c->global_quality = qscale * FF_QP2LAMBDA;
    }
  }));
  f->pts = 0;
  f->pict_type = AV_PICTURE_TYPE_NONE;
  f->quality = jpeg ? qscale * FF_QP2LAMBDA : 0;
  f->color_range = jpeg ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
  f->colorspace = AVCOL_SPC_BT470BG;
  RETURN_IF_ERROR(enc.Send(f));
  RETURN_IF_ERROR(enc.Send(nullptr));
  std::string bytes;
  PacketPtr pkt = MakePacket();
  for (;;) {
    ASSIGN_OR_RETURN(bool got, enc.Receive(pkt.get()));
    if (!got) break;
    bytes.append(reinterpret_cast<const char*>(pkt->data), static_cast<size_t>(pkt->size));
    av_packet_unref(pkt.get());
  }
  if (bytes.empty()) return Status(ErrorCode::kEncodeFailed, std::string(jpeg ? "mjpeg" : "libwebp") + " gave no image");
  return bytes;
}

Status WriteAtomic(const fs::path& path, const std::string& bytes) {
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) return IoError("cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return IoError("cannot rename " + tmp.string() + " to " + path.string() + ": " + ec.message());
  return Status::Ok();
}

// Full-range black yuv420p picture.
StatusOr<FramePtr> BlackPicture(int w, int h) {
  FramePtr f = MakeFrame();
  f->format = AV_PIX_FMT_YUV420P;
  f->width = w;
  f->height = h;
  RETURN_IF_ERROR(AvStatus(av_frame_get_buffer(f.get(), 0), ErrorCode::kInternal, "allocating sprite sheet"));
  for (int y = 0; y < h; ++y) std::memset(f->data[0] + static_cast<ptrdiff_t>(y) * f->linesize[0], 0, static_cast<size_t>(w));
  for (int p = 1; p < 3; ++p) {
    for (int y = 0; y < (h + 1) / 2; ++y) {
      std::memset(f->data[p] + static_cast<ptrdiff_t>(y) * f->linesize[p], 128, static_cast<size_t>((w + 1) / 2));
    }
  }
  f->color_range = AVCOL_RANGE_JPEG;
  f->sample_aspect_ratio = {1, 1};
  return f;
}

// Copies the yuv420p picture `tile` (even size and position) into `sheet`.
void Blit(const AVFrame* tile, AVFrame* sheet, int x, int y) {
  for (int p = 0; p < 3; ++p) {
    int shift = p == 0 ? 0 : 1;
    int w = tile->width >> shift, h = tile->height >> shift;
    for (int r = 0; r < h; ++r) {
      std::memcpy(sheet->data[p] + static_cast<ptrdiff_t>((y >> shift) + r) * sheet->linesize[p] + (x >> shift),
                  tile->data[p] + static_cast<ptrdiff_t>(r) * tile->linesize[p], static_cast<size_t>(w));
    }
  }
}

struct Event {
  enum Kind { kSprite = 0, kStill = 1, kPoster = 2 };
  int64_t target = 0;  // stream ticks
  Kind kind = kSprite;
  size_t index = 0;
};

class ThumbnailPass {
 public:
  ThumbnailPass(const ThumbnailJob& job, AVRational tb, const AVCodecParameters* par, int display_w, int display_h,
                int64_t duration_ms)
      : job_(job),
        tb_(tb),
        dir_(job.out_dir),
        converter_(job.conditioning, InputMatrix(job.conditioning, par), tb),
        chooser_(MakePosterSchedule(duration_ms, job.poster_seconds >= 0
                                                     ? std::llround(job.poster_seconds * 1000)
                                                     : -1)),
        grid_(static_cast<uint8_t*>(av_malloc(kPosterGrid * kPosterGrid + 64))),
        prev_grid_(static_cast<uint8_t*>(av_malloc(kPosterGrid * kPosterGrid + 64))) {
    origin_pts_ = std::llround(job.origin_seconds * tb.den / tb.num);
    int64_t interval_ms = std::llround(job.sprite_interval * 1000);
    if (interval_ms > 0) {
      sprite_spec_ = SpecForWidth(job.sprite_tile_width, display_w, display_h, Flavor::kJpeg);
      result_.layout = LayoutSprites(duration_ms, interval_ms, job.sprite_cols, job.sprite_rows, sprite_spec_.w,
                                     sprite_spec_.h);
      result_.tile_width = sprite_spec_.w;
      result_.tile_height = sprite_spec_.h;
      for (size_t i = 0; i < result_.layout.tiles.size(); ++i) {
        events_.push_back({Target(result_.layout.tiles[i].start_ms), Event::kSprite, i});
      }
    }
    int64_t still_ms = std::llround(job.still_interval * 1000);
    if (still_ms > 0) {
      still_spec_ = SpecForWidth(job.still_width, display_w, display_h, Flavor::kJpeg);
      result_.still_width = still_spec_.w;
      result_.still_height = still_spec_.h;
      for (int64_t k = 0; k * still_ms < duration_ms; ++k) {
        events_.push_back({Target(k * still_ms), Event::kStill, static_cast<size_t>(k)});
      }
    }
    for (int w : job.poster_widths) {
      OutputSpec s = SpecForWidth(w, display_w, display_h, Flavor::kJpeg);
      bool seen = false;
      for (const OutputSpec& p : poster_specs_) seen = seen || p.w == s.w;
      if (seen) continue;
      poster_specs_.push_back(s);
      s.flavor = Flavor::kWebp;
      poster_specs_.push_back(s);
    }
    if (!poster_specs_.empty()) {
      const auto& cands = chooser_.schedule().candidates;
      for (size_t i = 0; i < cands.size(); ++i) events_.push_back({Target(cands[i].ms), Event::kPoster, i});
    }
    std::stable_sort(events_.begin(), events_.end(), [](const Event& a, const Event& b) {
      return a.target != b.target ? a.target < b.target : a.kind < b.kind;
    });
  }

  Status Check() const {
    if (!grid_ || !prev_grid_) return Internal("out of memory");
    return Status::Ok();
  }

  Status OnFrame(const AVFrame* frame) {
    int64_t ts = frame->best_effort_timestamp;
    if (ts == AV_NOPTS_VALUE || (held_ && ts <= held_->pts)) return Status::Ok();
    FramePtr cur = Clone(frame);
    if (!cur) return Internal("av_frame_clone failed");
    cur->pts = ts;
    ++result_.frames_decoded;
    if (!held_) {
      RETURN_IF_ERROR(Dispatch(ts, {nullptr, cur.get(), nullptr}));
    } else {
      RETURN_IF_ERROR(Dispatch(ts, {held2_.get(), held_.get(), cur.get()}));
    }
    if (job_.conditioning.deinterlace) held2_ = std::move(held_);
    held_ = std::move(cur);
    return Status::Ok();
  }

  StatusOr<ThumbnailResult> Finish() {
    if (!held_) return Status(ErrorCode::kCorruptInput, "no decodable video frame in " + job_.input_path);
    RETURN_IF_ERROR(Dispatch(INT64_MAX, {held2_.get(), held_.get(), nullptr}));
    chooser_.Finish();
    RETURN_IF_ERROR(WritePoster());
    if (!result_.layout.tiles.empty()) {
      std::string vtt = WriteThumbnailVtt(result_.layout, SheetName);
      RETURN_IF_ERROR(WriteAtomic(dir_ / "thumbnails.vtt", vtt));
      result_.vtt = "thumbnails.vtt";
    }
    result_.poster_candidates.assign(chooser_.schedule().candidates.begin(),
                                     chooser_.schedule().candidates.begin() +
                                         static_cast<ptrdiff_t>(chooser_.added()));
    result_.frames_converted = converter_.converted();
    return std::move(result_);
  }

 private:
  int64_t Target(int64_t ms) const { return origin_pts_ + av_rescale_q(ms, {1, 1000}, tb_); }

  // Every event whose time falls before `limit` shows `p.cur`.
  Status Dispatch(int64_t limit, const Pick& p) {
    size_t end = next_;
    while (end < events_.size() && events_[end].target < limit) ++end;
    if (end == next_) return Status::Ok();
    bool sprite = false, still = false;
    for (size_t i = next_; i < end; ++i) {
      sprite = sprite || events_[i].kind == Event::kSprite;
      still = still || events_[i].kind == Event::kStill;
    }
    std::vector<OutputSpec> specs;
    if (sprite) specs.push_back(sprite_spec_);
    if (still) specs.push_back(still_spec_);
    std::vector<FramePtr> outs;
    if (!specs.empty()) {
      ASSIGN_OR_RETURN(outs, converter_.Convert(p, specs));
    }
    for (size_t i = next_; i < end; ++i) {
      const Event& e = events_[i];
      if (e.kind == Event::kSprite) RETURN_IF_ERROR(PlaceTile(e.index, outs[0].get()));
      if (e.kind == Event::kStill) RETURN_IF_ERROR(WriteStill(e.index, outs[sprite ? 1 : 0].get()));
      if (e.kind == Event::kPoster) RETURN_IF_ERROR(Examine(e.index, p));
    }
    next_ = end;
    return Status::Ok();
  }

  Status PlaceTile(size_t index, const AVFrame* tile) {
    const SpriteLayout& l = result_.layout;
    const SpriteTile& t = l.tiles[index];
    if (!sheet_) {
      SpriteSheetSize size = SheetSize(l, t.sheet);
      ASSIGN_OR_RETURN(sheet_, BlackPicture(size.width, size.height));
    }
    Blit(tile, sheet_.get(), t.x, t.y);
    bool last_on_sheet = index + 1 == l.tiles.size() || l.tiles[index + 1].sheet != t.sheet;
    if (!last_on_sheet) return Status::Ok();
    ASSIGN_OR_RETURN(std::string bytes, EncodeImage(sheet_.get(), Flavor::kJpeg, job_.jpeg_quality));
    sheet_.reset();
    std::string name = SheetName(t.sheet);
    RETURN_IF_ERROR(WriteAtomic(dir_ / name, bytes));
    result_.sprites.push_back(name);
    return Status::Ok();
  }

  Status WriteStill(size_t index, AVFrame* picture) {
    // A frame may stand for several stills (a long still frame): encode a copy.
    FramePtr copy = Clone(picture);
    ASSIGN_OR_RETURN(std::string bytes, EncodeImage(copy.get(), Flavor::kJpeg, job_.jpeg_quality));
    std::string name = Numbered("thumb_", static_cast<int>(index) + 1, ".jpg");
    RETURN_IF_ERROR(WriteAtomic(dir_ / name, bytes));
    result_.stills.push_back(name);
    return Status::Ok();
  }

  Status Grid(const AVFrame* f) {
    if (f->pts == grid_pts_) return Status::Ok();
    auto fmt = static_cast<AVPixelFormat>(f->format);
    SwsContext* c = sws_getCachedContext(sws_.release(), f->width, f->height, fmt, kPosterGrid, kPosterGrid,
                                         AV_PIX_FMT_GRAY8, SWS_AREA | SWS_BITEXACT, nullptr, nullptr, nullptr);
    sws_.reset(c);
    if (c == nullptr) return Internal(std::string("cannot measure pictures of format ") + av_get_pix_fmt_name(fmt));
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(fmt);
    bool full = f->color_range == AVCOL_RANGE_JPEG || (d != nullptr && std::strncmp(d->name, "yuvj", 4) == 0);
    // Best effort: formats without a range (RGB) keep swscale's defaults.
    (void)sws_setColorspaceDetails(c, sws_getCoefficients(SWS_CS_DEFAULT), full ? 1 : 0,
                                   sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
    uint8_t* dst[4] = {grid_.get(), nullptr, nullptr, nullptr};
    int dst_stride[4] = {kPosterGrid, 0, 0, 0};
    sws_scale(c, f->data, f->linesize, 0, f->height, dst, dst_stride);
    grid_pts_ = f->pts;
    return Status::Ok();
  }

  Status Examine(size_t index, const Pick& p) {
    if (!chooser_.Wants(index)) return Status::Ok();
    RETURN_IF_ERROR(Grid(p.cur));
    PosterStats stats = AnalyzeLumaGrid(grid_.get(), kPosterGrid, kPosterGrid, kPosterGrid,
                                        chooser_.added() > 0 ? prev_grid_.get() : nullptr);
    chooser_.Add(index, stats);
    std::memcpy(prev_grid_.get(), grid_.get(), kPosterGrid * kPosterGrid);
    HeldPick& h = held_picks_[index];
    h.cur = Clone(p.cur);
    if (job_.conditioning.deinterlace) {
      h.prev = Clone(p.prev);
      h.next = Clone(p.next);
    }
    std::vector<size_t> keep = chooser_.Retained();
    for (auto it = held_picks_.begin(); it != held_picks_.end();) {
      it = std::find(keep.begin(), keep.end(), it->first) == keep.end() ? held_picks_.erase(it) : std::next(it);
    }
    return Status::Ok();
  }

  Status WritePoster() {
    int chosen = chooser_.Choose();
    result_.poster_candidate = chosen;
    if (chosen < 0 || poster_specs_.empty()) return Status::Ok();
    auto it = held_picks_.find(static_cast<size_t>(chosen));
    if (it == held_picks_.end() || !it->second.cur) return Internal("poster frame was not kept");
    const AVFrame* f = it->second.cur.get();
    result_.poster_seconds = static_cast<double>(f->pts - origin_pts_) * av_q2d(tb_);
    ASSIGN_OR_RETURN(std::vector<FramePtr> outs, converter_.Convert(it->second.view(), poster_specs_));
    for (size_t i = 0; i < poster_specs_.size(); ++i) {
      const OutputSpec& s = poster_specs_[i];
      bool jpeg = s.flavor == Flavor::kJpeg;
      ASSIGN_OR_RETURN(std::string bytes, EncodeImage(outs[i].get(), s.flavor, job_.jpeg_quality));
      std::string name = "poster_" + std::to_string(s.w) + (jpeg ? ".jpg" : ".webp");
      RETURN_IF_ERROR(WriteAtomic(dir_ / name, bytes));
      result_.posters.push_back(name);
    }
    return Status::Ok();
  }

  const ThumbnailJob& job_;
  AVRational tb_;
  fs::path dir_;
  int64_t origin_pts_ = 0;
  Converter converter_;
  PosterChooser chooser_;
  OutputSpec sprite_spec_, still_spec_;
  std::vector<OutputSpec> poster_specs_;
  std::vector<Event> events_;
  size_t next_ = 0;
  FramePtr held_, held2_;
  FramePtr sheet_;
  std::map<size_t, HeldPick> held_picks_;
  SwsPtr sws_;
  BytePtr grid_, prev_grid_;
  int64_t grid_pts_ = AV_NOPTS_VALUE;
  ThumbnailResult result_;
};

Status Validate(const ThumbnailJob& job) {
  if (job.out_dir.empty()) return InvalidArgument("thumbnails need an output directory");
  if (job.still_interval < 0 || job.sprite_interval < 0) return InvalidArgument("thumbnail intervals must not be negative");
  if (job.still_interval > 0 && job.still_width <= 0) return InvalidArgument("still width must be positive");
  if (job.sprite_interval > 0 && (job.sprite_tile_width <= 0 || job.sprite_cols <= 0 || job.sprite_rows <= 0)) {
    return InvalidArgument("sprite tile width, columns and rows must be positive");
  }
  for (int w : job.poster_widths) {
    if (w <= 0) return InvalidArgument("poster widths must be positive");
  }
  if (job.jpeg_quality < 1 || job.jpeg_quality > 100) return InvalidArgument("jpeg quality must be 1..100");
  return Status::Ok();
}

}  // namespace

StatusOr<ThumbnailResult> GenerateThumbnails(const ThumbnailJob& job) {
  RETURN_IF_ERROR(Validate(job));
  ASSIGN_OR_RETURN(InputFormatPtr in, OpenInput(job.input_path));
  int index = job.stream_index;
  if (index < 0) {
    index = av_find_best_stream(in.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    if (index < 0) return Status(ErrorCode::kNoDecodableStream, "no video stream in " + job.input_path);
  }
  if (index >= static_cast<int>(in->nb_streams)) {
    return InvalidArgument("stream index " + std::to_string(index) + " out of range in " + job.input_path);
  }
  AVStream* st = in->streams[index];
  if (st->codecpar->codec_type != AVMEDIA_TYPE_VIDEO) {
    return Status(ErrorCode::kNoDecodableStream, "stream " + std::to_string(index) + " of " + job.input_path + " is not video");
  }
  for (unsigned i = 0; i < in->nb_streams; ++i) {
    if (static_cast<int>(i) != index) in->streams[i]->discard = AVDISCARD_ALL;
  }
  const AVCodecParameters* par = st->codecpar;
  if (par->width <= 0 || par->height <= 0) {
    return Status(ErrorCode::kCorruptInput, "video stream of " + job.input_path + " has no picture size");
  }

  double duration = job.duration_seconds;
  if (duration <= 0 && in->duration > 0) {
    double start = in->start_time != AV_NOPTS_VALUE ? static_cast<double>(in->start_time) / AV_TIME_BASE : 0;
    duration = start + static_cast<double>(in->duration) / AV_TIME_BASE - job.origin_seconds;
  }
  int64_t duration_ms = std::llround(duration * 1000);
  if (duration_ms <= 0) return InvalidArgument("thumbnails need the video's duration (" + job.input_path + ")");

  Rational sar = job.sar;
  if (sar.num <= 0 || sar.den <= 0) {
    AVRational s = st->sample_aspect_ratio.num > 0 ? st->sample_aspect_ratio : par->sample_aspect_ratio;
    sar = s.num > 0 && s.den > 0 ? Rational{s.num, s.den} : Rational{1, 1};
  }
  int display_w = 0, display_h = 0;
  DisplaySize(par->width, par->height, sar, job.conditioning.rotation, &display_w, &display_h);
  if (display_w <= 0 || display_h <= 0) return InvalidArgument("video has no usable picture size");

  std::error_code ec;
  fs::create_directories(job.out_dir, ec);
  if (ec) return IoError("cannot create " + job.out_dir + ": " + ec.message());

  ASSIGN_OR_RETURN(Decoder dec, Decoder::Open(st, job.decoder_threads));
  ThumbnailPass pass(job, st->time_base, par, display_w, display_h, duration_ms);
  RETURN_IF_ERROR(pass.Check());
  PacketPtr pkt = MakePacket();
  FramePtr frame = MakeFrame();
  auto on_frame = [&](AVFrame* f) { return pass.OnFrame(f); };
  for (;;) {
    int ret = av_read_frame(in.get(), pkt.get());
    if (ret == AVERROR_EOF) break;
    RETURN_IF_ERROR(AvStatus(ret, ErrorCode::kCorruptInput, "reading " + job.input_path));
    Status s = pkt->stream_index == index ? dec.Feed(pkt.get(), frame.get(), on_frame) : Status::Ok();
    av_packet_unref(pkt.get());
    RETURN_IF_ERROR(s);
  }
  RETURN_IF_ERROR(dec.Feed(nullptr, frame.get(), on_frame));
  return pass.Finish();
}

}  // namespace vtp::media
