#include <gtest/gtest.h>

#include <atomic>
#include <functional>

#include "test_env.h"
#include "xuncha/pg.h"
#include "xuncha/pg_listen.h"

namespace xuncha {
namespace {

PgPoolOptions Options(const std::string& url) {
  PgPoolOptions o;
  o.url = url;
  o.size = 2;
  o.acquire_timeout = absl::Milliseconds(500);
  o.connect_timeout = absl::Seconds(1);
  o.statement_timeout = absl::Milliseconds(300);
  return o;
}

int CountOne(PgPool& pool) {
  auto v = pool.TransactWith<int>(
      [](pqxx::work& tx) -> absl::StatusOr<int> { return tx.exec1("SELECT 1")[0].as<int>(); });
  return v.ok() ? *v : -1;
}

// Polls `done` for up to 10 s.
bool Eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 500; ++i) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return false;
}

TEST(PoolPgTest, NotifyListenerHearsCommitsAndReportsALostSession) {
  testing::PrivatePostgres pg;
  ASSERT_TRUE(pg.Start());
  PgPool pool(Options(pg.url()));
  std::atomic<int> heard{0}, lost{0};
  std::atomic<bool> listening{false};
  PgNotifyListener listener(
      pool, "xuncha_test_changes",
      [&](bool ok) {
        listening = ok;
        ++(ok ? heard : lost);
      },
      absl::Milliseconds(100));
  listener.Start();
  ASSERT_TRUE(Eventually([&] { return listening.load(); }));
  const int first = heard;
  auto notify = [&](bool commit) {
    return pool.Transact([&](pqxx::work& tx) -> absl::Status {
      tx.exec("SELECT pg_notify('xuncha_test_changes', 'x')");
      return commit ? absl::OkStatus() : absl::AbortedError("rolled back");
    });
  };
  ASSERT_TRUE(notify(true).ok());
  EXPECT_TRUE(Eventually([&] { return heard > first; }));
  // A rolled-back change says nothing.
  const int after_commit = heard;
  EXPECT_FALSE(notify(false).ok());
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(heard, after_commit);

  // The server restarts: the listener says so, listens again, and hears the next change.
  ASSERT_TRUE(pg.Restart());
  EXPECT_TRUE(Eventually([&] { return lost > 0 && listening.load(); }));
  const int relistened = heard;
  ASSERT_TRUE(Eventually([&] { return notify(true).ok(); }));
  EXPECT_TRUE(Eventually([&] { return heard > relistened; }));
  listener.Stop();
}

TEST(PoolPgTest, ReconnectsAfterTheServerRestarts) {
  testing::PrivatePostgres pg;
  ASSERT_TRUE(pg.Start());
  PgPool pool(Options(pg.url()));
  ASSERT_EQ(CountOne(pool), 1);
  ASSERT_TRUE(pg.Restart());
  // The idle connection is now dead; the pool must notice, drop it and open a new one.
  EXPECT_EQ(CountOne(pool), 1);
  EXPECT_TRUE(pool.Ping().ok());
}

TEST(PoolPgTest, DatabaseDownIsUnavailableNotAHang) {
  testing::PrivatePostgres pg;
  ASSERT_TRUE(pg.Start());
  PgPool pool(Options(pg.url()));
  ASSERT_EQ(CountOne(pool), 1);
  ASSERT_TRUE(pg.Stop());
  const absl::Time start = absl::Now();
  absl::Status s = pool.Transact([](pqxx::work& tx) {
    tx.exec("SELECT 1");
    return absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_EQ(pool.Ping().code(), absl::StatusCode::kUnavailable);
  // Not a performance assertion: a hang would be tens of seconds (TCP timeouts).
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  ASSERT_TRUE(pg.Start());
  EXPECT_EQ(CountOne(pool), 1);  // recovers without a restart of the client
}

TEST(PoolPgTest, StatementTimeoutIsDeadlineExceeded) {
  testing::TestDatabase db;
  PgPool pool(Options(db.url()));
  absl::Status s = pool.Transact([](pqxx::work& tx) {
    tx.exec("SELECT pg_sleep(2)");
    return absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  EXPECT_EQ(CountOne(pool), 1);  // the connection is still usable
}

TEST(PoolPgTest, BoundedPoolTimesOutWhenExhausted) {
  testing::TestDatabase db;
  PgPool pool(Options(db.url()));
  auto a = pool.Acquire();
  auto b = pool.Acquire();
  ASSERT_TRUE(a.ok() && b.ok());
  auto c = pool.Acquire();
  EXPECT_EQ(c.status().code(), absl::StatusCode::kUnavailable);
}

TEST(PoolPgTest, ErrorsRollBackAndMapToCodes) {
  testing::TestDatabase db;
  PgPool pool(Options(db.url()));
  ASSERT_TRUE(pool.Transact([](pqxx::work& tx) {
                    tx.exec("CREATE TABLE t (id int PRIMARY KEY, n int CHECK (n > 0))");
                    return absl::OkStatus();
                  })
                  .ok());
  // A handler error rolls back everything the transaction did.
  absl::Status s = pool.Transact([](pqxx::work& tx) {
    tx.exec("INSERT INTO t VALUES (1, 1)");
    return absl::InvalidArgumentError("name: must be set");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  s = pool.Transact([](pqxx::work& tx) {
    tx.exec("INSERT INTO t VALUES (1, 1)");
    tx.exec("INSERT INTO t VALUES (1, 2)");
    return absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  s = pool.Transact([](pqxx::work& tx) {
    tx.exec("INSERT INTO t VALUES (2, -1)");
    return absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  auto n = pool.TransactWith<int>([](pqxx::work& tx) -> absl::StatusOr<int> {
    return tx.exec1("SELECT count(*) FROM t")[0].as<int>();
  });
  EXPECT_EQ(*n, 0);
}

TEST(PoolPgTest, ReadsRunOutsideATransactionAndSurviveARestart) {
  testing::PrivatePostgres pg;
  ASSERT_TRUE(pg.Start());
  PgPool pool(Options(pg.url()));
  auto in_block = [](pqxx::transaction_base& tx) -> absl::StatusOr<bool> {
    // now() is the transaction's start; statement_timestamp() differs from it only inside a
    // transaction block that began earlier, so compare transaction ids instead: outside a block
    // every statement is its own transaction.
    long long first = tx.exec1("SELECT txid_current()")[0].as<long long>();
    long long second = tx.exec1("SELECT txid_current()")[0].as<long long>();
    return first == second;
  };
  auto read = pool.ReadWith<bool>(in_block);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_FALSE(*read) << "Read must not open a transaction block";
  auto tx = pool.TransactWith<bool>([&](pqxx::work& w) { return in_block(w); });
  ASSERT_TRUE(tx.ok()) << tx.status();
  EXPECT_TRUE(*tx);

  // Errors map like Transact's; the broken idle connection after a restart is replaced.
  absl::Status s = pool.Read([](pqxx::transaction_base& tx) {
    tx.exec("SELECT 1/0");
    return absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  ASSERT_TRUE(pg.Restart());
  auto one = pool.ReadWith<int>([](pqxx::transaction_base& tx) -> absl::StatusOr<int> {
    return tx.exec1("SELECT 1")[0].as<int>();
  });
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(*one, 1);
}

TEST(PoolPgTest, TextArraysRoundTrip) {
  testing::TestDatabase db;
  PgPool pool(Options(db.url()));
  std::vector<std::string> values = {"纪检", "a\"b", "c\\d", "e,f", ""};
  auto back = pool.TransactWith<std::string>([&](pqxx::work& tx) -> absl::StatusOr<std::string> {
    return tx.exec_params1("SELECT $1::text[]", PgTextArray(values))[0].as<std::string>();
  });
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(ParsePgTextArray(*back), values);
}

}  // namespace
}  // namespace xuncha
