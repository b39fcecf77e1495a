// Benchmark, not a test: the city dashboard (GetRectificationStats rolled up over 10 counties)
// with 300,000 items. Needs the harness's servers (XUNCHA_TEST_PG_URL, XUNCHA_TEST_REDIS) and
// creates and drops a throwaway database on them.
//
//   rectification_stats_bench [items=300000] [calls=50]
//
// The real xuncha-rectification binary applies the real migrations; the data are then bulk
// loaded with SQL (INSERT … SELECT generate_series) straight into its tables — a bench may load
// directly, the service never would. Prints p50/p99/max of `calls` timed RPCs after a warm-up,
// for the city's dashboard and for one county's; then the query before the summary (a scan of
// every item in scope) timed the same way, and whether the two answer alike. Exits non-zero when
// they differ.
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
#include "repository.h"
#include "service_harness.h"
#include "test_env.h"
#include "xuncha/auth.h"
#include "xuncha/calendar.h"
#include "xuncha/crypto.h"
#include "xuncha/engagements.h"
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
  // The service folds every second anyway; folding here makes the state measured definite (the
  // summary folded, no deltas pending), as on a dashboard between bursts of writes.
  auto folded = pool.TransactWith<int>([](pqxx::work& tx) -> absl::StatusOr<int> {
    return rectification::Repository::FoldTallies(tx, TodayInChina());
  });
  if (!folded.ok()) {
    std::fprintf(stderr, "fold failed: %s\n", std::string(folded.status().message()).c_str());
    return 1;
  }
  {
    // What autovacuum does to tables at rest: statistics, and the visibility map the
    // index-only tally scan of the old query relies on. VACUUM cannot run inside a transaction.
    pqxx::connection c(service.db.url());
    pqxx::nontransaction tx(c);
    for (const char* table : {"cases", "items", "item_tallies", "case_tallies", "category_tallies",
                              "item_open_deadlines", "item_tally_deltas"}) {
      tx.exec(absl::StrCat("VACUUM ANALYZE rectification.", table));
    }
  }
  const double load_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
  auto summary_rows = pool.TransactWith<std::string>([](pqxx::work& tx)
                                                         -> absl::StatusOr<std::string> {
    pqxx::row r = tx.exec1(
        "SELECT (SELECT count(*) FROM item_tallies), (SELECT count(*) FROM item_open_deadlines), "
        "(SELECT count(*) FROM case_tallies), (SELECT count(*) FROM category_tallies)");
    return absl::StrCat(r[0].as<int64_t>(), " (case, category) rows, ", r[1].as<int64_t>(),
                        " (case, category, deadline) rows of open items, ", r[2].as<int64_t>(),
                        " case rows, ", r[3].as<int64_t>(), " (office, round, category) rows");
  });

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

  // The repository queries themselves, without the RPC: the summary's and the per-item recount
  // (the query before the summary), for the city. Folded for today, the summary reads no
  // (case, category, deadline) row for today; asked about 2025-01-01 instead it reads those of
  // every open item with a deadline in between — all of them here, each on its own day: its
  // worst case, which the service's own reads never meet (it asks about the day it folds for).
  using rectification::Repository;
  using rectification::StatsFilter;
  using rectification::StatsTallies;
  const StatsFilter city_filter{"c1", "", ""};
  const absl::CivilDay today = TodayInChina();
  const absl::CivilDay early(2025, 1, 1);
  auto time_query = [&](auto query, absl::CivilDay day) {
    return testing::TimeCalls(calls, [&] {
      return pool
          .TransactWith<int>([&](pqxx::work& tx) -> absl::StatusOr<int> {
            query(tx, city_filter, day);
            return 0;
          })
          .ok();
    });
  };
  const testing::Latency summary_now = time_query(&Repository::Stats, today);
  const testing::Latency summary_early = time_query(&Repository::Stats, early);
  const testing::Latency recount = time_query(&Repository::StatsFromItems, today);
  std::printf("summary: %s after folding %d delta rows\n", summary_rows.value_or("?").c_str(),
              folded.value_or(-1));
  std::printf(
      "city query alone, summary: p50 %.1f ms  p99 %.1f ms (today); "
      "p50 %.1f ms  p99 %.1f ms (asked about 2025-01-01, folded for today)\n",
      summary_now.p50_ms, summary_now.p99_ms, summary_early.p50_ms, summary_early.p99_ms);
  std::printf(
      "city query alone, recount from the items (the query before the summary): "
      "p50 %.1f ms  p99 %.1f ms\n",
      recount.p50_ms, recount.p99_ms);

  // The same answer for several filters and days.
  bool agree = true;
  for (const StatsFilter& f : {city_filter, StatsFilter{"c1", "c1.k3", ""},
                               StatsFilter{"c1.k3", "", ""}, StatsFilter{"c1", "", "round-3-1"}}) {
    for (const absl::CivilDay day : {today, early, absl::CivilDay(2025, 9, 1)}) {
      auto both = pool.TransactWith<bool>([&](pqxx::work& tx) -> absl::StatusOr<bool> {
        return Repository::Stats(tx, f, day) == Repository::StatsFromItems(tx, f, day);
      });
      if (!both.ok() || !*both) {
        agree = false;
        std::printf("ANSWERS DIFFER: office %s org %s round %s on %s\n", f.office_path.c_str(),
                    f.org_path.c_str(), f.round_id.c_str(), FormatDate(day).c_str());
      }
    }
  }
  std::printf("summary and recount: %s\n", agree ? "same answer" : "ANSWERS DIFFER");
  service.process.Stop(SIGTERM);
  return agree ? 0 : 1;
}
