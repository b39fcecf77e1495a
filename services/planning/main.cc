// xuncha-planning: plans, rounds, groups, targets (engagements), talent pool and draws,
// announcements, coverage. The source of `planning.engagement.changed`.
#include <grpcpp/grpcpp.h>

#include "src/app.h"
#include "src/grpc_service.h"
#include "xuncha/service_main.h"
#include "xuncha/status.h"

namespace xuncha {
extern const EmbeddedFileList planning_migrations;
}  // namespace xuncha

namespace {

absl::Status Run(const xuncha::Config& config) {
  using namespace xuncha;
  using namespace xuncha::planning;
  ASSIGN_OR_RETURN(ServiceBase base, OpenServiceBase(config, "planning", planning_migrations));
  if (base.migrate_only) return absl::OkStatus();
  ASSIGN_OR_RETURN(TokenVerifier verifier, TokenVerifierFromConfig(config));

  PlanningSettings settings;
  ASSIGN_OR_RETURN(settings.recusal_years, config.GetInt("recusal_years", 5));
  if (settings.recusal_years < 0 || settings.recusal_years > 50) {
    return absl::InvalidArgumentError("recusal_years: must be 0 to 50");
  }
  // Org units, offices and people are directory's: looked up with the caller's token.
  auto directory_channel = grpc::CreateChannel(config.Get("directory_addr", "127.0.0.1:7101"),
                                               grpc::InsecureChannelCredentials());
  auto directory = xuncha::directory::v1::DirectoryService::NewStub(directory_channel);

  PlanningApp app(*base.pool, base.relay.get(), settings);
  Authenticator auth(std::move(verifier), base.redis.get());
  PlanningGrpcService service(app, auth, *directory);
  ASSIGN_OR_RETURN(ServerOptions options,
                   ServerOptionsFromConfig(config, "127.0.0.1:7102", *base.pool));
  GrpcServer server(options, {&service});
  // Engagement targets follow their org units when directory moves them.
  auto directory_events = MakeConsumer(config, base, "planning", {"directory"},
                                       [&app](pqxx::work& tx, const ConsumedEvent& event) {
                                         return app.HandleDirectoryEvent(tx, event);
                                       });
  return ServeUntilSignal(server, base.relay.get(), {directory_events.get()});
}

}  // namespace

int main(int argc, char** argv) { return xuncha::RunServiceMain(argc, argv, "planning", Run); }
