// The runtime: the adapters the configuration chose (app/backends.h), the
// per-video work areas, plus the pipeline graph, planner and scheduler wired
// over them. Every command that touches jobs (run, worker, status, dlq,
// retry) opens one; processes sharing a data directory (embedded) or a
// cluster configuration (distributed) share the jobs.
//
//   DATA/vtp.db       SqliteStore (embedded; PostgresStore when distributed)
//   DATA/blobs/       LocalBlobStore (embedded; S3BlobStore when configured)
//   DATA/work/<video> intermediates and the unpublished output
//   DATA/tmp/         worker scratch (task and result files)
#pragma once

#include <memory>
#include <string>

#include "adapters/store_front.h"
#include "app/backends.h"
#include "core/status.h"
#include "domain/codec_policy.h"
#include "engine/pipeline_graph.h"
#include "engine/scheduler.h"
#include "engine/worker_pools.h"
#include "pipeline/planner.h"
#include "ports/clock.h"

namespace vtp::app {

// --data, else $VTP_DATA_DIR, else $XDG_DATA_HOME/vtp, else
// $HOME/.local/share/vtp.
std::string DefaultDataDir();

struct Runtime {
  std::string data_dir;
  ports::SystemClock clock;
  service::ClusterConfig config;  // LoadClusterConfig()
  std::unique_ptr<Backends> backends;
  // The six store ports and the blob store, whichever adapters the
  // configuration chose (owned by `backends`).
  adapters::StoreFront* store = nullptr;
  ports::BlobStore* blobs = nullptr;
  pipeline::DataPaths paths;
  engine::PipelineGraph graph;
  std::unique_ptr<pipeline::LadderPlanner> planner;
  // Which pools live workers lease from (the store's worker registry).
  std::unique_ptr<engine::RegistryLivePools> live_pools;
  std::unique_ptr<engine::Scheduler> scheduler;
  // The GPU fallback's bounds (Scheduler::RerouteWaiting); commands set
  // gpu_wait_ms from --gpu-wait-ms.
  engine::RerouteOptions reroute;

  // Creates the directory layout when missing and opens the configured
  // adapters (LoadClusterConfig). kIo / kInvalidArgument from the store (e.g.
  // a database written by a newer vtp) or the configuration. $VTP_GPU_ROUTES
  // replaces the graph's GPU routes (engine::ApplyGpuRoutes: e.g.
  // "transcode_hevc=gpu-nvenc,transcode=gpu-nvenc"); a bad value is
  // kInvalidArgument.
  static StatusOr<std::unique_ptr<Runtime>> Open(const std::string& data_dir);
  // The retry policy of a step (GenericRetryPolicy for unknown steps).
  engine::RetryPolicy PolicyFor(const std::string& step) const;
};

// The codec policy in `path` (docs/codecs.md), or the seed's default for
// "". kNotFound for an unreadable file; kInvalidArgument naming the file and
// the bad key otherwise.
StatusOr<CodecPolicy> LoadCodecPolicy(const std::string& path);

// The path of this executable, for spawning workers.
std::string SelfExe();

// Pulls "--data DIR" out of argv (the rest shifts down); returns the data
// directory to use. Exits with status 2 when --data has no value.
std::string TakeDataFlag(int& argc, char** argv);

}  // namespace vtp::app
