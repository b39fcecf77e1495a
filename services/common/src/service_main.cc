#include "xuncha/service_main.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "xuncha/audit.h"
#include "xuncha/log.h"
#include "xuncha/migrations.h"
#include "xuncha/status.h"

namespace xuncha {

absl::StatusOr<ServiceBase> OpenServiceBase(const Config& config, absl::string_view service,
                                            const EmbeddedFileList& migrations) {
  ServiceBase base;
  ASSIGN_OR_RETURN(std::string db_url, config.Require("db_url"));
  PgPoolOptions pg;
  pg.url = db_url;
  pg.schema = config.Get("db_schema", service);
  ASSIGN_OR_RETURN(pg.size, config.GetInt("db_pool_size", 16));
  ASSIGN_OR_RETURN(pg.statement_timeout,
                   config.GetDuration("db_statement_timeout", absl::Seconds(5)));
  base.pool = std::make_unique<PgPool>(pg);
  RETURN_IF_ERROR(MigrateServiceSchema(*base.pool, pg.schema, migrations));
  ASSIGN_OR_RETURN(base.migrate_only, config.GetBool("migrate_only", false));
  if (base.migrate_only) return base;
  ASSIGN_OR_RETURN(absl::Duration seal_interval,
                   config.GetDuration("audit_seal_interval", absl::Milliseconds(200)));
  PgPool* pool = base.pool.get();
  base.audit_sealer = std::make_unique<PeriodicTask>(
      "audit sealer", seal_interval,
      [pool]() -> absl::StatusOr<int> {
        return pool->TransactWith<int>([](pqxx::work& tx) { return SealAudit(tx); });
      },
      /*log_counts=*/false);
  base.audit_sealer->Start();
  if (config.Has("redis")) {
    ASSIGN_OR_RETURN(RedisOptions redis_options, ParseRedisAddress(config.Get("redis")));
    base.redis = std::make_unique<RedisClient>(redis_options);
    RelayOptions relay;
    relay.stream = EventStreamName(config.Get("event_stream_prefix", "xuncha:events"), service);
    relay.source = std::string(service);
    base.relay = std::make_unique<OutboxRelay>(*base.pool, *base.redis, relay);
  } else {
    log::Warning("no redis configured: events stay in the outbox, revocation checks are off");
  }
  return base;
}

absl::StatusOr<std::string> ReadSettingFile(const Config& config, absl::string_view key) {
  ASSIGN_OR_RETURN(std::string path, config.Require(key));
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(key, ": cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

absl::StatusOr<TokenVerifier> TokenVerifierFromConfig(const Config& config) {
  ASSIGN_OR_RETURN(std::string pem, ReadSettingFile(config, "token_public_key_file"));
  return TokenVerifier::FromPublicPem(pem, config.Get("token_issuer", "xuncha"));
}

absl::StatusOr<ServerOptions> ServerOptionsFromConfig(const Config& config,
                                                      absl::string_view default_listen,
                                                      PgPool& pool) {
  ServerOptions options;
  options.listen = config.Get("listen", default_listen);
  ASSIGN_OR_RETURN(options.max_threads, config.GetInt("max_threads", 128));
  ASSIGN_OR_RETURN(options.max_pollers, config.GetInt("max_pollers", 32));
  options.readiness = [&pool] { return pool.Ping(); };
  return options;
}

std::unique_ptr<EventConsumer> MakeConsumer(const Config& config, ServiceBase& base,
                                            absl::string_view group,
                                            const std::vector<std::string>& source_services,
                                            EventHandler handler) {
  if (base.redis == nullptr) return nullptr;
  ConsumerOptions options;
  const std::string prefix = config.Get("event_stream_prefix", "xuncha:events");
  for (const auto& source : source_services) {
    options.streams.push_back(EventStreamName(prefix, source));
  }
  options.group = std::string(group);
  // One consumer name per process: a replica's pending entries are claimed by the others once
  // it has been gone for claim_idle.
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  options.consumer = absl::StrCat(group, "@", host, ":", getpid());
  return std::make_unique<EventConsumer>(*base.pool, *base.redis, options, std::move(handler));
}

absl::Status ServeUntilSignal(GrpcServer& server, OutboxRelay* relay,
                              const std::vector<EventConsumer*>& consumers,
                              const std::vector<PeriodicTask*>& tasks) {
  RETURN_IF_ERROR(server.Start());
  if (relay != nullptr) relay->Start();
  for (EventConsumer* c : consumers) {
    if (c != nullptr) c->Start();
  }
  for (PeriodicTask* t : tasks) t->Start();
  const int sig = WaitForShutdownSignal();
  log::Info("shutting down", {{"signal", absl::StrCat(sig)}});
  server.Shutdown();
  for (PeriodicTask* t : tasks) t->Stop();
  for (EventConsumer* c : consumers) {
    if (c != nullptr) c->Stop();
  }
  if (relay != nullptr) relay->Stop();
  return absl::OkStatus();
}

int RunServiceMain(int argc, char** argv, absl::string_view service,
                   const std::function<absl::Status(const Config&)>& run) {
  InitServerProcess();
  log::SetService(service);
  auto config = Config::FromArgs(argc, argv);
  absl::Status status = config.ok() ? run(*config) : config.status();
  if (!status.ok()) {
    log::Error(absl::StrCat(service, " failed"), {{"error", status.message()}});
    return 1;
  }
  return 0;
}

}  // namespace xuncha
