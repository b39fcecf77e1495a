// xuncha-bench-echo: the RPC ceiling for tests/bench/run.sh. Our own server bootstrap
// (GrpcServer: same thread pool, pollers, health service) with no service and no database, so a
// call to grpc.health.v1.Health/Check measures exactly what the bootstrap and gRPC cost; a
// service's read RPC is compared against it.
//   xuncha-bench-echo --listen=127.0.0.1:PORT [--max_threads=128] [--max_pollers=32]
#include "xuncha/server.h"
#include "xuncha/service_main.h"
#include "xuncha/status.h"

int main(int argc, char** argv) {
  return xuncha::RunServiceMain(argc, argv, "bench-echo", [](const xuncha::Config& config) {
    xuncha::ServerOptions options;
    options.listen = config.Get("listen", "127.0.0.1:0");
    ASSIGN_OR_RETURN(options.max_threads, config.GetInt("max_threads", options.max_threads));
    ASSIGN_OR_RETURN(options.max_pollers, config.GetInt("max_pollers", options.max_pollers));
    xuncha::GrpcServer server(options, {});
    return xuncha::ServeUntilSignal(server, nullptr, {});
  });
}
