// The cluster configuration (`vtp serve|worker|run --config cluster.toml`):
// which adapter serves each port, chosen by URL scheme, and nothing secret.
// Pure: text and an environment in, a validated value out.
//
//   data_dir = "/var/lib/vtp"     # work area and scratch (see docs/distributed.md)
//
//   [metadata]                    # source of truth: videos, tasks, outbox, keys
//   url = "postgres://vtp@db.internal:5432/vtp"     # or "sqlite:///var/lib/vtp/vtp.db"
//
//   [queue]                       # task dispatch
//   url = "redis://cache.internal:6379/0"           # or "store": the metadata store's own queue
//   key_prefix = "vtp:"
//
//   [events]                      # event bus
//   url = "redis://cache.internal:6379/0"           # Redis Streams; or "store": the outbox table
//
//   [blobs]                       # originals/, segments/, transcoded/ (key prefixes)
//   url = "s3://vtp-media?endpoint=https://s3.eu-west-1.amazonaws.com&region=eu-west-1"
//   replica_url = "s3://vtp-originals-dr?..."       # optional: originals replicated here
//
//   [work]                        # stateless workers (pipeline/work_sync.h)
//   sync = true                   # task files travel through segments/ and transcoded/
//   keep_local = false            # a worker removes a video's local work when done
//
// Secrets never come from the file; ResolveSecrets reads them from the
// environment: $VTP_POSTGRES_PASSWORD (else libpq's own $PGPASSWORD),
// $VTP_REDIS_PASSWORD, $VTP_S3_ACCESS_KEY_ID / $VTP_S3_SECRET_ACCESS_KEY
// (else $AWS_ACCESS_KEY_ID / $AWS_SECRET_ACCESS_KEY). A URL that carries a
// password is refused, so one cannot end up in a config file by accident.
//
// The file format is the TOML subset in ParseToml. Unknown sections or keys
// are errors (a typo must not silently fall back to a default).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/status.h"

namespace vtp::service {

// ---- TOML subset --------------------------------------------------------------

// A value: string, integer or boolean (arrays and tables are not needed).
using TomlValue = std::variant<std::string, int64_t, bool>;
// Keys flattened with their section: "queue.url". Top-level keys bare.
using TomlTable = std::map<std::string, TomlValue>;

// Parses comments ('#'), [section] and [section.sub] headers, bare keys
// [A-Za-z0-9_-], basic "strings" (escapes \" \\ \n \t \r), 'literal strings',
// decimal integers and true/false. kInvalidArgument "line N: ..." for
// anything else, a duplicate key or a duplicate section.
StatusOr<TomlTable> ParseToml(std::string_view text);

// ---- Cluster configuration ---------------------------------------------------

enum class MetadataKind { kSqlite, kPostgres };
enum class QueueKind { kStore, kRedis };
enum class EventsKind { kStore, kRedis };
enum class BlobKind { kFile, kS3 };

// A blob area's location. s3://BUCKET[/PREFIX/]?endpoint=URL&region=R
// (endpoint defaults to https://s3.<region>.amazonaws.com, region to
// us-east-1); file:///ABSOLUTE/DIR.
struct BlobLocation {
  BlobKind kind = BlobKind::kFile;
  std::string path;       // kFile: the directory
  std::string bucket;     // kS3
  std::string prefix;     // kS3: "" or ending in '/'
  std::string endpoint;   // kS3: scheme://host[:port]
  std::string region;     // kS3
  bool operator==(const BlobLocation&) const = default;
};

struct ClusterConfig {
  std::string data_dir;  // "" = the --data / default data directory

  MetadataKind metadata = MetadataKind::kSqlite;
  std::string metadata_url;  // postgres: the libpq URL; sqlite: the file path ("" = DATA/vtp.db)

  QueueKind queue = QueueKind::kStore;
  EventsKind events = EventsKind::kStore;
  std::string redis_url;     // queue and events share one Redis when both use it
  std::string key_prefix = "vtp:";

  // Unset = file://DATA/blobs.
  std::optional<BlobLocation> blobs;
  std::optional<BlobLocation> replica;  // originals replicated here

  // [work]: sync = every task process pulls the work files its parameters
  // name from the blob store and pushes what it wrote (needs [blobs] url);
  // keep_local = false removes a video's local work once no task of it runs
  // on this machine.
  bool work_sync = false;
  bool work_keep_local = true;

  // Secrets, filled by ResolveSecrets (never by the parser).
  std::string postgres_password;
  std::string redis_password;
  std::string s3_access_key;
  std::string s3_secret_key;

  bool distributed() const { return metadata == MetadataKind::kPostgres; }
  bool uses_s3() const;
};

// The configuration in `text` (a cluster.toml). kInvalidArgument naming the
// key for unknown keys, bad URLs, a Redis queue/events over SQLite (Redis is
// a dispatcher for a shared source of truth), two different Redis URLs, a
// password in a URL, a non-boolean [work] key, or work.sync without
// blobs.url (the default local blob directory is not shared).
StatusOr<ClusterConfig> ParseClusterConfig(std::string_view text);

// Parses one blob URL (see BlobLocation).
StatusOr<BlobLocation> ParseBlobUrl(std::string_view url);

// Fills the secrets from `getenv` (a function so tests pass a map).
// kInvalidArgument when S3 is used and no access key/secret is set.
Status ResolveSecrets(ClusterConfig& config,
                      const std::function<std::optional<std::string>(const char*)>& getenv);

}  // namespace vtp::service
