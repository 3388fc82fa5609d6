#include "app/backends.h"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <unistd.h>
#include <utility>

#include "adapters/local_blob_store.h"
#include "adapters/postgres_store.h"
#include "adapters/redis_client.h"
#include "adapters/redis_stream_bus.h"
#include "adapters/redis_stream_consumer.h"
#include "adapters/redis_task_queue.h"
#include "adapters/redis_worker_registry.h"
#include "adapters/replicating_blob_store.h"
#include "adapters/s3_blob_store.h"
#include "adapters/s3_client.h"
#include "adapters/sqlite_store.h"
#include "app/local_workers.h"

namespace vtp::app {

using service::BlobKind;
using service::BlobLocation;
using service::ClusterConfig;

struct Backends::Owned {
  std::unique_ptr<adapters::SqliteStore> sqlite;
  std::unique_ptr<adapters::PostgresStore> postgres;
  // Distributed: one connection for dispatch and heartbeats, one for the
  // event stream (SSE readers poll it from the API's threads).
  std::unique_ptr<adapters::RedisClient> redis_queue_client;
  std::unique_ptr<adapters::RedisClient> redis_events_client;
  std::unique_ptr<adapters::RedisTaskQueue> redis_queue;
  std::unique_ptr<adapters::RedisWorkerRegistry> redis_workers;
  std::unique_ptr<adapters::RedisStreamBus> redis_events;
  struct Consumer {
    std::unique_ptr<adapters::RedisClient> client;
    std::unique_ptr<adapters::RedisStreamConsumer> consumer;
  };
  std::map<std::string, Consumer> consumers;  // by group
  ClusterConfig config;
  std::unique_ptr<ports::BlobStore> blobs;
  std::unique_ptr<ports::BlobStore> replica;
  std::unique_ptr<adapters::ReplicatingBlobStore> replicating;
  ports::Clock* clock = nullptr;
  ports::Millis last_full_reconcile = 0;
};

namespace {

std::optional<std::string> Env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

// `url` without its query (connection options), for messages.
std::string WithoutQuery(const std::string& url) { return url.substr(0, url.find('?')); }

// libpq takes the password as a URL query parameter; percent-encoded.
std::string WithPassword(const std::string& url, const std::string& password) {
  if (password.empty()) return url;
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "password=" +
         adapters::UriEncode(password, false);
}

StatusOr<std::unique_ptr<ports::BlobStore>> OpenBlobs(const std::optional<BlobLocation>& loc,
                                                      const ClusterConfig& config,
                                                      const std::string& data_dir) {
  if (!loc || loc->kind == BlobKind::kFile) {
    std::string root = loc ? loc->path : data_dir + "/blobs";
    ASSIGN_OR_RETURN(auto local, adapters::LocalBlobStore::Open(root));
    return std::unique_ptr<ports::BlobStore>(std::move(local));
  }
  adapters::S3BlobStoreConfig s3;
  s3.endpoint.endpoint = loc->endpoint;
  s3.endpoint.bucket = loc->bucket;
  s3.endpoint.region = loc->region;
  s3.endpoint.access_key = config.s3_access_key;
  s3.endpoint.secret_key = config.s3_secret_key;
  s3.key_prefix = loc->prefix;
  ASSIGN_OR_RETURN(auto store, adapters::S3BlobStore::Create(std::move(s3)));
  RETURN_IF_ERROR(store->CheckBucket().WithContext("s3://" + loc->bucket));
  return std::unique_ptr<ports::BlobStore>(std::move(store));
}

StatusOr<std::unique_ptr<adapters::RedisClient>> ConnectRedis(const ClusterConfig& config) {
  adapters::RedisOptions options;
  options.url = config.redis_url;
  options.password = config.redis_password;
  StatusOr<std::unique_ptr<adapters::RedisClient>> client = adapters::RedisClient::Connect(options);
  if (!client.ok()) return client.status().WithContext("redis " + config.redis_url);
  return client;
}

// Puts Redis in front of the PostgreSQL store where the configuration says
// so: dispatch and heartbeats ([queue]) and the event stream ([events]).
Status OpenRedis(const ClusterConfig& config, ports::Clock& clock, std::vector<std::string> pools,
                 Backends::Owned& o, adapters::StoreParts& parts) {
  if (config.queue == service::QueueKind::kRedis) {
    ASSIGN_OR_RETURN(o.redis_queue_client, ConnectRedis(config));
    adapters::RedisTaskQueueOptions q;
    q.key_prefix = config.key_prefix;
    q.aging_step_ms = ports::QueueOptions().aging_step_ms;
    q.pools = std::move(pools);
    o.redis_queue = std::make_unique<adapters::RedisTaskQueue>(*o.postgres, *o.postgres,
                                                               *o.redis_queue_client, clock, q);
    adapters::RedisWorkerRegistryOptions w;
    w.key_prefix = config.key_prefix;
    o.redis_workers = std::make_unique<adapters::RedisWorkerRegistry>(*o.redis_queue_client, clock, w);
    parts.meta = o.redis_queue.get();
    parts.queue = o.redis_queue.get();
    parts.workers = o.redis_workers.get();
  }
  if (config.events == service::EventsKind::kRedis) {
    ASSIGN_OR_RETURN(o.redis_events_client, ConnectRedis(config));
    adapters::RedisStreamOptions e;
    e.key_prefix = config.key_prefix;
    // Publish and Poll go through whatever metadata store the queue put in
    // front, so events of its transitions reach the outbox the same way.
    o.redis_events = std::make_unique<adapters::RedisStreamBus>(*parts.meta, *o.redis_events_client, e);
    parts.events = o.redis_events.get();
  }
  return Status::Ok();
}

}  // namespace

StatusOr<ClusterConfig> ReadClusterConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read configuration " + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  StatusOr<ClusterConfig> parsed = service::ParseClusterConfig(text);
  if (!parsed.ok()) return parsed.status().WithContext(path);
  return parsed;
}

StatusOr<ClusterConfig> LoadClusterConfig() {
  ClusterConfig config;
  std::optional<std::string> path = Env("VTP_CONFIG");
  if (path && !path->empty()) {
    ASSIGN_OR_RETURN(config, ReadClusterConfigFile(*path));
  }
  RETURN_IF_ERROR(service::ResolveSecrets(config, Env));
  return config;
}

Backends::Backends() : owned_(std::make_unique<Owned>()) {}
Backends::~Backends() = default;

StatusOr<std::unique_ptr<Backends>> Backends::Open(const ClusterConfig& config,
                                                   const std::string& data_dir,
                                                   ports::Clock& clock,
                                                   BackendsOptions options) {
  std::unique_ptr<Backends> b(new Backends());
  Owned& o = *b->owned_;
  o.config = config;
  o.clock = &clock;
  adapters::StoreParts parts;
  if (config.metadata == service::MetadataKind::kPostgres) {
    std::string url = WithPassword(config.metadata_url, config.postgres_password);
    StatusOr<std::unique_ptr<adapters::PostgresStore>> pg = adapters::PostgresStore::Open(url, clock);
    if (!pg.ok()) return pg.status().WithContext("metadata store " + WithoutQuery(config.metadata_url));
    o.postgres = std::move(pg).value();
    parts = {o.postgres.get(), o.postgres.get(), o.postgres.get(),
             o.postgres.get(), o.postgres.get(), o.postgres.get()};
    if (options.with_redis) RETURN_IF_ERROR(OpenRedis(config, clock, std::move(options.pools), o, parts));
  } else {
    std::string path = config.metadata_url.empty() ? data_dir + "/vtp.db" : config.metadata_url;
    ASSIGN_OR_RETURN(o.sqlite, adapters::SqliteStore::Open(path, clock));
    parts = {o.sqlite.get(), o.sqlite.get(), o.sqlite.get(),
             o.sqlite.get(), o.sqlite.get(), o.sqlite.get()};
  }
  b->front_ = std::make_unique<adapters::StoreFront>(parts);
  ASSIGN_OR_RETURN(o.blobs, OpenBlobs(config.blobs, config, data_dir));
  b->blobs_ = o.blobs.get();
  if (config.replica) {
    ASSIGN_OR_RETURN(o.replica, OpenBlobs(config.replica, config, data_dir));
    o.replicating = std::make_unique<adapters::ReplicatingBlobStore>(*o.blobs, *o.replica);
    b->blobs_ = o.replicating.get();
  }
  return b;
}

StatusOr<int> Backends::Reconcile(ports::Millis full_every_ms) {
  Owned& o = *owned_;
  if (o.redis_queue == nullptr) return 0;
  // The sentinel is lost with everything else Redis loses (flush, restart
  // without persistence); it is set only after a full pass succeeded, so a
  // failed pass is retried by every process on its next call.
  const std::string sentinel = o.config.key_prefix + "reconciled";
  ASSIGN_OR_RETURN(adapters::RedisReply exists, o.redis_queue_client->Command({"EXISTS", sentinel}));
  const bool lost = exists.integer == 0;
  const ports::Millis now = o.clock->NowMillis();
  if (!lost && now - o.last_full_reconcile < full_every_ms) return 0;
  ASSIGN_OR_RETURN(int restored, o.redis_queue->Reconcile());
  RETURN_IF_ERROR(o.redis_queue_client->Command({"SET", sentinel, "1"}).status());
  o.last_full_reconcile = now;
  return restored;
}

StatusOr<int> Backends::ReplicateOriginals() {
  if (owned_->replicating == nullptr) return 0;
  ASSIGN_OR_RETURN(adapters::ReplicationReport report, owned_->replicating->ReplicateOriginals());
  if (!report.mismatched.empty()) {
    return Status(ErrorCode::kCorruptInput, "the replica holds other bytes under " + report.mismatched.front() +
                                                " (and " + std::to_string(report.mismatched.size() - 1) +
                                                " more): never overwritten; check both copies");
  }
  if (!report.failed.empty()) {
    return IoError("replicating " + report.failed.front().first + ": " + report.failed.front().second);
  }
  return static_cast<int>(report.copied);
}

StatusOr<int> Backends::RelayEvents() {
  if (owned_->redis_events == nullptr) return 0;
  return owned_->redis_events->RelayPending();
}

bool Backends::stream_events() const { return owned_->redis_events != nullptr; }

StatusOr<int> Backends::ConsumeEvents(const std::string& group,
                                      const std::function<Status(const ports::Event&)>& handler) {
  if (!stream_events()) return InvalidArgument("events are not on a Redis stream");
  Owned::Consumer& c = owned_->consumers[group];
  if (c.consumer == nullptr) {
    ASSIGN_OR_RETURN(c.client, ConnectRedis(owned_->config));
    adapters::RedisConsumerOptions options;
    options.stream = owned_->redis_events->options();
    options.group = group;
    options.name = LocalHostName() + ":" + std::to_string(::getpid());
    // A new group reads the stream's whole history: nothing published before
    // the first consumer started is missed (handlers are idempotent).
    options.start_id = "0";
    ASSIGN_OR_RETURN(c.consumer, adapters::RedisStreamConsumer::Create(*c.client, options));
  }
  return c.consumer->ConsumeOnce(handler, 100, 0);
}

}  // namespace vtp::app
