// xuncha-clues: problem clues, referral to receiving bodies, acknowledgement, disposal, backlog.
#include "src/app.h"
#include "src/grpc_service.h"
#include "xuncha/engagements.h"
#include "xuncha/service_main.h"
#include "xuncha/status.h"

namespace xuncha {
extern const EmbeddedFileList clues_migrations;
}  // namespace xuncha

namespace {

absl::Status Run(const xuncha::Config& config) {
  using namespace xuncha;
  using namespace xuncha::clues;
  ASSIGN_OR_RETURN(ServiceBase base, OpenServiceBase(config, "clues", clues_migrations));
  if (base.migrate_only) return absl::OkStatus();
  // Without Redis there is no engagement replica to authorise against and no clue suggestions:
  // refuse to start rather than serve with an empty replica.
  if (base.redis == nullptr) return absl::InvalidArgumentError("redis: must be set");
  ASSIGN_OR_RETURN(TokenVerifier verifier, TokenVerifierFromConfig(config));

  CluesApp app(*base.pool, base.relay.get());
  std::unique_ptr<EventConsumer> consumer = MakeConsumer(
      config, base, "clues", {"issues", "planning"},
      [&app](pqxx::work& tx, const ConsumedEvent& e) { return app.HandleEvent(tx, e); });
  Authenticator auth(std::move(verifier), base.redis.get());
  CluesGrpcService service(app, auth);
  ASSIGN_OR_RETURN(ServerOptions options,
                   ServerOptionsFromConfig(config, "127.0.0.1:7106", *base.pool));
  GrpcServer server(options, {&service});
  ASSIGN_OR_RETURN(absl::Duration scan_interval,
                   config.GetDuration("reminder_scan_interval", absl::Minutes(10)));
  PeriodicTask reminders("clue reminder scan", scan_interval,
                         [&app] { return app.ScanReminders(TodayInChina()); });
  return ServeUntilSignal(server, base.relay.get(), {consumer.get()}, {&reminders});
}

}  // namespace

int main(int argc, char** argv) { return xuncha::RunServiceMain(argc, argv, "clues", Run); }
