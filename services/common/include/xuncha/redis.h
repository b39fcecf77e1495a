// Redis over hiredis: a small pool of contexts, each discarded after any error, replies freed by
// RAII. Every call has a timeout; an unreachable Redis is UNAVAILABLE, never a hang.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

struct redisContext;
struct redisReply;

namespace xuncha {

struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  int pool_size = 4;
  absl::Duration timeout = absl::Seconds(1);
};

// Parses "host:port" (a bare host means port 6379).
absl::StatusOr<RedisOptions> ParseRedisAddress(absl::string_view address);

// An owned reply tree; children are views into it.
class RedisReply {
 public:
  enum class Type { kString, kArray, kInteger, kNil, kStatus, kError };

  RedisReply() = default;
  explicit RedisReply(redisReply* reply);  // takes ownership

  Type type() const;
  absl::string_view str() const;
  long long integer() const;
  std::size_t size() const;                 // elements of an array
  RedisReply element(std::size_t i) const;  // non-owning view
  bool is_nil() const { return type() == Type::kNil; }

 private:
  struct Free {
    void operator()(redisReply* r) const;
  };
  RedisReply(const redisReply* view, std::shared_ptr<redisReply> owner);
  std::shared_ptr<redisReply> owner_;
  const redisReply* reply_ = nullptr;
};

class RedisClient {
 public:
  explicit RedisClient(RedisOptions options);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Runs one command. A Redis error reply is returned as a status (FAILED_PRECONDITION with the
  // server's text, e.g. "BUSYGROUP ..."); transport failures are UNAVAILABLE.
  absl::StatusOr<RedisReply> Command(const std::vector<std::string>& args,
                                     absl::Duration timeout = absl::ZeroDuration());

  const RedisOptions& options() const { return options_; }

 private:
  struct ContextFree {
    void operator()(redisContext* c) const;
  };
  using ContextPtr = std::unique_ptr<redisContext, ContextFree>;
  absl::StatusOr<ContextPtr> Take();
  void Give(ContextPtr context);

  RedisOptions options_;
  std::mutex mu_;
  std::vector<ContextPtr> idle_;
};

}  // namespace xuncha
