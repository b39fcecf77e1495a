#include "xuncha/log.h"

#include <gtest/gtest.h>

#include <regex>

namespace xuncha {
namespace {

TEST(LogTest, OneJsonLinePerCallWithAUtcMillisecondTimestamp) {
  log::SetService("logtest");
  ::testing::internal::CaptureStderr();
  log::Info("first", {{"key", "a \"quoted\" value"}});
  log::Debug("below the level: not written");
  log::Warning("second");
  const std::string out = ::testing::internal::GetCapturedStderr();
  const std::regex line(
      R"re(\{"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","level":"(info|warning)",)re"
      R"re("service":"logtest","message":"(first|second)"[^\n]*\}\n)re");
  std::smatch m;
  std::string rest = out;
  int lines = 0;
  while (std::regex_search(rest, m, line, std::regex_constants::match_continuous)) {
    ++lines;
    rest = m.suffix();
  }
  EXPECT_EQ(lines, 2) << out;
  EXPECT_TRUE(rest.empty()) << out;
  EXPECT_NE(out.find(R"("key":"a \"quoted\" value")"), std::string::npos) << out;
}

}  // namespace
}  // namespace xuncha
