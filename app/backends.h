// The adapters behind the ports, opened from the cluster configuration
// (service/cluster_config.h): SQLite + local files when embedded, PostgreSQL
// + Redis + S3 when distributed. Every command that touches jobs opens its
// Backends through Runtime.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "adapters/store_front.h"
#include "core/status.h"
#include "ports/blob_store.h"
#include "ports/clock.h"
#include "ports/records.h"
#include "service/cluster_config.h"

namespace vtp::app {

// The configuration for this process: `--config FILE` (main.cc moves it to
// $VTP_CONFIG so child processes -- local workers, task processes -- open the
// same adapters), else the embedded defaults. Secrets resolved from the
// environment. kInvalidArgument naming the file for a bad configuration;
// kNotFound for a missing file.
StatusOr<service::ClusterConfig> LoadClusterConfig();

// Owns whatever adapters the configuration named.
class Backends {
 public:
  // `data_dir` holds the SQLite file and local blobs in embedded mode (and the
  // work area in both). kIo when a server cannot be reached; kInvalidArgument
  // for a store whose schema is newer than this build.
  // `pools`: every worker pool the pipeline graph routes to (the Redis
  // queue's reconciler restores these).
  static StatusOr<std::unique_ptr<Backends>> Open(const service::ClusterConfig& config,
                                                  const std::string& data_dir,
                                                  ports::Clock& clock,
                                                  std::vector<std::string> pools = {"cpu"});
  ~Backends();
  Backends(const Backends&) = delete;
  Backends& operator=(const Backends&) = delete;

  // The six store ports (metadata, queue, events, service, workers, keys).
  adapters::StoreFront& store() { return *front_; }
  ports::BlobStore& blobs() { return *blobs_; }

  // Distributed upkeep, called periodically by serve and workers; no-ops in
  // embedded mode. Reconcile re-enqueues waiting tasks missing from Redis;
  // RelayEvents moves outbox events onto the Redis stream. Return how many.
  StatusOr<int> Reconcile();
  StatusOr<int> RelayEvents();
  // True when events travel on a Redis stream ([events] url = redis://).
  bool stream_events() const;
  // One pass of this process's consumer in consumer group `group` of the
  // event stream (created on first use, with a connection of its own; call
  // from one thread): at-least-once, deduplicated by event id, an event
  // whose handler failed 3 times goes to the dead-letter stream. Returns how
  // many events were handled. kInvalidArgument unless stream_events().
  StatusOr<int> ConsumeEvents(const std::string& group,
                              const std::function<Status(const ports::Event&)>& handler);

  struct Owned;

 private:
  Backends();
  std::unique_ptr<Owned> owned_;
  std::unique_ptr<adapters::StoreFront> front_;
  ports::BlobStore* blobs_ = nullptr;
};

}  // namespace vtp::app
