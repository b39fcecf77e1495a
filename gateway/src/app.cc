#include "app.h"

#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "forwarder.h"
#include "gateway.h"
#include "http_server.h"
#include "metrics.h"
#include "rate_limiter.h"
#include "route_table.h"
#include "static_files.h"
#include "worker_pool.h"
#include "xuncha/auth.h"
#include "xuncha/config.h"
#include "xuncha/log.h"
#include "xuncha/redis.h"
#include "xuncha/status.h"

namespace xuncha::gateway {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream content;
  content << in.rdbuf();
  return std::move(content).str();
}

absl::StatusOr<double> GetDouble(const Config& config, absl::string_view key, double fallback) {
  if (!config.Has(key)) return fallback;
  double value = 0;
  if (!absl::SimpleAtod(config.Get(key), &value)) {
    return absl::InvalidArgumentError(absl::StrCat(key, " must be a number"));
  }
  return value;
}

}  // namespace

struct GatewayApp::Parts {
  RouteTable routes;
  Metrics metrics;
  std::unique_ptr<Forwarder> forwarder;
  std::optional<TokenVerifier> verifier;
  std::unique_ptr<RedisClient> redis;
  std::unique_ptr<RedisClient> lag_redis;  // its own connection: scrapes never wait on limits
  std::unique_ptr<EventLagCollector> event_lag;
  std::unique_ptr<WorkerPool> pool;
  std::unique_ptr<RateLimiter> rate_limiter;
  std::optional<StaticFiles> static_files;
  std::unique_ptr<Gateway> gateway;
  std::unique_ptr<HttpServer> server;
};

GatewayApp::GatewayApp(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

GatewayApp::~GatewayApp() { Stop(); }

absl::StatusOr<std::unique_ptr<GatewayApp>> GatewayApp::Create(const Config& config) {
  auto parts = std::make_unique<Parts>();
  ASSIGN_OR_RETURN(parts->routes, RouteTable::FromGeneratedPool());

  // One address per backend package: directory_addr / XUNCHA_DIRECTORY_ADDR, and so on.
  std::map<std::string, std::string> addresses;
  for (const auto& backend : parts->routes.Backends()) {
    std::string address = config.Get(absl::StrCat(backend, "_addr"));
    if (address.empty()) {
      log::Warning("backend not configured; its routes answer 503", {{"backend", backend}});
      continue;
    }
    addresses[backend] = address;
  }
  ASSIGN_OR_RETURN(int channels, config.GetInt("backend_channels", 4));
  parts->forwarder = std::make_unique<Forwarder>(std::move(addresses), channels);

  if (config.Has("token_public_key_file")) {
    ASSIGN_OR_RETURN(std::string pem, ReadFile(config.Get("token_public_key_file")));
    ASSIGN_OR_RETURN(auto verifier,
                     TokenVerifier::FromPublicPem(pem, config.Get("token_issuer", "xuncha")));
    parts->verifier.emplace(std::move(verifier));
  } else {
    log::Warning("token_public_key_file not set: every non-public route answers 401");
  }

  ASSIGN_OR_RETURN(int workers, config.GetInt("blocking_threads", 4));
  parts->pool = std::make_unique<WorkerPool>(workers, 10000);

  RateLimiterOptions limits;
  ASSIGN_OR_RETURN(limits.per_address.per_second, GetDouble(config, "rate_limit_address_rps", 100));
  ASSIGN_OR_RETURN(limits.per_address.burst, GetDouble(config, "rate_limit_address_burst", 200));
  ASSIGN_OR_RETURN(limits.per_principal.per_second,
                   GetDouble(config, "rate_limit_principal_rps", 50));
  ASSIGN_OR_RETURN(limits.per_principal.burst,
                   GetDouble(config, "rate_limit_principal_burst", 100));
  ASSIGN_OR_RETURN(limits.redis_retry_after,
                   config.GetDuration("rate_limit_redis_retry", absl::Seconds(5)));
  limits.key_prefix = config.Get("rate_limit_key_prefix", limits.key_prefix);
  ASSIGN_OR_RETURN(limits.lease_max, config.GetInt("rate_limit_lease_max", 0));
  ASSIGN_OR_RETURN(limits.lease_ttl, config.GetDuration("rate_limit_lease_ttl", absl::Seconds(1)));
  if (config.Has("redis")) {
    ASSIGN_OR_RETURN(RedisOptions redis_options, ParseRedisAddress(config.Get("redis")));
    // A slow Redis delays requests by at most this much before failing open.
    ASSIGN_OR_RETURN(redis_options.timeout,
                     config.GetDuration("rate_limit_redis_timeout", absl::Milliseconds(100)));
    redis_options.pool_size = workers;
    parts->redis = std::make_unique<RedisClient>(redis_options);
    // Consumer backlog of every backend's event stream, read when /metrics is scraped.
    ASSIGN_OR_RETURN(RedisOptions lag_options, ParseRedisAddress(config.Get("redis")));
    ASSIGN_OR_RETURN(lag_options.timeout,
                     config.GetDuration("event_lag_timeout", absl::Milliseconds(200)));
    lag_options.pool_size = 1;
    parts->lag_redis = std::make_unique<RedisClient>(lag_options);
    std::vector<std::string> streams;
    for (const auto& backend : parts->routes.Backends()) {
      streams.push_back(
          absl::StrCat(config.Get("event_stream_prefix", "xuncha:events"), ":", backend));
    }
    parts->event_lag = std::make_unique<EventLagCollector>(parts->lag_redis.get(),
                                                           std::move(streams), lag_options.timeout);
    parts->metrics.AddSource([lag = parts->event_lag.get()] { return lag->Render(); });
  } else {
    log::Warning("redis not set: rate limiting is off");
  }
  parts->rate_limiter =
      std::make_unique<RateLimiter>(limits, parts->redis.get(), parts->pool.get(), &parts->metrics);

  if (config.Has("static_dir")) {
    ASSIGN_OR_RETURN(auto files, StaticFiles::Open(config.Get("static_dir")));
    parts->static_files.emplace(std::move(files));
  }
  GatewayOptions gateway_options;
  ASSIGN_OR_RETURN(gateway_options.default_deadline,
                   config.GetDuration("default_deadline", absl::Seconds(15)));
  ASSIGN_OR_RETURN(gateway_options.max_deadline,
                   config.GetDuration("max_deadline", absl::Seconds(60)));
  ASSIGN_OR_RETURN(gateway_options.trust_forwarded_for,
                   config.GetBool("trust_forwarded_for", false));
  ASSIGN_OR_RETURN(int upload_max, config.GetInt("upload_max_bytes", 64 << 20));
  if (upload_max <= 0) return absl::InvalidArgumentError("upload_max_bytes must be positive");
  gateway_options.upload_max_bytes = static_cast<std::size_t>(upload_max);
  GatewayParts gateway_parts;
  gateway_parts.routes = &parts->routes;
  gateway_parts.forwarder = parts->forwarder.get();
  gateway_parts.verifier = parts->verifier ? &*parts->verifier : nullptr;
  gateway_parts.rate_limiter = parts->rate_limiter.get();
  gateway_parts.metrics = &parts->metrics;
  gateway_parts.static_files = parts->static_files ? &*parts->static_files : nullptr;
  gateway_parts.blocking_pool = parts->pool.get();
  parts->gateway = std::make_unique<Gateway>(gateway_options, gateway_parts);

  HttpServerOptions server_options;
  server_options.listen = config.Get("http_listen", "0.0.0.0:8080");
  server_options.tls_cert_file = config.Get("tls_cert_file");
  server_options.tls_key_file = config.Get("tls_key_file");
  ASSIGN_OR_RETURN(server_options.io_threads, config.GetInt("io_threads", 2));
  ASSIGN_OR_RETURN(int max_body, config.GetInt("max_body_bytes", 4 << 20));
  ASSIGN_OR_RETURN(int max_header, config.GetInt("max_header_bytes", 16 << 10));
  server_options.max_body_bytes = static_cast<std::size_t>(std::max(0, max_body));
  server_options.max_header_bytes = static_cast<std::size_t>(std::max(1024, max_header));
  ASSIGN_OR_RETURN(server_options.request_timeout,
                   config.GetDuration("request_timeout", absl::Seconds(30)));
  ASSIGN_OR_RETURN(server_options.write_timeout,
                   config.GetDuration("write_timeout", absl::Seconds(30)));
  ASSIGN_OR_RETURN(server_options.max_connections, config.GetInt("max_connections", 10000));
  server_options.streamed_body_limit = [gateway = parts->gateway.get()](absl::string_view method,
                                                                        absl::string_view target) {
    return gateway->StreamedBodyLimit(method, target);
  };
  parts->server =
      std::make_unique<HttpServer>(server_options, parts->gateway->AsHandler(), &parts->metrics);
  log::Info("gateway configured", {{"routes", absl::StrCat(parts->routes.routes().size())},
                                   {"listen", server_options.listen}});
  return std::unique_ptr<GatewayApp>(new GatewayApp(std::move(parts)));
}

absl::Status GatewayApp::Start() { return parts_->server->Start(); }

int GatewayApp::port() const { return parts_->server->port(); }

void GatewayApp::Stop() {
  if (parts_ && parts_->server) parts_->server->Stop();
}

}  // namespace xuncha::gateway
