// xuncha-issues: issue taxonomy, issues and their lifecycle, verification questions, reports,
// feedback, the issue ledger and statistics.
#include "src/app.h"
#include "src/grpc_service.h"
#include "xuncha/engagements.h"
#include "xuncha/periodic.h"
#include "xuncha/service_main.h"
#include "xuncha/status.h"

namespace xuncha {
extern const EmbeddedFileList issues_migrations;
}  // namespace xuncha

namespace {

absl::Status Run(const xuncha::Config& config) {
  using namespace xuncha;
  using namespace xuncha::issues;
  // Without Redis there is no engagement replica to authorise against: refuse to start rather
  // than serve with an empty one.
  RETURN_IF_ERROR(config.Require("redis").status());
  ASSIGN_OR_RETURN(ServiceBase base, OpenServiceBase(config, "issues", issues_migrations));
  if (base.migrate_only) return absl::OkStatus();
  ASSIGN_OR_RETURN(TokenVerifier verifier, TokenVerifierFromConfig(config));
  auto engagements = MakeConsumer(config, base, "issues", {"planning"}, HandleEngagementEvent);

  IssuesApp app(*base.pool, base.relay.get());
  Authenticator auth(std::move(verifier), base.redis.get());
  IssuesGrpcService service(app, auth);
  ASSIGN_OR_RETURN(ServerOptions options,
                   ServerOptionsFromConfig(config, "127.0.0.1:7104", *base.pool));
  GrpcServer server(options, {&service});
  // Statistics read the summary plus its pending deltas: folding often keeps the deltas few
  // (each create appends five rows) and so the dashboard's read short.
  ASSIGN_OR_RETURN(absl::Duration fold_interval,
                   config.GetDuration("stats_fold_interval", absl::Seconds(1)));
  PeriodicTask fold(
      "issue statistics fold", fold_interval, [&app] { return app.CompactCounts(); },
      /*log_counts=*/false);
  return ServeUntilSignal(server, base.relay.get(), {engagements.get()}, {&fold});
}

}  // namespace

int main(int argc, char** argv) { return xuncha::RunServiceMain(argc, argv, "issues", Run); }
