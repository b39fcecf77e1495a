#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_env.h"
#include "xuncha/migrations.h"

namespace xuncha {
namespace {

EmbeddedFile kFiles[] = {
    {"0001_items.sql", "CREATE TABLE items (id bigserial PRIMARY KEY, path ltree NOT NULL);"},
    {"0002_names.sql", "ALTER TABLE items ADD COLUMN name text NOT NULL DEFAULT '';"},
};

PgPoolOptions Options(const std::string& url) {
  PgPoolOptions o;
  o.url = url;
  o.size = 2;
  return o;
}

int Count(PgPool& pool, const std::string& sql) {
  return pool
      .TransactWith<int>(
          [&](pqxx::work& tx) -> absl::StatusOr<int> { return tx.exec1(sql)[0].as<int>(); })
      .value_or(-1);
}

TEST(MigrationsPgTest, AppliesOnceAndIsIdempotent) {
  testing::TestDatabase db;
  PgPool pool(Options(db.url()));
  ASSERT_TRUE(MigrateServiceSchema(pool, "svc", {kFiles, 2}).ok());
  auto again = ApplyMigrations(pool, "svc", "svc", {kFiles, 2});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  EXPECT_EQ(Count(pool, "SELECT count(*) FROM svc.schema_migrations WHERE component = 'svc'"), 2);
  EXPECT_EQ(Count(pool, "SELECT count(*) FROM svc.outbox"), 0);  // common tables are there
}

TEST(MigrationsPgTest, EditedMigrationIsRefused) {
  testing::TestDatabase db;
  PgPool pool(Options(db.url()));
  ASSERT_TRUE(ApplyMigrations(pool, "svc", "svc", {kFiles, 1}).ok());
  EmbeddedFile edited[] = {{"0001_items.sql", "CREATE TABLE items (id int);"}};
  auto r = ApplyMigrations(pool, "svc", "svc", {edited, 1});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(MigrationsPgTest, FailedMigrationLeavesNothingHalfApplied) {
  testing::TestDatabase db;
  PgPool pool(Options(db.url()));
  EmbeddedFile broken[] = {{"0001_ok.sql", "CREATE TABLE a (id int);"},
                           {"0002_bad.sql", "CREATE TABLE b (id int); SELECT no_such_fn();"}};
  EXPECT_FALSE(ApplyMigrations(pool, "svc", "svc", {broken, 2}).ok());
  EXPECT_EQ(Count(pool, "SELECT count(*) FROM svc.schema_migrations"), 1);
  EXPECT_EQ(
      Count(pool, "SELECT count(*) FROM pg_tables WHERE schemaname = 'svc' AND tablename = 'b'"),
      0);
  // And the advisory lock was released: a second run gets through.
  EXPECT_TRUE(ApplyMigrations(pool, "svc", "svc", {kFiles, 0}).ok());
}

// A migration that rewrites a table names it for VACUUM (ANALYZE) after commit: the rewritten
// table's pages are all-visible again, so index-only scans need no heap fetches.
TEST(MigrationsPgTest, NamedTablesAreVacuumedAfterCommit) {
  testing::TestDatabase db;
  PgPool pool(Options(db.url()));
  EmbeddedFile files[] = {
      {"0001_items.sql",
       "CREATE TABLE items (id bigserial PRIMARY KEY, body text NOT NULL) "
       "WITH (autovacuum_enabled = false);"  // only the runner vacuums it
       "INSERT INTO items (body) SELECT 'x' || g FROM generate_series(1, 5000) g;"},
      {"0002_rewrite.sql",
       "ALTER TABLE items ADD COLUMN len int NOT NULL GENERATED ALWAYS AS (length(body)) STORED;\n"
       "-- vacuum after commit: items\n"},
  };
  ASSERT_TRUE(ApplyMigrations(pool, "svc", "svc", {files, 1}).ok());
  const std::string all_visible =
      "SELECT relallvisible FROM pg_class WHERE oid = 'svc.items'::regclass";
  EXPECT_EQ(Count(pool, all_visible), 0);  // freshly written: nothing marked all-visible yet
  ASSERT_TRUE(ApplyMigrations(pool, "svc", "svc", {files, 2}).ok());
  EXPECT_GT(Count(pool, all_visible), 0);
  EXPECT_GT(Count(pool,
                  "SELECT count(*) FROM pg_stats WHERE schemaname = 'svc' AND "
                  "tablename = 'items' AND attname = 'len'"),
            0);  // analysed too
  EmbeddedFile misspelt[] = {{"0003_oops.sql", "SELECT 1;\n-- vacuum after commit: itemz\n"}};
  EXPECT_FALSE(ApplyMigrations(pool, "svc", "svc", {misspelt, 1}).ok());
}

TEST(MigrationsPgTest, TwoProcessesStartingAtOnceApplyEachFileOnce) {
  testing::TestDatabase db;
  const std::string url = db.url();
  std::vector<pid_t> children;
  for (int i = 0; i < 2; ++i) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      PgPool pool(Options(url));
      absl::Status s = MigrateServiceSchema(pool, "svc", {kFiles, 2});
      _exit(s.ok() ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  PgPool pool(Options(url));
  EXPECT_EQ(Count(pool, "SELECT count(*) FROM svc.schema_migrations WHERE component = 'svc'"), 2);
  EXPECT_EQ(Count(pool, "SELECT count(*) FROM svc.schema_migrations WHERE component = 'common'"),
            static_cast<int>(ParseMigrations(CommonMigrations())->size()));
}

}  // namespace
}  // namespace xuncha
