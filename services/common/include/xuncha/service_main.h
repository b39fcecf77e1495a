// What every service's main() does the same way: settings → pool + migrations → Redis + outbox
// relay → token verifier → gRPC server → wait for SIGTERM → orderly stop. A service's main.cc
// keeps only what is its own (settings of its domain, the app and its gRPC adapter).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "xuncha/auth.h"
#include "xuncha/config.h"
#include "xuncha/embedded.h"
#include "xuncha/outbox.h"
#include "xuncha/periodic.h"
#include "xuncha/pg.h"
#include "xuncha/redis.h"
#include "xuncha/server.h"

namespace xuncha {

struct ServiceBase {
  std::unique_ptr<PgPool> pool;
  std::unique_ptr<RedisClient> redis;  // null when no `redis` is configured
  std::unique_ptr<OutboxRelay> relay;  // publishes to "<event_stream_prefix>:<service>"
  // Seals committed audit rows into the hash chain every audit_seal_interval (200ms); started
  // here, stopped before the pool goes (declared after it).
  std::unique_ptr<PeriodicTask> audit_sealer;
  bool migrate_only = false;  // --migrate_only=true: migrations done, exit now
};

// Settings: db_url (required), db_schema (default: the service name), db_pool_size (16),
// db_statement_timeout (5s), redis, event_stream_prefix (xuncha:events), migrate_only,
// audit_seal_interval (200ms).
absl::StatusOr<ServiceBase> OpenServiceBase(const Config& config, absl::string_view service,
                                            const EmbeddedFileList& migrations);

// The contents of the file named by setting `key` (required).
absl::StatusOr<std::string> ReadSettingFile(const Config& config, absl::string_view key);

// token_public_key_file + token_issuer ("xuncha").
absl::StatusOr<TokenVerifier> TokenVerifierFromConfig(const Config& config);

// listen (default `default_listen`), max_threads (128); readiness = the pool answers.
absl::StatusOr<ServerOptions> ServerOptionsFromConfig(const Config& config,
                                                      absl::string_view default_listen,
                                                      PgPool& pool);

// An event consumer in group `group` on other services' streams (e.g. {"planning"}).
std::unique_ptr<EventConsumer> MakeConsumer(const Config& config, ServiceBase& base,
                                            absl::string_view group,
                                            const std::vector<std::string>& source_services,
                                            EventHandler handler);

// Starts the server, the relay and the consumers, waits for SIGTERM/SIGINT, then stops them in
// order: stop accepting and drain calls, then consumers, then the relay.
absl::Status ServeUntilSignal(GrpcServer& server, OutboxRelay* relay,
                              const std::vector<EventConsumer*>& consumers,
                              const std::vector<PeriodicTask*>& tasks = {});

// main(): blocks shutdown signals, names the service in logs, parses settings, runs `run`, and
// turns its error into a log line and exit code 1.
int RunServiceMain(int argc, char** argv, absl::string_view service,
                   const std::function<absl::Status(const Config&)>& run);

}  // namespace xuncha
