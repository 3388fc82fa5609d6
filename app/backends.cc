#include "app/backends.h"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <utility>

#include "adapters/local_blob_store.h"
#include "adapters/postgres_store.h"
#include "adapters/s3_blob_store.h"
#include "adapters/sqlite_store.h"

namespace vtp::app {

using service::BlobKind;
using service::BlobLocation;
using service::ClusterConfig;

struct Backends::Owned {
  std::unique_ptr<adapters::SqliteStore> sqlite;
  std::unique_ptr<adapters::PostgresStore> postgres;
  std::unique_ptr<ports::BlobStore> blobs;
};

namespace {

std::optional<std::string> Env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

// libpq takes the password as a URL query parameter; percent-encoded.
std::string WithPassword(const std::string& url, const std::string& password) {
  if (password.empty()) return url;
  std::string enc;
  for (unsigned char c : password) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      enc += static_cast<char>(c);
    } else {
      static const char* hex = "0123456789ABCDEF";
      enc += '%';
      enc += hex[c >> 4];
      enc += hex[c & 15];
    }
  }
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "password=" + enc;
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

}  // namespace

StatusOr<ClusterConfig> LoadClusterConfig() {
  ClusterConfig config;
  std::optional<std::string> path = Env("VTP_CONFIG");
  if (path && !path->empty()) {
    std::ifstream in(*path, std::ios::binary);
    if (!in) return NotFound("cannot read configuration " + *path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    StatusOr<ClusterConfig> parsed = service::ParseClusterConfig(text);
    if (!parsed.ok()) return parsed.status().WithContext(*path);
    config = *std::move(parsed);
  }
  RETURN_IF_ERROR(service::ResolveSecrets(config, Env));
  return config;
}

Backends::Backends() : owned_(std::make_unique<Owned>()) {}
Backends::~Backends() = default;

StatusOr<std::unique_ptr<Backends>> Backends::Open(const ClusterConfig& config,
                                                   const std::string& data_dir,
                                                   ports::Clock& clock) {
  std::unique_ptr<Backends> b(new Backends());
  Owned& o = *b->owned_;
  adapters::StoreParts parts;
  if (config.metadata == service::MetadataKind::kPostgres) {
    std::string url = WithPassword(config.metadata_url, config.postgres_password);
    StatusOr<std::unique_ptr<adapters::PostgresStore>> pg = adapters::PostgresStore::Open(url, clock);
    if (!pg.ok()) return pg.status().WithContext("metadata store " + config.metadata_url);
    o.postgres = std::move(pg).value();
    parts = {o.postgres.get(), o.postgres.get(), o.postgres.get(),
             o.postgres.get(), o.postgres.get(), o.postgres.get()};
  } else {
    std::string path = config.metadata_url.empty() ? data_dir + "/vtp.db" : config.metadata_url;
    ASSIGN_OR_RETURN(o.sqlite, adapters::SqliteStore::Open(path, clock));
    parts = {o.sqlite.get(), o.sqlite.get(), o.sqlite.get(),
             o.sqlite.get(), o.sqlite.get(), o.sqlite.get()};
  }
  b->front_ = std::make_unique<adapters::StoreFront>(parts);
  ASSIGN_OR_RETURN(o.blobs, OpenBlobs(config.blobs, config, data_dir));
  b->blobs_ = o.blobs.get();
  return b;
}

StatusOr<int> Backends::Reconcile() { return 0; }
StatusOr<int> Backends::RelayEvents() { return 0; }

}  // namespace vtp::app
