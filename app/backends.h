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
// The configuration in the file `path`, secrets not resolved. kNotFound for
// an unreadable file; kInvalidArgument naming the file otherwise.
StatusOr<service::ClusterConfig> ReadClusterConfigFile(const std::string& path);

// What a process opens beyond the configuration's defaults.
struct BackendsOptions {
  // Every worker pool the pipeline graph routes to: the Redis queue's
  // reconciler restores these.
  std::vector<std::string> pools = {"cpu"};
  // false: no Redis connections (a task process needs only the SQL store and
  // the blobs; a brief Redis outage must not fail its task).
  bool with_redis = true;
};

// Owns whatever adapters the configuration named.
class Backends {
 public:
  // `data_dir` holds the SQLite file and local blobs in embedded mode (and the
  // work area in both). kIo when a server cannot be reached; kInvalidArgument
  // for a store whose schema is newer than this build.
  static StatusOr<std::unique_ptr<Backends>> Open(const service::ClusterConfig& config,
                                                  const std::string& data_dir,
                                                  ports::Clock& clock,
                                                  BackendsOptions options = {});
  ~Backends();
  Backends(const Backends&) = delete;
  Backends& operator=(const Backends&) = delete;

  // The six store ports (metadata, queue, events, service, workers, keys).
  adapters::StoreFront& store() { return *front_; }
  ports::BlobStore& blobs() { return *blobs_; }

  // Distributed upkeep, called periodically by serve and workers; no-ops in
  // embedded mode. Return how many.
  //
  // Reconcile re-enqueues waiting tasks missing from Redis. Cheap when
  // nothing was lost: a full pass (every waiting task of every pool) runs
  // when Redis lost its data since the last successful pass (a sentinel key
  // is gone: flush, restart without persistence) or at least every
  // full_every_ms (entries popped by a process that died before claiming).
  // Redis must not evict keys (maxmemory-policy noeviction).
  StatusOr<int> Reconcile(ports::Millis full_every_ms = 60'000);
  // Moves outbox events onto the Redis stream.
  StatusOr<int> RelayEvents();
  // With [blobs] replica_url: copies every original the replica lacks
  // (one whose replica write failed, or a replica added later). Returns how
  // many were copied; kCorruptInput when the replica holds other bytes
  // under an original's key.
  StatusOr<int> ReplicateOriginals();
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
