#include "control/upload_jobs.h"

#include <algorithm>
#include <iterator>

#include "pipeline/atomic_files.h"
#include "pipeline/planner.h"

namespace vtp::control {

using nlohmann::json;

StatusOr<std::string> UploadOptionsJson(const json& client, const std::string& priority) {
  if (!ports::PriorityFromName(priority)) {
    return InvalidArgument("priority must be one of low, normal, high, urgent");
  }
  if (!client.is_object()) return InvalidArgument("options must be an object");
  for (const auto& [key, value] : client.items()) {
    if (std::find(std::begin(kClientJobOptions), std::end(kClientJobOptions), key) == std::end(kClientJobOptions)) {
      return InvalidArgument("options." + key + " is not an option the API accepts");
    }
  }
  json merged = pipeline::ToJson(pipeline::JobOptions{});
  merged.merge_patch(client);
  try {
    StatusOr<pipeline::JobOptions> parsed = pipeline::JobOptionsFromJson(merged);
    if (!parsed.ok()) return InvalidArgument("options: " + parsed.status().message());
  } catch (const json::exception& e) {
    return InvalidArgument(std::string("options: ") + e.what());
  }
  return json{{"priority", priority}, {"job", client}}.dump();
}

StatusOr<ports::VideoRecord> VideoForUpload(const ports::UploadRecord& upload, const std::string& sha256,
                                            const UploadJobDefaults& defaults) {
  json stored = json::parse(upload.options_json, nullptr, false);
  if (stored.is_discarded() || !stored.is_object()) stored = json::object();
  json merged = pipeline::ToJson(pipeline::JobOptions{});
  merged.merge_patch(stored.value("job", json::object()));
  pipeline::JobOptions job;
  try {
    ASSIGN_OR_RETURN(job, pipeline::JobOptionsFromJson(merged));
  } catch (const json::exception& e) {
    return InvalidArgument(std::string("stored upload options: ") + e.what());
  }
  ports::VideoRecord v;
  v.video_id = upload.video_id;
  job.source_ext = pipeline::SafeExtension(upload.filename, 7, "bin");
  v.original_key = pipeline::OriginalKey(v.video_id, job.source_ext);
  // Ingest finds the original already stored (the upload put it there) and
  // only verifies it; the path is where the blob store keeps it.
  job.source = defaults.blob_root + "/" + v.original_key;
  job.source_sha256 = sha256;
  job.output_dir = defaults.public_root + "/" + v.video_id;
  job.replace_output = true;  // vtp owns public_root: re-publishing replaces
  job.chunk_workers = std::max(1, defaults.chunk_workers);
  v.creator_id = upload.creator_id;
  v.title = upload.title.empty() ? upload.filename : upload.title;
  v.original_format = job.source_ext;
  v.file_size_bytes = static_cast<int64_t>(upload.length);
  v.priority = ports::PriorityFromName(stored.value("priority", "normal")).value_or(ports::Priority::kNormal);
  v.preset = job.x264_preset;
  PolicyInput in;
  in.current_codecs = job.codecs;
  in.creator_priority = std::string(ports::PriorityName(v.priority));
  job.codecs = defaults.codec_policy.Decide(in);
  v.options_json = pipeline::ToJson(job).dump();
  return v;
}

}  // namespace vtp::control
