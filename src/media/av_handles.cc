#include "media/av_handles.h"
#include "media/logging.h"

#include <cstdlib>
#include <cstring>

extern "C" {
#include <libavutil/error.h>
#include <libavutil/log.h>
}

namespace vtp::media {

std::string AvErrorText(int averror) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(averror, buf, sizeof(buf));
  return buf;
}

Status AvStatus(int averror, ErrorCode code, std::string_view what) {
  if (averror >= 0) return Status::Ok();
  return Status(code, std::string(what) + ": " + AvErrorText(averror));
}

void ConfigureLibavLogging() {
  const char* env = std::getenv("VTP_AV_LOG");
  if (env == nullptr) {
    av_log_set_level(AV_LOG_QUIET);
    return;
  }
  struct Level { const char* name; int value; };
  static const Level kLevels[] = {{"quiet", AV_LOG_QUIET}, {"error", AV_LOG_ERROR},
                                  {"warning", AV_LOG_WARNING}, {"info", AV_LOG_INFO},
                                  {"verbose", AV_LOG_VERBOSE}, {"debug", AV_LOG_DEBUG}};
  for (const auto& l : kLevels) {
    if (std::strcmp(env, l.name) == 0) {
      av_log_set_level(l.value);
      return;
    }
  }
  av_log_set_level(std::atoi(env));
}

}  // namespace vtp::media
