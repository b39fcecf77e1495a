// Benchmark, not a test: the city dashboard (GetRectificationStats rolled up over 10 counties)
// with 300,000 items. Needs the harness's servers (XUNCHA_TEST_PG_URL, XUNCHA_TEST_REDIS) and
// creates and drops a throwaway database on them.
//
//   rectification_stats_bench [items=300000] [calls=50]
//
// The real xuncha-rectification binary applies the real migrations; the data are then bulk
// loaded with SQL (INSERT … SELECT generate_series) straight into its tables — a bench may load
// directly, the service never would. Prints p50/p99/max of `calls` timed RPCs after a warm-up,
// for the city's dashboard and for one county's.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench_harness.h"
#include "service_harness.h"
#include "test_env.h"
#include "xuncha/auth.h"
#include "xuncha/crypto.h"
#include "xuncha/pg.h"
#include "xuncha/rectification/v1/rectification.grpc.pb.h"

namespace {

namespace v1 = ::xuncha::rectification::v1;
using namespace xuncha;

constexpr int kCounties = 10;
constexpr int kUnitsPerCounty = 100;  // 1,000 cases (one per engagement)

// Items spread evenly over the cases; states 70 % ACCEPTED, 10 % COMPLETED, 12 % IN_PROGRESS,
// 8 % PLANNED; deadlines over 2025–2026; 8 categories; 3 rounds per county.
absl::Status Load(PgPool& pool, int items) {
  const int per_case = std::max(1, items / (kCounties * kUnitsPerCounty));
  return pool.Transact([&](pqxx::work& tx) -> absl::Status {
    tx.exec_params(
        "INSERT INTO cases (engagement_id, office_id, office_path, round_id, target_unit_id, "
        "target_unit_path, target_unit_name, report_id, feedback_date) "
        "SELECT gen_random_uuid()::text, 'office-' || k, ('c1.k' || k)::ltree, "
        "'round-' || k || '-' || (u % 3), gen_random_uuid()::text, "
        "('c1.k' || k || '.u' || u)::ltree, '单位' || k || '-' || u, gen_random_uuid()::text, "
        "date '2025-01-01' + (u % 180) "
        "FROM generate_series(0, $1 - 1) k, generate_series(0, $2 - 1) u",
        kCounties, kUnitsPerCounty);
    tx.exec_params(
        "INSERT INTO items (case_id, issue_id, engagement_id, office_id, office_path, round_id, "
        "target_unit_path, title, category_id, category_name, heading_name, severity, "
        "discipline_type, feedback_date, state, deadline) "
        "SELECT c.id, gen_random_uuid()::text, c.engagement_id, c.office_id, c.office_path, "
        "c.round_id, c.target_unit_path, '问题' || n, 'cat-' || (n % 8), '类别' || (n % 8), "
        "'全面从严治党', 'SERIOUS', 'DISCIPLINE_TYPE_UNSPECIFIED', c.feedback_date, "
        "CASE WHEN n % 100 < 70 THEN 'ACCEPTED' WHEN n % 100 < 80 THEN 'COMPLETED' "
        "WHEN n % 100 < 92 THEN 'IN_PROGRESS' ELSE 'PLANNED' END, "
        "c.feedback_date + 30 + (n * 7) % 500 "
        "FROM cases c, generate_series(1, $1) n",
        per_case);
    return absl::OkStatus();
  });
}

// One GetRectificationStats call for the timing loop; false (with a message) when it fails.
bool Stats(v1::RectificationService::Stub& stub, const std::string& token,
           const v1::GetRectificationStatsRequest& request, int64_t* total) {
  auto context = testing::CallContext(token);
  v1::RectificationStats stats;
  grpc::Status s = stub.GetRectificationStats(context.get(), request, &stats);
  if (!s.ok()) std::fprintf(stderr, "stats failed: %s\n", s.error_message().c_str());
  *total = stats.totals().total();
  return s.ok();
}

}  // namespace

int main(int argc, char** argv) {
  const int items = argc > 1 ? std::atoi(argv[1]) : 300000;
  const int calls = argc > 2 ? std::atoi(argv[2]) : 50;
  testing::BenchService service;
  if (!service.Start(XUNCHA_RECTIFICATION_BIN, "rectification")) return 1;
  PgPoolOptions o;
  o.url = service.db.url();
  o.schema = "rectification";
  o.statement_timeout = absl::Minutes(10);  // the bulk load, not a request
  PgPool pool(o);
  const auto load_start = std::chrono::steady_clock::now();
  if (absl::Status s = Load(pool, items); !s.ok()) {
    std::fprintf(stderr, "load failed: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  {
    // What autovacuum does to a table at rest: statistics, and the visibility map the
    // index-only tally scan relies on. VACUUM cannot run inside a transaction.
    pqxx::connection c(service.db.url());
    pqxx::nontransaction tx(c);
    tx.exec("VACUUM ANALYZE rectification.cases");
    tx.exec("VACUUM ANALYZE rectification.items");
  }
  const double load_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();

  auto stub = v1::RectificationService::NewStub(
      grpc::CreateChannel(service.address, grpc::InsecureChannelCredentials()));
  const std::string city =
      testing::SignUserToken(*service.signer, "office-city", "c1", {"OFFICE_STAFF"});
  int64_t total = 0;
  const testing::Latency all =
      testing::TimeCalls(calls, [&] { return Stats(*stub, city, {}, &total); });
  std::printf("loaded %d items in %.1f s\n", items, load_s);
  std::printf(
      "city dashboard (%lld items, %d counties rolled up): p50 %.1f ms  p99 %.1f ms  "
      "max %.1f ms over %d calls\n",
      static_cast<long long>(total), kCounties, all.p50_ms, all.p99_ms, all.max_ms, calls);
  v1::GetRectificationStatsRequest county;
  county.set_org("c1.k3");
  const testing::Latency one =
      testing::TimeCalls(calls, [&] { return Stats(*stub, city, county, &total); });
  std::printf("one county (org=c1.k3, %lld items): p50 %.1f ms  p99 %.1f ms  max %.1f ms\n",
              static_cast<long long>(total), one.p50_ms, one.p99_ms, one.max_ms);
  service.process.Stop(SIGTERM);
  return 0;
}
