// Token revocation against the harness's real Redis: every Authenticator keeps the revoked ids
// in memory (auth.h), fed by Redis pub/sub and loaded when it subscribes.
#include <gtest/gtest.h>

#include <functional>
#include <optional>

#include "test_env.h"
#include "xuncha/auth.h"
#include "xuncha/redis.h"

namespace xuncha {
namespace {

bool Eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 500; ++i) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return false;
}

class RevocationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto keys = GenerateEd25519KeyPair();
    ASSERT_TRUE(keys.ok());
    keys_ = *keys;
    signer_.emplace(std::move(TokenSigner::FromPrivatePem(keys_.private_pem, "xuncha").value()));
    options_ = ParseRedisAddress(testing::RedisAddress()).value();
  }
  TokenVerifier Verifier() {
    return std::move(TokenVerifier::FromPublicPem(keys_.public_pem, "xuncha").value());
  }
  std::string Bearer() {
    TokenClaims c;
    c.set_sub("u-1");
    c.set_kind(TokenClaims::USER);
    c.set_office_id("office-a");
    c.set_office_path("u1.u2");
    return "Bearer " + signer_->Sign(c, absl::Now(), absl::Minutes(15)).value();
  }
  static std::string Refusal(const Authenticator& auth, const std::string& bearer) {
    auto p = auth.AuthenticateBearer(bearer);
    return p.ok() ? "accepted" : std::string(p.status().message());
  }

  Ed25519KeyPair keys_;
  std::optional<TokenSigner> signer_;
  RedisOptions options_;
};

TEST_F(RevocationTest, ARevocationReachesEveryReplicaAndLaterStarters) {
  RedisClient redis_a(options_), redis_b(options_);
  Authenticator a(Verifier(), &redis_a), b(Verifier(), &redis_b);
  ASSERT_TRUE(Eventually([&] { return a.revocations_in_sync() && b.revocations_in_sync(); }));
  const std::string token = Bearer(), other = Bearer();
  auto p = a.AuthenticateBearer(token);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(Refusal(b, token), "accepted");

  ASSERT_TRUE(a.Revoke(p->token_id, p->expires_at).ok());
  // The replica that revoked refuses the token at once, the other once the message arrives.
  EXPECT_EQ(Refusal(a, token), "token has been revoked");
  EXPECT_TRUE(Eventually([&] { return Refusal(b, token) != "accepted"; }));
  EXPECT_EQ(Refusal(b, token), "token has been revoked");
  EXPECT_EQ(Refusal(a, other), "accepted");
  EXPECT_EQ(Refusal(b, other), "accepted");

  // A replica started afterwards loads what was revoked before it subscribed.
  RedisClient redis_c(options_);
  Authenticator c(Verifier(), &redis_c);
  ASSERT_TRUE(Eventually([&] { return c.revocations_in_sync(); }));
  EXPECT_EQ(Refusal(c, token), "token has been revoked");
  EXPECT_EQ(Refusal(c, other), "accepted");
  // The key in Redis carries the token's expiry, so it goes when the token would have.
  auto ttl = redis_c.Command({"TTL", RevokedTokenKey(p->token_id)});
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(ttl->integer(), 800);
  EXPECT_LE(ttl->integer(), 901);
}

TEST_F(RevocationTest, UnreachableRedisFailsOpenAndRevokingIsUnavailable) {
  RedisOptions dead = options_;
  dead.port = testing::FreePort();
  dead.timeout = absl::Milliseconds(200);
  RedisClient redis(dead);
  Authenticator auth(Verifier(), &redis);
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_FALSE(auth.revocations_in_sync());
  EXPECT_EQ(Refusal(auth, Bearer()), "accepted");
  EXPECT_EQ(auth.Revoke("some-token", absl::Now() + absl::Minutes(1)).code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace xuncha
