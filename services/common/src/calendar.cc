#include "xuncha/calendar.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "xuncha/status.h"

namespace xuncha {
namespace {

bool IsWeekend(absl::CivilDay day) {
  absl::Weekday wd = absl::GetWeekday(day);
  return wd == absl::Weekday::saturday || wd == absl::Weekday::sunday;
}

// A deadline more than this many days away is a data error, not a plan.
constexpr int kMaxSpanDays = 3660;

}  // namespace

absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view text, absl::string_view field) {
  absl::CivilDay day;
  if (text.size() != 10 || !absl::ParseCivilTime(text, &day) || FormatDate(day) != text) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": '", text, "' is not a date in the form YYYY-MM-DD"));
  }
  return day;
}

std::string FormatDate(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

absl::StatusOr<CalendarFile> ParseCalendarFile(absl::string_view text) {
  CalendarFile file;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    if (absl::ConsumePrefix(&line, "#")) {
      line = absl::StripAsciiWhitespace(line);
      if (absl::ConsumePrefix(&line, "year ")) {
        int year = 0;
        if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &year)) {
          return absl::InvalidArgumentError(absl::StrCat("calendar line ", line_no, ": bad year"));
        }
        file.years.insert(year);
      }
      continue;
    }
    std::vector<absl::string_view> parts =
        absl::StrSplit(line, absl::MaxSplits(absl::ByAnyChar(" \t"), 2), absl::SkipEmpty());
    if (parts.size() < 2) {
      return absl::InvalidArgumentError(
          absl::StrCat("calendar line ", line_no, ": expected 'YYYY-MM-DD HOLIDAY|WORKDAY name'"));
    }
    CalendarEntry entry;
    auto day = ParseDate(parts[0], absl::StrCat("calendar line ", line_no));
    if (!day.ok()) return day.status();
    entry.day = *day;
    if (parts[1] == "HOLIDAY") {
      entry.kind = CalendarEntry::Kind::kHoliday;
    } else if (parts[1] == "WORKDAY") {
      entry.kind = CalendarEntry::Kind::kWorkday;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("calendar line ", line_no, ": kind must be HOLIDAY or WORKDAY"));
    }
    if (parts.size() > 2) entry.name = std::string(absl::StripAsciiWhitespace(parts[2]));
    file.years.insert(static_cast<int>(entry.day.year()));
    file.entries.push_back(std::move(entry));
  }
  return file;
}

absl::Status WorkingCalendar::SetYear(int year, const std::vector<CalendarEntry>& entries) {
  std::map<absl::CivilDay, CalendarEntry> fresh;
  for (const CalendarEntry& e : entries) {
    const std::string date = FormatDate(e.day);
    if (e.day.year() != year) {
      return absl::InvalidArgumentError(absl::StrCat("days: ", date, " is not in year ", year));
    }
    if (e.kind == CalendarEntry::Kind::kHoliday && IsWeekend(e.day)) {
      // Weekends are off anyway; accepting it would hide a typo in the data.
      return absl::InvalidArgumentError(
          absl::StrCat("days: ", date, " is a weekend; only weekdays can be HOLIDAY"));
    }
    if (e.kind == CalendarEntry::Kind::kWorkday && !IsWeekend(e.day)) {
      return absl::InvalidArgumentError(
          absl::StrCat("days: ", date, " is a weekday; only weekend days can be WORKDAY (调休)"));
    }
    if (!fresh.emplace(e.day, e).second) {
      return absl::InvalidArgumentError(absl::StrCat("days: ", date, " appears twice"));
    }
  }
  for (auto it = entries_.lower_bound(absl::CivilDay(year, 1, 1));
       it != entries_.end() && it->first.year() == year;) {
    it = entries_.erase(it);
  }
  entries_.merge(fresh);
  years_.insert(year);
  return absl::OkStatus();
}

std::vector<int> WorkingCalendar::Years() const { return {years_.begin(), years_.end()}; }

std::vector<CalendarEntry> WorkingCalendar::Entries(int year) const {
  std::vector<CalendarEntry> out;
  for (auto it = entries_.lower_bound(absl::CivilDay(year, 1, 1));
       it != entries_.end() && it->first.year() == year; ++it) {
    out.push_back(it->second);
  }
  return out;
}

absl::Status WorkingCalendar::CheckYear(absl::CivilDay day) const {
  if (!HasYear(static_cast<int>(day.year()))) {
    return absl::FailedPreconditionError(
        absl::StrCat("working-day calendar for ", day.year(),
                     " is not loaded; load it with PUT /api/v1/calendar/", day.year()));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> WorkingCalendar::IsWorkingDay(absl::CivilDay day) const {
  if (absl::Status s = CheckYear(day); !s.ok()) return s;
  if (auto it = entries_.find(day); it != entries_.end()) {
    return it->second.kind == CalendarEntry::Kind::kWorkday;
  }
  return !IsWeekend(day);
}

absl::StatusOr<absl::CivilDay> WorkingCalendar::AddWorkingDays(absl::CivilDay start,
                                                               int days) const {
  if (days > kMaxSpanDays || days < -kMaxSpanDays) {
    return absl::InvalidArgumentError(
        absl::StrCat("days: must be between ", -kMaxSpanDays, " and ", kMaxSpanDays));
  }
  const int step = days >= 0 ? 1 : -1;
  int remaining = days >= 0 ? days : -days;
  absl::CivilDay day = start;
  while (remaining > 0) {
    day += step;
    auto working = IsWorkingDay(day);
    if (!working.ok()) return working.status();
    if (*working) --remaining;
  }
  return day;
}

absl::StatusOr<int> WorkingCalendar::CountWorkingDays(absl::CivilDay start,
                                                      absl::CivilDay end) const {
  if (end - start > kMaxSpanDays || start - end > kMaxSpanDays) {
    return absl::InvalidArgumentError(
        absl::StrCat("end: must be within ", kMaxSpanDays, " days of start"));
  }
  const bool forward = end >= start;
  absl::CivilDay lo = forward ? start : end;
  absl::CivilDay hi = forward ? end : start;
  int count = 0;
  for (absl::CivilDay d = lo + 1; d <= hi; ++d) {
    auto working = IsWorkingDay(d);
    if (!working.ok()) return working.status();
    if (*working) ++count;
  }
  return forward ? count : -count;
}

absl::StatusOr<std::vector<ShippedCalendarYear>> ShippedCalendarYears(
    const EmbeddedFileList& files) {
  std::vector<ShippedCalendarYear> out;
  for (const EmbeddedFile& file : files) {
    ASSIGN_OR_RETURN(CalendarFile parsed, ParseCalendarFile(file.content));
    for (int year : parsed.years) {
      ShippedCalendarYear y{std::string(file.name), year, {}};
      for (const auto& e : parsed.entries) {
        if (e.day.year() == year) y.entries.push_back(e);
      }
      WorkingCalendar check;
      RETURN_IF_ERROR(check.SetYear(year, y.entries));
      out.push_back(std::move(y));
    }
  }
  return out;
}

}  // namespace xuncha
