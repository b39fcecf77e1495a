#include "xuncha/log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <regex>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

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

// Positions of the messages "<prefix>0", "<prefix>1", … in `out`, which must all be there in that
// order.
void ExpectInOrder(const std::string& out, const std::string& prefix, int count) {
  std::size_t at = 0;
  for (int i = 0; i < count; ++i) {
    const std::string message = absl::StrCat("\"message\":\"", prefix, i, "\"");
    const std::size_t found = out.find(message, at);
    ASSERT_NE(found, std::string::npos) << message << " missing or out of order";
    at = found;
  }
}

TEST(LogTest, BufferedLinesWaitUntilAWarningTheSizeLimitOrTheDelay) {
  log::SetService("logtest");
  ::testing::internal::CaptureStderr();
  log::BufferLines(absl::Hours(1));
  log::Info("held0");
  log::Info("held1");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "") << "info lines were written at once";

  // A warning writes what is waiting first, then itself.
  ::testing::internal::CaptureStderr();
  log::Warning("held2");
  std::string out = ::testing::internal::GetCapturedStderr();
  ExpectInOrder(out, "held", 3);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3) << out;

  // 64 KiB waiting wake the background thread before the delay (an hour) is up.
  ::testing::internal::CaptureStderr();
  const std::string filler(1000, 'x');
  // 1.1 KB each: 64 KiB are waiting by line 60 at the latest.
  for (int i = 0; i < 120; ++i) log::Info(absl::StrCat("bulk", i), {{"filler", filler}});
  absl::SleepFor(absl::Milliseconds(500));
  const std::string woken = ::testing::internal::GetCapturedStderr();
  EXPECT_GE(woken.size(), 64u << 10);

  // Turning buffering off writes the rest; then a line is written as it is logged.
  ::testing::internal::CaptureStderr();
  log::BufferLines(absl::ZeroDuration());
  ExpectInOrder(woken + ::testing::internal::GetCapturedStderr(), "bulk", 120);
  ::testing::internal::CaptureStderr();
  log::Info("direct");
  EXPECT_NE(::testing::internal::GetCapturedStderr().find("\"message\":\"direct\""),
            std::string::npos);

  // With a short delay the background thread writes info lines by itself.
  ::testing::internal::CaptureStderr();
  log::BufferLines(absl::Milliseconds(20));
  log::Info("late0");
  log::Info("late1");
  absl::SleepFor(absl::Milliseconds(500));
  out = ::testing::internal::GetCapturedStderr();
  log::BufferLines(absl::ZeroDuration());
  ExpectInOrder(out, "late", 2);
}

TEST(LogTest, AStalledStderrDropsInfoLinesInsteadOfBlockingTheLogger) {
  // stderr becomes a pipe that nobody reads until the end: it fills, and the background writer
  // blocks in write(2), as it would behind a stalled log collector.
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::fflush(stderr);
  const int saved = dup(2);
  ASSERT_EQ(dup2(fds[1], 2), 2);
  log::BufferLines(absl::Milliseconds(5));
  constexpr int kLines = 12000;  // ~12 MB: more than the pipe and the 8 MiB limit together
  const std::string filler(1000, 'x');
  // This loop returning at all is the point: if the logger blocked on stderr, it would hang here.
  for (int i = 0; i < kLines; ++i) log::Info("stalled", {{"filler", filler}});

  std::string drained;
  std::thread reader([&] {
    char buf[1 << 16];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) drained.append(buf, n);
  });
  log::BufferLines(absl::ZeroDuration());
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  close(fds[1]);
  reader.join();
  close(fds[0]);

  int written = 0;
  long dropped = 0;
  std::size_t at = 0;
  while ((at = drained.find("\"message\":\"stalled\"", at)) != std::string::npos) {
    ++written;
    ++at;
  }
  const std::regex notice(
      R"re("message":"log lines dropped: stderr did not keep up","lines":"(\d+)")re");
  for (std::sregex_iterator it(drained.begin(), drained.end(), notice), end; it != end; ++it) {
    dropped += std::stol((*it)[1]);
  }
  EXPECT_GT(dropped, 0);
  EXPECT_EQ(written + dropped, kLines) << "written " << written << ", dropped " << dropped;
}

}  // namespace
}  // namespace xuncha
