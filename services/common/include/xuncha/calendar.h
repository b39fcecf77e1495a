// Working days: weekends are off, except adjusted working weekends (调休); public holidays are
// off. Years must be loaded: a deadline computed against an unknown year would be silently wrong.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "xuncha/embedded.h"

namespace xuncha {

struct CalendarEntry {
  enum class Kind { kHoliday, kWorkday };
  absl::CivilDay day;
  Kind kind = Kind::kHoliday;
  std::string name;
};

// "YYYY-MM-DD" ⇄ CivilDay, with INVALID_ARGUMENT naming `field` on bad input.
absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view text, absl::string_view field);
std::string FormatDate(absl::CivilDay day);

// Parses the shipped data format: one entry per line, `YYYY-MM-DD HOLIDAY|WORKDAY name`;
// `# year YYYY` lines declare a year complete even if it has no entries; `#` starts a comment.
struct CalendarFile {
  std::set<int> years;
  std::vector<CalendarEntry> entries;
};
absl::StatusOr<CalendarFile> ParseCalendarFile(absl::string_view text);

class WorkingCalendar {
 public:
  // Replaces a year. Entries must fall inside the year; a HOLIDAY on a weekend or a WORKDAY on a
  // weekday is rejected because it would mean nothing.
  absl::Status SetYear(int year, const std::vector<CalendarEntry>& entries);
  bool HasYear(int year) const { return years_.contains(year); }
  std::vector<int> Years() const;
  std::vector<CalendarEntry> Entries(int year) const;

  absl::StatusOr<bool> IsWorkingDay(absl::CivilDay day) const;
  // The day `days` working days after `start` (before it when negative); start itself is not
  // counted, so AddWorkingDays(friday, 1) is the next working day.
  absl::StatusOr<absl::CivilDay> AddWorkingDays(absl::CivilDay start, int days) const;
  // Working days in (start, end]; negative when end < start. Count(s, Add(s, n)) == n.
  absl::StatusOr<int> CountWorkingDays(absl::CivilDay start, absl::CivilDay end) const;

 private:
  absl::Status CheckYear(absl::CivilDay day) const;
  std::set<int> years_;
  std::map<absl::CivilDay, CalendarEntry> entries_;
};

// One year of the shipped calendar files, already checked by WorkingCalendar::SetYear: what
// directory (the owner) and rectification (a replica) seed their tables with.
struct ShippedCalendarYear {
  std::string source;  // the file's name
  int year = 0;
  std::vector<CalendarEntry> entries;
};
absl::StatusOr<std::vector<ShippedCalendarYear>> ShippedCalendarYears(
    const EmbeddedFileList& files);

}  // namespace xuncha
