// TranscodeAudio: the pipeline's original single-output audio step, kept for
// its caller until it moves to TranscodeAudioTrack. One AAC-LC output, no
// normalisation: the same graph and encoder settings as it always had.
#include "media/audio.h"
#include "media/transcode.h"

namespace vtp::media {

StatusOr<AudioResult> TranscodeAudio(const AudioJob& job) {
  AudioTrackJob track;
  track.input_path = job.input_path;
  track.stream_index = job.stream_index;
  track.origin_seconds = job.origin_seconds;
  track.max_seconds = job.max_seconds;
  track.sample_rate = job.sample_rate;
  track.normalize = false;
  track.outputs.push_back({"aac", job.bitrate, job.channels, job.output});
  ASSIGN_OR_RETURN(AudioTrackResult r, TranscodeAudioTrack(track));
  return AudioResult{r.outputs[0].samples, r.outputs[0].priming};
}

}  // namespace vtp::media
