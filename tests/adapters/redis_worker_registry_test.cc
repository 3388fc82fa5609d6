// RedisWorkerRegistry beyond the port contract (run through
// tests/ports/redis_store_factory.h): the key layout, the real-time safety
// TTL, and a worker hash that expired while its set member stayed.
#include "adapters/redis_worker_registry.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "adapters/redis_client.h"
#include "ports/clock.h"
#include "testutil/redis_server.h"

namespace vtp {
namespace {

using adapters::RedisClient;
using adapters::RedisWorkerRegistry;
using ports::WorkerRecord;

class RedisWorkerRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    testutil::RedisServer* server = testutil::SharedRedis(&error);
    ASSERT_NE(server, nullptr) << error;
    adapters::RedisOptions options;
    options.url = server->url();
    auto client = RedisClient::Connect(options);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(client).value();
    adapters::RedisWorkerRegistryOptions registry_options;
    registry_options.key_prefix =
        std::string("wr-") + ::testing::UnitTest::GetInstance()->current_test_info()->name() + ":";
    registry_options.key_ttl_ms = 90'000;
    registry_ = std::make_unique<RedisWorkerRegistry>(*client_, clock_, registry_options);
  }

  static WorkerRecord Worker(const std::string& id) {
    WorkerRecord w;
    w.worker_id = id;
    w.host = "node-1";
    w.pid = 77;
    w.pools = {"cpu", "gpu-nvenc"};
    w.capabilities = {"gpu-nvenc"};
    return w;
  }

  ports::FakeClock clock_;
  std::unique_ptr<RedisClient> client_;
  std::unique_ptr<RedisWorkerRegistry> registry_;
};

TEST_F(RedisWorkerRegistryTest, WorkerHashHoldsTheRecordWithASafetyTtl) {
  ASSERT_TRUE(registry_->RegisterWorker(Worker("w1")).ok());
  auto hash = client_->Command({"HGETALL", registry_->WorkerKey("w1")});
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->elements.size(), 12u);  // six fields
  auto pools = client_->Command({"HGET", registry_->WorkerKey("w1"), "pools"});
  ASSERT_TRUE(pools.ok());
  EXPECT_EQ(pools->str, "cpu,gpu-nvenc");
  auto ttl = client_->Command({"PTTL", registry_->WorkerKey("w1")});
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(ttl->integer, 0);
  EXPECT_LE(ttl->integer, 90'000);
  auto score = client_->Command({"ZSCORE", registry_->SetKey(), "w1"});
  ASSERT_TRUE(score.ok());
  EXPECT_EQ(score->str, std::to_string(clock_.NowMillis()));
  clock_.Advance(500);
  ASSERT_TRUE(registry_->TouchWorker("w1").ok());
  score = client_->Command({"ZSCORE", registry_->SetKey(), "w1"});
  ASSERT_TRUE(score.ok());
  EXPECT_EQ(score->str, std::to_string(clock_.NowMillis()));
}

TEST_F(RedisWorkerRegistryTest, AnExpiredHashIsADeadWorker) {
  ASSERT_TRUE(registry_->RegisterWorker(Worker("w1")).ok());
  ASSERT_TRUE(registry_->RegisterWorker(Worker("w2")).ok());
  ASSERT_TRUE(client_->Command({"DEL", registry_->WorkerKey("w1")}).ok());  // as the TTL would
  auto live = registry_->ListLiveWorkers(1'000);
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  ASSERT_EQ(live->size(), 1u);
  EXPECT_EQ((*live)[0].worker_id, "w2");
  WorkerRecord expected = Worker("w2");
  expected.started_at = expected.last_seen = clock_.NowMillis();
  EXPECT_EQ((*live)[0], expected);
  EXPECT_EQ(registry_->TouchWorker("w1").code(), ErrorCode::kNotFound);
  auto member = client_->Command({"ZSCORE", registry_->SetKey(), "w1"});
  ASSERT_TRUE(member.ok());
  EXPECT_TRUE(member->IsNil()) << "Touch dropped the orphaned member";
}

TEST_F(RedisWorkerRegistryTest, RedisErrorsAreIo) {
  ASSERT_TRUE(client_->Command({"SET", registry_->SetKey(), "not a zset"}).ok());
  EXPECT_EQ(registry_->ListLiveWorkers(1'000).status().code(), ErrorCode::kIo);
  EXPECT_EQ(registry_->RegisterWorker(Worker("w1")).code(), ErrorCode::kIo);
  EXPECT_EQ(registry_->PurgeWorkers(0).status().code(), ErrorCode::kIo);
}

}  // namespace
}  // namespace vtp
