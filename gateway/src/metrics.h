// Prometheus text-format metrics of the gateway: requests by route and status, latency histogram
// by route, requests in flight, open connections and a few named counters.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace xuncha::gateway {

class Metrics {
 public:
  Metrics();

  void RequestStarted() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  // `route` is a route label ("GET /api/v1/orgs/{id}") or a fixed name ("static", "unmatched"),
  // never the raw path, so that the number of series stays bounded.
  void RequestFinished(absl::string_view route, int http_status, absl::Duration latency);
  void ConnectionOpened() { connections_.fetch_add(1, std::memory_order_relaxed); }
  void ConnectionClosed() { connections_.fetch_sub(1, std::memory_order_relaxed); }
  void ConnectionRejected() { connections_rejected_.fetch_add(1, std::memory_order_relaxed); }
  // Free-form counters ("rate_limit_redis_errors"): exported as xuncha_gateway_<name>_total.
  void Increment(absl::string_view counter);

  std::string Render() const;

 private:
  struct Histogram {
    std::vector<std::uint64_t> buckets;  // cumulative counts are computed when rendering
    std::uint64_t count = 0;
    double sum_seconds = 0;
  };
  std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, std::uint64_t, std::less<>> requests_;
  std::map<std::string, Histogram, std::less<>> latency_;
  std::map<std::string, std::uint64_t, std::less<>> counters_;
  std::atomic<long> in_flight_{0};
  std::atomic<long> connections_{0};
  std::atomic<long> connections_rejected_{0};
};

}  // namespace xuncha::gateway
