// The media probe: everything vtp decides from, read out of one input file,
// or the reason the file cannot be used (docs/errors.md).
//
// Probe() opens the file with libavformat, reads every packet once without
// decoding (keyframes, GOP structure, frame-rate regularity, integrity) and
// decodes only the first few frames of the primary video and audio streams
// to prove they are decodable. Memory stays bounded: packets are dropped as
// soon as they are read; only per-packet timestamps of video streams are kept.
//
// Thread safety: Probe and the helpers below are reentrant (no shared state);
// libav's log level is process-wide, set it once with ConfigureLibavLogging().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "domain/media_info.h"

namespace vtp::media {

// Probes `path`. On success every field of MediaInfo is filled, with
// primary_video/primary_audio chosen by ChoosePrimaryStreams(). Errors, each
// with a message naming the file and the reason:
//   kNotFound          the path does not exist
//   kIo                not a regular readable file (directory, permissions)
//   kNotMedia          empty file, or content no demuxer recognises (random
//                      bytes, text): decided from the bytes alone, never the
//                      file name extension
//   kCorruptInput      recognised container that cannot be opened, ends far
//                      before its declared duration or sample count, has
//                      corrupt-flagged packets or read errors, or whose
//                      primary stream yields no frame from its first packets
//   kNoDecodableStream no audio or video stream (subtitle- or data-only)
//   kUnsupportedCodec  the primary video or audio codec has no decoder here
//   kLimitExceeded     a ProbeLimits guard tripped (checked before decoding)
//
// Where the scan refines libav's header values: VideoInfo::avg_frame_rate is
// replaced by the rate measured over all packets when libav's is missing or
// more than 10% off (FLV and some Matroska report their 1000 Hz tick rate);
// MediaInfo::duration and bit_rate are computed from the packets and file
// size when the container declares none; field_order and, when the header
// lacks it, pixel_format come from the decoded frames.
StatusOr<MediaInfo> Probe(const std::string& path, const ProbeLimits& limits = {});

// ---------------------------------------------------------------------------
// Pure policy used by Probe(), public so that it can be tested and reused on
// a MediaInfo from any source. None of these touch libav or the filesystem.

// Sets info->primary_video to the first video stream that is not an attached
// picture, preferring decodable streams, then default disposition; and
// info->primary_audio likewise (decodable, then default, then first).
// -1 where the file has no such stream.
void ChoosePrimaryStreams(MediaInfo* info);

// kNoDecodableStream when there is neither a primary video nor a primary
// audio stream; kUnsupportedCodec when a primary stream has no decoder.
// Call after ChoosePrimaryStreams().
Status CheckStreamsUsable(const MediaInfo& info);

// kLimitExceeded naming the first guard `info` trips: file size, stream
// count, duration (when known, i.e. > 0), then width, height and pixel count
// of every video stream that is not an attached picture.
Status CheckLimits(const MediaInfo& info, const ProbeLimits& limits);

// Clockwise degrees (0, 90, 180 or 270) to rotate decoded pictures for
// display, given the counter-clockwise angle that av_display_rotation_get()
// reads from a display matrix (e.g. -90 -> 90, 90 -> 270, -180 -> 180).
// Angles are rounded to the nearest multiple of 90.
int ClockwiseRotation(double counter_clockwise_degrees);

// Display size of a coded picture: width scaled by the sample aspect ratio
// (height kept), rounded to the nearest integer, then swapped for 90/270
// rotations. A SAR with zero num or den counts as 1:1.
void DisplaySize(int width, int height, Rational sar, int rotation, int* display_width,
                 int* display_height);

// Frame-rate regularity from the presentation timestamps of one video stream
// (any order, in time-base ticks). Both work on the intervals between sorted
// distinct timestamps, where a timestamp less than half the median interval
// after the previous one is merged into it (hidden VP8/VP9 altref frames).
//
// IsVariableFrameRate: more than 2% of the intervals deviate from their
// median by more than max(1 tick, 5% of the median). Fewer than 2 intervals
// count as constant.
bool IsVariableFrameRate(std::vector<int64_t> pts);
// MeasuredFrameRate: intervals per second over the timestamps' span; 0 when
// there are fewer than 2 distinct timestamps.
double MeasuredFrameRate(std::vector<int64_t> pts, Rational time_base);

}  // namespace vtp::media
