#include "domain/cenc_init.h"

#include <functional>
#include <span>
#include <string_view>

namespace vtp::cenc {
namespace {

using Bytes = std::vector<uint8_t>;
using EditFn = std::function<StatusOr<Bytes>(const bmff::Box&, bmff::ByteSpan whole)>;

struct EntryCodec {
  std::string_view entry, codec, config;
  bool video;
};

// The sample entries vtp packages (see media/package.h) and their
// decoder configuration boxes.
constexpr EntryCodec kEntries[] = {
    {"avc1", "h264", "avcC", true}, {"avc3", "h264", "avcC", true},
    {"hvc1", "hevc", "hvcC", true}, {"hev1", "hevc", "hvcC", true},
    {"vp09", "vp9", "vpcC", true},  {"av01", "av1", "av1C", true},
    {"mp4a", "aac", "", false},     {"Opus", "opus", "", false},
};

// Bytes of a VisualSampleEntry / AudioSampleEntry (v0) before its child
// boxes, after the 8-byte box header (14496-12 §12.1.3, §12.2.3).
constexpr size_t kVisualEntryFields = 78;
constexpr size_t kAudioEntryFields = 28;

const EntryCodec* FindEntry(std::string_view type) {
  for (const EntryCodec& e : kEntries) {
    if (e.entry == type) return &e;
  }
  return nullptr;
}

bmff::ByteSpan BoxBytes(bmff::ByteSpan within, const bmff::Box& box) {
  return within.subspan(box.offset, box.size);
}

void WriteBoxWithPayload(bmff::BoxWriter& w, const bmff::Box& box, std::span<const uint8_t> payload) {
  w.BeginBox(box.type);
  w.WriteBytes(payload);
  w.EndBox();
}

// `boxes` with the first box on `path` (container types, then the target)
// replaced by edit(target), every box on the way resized.
StatusOr<Bytes> EditPath(bmff::ByteSpan boxes, std::span<const std::string_view> path, const EditFn& edit) {
  ASSIGN_OR_RETURN(std::vector<bmff::Box> list, bmff::ReadBoxes(boxes));
  bmff::BoxWriter w;
  bool done = false;
  for (const bmff::Box& box : list) {
    if (done || box.type != path.front()) {
      w.WriteBytes(BoxBytes(boxes, box));
      continue;
    }
    done = true;
    if (path.size() == 1) {
      ASSIGN_OR_RETURN(Bytes replaced, edit(box, boxes));
      w.WriteBytes(replaced);
    } else {
      ASSIGN_OR_RETURN(Bytes inner, EditPath(box.payload, path.subspan(1), edit));
      WriteBoxWithPayload(w, box, inner);
    }
  }
  if (!done) return InvalidArgument("cenc init: no " + std::string(path.front()) + " box");
  return std::move(w).Finish();
}

size_t EntryFieldBytes(const EntryCodec& codec) {
  return codec.video ? kVisualEntryFields : kAudioEntryFields;
}

struct StsdEntry {
  bmff::Box box;
  const EntryCodec* codec = nullptr;
  bmff::ByteSpan children;  // the entry's child boxes
};

StatusOr<StsdEntry> ReadSingleEntry(bmff::ByteSpan stsd_payload) {
  bmff::BoxReader r(stsd_payload);
  RETURN_IF_ERROR(r.Skip(4));  // version, flags
  ASSIGN_OR_RETURN(uint32_t count, r.ReadU32());
  if (count != 1) return InvalidArgument("cenc init: stsd has " + std::to_string(count) + " entries, want 1");
  StsdEntry e;
  ASSIGN_OR_RETURN(e.box, bmff::ReadBox(r));
  if (e.box.type == "encv" || e.box.type == "enca") return InvalidArgument("cenc init: track is already encrypted");
  e.codec = FindEntry(e.box.type);
  if (e.codec == nullptr) return InvalidArgument("cenc init: cannot protect sample entry '" + e.box.type + "'");
  const size_t fields = EntryFieldBytes(*e.codec);
  if (e.box.payload.size() < fields) return InvalidArgument("cenc init: sample entry '" + e.box.type + "' is truncated");
  if (!e.codec->video && (e.box.payload[8] != 0 || e.box.payload[9] != 0)) {
    return InvalidArgument("cenc init: audio sample entry version is not 0");
  }
  e.children = e.box.payload.subspan(fields);
  return e;
}

StatusOr<uint32_t> ReadTrackId(bmff::ByteSpan moov) {
  ASSIGN_OR_RETURN(bmff::Box tkhd, bmff::FindPath(moov, "trak/tkhd"));
  bmff::BoxReader r(tkhd.payload);
  ASSIGN_OR_RETURN(uint8_t version, r.ReadU8());
  RETURN_IF_ERROR(r.Skip(3 + (version == 1 ? 16 : 8)));
  return r.ReadU32();
}

// trex default_sample_size (14496-12 §8.8.3), 0 without an mvex.
StatusOr<uint32_t> ReadTrexDefaultSize(bmff::ByteSpan moov) {
  StatusOr<bmff::Box> trex = bmff::FindPath(moov, "mvex/trex");
  if (!trex.ok()) return trex.status().code() == ErrorCode::kNotFound ? StatusOr<uint32_t>(0u) : trex.status();
  bmff::BoxReader r(trex->payload);
  RETURN_IF_ERROR(r.Skip(4 + 4 + 4 + 4));  // version/flags, track, desc idx, duration
  return r.ReadU32();
}

Status CheckSingleTrack(bmff::ByteSpan moov) {
  ASSIGN_OR_RETURN(std::vector<bmff::Box> children, bmff::ReadBoxes(moov));
  int traks = 0;
  for (const bmff::Box& b : children) traks += b.type == "trak" ? 1 : 0;
  if (traks != 1) return InvalidArgument("cenc init: moov has " + std::to_string(traks) + " tracks, want 1");
  return Status::Ok();
}

constexpr std::string_view kStsdPath[] = {"moov", "trak", "mdia", "minf", "stbl", "stsd"};

StatusOr<Bytes> ProtectedEntry(const StsdEntry& e, const InitProtection& p, bmff::ByteSpan stsd_payload) {
  ProtectionSchemeInfo sinf = p.sinf;
  sinf.original_format.format = e.box.type;
  bmff::BoxWriter w;
  w.BeginBox(e.codec->video ? "encv" : "enca");
  w.WriteBytes(e.box.payload);
  sinf.Write(w);
  w.EndBox();
  if (p.clear_entry) w.WriteBytes(BoxBytes(stsd_payload, e.box));
  return std::move(w).Finish();
}

}  // namespace

StatusOr<TrackInfo> ReadTrackInfo(bmff::ByteSpan init) {
  ASSIGN_OR_RETURN(bmff::Box moov, bmff::FindChild(init, "moov"));
  RETURN_IF_ERROR(CheckSingleTrack(moov.payload));
  ASSIGN_OR_RETURN(bmff::Box stsd, bmff::FindPath(moov.payload, "trak/mdia/minf/stbl/stsd"));
  ASSIGN_OR_RETURN(StsdEntry e, ReadSingleEntry(stsd.payload));
  TrackInfo info;
  ASSIGN_OR_RETURN(info.track_id, ReadTrackId(moov.payload));
  ASSIGN_OR_RETURN(info.trex_default_sample_size, ReadTrexDefaultSize(moov.payload));
  info.sample_entry = e.box.type;
  info.codec = std::string(e.codec->codec);
  info.video = e.codec->video;
  if (!e.codec->config.empty()) {
    ASSIGN_OR_RETURN(bmff::Box config, bmff::FindChild(e.children, e.codec->config));
    info.codec_config.assign(config.payload.begin(), config.payload.end());
  }
  return info;
}

StatusOr<std::vector<uint8_t>> ProtectInitSegment(bmff::ByteSpan init, const InitProtection& p) {
  RETURN_IF_ERROR(ReadTrackInfo(init).status());
  auto edit_stsd = [&p](const bmff::Box& stsd, bmff::ByteSpan) -> StatusOr<Bytes> {
    ASSIGN_OR_RETURN(StsdEntry e, ReadSingleEntry(stsd.payload));
    bmff::BoxWriter w;
    w.BeginBox("stsd");
    w.WriteBytes(stsd.payload.subspan(0, 4));
    w.WriteU32(p.clear_entry ? 2 : 1);
    ASSIGN_OR_RETURN(Bytes entries, ProtectedEntry(e, p, stsd.payload));
    w.WriteBytes(entries);
    w.EndBox();
    return std::move(w).Finish();
  };
  ASSIGN_OR_RETURN(Bytes with_entry, EditPath(init, kStsdPath, edit_stsd));
  auto append_pssh = [&p](const bmff::Box& moov, bmff::ByteSpan) -> StatusOr<Bytes> {
    bmff::BoxWriter w;
    w.BeginBox("moov");
    w.WriteBytes(moov.payload);
    for (const ProtectionSystemHeader& pssh : p.pssh) pssh.Write(w);
    w.EndBox();
    return std::move(w).Finish();
  };
  constexpr std::string_view kMoov[] = {"moov"};
  return EditPath(with_entry, kMoov, append_pssh);
}

}  // namespace vtp::cenc
