// DRM system identifiers and the system-specific initialization data vtp
// signals for Common Encryption (ISO/IEC 23001-7): the Widevine pssh data
// and the PlayReady Header Object. Pure computation, no I/O; thread-safe.
//
// These are payloads, not boxes: a 'pssh' box (23001-7 §8.1) wraps one of
// them together with its system ID, and manifests carry them base64'd
// (DASH <cenc:pssh>, <mspr:pro>; HLS data: URIs).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "domain/cenc_types.h"

namespace vtp::drm {

// A DRM system ID (a UUID, 'pssh' SystemID, DASH urn:uuid:...) in the byte
// order of its textual form: byte 0 is the first two hex digits.
using SystemId = std::array<uint8_t, 16>;

// From the DASH-IF content protection identifier registry.
// Widevine: edef8ba9-79d6-4ace-a3c8-27dcd51d21ed
inline constexpr SystemId kWidevineSystemId = {0xed, 0xef, 0x8b, 0xa9, 0x79, 0xd6, 0x4a, 0xce,
                                               0xa3, 0xc8, 0x27, 0xdc, 0xd5, 0x1d, 0x21, 0xed};
// PlayReady: 9a04f079-9840-4286-ab92-e65be0885f95
inline constexpr SystemId kPlayReadySystemId = {0x9a, 0x04, 0xf0, 0x79, 0x98, 0x40, 0x42, 0x86,
                                                0xab, 0x92, 0xe6, 0x5b, 0xe0, 0x88, 0x5f, 0x95};
// W3C Common PSSH box format, used by ClearKey:
// 1077efec-c0b2-4d02-ace3-3c1e52e2fb4b
inline constexpr SystemId kCommonSystemId = {0x10, 0x77, 0xef, 0xec, 0xc0, 0xb2, 0x4d, 0x02,
                                             0xac, 0xe3, 0x3c, 0x1e, 0x52, 0xe2, 0xfb, 0x4b};
// FairPlay: 94ce86fb-07ff-4f43-adb8-93d2fa968ca2
inline constexpr SystemId kFairPlaySystemId = {0x94, 0xce, 0x86, 0xfb, 0x07, 0xff, 0x4f, 0x43,
                                               0xad, 0xb8, 0x93, 0xd2, 0xfa, 0x96, 0x8c, 0xa2};

// "edef8ba9-79d6-4ace-a3c8-27dcd51d21ed": 8-4-4-4-12 lowercase hex, bytes
// in array order. Also the text form of a KID (DASH cenc:default_KID).
std::string UuidString(const std::array<uint8_t, 16>& uuid);

// Inverse of UuidString. Accepts exactly 32 hex digits (either case),
// either contiguous or dashed 8-4-4-4-12; anything else (braces, "urn:uuid:",
// misplaced dashes, other lengths) is kInvalidArgument.
StatusOr<std::array<uint8_t, 16>> ParseUuid(std::string_view text);

// Standard base64 (RFC 4648 §4, '+' '/' and '=' padding): the encoding of
// <cenc:pssh>, <mspr:pro>, PlayReady KIDs and checksums, and data: URIs.
std::string Base64Encode(std::span<const uint8_t> bytes);

// Its strict inverse: padding exactly as Base64Encode writes it, no
// whitespace or other alphabets, and zero leftover bits (so one byte
// string has one encoding). nullopt otherwise.
std::optional<std::vector<uint8_t>> Base64Decode(std::string_view text);

// The Widevine pssh data: a WidevinePsshData protobuf message, encoded by
// hand with fields in field-number order:
//
//   field 2 key_id (repeated bytes): per KID, tag 0x12, length 0x10, the
//                                    16 KID bytes (in `kids` order)
//   field 9 protection_scheme (uint32): tag 0x48, then the scheme's
//                                    FourCC as a varint: 'cenc' 0x63656E63,
//                                    'cbcs' 0x63626373
//
// No other field is written (no provider/content_id: license servers look
// keys up by KID). `kids` may be empty (then only field 9).
std::vector<uint8_t> WidevinePsshData(const std::vector<cenc::Kid>& kids, cenc::Scheme scheme);

// The PlayReady Header Object (PRO, PlayReady Header Specification §2), the
// payload of a PlayReady 'pssh' box and of DASH <mspr:pro>. All integers
// little-endian:
//
//   u32 length        total PRO size in bytes (this field included)
//   u16 record count  1
//   u16 record type   1 (PlayReady Header, "rights management header")
//   u16 record length size of the record value in bytes
//   record value      the WRMHEADER XML below in UTF-16LE, no BOM
//
// The WRMHEADER is version 4.3.0.0 for both schemes (4.3 is the first that
// can say AESCBC; PlayReady 4+ clients read it for cenc too), written
// canonically: no whitespace between elements, attributes in alphabetical
// order, every element closed by an explicit end tag:
//
//   <WRMHEADER xmlns="http://schemas.microsoft.com/DRM/2007/03/PlayReadyHeader"
//    version="4.3.0.0"><DATA><PROTECTINFO><KIDS><KID ALGID="AESCTR"
//    CHECKSUM="c" VALUE="k"></KID></KIDS></PROTECTINFO>[<LA_URL>u</LA_URL>]
//   </DATA></WRMHEADER>                                   (one line)
//
//   ALGID     "AESCTR" for cenc, "AESCBC" for cbcs
//   VALUE     base64 of the KID in GUID byte order: the first three groups
//             (bytes 0-3, 4-5, 6-7) reversed, the last 8 bytes unchanged
//   CHECKSUM  base64 of the first 8 bytes of AES-128-ECB(key, that
//             GUID-ordered KID): lets a client tell a wrong key from a
//             wrong KID
//   LA_URL    only when `la_url` is non-empty, XML-escaped
//
// kInvalidArgument when `la_url` is not valid UTF-8, holds characters XML
// cannot carry (C0 controls, U+FFFE, U+FFFF), or makes the PRO larger
// than the 15 KB the specification allows. kInternal if OpenSSL fails.
StatusOr<std::vector<uint8_t>> PlayReadyObject(const cenc::Kid& kid, const cenc::Key& key,
                                               cenc::Scheme scheme, std::string_view la_url);

}  // namespace vtp::drm
