// The calendar data shipped with directory loads and says what the State Council published.
#include <gtest/gtest.h>

#include "xuncha/calendar.h"
#include "xuncha/embedded.h"

namespace xuncha {
extern const EmbeddedFileList directory_calendar;
namespace {

WorkingCalendar Shipped() {
  WorkingCalendar cal;
  auto file = ParseCalendarFile(directory_calendar.begin()->content);
  EXPECT_TRUE(file.ok()) << file.status();
  for (int year : file->years) {
    std::vector<CalendarEntry> entries;
    for (const auto& e : file->entries) {
      if (e.day.year() == year) entries.push_back(e);
    }
    EXPECT_TRUE(cal.SetYear(year, entries).ok()) << year;
  }
  return cal;
}

TEST(CalendarDataTest, CoversAtLeast2025To2027) {
  WorkingCalendar cal = Shipped();
  EXPECT_TRUE(cal.HasYear(2025));
  EXPECT_TRUE(cal.HasYear(2026));
  EXPECT_TRUE(cal.HasYear(2027));
}

TEST(CalendarDataTest, SpringFestival2026) {
  WorkingCalendar cal = Shipped();
  // 2月15日至23日放假调休; 2月14日（周六）、2月28日（周六）上班.
  for (int d = 15; d <= 23; ++d) {
    EXPECT_FALSE(*cal.IsWorkingDay(absl::CivilDay(2026, 2, d))) << d;
  }
  EXPECT_TRUE(*cal.IsWorkingDay(absl::CivilDay(2026, 2, 14)));
  EXPECT_TRUE(*cal.IsWorkingDay(absl::CivilDay(2026, 2, 28)));
  EXPECT_EQ(*cal.AddWorkingDays(absl::CivilDay(2026, 2, 13), 1), absl::CivilDay(2026, 2, 14));
  EXPECT_EQ(*cal.AddWorkingDays(absl::CivilDay(2026, 2, 14), 1), absl::CivilDay(2026, 2, 24));
}

TEST(CalendarDataTest, NationalDay2025) {
  WorkingCalendar cal = Shipped();
  EXPECT_EQ(*cal.CountWorkingDays(absl::CivilDay(2025, 9, 26), absl::CivilDay(2025, 10, 12)),
            // Sun 9/28, Mon 9/29, Tue 9/30, Thu 10/9, Fri 10/10, Sat 10/11
            6);
}

}  // namespace
}  // namespace xuncha
