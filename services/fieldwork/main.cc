// xuncha-fieldwork: interviews, surveys and democratic evaluation, petitions, document
// review, evidence files, work log.
#include <algorithm>

#include "src/app.h"
#include "src/grpc_service.h"
#include "xuncha/engagements.h"
#include "xuncha/service_main.h"
#include "xuncha/status.h"

namespace xuncha {
extern const EmbeddedFileList fieldwork_migrations;
}  // namespace xuncha

namespace {

absl::Status Run(const xuncha::Config& config) {
  using namespace xuncha;
  using namespace xuncha::fieldwork;
  ASSIGN_OR_RETURN(ServiceBase base, OpenServiceBase(config, "fieldwork", fieldwork_migrations));
  if (base.migrate_only) return absl::OkStatus();
  // Without Redis there is no engagement replica to authorise against: refuse to start rather
  // than serve with an empty one.
  if (base.redis == nullptr) return absl::InvalidArgumentError("redis: must be set");
  ASSIGN_OR_RETURN(TokenVerifier verifier, TokenVerifierFromConfig(config));

  FieldworkSettings settings;
  if (config.Has("petition_public_key_file")) {
    ASSIGN_OR_RETURN(std::string key_text, ReadSettingFile(config, "petition_public_key_file"));
    ASSIGN_OR_RETURN(settings.petition_public_key,
                     DecodeKey("petition_public_key_file", key_text, 32));
  }

  settings.evidence_dir = config.Get("evidence_dir", "");
  ASSIGN_OR_RETURN(int max_bytes, config.GetInt("evidence_max_bytes", 64 << 20));
  if (max_bytes < 1) return absl::InvalidArgumentError("evidence_max_bytes: must be at least 1");
  settings.evidence_max_bytes = max_bytes;
  // UploadEvidence carries the file in one message, under gRPC's 4 MiB receive limit; larger
  // files take UploadEvidenceStream.
  settings.unary_evidence_max_bytes = std::min(max_bytes, (4 << 20) - 4096);

  auto engagements = MakeConsumer(config, base, "fieldwork", {"planning"}, HandleEngagementEvent);
  FieldworkApp app(*base.pool, base.relay.get(), settings);
  Authenticator auth(std::move(verifier), base.redis.get());
  FieldworkGrpcService service(app, auth);
  ASSIGN_OR_RETURN(ServerOptions options,
                   ServerOptionsFromConfig(config, "127.0.0.1:7103", *base.pool));
  GrpcServer server(options, {&service});
  return ServeUntilSignal(server, base.relay.get(), {engagements.get()});
}

}  // namespace

int main(int argc, char** argv) { return xuncha::RunServiceMain(argc, argv, "fieldwork", Run); }
