#include "manifest/hls.h"

#include "manifest/text.h"
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <string_view>
#include <tuple>
#include <utility>

namespace vtp::manifest {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
// Far above any real segment; keeps microsecond counts and the target
// duration (a decimal-integer we hold in an int) from overflowing.
constexpr double kMaxSegmentSeconds = 1e9;
constexpr int kTsVersion = 3;    // §7: decimal-floating-point EXTINF
constexpr int kFmp4Version = 6;  // §7: EXT-X-MAP outside I-frame playlists

// EXTINF values and the target duration both derive from this one integer,
// so the rounding a client applies to the printed value is the rounding the
// target duration was computed from.
int64_t ToMicros(double seconds) { return std::llround(seconds * 1e6); }

int RoundedSeconds(int64_t micros) {
  return static_cast<int>((micros + kMicrosPerSecond / 2) / kMicrosPerSecond);
}

std::string FormatMicros(int64_t micros) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%lld.%06lld",
                static_cast<long long>(micros / kMicrosPerSecond),
                static_cast<long long>(micros % kMicrosPerSecond));
  return buf;
}

// §4.2 quoted-string: no '"', CR or LF, and there is no escape for them.
// §4.1: playlists are UTF-8 without control characters (U+0000-U+001F,
// U+007F-U+009F) other than the CR/LF that end lines; every value we write
// sits inside one line, so CR and LF are refused too (CheckLineText).
Status CheckQuoted(const std::string& what, std::string_view s) {
  if (s.empty()) return InvalidArgument(what + " is empty");
  if (s.find('"') != std::string_view::npos) {
    return InvalidArgument(what + " contains a double quote, which HLS cannot express");
  }
  return CheckLineText(what, s);
}

// CHARACTERISTICS (§4.3.4.1): UTIs separated by ','. A UTI is a
// reverse-DNS name, so entries are non-empty and hold no spaces.
Status CheckCharacteristics(const std::string& what, std::string_view s) {
  RETURN_IF_ERROR(CheckQuoted(what, s));
  size_t begin = 0;
  while (true) {
    const size_t comma = s.find(',', begin);
    const std::string_view entry =
        s.substr(begin, comma == std::string_view::npos ? std::string_view::npos : comma - begin);
    if (entry.empty()) return InvalidArgument(what + " has an empty entry");
    if (entry.find(' ') != std::string_view::npos) {
      return InvalidArgument(what + " entry \"" + std::string(entry) + "\" contains a space");
    }
    if (comma == std::string_view::npos) return Status::Ok();
    begin = comma + 1;
  }
}

// A URI line or URI attribute. RFC 3986 URIs hold no whitespace (spaces are
// percent-encoded), and a URI line starting with '#' would read as a tag.
Status CheckUri(const std::string& what, std::string_view uri) {
  if (uri.empty()) return InvalidArgument(what + " is empty");
  if (uri.front() == '#') return InvalidArgument(what + " starts with '#'");
  if (uri.find_first_of(" \t") != std::string_view::npos) {
    return InvalidArgument(what + " contains whitespace; percent-encode it");
  }
  return CheckQuoted(what, uri);
}


Status CheckVersion(const std::string& what, int version, int minimum) {
  if (version < minimum || version > kHlsMaxVersion) {
    return InvalidArgument(what + " " + std::to_string(version) + " is outside [" +
                           std::to_string(minimum) + ", " +
                           std::to_string(kHlsMaxVersion) + "]");
  }
  return Status::Ok();
}

// ---------------------------------------------------------------- keys

constexpr int kIvVersion = 2;         // §7: the IV attribute of EXT-X-KEY
constexpr int kKeyFormatVersion = 5;  // §7: KEYFORMAT(VERSIONS), SAMPLE-AES

bool IsSampleMethod(std::string_view method) {
  return method == "SAMPLE-AES" || method == "SAMPLE-AES-CTR";
}

// The version one EXT-X-KEY or EXT-X-SESSION-KEY needs (§7).
int KeyTagVersion(const KeyTag& key) {
  if (key.keyformat || key.keyformat_versions || IsSampleMethod(key.method)) {
    return kKeyFormatVersion;
  }
  return key.iv ? kIvVersion : 1;
}

int KeyTagsVersion(const std::vector<KeyTag>& keys) {
  int version = 1;
  for (const KeyTag& key : keys) version = std::max(version, KeyTagVersion(key));
  return version;
}

// KEYFORMATVERSIONS (§4.3.2.4): positive integers separated by '/'.
Status CheckKeyFormatVersions(const std::string& what, std::string_view s) {
  RETURN_IF_ERROR(CheckQuoted(what, s));
  size_t begin = 0;
  while (true) {
    const size_t slash = s.find('/', begin);
    const std::string_view entry =
        s.substr(begin, slash == std::string_view::npos ? std::string_view::npos : slash - begin);
    const bool digits = !entry.empty() && entry.find_first_not_of("0123456789") ==
                                              std::string_view::npos;
    if (!digits || entry.find_first_not_of('0') == std::string_view::npos) {
      return InvalidArgument(what + " must be positive integers joined by '/', like \"1/2/5\"");
    }
    if (slash == std::string_view::npos) return Status::Ok();
    begin = slash + 1;
  }
}

Status ValidateKeyTag(const KeyTag& key, const std::string& what) {
  if (key.method != "AES-128" && !IsSampleMethod(key.method)) {
    RETURN_IF_ERROR(CheckQuoted(what + " METHOD", key.method));  // names bad bytes first
    return InvalidArgument(what + " METHOD \"" + key.method +
                           "\" is not AES-128, SAMPLE-AES or SAMPLE-AES-CTR");
  }
  RETURN_IF_ERROR(CheckUri(what + " URI", key.uri));
  if (key.keyformat) RETURN_IF_ERROR(CheckQuoted(what + " KEYFORMAT", *key.keyformat));
  if (key.keyformat_versions) {
    RETURN_IF_ERROR(CheckKeyFormatVersions(what + " KEYFORMATVERSIONS", *key.keyformat_versions));
  }
  return Status::Ok();
}

// §4.3.2.4: a tag applies until the next one with its KEYFORMAT, so tags
// that apply to the same segments differ in KEYFORMAT; since they describe
// one encryption of the segments, they share its METHOD.
Status ValidateMediaKeys(const MediaPlaylist& playlist) {
  if (playlist.keys.empty()) {
    if (playlist.first_encrypted_segment == 0) return Status::Ok();
    return InvalidArgument("first_encrypted_segment is " +
                           std::to_string(playlist.first_encrypted_segment) +
                           " but the playlist has no keys");
  }
  if (playlist.first_encrypted_segment >= playlist.segments.size()) {
    return InvalidArgument("first_encrypted_segment " +
                           std::to_string(playlist.first_encrypted_segment) +
                           " is not a segment index (there are " +
                           std::to_string(playlist.segments.size()) + ")");
  }
  std::set<std::string> keyformats;
  for (size_t i = 0; i < playlist.keys.size(); ++i) {
    const KeyTag& key = playlist.keys[i];
    const std::string what = "EXT-X-KEY " + std::to_string(i);
    RETURN_IF_ERROR(ValidateKeyTag(key, what));
    if (key.method != playlist.keys.front().method) {
      return InvalidArgument(what + " METHOD " + key.method + " differs from EXT-X-KEY 0 METHOD " +
                             playlist.keys.front().method);
    }
    if (key.method == "SAMPLE-AES-CTR" && !playlist.init_segment_uri) {
      return InvalidArgument(what + " METHOD SAMPLE-AES-CTR needs fMP4 (an EXT-X-MAP)");
    }
    if (!keyformats.insert(key.keyformat.value_or(kHlsKeyFormatIdentity)).second) {
      return InvalidArgument(what + " repeats KEYFORMAT \"" +
                             key.keyformat.value_or(kHlsKeyFormatIdentity) + "\"");
    }
  }
  return Status::Ok();
}

// §4.3.4.5: METHOD is not NONE (ValidateKeyTag refuses it) and no two
// EXT-X-SESSION-KEY tags have the same attributes.
Status ValidateSessionKeys(const std::vector<KeyTag>& keys) {
  using Attributes = std::tuple<std::string, std::string, std::optional<std::array<uint8_t, 16>>,
                                std::optional<std::string>, std::optional<std::string>>;
  std::set<Attributes> seen;
  for (size_t i = 0; i < keys.size(); ++i) {
    const KeyTag& key = keys[i];
    const std::string what = "EXT-X-SESSION-KEY " + std::to_string(i);
    RETURN_IF_ERROR(ValidateKeyTag(key, what));
    if (!seen.emplace(key.method, key.uri, key.iv, key.keyformat, key.keyformat_versions).second) {
      return InvalidArgument(what + " repeats an earlier EXT-X-SESSION-KEY");
    }
  }
  return Status::Ok();
}

Status ValidateSegment(const MediaSegment& segment, size_t index) {
  const std::string what = "segment " + std::to_string(index);
  RETURN_IF_ERROR(CheckUri(what + " URI", segment.uri));
  const double d = segment.duration_seconds;
  if (!std::isfinite(d) || d <= 0 || d > kMaxSegmentSeconds) {
    return InvalidArgument(what + " duration must be in (0, 1e9] seconds");
  }
  if (ToMicros(d) == 0) return InvalidArgument(what + " duration rounds to 0 microseconds");
  return Status::Ok();
}

Status ValidateMediaPlaylist(const MediaPlaylist& playlist) {
  if (playlist.segments.empty()) return InvalidArgument("media playlist has no segments");
  if (playlist.init_segment_uri) {
    RETURN_IF_ERROR(CheckUri("EXT-X-MAP URI", *playlist.init_segment_uri));
  }
  for (size_t i = 0; i < playlist.segments.size(); ++i) {
    RETURN_IF_ERROR(ValidateSegment(playlist.segments[i], i));
  }
  RETURN_IF_ERROR(ValidateMediaKeys(playlist));
  if (playlist.version) {
    RETURN_IF_ERROR(CheckVersion("media playlist EXT-X-VERSION", *playlist.version,
                                 RequiredVersion(playlist)));
  }
  return Status::Ok();
}

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Appends NAME=value to an attribute-list (§4.2).
void AddAttribute(std::string* list, std::string_view name, std::string_view value) {
  if (!list->empty()) list->push_back(',');
  list->append(name).append("=").append(value);
}

// The attributes AudioRendition and SubtitleRendition share.
template <typename Rendition>
Status ValidateCommonRendition(const Rendition& r, const std::string& what) {
  RETURN_IF_ERROR(CheckQuoted(what + " GROUP-ID", r.group_id));
  RETURN_IF_ERROR(CheckQuoted(what + " NAME", r.name));
  if (r.language) RETURN_IF_ERROR(CheckLanguage(what + " LANGUAGE", *r.language));
  if (r.characteristics) {
    RETURN_IF_ERROR(CheckCharacteristics(what + " CHARACTERISTICS", *r.characteristics));
  }
  // §4.3.4.1: AUTOSELECT MUST be YES when DEFAULT is YES.
  if (r.is_default && !r.autoselect) {
    return InvalidArgument(what + " is DEFAULT=YES but not AUTOSELECT=YES");
  }
  return Status::Ok();
}

Status ValidateRendition(const AudioRendition& r, size_t index) {
  const std::string what = "audio rendition " + std::to_string(index);
  RETURN_IF_ERROR(ValidateCommonRendition(r, what));
  if (r.channels) RETURN_IF_ERROR(CheckQuoted(what + " CHANNELS", *r.channels));
  return CheckUri(what + " URI", r.uri);
}

Status ValidateRendition(const SubtitleRendition& r, size_t index) {
  const std::string what = "subtitle rendition " + std::to_string(index);
  RETURN_IF_ERROR(ValidateCommonRendition(r, what));
  // §4.3.4.1: URI is REQUIRED when TYPE is SUBTITLES.
  return CheckUri(what + " URI", r.uri);
}

// §4.3.4.1.1: names differ within a group; at most one DEFAULT=YES each.
// `kind` ("audio", "subtitle") names the TYPE the groups belong to.
template <typename Rendition>
Status ValidateGroups(const std::vector<Rendition>& renditions, const std::string& kind) {
  std::set<std::pair<std::string, std::string>> names;
  std::set<std::string> defaults;
  for (const Rendition& r : renditions) {
    if (!names.emplace(r.group_id, r.name).second) {
      return InvalidArgument(kind + " group \"" + r.group_id + "\" repeats NAME \"" + r.name +
                             "\"");
    }
    if (r.is_default && !defaults.insert(r.group_id).second) {
      return InvalidArgument(kind + " group \"" + r.group_id +
                             "\" has more than one DEFAULT=YES rendition");
    }
  }
  return Status::Ok();
}

template <typename Rendition>
Status ValidateRenditions(const std::vector<Rendition>& renditions, const std::string& kind) {
  for (size_t i = 0; i < renditions.size(); ++i) {
    RETURN_IF_ERROR(ValidateRendition(renditions[i], i));
  }
  return ValidateGroups(renditions, kind);
}

// §4.3.4.2: AUDIO and SUBTITLES MUST match the GROUP-ID of an EXT-X-MEDIA
// tag of that TYPE. `attribute` is the EXT-X-STREAM-INF attribute name.
template <typename Rendition>
Status CheckGroupReference(const std::string& what, const std::string& attribute,
                           const std::string& group_id,
                           const std::vector<Rendition>& renditions, const std::string& kind) {
  RETURN_IF_ERROR(CheckQuoted(what + " " + attribute, group_id));
  const bool found = std::any_of(renditions.begin(), renditions.end(),
                                 [&](const Rendition& r) { return r.group_id == group_id; });
  if (!found) {
    return InvalidArgument(what + " " + attribute + "=\"" + group_id + "\" names no " + kind +
                           " rendition group");
  }
  return Status::Ok();
}

Status ValidateVariantNumbers(const Variant& v, const std::string& what) {
  if (v.bandwidth <= 0) return InvalidArgument(what + " BANDWIDTH must be > 0");
  if (v.average_bandwidth && (*v.average_bandwidth <= 0 || *v.average_bandwidth > v.bandwidth)) {
    return InvalidArgument(what + " AVERAGE-BANDWIDTH must be in (0, BANDWIDTH]");
  }
  if (v.resolution && (v.resolution->width <= 0 || v.resolution->height <= 0)) {
    return InvalidArgument(what + " RESOLUTION must be positive");
  }
  if (v.frame_rate && (!std::isfinite(*v.frame_rate) || *v.frame_rate <= 0 ||
                       *v.frame_rate > 1e6)) {
    return InvalidArgument(what + " FRAME-RATE must be in (0, 1e6]");
  }
  if (v.video_range && *v.video_range != "SDR" && *v.video_range != "PQ" && *v.video_range != "HLG") {
    return InvalidArgument(what + " VIDEO-RANGE must be SDR, PQ or HLG");
  }
  return Status::Ok();
}

Status ValidateVariant(const Variant& v, size_t index, const MasterPlaylist& playlist) {
  const std::string what = "variant " + std::to_string(index);
  RETURN_IF_ERROR(CheckUri(what + " URI", v.uri));
  RETURN_IF_ERROR(ValidateVariantNumbers(v, what));
  for (const std::string& codec : v.codecs) {
    RETURN_IF_ERROR(CheckQuoted(what + " CODECS entry", codec));
    if (codec.find_first_of(", \t") != std::string::npos) {
      return InvalidArgument(what + " CODECS entry \"" + codec + "\" contains ',' or space");
    }
  }
  if (v.audio_group_id) {
    RETURN_IF_ERROR(
        CheckGroupReference(what, "AUDIO", *v.audio_group_id, playlist.audio, "audio"));
  }
  if (v.subtitles_group_id) {
    RETURN_IF_ERROR(CheckGroupReference(what, "SUBTITLES", *v.subtitles_group_id,
                                        playlist.subtitles, "subtitle"));
  }
  // §4.3.4.2: if one EXT-X-STREAM-INF says CLOSED-CAPTIONS=NONE, all MUST.
  if (v.closed_captions_none != playlist.variants.front().closed_captions_none) {
    return InvalidArgument("CLOSED-CAPTIONS=NONE must be set on every variant or on none; "
                           "variant 0 and " + what + " differ");
  }
  return Status::Ok();
}

Status ValidateMasterPlaylist(const MasterPlaylist& playlist) {
  if (playlist.variants.empty()) return InvalidArgument("master playlist has no variants");
  RETURN_IF_ERROR(ValidateRenditions(playlist.audio, "audio"));
  RETURN_IF_ERROR(ValidateRenditions(playlist.subtitles, "subtitle"));
  for (size_t i = 0; i < playlist.variants.size(); ++i) {
    RETURN_IF_ERROR(ValidateVariant(playlist.variants[i], i, playlist));
  }
  RETURN_IF_ERROR(ValidateSessionKeys(playlist.session_keys));
  if (playlist.version) {
    RETURN_IF_ERROR(CheckVersion("master playlist EXT-X-VERSION", *playlist.version,
                                 KeyTagsVersion(playlist.session_keys)));
  }
  return Status::Ok();
}

std::string_view YesNo(bool value) { return value ? "YES" : "NO"; }

// TYPE through AUTOSELECT, the attributes every EXT-X-MEDIA tag starts with
// (the order is documented in hls.h).
template <typename Rendition>
std::string MediaTagStart(std::string_view type, const Rendition& r) {
  std::string attrs;
  AddAttribute(&attrs, "TYPE", type);
  AddAttribute(&attrs, "GROUP-ID", Quoted(r.group_id));
  AddAttribute(&attrs, "NAME", Quoted(r.name));
  if (r.language) AddAttribute(&attrs, "LANGUAGE", Quoted(*r.language));
  AddAttribute(&attrs, "DEFAULT", YesNo(r.is_default));
  AddAttribute(&attrs, "AUTOSELECT", YesNo(r.autoselect));
  return attrs;
}

std::string MediaTag(const AudioRendition& r) {
  std::string attrs = MediaTagStart("AUDIO", r);
  if (r.characteristics) AddAttribute(&attrs, "CHARACTERISTICS", Quoted(*r.characteristics));
  if (r.channels) AddAttribute(&attrs, "CHANNELS", Quoted(*r.channels));
  AddAttribute(&attrs, "URI", Quoted(r.uri));
  return "#EXT-X-MEDIA:" + attrs + "\n";
}

std::string MediaTag(const SubtitleRendition& r) {
  std::string attrs = MediaTagStart("SUBTITLES", r);
  AddAttribute(&attrs, "FORCED", YesNo(r.forced));
  if (r.characteristics) AddAttribute(&attrs, "CHARACTERISTICS", Quoted(*r.characteristics));
  AddAttribute(&attrs, "URI", Quoted(r.uri));
  return "#EXT-X-MEDIA:" + attrs + "\n";
}

std::string JoinCodecs(const std::vector<std::string>& codecs) {
  std::string joined;
  for (const std::string& codec : codecs) {
    if (!joined.empty()) joined.push_back(',');
    joined += codec;
  }
  return joined;
}

std::string StreamInfTag(const Variant& v) {
  std::string attrs;
  AddAttribute(&attrs, "BANDWIDTH", std::to_string(v.bandwidth));
  if (v.average_bandwidth) {
    AddAttribute(&attrs, "AVERAGE-BANDWIDTH", std::to_string(*v.average_bandwidth));
  }
  // §4.3.4.2: CODECS is a SHOULD; an empty list leaves it out.
  if (!v.codecs.empty()) AddAttribute(&attrs, "CODECS", Quoted(JoinCodecs(v.codecs)));
  if (v.resolution) {
    AddAttribute(&attrs, "RESOLUTION",
                 std::to_string(v.resolution->width) + "x" +
                     std::to_string(v.resolution->height));
  }
  if (v.frame_rate) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.3f", *v.frame_rate);  // §4.3.4.2: 3 decimals
    AddAttribute(&attrs, "FRAME-RATE", buf);
  }
  if (v.video_range) AddAttribute(&attrs, "VIDEO-RANGE", *v.video_range);
  if (v.audio_group_id) AddAttribute(&attrs, "AUDIO", Quoted(*v.audio_group_id));
  if (v.subtitles_group_id) AddAttribute(&attrs, "SUBTITLES", Quoted(*v.subtitles_group_id));
  if (v.closed_captions_none) AddAttribute(&attrs, "CLOSED-CAPTIONS", "NONE");
  return "#EXT-X-STREAM-INF:" + attrs + "\n";
}

// §4.2 hexadecimal-sequence: "0x" and the digits [0..9] and [A..F].
std::string HexSequence(const std::array<uint8_t, 16>& bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out = "0x";
  for (uint8_t byte : bytes) {
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 0x0F]);
  }
  return out;
}

// `tag` ("EXT-X-KEY", "EXT-X-SESSION-KEY") with the attributes in the
// order hls.h documents.
std::string KeyLine(std::string_view tag, const KeyTag& key) {
  std::string attrs;
  AddAttribute(&attrs, "METHOD", key.method);
  AddAttribute(&attrs, "URI", Quoted(key.uri));
  if (key.iv) AddAttribute(&attrs, "IV", HexSequence(*key.iv));
  if (key.keyformat) AddAttribute(&attrs, "KEYFORMAT", Quoted(*key.keyformat));
  if (key.keyformat_versions) {
    AddAttribute(&attrs, "KEYFORMATVERSIONS", Quoted(*key.keyformat_versions));
  }
  return "#" + std::string(tag) + ":" + attrs + "\n";
}

std::string KeyLines(std::string_view tag, const std::vector<KeyTag>& keys) {
  std::string out;
  for (const KeyTag& key : keys) out += KeyLine(tag, key);
  return out;
}

}  // namespace

int TargetDurationFor(const std::vector<double>& durations) {
  int target = 1;
  for (double d : durations) target = std::max(target, RoundedSeconds(ToMicros(d)));
  return target;
}

int RequiredVersion(const MediaPlaylist& playlist) {
  const int container = playlist.init_segment_uri ? kFmp4Version : kTsVersion;
  return std::max(container, KeyTagsVersion(playlist.keys));
}

StatusOr<std::string> WriteMediaPlaylist(const MediaPlaylist& playlist) {
  RETURN_IF_ERROR(ValidateMediaPlaylist(playlist));
  std::vector<double> durations;
  durations.reserve(playlist.segments.size());
  for (const MediaSegment& s : playlist.segments) durations.push_back(s.duration_seconds);

  std::string out = "#EXTM3U\n";
  out += "#EXT-X-VERSION:" + std::to_string(playlist.version.value_or(RequiredVersion(playlist)));
  out += "\n#EXT-X-TARGETDURATION:" + std::to_string(TargetDurationFor(durations)) + "\n";
  out += "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n";
  if (playlist.independent_segments) out += "#EXT-X-INDEPENDENT-SEGMENTS\n";
  if (playlist.init_segment_uri) {
    out += "#EXT-X-MAP:URI=" + Quoted(*playlist.init_segment_uri) + "\n";
  }
  const std::string keys = KeyLines("EXT-X-KEY", playlist.keys);
  for (size_t i = 0; i < playlist.segments.size(); ++i) {
    const MediaSegment& s = playlist.segments[i];
    if (i == playlist.first_encrypted_segment) out += keys;
    out += "#EXTINF:" + FormatMicros(ToMicros(s.duration_seconds)) + ",\n" + s.uri + "\n";
  }
  out += "#EXT-X-ENDLIST\n";
  return out;
}

int DefaultVersion(const MasterPlaylist& playlist) {
  const int renditions = playlist.audio.empty() && playlist.subtitles.empty() ? 3 : 4;
  return std::max(renditions, KeyTagsVersion(playlist.session_keys));
}

StatusOr<std::string> WriteMasterPlaylist(const MasterPlaylist& playlist) {
  RETURN_IF_ERROR(ValidateMasterPlaylist(playlist));
  std::string out = "#EXTM3U\n";
  out += "#EXT-X-VERSION:" + std::to_string(playlist.version.value_or(DefaultVersion(playlist)));
  out += "\n";
  if (playlist.independent_segments) out += "#EXT-X-INDEPENDENT-SEGMENTS\n";
  out += KeyLines("EXT-X-SESSION-KEY", playlist.session_keys);
  for (const AudioRendition& r : playlist.audio) out += MediaTag(r);
  for (const SubtitleRendition& r : playlist.subtitles) out += MediaTag(r);
  for (const Variant& v : playlist.variants) out += StreamInfTag(v) + v.uri + "\n";
  return out;
}

}  // namespace vtp::manifest
