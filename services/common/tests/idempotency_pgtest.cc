#include <gtest/gtest.h>

#include <thread>

#include "test_env.h"
#include "xuncha/common/v1/auth.pb.h"
#include "xuncha/idempotency.h"
#include "xuncha/migrations.h"

namespace xuncha {
namespace {

// Any message will do as request and response; TokenClaims is at hand.
using Msg = ::xuncha::common::v1::TokenClaims;

class IdempotencyPgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PgPoolOptions o;
    o.url = db_.url();
    o.schema = "svc";
    o.size = 8;
    pool_ = std::make_unique<PgPool>(o);
    EmbeddedFile files[] = {{"0001_t.sql", "CREATE TABLE things (name text NOT NULL);"}};
    ASSERT_TRUE(MigrateServiceSchema(*pool_, "svc", {files, 1}).ok());
    rc_.principal.subject_id = "u1";
    rc_.principal.kind = Msg::USER;
    rc_.idempotency_key = "key-1";
  }

  // Creates a thing named after the request; the response echoes a server-made id.
  absl::Status Create(const RequestContext& rc, const std::string& name, Msg* response) {
    Msg request;
    request.set_sub(name);
    return IdempotentTransact(*pool_, rc, "Create", request, *response, [&](pqxx::work& tx) {
      pqxx::row r = tx.exec_params1(
          "INSERT INTO things (name) VALUES ($1) RETURNING (SELECT count(*) FROM things) + 1",
          name);
      response->set_jti(absl::StrCat("thing-", r[0].as<int>()));
      return absl::OkStatus();
    });
  }

  int Things() {
    return pool_
        ->TransactWith<int>([](pqxx::work& tx) -> absl::StatusOr<int> {
          return tx.exec1("SELECT count(*) FROM things")[0].as<int>();
        })
        .value();
  }

  testing::TestDatabase db_;
  std::unique_ptr<PgPool> pool_;
  RequestContext rc_;
};

TEST_F(IdempotencyPgTest, RetryReturnsTheStoredResponse) {
  Msg first, second;
  ASSERT_TRUE(Create(rc_, "a", &first).ok());
  ASSERT_TRUE(Create(rc_, "a", &second).ok());
  EXPECT_EQ(second.jti(), first.jti());
  EXPECT_EQ(Things(), 1);
}

TEST_F(IdempotencyPgTest, SameKeyDifferentRequestIsRefused) {
  Msg out;
  ASSERT_TRUE(Create(rc_, "a", &out).ok());
  absl::Status s = Create(rc_, "b", &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(s.message().find("key-1"), std::string_view::npos);
  EXPECT_EQ(Things(), 1);
}

TEST_F(IdempotencyPgTest, KeysBelongToTheirPrincipal) {
  Msg mine, theirs;
  ASSERT_TRUE(Create(rc_, "a", &mine).ok());
  RequestContext other = rc_;
  other.principal.subject_id = "u2";
  ASSERT_TRUE(Create(other, "a", &theirs).ok());
  EXPECT_EQ(Things(), 2);
}

TEST_F(IdempotencyPgTest, FailedChangeLeavesTheKeyFree) {
  Msg request, out;
  request.set_sub("x");
  absl::Status s = IdempotentTransact(*pool_, rc_, "Create", request, out, [](pqxx::work&) {
    return absl::InvalidArgumentError("name: bad");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(Create(rc_, "x", &out).ok());  // the key was not burnt by the failure
  EXPECT_EQ(Things(), 1);
}

TEST_F(IdempotencyPgTest, ConcurrentRetriesHaveOneEffect) {
  std::vector<std::thread> threads;
  std::vector<Msg> responses(6);
  std::vector<absl::Status> statuses(6);
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] { statuses[i] = Create(rc_, "same", &responses[i]); });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 6; ++i) {
    EXPECT_TRUE(statuses[i].ok()) << statuses[i];
    EXPECT_EQ(responses[i].jti(), responses[0].jti());
  }
  EXPECT_EQ(Things(), 1);
}

TEST_F(IdempotencyPgTest, NoKeyMeansNoDeduplication) {
  rc_.idempotency_key.clear();
  Msg out;
  ASSERT_TRUE(Create(rc_, "a", &out).ok());
  ASSERT_TRUE(Create(rc_, "a", &out).ok());
  EXPECT_EQ(Things(), 2);
}

}  // namespace
}  // namespace xuncha
