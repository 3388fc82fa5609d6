#include "control/upload_jobs.h"

#include <algorithm>
#include <iterator>

#include "pipeline/atomic_files.h"
#include "pipeline/planner.h"

namespace vtp::control {

using nlohmann::json;

StatusOr<pipeline::DrmOptions> UploadDrm(const json& client, const pipeline::DrmOptions& server) {
  if (client.is_null()) return server;
  if (!client.is_object()) return InvalidArgument("options.drm must be an object");
  for (const auto& [key, value] : client.items()) {
    if (std::find(std::begin(kClientDrmOptions), std::end(kClientDrmOptions), key) == std::end(kClientDrmOptions)) {
      return InvalidArgument("options.drm." + key + " is not a DRM option the API accepts");
    }
  }
  json merged = server;
  merged.merge_patch(client);
  pipeline::DrmOptions out;
  try {
    out = merged.get<pipeline::DrmOptions>();
  } catch (const json::exception& e) {
    return InvalidArgument(std::string("options.drm: ") + e.what());
  }
  out.key_server = server.key_server;
  out.key_file.clear();
  out.key_uri = server.key_uri;
  if (!out.enabled()) return InvalidArgument("options.drm: scheme must be cenc or cbcs");
  Status valid = pipeline::ValidateDrmOptions(out);
  if (!valid.ok()) return InvalidArgument("options." + valid.message());
  // FairPlay exists only for cbcs: a cenc video signals the others (as
  // `vtp run --drm cenc` does).
  if (out.scheme == "cenc") std::erase(out.systems, "fairplay");
  return out;
}

StatusOr<std::string> UploadOptionsJson(const json& client, const std::string& priority,
                                        const pipeline::DrmOptions& server_drm) {
  if (!ports::PriorityFromName(priority)) {
    return InvalidArgument("priority must be one of low, normal, high, urgent");
  }
  if (!client.is_object()) return InvalidArgument("options must be an object");
  for (const auto& [key, value] : client.items()) {
    if (std::find(std::begin(kClientJobOptions), std::end(kClientJobOptions), key) == std::end(kClientJobOptions)) {
      return InvalidArgument("options." + key + " is not an option the API accepts");
    }
  }
  if (client.contains("drm")) RETURN_IF_ERROR(UploadDrm(client.at("drm"), server_drm).status());
  json rest = client;
  rest.erase("drm");  // checked above, against the server's DRM defaults
  json merged = pipeline::ToJson(pipeline::JobOptions{});
  merged.merge_patch(rest);
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
  const json* client_job = stored.contains("job") && stored["job"].is_object() ? &stored["job"] : nullptr;
  ASSIGN_OR_RETURN(job.drm, UploadDrm(client_job ? client_job->value("drm", json()) : json(), defaults.drm));
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
