// Per-client-address and per-principal token buckets kept in Redis, so that every gateway
// replica shares them. One script call takes tokens from both buckets atomically.
//
// Leases: a call takes up to `lease_max` tokens at once for one (address, principal) pair and
// the replica spends them locally for up to `lease_ttl`, so a busy client costs one Redis call
// per lease instead of one per request (the per-request call was a quarter of the gateway's
// throughput; tests/bench/RESULTS.md). Tokens are taken from the shared buckets before they are
// spent, so all replicas together never admit more than the limits; tokens a replica leased but
// did not spend in time are lost, so near the limit a client may see 429 slightly early.
// lease_max defaults to a tenth of the smaller bucket's rate or burst (1 for small limits: one
// call per request, exact as before).
//
// Redis calls block, so they run on a WorkerPool; the caller gets the decision through a
// callback. When Redis is down, slow, or the pool is saturated, requests are allowed (fail open):
// a cache outage must not become an API outage.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "xuncha/redis.h"

namespace xuncha::gateway {

class Metrics;
class WorkerPool;

struct RateLimit {
  double per_second = 0;  // <= 0 disables this bucket
  double burst = 0;
};

struct RateLimiterOptions {
  RateLimit per_address;
  RateLimit per_principal;
  // After a Redis failure, skip Redis (allow everything) for this long instead of paying its
  // timeout on every request.
  absl::Duration redis_retry_after = absl::Seconds(5);
  std::string key_prefix = "xuncha:gateway:rl:";
  int lease_max = 0;  // <= 0: derived from the limits (see above), at most 1000
  absl::Duration lease_ttl = absl::Seconds(1);
};

struct RateDecision {
  bool allowed = true;
  absl::Duration retry_after;  // when !allowed
};

class RateLimiter {
 public:
  // `redis` null disables limiting. All pointers must outlive the limiter.
  RateLimiter(RateLimiterOptions options, RedisClient* redis, WorkerPool* pool, Metrics* metrics);

  bool enabled() const;

  // `principal` may be empty (public routes). `done` runs exactly once, either inline or on a
  // pool thread.
  void Check(const std::string& client_address, const std::string& principal,
             std::function<void(RateDecision)> done);

  // The Lua script (exposed for tests that want to run it directly).
  static const char* Script();

  int lease_max() const { return lease_max_; }

 private:
  struct Lease {
    int remaining = 0;
    int64_t expires_ns = 0;
  };
  // Takes up to lease_max tokens from the buckets; how many were granted (0: refused).
  RateDecision CheckBlocking(const std::string& client_address, const std::string& principal,
                             int* granted);
  absl::StatusOr<RedisReply> RunScript(const std::vector<std::string>& keys_and_args);
  bool SpendLease(const std::string& key, int64_t now_ns);
  void StoreLease(const std::string& key, int tokens, int64_t now_ns);

  RateLimiterOptions options_;
  RedisClient* redis_;
  WorkerPool* pool_;
  Metrics* metrics_;
  int lease_max_ = 1;
  std::atomic<int64_t> skip_redis_until_ns_{0};
  std::mutex mu_;
  std::string script_sha_;  // after SCRIPT LOAD; "" until then
  absl::flat_hash_map<std::string, Lease> leases_;
  int64_t next_sweep_ns_ = 0;
};

}  // namespace xuncha::gateway
