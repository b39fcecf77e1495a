#include "rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "metrics.h"
#include "worker_pool.h"
#include "xuncha/log.h"
#include "xuncha/redis.h"

namespace xuncha::gateway {
namespace {

// KEYS: bucket keys. ARGV[1]: tokens wanted (the lease); then rate (tokens/s) and burst per key,
// in key order. Takes the same number of tokens from every bucket: as many as wanted and every
// bucket holds (whole tokens), and returns {granted, 0}; when some bucket holds less than one,
// takes nothing (a refused request must not drain the other bucket) and returns
// {0, retry_after_ms}. Redis's clock is used so that replicas with skewed clocks agree.
constexpr char kScript[] = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local grant = tonumber(ARGV[1])
local levels = {}
local wait = 0
for i = 1, #KEYS do
  local rate = tonumber(ARGV[2 * i])
  local burst = tonumber(ARGV[2 * i + 1])
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
  else
    grant = math.min(grant, math.floor(tokens))
  end
end
if wait > 0 then grant = 0 end
for i = 1, #KEYS do
  local rate = tonumber(ARGV[2 * i])
  local burst = tonumber(ARGV[2 * i + 1])
  redis.call('HSET', KEYS[i], 'tokens', tostring(levels[i] - grant), 'ts', tostring(now))
  redis.call('PEXPIRE', KEYS[i], math.ceil(burst * 1000 / rate) + 1000)
end
return {grant, wait}
)lua";

int64_t NowNanos() { return absl::ToUnixNanos(absl::Now()); }

}  // namespace

const char* RateLimiter::Script() { return kScript; }

RateLimiter::RateLimiter(RateLimiterOptions options, RedisClient* redis, WorkerPool* pool,
                         Metrics* metrics)
    : options_(std::move(options)), redis_(redis), pool_(pool), metrics_(metrics) {
  if (options_.lease_max > 0) {
    lease_max_ = std::min(options_.lease_max, 1000);
  } else {
    double smallest = 1e9;
    for (const RateLimit* limit : {&options_.per_address, &options_.per_principal}) {
      if (limit->per_second > 0) {
        smallest = std::min({smallest, limit->per_second, std::max(1.0, limit->burst)});
      }
    }
    lease_max_ = static_cast<int>(std::clamp(std::floor(smallest / 10), 1.0, 1000.0));
  }
}

bool RateLimiter::enabled() const {
  return redis_ != nullptr && pool_ != nullptr &&
         (options_.per_address.per_second > 0 || options_.per_principal.per_second > 0);
}

bool RateLimiter::SpendLease(const std::string& key, int64_t now_ns) {
  std::lock_guard lock(mu_);
  auto it = leases_.find(key);
  if (it == leases_.end() || it->second.remaining <= 0 || it->second.expires_ns <= now_ns) {
    return false;
  }
  --it->second.remaining;
  return true;
}

void RateLimiter::StoreLease(const std::string& key, int tokens, int64_t now_ns) {
  std::lock_guard lock(mu_);
  // Leases of clients that went quiet are swept now and then, not kept forever.
  if (now_ns >= next_sweep_ns_) {
    absl::erase_if(leases_, [now_ns](const auto& e) { return e.second.expires_ns <= now_ns; });
    next_sweep_ns_ = now_ns + absl::ToInt64Nanoseconds(options_.lease_ttl) * 10;
  }
  Lease& lease = leases_[key];
  // Concurrent misses of one client each bring a lease: add them up rather than lose one.
  if (lease.expires_ns <= now_ns) lease.remaining = 0;
  lease.remaining += tokens;
  lease.expires_ns = now_ns + absl::ToInt64Nanoseconds(options_.lease_ttl);
}

void RateLimiter::Check(const std::string& client_address, const std::string& principal,
                        std::function<void(RateDecision)> done) {
  const int64_t now = NowNanos();
  if (!enabled() || now < skip_redis_until_ns_.load(std::memory_order_relaxed)) {
    done(RateDecision{});
    return;
  }
  std::string key = absl::StrCat(client_address, "\x1f", principal);
  if (SpendLease(key, now)) {
    done(RateDecision{});
    return;
  }
  auto shared_done = std::make_shared<std::function<void(RateDecision)>>(std::move(done));
  bool queued = pool_->TrySubmit([this, client_address, principal, key, shared_done] {
    int granted = 0;
    RateDecision decision = CheckBlocking(client_address, principal, &granted);
    if (granted > 1) StoreLease(key, granted - 1, NowNanos());  // one is this request's
    (*shared_done)(decision);
  });
  if (!queued) {
    // Saturated: limiting is best effort, serving is not.
    if (metrics_ != nullptr) metrics_->Increment("rate_limit_skipped");
    (*shared_done)(RateDecision{});
  }
}

absl::StatusOr<RedisReply> RateLimiter::RunScript(const std::vector<std::string>& keys_and_args) {
  // EVALSHA: the script is sent once (SCRIPT LOAD), not with every call; after a Redis restart
  // or SCRIPT FLUSH the server answers NOSCRIPT and it is loaded again.
  std::string sha;
  {
    std::lock_guard lock(mu_);
    sha = script_sha_;
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (sha.empty()) {
      auto loaded = redis_->Command({"SCRIPT", "LOAD", kScript});
      if (!loaded.ok()) return loaded.status();
      sha = std::string(loaded->str());
      std::lock_guard lock(mu_);
      script_sha_ = sha;
    }
    std::vector<std::string> args = {"EVALSHA", sha};
    args.insert(args.end(), keys_and_args.begin(), keys_and_args.end());
    auto reply = redis_->Command(args);
    if (reply.ok() || !absl::StrContains(reply.status().message(), "NOSCRIPT")) return reply;
    sha.clear();
  }
  return absl::UnavailableError("redis: rate limit script could not be loaded");
}

RateDecision RateLimiter::CheckBlocking(const std::string& client_address,
                                        const std::string& principal, int* granted) {
  *granted = 0;
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
  std::vector<std::string> args = {absl::StrCat(keys.size())};
  args.insert(args.end(), keys.begin(), keys.end());
  args.push_back(absl::StrCat(lease_max_));
  args.insert(args.end(), limits.begin(), limits.end());
  auto reply = RunScript(args);
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
  *granted = static_cast<int>(reply->element(0).integer());
  if (*granted > 0) return {};
  return RateDecision{false, absl::Milliseconds(reply->element(1).integer())};
}

}  // namespace xuncha::gateway
