// Forwards transcoded requests to the backend services over gRPC, without generated stubs: one
// long-lived channel per backend and the callback API, so no gateway thread waits on a call.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace xuncha::gateway {

struct Route;

class Forwarder {
 public:
  // `addresses`: backend name ("directory") → "host:port". Channels connect lazily.
  // `channels_per_backend` long-lived channels to each backend, used in turn.
  explicit Forwarder(std::map<std::string, std::string> addresses, int channels_per_backend = 1);
  ~Forwarder();
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;

  bool HasBackend(const std::string& backend) const;
  std::vector<std::string> ConfiguredBackends() const;

  // Called once, on a gRPC thread: must not block.
  using Done = std::function<void(absl::Status status, std::string response)>;

  // Unary call of `route`'s RPC with a serialized request. `metadata` keys are lower-case.
  // Fails fast (UNAVAILABLE) when the backend cannot be reached rather than waiting for it.
  void Call(const Route& route, std::string request,
            std::vector<std::pair<std::string, std::string>> metadata, absl::Time deadline,
            Done done);

  // Client-streaming call of `route`'s RPC (upload routes). `source` is asked for one message
  // at a time and answers through the callback it is given, on any thread: a serialized
  // message, or `end` true after the last one, or an error, which cancels the call and becomes
  // the call's result. The next message is asked for only after the previous one is sent, so a
  // slow backend slows the source down instead of buffering.
  using Deliver = std::function<void(absl::Status status, std::string message, bool end)>;
  using Source = std::function<void(Deliver deliver)>;
  void CallClientStream(const Route& route,
                        std::vector<std::pair<std::string, std::string>> metadata,
                        absl::Time deadline, Source source, Done done);

  // Standard gRPC health check of every configured backend; `done` gets one status per backend
  // (OK when SERVING), called once on some gRPC thread.
  using HealthDone = std::function<void(std::vector<std::pair<std::string, absl::Status>>)>;
  void CheckHealth(absl::Duration timeout, HealthDone done);

 private:
  struct Backend;
  void CallMethod(Backend& backend, const std::string& method, std::string request,
                  std::vector<std::pair<std::string, std::string>> metadata, absl::Time deadline,
                  Done done);
  std::map<std::string, std::unique_ptr<Backend>> backends_;
};

}  // namespace xuncha::gateway
