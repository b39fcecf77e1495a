#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "xuncha/auth.h"

namespace xuncha {
namespace {

class TokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto keys = GenerateEd25519KeyPair();
    ASSERT_TRUE(keys.ok());
    keys_ = *keys;
    signer_.emplace(std::move(TokenSigner::FromPrivatePem(keys_.private_pem, "xuncha").value()));
    verifier_.emplace(std::move(TokenVerifier::FromPublicPem(keys_.public_pem, "xuncha").value()));
  }
  TokenClaims Claims() {
    TokenClaims c;
    c.set_sub("u-1");
    c.set_kind(TokenClaims::USER);
    c.set_office_id("office-a");
    c.set_office_path("u1.u2");
    c.add_roles("OFFICE_ADMIN");
    return c;
  }
  Ed25519KeyPair keys_;
  std::optional<TokenSigner> signer_;
  std::optional<TokenVerifier> verifier_;
  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
};

// Verified tokens are remembered: the answer for a token seen before must be exactly what a
// fresh verification would say, whatever was verified earlier.
TEST_F(TokenTest, RememberedTokensStillExpireAndNearMissesStillFail) {
  auto token = signer_->Sign(Claims(), now_, absl::Minutes(15));
  ASSERT_TRUE(token.ok());
  ASSERT_TRUE(verifier_->Verify(*token, now_).ok());
  auto again = verifier_->Verify(*token, now_ + absl::Minutes(1));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->sub(), "u-1");
  EXPECT_EQ(again->roles(0), "OFFICE_ADMIN");
  // The same claims with one byte of the signature changed: not the remembered token.
  // (Not the last character: its low bits are base64 padding and may not change the bytes.)
  std::string tampered = *token;
  char& c = tampered[tampered.size() - 10];
  c = c == 'A' ? 'B' : 'A';
  EXPECT_EQ(verifier_->Verify(tampered, now_).status().message(), "token signature is invalid");
  // A longer string that starts with the remembered token is not it either.
  EXPECT_FALSE(verifier_->Verify(*token + "x", now_).ok());
  // Expiry is checked on every call, remembered or not.
  EXPECT_EQ(verifier_->Verify(*token, now_ + absl::Minutes(15)).status().message(),
            "token has expired");
  // More distinct tokens than are remembered: every one still verifies.
  for (int i = 0; i < 5000; ++i) {
    TokenClaims c = Claims();
    c.set_sub(absl::StrCat("u-", i));
    auto t = signer_->Sign(c, now_, absl::Minutes(15));
    ASSERT_TRUE(t.ok());
    auto v = verifier_->Verify(*t, now_);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->sub(), absl::StrCat("u-", i));
  }
}

TEST_F(TokenTest, SignedTokenVerifies) {
  auto token = signer_->Sign(Claims(), now_, absl::Minutes(15));
  ASSERT_TRUE(token.ok());
  auto claims = verifier_->Verify(*token, now_ + absl::Minutes(1));
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->sub(), "u-1");
  EXPECT_EQ(claims->office_path(), "u1.u2");
  EXPECT_EQ(claims->exp(), absl::ToUnixSeconds(now_ + absl::Minutes(15)));
  EXPECT_FALSE(claims->jti().empty());
  Principal p = Principal::FromClaims(*claims);
  EXPECT_TRUE(p.HasRole("OFFICE_ADMIN"));
  EXPECT_EQ(p.ActorLabel(), "user:u-1");
}

TEST_F(TokenTest, ExpiredTokenIsRejected) {
  auto token = signer_->Sign(Claims(), now_, absl::Minutes(15));
  auto claims = verifier_->Verify(*token, now_ + absl::Minutes(15));
  EXPECT_EQ(claims.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(claims.status().message(), "token has expired");
}

TEST_F(TokenTest, TamperedPayloadIsRejected) {
  auto token = signer_->Sign(Claims(), now_, absl::Minutes(15));
  std::vector<std::string> parts = absl::StrSplit(*token, '.');
  std::string payload;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(parts[1], &payload));
  // Promote oneself to platform admin.
  std::size_t pos = payload.find("OFFICE_ADMIN");
  ASSERT_NE(pos, std::string::npos);
  payload.replace(pos, 12, "PLATFORM_ADMIN");
  std::string forged = parts[0] + "." + absl::WebSafeBase64Escape(payload) + "." + parts[2];
  auto claims = verifier_->Verify(forged, now_);
  EXPECT_EQ(claims.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(claims.status().message(), "token signature is invalid");
}

TEST_F(TokenTest, OtherKeyOrIssuerIsRejected) {
  auto other = GenerateEd25519KeyPair();
  auto other_signer = TokenSigner::FromPrivatePem(other->private_pem, "xuncha");
  auto token = other_signer->Sign(Claims(), now_, absl::Minutes(15));
  EXPECT_EQ(verifier_->Verify(*token, now_).status().message(), "token signature is invalid");

  auto foreign = TokenSigner::FromPrivatePem(keys_.private_pem, "someone-else");
  token = foreign->Sign(Claims(), now_, absl::Minutes(15));
  EXPECT_EQ(verifier_->Verify(*token, now_).status().message(), "token issuer not accepted");
}

TEST_F(TokenTest, MalformedAndAlgNoneAreRejected) {
  EXPECT_FALSE(verifier_->Verify("", now_).ok());
  EXPECT_FALSE(verifier_->Verify("a.b", now_).ok());
  auto token = signer_->Sign(Claims(), now_, absl::Minutes(15));
  std::vector<std::string> parts = absl::StrSplit(*token, '.');
  std::string none =
      absl::WebSafeBase64Escape(R"({"alg":"none","typ":"JWT"})") + "." + parts[1] + ".";
  EXPECT_EQ(verifier_->Verify(none, now_).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(TokenTest, KeysMustBeEd25519Pem) {
  EXPECT_FALSE(TokenSigner::FromPrivatePem("not a key", "x").ok());
  EXPECT_FALSE(TokenVerifier::FromPublicPem(keys_.private_pem, "x").ok());
}

}  // namespace
}  // namespace xuncha
