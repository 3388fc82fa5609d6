// The tasks of a `vtp run` job as data: what the orchestrator hands to a
// worker process (as a JSON file) and what the worker hands back.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/status.h"
#include "ports/blob_store.h"
#include "ports/key_source.h"
#include "ports/speech_to_text.h"

namespace vtp::pipeline {

// Step names, as they appear in progress output and task files.
inline constexpr const char* kStepProbe = "probe";
inline constexpr const char* kStepSplit = "split";
inline constexpr const char* kStepTranscode = "transcode";
inline constexpr const char* kStepAudio = "audio";
inline constexpr const char* kStepPackage = "package";
inline constexpr const char* kStepManifest = "manifest";

struct TaskSpec {
  std::string id;         // deterministic: "transcode/chunk_003"
  std::string step;       // one of the kStep* names
  nlohmann::json params;  // step-specific
  int attempt = 1;        // which run of the task this is (>= 1); optional in JSON
};

struct TaskResult {
  Status status;
  nlohmann::json output;  // step-specific, on success
};

nlohmann::json ToJson(const TaskSpec& t);
StatusOr<TaskSpec> TaskSpecFromJson(const nlohmann::json& j);
nlohmann::json ToJson(const TaskResult& r);
TaskResult TaskResultFromJson(const nlohmann::json& j);

// What a task may use besides its parameters, wired by the caller.
struct TaskContext {
  ports::BlobStore* blobs = nullptr;  // the ingest step stores originals here
  ports::SpeechToText* stt = nullptr;  // the captions step needs one
  ports::KeySource* keys = nullptr;    // the drm step needs one
};

// Runs one task in the current process (the worker side). Never throws.
TaskResult ExecuteTask(const TaskSpec& task, const TaskContext& ctx = {});

}  // namespace vtp::pipeline
