// Prometheus text-format metrics of the gateway: requests by route and status, latency histogram
// by route, requests in flight, open connections and a few named counters.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace xuncha {
class RedisClient;
}  // namespace xuncha

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
  // Text appended to every rendering, produced at scrape time (e.g. EventLagCollector).
  // Sources are added before the server starts and run outside the metrics lock.
  void AddSource(std::function<std::string()> render) { sources_.push_back(std::move(render)); }

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
  std::vector<std::function<std::string()>> sources_;
};

// The backlog of each consumer group on the services' event streams, as gauges:
//   xuncha_event_consumer_lag{stream,group}      entries not yet delivered to the group
//   xuncha_event_consumer_pending{stream,group}  delivered but not acknowledged
// Read from Redis (XINFO GROUPS) when /metrics is scraped, so the figures are current and nothing
// runs between scrapes. A scrape blocks for at most `budget` in total; streams not read within it
// (Redis down or slow) are simply absent from that scrape, which is not an error. Concurrent
// scrapes do not queue up on Redis: while one collects, the others get the previous answer.
// Dead letters are not here: they live in each service's database, not in Redis.
class EventLagCollector {
 public:
  struct GroupBacklog {
    std::string stream;
    std::string group;
    long long lag = 0;  // Redis 7 "lag"; when Redis cannot tell (nil or older Redis): pending
    long long pending = 0;
  };

  // `streams`: full stream names ("xuncha:events:issues").
  EventLagCollector(RedisClient* redis, std::vector<std::string> streams, absl::Duration budget);

  std::vector<GroupBacklog> Collect();
  std::string Render();

 private:
  RedisClient* redis_;
  std::vector<std::string> streams_;
  absl::Duration budget_;
  std::mutex collecting_;
  std::mutex last_mu_;
  std::string last_;
};

}  // namespace xuncha::gateway
