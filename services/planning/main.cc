// xuncha-planning: plans, rounds, groups, targets (engagements), talent pool and draws,
// announcements, coverage. The source of `planning.engagement.changed`.
#include <grpcpp/grpcpp.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "src/app.h"
#include "src/grpc_service.h"
#include "xuncha/config.h"
#include "xuncha/log.h"
#include "xuncha/migrations.h"
#include "xuncha/server.h"
#include "xuncha/status.h"

namespace xuncha {
extern const EmbeddedFileList planning_migrations;
}  // namespace xuncha

namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path, absl::string_view setting) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(setting, ": cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

absl::Status Run(const xuncha::Config& config) {
  using namespace xuncha;
  using namespace xuncha::planning;
  ASSIGN_OR_RETURN(std::string db_url, config.Require("db_url"));
  PgPoolOptions pg;
  pg.url = db_url;
  pg.schema = config.Get("db_schema", "planning");
  ASSIGN_OR_RETURN(pg.size, config.GetInt("db_pool_size", 16));
  ASSIGN_OR_RETURN(pg.statement_timeout,
                   config.GetDuration("db_statement_timeout", absl::Seconds(5)));
  PgPool pool(pg);
  RETURN_IF_ERROR(MigrateServiceSchema(pool, pg.schema, planning_migrations));
  ASSIGN_OR_RETURN(bool migrate_only, config.GetBool("migrate_only", false));
  if (migrate_only) return absl::OkStatus();

  ASSIGN_OR_RETURN(std::string key_file, config.Require("token_public_key_file"));
  ASSIGN_OR_RETURN(std::string public_pem, ReadFile(key_file, "token_public_key_file"));
  ASSIGN_OR_RETURN(TokenVerifier verifier,
                   TokenVerifier::FromPublicPem(public_pem, config.Get("token_issuer", "xuncha")));

  std::unique_ptr<RedisClient> redis;
  std::unique_ptr<OutboxRelay> relay;
  if (config.Has("redis")) {
    ASSIGN_OR_RETURN(RedisOptions redis_options, ParseRedisAddress(config.Get("redis")));
    redis = std::make_unique<RedisClient>(redis_options);
    RelayOptions relay_options;
    relay_options.stream =
        EventStreamName(config.Get("event_stream_prefix", "xuncha:events"), "planning");
    relay_options.source = "planning";
    relay = std::make_unique<OutboxRelay>(pool, *redis, relay_options);
  } else {
    log::Warning("no redis configured: events stay in the outbox and revocation is off");
  }

  PlanningSettings settings;
  ASSIGN_OR_RETURN(settings.recusal_years, config.GetInt("recusal_years", 5));
  if (settings.recusal_years < 0 || settings.recusal_years > 50) {
    return absl::InvalidArgumentError("recusal_years: must be 0 to 50");
  }
  // Org units, offices and people are directory's: looked up with the caller's token.
  auto directory_channel = grpc::CreateChannel(config.Get("directory_addr", "127.0.0.1:7101"),
                                               grpc::InsecureChannelCredentials());
  auto directory = xuncha::directory::v1::DirectoryService::NewStub(directory_channel);

  PlanningApp app(pool, relay.get(), settings);
  Authenticator auth(std::move(verifier), redis.get());
  PlanningGrpcService service(app, auth, *directory);
  ServerOptions server_options;
  server_options.listen = config.Get("listen", "127.0.0.1:7102");
  ASSIGN_OR_RETURN(server_options.max_threads, config.GetInt("max_threads", 128));
  server_options.readiness = [&pool] { return pool.Ping(); };
  GrpcServer server(server_options, {&service});
  RETURN_IF_ERROR(server.Start());
  if (relay) relay->Start();
  const int sig = WaitForShutdownSignal();
  log::Info("shutting down", {{"signal", absl::StrCat(sig)}});
  server.Shutdown();
  if (relay) relay->Stop();
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  xuncha::BlockShutdownSignals();
  xuncha::log::SetService("planning");
  auto config = xuncha::Config::FromArgs(argc, argv);
  absl::Status status = config.ok() ? Run(*config) : config.status();
  if (!status.ok()) {
    xuncha::log::Error("planning failed", {{"error", status.message()}});
    return 1;
  }
  return 0;
}
