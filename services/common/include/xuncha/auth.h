// Access tokens: JWTs signed with Ed25519 ("alg":"EdDSA"). Directory holds the private key;
// every other service and the gateway hold only the public key and verify tokens themselves.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "xuncha/common/v1/auth.pb.h"

namespace grpc {
class ServerContext;
}

namespace xuncha {

class RedisClient;

using TokenClaims = ::xuncha::common::v1::TokenClaims;

// Who is calling, taken from a verified token.
struct Principal {
  TokenClaims::SubjectKind kind = TokenClaims::SUBJECT_KIND_UNSPECIFIED;
  std::string subject_id;
  std::string username;
  std::string person_id;
  std::string office_id;
  std::string office_path;
  std::vector<std::string> roles;
  std::vector<std::string> scopes;
  std::string unit_id;
  std::string unit_path;
  std::string token_id;
  absl::Time expires_at;

  bool HasRole(absl::string_view role) const;
  bool HasAnyRole(std::initializer_list<absl::string_view> roles) const;
  bool HasScope(absl::string_view scope) const;
  bool IsPlatformAdmin() const { return HasRole("PLATFORM_ADMIN"); }
  bool IsApiClient() const { return kind == TokenClaims::API_CLIENT; }
  // A label for audit rows and logs: "user:<id>" or "client:<id>".
  std::string ActorLabel() const;

  static Principal FromClaims(const TokenClaims& claims);
};

struct Ed25519KeyPair {
  std::string private_pem;
  std::string public_pem;
};
// For tests and local set-up; production keys come from files/secrets.
absl::StatusOr<Ed25519KeyPair> GenerateEd25519KeyPair();
// The public half of a private key, so a signer can also verify its own tokens.
absl::StatusOr<std::string> PublicPemFromPrivatePem(absl::string_view private_pem);

class TokenSigner {
 public:
  static absl::StatusOr<TokenSigner> FromPrivatePem(absl::string_view pem, std::string issuer);
  TokenSigner(TokenSigner&&) noexcept;
  TokenSigner& operator=(TokenSigner&&) noexcept;
  ~TokenSigner();

  // Fills iss/iat/exp/jti and returns the compact JWT.
  absl::StatusOr<std::string> Sign(TokenClaims claims, absl::Time now, absl::Duration ttl) const;
  const std::string& issuer() const { return issuer_; }

 private:
  struct Key;
  TokenSigner(std::unique_ptr<Key> key, std::string issuer);
  std::unique_ptr<Key> key_;
  std::string issuer_;
};

class TokenVerifier {
 public:
  static absl::StatusOr<TokenVerifier> FromPublicPem(absl::string_view pem, std::string issuer);
  TokenVerifier(TokenVerifier&&) noexcept;
  TokenVerifier& operator=(TokenVerifier&&) noexcept;
  ~TokenVerifier();

  // UNAUTHENTICATED with the reason (malformed, bad signature, wrong issuer, expired).
  absl::StatusOr<TokenClaims> Verify(absl::string_view token, absl::Time now) const;

 private:
  struct Key;
  TokenVerifier(std::unique_ptr<Key> key, std::string issuer);
  std::unique_ptr<Key> key_;
  std::string issuer_;
};

// Redis key under which a revoked access token id is remembered until the token expires; its
// value is the token's expiry (Unix seconds).
std::string RevokedTokenKey(absl::string_view token_id);
// Channel on which each revocation is published as "<token id> <expiry, Unix seconds>".
inline constexpr char kRevocationsChannel[] = "xuncha:revocations";

class RevocationList;

// Verifies the bearer token in gRPC metadata and yields the principal.
//
// Revocation: every replica keeps the revoked token ids in memory, loaded from Redis when its
// subscription to kRevocationsChannel is in place and kept current by what is published there,
// so a call costs no round trip to Redis (it was one per call; tests/bench/RESULTS.md). A
// revocation reaches the replica that made it at once and the others when Redis delivers the
// message (well under a millisecond on one network). While the subscription is not in place
// (starting, Redis lost) each call asks Redis, as before.
class Authenticator {
 public:
  // `revocations` may be null (no revocation check). When Redis is unreachable the check is
  // skipped with a warning: access tokens are short-lived, and refusing every call because the
  // cache is down would turn a Redis outage into a full outage.
  // After a Redis failure the check is skipped for `retry_after`, so an unresponsive Redis costs
  // one timeout per period, not one per request.
  Authenticator(TokenVerifier verifier, RedisClient* revocations,
                absl::Duration retry_after = absl::Seconds(5));
  ~Authenticator();

  absl::StatusOr<Principal> Authenticate(const grpc::ServerContext& context) const;
  absl::StatusOr<Principal> AuthenticateBearer(absl::string_view authorization_header) const;

  // Revokes the access token `token_id` until it expires, everywhere: stored and published in
  // one step (UNAVAILABLE when Redis cannot be reached or none is configured).
  absl::Status Revoke(const std::string& token_id, absl::Time expires_at) const;

  // True while revocations are answered from memory (for tests and health).
  bool revocations_in_sync() const;

 private:
  TokenVerifier verifier_;
  RedisClient* revocations_;
  absl::Duration retry_after_;
  std::unique_ptr<RevocationList> list_;  // null without Redis
  mutable std::atomic<int64_t> skip_until_unix_ms_{0};
};

}  // namespace xuncha
