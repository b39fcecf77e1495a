#include "xuncha/background.h"

#include <gtest/gtest.h>

#include <atomic>

#include "absl/time/clock.h"

namespace xuncha {
namespace {

TEST(BackgroundThreadTest, WakeEndsAWaitAndStopEndsTheLoop) {
  BackgroundThread thread;
  std::atomic<int> rounds{0};
  std::atomic<bool> returned{false};
  thread.Start([&] {
    // A long wait: only Wake() and Stop() can make the loop go round in this test's time.
    while (thread.Wait(absl::Hours(1))) ++rounds;
    returned = true;
  });
  thread.Wake();
  for (int i = 0; i < 200 && rounds.load() < 1; ++i) absl::SleepFor(absl::Milliseconds(5));
  EXPECT_EQ(rounds.load(), 1);
  thread.Stop();  // ends the hour-long wait at once (ctest's timeout would catch a hang)
  EXPECT_TRUE(returned.load());
  EXPECT_TRUE(thread.stopping());
  EXPECT_FALSE(thread.Wait(absl::Hours(1)));  // after Stop: at once, false
  // It can be started again.
  returned = false;
  thread.Start([&] {
    while (thread.Wait(absl::Milliseconds(1))) {
    }
    returned = true;
  });
  EXPECT_FALSE(thread.stopping());
  thread.Stop();
  EXPECT_TRUE(returned.load());
}

}  // namespace
}  // namespace xuncha
