// A static (VOD) MPEG-DASH MPD (ISO/IEC 23009-1) as typed values, and a pure
// writer that turns it into XML text. No I/O and no clock: the caller
// stores the string.
//
// Shape written: one Period (id "0", start PT0S); per AdaptationSet its
// Representations, each addressed by its own SegmentTemplate (with a
// SegmentTimeline, or with a constant @duration) or by a single BaseURL
// (paths and timelines may differ between renditions).
//
// Element order follows the schema (DASH-MPD.xsd): an AdaptationSet holds
// ContentProtection*, EssentialProperty*, Label?, Role*, then its
// Representations; a Representation holds AudioChannelConfiguration?,
// ContentProtection*, EssentialProperty*, then BaseURL or SegmentTemplate.
//
// The MPD element declares xmlns:cenc, xmlns:mspr and xmlns:dashif only
// when some ContentProtection uses that namespace (see ContentProtection),
// so a clear MPD names none of them.
//
// WriteMpd validates the whole model first and returns kInvalidArgument
// (naming the offending field) for values an MPD cannot carry. Attribute
// values are XML-escaped; text XML 1.0 cannot represent at all (malformed
// UTF-8, control characters other than TAB/CR/LF) is rejected.
//
// Output is deterministic: fixed attribute order, two-space indentation, LF
// line endings, a final newline, numbers formatted locale-independently.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/status.h"
#include "domain/media_info.h"

namespace vtp::manifest {

inline constexpr char kDashProfileIsoffLive[] = "urn:mpeg:dash:profile:isoff-live:2011";
inline constexpr char kDashProfileCmaf[] = "urn:mpeg:dash:profile:cmaf:2019";
// The Role scheme (§5.8.4.2); every Role element is written with it.
inline constexpr char kDashRoleScheme[] = "urn:mpeg:dash:role:2011";
// DASH-IF IOP (thumbnails): @value "<columns>x<rows>" of a sprite grid.
// Newer IOP drafts spell it "http://dashif.org/guidelines/thumbnail_tile";
// players such as dash.js accept both, validation treats both alike, and
// ThumbnailTile writes this one.
inline constexpr char kDashThumbnailTileScheme[] = "http://dashif.org/thumbnail_tile";

// The Common Encryption scheme descriptor (§5.8.5.2): @value is the scheme,
// "cenc" or "cbcs".
inline constexpr char kDashMp4ProtectionScheme[] = "urn:mpeg:dash:mp4protection:2011";

// "urn:uuid:" + the lowercase 8-4-4-4-12 form of a DRM system ID (see
// domain/drm_systems.h), the @schemeIdUri of that system's
// ContentProtection: "urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed".
std::string SystemSchemeIdUri(const std::array<uint8_t, 16>& system_id);

// A ContentProtection element (§5.8.4.1, DASH-IF IOP). A protected set
// usually carries one kDashMp4ProtectionScheme element (scheme and
// default_KID) and one per DRM system (its pssh, PlayReady Object or
// license URL). Written as
//
//   <ContentProtection schemeIdUri=".." value=".." cenc:default_KID="..">
//     <cenc:pssh>BASE64</cenc:pssh>
//     <mspr:pro>BASE64</mspr:pro>
//     <dashif:laurl>URL</dashif:laurl>
//   </ContentProtection>
//
// each attribute and child only when set, and as an empty element without
// children.
struct ContentProtection {
  // kDashMp4ProtectionScheme, or SystemSchemeIdUri(system ID): "urn:uuid:"
  // and a dashed UUID. Nothing else is accepted.
  std::string scheme_id_uri;
  // @value. For kDashMp4ProtectionScheme "cenc" or "cbcs" (required); for
  // a system an optional name ("Widevine", "PlayReady", "ClearKey").
  // Empty: not written.
  std::string value;
  // cenc:default_KID (23001-7 §11.2, namespace urn:mpeg:cenc:2013), written
  // in the 8-4-4-4-12 lowercase form.
  std::optional<std::array<uint8_t, 16>> default_kid = {};
  // A whole 'pssh' box (size, type, version/flags, SystemID, ...), written
  // base64'd as <cenc:pssh>. Only on a system element, whose system ID
  // the box's SystemID must equal.
  std::vector<uint8_t> pssh = {};
  // A PlayReady Header Object (drm::PlayReadyObject), written base64'd as
  // <mspr:pro> (namespace urn:microsoft:playready). Only on the PlayReady
  // system element; its leading length field must equal its size.
  std::vector<uint8_t> playready_pro = {};
  // A license server URL, written as <dashif:laurl> (namespace
  // https://dashif.org/CPS), e.g. for ClearKey. Only on a system element;
  // non-empty values hold no whitespace or control characters.
  std::string laurl = {};
};

// One S element's worth of input: a segment's earliest presentation time
// and duration, in SegmentTemplate::timescale units.
struct SegmentTime {
  // >= 0, and >= the previous segment's start + duration: §5.3.9.6 allows
  // gaps in a timeline but not overlaps.
  int64_t start = 0;
  int64_t duration = 0;  // > 0

  friend bool operator==(const SegmentTime&, const SegmentTime&) = default;
};

// SegmentTemplate (§5.3.9.4) in one of two forms; exactly one of
// `segments` and `duration` is given:
//
// - With a SegmentTimeline (§5.3.9.6), from `segments`. The timeline is
//   written run-length compressed: consecutive contiguous segments of equal
//   duration collapse into one S with @r; @t appears on the first S and
//   after every gap (a segment starting later than the previous one ended).
// - With a constant @duration (`duration`, no timeline): segment k (from 0)
//   is number start_number + k and covers [k * duration, (k + 1) * duration)
//   timescale units of the Period; the last one may be cut short by the end
//   of the presentation. `media` must then use $Number$ and not $Time$
//   (§5.3.9.4.4 substitutes $Time$ from the timeline's S@t). Thumbnail
//   sprite sheets use this form.
//
// Attributes are written in the order timescale, presentationTimeOffset,
// duration, initialization, media, startNumber (each optional one only when
// set).
struct SegmentTemplate {
  int64_t timescale = 0;       // ticks per second, in [1, 2^32)
  // e.g. "h264/720p/init.mp4"; no $Number$/$Time$. Required in video, audio
  // and text sets. Image sets have no Initialization Segment (each JPEG/PNG
  // stands alone), so there it must be empty and is not written.
  std::string initialization;
  // e.g. "h264/720p/segment_$Number%03d$.m4s"; must use $Number$ or $Time$.
  // Identifiers allowed (§5.3.9.4.4): $$, $RepresentationID$, $Bandwidth$,
  // $Number$, $Time$, the last three optionally with a %0<width>d format tag.
  std::string media;
  int64_t start_number = 0;  // >= 0; the number of the first segment
  std::optional<int64_t> presentation_time_offset;  // >= 0, timescale units
  std::vector<SegmentTime> segments;                // the SegmentTimeline
  // @duration in timescale units, in [1, 2^32); the constant-duration form.
  std::optional<int64_t> duration = {};

  friend bool operator==(const SegmentTemplate&, const SegmentTemplate&) = default;
};

struct VideoFormat {
  int width = 0;   // > 0
  int height = 0;  // > 0
  // Written reduced: "30" when the denominator divides out, else
  // "30000/1001". num and den in [1, 2^31).
  Rational frame_rate;
  Rational sar{1, 1};  // written "num:den", reduced; both in [1, 2^31)
};

struct AudioFormat {
  int sampling_rate = 0;  // Hz, > 0
  // > 0. Written as AudioChannelConfiguration with schemeIdUri
  // "urn:mpeg:dash:23003:3:audio_channel_configuration:2011", whose @value
  // is the channel count (§5.8.5.4): "2" for stereo, "6" for 5.1.
  int channels = 0;
};

// A text Representation: nothing beyond the common attributes. For a
// sidecar WebVTT file, the set's mimeType is "text/vtt", `codecs` is empty
// and the Representation has a `base_url`; for WebVTT packaged in ISOBMFF
// segments the set's mimeType is "application/mp4" and `codecs` is "wvtt".
struct TextFormat {};

// A thumbnail Representation (DASH-IF IOP): each segment is one JPEG or PNG
// sprite sheet holding a grid of thumbnails, and width and height are those
// of the whole sheet, not of one thumbnail. The grid is given by the
// Representation's thumbnail_tile EssentialProperty (see ThumbnailTile);
// one thumbnail is (width / columns) x (height / rows) pixels and
// thumbnails follow each other in time left to right, then top to bottom,
// evenly spread over the segment's duration.
struct ImageFormat {
  int width = 0;   // > 0, and >= the grid's columns
  int height = 0;  // > 0, and >= the grid's rows
};

// A DescriptorType element (§5.8.2), here written as EssentialProperty:
// a client that does not understand the scheme must ignore the element
// that carries it.
struct Descriptor {
  std::string scheme_id_uri;  // @schemeIdUri: non-empty, no whitespace
  std::string value;          // @value; empty: not written
};

// The thumbnail grid property: {kDashThumbnailTileScheme, "<columns>x<rows>"}.
Descriptor ThumbnailTile(int columns, int rows);

// Attributes are written in the order id, codecs (when non-empty),
// bandwidth, then the format's: width, height, frameRate, sar (video);
// audioSamplingRate (audio); width, height (image); none (text).
struct Representation {
  std::string id;      // non-empty, no whitespace, unique within the MPD
  // RFC 6381, e.g. "avc1.64001f". Required in video and audio sets; in text
  // and image sets it may be empty, and is then not written (a sidecar
  // .vtt file or a JPEG has no codecs string).
  std::string codecs;
  int64_t bandwidth = 0;  // bits/s, > 0
  // Must match the AdaptationSet's content type.
  std::variant<VideoFormat, AudioFormat, TextFormat, ImageFormat> format;
  // How segments are found: exactly one of `segment_template` and
  // `base_url`. With `base_url` set, `segment_template` stays
  // default-constructed (== SegmentTemplate{}) and is not written.
  SegmentTemplate segment_template;
  // BaseURL: the whole Representation is this one file, e.g.
  // "subtitles/en.vtt". Only in text sets (a sidecar subtitle file); the
  // live and CMAF profiles address audio, video and, per DASH-IF IOP,
  // thumbnails by SegmentTemplate. Non-empty, no whitespace or control
  // characters.
  std::optional<std::string> base_url = {};
  // Written as EssentialProperty elements, in order. Every Representation
  // of an image set carries exactly one thumbnail_tile property (see
  // ThumbnailTile); it is valid nowhere else. It sits on the Representation,
  // not the AdaptationSet: DASH-IF IOP's examples put it there, grids may
  // differ between Representations, and dash.js reads it only there.
  std::vector<Descriptor> essential_properties = {};
  // ContentProtection elements of this Representation alone, in order (for
  // keys that differ per Representation); most MPDs use the set's.
  std::vector<ContentProtection> content_protection = {};
};

// Written as contentType "video", "audio", "text" or "image".
enum class ContentType { kVideo, kAudio, kText, kImage };

// Attributes are written in the order id, contentType, lang, mimeType,
// segmentAlignment, startWithSAP, maxWidth, maxHeight, maxFrameRate.
//
// Video and audio sets are written with segmentAlignment="true" and
// startWithSAP="1": vtp cuts every Representation at the same sync samples.
// Text and image sets carry neither (a sidecar file or a sprite sheet has
// no access points to align). Video sets also carry maxWidth, maxHeight and
// maxFrameRate, computed from their Representations.
//
// Image sets follow DASH-IF IOP (thumbnails): contentType="image",
// mimeType "image/jpeg" or "image/png", and every Representation has an
// ImageFormat, a thumbnail_tile EssentialProperty and a SegmentTemplate of
// the constant-duration form (one segment per sprite sheet, @duration the
// time one sheet covers) without initialization.
struct AdaptationSet {
  int64_t id = 0;  // >= 0, unique within the Period
  ContentType content_type = ContentType::kVideo;
  // "video/mp4", "audio/mp4", "text/vtt" (sidecar WebVTT),
  // "application/mp4" (ISOBMFF text), "image/jpeg", "image/png"
  std::string mime_type;
  std::optional<std::string> lang;   // RFC 5646 tag; audio and text sets
  std::vector<Representation> representations;  // at least one
  // Role elements with schemeIdUri kDashRoleScheme, one per value, in
  // order, no repeats. Values are those the scheme defines (§5.8.4.2):
  // "caption", "subtitle", "main", "alternate", "supplementary",
  // "commentary", "dub", "description", "sign", "metadata",
  // "enhanced-audio-intelligibility", "emergency", "forced-subtitle",
  // "easyreader", "karaoke". A text set typically has "subtitle" or
  // "caption"; "main" marks the default choice among sets of one type.
  std::vector<std::string> roles = {};
  // Label element (LabelType): human-readable text for a track menu, e.g.
  // "English (SDH)". Non-empty, no control characters.
  std::optional<std::string> label = {};
  // EssentialProperty elements of the set, in order (never thumbnail_tile;
  // see Representation::essential_properties).
  std::vector<Descriptor> essential_properties = {};
  // ContentProtection elements that apply to every Representation, in
  // order.
  std::vector<ContentProtection> content_protection = {};
};

struct Mpd {
  std::vector<std::string> profiles = {kDashProfileIsoffLive, kDashProfileCmaf};
  // Written as ISO 8601 seconds with 3 decimals: 12.345 -> "PT12.345S".
  double media_presentation_duration_seconds = 0;  // > 0
  double min_buffer_time_seconds = 2.0;            // >= 0
  std::vector<AdaptationSet> adaptation_sets;      // at least one
};

StatusOr<std::string> WriteMpd(const Mpd& mpd);

}  // namespace vtp::manifest
