#include "service/cluster_config.h"

#include <cctype>
#include <charconv>
#include <set>
#include <utility>

namespace vtp::service {
namespace {

Status LineError(int line, const std::string& what) {
  return InvalidArgument("line " + std::to_string(line) + ": " + what);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool IsBareKeyChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

bool IsBareKey(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    if (!IsBareKeyChar(c)) return false;
  }
  return true;
}

// Reads a "basic" string starting after its opening quote; `rest` is what
// follows the closing quote.
StatusOr<std::string> BasicString(std::string_view s, int line, std::string_view& rest) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') {
      rest = s.substr(i + 1);
      return out;
    }
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i == s.size()) break;
    switch (s[i]) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      default: return LineError(line, std::string("unsupported escape \\") + s[i]);
    }
  }
  return LineError(line, "unterminated string");
}

// Everything after a value must be blank or a comment.
Status ExpectEnd(std::string_view rest, int line) {
  rest = Trim(rest);
  if (!rest.empty() && rest.front() != '#') return LineError(line, "unexpected text after the value");
  return Status::Ok();
}

StatusOr<TomlValue> ParseValue(std::string_view v, int line) {
  if (v.empty()) return LineError(line, "missing value");
  std::string_view rest;
  if (v.front() == '"') {
    ASSIGN_OR_RETURN(std::string s, BasicString(v.substr(1), line, rest));
    RETURN_IF_ERROR(ExpectEnd(rest, line));
    return TomlValue(std::move(s));
  }
  if (v.front() == '\'') {
    size_t end = v.find('\'', 1);
    if (end == std::string_view::npos) return LineError(line, "unterminated string");
    RETURN_IF_ERROR(ExpectEnd(v.substr(end + 1), line));
    return TomlValue(std::string(v.substr(1, end - 1)));
  }
  size_t hash = v.find('#');
  std::string_view word = Trim(v.substr(0, hash));
  if (word == "true") return TomlValue(true);
  if (word == "false") return TomlValue(false);
  int64_t n = 0;
  auto [p, ec] = std::from_chars(word.data(), word.data() + word.size(), n);
  if (ec == std::errc() && p == word.data() + word.size()) return TomlValue(n);
  return LineError(line, "unsupported value '" + std::string(word) +
                             "' (strings are quoted; integers and true/false are bare)");
}

StatusOr<std::string> ParseHeader(std::string_view l, int line) {
  if (l.back() != ']') {
    size_t close = l.find(']');
    if (close == std::string_view::npos) return LineError(line, "unterminated section header");
    RETURN_IF_ERROR(ExpectEnd(l.substr(close + 1), line));
    l = l.substr(0, close + 1);
  }
  std::string_view name = Trim(l.substr(1, l.size() - 2));
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    std::string_view part = name.substr(start, dot == std::string_view::npos ? name.size() - start : dot - start);
    if (!IsBareKey(part)) return LineError(line, "bad section name '" + std::string(name) + "'");
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return std::string(name);
}

}  // namespace

StatusOr<TomlTable> ParseToml(std::string_view text) {
  TomlTable table;
  std::set<std::string> sections;
  std::string section;
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view l = Trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (l.empty() || l.front() == '#') continue;
    if (l.front() == '[') {
      ASSIGN_OR_RETURN(section, ParseHeader(l, line_no));
      if (!sections.insert(section).second) return LineError(line_no, "duplicate section [" + section + "]");
      continue;
    }
    size_t eq = l.find('=');
    if (eq == std::string_view::npos) return LineError(line_no, "expected key = value");
    std::string_view key = Trim(l.substr(0, eq));
    if (!IsBareKey(key)) return LineError(line_no, "bad key '" + std::string(key) + "'");
    ASSIGN_OR_RETURN(TomlValue value, ParseValue(Trim(l.substr(eq + 1)), line_no));
    std::string full = section.empty() ? std::string(key) : section + "." + std::string(key);
    if (!table.emplace(full, std::move(value)).second) return LineError(line_no, "duplicate key " + full);
  }
  return table;
}

// ---- Cluster configuration ---------------------------------------------------

namespace {

// "?a=b&c=d" into a map; kInvalidArgument on a malformed pair.
StatusOr<std::map<std::string, std::string>> QueryParams(std::string_view query, std::string_view url) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return InvalidArgument("bad query parameter '" + std::string(pair) + "' in " + std::string(url));
    }
    out[std::string(pair.substr(0, eq))] = std::string(pair.substr(eq + 1));
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
  }
  return out;
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// "scheme://user:password@host" carries a password: refused.
Status NoPasswordIn(std::string_view url, const std::string& key) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return Status::Ok();
  std::string_view authority = url.substr(scheme + 3);
  authority = authority.substr(0, authority.find_first_of("/?"));
  size_t at = authority.find('@');
  size_t query = url.find('?');
  bool in_query = false;
  if (query != std::string_view::npos) {
    std::string q = "&" + std::string(url.substr(query + 1));
    in_query = q.find("&password=") != std::string::npos || q.find("&passfile=") != std::string::npos;
  }
  if (in_query ||
      (at != std::string_view::npos && authority.substr(0, at).find(':') != std::string_view::npos)) {
    return InvalidArgument(key + ": the URL carries a password; put it in the environment instead "
                           "(docs/distributed.md, \"Secrets\")");
  }
  return Status::Ok();
}

StatusOr<std::string> StringAt(const TomlTable& t, const std::string& key) {
  const TomlValue& v = t.at(key);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return InvalidArgument(key + " must be a string");
}

StatusOr<BlobLocation> S3Location(std::string_view url) {
  std::string_view rest = url.substr(5);
  size_t q = rest.find('?');
  std::string_view path = rest.substr(0, q);
  ASSIGN_OR_RETURN(auto params, QueryParams(q == std::string_view::npos ? "" : rest.substr(q + 1), url));
  BlobLocation loc;
  loc.kind = BlobKind::kS3;
  size_t slash = path.find('/');
  loc.bucket = std::string(path.substr(0, slash));
  if (slash != std::string_view::npos) loc.prefix = std::string(path.substr(slash + 1));
  if (loc.bucket.empty()) return InvalidArgument("s3 URL without a bucket: " + std::string(url));
  if (!loc.prefix.empty() && loc.prefix.back() != '/') loc.prefix += '/';
  loc.region = params.count("region") ? params["region"] : "us-east-1";
  loc.endpoint = params.count("endpoint") ? params["endpoint"]
                                          : "https://s3." + loc.region + ".amazonaws.com";
  params.erase("region");
  params.erase("endpoint");
  if (!params.empty()) {
    return InvalidArgument("unknown s3 URL parameter '" + params.begin()->first + "' in " + std::string(url));
  }
  if (!StartsWith(loc.endpoint, "http://") && !StartsWith(loc.endpoint, "https://")) {
    return InvalidArgument("s3 endpoint must be http:// or https://: " + loc.endpoint);
  }
  return loc;
}

Status ApplyMetadata(const TomlTable& t, ClusterConfig& c) {
  if (!t.count("metadata.url")) return Status::Ok();
  ASSIGN_OR_RETURN(std::string url, StringAt(t, "metadata.url"));
  RETURN_IF_ERROR(NoPasswordIn(url, "metadata.url"));
  if (StartsWith(url, "postgres://") || StartsWith(url, "postgresql://")) {
    c.metadata = MetadataKind::kPostgres;
    c.metadata_url = url;
  } else if (StartsWith(url, "sqlite://")) {
    c.metadata = MetadataKind::kSqlite;
    c.metadata_url = url.substr(9);
  } else {
    return InvalidArgument("metadata.url must be postgres://... or sqlite://...: " + url);
  }
  return Status::Ok();
}

// [queue] / [events] url: "store" or redis://; returns whether it is Redis.
StatusOr<bool> RedisOrStore(const TomlTable& t, const std::string& key, std::string& redis_url) {
  if (!t.count(key)) return false;
  ASSIGN_OR_RETURN(std::string url, StringAt(t, key));
  if (url == "store") return false;
  RETURN_IF_ERROR(NoPasswordIn(url, key));
  if (!StartsWith(url, "redis://") && !StartsWith(url, "unix://")) {
    return InvalidArgument(key + " must be \"store\", redis://HOST:PORT[/DB] or unix:///PATH: " + url);
  }
  if (!redis_url.empty() && redis_url != url) {
    return InvalidArgument(key + ": queue and events must use the same Redis (" + redis_url + ")");
  }
  redis_url = url;
  return true;
}

Status ApplyBlobs(const TomlTable& t, ClusterConfig& c) {
  const std::pair<const char*, std::optional<BlobLocation>*> areas[] = {
      {"blobs.url", &c.blobs},
      {"blobs.replica_url", &c.replica},
  };
  for (const auto& [key, slot] : areas) {
    if (!t.count(key)) continue;
    ASSIGN_OR_RETURN(std::string url, StringAt(t, key));
    RETURN_IF_ERROR(NoPasswordIn(url, key));
    StatusOr<BlobLocation> loc = ParseBlobUrl(url);
    if (!loc.ok()) return loc.status().WithContext(key);
    *slot = *std::move(loc);
  }
  return Status::Ok();
}

StatusOr<bool> BoolAt(const TomlTable& t, const std::string& key, bool fallback) {
  if (!t.count(key)) return fallback;
  if (const auto* b = std::get_if<bool>(&t.at(key))) return *b;
  return InvalidArgument(key + " must be true or false");
}

Status ApplyWork(const TomlTable& t, ClusterConfig& c) {
  ASSIGN_OR_RETURN(c.work_sync, BoolAt(t, "work.sync", false));
  ASSIGN_OR_RETURN(c.work_keep_local, BoolAt(t, "work.keep_local", true));
  if (c.work_sync && !c.blobs) {
    return InvalidArgument("work.sync = true needs blobs.url: the work area travels through the blob "
                           "store, and the default (DATA/blobs) is not shared between machines");
  }
  return Status::Ok();
}

const std::set<std::string>& KnownKeys() {
  static const std::set<std::string> keys = {
      "data_dir",   "metadata.url", "queue.url",         "queue.key_prefix",
      "events.url", "blobs.url",    "blobs.replica_url", "work.sync", "work.keep_local",
  };
  return keys;
}

}  // namespace

bool ClusterConfig::uses_s3() const {
  for (const auto* loc : {&blobs, &replica}) {
    if (*loc && (*loc)->kind == BlobKind::kS3) return true;
  }
  return false;
}

StatusOr<BlobLocation> ParseBlobUrl(std::string_view url) {
  if (StartsWith(url, "s3://")) return S3Location(url);
  if (StartsWith(url, "file://")) {
    BlobLocation loc;
    loc.path = std::string(url.substr(7));
    if (loc.path.empty() || loc.path.front() != '/') {
      return InvalidArgument("file URL must name an absolute directory (file:///DIR): " + std::string(url));
    }
    return loc;
  }
  return InvalidArgument("blob URL must be s3://BUCKET... or file:///DIR: " + std::string(url));
}

StatusOr<ClusterConfig> ParseClusterConfig(std::string_view text) {
  ASSIGN_OR_RETURN(TomlTable t, ParseToml(text));
  for (const auto& [key, value] : t) {
    if (!KnownKeys().count(key)) return InvalidArgument("unknown configuration key " + key);
  }
  ClusterConfig c;
  if (t.count("data_dir")) {
    ASSIGN_OR_RETURN(c.data_dir, StringAt(t, "data_dir"));
  }
  RETURN_IF_ERROR(ApplyMetadata(t, c));
  ASSIGN_OR_RETURN(bool redis_queue, RedisOrStore(t, "queue.url", c.redis_url));
  ASSIGN_OR_RETURN(bool redis_events, RedisOrStore(t, "events.url", c.redis_url));
  c.queue = redis_queue ? QueueKind::kRedis : QueueKind::kStore;
  c.events = redis_events ? EventsKind::kRedis : EventsKind::kStore;
  if (t.count("queue.key_prefix")) {
    ASSIGN_OR_RETURN(c.key_prefix, StringAt(t, "queue.key_prefix"));
  }
  if ((redis_queue || redis_events) && c.metadata != MetadataKind::kPostgres) {
    return InvalidArgument("a Redis queue or event bus needs metadata.url = postgres://...: Redis "
                           "dispatches for a shared source of truth");
  }
  RETURN_IF_ERROR(ApplyBlobs(t, c));
  RETURN_IF_ERROR(ApplyWork(t, c));
  return c;
}

Status ResolveSecrets(ClusterConfig& config,
                      const std::function<std::optional<std::string>(const char*)>& getenv) {
  auto first = [&](std::initializer_list<const char*> names) {
    for (const char* n : names) {
      if (auto v = getenv(n); v && !v->empty()) return *v;
    }
    return std::string();
  };
  config.postgres_password = first({"VTP_POSTGRES_PASSWORD", "PGPASSWORD"});
  config.redis_password = first({"VTP_REDIS_PASSWORD"});
  config.s3_access_key = first({"VTP_S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"});
  config.s3_secret_key = first({"VTP_S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"});
  if (config.uses_s3() && (config.s3_access_key.empty() || config.s3_secret_key.empty())) {
    return InvalidArgument("S3 blob storage needs $VTP_S3_ACCESS_KEY_ID and $VTP_S3_SECRET_ACCESS_KEY "
                           "(or $AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY)");
  }
  return Status::Ok();
}

}  // namespace vtp::service
