// xuncha-issues: issue taxonomy, issues and their lifecycle, verification, reports, feedback.
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "src/app.h"
#include "src/grpc_service.h"
#include "xuncha/config.h"
#include "xuncha/engagements.h"
#include "xuncha/log.h"
#include "xuncha/migrations.h"
#include "xuncha/redis.h"
#include "xuncha/server.h"
#include "xuncha/status.h"

namespace xuncha {
extern const EmbeddedFileList issues_migrations;
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
  using namespace xuncha::issues;
  ASSIGN_OR_RETURN(std::string db_url, config.Require("db_url"));
  PgPoolOptions pg;
  pg.url = db_url;
  pg.schema = config.Get("db_schema", "issues");
  ASSIGN_OR_RETURN(pg.size, config.GetInt("db_pool_size", 16));
  ASSIGN_OR_RETURN(pg.statement_timeout,
                   config.GetDuration("db_statement_timeout", absl::Seconds(5)));
  PgPool pool(pg);
  RETURN_IF_ERROR(MigrateServiceSchema(pool, pg.schema, issues_migrations));
  ASSIGN_OR_RETURN(bool migrate_only, config.GetBool("migrate_only", false));
  if (migrate_only) return absl::OkStatus();

  ASSIGN_OR_RETURN(std::string key_file, config.Require("token_public_key_file"));
  ASSIGN_OR_RETURN(std::string public_pem, ReadFile(key_file, "token_public_key_file"));
  ASSIGN_OR_RETURN(TokenVerifier verifier,
                   TokenVerifier::FromPublicPem(public_pem, config.Get("token_issuer", "xuncha")));

  // Without Redis there is no engagement replica to authorise against: refuse to start rather
  // than serve with an empty one.
  ASSIGN_OR_RETURN(std::string redis_address, config.Require("redis"));
  ASSIGN_OR_RETURN(RedisOptions redis_options, ParseRedisAddress(redis_address));
  RedisClient redis(redis_options);
  const std::string prefix = config.Get("event_stream_prefix", "xuncha:events");
  RelayOptions relay_options;
  relay_options.stream = EventStreamName(prefix, "issues");
  relay_options.source = "issues";
  OutboxRelay relay(pool, redis, relay_options);

  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  ConsumerOptions consumer_options;
  consumer_options.streams = {EventStreamName(prefix, "planning")};
  consumer_options.group = "issues";
  consumer_options.consumer = absl::StrCat("issues-", host, "-", getpid());
  EventConsumer engagements(pool, redis, consumer_options, HandleEngagementEvent);

  IssuesApp app(pool, &relay);
  Authenticator auth(std::move(verifier), &redis);
  IssuesGrpcService service(app, auth);
  ServerOptions server_options;
  server_options.listen = config.Get("listen", "127.0.0.1:7104");
  ASSIGN_OR_RETURN(server_options.max_threads, config.GetInt("max_threads", 128));
  server_options.readiness = [&pool] { return pool.Ping(); };
  GrpcServer server(server_options, {&service});
  RETURN_IF_ERROR(server.Start());
  relay.Start();
  engagements.Start();
  const int sig = WaitForShutdownSignal();
  log::Info("shutting down", {{"signal", absl::StrCat(sig)}});
  server.Shutdown();
  engagements.Stop();
  relay.Stop();
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  xuncha::BlockShutdownSignals();
  xuncha::log::SetService("issues");
  auto config = xuncha::Config::FromArgs(argc, argv);
  absl::Status status = config.ok() ? Run(*config) : config.status();
  if (!status.ok()) {
    xuncha::log::Error("issues failed", {{"error", status.message()}});
    return 1;
  }
  return 0;
}
