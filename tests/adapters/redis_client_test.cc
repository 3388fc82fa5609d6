// RedisClient against a real redis-server started per test on a unix socket
// (testutil/redis_server.h): replies, binary safety, pipelining, Lua scripts
// across SCRIPT FLUSH and restarts, reconnection, and the error classes.
#include "adapters/redis_client.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "testutil/fixtures.h"
#include "testutil/redis_server.h"

namespace vtp {
namespace {

using adapters::ParseRedisUrl;
using adapters::RedisClient;
using adapters::RedisOptions;
using adapters::RedisReply;
using adapters::RedisScript;

class RedisClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testutil::FreshDir();
    const std::string error = server_.Start(dir_);
    ASSERT_TRUE(error.empty()) << error;
  }

  std::unique_ptr<RedisClient> Connect(RedisOptions options = {}) {
    options.url = server_.url();
    auto client = RedisClient::Connect(options);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(client).value() : nullptr;
  }

  std::string dir_;
  testutil::RedisServer server_;
};

TEST_F(RedisClientTest, RunsCommandsAndConvertsEveryReplyType) {
  auto client = Connect();
  ASSERT_NE(client, nullptr);
  auto set = client->Command({"SET", "k", "v"});
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->type, RedisReply::Type::kStatus);
  EXPECT_EQ(set->str, "OK");
  auto get = client->Command({"GET", "k"});
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->type, RedisReply::Type::kString);
  EXPECT_EQ(get->str, "v");
  auto missing = client->Command({"GET", "nope"});
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->IsNil());
  auto incr = client->Command({"INCRBY", "n", "41"});
  ASSERT_TRUE(incr.ok());
  EXPECT_EQ(incr->type, RedisReply::Type::kInteger);
  EXPECT_EQ(incr->integer, 41);
  ASSERT_TRUE(client->Command({"RPUSH", "l", "a", "b"}).ok());
  auto range = client->Command({"LRANGE", "l", "0", "-1"});
  ASSERT_TRUE(range.ok());
  ASSERT_EQ(range->type, RedisReply::Type::kArray);
  ASSERT_EQ(range->elements.size(), 2u);
  EXPECT_EQ(range->elements[1].str, "b");
}

TEST_F(RedisClientTest, KeysAndValuesAreBinarySafe) {
  auto client = Connect();
  ASSERT_NE(client, nullptr);
  const std::string key("k\0\r\n y", 6), value("\0\xff\r\n$3\r\n", 9);
  ASSERT_TRUE(client->Command({"SET", key, value}).ok());
  auto get = client->Command({"GET", key});
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->str, value);
  EXPECT_EQ(get->str.size(), 9u);
  auto other = client->Command({"GET", "k"});
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->IsNil());
}

TEST_F(RedisClientTest, PipelineReturnsRepliesInOrder) {
  auto client = Connect();
  ASSERT_NE(client, nullptr);
  std::vector<std::vector<std::string>> commands;
  for (int i = 0; i < 500; ++i)
    commands.push_back({"ZADD", "z", std::to_string(i), "m" + std::to_string(i)});
  commands.push_back({"ZCARD", "z"});
  auto replies = client->Pipeline(commands);
  ASSERT_TRUE(replies.ok()) << replies.status().ToString();
  ASSERT_EQ(replies->size(), 501u);
  EXPECT_EQ((*replies)[0].integer, 1);
  EXPECT_EQ((*replies)[500].integer, 500);
  auto empty = client->Pipeline({});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST_F(RedisClientTest, PipelineErrorNamesTheCommandAndKeepsTheConnectionInStep) {
  auto client = Connect();
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Command({"SET", "s", "x"}).ok());
  auto replies = client->Pipeline({{"INCR", "n"}, {"LPUSH", "s", "y"}, {"INCR", "n"}});
  ASSERT_FALSE(replies.ok());
  EXPECT_EQ(replies.status().code(), ErrorCode::kIo);
  EXPECT_NE(replies.status().message().find("command 1"), std::string::npos)
      << replies.status().message();
  EXPECT_NE(replies.status().message().find("WRONGTYPE"), std::string::npos);
  auto n = client->Command({"GET", "n"});  // the other commands ran; replies were all read
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->str, "2");
}

TEST_F(RedisClientTest, WrongTypeIsIoWithTheServersText) {
  auto client = Connect();
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Command({"SET", "s", "x"}).ok());
  auto push = client->Command({"LPUSH", "s", "y"});
  ASSERT_FALSE(push.ok());
  EXPECT_EQ(push.status().code(), ErrorCode::kIo);
  EXPECT_EQ(push.status().message().rfind("redis: WRONGTYPE", 0), 0u) << push.status().message();
  EXPECT_EQ(client->Command({}).status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(RedisClientTest, ScriptSha1IsTheServersDigest) {
  const RedisScript script("return 1");
  auto client = Connect();
  ASSERT_NE(client, nullptr);
  auto loaded = client->Command({"SCRIPT", "LOAD", script.source()});
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->str, script.sha1());
  EXPECT_EQ(RedisScript("").sha1(), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

TEST_F(RedisClientTest, EvalLoadsTheScriptAgainAfterFlushAndRestart) {
  const RedisScript script(
      "redis.call('SET', KEYS[1], ARGV[1]) return {ARGV[1], #KEYS, tonumber(ARGV[2]) + 1}");
  auto client = Connect();
  ASSERT_NE(client, nullptr);
  for (int round = 0; round < 3; ++round) {
    if (round == 1) {
      ASSERT_EQ(server_.Flush(), "");
    }
    if (round == 2) {
      ASSERT_EQ(server_.Restart(), "");
    }
    auto reply = client->Eval(script, {"key"}, {"val" + std::to_string(round), "41"});
    ASSERT_TRUE(reply.ok()) << "round " << round << ": " << reply.status().ToString();
    ASSERT_EQ(reply->elements.size(), 3u);
    EXPECT_EQ(reply->elements[0].str, "val" + std::to_string(round));
    EXPECT_EQ(reply->elements[1].integer, 1);
    EXPECT_EQ(reply->elements[2].integer, 42);
    auto get = client->Command({"GET", "key"});
    ASSERT_TRUE(get.ok());
    EXPECT_EQ(get->str, "val" + std::to_string(round));
  }
}

TEST_F(RedisClientTest, ScriptErrorsAreIo) {
  auto client = Connect();
  ASSERT_NE(client, nullptr);
  auto reply = client->Eval(RedisScript("return redis.error_reply('MYERR bad thing')"), {}, {});
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kIo);
  EXPECT_NE(reply.status().message().find("MYERR bad thing"), std::string::npos)
      << reply.status().message();
  auto syntax = client->Eval(RedisScript("this is not lua"), {}, {});
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.status().code(), ErrorCode::kIo);
  EXPECT_NE(syntax.status().message().find("SCRIPT LOAD"), std::string::npos)
      << syntax.status().message();
}

TEST_F(RedisClientTest, FirstCallAfterRestartSucceeds) {
  auto client = Connect();
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Command({"SET", "k", "v"}).ok());
  ASSERT_EQ(server_.Restart(), "");
  auto get = client->Command({"GET", "k"});
  ASSERT_TRUE(get.ok()) << get.status().ToString();
  EXPECT_TRUE(get->IsNil());  // no persistence: the restart lost the key
  ASSERT_EQ(server_.Restart(), "");
  auto pipe = client->Pipeline({{"SET", "a", "1"}, {"GET", "a"}});
  ASSERT_TRUE(pipe.ok()) << pipe.status().ToString();
  EXPECT_EQ((*pipe)[1].str, "1");
}

TEST_F(RedisClientTest, ServerDownIsIoNamingTheServerThenRecovers) {
  auto client = Connect();
  ASSERT_NE(client, nullptr);
  server_.Stop();
  auto get = client->Command({"GET", "k"});
  ASSERT_FALSE(get.ok());
  EXPECT_EQ(get.status().code(), ErrorCode::kIo);
  EXPECT_NE(get.status().message().find(server_.socket_path()), std::string::npos)
      << get.status().message();
  EXPECT_EQ(client->Eval(RedisScript("return 1"), {}, {}).status().code(), ErrorCode::kIo);
  RedisOptions options;
  options.url = server_.url();
  auto fresh = RedisClient::Connect(options);
  ASSERT_FALSE(fresh.ok());
  EXPECT_EQ(fresh.status().code(), ErrorCode::kIo);
  ASSERT_EQ(server_.Restart(), "");
  EXPECT_TRUE(client->Command({"PING"}).ok());
}

TEST_F(RedisClientTest, CommandTimeoutIsIoAndTheNextCallRedials) {
  RedisOptions options;
  options.command_timeout_ms = 50;
  auto client = Connect(options);
  ASSERT_NE(client, nullptr);
  auto blocked = client->Command({"BLPOP", "empty-list", "5"});
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.status().code(), ErrorCode::kIo);
  EXPECT_NE(blocked.status().message().find("timed out"), std::string::npos)
      << blocked.status().message();
  auto ping = client->Command({"PING"});
  ASSERT_TRUE(ping.ok()) << ping.status().ToString();
  EXPECT_EQ(ping->str, "PONG");
}

TEST_F(RedisClientTest, ManyThreadsShareOneClient) {
  auto client = Connect();
  ASSERT_NE(client, nullptr);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto r = client->Command({"INCR", "counter"});
        EXPECT_TRUE(r.ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  auto get = client->Command({"GET", "counter"});
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->str, "1600");
}

TEST_F(RedisClientTest, SelectsTheDatabaseFromTheUrl) {
  RedisOptions options;
  options.url = server_.url() + "?db=3";
  auto db3 = RedisClient::Connect(options);
  ASSERT_TRUE(db3.ok()) << db3.status().ToString();
  ASSERT_TRUE((*db3)->Command({"SET", "k", "in3"}).ok());
  auto db0 = Connect();
  ASSERT_NE(db0, nullptr);
  auto get = db0->Command({"GET", "k"});
  ASSERT_TRUE(get.ok());
  EXPECT_TRUE(get->IsNil());
  ASSERT_EQ(server_.Restart(), "");  // the re-dial selects db 3 again
  ASSERT_TRUE((*db3)->Command({"SET", "k", "again"}).ok());
  auto in3 = db0->Command({"SELECT", "3"});
  ASSERT_TRUE(in3.ok());
  auto again = db0->Command({"GET", "k"});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->str, "again");
}

TEST(RedisClientAuthTest, PasswordIsRequiredAndChecked) {
  testutil::RedisServer server;
  const std::string dir = testutil::FreshDir();
  ASSERT_EQ(server.Start(dir, {"--requirepass", "s3cret"}), "");
  RedisOptions options;
  options.url = server.url();
  options.password = "not-the-pass-9";
  auto wrong = RedisClient::Connect(options);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), ErrorCode::kIo);
  EXPECT_NE(wrong.status().message().find("AUTH"), std::string::npos) << wrong.status().message();
  EXPECT_EQ(wrong.status().message().find("not-the-pass-9"), std::string::npos)
      << "the password leaked into the message";

  options.password = "";
  auto none = RedisClient::Connect(options);
  ASSERT_TRUE(none.ok());
  auto denied = (*none)->Command({"GET", "k"});
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), ErrorCode::kIo);
  EXPECT_NE(denied.status().message().find("NOAUTH"), std::string::npos)
      << denied.status().message();

  options.password = "s3cret";
  auto right = RedisClient::Connect(options);
  ASSERT_TRUE(right.ok()) << right.status().ToString();
  ASSERT_TRUE((*right)->Command({"SET", "k", "v"}).ok());
  ASSERT_EQ(server.Restart(), "");  // the re-dial authenticates again
  EXPECT_TRUE((*right)->Command({"GET", "k"}).ok());
  EXPECT_EQ(server.Flush(), "");
}

TEST(RedisUrlTest, ParsesTcpAndUnixForms) {
  auto tcp = ParseRedisUrl("redis://worker@10.0.0.5:6380/2");
  ASSERT_TRUE(tcp.ok()) << tcp.status().ToString();
  EXPECT_EQ(tcp->host, "10.0.0.5");
  EXPECT_EQ(tcp->port, 6380);
  EXPECT_EQ(tcp->user, "worker");
  EXPECT_EQ(tcp->db, 2);
  EXPECT_EQ(tcp->Name(), "10.0.0.5:6380");
  auto plain = ParseRedisUrl("redis://localhost");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->port, 6379);
  EXPECT_EQ(plain->db, 0);
  auto v6 = ParseRedisUrl("redis://[::1]:7000");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 7000);
  auto unix_url = ParseRedisUrl("unix:///run/redis/redis.sock?db=5");
  ASSERT_TRUE(unix_url.ok());
  EXPECT_EQ(unix_url->unix_path, "/run/redis/redis.sock");
  EXPECT_EQ(unix_url->db, 5);
  EXPECT_EQ(unix_url->Name(), "/run/redis/redis.sock");
}

TEST(RedisUrlTest, RejectsMalformedUrlsAndPasswords) {
  for (const char* url : {"", "http://host:1", "redis://", "redis://host:0", "redis://host:99999",
                          "redis://host:port", "redis://host:6379/x", "unix://relative.sock",
                          "unix:///a.sock?database=1", "redis://[::1"}) {
    auto parsed = ParseRedisUrl(url);
    EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidArgument) << url;
  }
  auto secret = ParseRedisUrl("redis://user:hunter2@host:6379");
  ASSERT_FALSE(secret.ok());
  EXPECT_NE(secret.status().message().find("VTP_REDIS_PASSWORD"), std::string::npos);
  RedisOptions options;
  options.url = "redis:/oops";
  EXPECT_EQ(RedisClient::Connect(options).status().code(), ErrorCode::kInvalidArgument);
}

TEST(RedisClientConnectTest, UnreachableTcpServerIsIo) {
  RedisOptions options;
  options.url = "redis://127.0.0.1:1";  // nothing listens on port 1
  options.connect_timeout_ms = 500;
  auto client = RedisClient::Connect(options);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), ErrorCode::kIo);
  EXPECT_NE(client.status().message().find("redis 127.0.0.1:1"), std::string::npos)
      << client.status().message();
}

}  // namespace
}  // namespace vtp
