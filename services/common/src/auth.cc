#include "xuncha/auth.h"

#include <grpcpp/server_context.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <mutex>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "xuncha/crypto.h"
#include "xuncha/log.h"
#include "xuncha/redis.h"

namespace xuncha {

bool Principal::HasRole(absl::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

bool Principal::HasAnyRole(std::initializer_list<absl::string_view> wanted) const {
  return std::any_of(wanted.begin(), wanted.end(), [&](absl::string_view r) { return HasRole(r); });
}

bool Principal::HasScope(absl::string_view scope) const {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

std::string Principal::ActorLabel() const {
  return absl::StrCat(kind == TokenClaims::API_CLIENT ? "client:" : "user:", subject_id);
}

Principal Principal::FromClaims(const TokenClaims& claims) {
  Principal p;
  p.kind = claims.kind();
  p.subject_id = claims.sub();
  p.username = claims.username();
  p.person_id = claims.person_id();
  p.office_id = claims.office_id();
  p.office_path = claims.office_path();
  p.roles.assign(claims.roles().begin(), claims.roles().end());
  p.scopes.assign(claims.scopes().begin(), claims.scopes().end());
  p.unit_id = claims.unit_id();
  p.unit_path = claims.unit_path();
  p.token_id = claims.jti();
  p.expires_at = absl::FromUnixSeconds(claims.exp());
  return p;
}

namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// The only header we issue or accept: pinning it rules out "alg":"none" and key confusion.
constexpr absl::string_view kHeaderJson = R"({"alg":"EdDSA","typ":"JWT"})";

std::string B64(absl::string_view data) { return absl::WebSafeBase64Escape(data); }

std::string PemOf(EVP_PKEY* key, bool private_key) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (private_key) {
    PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  } else {
    PEM_write_bio_PUBKEY(bio.get(), key);
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

absl::StatusOr<PkeyPtr> ReadPem(absl::string_view pem, bool private_key) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* key = private_key ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                              : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (key == nullptr) {
    return absl::InvalidArgumentError(private_key ? "token signing key: not a PEM private key"
                                                  : "token public key: not a PEM public key");
  }
  if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    return absl::InvalidArgumentError("token key: must be an Ed25519 key");
  }
  return PkeyPtr(key);
}

}  // namespace

absl::StatusOr<Ed25519KeyPair> GenerateEd25519KeyPair() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) return absl::InternalError("Ed25519 key generation failed");
  return Ed25519KeyPair{PemOf(key.get(), true), PemOf(key.get(), false)};
}

absl::StatusOr<std::string> PublicPemFromPrivatePem(absl::string_view private_pem) {
  auto key = ReadPem(private_pem, true);
  if (!key.ok()) return key.status();
  return PemOf(key->get(), false);
}

struct TokenSigner::Key {
  PkeyPtr pkey;
};
struct TokenVerifier::Key {
  explicit Key(PkeyPtr k) : pkey(std::move(k)) {}
  PkeyPtr pkey;
  // Tokens that verified, with their claims. A client sends the same token with every call until
  // it expires, and checking the signature and parsing the claims' JSON again each time was the
  // largest CPU cost of a cheap read (profiled: libcrypto ~13 % of a service's samples). Keyed by
  // the whole token, so a hit is exactly the bytes that verified; expiry is still checked on
  // every call. Bounded: when full it is emptied (active tokens come back on their next call).
  std::mutex mu;
  absl::flat_hash_map<std::string, TokenClaims> verified;
  static constexpr std::size_t kMaxVerified = 4096;
};

TokenSigner::TokenSigner(std::unique_ptr<Key> key, std::string issuer)
    : key_(std::move(key)), issuer_(std::move(issuer)) {}
TokenSigner::TokenSigner(TokenSigner&&) noexcept = default;
TokenSigner& TokenSigner::operator=(TokenSigner&&) noexcept = default;
TokenSigner::~TokenSigner() = default;

absl::StatusOr<TokenSigner> TokenSigner::FromPrivatePem(absl::string_view pem, std::string issuer) {
  auto key = ReadPem(pem, true);
  if (!key.ok()) return key.status();
  return TokenSigner(std::make_unique<Key>(Key{std::move(key).value()}), std::move(issuer));
}

absl::StatusOr<std::string> TokenSigner::Sign(TokenClaims claims, absl::Time now,
                                              absl::Duration ttl) const {
  claims.set_iss(issuer_);
  claims.set_iat(static_cast<uint32_t>(absl::ToUnixSeconds(now)));
  claims.set_exp(static_cast<uint32_t>(absl::ToUnixSeconds(now + ttl)));
  if (claims.jti().empty()) claims.set_jti(RandomHex(16));
  std::string payload;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(claims, &payload, options).ok()) {
    return absl::InternalError("token claims do not serialise");
  }
  const std::string signing_input = absl::StrCat(B64(kHeaderJson), ".", B64(payload));
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  unsigned char sig[64];
  size_t sig_len = sizeof(sig);
  if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_->pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig, &sig_len,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return absl::InternalError("token signing failed");
  }
  return absl::StrCat(signing_input, ".",
                      B64(absl::string_view(reinterpret_cast<char*>(sig), sig_len)));
}

TokenVerifier::TokenVerifier(std::unique_ptr<Key> key, std::string issuer)
    : key_(std::move(key)), issuer_(std::move(issuer)) {}
TokenVerifier::TokenVerifier(TokenVerifier&&) noexcept = default;
TokenVerifier& TokenVerifier::operator=(TokenVerifier&&) noexcept = default;
TokenVerifier::~TokenVerifier() = default;

absl::StatusOr<TokenVerifier> TokenVerifier::FromPublicPem(absl::string_view pem,
                                                           std::string issuer) {
  auto key = ReadPem(pem, false);
  if (!key.ok()) return key.status();
  return TokenVerifier(std::make_unique<Key>(std::move(key).value()), std::move(issuer));
}

absl::StatusOr<TokenClaims> TokenVerifier::Verify(absl::string_view token, absl::Time now) const {
  {
    std::lock_guard lock(key_->mu);
    if (auto it = key_->verified.find(token); it != key_->verified.end()) {
      if (absl::FromUnixSeconds(it->second.exp()) <= now) {
        key_->verified.erase(it);
        return absl::UnauthenticatedError("token has expired");
      }
      return it->second;
    }
  }
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) return absl::UnauthenticatedError("token is malformed");
  std::string header, payload, sig;
  if (!absl::WebSafeBase64Unescape(parts[0], &header) ||
      !absl::WebSafeBase64Unescape(parts[1], &payload) ||
      !absl::WebSafeBase64Unescape(parts[2], &sig)) {
    return absl::UnauthenticatedError("token is malformed");
  }
  if (header != kHeaderJson) return absl::UnauthenticatedError("token algorithm not accepted");
  const absl::string_view signing_input = token.substr(0, parts[0].size() + 1 + parts[1].size());
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_->pkey.get()) != 1 ||
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(signing_input.data()),
                       signing_input.size()) != 1) {
    return absl::UnauthenticatedError("token signature is invalid");
  }
  TokenClaims claims;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(payload, &claims, options).ok()) {
    return absl::UnauthenticatedError("token claims are malformed");
  }
  if (claims.iss() != issuer_) return absl::UnauthenticatedError("token issuer not accepted");
  if (absl::FromUnixSeconds(claims.exp()) <= now) {
    return absl::UnauthenticatedError("token has expired");
  }
  std::lock_guard lock(key_->mu);
  if (key_->verified.size() >= Key::kMaxVerified) key_->verified.clear();
  key_->verified.emplace(std::string(token), claims);
  return claims;
}

std::string RevokedTokenKey(absl::string_view token_id) {
  return absl::StrCat("xuncha:revoked:", token_id);
}

// The revoked token ids of kRevocationsChannel in memory (see Authenticator).
class RevocationList {
 public:
  explicit RevocationList(const RedisOptions& options)
      : loader_([&] {
          RedisOptions o = options;
          o.pool_size = 1;
          return o;
        }()),
        subscriber_(
            options, kRevocationsChannel, [this](absl::string_view m) { OnMessage(m); },
            [this] { return Load(); }, [this] { SetInSync(false); }) {
    subscriber_.Start();
  }
  ~RevocationList() { subscriber_.Stop(); }

  // nullopt while not in sync: the caller asks Redis.
  std::optional<bool> Contains(absl::string_view token_id) const {
    std::lock_guard lock(mu_);
    if (!in_sync_) return std::nullopt;
    return revoked_.contains(token_id);
  }

  void Add(absl::string_view token_id, int64_t expires_unix) {
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    std::lock_guard lock(mu_);
    // Expired ids are dropped now and then: their tokens fail verification anyway.
    if (now >= next_prune_unix_) {
      absl::erase_if(revoked_, [now](const auto& entry) { return entry.second < now; });
      next_prune_unix_ = now + 60;
    }
    revoked_.insert_or_assign(std::string(token_id), expires_unix);
  }

  bool in_sync() const {
    std::lock_guard lock(mu_);
    return in_sync_;
  }

 private:
  void SetInSync(bool v) {
    std::lock_guard lock(mu_);
    in_sync_ = v;
  }

  void OnMessage(absl::string_view message) {
    std::vector<absl::string_view> parts = absl::StrSplit(message, ' ');
    int64_t expires = 0;
    if (parts.size() != 2 || parts[0].empty() || !absl::SimpleAtoi(parts[1], &expires)) {
      log::Warning("ignored a malformed revocation message", {{"message", message}});
      return;
    }
    Add(parts[0], expires);
  }

  // Runs once subscribed: what was revoked before is in Redis's keys, what is revoked from now
  // on arrives as messages (queued on the subscribed connection meanwhile).
  absl::Status Load() {
    const std::string prefix = RevokedTokenKey("");
    const int64_t fallback_expiry = absl::ToUnixSeconds(absl::Now() + absl::Hours(24));
    std::string cursor = "0";
    do {
      auto page = loader_.Command({"SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000"});
      if (!page.ok()) return page.status();
      if (page->size() != 2) return absl::UnavailableError("unexpected reply to SCAN");
      cursor = std::string(page->element(0).str());
      RedisReply keys = page->element(1);
      if (keys.size() == 0) continue;
      std::vector<std::string> mget = {"MGET"};
      for (std::size_t i = 0; i < keys.size(); ++i) mget.emplace_back(keys.element(i).str());
      auto values = loader_.Command(mget);
      if (!values.ok()) return values.status();
      for (std::size_t i = 0; i < keys.size() && i < values->size(); ++i) {
        if (values->element(i).is_nil()) continue;  // expired since SCAN saw it
        int64_t expires = 0;
        // A value that is not an expiry (an older writer stored "1") is kept for a day.
        if (!absl::SimpleAtoi(values->element(i).str(), &expires) || expires < 1'000'000'000) {
          expires = fallback_expiry;
        }
        Add(keys.element(i).str().substr(prefix.size()), expires);
      }
    } while (cursor != "0");
    SetInSync(true);
    return absl::OkStatus();
  }

  RedisClient loader_;
  RedisSubscriber subscriber_;
  mutable std::mutex mu_;
  bool in_sync_ = false;
  int64_t next_prune_unix_ = 0;
  absl::flat_hash_map<std::string, int64_t> revoked_;
};

Authenticator::Authenticator(TokenVerifier verifier, RedisClient* revocations,
                             absl::Duration retry_after)
    : verifier_(std::move(verifier)), revocations_(revocations), retry_after_(retry_after) {
  if (revocations_ != nullptr) list_ = std::make_unique<RevocationList>(revocations_->options());
}

Authenticator::~Authenticator() = default;

absl::StatusOr<Principal> Authenticator::Authenticate(const grpc::ServerContext& context) const {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return absl::UnauthenticatedError("missing bearer token");
  return AuthenticateBearer(absl::string_view(it->second.data(), it->second.size()));
}

absl::StatusOr<Principal> Authenticator::AuthenticateBearer(absl::string_view header) const {
  if (!absl::StartsWithIgnoreCase(header, "bearer ")) {
    return absl::UnauthenticatedError("authorization must be 'Bearer <token>'");
  }
  auto claims = verifier_.Verify(header.substr(7), absl::Now());
  if (!claims.ok()) return claims.status();
  if (revocations_ == nullptr) return Principal::FromClaims(*claims);
  if (std::optional<bool> known = list_->Contains(claims->jti())) {
    if (*known) return absl::UnauthenticatedError("token has been revoked");
    return Principal::FromClaims(*claims);
  }
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  if (now_ms >= skip_until_unix_ms_.load()) {
    auto revoked = revocations_->Command({"EXISTS", RevokedTokenKey(claims->jti())});
    if (!revoked.ok()) {
      skip_until_unix_ms_.store(now_ms + absl::ToInt64Milliseconds(retry_after_));
      log::Warning("token revocation checks paused: redis unavailable",
                   {{"error", revoked.status().message()}});
    } else if (revoked->integer() > 0) {
      return absl::UnauthenticatedError("token has been revoked");
    }
  }
  return Principal::FromClaims(*claims);
}

absl::Status Authenticator::Revoke(const std::string& token_id, absl::Time expires_at) const {
  if (revocations_ == nullptr) {
    return absl::UnavailableError("token revocation list not configured");
  }
  const int64_t expires = absl::ToUnixSeconds(expires_at);
  const int64_t ttl = std::max<int64_t>(1, expires - absl::ToUnixSeconds(absl::Now()) + 1);
  // Stored and published in one script: no replica can load the list between the two and miss
  // the revocation.
  auto done = revocations_->Command({"EVAL",
                                     "redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) "
                                     "return redis.call('PUBLISH', ARGV[3], ARGV[4])",
                                     "1", RevokedTokenKey(token_id), absl::StrCat(expires),
                                     absl::StrCat(ttl), kRevocationsChannel,
                                     absl::StrCat(token_id, " ", expires)});
  if (!done.ok()) return absl::UnavailableError(done.status().message());
  list_->Add(token_id, expires);
  return absl::OkStatus();
}

bool Authenticator::revocations_in_sync() const { return list_ != nullptr && list_->in_sync(); }

}  // namespace xuncha
