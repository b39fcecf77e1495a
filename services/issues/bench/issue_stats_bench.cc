// Benchmark, not a test: the city dashboard (GetIssueStats rolled up over 10 counties) with
// 1,000,000 issues. Needs the harness's servers (XUNCHA_TEST_PG_URL, XUNCHA_TEST_REDIS) and
// creates and drops a throwaway database on them.
//
//   issue_stats_bench [issues=1000000] [calls=50]
//
// The real xuncha-issues binary applies the real migrations; the issues are then bulk loaded
// with SQL (INSERT … SELECT generate_series) straight into its table — a bench may load
// directly, the service never would. The summary the statistics read is filled by the table's
// own triggers (migration 0002) exactly as for the service's writes, then folded. Prints
// p50/p99/max of `calls` timed RPCs after a warm-up, for the city's dashboard and for one
// county's, the time the old GROUP BY over the issues takes for the same answer, and whether
// the two answers agree.
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
#include "domain.h"
#include "google/protobuf/util/message_differencer.h"
#include "repository.h"
#include "service_harness.h"
#include "test_env.h"
#include "xuncha/auth.h"
#include "xuncha/crypto.h"
#include "xuncha/issues/v1/issues.grpc.pb.h"
#include "xuncha/pg.h"
#include "xuncha/status.h"

namespace {

namespace v1 = ::xuncha::issues::v1;
using namespace xuncha;

constexpr int kCounties = 10;
constexpr int kUnitsPerOffice = 100;  // engagements per office: 1,100 in all
constexpr int kChunk = 100000;        // issues per INSERT statement (and transaction)

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Issues spread over the city (office 0, path c1) and its 10 counties (c1.k1 … c1.k10), 100
// engagements each in 3 rounds; the 21 standard categories; every discipline type, severity
// and source; states 70 % FED_BACK, 5 % each of DRAFT, VERIFYING, CONFIRMED, DISMISSED,
// REPORTED. Deterministic: the n-th issue always gets the same values.
absl::Status Load(PgPool& pool, int issues) {
  for (int lo = 0; lo < issues; lo += kChunk) {
    const int hi = std::min(issues, lo + kChunk);
    RETURN_IF_ERROR(pool.Transact([&](pqxx::work& tx) -> absl::Status {
      tx.exec_params(
          "WITH cats AS (SELECT (row_number() OVER (ORDER BY heading_id, position, id)) - 1 AS k, "
          "  id, heading_id FROM taxonomy_entries WHERE parent_id IS NOT NULL "
          "  AND office_id IS NULL), "
          "ncats AS (SELECT count(*) AS c FROM cats) "
          "INSERT INTO issues (engagement_id, office_id, office_path, round_id, target_unit_id, "
          "target_unit_path, title, description, category_id, heading_id, discipline_type, "
          "severity, source, state, created_by) "
          "SELECT 'eng-' || e.o || '-' || e.u, "
          "CASE WHEN e.o = 0 THEN 'office-city' ELSE 'office-k' || e.o END, "
          "(CASE WHEN e.o = 0 THEN 'c1' ELSE 'c1.k' || e.o END)::ltree, "
          "'round-' || e.o || '-' || (e.u % 3), 'unit-' || e.o || '-' || e.u, "
          "(CASE WHEN e.o = 0 THEN 'c1.d' || e.u ELSE 'c1.k' || e.o || '.u' || e.u END)::ltree, "
          "'问题' || n, '经查阅凭证发现问题' || n, c.id, c.heading_id, "
          "(ARRAY['', 'POLITICAL', 'ORGANIZATIONAL', 'INTEGRITY', 'MASS', 'WORK', "
          "  'LIFE'])[1 + n % 7], "
          "(ARRAY['GENERAL', 'SERIOUS', 'GRAVE'])[1 + (n / 3) % 3], "
          "(ARRAY['INTERVIEW', 'SURVEY', 'DOCUMENT', 'PETITION', 'DATA_COMPARISON', "
          "  'OTHER'])[1 + (n / 5) % 6], "
          "CASE WHEN n % 100 < 5 THEN 'DRAFT' WHEN n % 100 < 10 THEN 'VERIFYING' "
          "  WHEN n % 100 < 15 THEN 'CONFIRMED' WHEN n % 100 < 20 THEN 'DISMISSED' "
          "  WHEN n % 100 < 25 THEN 'REPORTED' ELSE 'FED_BACK' END, 'bench' "
          "FROM generate_series($1::int, $2::int - 1) n "
          "CROSS JOIN LATERAL (SELECT n % ($3::int + 1) AS o, "
          "  (n / ($3::int + 1)) % $4::int AS u) e "
          "CROSS JOIN ncats JOIN cats c ON c.k = (n / 11) % ncats.c",
          lo, hi, kCounties, kUnitsPerOffice);
      return absl::OkStatus();
    }));
    std::fprintf(stderr, "\r[bench] loaded %d of %d issues", hi, issues);
  }
  std::fprintf(stderr, "\n");
  return absl::OkStatus();
}

// One GetIssueStats call for the timing loop; false (with a message) when it fails.
bool Stats(v1::IssuesService::Stub& stub, const std::string& token,
           const v1::GetIssueStatsRequest& request, v1::IssueStats* stats) {
  auto context = testing::CallContext(token);
  grpc::Status s = stub.GetIssueStats(context.get(), request, stats);
  if (!s.ok()) std::fprintf(stderr, "stats failed: %s\n", s.error_message().c_str());
  return s.ok();
}

}  // namespace

int main(int argc, char** argv) {
  const int issues = argc > 1 ? std::atoi(argv[1]) : 1000000;
  const int calls = argc > 2 ? std::atoi(argv[2]) : 50;
  testing::BenchService service;
  if (!service.Start(XUNCHA_ISSUES_BIN, "issues")) return 1;
  PgPoolOptions o;
  o.url = service.db.url();
  o.schema = "issues";
  o.statement_timeout = absl::Minutes(10);  // the bulk load and the recount, not requests
  PgPool pool(o);
  const auto load_start = std::chrono::steady_clock::now();
  if (absl::Status s = Load(pool, issues); !s.ok()) {
    std::fprintf(stderr, "load failed: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  // The service folds every second anyway; folding here makes the state measured definite
  // (the summary folded, no deltas pending), as on a dashboard between bursts of writes.
  auto folded = pool.TransactWith<int>(
      [](pqxx::work& tx) -> absl::StatusOr<int> { return issues::Repository::CompactCounts(tx); });
  if (!folded.ok()) {
    std::fprintf(stderr, "fold failed: %s\n", std::string(folded.status().message()).c_str());
    return 1;
  }
  {
    // What autovacuum does to tables at rest. VACUUM cannot run inside a transaction.
    pqxx::connection c(service.db.url());
    pqxx::nontransaction tx(c);
    tx.exec("VACUUM ANALYZE issues.issues");
    tx.exec("VACUUM ANALYZE issues.issue_counts");
    tx.exec("VACUUM ANALYZE issues.issue_count_deltas");
  }
  const double load_s = Since(load_start);
  auto summary_rows = pool.TransactWith<int>([](pqxx::work& tx) -> absl::StatusOr<int> {
    return tx.exec1("SELECT count(*) FROM issue_counts")[0].as<int>();
  });

  auto stub = v1::IssuesService::NewStub(
      grpc::CreateChannel(service.address, grpc::InsecureChannelCredentials()));
  const std::string city =
      testing::SignUserToken(*service.signer, "office-city", "c1", {"OFFICE_STAFF"});
  const std::string county =
      testing::SignUserToken(*service.signer, "office-k3", "c1.k3", {"OFFICE_STAFF"});
  v1::IssueStats city_stats, county_stats;
  const testing::Latency all =
      testing::TimeCalls(calls, [&] { return Stats(*stub, city, {}, &city_stats); });
  const testing::Latency one =
      testing::TimeCalls(calls, [&] { return Stats(*stub, county, {}, &county_stats); });

  // The old way, once: the GROUP BY over every issue of the city, and whether it agrees.
  const auto recount_start = std::chrono::steady_clock::now();
  auto recount =
      pool.TransactWith<v1::IssueStats>([](pqxx::work& tx) -> absl::StatusOr<v1::IssueStats> {
        return issues::RollUp(issues::Repository::StatsRows(tx, "c1", "", ""), "c1");
      });
  const double recount_ms = Since(recount_start) * 1000;
  const bool agree =
      recount.ok() && google::protobuf::util::MessageDifferencer::Equals(*recount, city_stats);

  std::printf("loaded %d issues in %.1f s (summary: %d rows after folding %d delta rows)\n", issues,
              load_s, summary_rows.value_or(-1), *folded);
  std::printf(
      "city dashboard (%lld issues, %d counties rolled up): p50 %.1f ms  p99 %.1f ms  "
      "max %.1f ms over %d calls\n",
      static_cast<long long>(city_stats.total()), kCounties, all.p50_ms, all.p99_ms, all.max_ms,
      calls);
  std::printf("one county (c1.k3, %lld issues): p50 %.1f ms  p99 %.1f ms  max %.1f ms\n",
              static_cast<long long>(county_stats.total()), one.p50_ms, one.p99_ms, one.max_ms);
  std::printf("recount from the issues table (the query before the summary): %.0f ms; %s\n",
              recount_ms, agree ? "same answer" : "ANSWERS DIFFER");
  service.process.Stop(SIGTERM);
  return agree ? 0 : 1;
}
