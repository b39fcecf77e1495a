#include "xuncha/calendar.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace xuncha {
namespace {

using K = CalendarEntry::Kind;

// 2025 National Day / Mid-Autumn: Oct 1-8 off, Sun Sep 28 and Sat Oct 11 worked.
WorkingCalendar Calendar2025() {
  WorkingCalendar cal;
  std::vector<CalendarEntry> e = {
      {absl::CivilDay(2025, 9, 28), K::kWorkday, "国庆节调休"},
      {absl::CivilDay(2025, 10, 1), K::kHoliday, "国庆节"},
      {absl::CivilDay(2025, 10, 2), K::kHoliday, "国庆节"},
      {absl::CivilDay(2025, 10, 3), K::kHoliday, "国庆节"},
      {absl::CivilDay(2025, 10, 6), K::kHoliday, "国庆节"},
      {absl::CivilDay(2025, 10, 7), K::kHoliday, "国庆节"},
      {absl::CivilDay(2025, 10, 8), K::kHoliday, "中秋节"},
      {absl::CivilDay(2025, 10, 11), K::kWorkday, "国庆节调休"},
  };
  EXPECT_TRUE(cal.SetYear(2025, e).ok());
  return cal;
}

TEST(CalendarTest, AdjustedSaturdayIsAWorkingDay) {
  WorkingCalendar cal = Calendar2025();
  EXPECT_TRUE(*cal.IsWorkingDay(absl::CivilDay(2025, 10, 11)));   // Saturday, 调休
  EXPECT_TRUE(*cal.IsWorkingDay(absl::CivilDay(2025, 9, 28)));    // Sunday, 调休
  EXPECT_FALSE(*cal.IsWorkingDay(absl::CivilDay(2025, 10, 12)));  // ordinary Sunday
  EXPECT_TRUE(*cal.IsWorkingDay(absl::CivilDay(2025, 10, 9)));    // ordinary Thursday
}

TEST(CalendarTest, HolidayWeekIsNotWorked) {
  WorkingCalendar cal = Calendar2025();
  for (int d = 1; d <= 8; ++d) {
    EXPECT_FALSE(*cal.IsWorkingDay(absl::CivilDay(2025, 10, d))) << "2025-10-" << d;
  }
  EXPECT_EQ(*cal.CountWorkingDays(absl::CivilDay(2025, 9, 30), absl::CivilDay(2025, 10, 8)), 0);
}

TEST(CalendarTest, AddWorkingDaysAcrossNationalDay) {
  WorkingCalendar cal = Calendar2025();
  // Tue Sep 30 + 1 working day skips the whole holiday to Thu Oct 9.
  EXPECT_EQ(*cal.AddWorkingDays(absl::CivilDay(2025, 9, 30), 1), absl::CivilDay(2025, 10, 9));
  // Oct 9 (Thu), 10 (Fri), 11 (Sat, 调休), 13 (Mon) ...
  EXPECT_EQ(*cal.AddWorkingDays(absl::CivilDay(2025, 9, 30), 3), absl::CivilDay(2025, 10, 11));
  EXPECT_EQ(*cal.AddWorkingDays(absl::CivilDay(2025, 9, 30), 4), absl::CivilDay(2025, 10, 13));
  // The 10-working-day rectification report deadline after feedback on Fri Sep 26: Sun 9/28
  // (调休), 9/29, 9/30, then 10/9, 10/10, Sat 10/11 (调休), 10/13, 10/14, 10/15, 10/16.
  EXPECT_EQ(*cal.AddWorkingDays(absl::CivilDay(2025, 9, 26), 10), absl::CivilDay(2025, 10, 16));
  // Backwards.
  EXPECT_EQ(*cal.AddWorkingDays(absl::CivilDay(2025, 10, 9), -1), absl::CivilDay(2025, 9, 30));
  EXPECT_EQ(*cal.AddWorkingDays(absl::CivilDay(2025, 10, 9), 0), absl::CivilDay(2025, 10, 9));
}

TEST(CalendarTest, CountIsTheInverseOfAdd) {
  WorkingCalendar cal = Calendar2025();
  absl::CivilDay start(2025, 9, 1);
  for (int n = -20; n <= 60; ++n) {
    absl::CivilDay end = *cal.AddWorkingDays(start, n);
    EXPECT_EQ(*cal.CountWorkingDays(start, end), n) << n;
  }
}

TEST(CalendarTest, UnknownYearIsRefusedNotGuessed) {
  WorkingCalendar cal = Calendar2025();
  auto r = cal.AddWorkingDays(absl::CivilDay(2025, 12, 30), 5);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("2026"), absl::string_view::npos);
}

TEST(CalendarTest, RejectsMeaninglessEntries) {
  WorkingCalendar cal;
  auto s = cal.SetYear(2025, {{absl::CivilDay(2025, 10, 4), K::kHoliday, "周六"}});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  s = cal.SetYear(2025, {{absl::CivilDay(2025, 10, 9), K::kWorkday, "周四"}});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  s = cal.SetYear(2025, {{absl::CivilDay(2026, 1, 1), K::kHoliday, "元旦"}});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(cal.HasYear(2025));
}

TEST(CalendarTest, ParsesTheDataFormat) {
  auto file = ParseCalendarFile(
      "# comment\n# year 2030\n2025-10-01 HOLIDAY 国庆节\n2025-10-11 WORKDAY 国庆节调休\n");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->entries.size(), 2u);
  EXPECT_TRUE(file->years.contains(2030));
  EXPECT_TRUE(file->years.contains(2025));
  EXPECT_EQ(file->entries[1].name, "国庆节调休");
  EXPECT_FALSE(ParseCalendarFile("2025-13-01 HOLIDAY x\n").ok());
  EXPECT_FALSE(ParseCalendarFile("2025-10-01 DAYOFF x\n").ok());
}

TEST(CalendarTest, ParseDateNamesTheField) {
  auto d = ParseDate("2025-02-30", "start");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(d.status().message(), "start:"));
  EXPECT_EQ(FormatDate(*ParseDate("2025-02-28", "start")), "2025-02-28");
}

}  // namespace
}  // namespace xuncha
