#include "rate_limiter.h"

#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "metrics.h"
#include "worker_pool.h"
#include "xuncha/log.h"
#include "xuncha/redis.h"

namespace xuncha::gateway {
namespace {

// KEYS: bucket keys. ARGV: rate (tokens/s) and burst per key, in key order.
// Returns {1, 0} when a token was taken from every bucket, else {0, retry_after_ms} and takes
// nothing (a refused request must not drain the other bucket). Redis's clock is used so that
// replicas with skewed clocks agree.
constexpr char kScript[] = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local levels = {}
local wait = 0
for i = 1, #KEYS do
  local rate = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local state = redis.call('HMGET', KEYS[i], 'tokens', 'ts')
  local tokens = tonumber(state[1])
  local ts = tonumber(state[2])
  if tokens == nil or ts == nil then
    tokens = burst
    ts = now
  end
  tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
  levels[i] = tokens
  if tokens < 1 then
    local need = math.ceil((1 - tokens) * 1000 / rate)
    if need > wait then wait = need end
  end
end
for i = 1, #KEYS do
  local rate = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local tokens = levels[i]
  if wait == 0 then tokens = tokens - 1 end
  redis.call('HSET', KEYS[i], 'tokens', tostring(tokens), 'ts', tostring(now))
  redis.call('PEXPIRE', KEYS[i], math.ceil(burst * 1000 / rate) + 1000)
end
if wait == 0 then return {1, 0} end
return {0, wait}
)lua";

int64_t NowNanos() { return absl::ToUnixNanos(absl::Now()); }

}  // namespace

const char* RateLimiter::Script() { return kScript; }

RateLimiter::RateLimiter(RateLimiterOptions options, RedisClient* redis, WorkerPool* pool,
                         Metrics* metrics)
    : options_(std::move(options)), redis_(redis), pool_(pool), metrics_(metrics) {}

bool RateLimiter::enabled() const {
  return redis_ != nullptr && pool_ != nullptr &&
         (options_.per_address.per_second > 0 || options_.per_principal.per_second > 0);
}

void RateLimiter::Check(const std::string& client_address, const std::string& principal,
                        std::function<void(RateDecision)> done) {
  if (!enabled() || NowNanos() < skip_redis_until_ns_.load(std::memory_order_relaxed)) {
    done(RateDecision{});
    return;
  }
  auto shared_done = std::make_shared<std::function<void(RateDecision)>>(std::move(done));
  bool queued = pool_->TrySubmit([this, client_address, principal, shared_done] {
    (*shared_done)(CheckBlocking(client_address, principal));
  });
  if (!queued) {
    // Saturated: limiting is best effort, serving is not.
    if (metrics_ != nullptr) metrics_->Increment("rate_limit_skipped");
    (*shared_done)(RateDecision{});
  }
}

RateDecision RateLimiter::CheckBlocking(const std::string& client_address,
                                        const std::string& principal) {
  std::vector<std::string> keys;
  std::vector<std::string> limits;
  auto add = [&](const RateLimit& limit, std::string key) {
    if (limit.per_second <= 0) return;
    keys.push_back(std::move(key));
    limits.push_back(absl::StrCat(limit.per_second));
    limits.push_back(absl::StrCat(std::max(1.0, limit.burst)));
  };
  add(options_.per_address, absl::StrCat(options_.key_prefix, "addr:", client_address));
  if (!principal.empty()) {
    add(options_.per_principal, absl::StrCat(options_.key_prefix, "sub:", principal));
  }
  if (keys.empty()) return {};
  std::vector<std::string> args = {"EVAL", kScript, absl::StrCat(keys.size())};
  args.insert(args.end(), keys.begin(), keys.end());
  args.insert(args.end(), limits.begin(), limits.end());
  auto reply = redis_->Command(args);
  if (!reply.ok() || reply->type() != RedisReply::Type::kArray || reply->size() != 2) {
    // Only the first failure of a streak is logged; the back-off keeps the log quiet.
    skip_redis_until_ns_.store(NowNanos() + absl::ToInt64Nanoseconds(options_.redis_retry_after),
                               std::memory_order_relaxed);
    if (metrics_ != nullptr) metrics_->Increment("rate_limit_redis_errors");
    log::Warning(
        "rate limiter: redis unavailable, allowing requests",
        {{"error", reply.ok() ? absl::string_view("unexpected reply") : reply.status().message()}});
    return {};
  }
  if (reply->element(0).integer() == 1) return {};
  return RateDecision{false, absl::Milliseconds(reply->element(1).integer())};
}

}  // namespace xuncha::gateway
