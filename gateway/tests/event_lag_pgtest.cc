// Consumer lag and pending counts of the event streams as gateway metrics, against the harness's
// real Redis: a stream with groups in known states, read by the collector and through a real
// gateway's /metrics; and a Redis that is not there, which leaves the metrics out.
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "app.h"
#include "http_client.h"
#include "metrics.h"
#include "test_env.h"
#include "xuncha/config.h"
#include "xuncha/redis.h"

namespace xuncha::gateway {
namespace {

// A stream of five entries and three groups: "behind" has read two and acknowledged one (lag 3,
// pending 1), "caught-up" was created at the end (lag 0, pending 0), "untouched" from the start
// (lag 5, pending 0).
void MakeStream(RedisClient& redis, const std::string& stream) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(redis.Command({"XADD", stream, "*", "event_id", absl::StrCat("e", i)}).ok());
  }
  ASSERT_TRUE(redis.Command({"XGROUP", "CREATE", stream, "behind", "0"}).ok());
  ASSERT_TRUE(redis.Command({"XGROUP", "CREATE", stream, "caught-up", "$"}).ok());
  ASSERT_TRUE(redis.Command({"XGROUP", "CREATE", stream, "untouched", "0"}).ok());
  auto read =
      redis.Command({"XREADGROUP", "GROUP", "behind", "c1", "COUNT", "2", "STREAMS", stream, ">"});
  ASSERT_TRUE(read.ok());
  const std::string first(read->element(0).element(1).element(0).element(0).str());
  ASSERT_TRUE(redis.Command({"XACK", stream, "behind", first}).ok());
}

std::string Line(const std::string& metric, const std::string& stream, const std::string& group,
                 long long value) {
  return absl::StrCat(metric, "{stream=\"", stream, "\",group=\"", group, "\"} ", value, "\n");
}

TEST(EventLagTest, CollectorReportsLagAndPendingPerGroup) {
  RedisClient redis(*ParseRedisAddress(xuncha::testing::RedisAddress()));
  const std::string prefix = xuncha::testing::UniqueName("lagtest:");
  MakeStream(redis, prefix + ":issues");
  // A stream that does not exist yet (no event published) is left out, not an error.
  EventLagCollector collector(&redis, {prefix + ":issues", prefix + ":clues"},
                              absl::Milliseconds(500));
  auto groups = collector.Collect();
  ASSERT_EQ(groups.size(), 3u);
  std::map<std::string, std::pair<long long, long long>> by_group;
  for (const auto& g : groups) {
    EXPECT_EQ(g.stream, prefix + ":issues");
    by_group[g.group] = {g.lag, g.pending};
  }
  EXPECT_EQ(by_group["behind"], std::make_pair(3LL, 1LL));
  EXPECT_EQ(by_group["caught-up"], std::make_pair(0LL, 0LL));
  EXPECT_EQ(by_group["untouched"], std::make_pair(5LL, 0LL));

  const std::string text = collector.Render();
  EXPECT_TRUE(absl::StrContains(text, "# TYPE xuncha_event_consumer_lag gauge\n")) << text;
  EXPECT_TRUE(
      absl::StrContains(text, Line("xuncha_event_consumer_lag", prefix + ":issues", "behind", 3)))
      << text;
  EXPECT_TRUE(absl::StrContains(
      text, Line("xuncha_event_consumer_pending", prefix + ":issues", "behind", 1)))
      << text;
  EXPECT_FALSE(absl::StrContains(text, prefix + ":clues")) << text;
}

TEST(EventLagTest, RedisDownLeavesTheMetricsOutAndTheRestOfTheScrapeIntact) {
  RedisOptions nowhere;
  nowhere.port = xuncha::testing::FreePort();  // nothing listens there
  nowhere.timeout = absl::Milliseconds(100);
  RedisClient redis(nowhere);
  EventLagCollector collector(&redis, {"xuncha:events:issues"}, absl::Milliseconds(100));
  EXPECT_TRUE(collector.Collect().empty());
  Metrics metrics;
  metrics.AddSource([&collector] { return collector.Render(); });
  metrics.Increment("rate_limit_redis_errors");
  const std::string text = metrics.Render();
  EXPECT_FALSE(absl::StrContains(text, "xuncha_event_consumer")) << text;
  EXPECT_TRUE(absl::StrContains(text, "xuncha_gateway_rate_limit_redis_errors_total 1")) << text;
}

TEST(EventLagTest, GatewayMetricsRouteServesTheBacklogOfItsBackendsStreams) {
  RedisClient redis(*ParseRedisAddress(xuncha::testing::RedisAddress()));
  const std::string prefix = xuncha::testing::UniqueName("lagtest:");
  MakeStream(redis, prefix + ":issues");
  // "issues" is a backend of the gateway (a routed package); "nobody" is not, so its stream is
  // not looked at.
  MakeStream(redis, prefix + ":nobody");
  auto app = GatewayApp::Create(Config::FromMap({{"http_listen", "127.0.0.1:0"},
                                                 {"redis", xuncha::testing::RedisAddress()},
                                                 {"event_stream_prefix", prefix},
                                                 {"event_lag_timeout", "500ms"}}));
  ASSERT_TRUE(app.ok()) << app.status();
  ASSERT_TRUE((*app)->Start().ok());
  auto response = gateway::testing::Request((*app)->port(), "GET", "/metrics");
  ASSERT_EQ(response.status, 200);
  EXPECT_TRUE(absl::StrContains(
      response.body, Line("xuncha_event_consumer_lag", prefix + ":issues", "untouched", 5)))
      << response.body;
  EXPECT_TRUE(absl::StrContains(
      response.body, Line("xuncha_event_consumer_pending", prefix + ":issues", "behind", 1)))
      << response.body;
  EXPECT_FALSE(absl::StrContains(response.body, prefix + ":nobody")) << response.body;
  // The gateway's own series are still there.
  EXPECT_TRUE(absl::StrContains(response.body, "xuncha_gateway_requests_in_flight"));
  (*app)->Stop();
}

}  // namespace
}  // namespace xuncha::gateway
