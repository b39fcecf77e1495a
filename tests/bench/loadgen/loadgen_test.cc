// The load generator's pure parts: scenario parsing and validation, template rendering,
// weighted choice, the loopback rule, the latency histogram's percentiles and HTTP response
// framing.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "histogram.h"
#include "http_response.h"
#include "scenario.h"

namespace xuncha::bench {
namespace {

TEST(ScenarioTest, ParsesPoolsOperationsWeightsAndBodies) {
  auto s = ParseScenario(R"({
    "pools": {"org": ["a", "b"]},
    "operations": [
      {"name": "get", "weight": 3, "grpc": "xuncha.directory.v1.DirectoryService/GetOrgUnit",
       "body": {"id": "${org}"}},
      {"name": "web", "http": "GET /api/v1/orgs/${org}"},
      {"name": "raw", "http": "POST /api/v1/x", "body": "{\"n\": ${seq}}"}]})");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->operations.size(), 3u);
  EXPECT_EQ(s->pools.at("org"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(s->operations[0].grpc);
  EXPECT_EQ(s->operations[0].weight, 3);
  EXPECT_EQ(s->operations[0].method, "xuncha.directory.v1.DirectoryService/GetOrgUnit");
  EXPECT_EQ(s->operations[0].body, R"({"id":"${org}"})");
  EXPECT_FALSE(s->operations[1].grpc);
  EXPECT_EQ(s->operations[1].weight, 1);
  EXPECT_EQ(s->operations[1].method, "GET");
  EXPECT_EQ(s->operations[1].path, "/api/v1/orgs/${org}");
  EXPECT_EQ(s->operations[1].body, "");
  EXPECT_EQ(s->operations[2].body, "{\"n\": ${seq}}");
}

TEST(ScenarioTest, RejectionsNameTheField) {
  struct Case {
    const char* json;
    const char* field;
  } cases[] = {
      {"[]", "scenario"},
      {R"({"operations": []})", "operations"},
      {R"({"operations": [{"grpc": "a.B/C"}]})", "operations[0].name"},
      {R"({"operations": [{"name": "x"}]})", "exactly one of grpc and http"},
      {R"({"operations": [{"name": "x", "grpc": "a.B/C", "http": "GET /"}]})",
       "exactly one of grpc and http"},
      {R"({"operations": [{"name": "x", "grpc": "NoSlash"}]})", "operations[0].grpc"},
      {R"({"operations": [{"name": "x", "http": "FETCH /a"}]})", "operations[0].http"},
      {R"({"operations": [{"name": "x", "http": "GET a"}]})", "operations[0].http"},
      {R"({"operations": [{"name": "x", "http": "GET /", "weight": 0}]})", "operations[0].weight"},
      {R"({"operations": [{"name": "x", "http": "GET /", "weight": 1.5}]})",
       "operations[0].weight"},
      {R"({"operations": [{"name": "x", "http": "GET /", "colour": 1}]})", "operations[0].colour"},
      {R"({"pools": {"org": [1]}, "operations": [{"name": "x", "http": "GET /"}]})", "pools.org"},
      {R"({"extra": 1, "operations": [{"name": "x", "http": "GET /"}]})", "extra"},
  };
  for (const auto& c : cases) {
    auto s = ParseScenario(c.json);
    ASSERT_FALSE(s.ok()) << c.json;
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << c.json;
    EXPECT_NE(s.status().message().find(c.field), std::string::npos)
        << c.json << " → " << s.status().message();
  }
}

TEST(ScenarioTest, RenderSubstitutesPoolsAndSequenceDeterministically) {
  Pools pools{{"org", {"o1", "o2", "o3"}}, {"one", {"only"}}};
  std::mt19937_64 a(42), b(42);
  auto x = Render("/orgs/${org}/${one}?n=${seq}", pools, a, 7);
  auto y = Render("/orgs/${org}/${one}?n=${seq}", pools, b, 7);
  ASSERT_TRUE(x.ok()) << x.status();
  EXPECT_EQ(*x, *y);  // same seed, same draw
  EXPECT_TRUE(*x == "/orgs/o1/only?n=7" || *x == "/orgs/o2/only?n=7" || *x == "/orgs/o3/only?n=7")
      << *x;
  // Every pool member is reachable.
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) seen.insert(*Render("${org}", pools, a, 0));
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_EQ(*Render("no variables", pools, a, 1), "no variables");
}

TEST(ScenarioTest, RenderRejectsUnknownEmptyAndUnterminated) {
  Pools pools{{"empty", {}}};
  std::mt19937_64 rng(1);
  auto unknown = Render("${nope}", pools, rng, 0);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("\"nope\""), std::string::npos);
  EXPECT_FALSE(Render("${empty}", pools, rng, 0).ok());
  EXPECT_FALSE(Render("abc ${seq", pools, rng, 0).ok());
}

TEST(ScenarioTest, PickOperationFollowsWeights) {
  std::vector<Operation> ops(3);
  ops[0].weight = 1;
  ops[1].weight = 3;
  ops[2].weight = 2;
  ASSERT_EQ(TotalWeight(ops), 6);
  const std::size_t expected[] = {0, 1, 1, 1, 2, 2};
  for (std::uint64_t r = 0; r < 6; ++r) EXPECT_EQ(PickOperation(ops, r), expected[r]) << r;
}

TEST(ScenarioTest, OnlyLoopbackTargets) {
  for (const char* t : {"127.0.0.1:80", "127.1.2.3:8080", "localhost:1", "[::1]:9"}) {
    EXPECT_TRUE(IsLoopbackTarget(t)) << t;
  }
  for (const char* t : {"10.0.0.1:80", "128.0.0.1:1", "example.com:80", "127.0.0:1",
                        "127.0.0.256:1", "[::2]:9", "0.0.0.0:80", "127.0.0.1.evil.com:80"}) {
    EXPECT_FALSE(IsLoopbackTarget(t)) << t;
  }
}

TEST(HistogramTest, EmptyReportsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.Percentile(0.5), 0u);
  EXPECT_EQ(h.max(), 0u);
}

TEST(HistogramTest, SmallValuesAreExact) {
  LatencyHistogram h;
  for (std::uint64_t v = 1; v <= 50; ++v) h.Record(v);
  EXPECT_EQ(h.Percentile(0.5), 25u);
  EXPECT_EQ(h.Percentile(0.9), 45u);
  EXPECT_EQ(h.Percentile(0.99), 50u);
  EXPECT_EQ(h.Percentile(1.0), 50u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_DOUBLE_EQ(h.mean(), 25.5);
}

TEST(HistogramTest, LargeValuesWithinOneSixtyFourth) {
  // 1..100000 µs uniformly: the q-quantile is q·100000.
  LatencyHistogram h;
  for (std::uint64_t v = 1; v <= 100000; ++v) h.Record(v);
  for (double q : {0.5, 0.9, 0.99}) {
    const double exact = q * 100000;
    const double got = static_cast<double>(h.Percentile(q));
    EXPECT_GE(got, exact) << q;
    EXPECT_LE(got, exact * (1 + 1.0 / 64)) << q;
  }
  EXPECT_EQ(h.max(), 100000u);
  EXPECT_EQ(h.Percentile(1.0), 100000u);  // capped at the exact maximum
}

TEST(HistogramTest, BucketsCoverEveryValueOnce) {
  for (std::uint64_t v : {0ull, 1ull, 63ull, 64ull, 65ull, 127ull, 128ull, 1000ull, 123456789ull}) {
    const int b = LatencyHistogram::BucketOf(v);
    EXPECT_LE(v, LatencyHistogram::UpperBound(b)) << v;
    if (b > 0) {
      EXPECT_GT(v, LatencyHistogram::UpperBound(b - 1)) << v;
    }
  }
}

TEST(HistogramTest, MergeEqualsRecordingEverythingInOne) {
  LatencyHistogram a, b, both;
  for (std::uint64_t v = 0; v < 1000; ++v) {
    (v % 2 ? a : b).Record(v * 37);
    both.Record(v * 37);
  }
  a.Merge(b);
  EXPECT_EQ(a.count(), both.count());
  EXPECT_EQ(a.max(), both.max());
  EXPECT_EQ(a.min(), both.min());
  for (double q : {0.1, 0.5, 0.9, 0.99}) EXPECT_EQ(a.Percentile(q), both.Percentile(q));
}

TEST(HistogramTest, TailIsSeenAtP99NotP50) {
  LatencyHistogram h;
  for (int i = 0; i < 980; ++i) h.Record(1000);
  for (int i = 0; i < 20; ++i) h.Record(200000);
  EXPECT_LE(h.Percentile(0.5), 1000u * 65 / 64);
  EXPECT_GE(h.Percentile(0.99), 200000u);
  EXPECT_EQ(h.max(), 200000u);
}

TEST(HttpFramingTest, ContentLengthBodyIsWaitedForAndConsumedExactly) {
  const std::string r = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
  HttpResponseHead head;
  for (std::size_t cut = 0; cut < r.size(); ++cut) {
    EXPECT_EQ(FrameHttpResponse(r.substr(0, cut), &head), Framing::kIncomplete) << cut;
  }
  // A pipelined next response after it is not part of it.
  ASSERT_EQ(FrameHttpResponse(r + "HTTP/1.1 404", &head), Framing::kComplete);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.consumed, r.size());
  EXPECT_FALSE(head.closes);
}

TEST(HttpFramingTest, ChunkedBodyEndsAtTheZeroChunk) {
  const std::string r =
      "HTTP/1.1 503 Service Unavailable\r\ntransfer-encoding: chunked\r\nConnection: close\r\n\r\n"
      "3\r\nabc\r\nA\r\n0123456789\r\n0\r\n\r\n";
  HttpResponseHead head;
  EXPECT_EQ(FrameHttpResponse(r.substr(0, r.size() - 1), &head), Framing::kIncomplete);
  ASSERT_EQ(FrameHttpResponse(r, &head), Framing::kComplete);
  EXPECT_EQ(head.status, 503);
  EXPECT_EQ(head.consumed, r.size());
  EXPECT_TRUE(head.closes);
}

TEST(HttpFramingTest, NoLengthMeansNoBodyAndGarbageIsMalformed) {
  HttpResponseHead head;
  ASSERT_EQ(FrameHttpResponse("HTTP/1.1 204 No Content\r\n\r\n", &head), Framing::kComplete);
  EXPECT_EQ(head.status, 204);
  EXPECT_EQ(head.consumed, 27u);
  EXPECT_EQ(FrameHttpResponse("SSH-2.0-OpenSSH\r\n\r\n", &head), Framing::kMalformed);
  EXPECT_EQ(FrameHttpResponse("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", &head),
            Framing::kMalformed);
  EXPECT_EQ(FrameHttpResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", &head),
            Framing::kMalformed);
}

}  // namespace
}  // namespace xuncha::bench
