// xuncha-directory: org tree, offices, people, accounts, tokens, working-day calendar.
#include <algorithm>
#include <cstdio>

#include "src/app.h"
#include "src/grpc_service.h"
#include "xuncha/pg_listen.h"
#include "xuncha/service_main.h"
#include "xuncha/status.h"

namespace xuncha {
extern const EmbeddedFileList directory_migrations;
extern const EmbeddedFileList directory_calendar;
}  // namespace xuncha

namespace {

absl::Status Run(const xuncha::Config& config) {
  using namespace xuncha;
  using namespace xuncha::directory;
  ASSIGN_OR_RETURN(ServiceBase base, OpenServiceBase(config, "directory", directory_migrations));
  if (base.migrate_only) return absl::OkStatus();

  // Directory signs tokens; it verifies them with the public half of its own key.
  ASSIGN_OR_RETURN(std::string private_pem, ReadSettingFile(config, "token_private_key_file"));
  const std::string issuer = config.Get("token_issuer", "xuncha");
  ASSIGN_OR_RETURN(TokenSigner signer, TokenSigner::FromPrivatePem(private_pem, issuer));
  ASSIGN_OR_RETURN(std::string public_pem, PublicPemFromPrivatePem(private_pem));
  ASSIGN_OR_RETURN(TokenVerifier verifier, TokenVerifier::FromPublicPem(public_pem, issuer));

  DirectorySettings settings;
  ASSIGN_OR_RETURN(settings.access_token_ttl,
                   config.GetDuration("access_token_ttl", absl::Minutes(15)));
  ASSIGN_OR_RETURN(settings.refresh_token_ttl,
                   config.GetDuration("refresh_token_ttl", absl::Hours(24 * 7)));
  ASSIGN_OR_RETURN(settings.login.max_failures, config.GetInt("login_max_failures", 5));
  ASSIGN_OR_RETURN(settings.login.lockout, config.GetDuration("login_lockout", absl::Minutes(15)));
  ASSIGN_OR_RETURN(settings.password_hash, ParseHashStrength(config.Get("password_hash")));
  ASSIGN_OR_RETURN(int cache_size, config.GetInt("org_unit_cache_size", 100'000));
  settings.org_unit_cache_size = static_cast<std::size_t>(std::max(0, cache_size));

  Authenticator auth(std::move(verifier), base.redis.get());
  DirectoryApp app(*base.pool, auth, base.relay.get(), std::move(signer), settings);
  ASSIGN_OR_RETURN(std::string generated, app.Bootstrap(config.Get("admin_password")));
  if (!generated.empty()) {
    // Printed once, on stdout only (never into the structured log).
    std::printf("created platform admin: username admin, password %s\n", generated.c_str());
    std::fflush(stdout);
  }
  RETURN_IF_ERROR(app.SeedCalendar(directory_calendar));

  // Org units are cached until the database says they changed (src/org_unit_cache.h).
  PgNotifyListener org_unit_changes(*base.pool, DirectoryApp::kOrgUnitsChannel,
                                    [&app](bool listening) { app.OrgUnitsChanged(listening); });
  org_unit_changes.Start();

  DirectoryGrpcService service(app, auth);
  ASSIGN_OR_RETURN(ServerOptions options,
                   ServerOptionsFromConfig(config, "127.0.0.1:7101", *base.pool));
  GrpcServer server(options, {&service});
  return ServeUntilSignal(server, base.relay.get(), {});
}

}  // namespace

int main(int argc, char** argv) { return xuncha::RunServiceMain(argc, argv, "directory", Run); }
