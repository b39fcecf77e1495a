#include "xuncha/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <signal.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "xuncha/log.h"
#include "xuncha/rpc.h"
#include "xuncha/status.h"

namespace xuncha {

GrpcServer::GrpcServer(ServerOptions options, std::vector<grpc::Service*> services)
    : options_(std::move(options)), services_(std::move(services)) {}

GrpcServer::~GrpcServer() { Shutdown(); }

absl::Status GrpcServer::Start() {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options_.listen, grpc::InsecureServerCredentials(), &port_);
  // The sync API runs handlers on this bounded pool; handlers may block on the database.
  grpc::ResourceQuota quota("xuncha");
  quota.SetMaxThreads(options_.max_threads);
  builder.SetResourceQuota(quota);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
                              options_.max_pollers);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::CQ_TIMEOUT_MSEC, 200);
  for (grpc::Service* s : services_) builder.RegisterService(s);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.listen));
  }
  ProbeNow();
  prober_ = std::thread([this] { ProbeLoop(); });
  log::Info("grpc server listening", {{"address", options_.listen}, {"port", absl::StrCat(port_)}});
  return absl::OkStatus();
}

void GrpcServer::ProbeNow() {
  if (server_ == nullptr) return;
  bool serving = true;
  absl::Status status;
  if (options_.readiness) {
    status = options_.readiness();
    serving = status.ok();
  }
  std::lock_guard lock(mu_);
  if (stopping_) return;
  if (static_cast<int>(serving) != last_serving_) {
    if (last_serving_ != -1 || !serving) {
      log::Write(serving ? log::Level::kInfo : log::Level::kWarning,
                 serving ? "ready: serving" : "not ready", {{"reason", status.message()}});
    }
    last_serving_ = serving;
  }
  // Overall ("") and per service, so probes can ask for either.
  server_->GetHealthCheckService()->SetServingStatus(serving);
}

void GrpcServer::ProbeLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, absl::ToChronoMilliseconds(options_.probe_interval));
    if (stopping_) break;
    lock.unlock();
    ProbeNow();
    lock.lock();
  }
}

void GrpcServer::Shutdown() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || server_ == nullptr) return;
    stopping_ = true;
    // Probes see NOT_SERVING first, so load balancers drain this instance.
    server_->GetHealthCheckService()->Shutdown();
  }
  cv_.notify_all();
  if (prober_.joinable()) prober_.join();
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(options_.shutdown_grace));
  server_->Wait();
  log::Info("grpc server stopped");
}

namespace {
sigset_t ShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}
}  // namespace

void InitServerProcess() {
  sigset_t set = ShutdownSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // Debian builds Abseil without NDEBUG, so every absl::Mutex — gRPC's own locks included —
  // records lock-order edges and stack traces in one global graph under one global lock: about
  // 3.5 % of all CPU under gateway_vs_grpc.sh (tests/bench/RESULTS.md). A debugging aid, not
  // something to pay for on every call in production.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

int WaitForShutdownSignal() {
  sigset_t set = ShutdownSignals();
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

std::unique_ptr<grpc::ClientContext> DownstreamContext(const grpc::ServerContext& server_context) {
  auto context = grpc::ClientContext::FromServerContext(server_context);
  for (const char* key : {"authorization", kRequestIdHeader}) {
    std::string value = MetadataValue(server_context, key);
    if (!value.empty()) context->AddMetadata(key, value);
  }
  return context;
}

}  // namespace xuncha
