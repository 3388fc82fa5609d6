// The worker side of the steps that run beside video transcoding: audio
// (every track, every rendition, loudness-normalised), its packaging,
// thumbnails, subtitles and speech-to-text captions. JSON parameters in
// (built by LadderPlanner), files out (atomically), JSON result back.
#pragma once

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "ports/speech_to_text.h"

namespace vtp::pipeline {

// One rendition: packet files -> fMP4 (+ MPEG-TS unless write_ts is false).
StatusOr<nlohmann::json> RunPackage(const nlohmann::json& p);

StatusOr<nlohmann::json> RunAudio(const nlohmann::json& p);
StatusOr<nlohmann::json> RunPackageAudio(const nlohmann::json& p);
StatusOr<nlohmann::json> RunThumbnails(const nlohmann::json& p);
// A subtitle track that cannot be converted (a malformed upload, an image
// stream) is listed under "skipped" with the reason; the task still
// succeeds, so one bad file never fails the video.
StatusOr<nlohmann::json> RunSubtitles(const nlohmann::json& p);
StatusOr<nlohmann::json> RunCaptions(const nlohmann::json& p, ports::SpeechToText& stt);

}  // namespace vtp::pipeline
