#include "metrics.h"

#include "absl/strings/str_cat.h"

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
  return out;
}

}  // namespace xuncha::gateway
