// gRPC server bootstrap shared by every service: sync API on a bounded thread pool, standard
// health service driven by a readiness probe, reflection, graceful shutdown on SIGTERM/SIGINT.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace grpc {
class Server;
class Service;
class ServerContext;
class ClientContext;
}  // namespace grpc

namespace xuncha {

struct ServerOptions {
  std::string listen = "127.0.0.1:0";
  // Sync handler threads at most (blocking DB work runs on these). Calls beyond it are refused
  // with RESOURCE_EXHAUSTED by gRPC, so it sits well above the DB pool: extra callers queue on
  // the pool (bounded by its acquire timeout) instead of failing at once.
  int max_threads = 128;
  // Idle threads kept waiting for calls. gRPC's default (2) makes a busy server create and
  // destroy a thread for nearly every call beyond two at once; keeping up to this many parked
  // costs a few pages each and saves that churn (measured in tests/bench/RESULTS.md).
  int max_pollers = 32;
  absl::Duration shutdown_grace = absl::Seconds(10);
  absl::Duration probe_interval = absl::Seconds(2);
  // SERVING while this returns OK (e.g. the database answers); null means always serving.
  std::function<absl::Status()> readiness;
};

class GrpcServer {
 public:
  GrpcServer(ServerOptions options, std::vector<grpc::Service*> services);
  ~GrpcServer();

  absl::Status Start();
  int port() const { return port_; }
  // Stops accepting, lets in-flight calls finish within the grace period, then cancels them.
  void Shutdown();
  // Re-runs the readiness probe now (tests; otherwise it runs every probe_interval).
  void ProbeNow();

 private:
  void ProbeLoop();
  ServerOptions options_;
  std::vector<grpc::Service*> services_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::thread prober_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  int last_serving_ = -1;
};

// Call first in main(), before any thread exists. Blocks SIGTERM and SIGINT so that only
// WaitForShutdownSignal sees them, ignores SIGPIPE, and turns off Abseil's mutex deadlock
// detection (see server.cc).
void InitServerProcess();
// Blocks until SIGTERM or SIGINT; returns the signal number.
int WaitForShutdownSignal();

// A client context for a downstream call made while serving `server_context`: the deadline and
// cancellation propagate, and the caller's token and request id are passed on.
std::unique_ptr<grpc::ClientContext> DownstreamContext(const grpc::ServerContext& server_context);

}  // namespace xuncha
