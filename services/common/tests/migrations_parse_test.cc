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

TEST(MigrationsParseTest, CommonMigrationsAreEmbedded) {
  auto parsed = ParseMigrations(CommonMigrations());
  ASSERT_TRUE(parsed.ok());
  ASSERT_FALSE(parsed->empty());
  EXPECT_NE((*parsed)[0].sql.find("CREATE TABLE outbox"), absl::string_view::npos);
}

}  // namespace
}  // namespace xuncha
