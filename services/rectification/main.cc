// xuncha-rectification: rectification cases and items, supervision, acceptance, statistics.
#include "src/app.h"
#include "src/grpc_service.h"
#include "xuncha/engagements.h"
#include "xuncha/service_main.h"
#include "xuncha/status.h"

namespace xuncha {
extern const EmbeddedFileList rectification_migrations;
extern const EmbeddedFileList rectification_calendar;
}  // namespace xuncha

namespace {

absl::Status Run(const xuncha::Config& config) {
  using namespace xuncha;
  using namespace xuncha::rectification;
  ASSIGN_OR_RETURN(ServiceBase base,
                   OpenServiceBase(config, "rectification", rectification_migrations));
  if (base.migrate_only) return absl::OkStatus();
  // Cases open from issues' feedback events: without Redis nothing would ever arrive.
  if (base.redis == nullptr) return absl::InvalidArgumentError("redis: must be set");
  ASSIGN_OR_RETURN(TokenVerifier verifier, TokenVerifierFromConfig(config));

  RectificationApp app(*base.pool, base.relay.get());
  // The working-day calendar is a local replica (the reminder scan has no caller token to ask
  // directory with): the shipped data file first, then directory's corrections from its stream.
  RETURN_IF_ERROR(app.SeedCalendar(rectification_calendar));
  // One consumer on four streams: issues' feedback opens cases, planning's snapshots keep the
  // engagement replica that access is decided on, directory's calendar years and fieldwork's
  // evidence links keep the calendar and evidence replicas.
  std::unique_ptr<EventConsumer> consumer = MakeConsumer(
      config, base, "rectification", {"issues", "planning", "directory", "fieldwork"},
      [&app](pqxx::work& tx, const ConsumedEvent& event) { return app.HandleEvent(tx, event); });
  Authenticator auth(std::move(verifier), base.redis.get());
  RectificationGrpcService service(app, auth);
  ASSIGN_OR_RETURN(ServerOptions options,
                   ServerOptionsFromConfig(config, "127.0.0.1:7105", *base.pool));
  GrpcServer server(options, {&service});
  ASSIGN_OR_RETURN(absl::Duration scan_interval,
                   config.GetDuration("reminder_scan_interval", absl::Minutes(10)));
  PeriodicTask reminders("rectification reminder scan", scan_interval,
                         [&app] { return app.ScanReminders(TodayInChina()); });
  // Statistics read the summary plus its pending deltas: folding often keeps the deltas few and
  // so the dashboard's read short; the fold also moves the summary's overdue counts to today
  // soon after midnight.
  ASSIGN_OR_RETURN(absl::Duration fold_interval,
                   config.GetDuration("stats_fold_interval", absl::Seconds(1)));
  PeriodicTask fold(
      "rectification statistics fold", fold_interval,
      [&app] { return app.FoldStats(TodayInChina()); }, /*log_counts=*/false);
  return ServeUntilSignal(server, base.relay.get(), {consumer.get()}, {&reminders, &fold});
}

}  // namespace

int main(int argc, char** argv) { return xuncha::RunServiceMain(argc, argv, "rectification", Run); }
