// Direct-gRPC side of tests/bench/gateway_vs_grpc.sh: calls DirectoryService.GetOrgUnit from
// `concurrency` threads (one blocking call in flight each, like wrk's connections) for
// `duration` seconds and prints the completed-call rate and the latency of completed calls
// (p50, p99), for comparison with wrk's through the gateway.
//
//   gateway_grpc_bench <host:port> <bearer token> <org id> [concurrency=64] [seconds=10]
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "histogram.h"
#include "xuncha/directory/v1/directory.grpc.pb.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s host:port token org_id [concurrency] [seconds]\n", argv[0]);
    return 2;
  }
  const std::string target = argv[1];
  const std::string token = argv[2];
  const std::string org_id = argv[3];
  const int concurrency = argc > 4 ? std::atoi(argv[4]) : 64;
  const int seconds = argc > 5 ? std::atoi(argv[5]) : 10;

  // Several channels, as wrk spreads over several connections; one HTTP/2 connection would
  // serialise on a single socket and understate what gRPC can do.
  std::vector<std::unique_ptr<xuncha::directory::v1::DirectoryService::Stub>> stubs;
  for (int i = 0; i < 8; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("bench.channel", i);  // distinct args → distinct subchannels
    stubs.push_back(xuncha::directory::v1::DirectoryService::NewStub(
        grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args)));
  }
  std::atomic<long> ok{0};
  std::atomic<long> failed{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  std::vector<xuncha::bench::LatencyHistogram> latencies(static_cast<std::size_t>(concurrency));
  auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&, t] {
      auto& stub = stubs[static_cast<std::size_t>(t) % stubs.size()];
      xuncha::directory::v1::GetOrgUnitRequest request;
      request.set_id(org_id);
      auto& latency = latencies[static_cast<std::size_t>(t)];
      while (!stop.load(std::memory_order_relaxed)) {
        grpc::ClientContext context;
        context.AddMetadata("authorization", "Bearer " + token);
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        xuncha::directory::v1::OrgUnit response;
        auto call_start = std::chrono::steady_clock::now();
        grpc::Status status = stub->GetOrgUnit(&context, request, &response);
        if (!status.ok() && failed.fetch_add(1, std::memory_order_relaxed) == 0) {
          std::fprintf(stderr, "first error: %d %s\n", static_cast<int>(status.error_code()),
                       status.error_message().c_str());
        }
        if (status.ok()) {
          ok.fetch_add(1, std::memory_order_relaxed);
          latency.Record(
              static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                             std::chrono::steady_clock::now() - call_start)
                                             .count()));
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& thread : threads) thread.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  xuncha::bench::LatencyHistogram all;
  for (const auto& latency : latencies) all.Merge(latency);
  auto percentile = [&](double q) { return static_cast<double>(all.Percentile(q)) / 1000.0; };
  std::printf("grpc_requests=%ld grpc_errors=%ld grpc_rps=%.1f p50=%.2fms p99=%.2fms\n", ok.load(),
              failed.load(), ok.load() / elapsed, percentile(0.50), percentile(0.99));
  return failed.load() > 0 && ok.load() == 0 ? 1 : 0;
}
