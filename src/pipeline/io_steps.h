// The steps that move files rather than media: ingest (the upload into the
// blob store's write-once originals area, checksum verified), manifest (the
// playlists and MPD from the packaged renditions) and publish (the finished
// tree to the output directory, atomically). Worker side: JSON parameters in,
// JSON result out.
#pragma once

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "ports/blob_store.h"

namespace vtp::pipeline {

// params {source, sha256, key, local_dir?}. Stores `source` under `key`
// unless an identical original is already there, then checks that what was
// stored has the checksum taken at submission (kCorruptInput: the upload
// changed since) and re-reads it (Verify). Result {key, sha256, bytes, path};
// path is where media code reads the original: the store's LocalPath, or for
// a store without local files (S3) a copy fetched into local_dir and checked
// against the recorded checksum.
StatusOr<nlohmann::json> IngestOriginal(const nlohmann::json& params, ports::BlobStore& blobs);

// params {video: [{name, dir, track, frame_rate}], audio?: {name, dir, track,
// language}, out_dir}. Writes every manifest under out_dir, each file
// atomically. Result {files: [relative paths]}.
StatusOr<nlohmann::json> WriteManifestFiles(const nlohmann::json& params);

// params {from, to, replace, original}. Makes `to` a copy of `from`
// (hard links where the file system allows) in one rename. `to` must not
// exist or be empty unless `replace`; a `to` that already holds exactly
// `from`'s files is a success, so a re-run after a crash is harmless.
// Result {output_dir, files}.
StatusOr<nlohmann::json> PublishOutput(const nlohmann::json& params);

}  // namespace vtp::pipeline
