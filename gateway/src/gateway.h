// The gateway's request pipeline, independent of the HTTP server: built-in endpoints, routing,
// authentication, rate limiting, transcoding, forwarding, error mapping, access log and metrics.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "http_types.h"

namespace xuncha {
class TokenVerifier;
}

namespace xuncha::gateway {

class Forwarder;
class Metrics;
class RateLimiter;
class RouteTable;
class StaticFiles;
class WorkerPool;

struct GatewayOptions {
  absl::Duration default_deadline = absl::Seconds(15);
  absl::Duration max_deadline = absl::Seconds(60);
  absl::Duration readiness_timeout = absl::Seconds(2);
  // Only behind a trusted proxy: take the client address from X-Forwarded-For.
  bool trust_forwarded_for = false;
  // Body limit of upload routes (streamed, never held whole); JSON bodies have the server's
  // max_body_bytes.
  std::size_t upload_max_bytes = 64 << 20;
};

// Everything the pipeline uses; owned elsewhere (main, tests) and must outlive the Gateway.
struct GatewayParts {
  const RouteTable* routes = nullptr;
  Forwarder* forwarder = nullptr;
  const TokenVerifier* verifier = nullptr;  // null: every non-public route answers 401
  RateLimiter* rate_limiter = nullptr;      // null: no limits
  Metrics* metrics = nullptr;
  const StaticFiles* static_files = nullptr;  // null: no console files
  WorkerPool* blocking_pool = nullptr;        // for static file reads
};

class Gateway {
 public:
  Gateway(GatewayOptions options, GatewayParts parts);
  ~Gateway();

  // Never blocks on I/O; `respond` is called exactly once, possibly on another thread.
  void Handle(HttpRequest request, Respond respond);

  // Adapter for HttpServer.
  HttpHandler AsHandler();

  // For HttpServerOptions::streamed_body_limit: upload_max_bytes for requests to upload
  // routes, whose bodies are streamed to the backend; 0 for everything else.
  std::size_t StreamedBodyLimit(absl::string_view method, absl::string_view target) const;

 private:
  struct Call;
  void HandleApi(std::shared_ptr<Call> call);
  void Forward(std::shared_ptr<Call> call);
  void ForwardUpload(std::shared_ptr<Call> call);
  absl::Time Deadline(const Call& call) const;
  void Readiness(std::shared_ptr<Call> call);
  void ServeStatic(std::shared_ptr<Call> call);

  GatewayOptions options_;
  GatewayParts parts_;
  std::string openapi_;
};

// Parses a gRPC-style timeout header value ("5S", "250m", "1H"); nullopt when malformed.
std::optional<absl::Duration> ParseGrpcTimeout(absl::string_view value);

}  // namespace xuncha::gateway
