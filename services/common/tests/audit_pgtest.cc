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
