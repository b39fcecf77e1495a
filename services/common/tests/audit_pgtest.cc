#include <gtest/gtest.h>

#include "test_env.h"
#include "xuncha/audit.h"
#include "xuncha/migrations.h"

namespace xuncha {
namespace {

class AuditPgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PgPoolOptions o;
    o.url = db_.url();
    o.schema = "svc";
    pool_ = std::make_unique<PgPool>(o);
    ASSERT_TRUE(MigrateServiceSchema(*pool_, "svc", {nullptr, 0}).ok());
    for (int i = 1; i <= 4; ++i) {
      ASSERT_TRUE(pool_
                      ->Transact([&](pqxx::work& tx) {
                        return AppendAudit(tx, {"user:1", "thing.update",
                                                absl::StrCat("things/", i), "req"})
                            .status();
                      })
                      .ok());
    }
    // Sealed, so the tampering below hits rows that are already in the chain.
    ASSERT_EQ(Seal(), 4);
  }
  int Seal() {
    return pool_->TransactWith<int>([](pqxx::work& tx) { return SealAudit(tx, 1000, true); })
        .value();
  }
  AuditVerification Verify() {
    return pool_
        ->TransactWith<AuditVerification>([](pqxx::work& tx) { return VerifyAuditChain(tx); })
        .value();
  }
  void Sql(const std::string& sql) {
    ASSERT_TRUE(pool_
                    ->Transact([&](pqxx::work& tx) {
                      tx.exec(sql);
                      return absl::OkStatus();
                    })
                    .ok());
  }
  testing::TestDatabase db_;
  std::unique_ptr<PgPool> pool_;
};

TEST_F(AuditPgTest, IntactChainVerifies) {
  AuditVerification v = Verify();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.rows, 4);
}

TEST_F(AuditPgTest, EditedRowIsDetected) {
  Sql("UPDATE audit_log SET actor = 'user:2' WHERE seq = 2");
  AuditVerification v = Verify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 2);
  EXPECT_NE(v.reason.find("changed"), std::string::npos);
}

TEST_F(AuditPgTest, DeletedRowIsDetected) {
  Sql("DELETE FROM audit_log WHERE seq = 3");
  AuditVerification v = Verify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 4);
  EXPECT_NE(v.reason.find("missing"), std::string::npos);
}

TEST_F(AuditPgTest, RewrittenHashIsDetectedByTheNextRow) {
  // An editor who also recomputes the edited row's own hash still breaks the link to row 3.
  Sql("UPDATE audit_log SET hash = repeat('a', 64) WHERE seq = 2");
  AuditVerification v = Verify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 2);
}

TEST_F(AuditPgTest, RowsAreSealedInCommitOrderAndAnOpenTransactionWaits) {
  // A transaction that appended but has not committed yet: its row is invisible to the sealer.
  pqxx::connection open_conn(db_.url());
  pqxx::work open_tx(open_conn);
  open_tx.exec("SET search_path TO svc, public");
  ASSERT_TRUE(AppendAudit(open_tx, {"user:9", "late.write", "things/late", "req-late"}).ok());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(pool_
                    ->Transact([&](pqxx::work& tx) {
                      return AppendAudit(tx, {"user:1", "x", "things/next", "req"}).status();
                    })
                    .ok());
  }
  EXPECT_EQ(Seal(), 2);
  EXPECT_EQ(Seal(), 0);
  open_tx.commit();
  EXPECT_EQ(Seal(), 1);
  // The late row got the next chain position although its entry id is older.
  auto late = pool_->TransactWith<int64_t>([](pqxx::work& tx) -> absl::StatusOr<int64_t> {
    return tx.exec1("SELECT seq FROM audit_log WHERE action = 'late.write'")[0].as<int64_t>();
  });
  ASSERT_TRUE(late.ok()) << late.status();
  EXPECT_EQ(*late, 7);
  AuditVerification v = Verify();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.rows, 7);
}

TEST_F(AuditPgTest, ConcurrentAppendsKeepOneChain) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        EXPECT_TRUE(pool_
                        ->Transact([&](pqxx::work& tx) {
                          return AppendAudit(tx, {"user:1", "x", "y", "z"}).status();
                        })
                        .ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  AuditVerification v = Verify();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.rows, 44);
}

}  // namespace
}  // namespace xuncha
