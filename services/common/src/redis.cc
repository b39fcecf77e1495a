#include "xuncha/redis.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/time.h>

#include <cerrno>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "xuncha/log.h"

namespace xuncha {

absl::StatusOr<RedisOptions> ParseRedisAddress(absl::string_view address) {
  RedisOptions options;
  if (address.empty()) return absl::InvalidArgumentError("redis address is empty");
  std::size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) {
    options.host = std::string(address);
    return options;
  }
  options.host = std::string(address.substr(0, colon));
  if (!absl::SimpleAtoi(address.substr(colon + 1), &options.port) || options.port <= 0 ||
      options.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("redis address '", address, "': port must be 1-65535"));
  }
  return options;
}

void RedisReply::Free::operator()(redisReply* r) const {
  if (r != nullptr) freeReplyObject(r);
}

RedisReply::RedisReply(redisReply* reply) : owner_(reply, Free()), reply_(reply) {}

RedisReply::RedisReply(const redisReply* view, std::shared_ptr<redisReply> owner)
    : owner_(std::move(owner)), reply_(view) {}

RedisReply::Type RedisReply::type() const {
  if (reply_ == nullptr) return Type::kNil;
  switch (reply_->type) {
    case REDIS_REPLY_STRING:
      return Type::kString;
    case REDIS_REPLY_ARRAY:
      return Type::kArray;
    case REDIS_REPLY_INTEGER:
      return Type::kInteger;
    case REDIS_REPLY_STATUS:
      return Type::kStatus;
    case REDIS_REPLY_ERROR:
      return Type::kError;
    default:
      return Type::kNil;
  }
}

absl::string_view RedisReply::str() const {
  if (reply_ == nullptr || reply_->str == nullptr) return {};
  return absl::string_view(reply_->str, reply_->len);
}

long long RedisReply::integer() const { return reply_ == nullptr ? 0 : reply_->integer; }

std::size_t RedisReply::size() const {
  return reply_ != nullptr && reply_->type == REDIS_REPLY_ARRAY ? reply_->elements : 0;
}

RedisReply RedisReply::element(std::size_t i) const {
  if (i >= size()) return RedisReply();
  return RedisReply(reply_->element[i], owner_);
}

void RedisClient::ContextFree::operator()(redisContext* c) const {
  if (c != nullptr) redisFree(c);
}

RedisClient::RedisClient(RedisOptions options) : options_(std::move(options)) {}
RedisClient::~RedisClient() = default;

absl::StatusOr<RedisClient::ContextPtr> RedisClient::Take() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      ContextPtr c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  ContextPtr c(redisConnectWithTimeout(options_.host.c_str(), options_.port,
                                       absl::ToTimeval(options_.timeout)));
  if (c == nullptr) return absl::UnavailableError("redis: cannot allocate context");
  if (c->err != 0) {
    return absl::UnavailableError(
        absl::StrCat("redis ", options_.host, ":", options_.port, " unreachable: ", c->errstr));
  }
  redisSetTimeout(c.get(), absl::ToTimeval(options_.timeout));
  return c;
}

void RedisClient::Give(ContextPtr context) {
  std::lock_guard lock(mu_);
  if (static_cast<int>(idle_.size()) < options_.pool_size) idle_.push_back(std::move(context));
}

absl::StatusOr<RedisReply> RedisClient::Command(const std::vector<std::string>& args,
                                                absl::Duration timeout) {
  auto context = Take();
  if (!context.ok()) return context.status();
  ContextPtr c = std::move(context).value();
  if (timeout > absl::ZeroDuration()) redisSetTimeout(c.get(), absl::ToTimeval(timeout));
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* raw = static_cast<redisReply*>(
      redisCommandArgv(c.get(), static_cast<int>(args.size()), argv.data(), lens.data()));
  if (raw == nullptr || c->err != 0) {
    // A context that saw an error may hold a half-read reply: never reuse it.
    std::string err = c->errstr[0] != '\0' ? c->errstr : "no reply";
    if (raw != nullptr) freeReplyObject(raw);
    return absl::UnavailableError(absl::StrCat("redis: ", err));
  }
  RedisReply reply(raw);
  if (timeout > absl::ZeroDuration()) redisSetTimeout(c.get(), absl::ToTimeval(options_.timeout));
  Give(std::move(c));
  if (reply.type() == RedisReply::Type::kError) {
    return absl::FailedPreconditionError(absl::StrCat("redis: ", reply.str()));
  }
  return reply;
}

RedisSubscriber::RedisSubscriber(RedisOptions options, std::string channel,
                                 std::function<void(absl::string_view)> on_message,
                                 std::function<absl::Status()> on_subscribed,
                                 std::function<void()> on_lost, absl::Duration retry_after)
    : options_(std::move(options)),
      channel_(std::move(channel)),
      on_message_(std::move(on_message)),
      on_subscribed_(std::move(on_subscribed)),
      on_lost_(std::move(on_lost)),
      retry_after_(retry_after) {}

RedisSubscriber::~RedisSubscriber() { Stop(); }

void RedisSubscriber::Start() {
  thread_.Start([this] { Loop(); });
}

void RedisSubscriber::Stop() { thread_.Stop(); }

void RedisSubscriber::Loop() {
  while (!thread_.stopping()) {
    std::unique_ptr<redisContext, void (*)(redisContext*)> c(
        redisConnectWithTimeout(options_.host.c_str(), options_.port,
                                absl::ToTimeval(options_.timeout)),
        [](redisContext* ctx) {
          if (ctx != nullptr) redisFree(ctx);
        });
    absl::Status status;
    if (c == nullptr || c->err != 0) {
      status = absl::UnavailableError(c == nullptr ? "cannot allocate context" : c->errstr);
    } else {
      redisSetTimeout(c.get(), absl::ToTimeval(options_.timeout));
      status = Listen(c.get());
    }
    if (thread_.stopping()) break;
    log::Warning("redis subscription lost; retrying",
                 {{"channel", channel_}, {"error", status.message()}});
    if (!thread_.Wait(retry_after_)) break;
  }
}

absl::Status RedisSubscriber::Listen(redisContext* c) {
  RedisReply subscribed(
      static_cast<redisReply*>(redisCommand(c, "SUBSCRIBE %b", channel_.data(), channel_.size())));
  if (c->err != 0) return absl::UnavailableError(c->errstr);
  if (subscribed.type() != RedisReply::Type::kArray || subscribed.element(0).str() != "subscribe") {
    return absl::UnavailableError("unexpected reply to SUBSCRIBE");
  }
  absl::Status status = on_subscribed_();
  if (status.ok()) {
    while (!thread_.stopping()) {
      // Replies already read into the buffer first: poll() would not report them.
      void* raw = nullptr;
      if (redisGetReplyFromReader(c, &raw) != REDIS_OK) {
        status = absl::UnavailableError(c->errstr);
        break;
      }
      if (raw != nullptr) {
        RedisReply message(static_cast<redisReply*>(raw));
        if (message.type() == RedisReply::Type::kArray && message.size() == 3 &&
            message.element(0).str() == "message") {
          on_message_(message.element(2).str());
        }
        continue;
      }
      // Wakes every 200 ms to notice Stop().
      pollfd p{c->fd, POLLIN, 0};
      const int n = poll(&p, 1, 200);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        status = absl::UnavailableError(absl::StrCat("poll: errno ", errno));
        break;
      }
      if (n > 0 && redisBufferRead(c) != REDIS_OK) {
        status = absl::UnavailableError(c->errstr[0] != '\0' ? c->errstr : "connection closed");
        break;
      }
    }
  }
  on_lost_();
  return status;
}

}  // namespace xuncha
