#include "metrics.h"

#include <gtest/gtest.h>

namespace xuncha::gateway {
namespace {

TEST(MetricsTest, RendersCountersHistogramAndGauges) {
  Metrics metrics;
  metrics.RequestStarted();
  metrics.RequestStarted();
  metrics.RequestFinished("GET /api/v1/orgs/{id}", 200, absl::Milliseconds(3));
  metrics.Increment("rate_limit_redis_errors");
  std::string text = metrics.Render();
  EXPECT_NE(
      text.find("xuncha_gateway_requests_total{route=\"GET /api/v1/orgs/{id}\",code=\"200\"} 1"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("le=\"0.005\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("le=\"0.0025\"} 0"), std::string::npos) << text;
  EXPECT_NE(text.find("xuncha_gateway_requests_in_flight 1"), std::string::npos) << text;
  EXPECT_NE(text.find("xuncha_gateway_rate_limit_redis_errors_total 1"), std::string::npos);
}

}  // namespace
}  // namespace xuncha::gateway
