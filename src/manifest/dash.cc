#include "manifest/dash.h"

#include "domain/drm_systems.h"
#include "manifest/text.h"
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <limits>
#include <numeric>
#include <set>
#include <string_view>
#include <utility>

namespace vtp::manifest {
namespace {

constexpr char kMpdNamespace[] = "urn:mpeg:dash:schema:mpd:2011";
// ISO/IEC 23009-1 §5.8.5.4: value is the channel count.
constexpr char kChannelConfigScheme[] =
    "urn:mpeg:dash:23003:3:audio_channel_configuration:2011";
// Far above any real presentation; keeps millisecond counts in range.
constexpr double kMaxSeconds = 1e9;
constexpr int64_t kMaxRatioTerm = (int64_t{1} << 31) - 1;
constexpr int64_t kMaxTimescale = (int64_t{1} << 32) - 1;  // xs:unsignedInt
constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();

// ---------------------------------------------------------------- text


// XML 1.0 §2.2 Char: TAB, LF, CR, and U+0020 upwards minus U+FFFE/U+FFFF
// (surrogates are already refused by the decoder). Anything else cannot
// appear in a well-formed document, not even as a character reference.
Status CheckXmlText(const std::string& what, std::string_view s) {
  size_t pos = 0;
  while (pos < s.size()) {
    const auto cp = NextCodePoint(s, &pos);
    if (!cp) return InvalidArgument(what + " is not valid UTF-8");
    const bool allowed = *cp == 0x9 || *cp == 0xA || *cp == 0xD ||
                         (*cp >= 0x20 && *cp != 0xFFFE && *cp != 0xFFFF);
    if (!allowed) return InvalidArgument(what + " contains a character XML cannot hold");
  }
  return Status::Ok();
}

Status CheckRequiredText(const std::string& what, std::string_view s) {
  if (s.empty()) return InvalidArgument(what + " is empty");
  return CheckXmlText(what, s);
}

// Human-readable or identifying text (labels, descriptor values): XML text
// without control characters, not even the TAB/CR/LF XML would allow.
Status CheckPlainText(const std::string& what, std::string_view s) {
  RETURN_IF_ERROR(CheckXmlText(what, s));
  return CheckLineText(what, s);
}

// A URI (BaseURL, @schemeIdUri): non-empty plain text without whitespace;
// RFC 3986 has spaces percent-encoded.
Status CheckUri(const std::string& what, std::string_view s) {
  RETURN_IF_ERROR(CheckRequiredText(what, s));
  RETURN_IF_ERROR(CheckPlainText(what, s));
  if (s.find(' ') != std::string_view::npos) {
    return InvalidArgument(what + " contains whitespace; percent-encode it");
  }
  return Status::Ok();
}


// "%0<width>d", the only format tag §5.3.9.4.4 defines.
bool IsWidthFormatTag(std::string_view tag) {
  if (tag.size() < 4 || tag.substr(0, 2) != "%0" || tag.back() != 'd') return false;
  for (char c : tag.substr(2, tag.size() - 3)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The segment identifiers a template uses.
struct TemplateIds {
  bool number = false;
  bool time = false;
};

// §5.3.9.4.4 (template identifiers). $Number$ and $Time$ identify a segment, so they
// belong in @media (which needs one of them) and never in @initialization.
// When `ids` is given, it receives which of the two the template uses.
Status CheckTemplate(const std::string& what, std::string_view s, bool is_media,
                     TemplateIds* ids = nullptr) {
  RETURN_IF_ERROR(CheckRequiredText(what, s));
  bool has_segment_id = false;
  for (size_t pos = s.find('$'); pos != std::string_view::npos; pos = s.find('$', pos)) {
    const size_t close = s.find('$', pos + 1);
    if (close == std::string_view::npos) return InvalidArgument(what + " has an unmatched '$'");
    const std::string_view id = s.substr(pos + 1, close - pos - 1);
    pos = close + 1;
    if (id.empty()) continue;  // "$$" is a literal '$'
    const size_t percent = id.find('%');
    const std::string_view name = id.substr(0, percent);
    const bool segment_id = name == "Number" || name == "Time";
    if (!segment_id && name != "RepresentationID" && name != "Bandwidth") {
      return InvalidArgument(what + " uses unknown identifier $" + std::string(id) + "$");
    }
    if (segment_id && !is_media) {
      return InvalidArgument(what + " may not use $" + std::string(name) + "$");
    }
    if (percent != std::string_view::npos &&
        (name == "RepresentationID" || !IsWidthFormatTag(id.substr(percent)))) {
      return InvalidArgument(what + " has a bad format tag in $" + std::string(id) + "$");
    }
    has_segment_id = has_segment_id || segment_id;
    if (ids && name == "Number") ids->number = true;
    if (ids && name == "Time") ids->time = true;
  }
  if (is_media && !has_segment_id) {
    return InvalidArgument(what + " must contain $Number$ or $Time$");
  }
  return Status::Ok();
}

// ---------------------------------------------------------------- numbers

// Durations are written in whole milliseconds; see FormatSeconds.
long long ToMillis(double seconds) { return std::llround(seconds * 1000.0); }

Status CheckSeconds(const std::string& what, double seconds, bool allow_zero) {
  const bool ok = std::isfinite(seconds) && seconds >= 0 && seconds <= kMaxSeconds &&
                  (allow_zero || ToMillis(seconds) > 0);
  return ok ? Status::Ok() : InvalidArgument(what + " is out of range");
}

// xs:duration in seconds only ("PT125.000S" is valid; no minutes needed).
std::string FormatSeconds(double seconds) {
  const long long millis = ToMillis(seconds);
  char buf[48];
  std::snprintf(buf, sizeof(buf), "PT%lld.%03lldS", millis / 1000, millis % 1000);
  return buf;
}

Status CheckRatio(const std::string& what, const Rational& r) {
  if (r.num < 1 || r.num > kMaxRatioTerm || r.den < 1 || r.den > kMaxRatioTerm) {
    return InvalidArgument(what + " must have num and den in [1, 2^31)");
  }
  return Status::Ok();
}

Rational Reduced(const Rational& r) {
  const int64_t g = std::gcd(r.num, r.den);
  return {r.num / g, r.den / g};
}

// @frameRate (§5.3.7, common attributes) is FrameRateType: "N" or "N/D".
std::string FormatFrameRate(const Rational& rate) {
  const Rational r = Reduced(rate);
  if (r.den == 1) return std::to_string(r.num);
  return std::to_string(r.num) + "/" + std::to_string(r.den);
}

std::string FormatSar(const Rational& sar) {
  const Rational r = Reduced(sar);
  return std::to_string(r.num) + ":" + std::to_string(r.den);
}

// Terms are below 2^31 (CheckRatio), so the cross products fit in int64.
bool FrameRateLess(const Rational& a, const Rational& b) {
  return a.num * b.den < b.num * a.den;
}

std::string_view ContentTypeName(ContentType type) {
  switch (type) {
    case ContentType::kVideo: return "video";
    case ContentType::kAudio: return "audio";
    case ContentType::kText: return "text";
    case ContentType::kImage: return "image";
  }
  return "video";  // unreachable: every enumerator is handled above
}

// "a video set", "an audio set", for error messages.
std::string SetPhrase(ContentType type) {
  const bool vowel = type == ContentType::kAudio || type == ContentType::kImage;
  return std::string(vowel ? "an " : "a ") + std::string(ContentTypeName(type)) + " set";
}

// The content type a Representation's format belongs to.
ContentType FormatType(const Representation& rep) {
  if (std::holds_alternative<VideoFormat>(rep.format)) return ContentType::kVideo;
  if (std::holds_alternative<AudioFormat>(rep.format)) return ContentType::kAudio;
  if (std::holds_alternative<TextFormat>(rep.format)) return ContentType::kText;
  return ContentType::kImage;
}

// ---------------------------------------------------------------- descriptors

// The Role values of the urn:mpeg:dash:role:2011 scheme (§5.8.4.2).
constexpr std::string_view kRoleValues[] = {
    "caption", "subtitle", "main", "alternate", "supplementary", "commentary", "dub",
    "description", "sign", "metadata", "enhanced-audio-intelligibility", "emergency",
    "forced-subtitle", "easyreader", "karaoke"};

bool IsThumbnailTile(const Descriptor& d) {
  return d.scheme_id_uri == kDashThumbnailTileScheme ||
         d.scheme_id_uri == "http://dashif.org/guidelines/thumbnail_tile";
}

// A positive decimal without sign or leading zeros, at most 9 digits (so
// it fits an int).
std::optional<int> ParseGridCount(std::string_view s) {
  if (s.empty() || s.size() > 9 || s.front() == '0') return std::nullopt;
  int n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

// thumbnail_tile @value "<columns>x<rows>" (DASH-IF IOP), e.g. "10x6".
std::optional<std::pair<int, int>> ParseTileGrid(std::string_view value) {
  const size_t x = value.find('x');
  if (x == std::string_view::npos) return std::nullopt;
  const auto columns = ParseGridCount(value.substr(0, x));
  const auto rows = ParseGridCount(value.substr(x + 1));
  if (!columns || !rows) return std::nullopt;
  return std::pair{*columns, *rows};
}

// The checks any EssentialProperty passes, wherever it sits.
Status ValidateDescriptor(const std::string& what, const Descriptor& d) {
  RETURN_IF_ERROR(CheckUri(what + " schemeIdUri", d.scheme_id_uri));
  RETURN_IF_ERROR(CheckPlainText(what + " value", d.value));
  if (IsThumbnailTile(d) && !ParseTileGrid(d.value)) {
    return InvalidArgument(what + " thumbnail_tile value \"" + d.value +
                           "\" is not <columns>x<rows>");
  }
  return Status::Ok();
}

Status ValidateDescriptors(const std::string& what, const std::vector<Descriptor>& descriptors) {
  for (size_t i = 0; i < descriptors.size(); ++i) {
    RETURN_IF_ERROR(
        ValidateDescriptor(what + " EssentialProperty " + std::to_string(i), descriptors[i]));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------- protection

constexpr char kCencNamespace[] = "urn:mpeg:cenc:2013";
constexpr char kMsprNamespace[] = "urn:microsoft:playready";
constexpr char kDashIfCpsNamespace[] = "https://dashif.org/CPS";
constexpr std::string_view kUuidUrnPrefix = "urn:uuid:";
// 23001-7 §8.1.1: box header (8), version and flags (4), SystemID (16),
// DataSize (4) are the least a version-0 'pssh' box holds.
constexpr size_t kMinPsshBytes = 32;

// The box's own size field covers exactly its bytes, its type is 'pssh',
// and its SystemID is the one the element's schemeIdUri names.
Status CheckPsshBox(const std::string& what, const std::vector<uint8_t>& box,
                    const std::array<uint8_t, 16>& system_id) {
  if (box.size() < kMinPsshBytes) return InvalidArgument(what + " is too short for a pssh box");
  const uint32_t size = (uint32_t{box[0]} << 24) | (uint32_t{box[1]} << 16) |
                        (uint32_t{box[2]} << 8) | box[3];
  constexpr uint8_t kType[] = {'p', 's', 's', 'h'};
  if (size != box.size() || !std::equal(std::begin(kType), std::end(kType), box.begin() + 4)) {
    return InvalidArgument(what + " is not one whole pssh box");
  }
  if (!std::equal(system_id.begin(), system_id.end(), box.begin() + 12)) {
    return InvalidArgument(what + " SystemID does not match the schemeIdUri");
  }
  return Status::Ok();
}

// The PlayReady Object's leading little-endian length covers its bytes.
Status CheckPlayReadyObject(const std::string& what, const std::vector<uint8_t>& pro) {
  const bool fits = pro.size() >= 4 && ((uint32_t{pro[3]} << 24) | (uint32_t{pro[2]} << 16) |
                                         (uint32_t{pro[1]} << 8) | pro[0]) == pro.size();
  if (!fits) return InvalidArgument(what + " length field does not match its size");
  return Status::Ok();
}

// A DRM system's element: schemeIdUri "urn:uuid:<dashed system ID>".
Status ValidateSystemProtection(const std::string& what, const ContentProtection& cp) {
  const std::string_view uri = cp.scheme_id_uri;
  const std::string_view uuid = uri.substr(std::min(uri.size(), kUuidUrnPrefix.size()));
  auto system_id = drm::ParseUuid(uuid);
  if (!uri.starts_with(kUuidUrnPrefix) || uuid.size() != 36 || !system_id.ok()) {
    return InvalidArgument(what + " schemeIdUri \"" + cp.scheme_id_uri + "\" is neither " +
                           kDashMp4ProtectionScheme + " nor urn:uuid:<dashed system ID>");
  }
  RETURN_IF_ERROR(CheckPlainText(what + " value", cp.value));
  if (!cp.pssh.empty()) RETURN_IF_ERROR(CheckPsshBox(what + " cenc:pssh", cp.pssh, *system_id));
  if (!cp.playready_pro.empty()) {
    if (*system_id != drm::kPlayReadySystemId) {
      return InvalidArgument(what + " has mspr:pro but is not the PlayReady system");
    }
    RETURN_IF_ERROR(CheckPlayReadyObject(what + " mspr:pro", cp.playready_pro));
  }
  if (!cp.laurl.empty()) RETURN_IF_ERROR(CheckUri(what + " dashif:laurl", cp.laurl));
  return Status::Ok();
}

Status ValidateContentProtection(const std::string& what, const ContentProtection& cp) {
  RETURN_IF_ERROR(CheckUri(what + " schemeIdUri", cp.scheme_id_uri));
  if (cp.scheme_id_uri != kDashMp4ProtectionScheme) return ValidateSystemProtection(what, cp);
  if (cp.value != "cenc" && cp.value != "cbcs") {
    return InvalidArgument(what + " " + kDashMp4ProtectionScheme +
                           " value must be cenc or cbcs, not \"" + cp.value + "\"");
  }
  // DASH-IF IOP: system data belongs on the system's own element.
  if (!cp.pssh.empty() || !cp.playready_pro.empty() || !cp.laurl.empty()) {
    return InvalidArgument(what + " " + kDashMp4ProtectionScheme +
                           " carries no cenc:pssh, mspr:pro or dashif:laurl; put them on the "
                           "system's urn:uuid: element");
  }
  return Status::Ok();
}

Status ValidateContentProtections(const std::string& what,
                                  const std::vector<ContentProtection>& elements) {
  for (size_t i = 0; i < elements.size(); ++i) {
    RETURN_IF_ERROR(
        ValidateContentProtection(what + " ContentProtection " + std::to_string(i), elements[i]));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------- validation

Status ValidateTimeline(const std::string& what, const std::vector<SegmentTime>& segments) {
  if (segments.empty()) return InvalidArgument(what + " has no segments");
  for (size_t i = 0; i < segments.size(); ++i) {
    const SegmentTime& s = segments[i];
    const std::string where = what + " segment " + std::to_string(i);
    if (s.start < 0 || s.duration <= 0 || s.start > kMaxTime - s.duration) {
      return InvalidArgument(where + " needs start >= 0 and duration > 0");
    }
    // §5.3.9.6: S@t is at least the end of the segments before it; a
    // timeline may have gaps but never overlaps.
    if (i > 0 && s.start < segments[i - 1].start + segments[i - 1].duration) {
      return InvalidArgument(where + " overlaps the previous segment");
    }
  }
  return Status::Ok();
}

Status ValidateSegmentTemplate(const std::string& what, const SegmentTemplate& t,
                               ContentType type) {
  if (t.timescale < 1 || t.timescale > kMaxTimescale) {
    return InvalidArgument(what + " timescale must be in [1, 2^32)");
  }
  // Image segments are self-contained JPEG/PNG files: there is no
  // Initialization Segment to name.
  if (type == ContentType::kImage) {
    if (!t.initialization.empty()) {
      return InvalidArgument(what + " initialization must be empty in an image set");
    }
  } else {
    RETURN_IF_ERROR(CheckTemplate(what + " initialization", t.initialization, false));
  }
  TemplateIds ids;
  RETURN_IF_ERROR(CheckTemplate(what + " media", t.media, true, &ids));
  if (t.start_number < 0) return InvalidArgument(what + " startNumber must be >= 0");
  if (t.presentation_time_offset && *t.presentation_time_offset < 0) {
    return InvalidArgument(what + " presentationTimeOffset must be >= 0");
  }
  if (t.duration && !t.segments.empty()) {
    return InvalidArgument(what + " has both a duration and a SegmentTimeline");
  }
  // DASH-IF IOP: thumbnails use simple ($Number$, @duration) addressing.
  if (type == ContentType::kImage && !t.duration) {
    return InvalidArgument(what + " in an image set needs a duration, not a SegmentTimeline");
  }
  if (!t.duration) {
    if (t.segments.empty()) {
      return InvalidArgument(what + " has no segments: give a SegmentTimeline or a duration");
    }
    return ValidateTimeline(what, t.segments);
  }
  if (*t.duration < 1 || *t.duration > kMaxTimescale) {  // xs:unsignedInt
    return InvalidArgument(what + " duration must be in [1, 2^32)");
  }
  // §5.3.9.4.4: $Time$ is a timeline's S@t; without a timeline segments are
  // found by number.
  if (ids.time || !ids.number) {
    return InvalidArgument(what + " media must use $Number$ and not $Time$ with a duration");
  }
  return Status::Ok();
}

Status ValidateFormat(const std::string& what, const Representation& rep, ContentType type) {
  const ContentType format_type = FormatType(rep);
  if (format_type != type) {
    return InvalidArgument(what + " is " + std::string(ContentTypeName(format_type)) + " in " +
                           SetPhrase(type));
  }
  if (const auto* video = std::get_if<VideoFormat>(&rep.format)) {
    if (video->width <= 0 || video->height <= 0) {
      return InvalidArgument(what + " width and height must be > 0");
    }
    RETURN_IF_ERROR(CheckRatio(what + " frameRate", video->frame_rate));
    return CheckRatio(what + " sar", video->sar);
  }
  if (const auto* audio = std::get_if<AudioFormat>(&rep.format)) {
    if (audio->sampling_rate <= 0 || audio->channels <= 0) {
      return InvalidArgument(what + " audioSamplingRate and channels must be > 0");
    }
  }
  if (const auto* image = std::get_if<ImageFormat>(&rep.format)) {
    if (image->width <= 0 || image->height <= 0) {
      return InvalidArgument(what + " width and height must be > 0");
    }
  }
  return Status::Ok();
}

// thumbnail_tile (already checked for syntax by ValidateDescriptor) belongs
// on image Representations, exactly once each, and its grid must fit the
// sheet: a thumbnail at least one pixel in each direction.
Status ValidateThumbnailTile(const std::string& what, const Representation& rep,
                             ContentType type) {
  const Descriptor* tile = nullptr;
  for (const Descriptor& d : rep.essential_properties) {
    if (!IsThumbnailTile(d)) continue;
    if (type != ContentType::kImage) {
      return InvalidArgument(what +
                             " has a thumbnail_tile EssentialProperty outside an image set");
    }
    if (tile) return InvalidArgument(what + " has more than one thumbnail_tile EssentialProperty");
    tile = &d;
  }
  if (type != ContentType::kImage) return Status::Ok();
  if (!tile) {
    return InvalidArgument(what + " in an image set needs a thumbnail_tile EssentialProperty");
  }
  const auto [columns, rows] = *ParseTileGrid(tile->value);
  const auto& image = std::get<ImageFormat>(rep.format);
  if (columns > image.width || rows > image.height) {
    return InvalidArgument(what + " thumbnail_tile " + tile->value + " does not fit " +
                           std::to_string(image.width) + "x" + std::to_string(image.height) +
                           " pixels");
  }
  return Status::Ok();
}

// Exactly one of SegmentTemplate and BaseURL, see Representation.
Status ValidateAddressing(const std::string& what, const Representation& rep, ContentType type) {
  const bool has_template = rep.segment_template != SegmentTemplate{};
  if (!rep.base_url && !has_template) {
    return InvalidArgument(what + (type == ContentType::kText
                                       ? " has neither a BaseURL nor a SegmentTemplate"
                                       : " has no SegmentTemplate"));
  }
  if (!rep.base_url) {
    return ValidateSegmentTemplate(what + " SegmentTemplate", rep.segment_template, type);
  }
  if (type != ContentType::kText) {
    return InvalidArgument(what + " has a BaseURL, which only text Representations may use; " +
                           SetPhrase(type) + " needs a SegmentTemplate");
  }
  if (has_template) return InvalidArgument(what + " has both a BaseURL and a SegmentTemplate");
  return CheckUri(what + " BaseURL", *rep.base_url);
}

// §5.3.5.2: @id is unique within the Period and holds no whitespace (it
// may be substituted into URLs as $RepresentationID$).
Status ValidateRepresentation(const Representation& rep, ContentType type,
                              std::set<std::string>* ids) {
  const std::string what = "Representation \"" + rep.id + "\"";
  RETURN_IF_ERROR(CheckRequiredText("Representation id", rep.id));
  if (rep.id.find_first_of(" \t\r\n") != std::string::npos) {
    return InvalidArgument(what + " id contains whitespace");
  }
  if (!ids->insert(rep.id).second) return InvalidArgument(what + " id is not unique");
  // A sidecar .vtt file or a JPEG sheet has no RFC 6381 codecs string.
  const bool codecs_optional = type == ContentType::kText || type == ContentType::kImage;
  if (!codecs_optional || !rep.codecs.empty()) {
    RETURN_IF_ERROR(CheckRequiredText(what + " codecs", rep.codecs));
  }
  if (rep.bandwidth <= 0) return InvalidArgument(what + " bandwidth must be > 0");
  RETURN_IF_ERROR(ValidateFormat(what, rep, type));
  RETURN_IF_ERROR(ValidateContentProtections(what, rep.content_protection));
  RETURN_IF_ERROR(ValidateDescriptors(what, rep.essential_properties));
  RETURN_IF_ERROR(ValidateThumbnailTile(what, rep, type));
  return ValidateAddressing(what, rep, type);
}

Status ValidateRoles(const std::string& what, const std::vector<std::string>& roles) {
  std::set<std::string> seen;
  for (const std::string& role : roles) {
    if (std::find(std::begin(kRoleValues), std::end(kRoleValues), role) ==
        std::end(kRoleValues)) {
      RETURN_IF_ERROR(CheckPlainText(what + " Role", role));  // names bad bytes first
      return InvalidArgument(what + " Role \"" + role + "\" is not a value of " +
                             kDashRoleScheme);
    }
    if (!seen.insert(role).second) return InvalidArgument(what + " repeats Role \"" + role + "\"");
  }
  return Status::Ok();
}

Status ValidateAdaptationSet(const AdaptationSet& set, std::set<int64_t>* set_ids,
                             std::set<std::string>* rep_ids) {
  const std::string what = "AdaptationSet " + std::to_string(set.id);
  if (set.id < 0) return InvalidArgument(what + " id must be >= 0");
  if (!set_ids->insert(set.id).second) return InvalidArgument(what + " id is not unique");
  RETURN_IF_ERROR(CheckRequiredText(what + " mimeType", set.mime_type));
  if (set.lang) RETURN_IF_ERROR(CheckLanguage(what + " lang", *set.lang));
  RETURN_IF_ERROR(ValidateRoles(what, set.roles));
  if (set.label) {
    RETURN_IF_ERROR(CheckRequiredText(what + " Label", *set.label));
    RETURN_IF_ERROR(CheckPlainText(what + " Label", *set.label));
  }
  RETURN_IF_ERROR(ValidateContentProtections(what, set.content_protection));
  RETURN_IF_ERROR(ValidateDescriptors(what, set.essential_properties));
  for (const Descriptor& d : set.essential_properties) {
    if (IsThumbnailTile(d)) {
      return InvalidArgument(what + " has a thumbnail_tile EssentialProperty; put it on each "
                             "image Representation instead");
    }
  }
  if (set.representations.empty()) return InvalidArgument(what + " has no Representations");
  for (const Representation& rep : set.representations) {
    RETURN_IF_ERROR(ValidateRepresentation(rep, set.content_type, rep_ids));
  }
  return Status::Ok();
}

Status ValidateMpd(const Mpd& mpd) {
  if (mpd.profiles.empty()) return InvalidArgument("MPD lists no profiles");
  for (const std::string& profile : mpd.profiles) {
    RETURN_IF_ERROR(CheckRequiredText("MPD profile", profile));
    // @profiles is a comma-separated list (§5.3.1.2).
    if (profile.find(',') != std::string::npos) {
      return InvalidArgument("MPD profile \"" + profile + "\" contains ','");
    }
  }
  RETURN_IF_ERROR(CheckSeconds("mediaPresentationDuration",
                               mpd.media_presentation_duration_seconds, false));
  RETURN_IF_ERROR(CheckSeconds("minBufferTime", mpd.min_buffer_time_seconds, true));
  if (mpd.adaptation_sets.empty()) return InvalidArgument("MPD has no AdaptationSets");
  std::set<int64_t> set_ids;
  std::set<std::string> rep_ids;
  for (const AdaptationSet& set : mpd.adaptation_sets) {
    RETURN_IF_ERROR(ValidateAdaptationSet(set, &set_ids, &rep_ids));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------- writing

using Attributes = std::vector<std::pair<std::string_view, std::string>>;

// Attribute values are double-quoted. TAB/LF/CR become character references
// because attribute-value normalisation (XML 1.0 §3.3.3) would otherwise
// turn them into spaces.
std::string EscapeXml(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\t': out += "&#9;"; break;
      case '\n': out += "&#10;"; break;
      case '\r': out += "&#13;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

// Writes a start tag (or an empty-element tag when `empty`) on its own line.
void OpenElement(std::string* out, int depth, std::string_view name,
                 const Attributes& attributes, bool empty = false) {
  out->append(static_cast<size_t>(depth) * 2, ' ').append("<").append(name);
  for (const auto& [key, value] : attributes) {
    out->append(" ").append(key).append("=\"").append(EscapeXml(value)).append("\"");
  }
  out->append(empty ? "/>\n" : ">\n");
}

void CloseElement(std::string* out, int depth, std::string_view name) {
  out->append(static_cast<size_t>(depth) * 2, ' ').append("</").append(name).append(">\n");
}

// An element holding only text, on one line: <name>text</name>.
void TextElement(std::string* out, int depth, std::string_view name, std::string_view text) {
  out->append(static_cast<size_t>(depth) * 2, ' ').append("<").append(name).append(">");
  out->append(EscapeXml(text)).append("</").append(name).append(">\n");
}

void WriteEssentialProperties(std::string* out, int depth,
                              const std::vector<Descriptor>& descriptors) {
  for (const Descriptor& d : descriptors) {
    Attributes attributes = {{"schemeIdUri", d.scheme_id_uri}};
    if (!d.value.empty()) attributes.emplace_back("value", d.value);
    OpenElement(out, depth, "EssentialProperty", attributes, /*empty=*/true);
  }
}

void WriteContentProtections(std::string* out, int depth,
                             const std::vector<ContentProtection>& elements) {
  for (const ContentProtection& cp : elements) {
    Attributes attributes = {{"schemeIdUri", cp.scheme_id_uri}};
    if (!cp.value.empty()) attributes.emplace_back("value", cp.value);
    if (cp.default_kid) {
      attributes.emplace_back("cenc:default_KID", drm::UuidString(*cp.default_kid));
    }
    const bool empty = cp.pssh.empty() && cp.playready_pro.empty() && cp.laurl.empty();
    OpenElement(out, depth, "ContentProtection", attributes, empty);
    if (empty) continue;
    if (!cp.pssh.empty()) TextElement(out, depth + 1, "cenc:pssh", drm::Base64Encode(cp.pssh));
    if (!cp.playready_pro.empty()) {
      TextElement(out, depth + 1, "mspr:pro", drm::Base64Encode(cp.playready_pro));
    }
    if (!cp.laurl.empty()) TextElement(out, depth + 1, "dashif:laurl", cp.laurl);
    CloseElement(out, depth, "ContentProtection");
  }
}

// One S element: `repeat` more segments of duration `d` follow the first.
struct TimelineRun {
  int64_t t = 0;
  int64_t d = 0;
  int64_t repeat = 0;
  bool write_t = false;
};

// §5.3.9.6 (SegmentTimeline): a segment continues the previous run when it
// starts exactly at the run's end and has the same duration; @t is needed
// only where the implied start (the previous end) is wrong: on the first S
// and after a gap.
std::vector<TimelineRun> CompressTimeline(const std::vector<SegmentTime>& segments) {
  std::vector<TimelineRun> runs;
  int64_t end = 0;
  for (size_t i = 0; i < segments.size(); ++i) {
    const SegmentTime& s = segments[i];
    const bool contiguous = i > 0 && s.start == end;
    if (contiguous && runs.back().d == s.duration) {
      ++runs.back().repeat;
    } else {
      runs.push_back({s.start, s.duration, 0, !contiguous});
    }
    end = s.start + s.duration;
  }
  return runs;
}

void WriteSegmentTemplate(std::string* out, int depth, const SegmentTemplate& t) {
  Attributes attributes = {{"timescale", std::to_string(t.timescale)}};
  if (t.presentation_time_offset) {
    attributes.emplace_back("presentationTimeOffset",
                            std::to_string(*t.presentation_time_offset));
  }
  if (t.duration) attributes.emplace_back("duration", std::to_string(*t.duration));
  if (!t.initialization.empty()) attributes.emplace_back("initialization", t.initialization);
  attributes.emplace_back("media", t.media);
  attributes.emplace_back("startNumber", std::to_string(t.start_number));
  if (t.duration) {  // constant-duration form: no SegmentTimeline
    OpenElement(out, depth, "SegmentTemplate", attributes, /*empty=*/true);
    return;
  }
  OpenElement(out, depth, "SegmentTemplate", attributes);
  OpenElement(out, depth + 1, "SegmentTimeline", {});
  for (const TimelineRun& run : CompressTimeline(t.segments)) {
    Attributes s;
    if (run.write_t) s.emplace_back("t", std::to_string(run.t));
    s.emplace_back("d", std::to_string(run.d));
    if (run.repeat > 0) s.emplace_back("r", std::to_string(run.repeat));
    OpenElement(out, depth + 2, "S", s, /*empty=*/true);
  }
  CloseElement(out, depth + 1, "SegmentTimeline");
  CloseElement(out, depth, "SegmentTemplate");
}

void WriteRepresentation(std::string* out, int depth, const Representation& rep) {
  Attributes attributes = {{"id", rep.id}};
  if (!rep.codecs.empty()) attributes.emplace_back("codecs", rep.codecs);
  attributes.emplace_back("bandwidth", std::to_string(rep.bandwidth));
  const auto* video = std::get_if<VideoFormat>(&rep.format);
  const auto* audio = std::get_if<AudioFormat>(&rep.format);
  const auto* image = std::get_if<ImageFormat>(&rep.format);
  if (video) {
    attributes.emplace_back("width", std::to_string(video->width));
    attributes.emplace_back("height", std::to_string(video->height));
    attributes.emplace_back("frameRate", FormatFrameRate(video->frame_rate));
    attributes.emplace_back("sar", FormatSar(video->sar));
  } else if (audio) {
    attributes.emplace_back("audioSamplingRate", std::to_string(audio->sampling_rate));
  } else if (image) {
    attributes.emplace_back("width", std::to_string(image->width));
    attributes.emplace_back("height", std::to_string(image->height));
  }
  OpenElement(out, depth, "Representation", attributes);
  // The schema orders the RepresentationBaseType children
  // (AudioChannelConfiguration, ContentProtection, then EssentialProperty)
  // before BaseURL and SegmentTemplate.
  if (audio) {
    OpenElement(out, depth + 1, "AudioChannelConfiguration",
                {{"schemeIdUri", kChannelConfigScheme},
                 {"value", std::to_string(audio->channels)}},
                /*empty=*/true);
  }
  WriteContentProtections(out, depth + 1, rep.content_protection);
  WriteEssentialProperties(out, depth + 1, rep.essential_properties);
  if (rep.base_url) {
    TextElement(out, depth + 1, "BaseURL", *rep.base_url);
  } else {
    WriteSegmentTemplate(out, depth + 1, rep.segment_template);
  }
  CloseElement(out, depth, "Representation");
}

// maxWidth/maxHeight/maxFrameRate over the set's (video) Representations.
void AddVideoMaxima(const AdaptationSet& set, Attributes* attributes) {
  int max_width = 0;
  int max_height = 0;
  Rational max_rate{0, 1};
  for (const Representation& rep : set.representations) {
    const auto& video = std::get<VideoFormat>(rep.format);
    max_width = std::max(max_width, video.width);
    max_height = std::max(max_height, video.height);
    if (FrameRateLess(max_rate, video.frame_rate)) max_rate = video.frame_rate;
  }
  attributes->emplace_back("maxWidth", std::to_string(max_width));
  attributes->emplace_back("maxHeight", std::to_string(max_height));
  attributes->emplace_back("maxFrameRate", FormatFrameRate(max_rate));
}

void WriteAdaptationSet(std::string* out, int depth, const AdaptationSet& set) {
  Attributes attributes = {{"id", std::to_string(set.id)},
                           {"contentType", std::string(ContentTypeName(set.content_type))}};
  if (set.lang) attributes.emplace_back("lang", *set.lang);
  attributes.emplace_back("mimeType", set.mime_type);
  if (set.content_type == ContentType::kVideo || set.content_type == ContentType::kAudio) {
    attributes.emplace_back("segmentAlignment", "true");
    attributes.emplace_back("startWithSAP", "1");
  }
  if (set.content_type == ContentType::kVideo) AddVideoMaxima(set, &attributes);
  OpenElement(out, depth, "AdaptationSet", attributes);
  // Schema order: ContentProtection, EssentialProperty and Label
  // (RepresentationBaseType), then Role (AdaptationSetType), then the
  // Representations.
  WriteContentProtections(out, depth + 1, set.content_protection);
  WriteEssentialProperties(out, depth + 1, set.essential_properties);
  if (set.label) TextElement(out, depth + 1, "Label", *set.label);
  for (const std::string& role : set.roles) {
    OpenElement(out, depth + 1, "Role", {{"schemeIdUri", kDashRoleScheme}, {"value", role}},
                /*empty=*/true);
  }
  for (const Representation& rep : set.representations) WriteRepresentation(out, depth + 1, rep);
  CloseElement(out, depth, "AdaptationSet");
}

std::string JoinProfiles(const std::vector<std::string>& profiles) {
  std::string joined;
  for (const std::string& profile : profiles) {
    if (!joined.empty()) joined.push_back(',');
    joined += profile;
  }
  return joined;
}

// Which of the ContentProtection namespaces the MPD uses.
struct ProtectionNamespaces {
  bool cenc = false;
  bool mspr = false;
  bool dashif = false;
};

void NoteNamespaces(const std::vector<ContentProtection>& elements, ProtectionNamespaces* used) {
  for (const ContentProtection& cp : elements) {
    used->cenc = used->cenc || cp.default_kid || !cp.pssh.empty();
    used->mspr = used->mspr || !cp.playready_pro.empty();
    used->dashif = used->dashif || !cp.laurl.empty();
  }
}

// The MPD element's attributes; a namespace is declared only when used, so
// clear MPDs stay as they were.
Attributes MpdAttributes(const Mpd& mpd) {
  ProtectionNamespaces used;
  for (const AdaptationSet& set : mpd.adaptation_sets) {
    NoteNamespaces(set.content_protection, &used);
    for (const Representation& rep : set.representations) {
      NoteNamespaces(rep.content_protection, &used);
    }
  }
  Attributes attributes = {{"xmlns", kMpdNamespace}};
  if (used.cenc) attributes.emplace_back("xmlns:cenc", kCencNamespace);
  if (used.mspr) attributes.emplace_back("xmlns:mspr", kMsprNamespace);
  if (used.dashif) attributes.emplace_back("xmlns:dashif", kDashIfCpsNamespace);
  attributes.emplace_back("profiles", JoinProfiles(mpd.profiles));
  attributes.emplace_back("type", "static");
  attributes.emplace_back("mediaPresentationDuration",
                          FormatSeconds(mpd.media_presentation_duration_seconds));
  attributes.emplace_back("minBufferTime", FormatSeconds(mpd.min_buffer_time_seconds));
  return attributes;
}

}  // namespace

std::string SystemSchemeIdUri(const std::array<uint8_t, 16>& system_id) {
  return std::string(kUuidUrnPrefix) + drm::UuidString(system_id);
}

Descriptor ThumbnailTile(int columns, int rows) {
  return {kDashThumbnailTileScheme, std::to_string(columns) + "x" + std::to_string(rows)};
}

StatusOr<std::string> WriteMpd(const Mpd& mpd) {
  RETURN_IF_ERROR(ValidateMpd(mpd));
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  OpenElement(&out, 0, "MPD", MpdAttributes(mpd));
  OpenElement(&out, 1, "Period", {{"id", "0"}, {"start", "PT0S"}});
  for (const AdaptationSet& set : mpd.adaptation_sets) WriteAdaptationSet(&out, 2, set);
  CloseElement(&out, 1, "Period");
  CloseElement(&out, 0, "MPD");
  return out;
}

}  // namespace vtp::manifest
