// xuncha-webhooks: webhook subscriptions of API clients, fed from every service's events, and
// the worker that delivers them signed, with retries.
#include "src/app.h"
#include "src/grpc_service.h"
#include "src/http_sender.h"
#include "xuncha/service_main.h"
#include "xuncha/status.h"

namespace xuncha {
extern const EmbeddedFileList webhooks_migrations;
}  // namespace xuncha

namespace {

absl::Status Run(const xuncha::Config& config) {
  using namespace xuncha;
  using namespace xuncha::webhooks;
  ASSIGN_OR_RETURN(ServiceBase base, OpenServiceBase(config, "webhooks", webhooks_migrations));
  if (base.migrate_only) return absl::OkStatus();
  // Everything a webhook sends arrives as an event: without Redis there is nothing to deliver.
  if (base.redis == nullptr) return absl::InvalidArgumentError("redis: must be set");
  ASSIGN_OR_RETURN(TokenVerifier verifier, TokenVerifierFromConfig(config));

  WebhookSettings settings;
  ASSIGN_OR_RETURN(settings.retry.window,
                   config.GetDuration("webhook_retry_window", absl::Hours(24)));
  ASSIGN_OR_RETURN(settings.retry.base,
                   config.GetDuration("webhook_backoff_base", absl::Seconds(10)));
  ASSIGN_OR_RETURN(settings.retry.max, config.GetDuration("webhook_backoff_max", absl::Hours(1)));
  ASSIGN_OR_RETURN(settings.retry.disable_after, config.GetInt("webhook_disable_after", 5));
  ASSIGN_OR_RETURN(settings.timeout, config.GetDuration("webhook_timeout", absl::Seconds(10)));
  ASSIGN_OR_RETURN(settings.batch, config.GetInt("webhook_batch", 20));
  ASSIGN_OR_RETURN(settings.lease_margin,
                   config.GetDuration("webhook_lease_margin", absl::Seconds(30)));
  ASSIGN_OR_RETURN(absl::Duration poll,
                   config.GetDuration("webhook_poll_interval", absl::Seconds(1)));
  if (settings.retry.disable_after < 1)
    return absl::InvalidArgumentError("webhook_disable_after: must be at least 1");
  if (settings.batch < 1) return absl::InvalidArgumentError("webhook_batch: must be at least 1");

  WebhooksApp app(*base.pool, base.relay.get(), settings);
  std::unique_ptr<EventConsumer> consumer = MakeConsumer(
      config, base, "webhooks", SourceServices(),
      [&app](pqxx::work& tx, const ConsumedEvent& event) { return app.HandleEvent(tx, event); });
  Authenticator auth(std::move(verifier), base.redis.get());
  WebhooksGrpcService service(app, auth);
  ASSIGN_OR_RETURN(ServerOptions options,
                   ServerOptionsFromConfig(config, "127.0.0.1:7107", *base.pool));
  GrpcServer server(options, {&service});
  // Blocking HTTP happens here, on the worker's own thread, never in a gRPC handler.
  CurlSender sender;
  PeriodicTask worker("webhook delivery", poll, [&app, &sender] { return app.DeliverDue(sender); });
  return ServeUntilSignal(server, base.relay.get(), {consumer.get()}, {&worker});
}

}  // namespace

int main(int argc, char** argv) { return xuncha::RunServiceMain(argc, argv, "webhooks", Run); }
