#include "service/cluster_config.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace vtp::service {
namespace {

TEST(ParseTomlTest, ReadsSectionsStringsIntegersAndBooleans) {
  auto t = ParseToml(R"(# top comment
data_dir = "/var/lib/vtp"   # trailing comment
[queue]
url = 'redis://127.0.0.1:6379/0'
depth = 42
on = true
[blobs.extra]
note = "a \"quoted\" \\ word\tx"
)");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(std::get<std::string>(t->at("data_dir")), "/var/lib/vtp");
  EXPECT_EQ(std::get<std::string>(t->at("queue.url")), "redis://127.0.0.1:6379/0");
  EXPECT_EQ(std::get<int64_t>(t->at("queue.depth")), 42);
  EXPECT_TRUE(std::get<bool>(t->at("queue.on")));
  EXPECT_EQ(std::get<std::string>(t->at("blobs.extra.note")), "a \"quoted\" \\ word\tx");
  EXPECT_EQ(t->size(), 5u);
}

TEST(ParseTomlTest, RejectsWhatItDoesNotUnderstandNamingTheLine) {
  const std::map<std::string, std::string> bad = {
      {"a = \"open", "line 1: unterminated string"},
      {"\n[a\n", "line 2: unterminated section header"},
      {"a = b", "line 1: unsupported value 'b'"},
      {"a = 1\na = 2", "line 2: duplicate key a"},
      {"[s]\n[s]", "line 2: duplicate section [s]"},
      {"just words", "line 1: expected key = value"},
      {"a b = 1", "line 1: bad key 'a b'"},
      {"a = \"x\" y", "line 1: unexpected text after the value"},
      {"a = \"\\q\"", "line 1: unsupported escape \\q"},
      {"[a..b]", "line 1: bad section name 'a..b'"},
  };
  for (const auto& [text, message] : bad) {
    auto t = ParseToml(text);
    ASSERT_FALSE(t.ok()) << text;
    EXPECT_EQ(t.status().code(), ErrorCode::kInvalidArgument) << text;
    EXPECT_NE(t.status().message().find(message), std::string::npos)
        << text << " -> " << t.status().message();
  }
}

constexpr char kCluster[] = R"(
data_dir = "/srv/vtp"
[metadata]
url = "postgres://vtp@127.0.0.1:5432/vtp"
[queue]
url = "redis://127.0.0.1:6379/0"
key_prefix = "prod:"
[events]
url = "redis://127.0.0.1:6379/0"
[blobs]
url = "s3://media/vtp?endpoint=http://127.0.0.1:9000&region=eu-west-1"
replica_url = "file:///mnt/dr"
)";

TEST(ParseClusterConfigTest, ChoosesAdaptersByUrl) {
  auto c = ParseClusterConfig(kCluster);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->data_dir, "/srv/vtp");
  EXPECT_EQ(c->metadata, MetadataKind::kPostgres);
  EXPECT_EQ(c->metadata_url, "postgres://vtp@127.0.0.1:5432/vtp");
  EXPECT_EQ(c->queue, QueueKind::kRedis);
  EXPECT_EQ(c->events, EventsKind::kRedis);
  EXPECT_EQ(c->redis_url, "redis://127.0.0.1:6379/0");
  EXPECT_EQ(c->key_prefix, "prod:");
  ASSERT_TRUE(c->blobs.has_value());
  EXPECT_EQ(c->blobs->kind, BlobKind::kS3);
  EXPECT_EQ(c->blobs->bucket, "media");
  EXPECT_EQ(c->blobs->prefix, "vtp/");
  EXPECT_EQ(c->blobs->endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(c->blobs->region, "eu-west-1");
  auto default_endpoint = ParseBlobUrl("s3://originals");
  ASSERT_TRUE(default_endpoint.ok());
  EXPECT_EQ(default_endpoint->endpoint, "https://s3.us-east-1.amazonaws.com");
  ASSERT_TRUE(c->replica.has_value());
  EXPECT_EQ(c->replica->kind, BlobKind::kFile);
  EXPECT_EQ(c->replica->path, "/mnt/dr");
  EXPECT_TRUE(c->distributed());
  EXPECT_TRUE(c->uses_s3());
}

TEST(ParseClusterConfigTest, EmptyFileIsTheEmbeddedSetup) {
  auto c = ParseClusterConfig("");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->metadata, MetadataKind::kSqlite);
  EXPECT_EQ(c->queue, QueueKind::kStore);
  EXPECT_EQ(c->events, EventsKind::kStore);
  EXPECT_FALSE(c->blobs.has_value());
  EXPECT_FALSE(c->distributed());
  auto sqlite = ParseClusterConfig("[metadata]\nurl = \"sqlite:///tmp/x.db\"\n[queue]\nurl = \"store\"");
  ASSERT_TRUE(sqlite.ok()) << sqlite.status().ToString();
  EXPECT_EQ(sqlite->metadata_url, "/tmp/x.db");
}

TEST(ParseClusterConfigTest, RefusesBadConfigurationsNamingTheKey) {
  const std::map<std::string, std::string> bad = {
      {"[metadata]\nurl = \"mysql://x\"", "metadata.url must be postgres://"},
      {"[metadata]\nurl = \"postgres://vtp:hunter2@db/vtp\"", "metadata.url: the URL carries a password"},
      {"[metadata]\nurl = \"postgres://vtp@db/vtp?sslmode=require&password=hunter2\"",
       "metadata.url: the URL carries a password"},
      {"[queue]\nurl = \"redis://127.0.0.1:6379\"", "needs metadata.url = postgres://"},
      {"[metadata]\nurl = \"postgres://db/vtp\"\n[queue]\nurl = \"amqp://x\"", "queue.url must be"},
      {"[metadata]\nurl = \"postgres://db/vtp\"\n[queue]\nurl = \"redis://a:1\"\n[events]\nurl = \"redis://b:1\"",
       "same Redis"},
      {"[blobs]\nurl = \"s3://?region=x\"", "s3 URL without a bucket"},
      {"[blobs]\nurl = \"s3://b?colour=red\"", "unknown s3 URL parameter 'colour'"},
      {"[blobs]\nurl = \"s3://b?endpoint=ftp://x\"", "endpoint must be http"},
      {"[blobs]\nurl = \"file://relative\"", "absolute directory"},
      {"[blobs]\nurl = \"gs://bucket\"", "blobs.url: blob URL must be"},
      {"[blobs]\nurl = 3", "blobs.url must be a string"},
      {"[queue]\nurll = \"store\"", "unknown configuration key queue.urll"},
      {"[work]\nsync = true", "work.sync = true needs blobs.url"},
      {"[blobs]\nurl = \"s3://b\"\n[work]\nsync = \"yes\"", "work.sync must be true or false"},
      {"[blobs]\nurl = \"s3://b\"\n[work]\nkeep_local = 0", "work.keep_local must be true or false"},
      {"[work]\nsynch = true", "unknown configuration key work.synch"},
  };
  for (const auto& [text, message] : bad) {
    auto c = ParseClusterConfig(text);
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_EQ(c.status().code(), ErrorCode::kInvalidArgument) << text;
    EXPECT_NE(c.status().ToString().find(message), std::string::npos)
        << text << " -> " << c.status().ToString();
  }
}

TEST(ParseClusterConfigTest, WorkSyncIsOffByDefaultAndNeedsABlobStore) {
  auto plain = ParseClusterConfig("[blobs]\nurl = \"s3://media\"");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_FALSE(plain->work_sync);
  EXPECT_TRUE(plain->work_keep_local);
  auto sync = ParseClusterConfig("[blobs]\nurl = \"s3://media\"\n[work]\nsync = true\nkeep_local = false");
  ASSERT_TRUE(sync.ok()) << sync.status().ToString();
  EXPECT_TRUE(sync->work_sync);
  EXPECT_FALSE(sync->work_keep_local);
  auto file = ParseClusterConfig("[blobs]\nurl = \"file:///mnt/shared\"\n[work]\nsync = true");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_TRUE(file->work_sync);
  EXPECT_TRUE(file->work_keep_local);
}

TEST(ResolveSecretsTest, ReadsTheEnvironmentAndRequiresS3Credentials) {
  auto c = ParseClusterConfig(kCluster);
  ASSERT_TRUE(c.ok());
  std::map<std::string, std::string> env = {{"VTP_POSTGRES_PASSWORD", "pg"},
                                            {"VTP_REDIS_PASSWORD", "rd"},
                                            {"AWS_ACCESS_KEY_ID", "ak"},
                                            {"VTP_S3_SECRET_ACCESS_KEY", "sk"}};
  auto getenv = [&](const char* name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  ASSERT_TRUE(ResolveSecrets(*c, getenv).ok());
  EXPECT_EQ(c->postgres_password, "pg");
  EXPECT_EQ(c->redis_password, "rd");
  EXPECT_EQ(c->s3_access_key, "ak");
  EXPECT_EQ(c->s3_secret_key, "sk");
  env.erase("VTP_S3_SECRET_ACCESS_KEY");
  Status missing = ResolveSecrets(*c, getenv);
  EXPECT_EQ(missing.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(missing.message().find("VTP_S3_SECRET_ACCESS_KEY"), std::string::npos);
  auto embedded = ParseClusterConfig("");
  ASSERT_TRUE(embedded.ok());
  EXPECT_TRUE(ResolveSecrets(*embedded, [](const char*) { return std::nullopt; }).ok());
}

}  // namespace
}  // namespace vtp::service
