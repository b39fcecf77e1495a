// xuncha-directory: org tree, offices, people, accounts, tokens, working-day calendar.
#include <cstdio>
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
extern const EmbeddedFileList directory_migrations;
extern const EmbeddedFileList directory_calendar;
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
  using namespace xuncha::directory;
  ASSIGN_OR_RETURN(std::string db_url, config.Require("db_url"));
  PgPoolOptions pg;
  pg.url = db_url;
  pg.schema = config.Get("db_schema", "directory");
  ASSIGN_OR_RETURN(pg.size, config.GetInt("db_pool_size", 16));
  ASSIGN_OR_RETURN(pg.statement_timeout,
                   config.GetDuration("db_statement_timeout", absl::Seconds(5)));
  PgPool pool(pg);
  RETURN_IF_ERROR(MigrateServiceSchema(pool, pg.schema, directory_migrations));
  ASSIGN_OR_RETURN(bool migrate_only, config.GetBool("migrate_only", false));
  if (migrate_only) return absl::OkStatus();

  ASSIGN_OR_RETURN(std::string key_file, config.Require("token_private_key_file"));
  ASSIGN_OR_RETURN(std::string private_pem, ReadFile(key_file, "token_private_key_file"));
  const std::string issuer = config.Get("token_issuer", "xuncha");
  ASSIGN_OR_RETURN(TokenSigner signer, TokenSigner::FromPrivatePem(private_pem, issuer));
  ASSIGN_OR_RETURN(std::string public_pem, PublicPemFromPrivatePem(private_pem));
  ASSIGN_OR_RETURN(TokenVerifier verifier, TokenVerifier::FromPublicPem(public_pem, issuer));

  std::unique_ptr<RedisClient> redis;
  std::unique_ptr<OutboxRelay> relay;
  if (config.Has("redis")) {
    ASSIGN_OR_RETURN(RedisOptions redis_options, ParseRedisAddress(config.Get("redis")));
    redis = std::make_unique<RedisClient>(redis_options);
    RelayOptions relay_options;
    relay_options.stream =
        EventStreamName(config.Get("event_stream_prefix", "xuncha:events"), "directory");
    relay_options.source = "directory";
    relay = std::make_unique<OutboxRelay>(pool, *redis, relay_options);
  } else {
    log::Warning("no redis configured: events stay in the outbox and revocation is off");
  }

  DirectorySettings settings;
  ASSIGN_OR_RETURN(settings.access_token_ttl,
                   config.GetDuration("access_token_ttl", absl::Minutes(15)));
  ASSIGN_OR_RETURN(settings.refresh_token_ttl,
                   config.GetDuration("refresh_token_ttl", absl::Hours(24 * 7)));
  ASSIGN_OR_RETURN(settings.login.max_failures, config.GetInt("login_max_failures", 5));
  ASSIGN_OR_RETURN(settings.login.lockout, config.GetDuration("login_lockout", absl::Minutes(15)));
  ASSIGN_OR_RETURN(settings.password_hash, ParseHashStrength(config.Get("password_hash")));

  DirectoryApp app(pool, redis.get(), relay.get(), std::move(signer), settings);
  ASSIGN_OR_RETURN(std::string generated, app.Bootstrap(config.Get("admin_password")));
  if (!generated.empty()) {
    // Printed once, on stdout only (never into the structured log).
    std::printf("created platform admin: username admin, password %s\n", generated.c_str());
    std::fflush(stdout);
  }
  RETURN_IF_ERROR(app.SeedCalendar(directory_calendar));

  Authenticator auth(std::move(verifier), redis.get());
  DirectoryGrpcService service(app, auth);
  ServerOptions server_options;
  server_options.listen = config.Get("listen", "127.0.0.1:7101");
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
  xuncha::log::SetService("directory");
  auto config = xuncha::Config::FromArgs(argc, argv);
  absl::Status status = config.ok() ? Run(*config) : config.status();
  if (!status.ok()) {
    xuncha::log::Error("directory failed", {{"error", status.message()}});
    return 1;
  }
  return 0;
}
