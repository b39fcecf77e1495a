// Per-client-address and per-principal token buckets kept in Redis, so that every gateway
// replica shares them. One EVAL per request updates both buckets atomically.
//
// Redis calls block, so they run on a WorkerPool; the caller gets the decision through a
// callback. When Redis is down, slow, or the pool is saturated, requests are allowed (fail open):
// a cache outage must not become an API outage.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "absl/time/time.h"

namespace xuncha {
class RedisClient;
}

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

 private:
  RateDecision CheckBlocking(const std::string& client_address, const std::string& principal);
  RateLimiterOptions options_;
  RedisClient* redis_;
  WorkerPool* pool_;
  Metrics* metrics_;
  std::atomic<int64_t> skip_redis_until_ns_{0};
};

}  // namespace xuncha::gateway
