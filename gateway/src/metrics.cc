#include "metrics.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "xuncha/redis.h"

namespace xuncha::gateway {
namespace {

// Label values are route templates, but escape anyway so a strange template cannot break the
// exposition format.
std::string Escape(absl::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

Metrics::Metrics()
    : bounds_{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10} {}

void Metrics::RequestFinished(absl::string_view route, int http_status, absl::Duration latency) {
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  double seconds = absl::ToDoubleSeconds(latency);
  std::lock_guard lock(mu_);
  ++requests_[{std::string(route), http_status}];
  auto it = latency_.find(route);
  if (it == latency_.end()) {
    it = latency_.emplace(std::string(route), Histogram{}).first;
    it->second.buckets.assign(bounds_.size(), 0);
  }
  Histogram& histogram = it->second;
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (seconds <= bounds_[i]) {
      ++histogram.buckets[i];
      break;
    }
  }
  ++histogram.count;
  histogram.sum_seconds += seconds;
}

void Metrics::Increment(absl::string_view counter) {
  std::lock_guard lock(mu_);
  auto it = counters_.find(counter);
  if (it == counters_.end()) it = counters_.emplace(std::string(counter), 0).first;
  ++it->second;
}

std::string Metrics::Render() const {
  std::string out;
  // Scrape-time sources may block on I/O (bounded); never while holding the metrics lock.
  std::string extra;
  for (const auto& source : sources_) extra += source();
  out += "# HELP xuncha_gateway_requests_total HTTP requests by route and status.\n";
  out += "# TYPE xuncha_gateway_requests_total counter\n";
  std::lock_guard lock(mu_);
  for (const auto& [key, count] : requests_) {
    absl::StrAppend(&out, "xuncha_gateway_requests_total{route=\"", Escape(key.first), "\",code=\"",
                    key.second, "\"} ", count, "\n");
  }
  out += "# HELP xuncha_gateway_request_duration_seconds Time from request read to response.\n";
  out += "# TYPE xuncha_gateway_request_duration_seconds histogram\n";
  for (const auto& [route, histogram] : latency_) {
    std::string label = Escape(route);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
      cumulative += histogram.buckets[i];
      absl::StrAppend(&out, "xuncha_gateway_request_duration_seconds_bucket{route=\"", label,
                      "\",le=\"", bounds_[i], "\"} ", cumulative, "\n");
    }
    absl::StrAppend(&out, "xuncha_gateway_request_duration_seconds_bucket{route=\"", label,
                    "\",le=\"+Inf\"} ", histogram.count, "\n");
    absl::StrAppend(&out, "xuncha_gateway_request_duration_seconds_sum{route=\"", label, "\"} ",
                    histogram.sum_seconds, "\n");
    absl::StrAppend(&out, "xuncha_gateway_request_duration_seconds_count{route=\"", label, "\"} ",
                    histogram.count, "\n");
  }
  out += "# HELP xuncha_gateway_requests_in_flight Requests being served.\n";
  out += "# TYPE xuncha_gateway_requests_in_flight gauge\n";
  absl::StrAppend(&out, "xuncha_gateway_requests_in_flight ", in_flight_.load(), "\n");
  out += "# HELP xuncha_gateway_connections Open client connections.\n";
  out += "# TYPE xuncha_gateway_connections gauge\n";
  absl::StrAppend(&out, "xuncha_gateway_connections ", connections_.load(), "\n");
  out += "# TYPE xuncha_gateway_connections_rejected_total counter\n";
  absl::StrAppend(&out, "xuncha_gateway_connections_rejected_total ", connections_rejected_.load(),
                  "\n");
  for (const auto& [name, count] : counters_) {
    absl::StrAppend(&out, "# TYPE xuncha_gateway_", name, "_total counter\n");
    absl::StrAppend(&out, "xuncha_gateway_", name, "_total ", count, "\n");
  }
  out += extra;
  return out;
}

EventLagCollector::EventLagCollector(RedisClient* redis, std::vector<std::string> streams,
                                     absl::Duration budget)
    : redis_(redis), streams_(std::move(streams)), budget_(budget) {}

std::vector<EventLagCollector::GroupBacklog> EventLagCollector::Collect() {
  std::vector<GroupBacklog> out;
  if (redis_ == nullptr) return out;
  const absl::Time deadline = absl::Now() + budget_;
  for (const std::string& stream : streams_) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) break;
    // A missing stream (no event yet) is an error reply: nothing to report for it.
    auto reply = redis_->Command({"XINFO", "GROUPS", stream}, left);
    if (!reply.ok() || reply->type() != RedisReply::Type::kArray) continue;
    for (std::size_t g = 0; g < reply->size(); ++g) {
      RedisReply fields = reply->element(g);
      GroupBacklog backlog;
      backlog.stream = stream;
      bool lag_known = false;
      // RESP2 answers each group as a flat list of name, value pairs.
      for (std::size_t f = 0; f + 1 < fields.size(); f += 2) {
        const absl::string_view key = fields.element(f).str();
        RedisReply value = fields.element(f + 1);
        if (key == "name") backlog.group = std::string(value.str());
        if (key == "pending" && value.type() == RedisReply::Type::kInteger) {
          backlog.pending = value.integer();
        }
        if (key == "lag" && value.type() == RedisReply::Type::kInteger) {
          backlog.lag = value.integer();
          lag_known = true;
        }
      }
      if (!lag_known) backlog.lag = backlog.pending;
      if (!backlog.group.empty()) out.push_back(std::move(backlog));
    }
  }
  return out;
}

std::string EventLagCollector::Render() {
  std::unique_lock lock(collecting_, std::try_to_lock);
  if (!lock.owns_lock()) {
    std::lock_guard last(last_mu_);
    return last_;
  }
  std::vector<GroupBacklog> groups = Collect();
  std::string out;
  if (!groups.empty()) {
    out += "# HELP xuncha_event_consumer_lag Stream entries not yet delivered to the group.\n";
    out += "# TYPE xuncha_event_consumer_lag gauge\n";
    for (const auto& g : groups) {
      absl::StrAppend(&out, "xuncha_event_consumer_lag{stream=\"", Escape(g.stream), "\",group=\"",
                      Escape(g.group), "\"} ", g.lag, "\n");
    }
    out +=
        "# HELP xuncha_event_consumer_pending Entries delivered to the group, not acknowledged.\n";
    out += "# TYPE xuncha_event_consumer_pending gauge\n";
    for (const auto& g : groups) {
      absl::StrAppend(&out, "xuncha_event_consumer_pending{stream=\"", Escape(g.stream),
                      "\",group=\"", Escape(g.group), "\"} ", g.pending, "\n");
    }
  }
  std::lock_guard last(last_mu_);
  last_ = out;
  return out;
}

}  // namespace xuncha::gateway
