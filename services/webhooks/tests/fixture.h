// What the webhooks end-to-end tests share: the real binary as a child process against the
// harness's PostgreSQL and Redis, tokens signed with a key made for the test, events published
// the way the services' relays publish them, and a wait with a deadline.
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "process.h"
#include "service_harness.h"
#include "test_env.h"
#include "xuncha/auth.h"
#include "xuncha/engagements.h"
#include "xuncha/pg.h"
#include "xuncha/redis.h"
#include "xuncha/webhooks/v1/webhooks.grpc.pb.h"

namespace xuncha::webhooks {

namespace v1 = ::xuncha::webhooks::v1;

class WebhooksFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = xuncha::testing::MakeTempDir();
    auto keys = xuncha::testing::WriteTokenKeys(dir_);
    ASSERT_TRUE(keys.ok()) << keys.status();
    keys_ = *std::move(keys);
    stream_prefix_ = xuncha::testing::UniqueName("test:");
    redis_ = std::make_unique<RedisClient>(*ParseRedisAddress(xuncha::testing::RedisAddress()));
    PgPoolOptions o;
    o.url = db_.url();
    o.schema = "webhooks";
    pool_ = std::make_unique<PgPool>(o);
  }

  void TearDown() override {
    stub_.reset();
    process_.Stop(SIGTERM);
  }

  // Small retry settings so that a test sees several attempts within seconds.
  void StartService(const std::vector<std::string>& extra = {}) {
    address_ = absl::StrCat("127.0.0.1:", xuncha::testing::FreePort());
    std::vector<std::string> args = {XUNCHA_WEBHOOKS_BIN,
                                     "--listen=" + address_,
                                     "--db_url=" + db_.url(),
                                     "--redis=" + xuncha::testing::RedisAddress(),
                                     "--token_public_key_file=" + keys_.public_key_file,
                                     "--event_stream_prefix=" + stream_prefix_,
                                     "--webhook_poll_interval=100ms",
                                     "--webhook_backoff_base=200ms",
                                     "--webhook_backoff_max=1s",
                                     "--webhook_timeout=1s"};
    args.insert(args.end(), extra.begin(), extra.end());
    ASSERT_TRUE(process_.Start(args, dir_ + "/webhooks.log"));
    ASSERT_TRUE(xuncha::testing::WaitForServing(address_, 20000)) << Log();
    stub_ = v1::WebhooksService::NewStub(
        grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
  }

  std::string Log() const { return xuncha::testing::ReadFile(dir_ + "/webhooks.log"); }

  std::string Token(TokenClaims::SubjectKind kind, const std::string& subject,
                    const std::string& office_id, const std::string& office_path,
                    const std::vector<std::string>& roles,
                    const std::vector<std::string>& scopes = {}) {
    TokenClaims c;
    c.set_sub(subject);
    c.set_kind(kind);
    c.set_office_id(office_id);
    c.set_office_path(office_path);
    for (const auto& r : roles) c.add_roles(r);
    for (const auto& s : scopes) c.add_scopes(s);
    auto token = keys_.signer->Sign(c, absl::Now(), absl::Hours(1));
    EXPECT_TRUE(token.ok());
    return *token;
  }
  std::string Client(const std::string& client_id, const std::string& office_id,
                     const std::string& office_path, const std::vector<std::string>& scopes) {
    return Token(TokenClaims::API_CLIENT, client_id, office_id, office_path, {}, scopes);
  }
  std::string User(const std::string& office_id, const std::string& office_path,
                   const std::vector<std::string>& roles) {
    return Token(TokenClaims::USER, xuncha::testing::NewUuid(), office_id, office_path, roles);
  }

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
    return xuncha::testing::CallContext(token);
  }

  // Creates a subscription as `token`; fails the test on error.
  v1::CreatedWebhookSubscription Subscribe(const std::string& token, const std::string& url,
                                           const std::vector<std::string>& types,
                                           const std::string& api_client_id = "") {
    v1::CreateWebhookSubscriptionRequest req;
    req.mutable_subscription()->set_url(url);
    req.mutable_subscription()->set_api_client_id(api_client_id);
    for (const auto& t : types) req.mutable_subscription()->add_event_types(t);
    v1::CreatedWebhookSubscription out;
    grpc::Status s = stub_->CreateWebhookSubscription(Ctx(token).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  // Publishes as `source`'s relay would; returns the event id.
  std::string Publish(const std::string& source, const std::string& type,
                      const google::protobuf::Message& payload, std::string event_id = "") {
    if (event_id.empty()) event_id = xuncha::testing::NewUuid();
    absl::Status added = xuncha::testing::PublishEvent(
        *redis_, stream_prefix_, source, type, xuncha::testing::NewUuid(), payload, event_id);
    EXPECT_TRUE(added.ok()) << added;
    return event_id;
  }

  EngagementSnapshot PublishEngagement(const std::string& office_id,
                                       const std::string& office_path) {
    EngagementSnapshot e = xuncha::testing::TestEngagement(
        office_id, office_path, office_path + ".t1", "被巡察单位", xuncha::testing::NewUuid(), {});
    Publish("planning", kEngagementChangedEvent, e);
    return e;
  }

  // Polls `condition` until it holds or `timeout` passes; the deadline only bounds the wait.
  bool Eventually(const std::function<bool()>& condition,
                  absl::Duration timeout = absl::Seconds(20)) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      if (condition()) return true;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return condition();
  }

  long long Count(const std::string& sql) {
    auto n = pool_->TransactWith<long long>([&](pqxx::work& tx) -> absl::StatusOr<long long> {
      return tx.exec1(sql)[0].as<long long>();
    });
    return n.ok() ? *n : -1;
  }

  // True once the consumer has applied (or skipped) every one of `event_ids`.
  bool AllConsumed(const std::vector<std::string>& event_ids) {
    auto n = pool_->TransactWith<long long>([&](pqxx::work& tx) -> absl::StatusOr<long long> {
      return tx
          .exec_params1(
              "SELECT count(*) FROM processed_events WHERE consumer_group = 'webhooks' AND "
              "event_id = ANY($1::text[])",
              PgTextArray(event_ids))[0]
          .as<long long>();
    });
    return n.ok() && *n == static_cast<long long>(event_ids.size());
  }

  xuncha::testing::TestDatabase db_;
  std::string dir_;
  xuncha::testing::TokenKeys keys_;
  std::string stream_prefix_;
  std::unique_ptr<RedisClient> redis_;
  std::unique_ptr<PgPool> pool_;
  xuncha::testing::ChildProcess process_;
  std::string address_;
  std::unique_ptr<v1::WebhooksService::Stub> stub_;
};

}  // namespace xuncha::webhooks
