#include "xuncha/config.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace xuncha {
namespace {

TEST(ConfigTest, FlagsOverrideEnvironment) {
  setenv("XUNCHA_DB_URL", "from-env", 1);
  setenv("XUNCHA_POOL_SIZE", "7", 1);
  const char* argv[] = {"prog", "--db-url=from-flag"};
  auto config = Config::FromArgs(2, argv);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->Get("db_url"), "from-flag");
  EXPECT_EQ(*config->GetInt("pool_size", 1), 7);
  EXPECT_EQ(*config->GetInt("absent", 3), 3);
  unsetenv("XUNCHA_DB_URL");
  unsetenv("XUNCHA_POOL_SIZE");
}

TEST(ConfigTest, ErrorsNameTheSetting) {
  const char* argv[] = {"prog", "--pool_size=many", "--timeout=soon"};
  auto config = Config::FromArgs(3, argv);
  ASSERT_TRUE(config.ok());
  auto size = config->GetInt("pool_size", 1);
  EXPECT_EQ(size.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(size.status().message().find("pool_size"), absl::string_view::npos);
  EXPECT_FALSE(config->GetDuration("timeout", absl::Seconds(1)).ok());
  auto missing = config->Require("redis");
  EXPECT_NE(missing.status().message().find("XUNCHA_REDIS"), absl::string_view::npos);
  const char* bad[] = {"prog", "positional"};
  EXPECT_FALSE(Config::FromArgs(2, bad).ok());
}

TEST(ConfigTest, Durations) {
  auto config = Config::FromMap({{"t", "250ms"}});
  EXPECT_EQ(*config.GetDuration("t", absl::Seconds(1)), absl::Milliseconds(250));
  EXPECT_EQ(Config::EnvName("db-url"), "XUNCHA_DB_URL");
}

}  // namespace
}  // namespace xuncha
