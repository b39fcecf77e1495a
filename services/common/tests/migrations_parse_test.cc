#include <gtest/gtest.h>

#include "xuncha/migrations.h"

namespace xuncha {
namespace {

TEST(MigrationsParseTest, OrdersByVersion) {
  EmbeddedFile files[] = {{"0002_b.sql", "B"}, {"0001_a.sql", "A"}, {"0010_c.sql", "C"}};
  auto parsed = ParseMigrations({files, 3});
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->size(), 3u);
  EXPECT_EQ((*parsed)[0].version, 1);
  EXPECT_EQ((*parsed)[1].name, "0002_b.sql");
  EXPECT_EQ((*parsed)[2].version, 10);
}

TEST(MigrationsParseTest, RejectsBadNamesAndDuplicates) {
  EmbeddedFile bad_name[] = {{"1_a.sql", ""}};
  EXPECT_EQ(ParseMigrations({bad_name, 1}).status().code(), absl::StatusCode::kInvalidArgument);
  EmbeddedFile dup[] = {{"0001_a.sql", ""}, {"0001_b.sql", ""}};
  auto r = ParseMigrations({dup, 2});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("twice"), absl::string_view::npos);
  EmbeddedFile zero[] = {{"0000_a.sql", ""}};
  EXPECT_FALSE(ParseMigrations({zero, 1}).ok());
}

TEST(MigrationsParseTest, ReadsVacuumDirectives) {
  EmbeddedFile files[] = {
      {"0001_a.sql", "ALTER TABLE a ADD COLUMN x int;\n-- vacuum after commit: a, b_2\n"},
      {"0002_b.sql", "-- vacuum is not a directive here\nSELECT 1;"}};
  auto parsed = ParseMigrations({files, 2});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ((*parsed)[0].vacuum_after_commit, (std::vector<std::string>{"a", "b_2"}));
  EXPECT_TRUE((*parsed)[1].vacuum_after_commit.empty());
  EmbeddedFile bad[] = {{"0001_a.sql", "-- vacuum after commit: a; DROP TABLE b"}};
  auto refused = ParseMigrations({bad, 1});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("0001_a.sql"), absl::string_view::npos);
  EmbeddedFile empty[] = {{"0001_a.sql", "-- vacuum after commit:"}};
  EXPECT_FALSE(ParseMigrations({empty, 1}).ok());
}

TEST(MigrationsParseTest, CommonMigrationsAreEmbedded) {
  auto parsed = ParseMigrations(CommonMigrations());
  ASSERT_TRUE(parsed.ok());
  ASSERT_FALSE(parsed->empty());
  EXPECT_NE((*parsed)[0].sql.find("CREATE TABLE outbox"), absl::string_view::npos);
}

}  // namespace
}  // namespace xuncha
