#include <gtest/gtest.h>

#include "test_env.h"
#include "xuncha/migrations.h"
#include "xuncha/outbox.h"

namespace xuncha {
namespace {

class OutboxPgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PgPoolOptions o;
    o.url = db_.url();
    o.schema = "svc";
    pool_ = std::make_unique<PgPool>(o);
    EmbeddedFile files[] = {
        {"0001_counters.sql", "CREATE TABLE effects (event_id text NOT NULL, n int NOT NULL);"}};
    ASSERT_TRUE(MigrateServiceSchema(*pool_, "svc", {files, 1}).ok());
    redis_ = std::make_unique<RedisClient>(*ParseRedisAddress(testing::RedisAddress()));
    stream_ = testing::UniqueName("test:events:");
  }

  // A change and its event, in one transaction.
  std::string Write(int n) {
    return pool_
        ->TransactWith<std::string>([&](pqxx::work& tx) -> absl::StatusOr<std::string> {
          return AppendOutbox(tx, {"svc.thing.created", absl::StrCat("thing-", n),
                                   absl::StrCat("{\"n\":", n, "}")});
        })
        .value();
  }

  std::unique_ptr<EventConsumer> Consumer(const std::string& name, absl::Duration claim_idle) {
    ConsumerOptions o;
    o.streams = {stream_};
    o.group = "effects";
    o.consumer = name;
    o.block = absl::Milliseconds(100);
    o.claim_idle = claim_idle;
    auto c = std::make_unique<EventConsumer>(
        *pool_, *redis_, o, [](pqxx::work& tx, const ConsumedEvent& e) {
          tx.exec_params("INSERT INTO effects (event_id, n) VALUES ($1, 1)", e.event_id);
          return absl::OkStatus();
        });
    EXPECT_TRUE(c->EnsureGroups().ok());
    return c;
  }

  int Effects() {
    return pool_
        ->TransactWith<int>([](pqxx::work& tx) -> absl::StatusOr<int> {
          return tx.exec1("SELECT count(*) FROM effects")[0].as<int>();
        })
        .value();
  }
  long long StreamLength() { return redis_->Command({"XLEN", stream_})->integer(); }

  RelayOptions Relay() {
    RelayOptions o;
    o.stream = stream_;
    o.source = "svc";
    return o;
  }

  testing::TestDatabase db_;
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<RedisClient> redis_;
  std::string stream_;
};

TEST_F(OutboxPgTest, RowToStreamToConsumerHasOneEffectEvenWhenDeliveredTwice) {
  auto consumer = Consumer("c1", absl::Seconds(30));
  const std::string event_id = Write(1);
  OutboxRelay relay(*pool_, *redis_, Relay());
  ASSERT_EQ(*relay.PublishBatch(), 1);
  EXPECT_EQ(*relay.PublishBatch(), 0);  // marked published

  // The relay crashed after XADD but before its commit: the row is published again.
  ASSERT_TRUE(pool_
                  ->Transact([](pqxx::work& tx) {
                    tx.exec("UPDATE outbox SET published_at = NULL");
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_EQ(*relay.PublishBatch(), 1);
  EXPECT_EQ(StreamLength(), 2);

  EXPECT_EQ(*consumer->PollOnce(), 2);  // both deliveries handled and acknowledged
  EXPECT_EQ(Effects(), 1);
  auto pending = redis_->Command({"XPENDING", stream_, "effects"});
  EXPECT_EQ(pending->element(0).integer(), 0);
  // Replaying the event by hand is harmless too.
  ConsumedEvent again;
  again.event_id = event_id;
  EXPECT_TRUE(consumer->Process(again).ok());
  EXPECT_EQ(Effects(), 1);
}

TEST_F(OutboxPgTest, EntriesLeftByADeadConsumerAreClaimed) {
  Write(1);
  Write(2);
  OutboxRelay relay(*pool_, *redis_, Relay());
  ASSERT_EQ(*relay.PublishBatch(), 2);
  auto dead = Consumer("dead", absl::Hours(1));
  // "dead" reads both entries and dies before handling them.
  auto read = redis_->Command(
      {"XREADGROUP", "GROUP", "effects", "dead", "COUNT", "10", "STREAMS", stream_, ">"});
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->element(0).element(1).size(), 2u);
  auto survivor = Consumer("survivor", absl::ZeroDuration());
  EXPECT_EQ(*survivor->PollOnce(), 2);
  EXPECT_EQ(Effects(), 2);
}

TEST_F(OutboxPgTest, APoisonedEventIsDeadLetteredAndTheRestFlow) {
  Write(1);
  const std::string poisoned = Write(2);
  Write(3);
  OutboxRelay relay(*pool_, *redis_, Relay());
  ASSERT_EQ(*relay.PublishBatch(), 3);
  ConsumerOptions o;
  o.streams = {stream_};
  o.group = "effects";
  o.consumer = "c1";
  o.block = absl::Milliseconds(50);
  o.claim_idle = absl::ZeroDuration();  // retry at once, so the test needs no waiting
  o.max_failures = 3;
  EventConsumer consumer(*pool_, *redis_, o, [&](pqxx::work& tx, const ConsumedEvent& e) {
    if (e.event_id == poisoned) return absl::InvalidArgumentError("payload: cannot be applied");
    tx.exec_params("INSERT INTO effects (event_id, n) VALUES ($1, 1)", e.event_id);
    return absl::OkStatus();
  });
  ASSERT_TRUE(consumer.EnsureGroups().ok());
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(consumer.PollOnce().ok());
  EXPECT_EQ(Effects(), 2);
  auto row = pool_->TransactWith<std::string>([&](pqxx::work& tx) -> absl::StatusOr<std::string> {
    pqxx::row r = tx.exec_params1(
        "SELECT failures || ':' || dead || ':' || last_error FROM event_failures "
        "WHERE event_id = $1",
        poisoned);
    return r[0].as<std::string>();
  });
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(*row, "3:true:payload: cannot be applied");
  // Dead-lettered means acknowledged: nothing is left pending to loop on.
  auto pending = redis_->Command({"XPENDING", stream_, "effects"});
  EXPECT_EQ(pending->element(0).integer(), 0);
}

TEST_F(OutboxPgTest, RowsWaitWhileRedisIsDown) {
  Write(1);
  RedisOptions down;
  down.port = testing::FreePort();  // nothing listens there
  down.timeout = absl::Milliseconds(200);
  RedisClient unreachable(down);
  OutboxRelay relay(*pool_, unreachable, Relay());
  EXPECT_EQ(relay.PublishBatch().status().code(), absl::StatusCode::kUnavailable);
  OutboxRelay healthy(*pool_, *redis_, Relay());
  EXPECT_EQ(*healthy.PublishBatch(), 1);  // nothing was lost
}

TEST_F(OutboxPgTest, BackgroundRelayAndConsumerDeliverEverything) {
  auto consumer = Consumer("bg", absl::Seconds(30));
  OutboxRelay relay(*pool_, *redis_, Relay());
  relay.Start();
  consumer->Start();
  for (int i = 0; i < 20; ++i) Write(i);
  relay.Wake();
  for (int i = 0; i < 100 && Effects() < 20; ++i) absl::SleepFor(absl::Milliseconds(100));
  relay.Stop();
  consumer->Stop();
  EXPECT_EQ(Effects(), 20);
}

}  // namespace
}  // namespace xuncha
