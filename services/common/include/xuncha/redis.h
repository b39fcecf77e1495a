// Redis over hiredis: a small pool of contexts, each discarded after any error, replies freed by
// RAII. Every call has a timeout; an unreachable Redis is UNAVAILABLE, never a hang.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "xuncha/background.h"

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

// Receives what is published on one channel, on a connection of its own (a subscribed
// connection can do nothing else), in a thread of its own, reconnecting after failures.
// Messages published while it is not subscribed are lost, so a consumer that mirrors state in
// memory reloads it in `on_subscribed` (called each time the subscription is in place, before
// any message published after that point is delivered) and stops trusting the mirror in
// `on_lost`. An error from `on_subscribed` drops the connection and retries after `retry_after`.
class RedisSubscriber {
 public:
  RedisSubscriber(RedisOptions options, std::string channel,
                  std::function<void(absl::string_view)> on_message,
                  std::function<absl::Status()> on_subscribed, std::function<void()> on_lost,
                  absl::Duration retry_after = absl::Seconds(1));
  ~RedisSubscriber();  // Stop()
  RedisSubscriber(const RedisSubscriber&) = delete;
  RedisSubscriber& operator=(const RedisSubscriber&) = delete;

  void Start();
  void Stop();

 private:
  void Loop();
  // Subscribes on `c` and delivers messages until an error or Stop().
  absl::Status Listen(redisContext* c);

  RedisOptions options_;
  std::string channel_;
  std::function<void(absl::string_view)> on_message_;
  std::function<absl::Status()> on_subscribed_;
  std::function<void()> on_lost_;
  absl::Duration retry_after_;
  BackgroundThread thread_;
};

}  // namespace xuncha
