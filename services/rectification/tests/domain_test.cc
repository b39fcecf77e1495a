// Unit tests of the rectification rules: the item state machine, plans, overdue, case
// acceptance, the deadline arithmetic over the working-day calendar (and the replica's checks of
// directory's years), evidence ids, reminder kinds, completion rates and the ledger CSV.
#include "domain.h"

#include <gtest/gtest.h>

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "xuncha/calendar.h"
#include "xuncha/embedded.h"

namespace xuncha {
extern const EmbeddedFileList rectification_calendar;
}  // namespace xuncha

namespace xuncha::rectification {
namespace {

using State = Item::State;

TEST(ItemStateMachine, AllowedActionsLeadWhereTheyShould) {
  const struct {
    State from;
    ItemAction action;
    State to;
  } allowed[] = {
      {Item::PLANNED, ItemAction::kStart, Item::IN_PROGRESS},
      {Item::IN_PROGRESS, ItemAction::kReturnPlan, Item::PLANNED},
      {Item::IN_PROGRESS, ItemAction::kComplete, Item::COMPLETED},
      {Item::COMPLETED, ItemAction::kAccept, Item::ACCEPTED},
      {Item::COMPLETED, ItemAction::kReject, Item::IN_PROGRESS},
      {Item::ACCEPTED, ItemAction::kReopen, Item::IN_PROGRESS},
  };
  for (const auto& a : allowed) {
    auto to = NextItemState(a.from, a.action);
    ASSERT_TRUE(to.ok()) << ActionName(a.action) << ": " << to.status();
    EXPECT_EQ(*to, a.to);
  }
}

TEST(ItemStateMachine, EveryOtherPairIsRefusedNamingBothStates) {
  const State states[] = {Item::PLANNED, Item::IN_PROGRESS, Item::COMPLETED, Item::ACCEPTED};
  const ItemAction actions[] = {ItemAction::kStart,  ItemAction::kReturnPlan, ItemAction::kComplete,
                                ItemAction::kAccept, ItemAction::kReject,     ItemAction::kReopen};
  int refused = 0;
  for (State from : states) {
    for (ItemAction action : actions) {
      auto to = NextItemState(from, action);
      if (to.ok()) continue;
      ++refused;
      EXPECT_EQ(to.status().code(), absl::StatusCode::kFailedPrecondition);
      EXPECT_TRUE(absl::StrContains(to.status().message(), ItemStateName(from))) << to.status();
    }
  }
  EXPECT_EQ(refused, 4 * 6 - 6);
  auto accept_planned = NextItemState(Item::IN_PROGRESS, ItemAction::kAccept);
  EXPECT_TRUE(absl::StrContains(accept_planned.status().message(), "IN_PROGRESS → ACCEPTED"))
      << accept_planned.status();
}

v1::RectificationPlan Plan(const std::string& deadline) {
  v1::RectificationPlan p;
  p.set_measures("修订公务接待管理办法，清退超标准接待费用");
  p.set_owner("张三（办公室主任）");
  p.set_goal("杜绝超标准接待");
  p.set_deadline(deadline);
  return p;
}

TEST(Plan, DeadlineMayNotPrecedeTheFeedback) {
  EXPECT_TRUE(ValidatePlan(Plan("2025-06-01"), "2025-06-01").ok());
  absl::Status s = ValidatePlan(Plan("2025-05-31"), "2025-06-01");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(s.message(), "plan.deadline:")) << s;
  EXPECT_EQ(ValidatePlan(Plan("2025-13-01"), "2025-06-01").code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(Plan, MilestonesBelongToLongTermItemsAndNeedDates) {
  v1::RectificationPlan p = Plan("2025-12-31");
  auto* m = p.add_milestones();
  m->set_title("第一阶段");
  m->set_due_date("2025-08-01");
  EXPECT_TRUE(absl::StartsWith(ValidatePlan(p, "2025-06-01").message(), "plan.milestones"));
  p.set_long_term(true);
  EXPECT_TRUE(ValidatePlan(p, "2025-06-01").ok());
  m->set_due_date("2025-05-01");
  EXPECT_TRUE(
      absl::StartsWith(ValidatePlan(p, "2025-06-01").message(), "plan.milestones[0].due_date"));
}

TEST(Plan, StartNeedsMeasuresOwnerAndDeadline) {
  EXPECT_TRUE(CheckPlanReady(Plan("2025-07-01")).ok());
  v1::RectificationPlan p = Plan("");
  EXPECT_TRUE(absl::StartsWith(CheckPlanReady(p).message(), "plan.deadline"));
  p = Plan("2025-07-01");
  p.clear_owner();
  EXPECT_TRUE(absl::StartsWith(CheckPlanReady(p).message(), "plan.owner"));
  p = Plan("2025-07-01");
  p.set_long_term(true);
  EXPECT_TRUE(absl::StartsWith(CheckPlanReady(p).message(), "plan.milestones"));
}

Item ItemIn(State state, const std::string& deadline) {
  Item i;
  i.set_id("item");
  i.set_state(state);
  i.mutable_plan()->set_deadline(deadline);
  return i;
}

TEST(Overdue, OnlyWhileTheUnitOwesTheWorkAndAfterTheDeadline) {
  const absl::CivilDay today(2025, 7, 2);
  EXPECT_TRUE(IsItemOverdue(ItemIn(Item::IN_PROGRESS, "2025-07-01"), today));
  EXPECT_TRUE(IsItemOverdue(ItemIn(Item::PLANNED, "2025-07-01"), today));
  EXPECT_FALSE(IsItemOverdue(ItemIn(Item::IN_PROGRESS, "2025-07-02"), today));  // due today
  EXPECT_FALSE(IsItemOverdue(ItemIn(Item::COMPLETED, "2025-07-01"), today));
  EXPECT_FALSE(IsItemOverdue(ItemIn(Item::ACCEPTED, "2025-07-01"), today));
  EXPECT_FALSE(IsItemOverdue(ItemIn(Item::IN_PROGRESS, ""), today));
}

TEST(CaseAcceptance, NeedsVisitsAndSettledItems) {
  Case c;
  c.set_state(Case::OPEN);
  RectificationRules rules;  // 2 visits
  std::vector<Item> items = {ItemIn(Item::ACCEPTED, "2025-07-01")};
  absl::Status one_visit = CheckCaseAcceptable(c, items, 1, rules);
  EXPECT_EQ(one_visit.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(one_visit.message(), "at least 2")) << one_visit;
  EXPECT_TRUE(CheckCaseAcceptable(c, items, 2, rules).ok());

  Item long_term = ItemIn(Item::IN_PROGRESS, "2026-12-31");
  long_term.mutable_plan()->set_long_term(true);
  auto* m = long_term.mutable_plan()->add_milestones();
  m->set_title("建立长效机制");
  m->set_due_date("2025-09-01");
  items.push_back(long_term);
  EXPECT_EQ(CheckCaseAcceptable(c, items, 2, rules).code(), absl::StatusCode::kFailedPrecondition);
  items.back().mutable_plan()->mutable_milestones(0)->set_met(true);
  EXPECT_TRUE(CheckCaseAcceptable(c, items, 2, rules).ok());

  items.push_back(ItemIn(Item::COMPLETED, "2025-07-01"));
  EXPECT_EQ(CheckCaseAcceptable(c, items, 2, rules).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckCaseAcceptable(c, {}, 2, rules).code(), absl::StatusCode::kFailedPrecondition);
  c.set_state(Case::ACCEPTED);
  EXPECT_EQ(CheckCaseAcceptable(c, {ItemIn(Item::ACCEPTED, "")}, 2, rules).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(Rules, Bounds) {
  EXPECT_TRUE(ValidateRules({}).ok());
  EXPECT_TRUE(absl::StartsWith(ValidateRules({0, 2, 2}).message(), "report_due_working_days"));
  EXPECT_TRUE(absl::StartsWith(ValidateRules({10, 0, 2}).message(), "period_months"));
  EXPECT_TRUE(absl::StartsWith(ValidateRules({10, 2, -1}).message(), "min_supervision_visits"));
}

TEST(Deadlines, PeriodEndClampsToTheMonth) {
  EXPECT_EQ(PeriodEnd(absl::CivilDay(2025, 3, 15), 2), absl::CivilDay(2025, 5, 15));
  EXPECT_EQ(PeriodEnd(absl::CivilDay(2024, 12, 31), 2), absl::CivilDay(2025, 2, 28));
  EXPECT_EQ(PeriodEnd(absl::CivilDay(2023, 12, 31), 2), absl::CivilDay(2024, 2, 29));
}

// 2025 National Day and Mid-Autumn: 10-01..10-08 off, Sunday 09-28 and Saturday 10-11 worked.
WorkingCalendar Calendar2025() {
  using K = CalendarEntry::Kind;
  std::vector<CalendarEntry> entries = {{absl::CivilDay(2025, 9, 28), K::kWorkday, "国庆节调休"},
                                        {absl::CivilDay(2025, 10, 11), K::kWorkday, "国庆节调休"}};
  for (int d : {1, 2, 3, 6, 7, 8}) {
    entries.push_back({absl::CivilDay(2025, 10, d), K::kHoliday, "国庆节、中秋节"});
  }
  WorkingCalendar calendar;
  EXPECT_TRUE(calendar.SetYear(2025, entries).ok());
  return calendar;
}

TEST(Deadlines, ReportDueAcrossNationalDayCountsTheAdjustedWeekends) {
  const WorkingCalendar calendar = Calendar2025();
  const AddWorkingDaysFn add = [&](absl::CivilDay start, int days) {
    return calendar.AddWorkingDays(start, days);
  };
  // Friday 09-26 + 10: 09-28 (Sun, worked), 09-29, 09-30, 10-09, 10-10, 10-11 (Sat, worked),
  // 10-13 … 10-16.
  auto due = ReportDueDate(absl::CivilDay(2025, 9, 26), {}, add);
  ASSERT_TRUE(due.ok()) << due.status();
  EXPECT_EQ(*due, absl::CivilDay(2025, 10, 16));
  RectificationRules five;
  five.report_due_working_days = 5;
  EXPECT_EQ(*ReportDueDate(absl::CivilDay(2025, 9, 26), five, add), absl::CivilDay(2025, 10, 10));
  // A year the calendar does not have is an error, not a silently wrong date.
  EXPECT_FALSE(ReportDueDate(absl::CivilDay(2026, 12, 28), {}, add).ok());
}

TEST(Stats, CompletionRateRoundsToOneDecimal) {
  EXPECT_EQ(CompletionRate(3329, 3349), 99.4);  // seed 004: 3,349 issues, 99.4 % rectified
  EXPECT_EQ(CompletionRate(1, 3), 33.3);
  EXPECT_EQ(CompletionRate(2, 3), 66.7);
  EXPECT_EQ(CompletionRate(1, 16), 6.3);  // 6.25: half up
  EXPECT_EQ(CompletionRate(0, 0), 0.0);
  EXPECT_EQ(CompletionRate(7, 7), 100.0);
}

TEST(Stats, RowCarriesTheRate) {
  // The roll-up itself is SQL (repository.cc); rectification_pgtest checks c1 ⊇ c1.a ⊉ c1.ab.
  v1::StatsRow row;
  FillStatsRow("c1.a", "某县", Tally{24, 14, 2}, &row);
  EXPECT_EQ(row.key(), "c1.a");
  EXPECT_EQ(row.label(), "某县");
  EXPECT_EQ(row.total(), 24);
  EXPECT_EQ(row.overdue(), 2);
  EXPECT_EQ(row.completion_rate(), 58.3);
}

TEST(Evidence, IdsAreFieldworkShaAddressesWithoutRepeats) {
  const std::string a(64, 'a'), b = std::string(63, '0') + "f";
  google::protobuf::RepeatedPtrField<std::string> ids;
  ids.Add()->assign(a);
  ids.Add()->assign(b);
  EXPECT_TRUE(ValidateEvidenceIds("evidence_ids", ids).ok());
  ids.Add()->assign(std::string(64, 'A'));  // upper case is not how fieldwork names files
  absl::Status s = ValidateEvidenceIds("evidence_ids", ids);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(s.message(), "evidence_ids[2]:")) << s;
  *ids.Mutable(2) = b;
  s = ValidateEvidenceIds("report.evidence_ids", ids);
  EXPECT_TRUE(absl::StartsWith(s.message(), "report.evidence_ids[2]: repeats")) << s;
  *ids.Mutable(2) = "3f2b1c3e-0000-4000-8000-000000000000";  // a uuid is not an evidence id
  EXPECT_FALSE(ValidateEvidenceIds("evidence_ids", ids).ok());
}

TEST(CalendarReplica, DirectoryYearIsCheckedLikeDirectoryChecksIt) {
  ::xuncha::directory::v1::CalendarYear year;
  year.set_year(2026);
  auto* day = year.add_days();
  day->set_date("2026-10-01");
  day->set_kind(::xuncha::directory::v1::CalendarDay::HOLIDAY);
  day->set_name("国庆节");
  auto* worked = year.add_days();
  worked->set_date("2026-10-10");  // a Saturday
  worked->set_kind(::xuncha::directory::v1::CalendarDay::WORKDAY);
  auto entries = CalendarYearEntries(year);
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[1].kind, CalendarEntry::Kind::kWorkday);
  worked->set_date("2026-10-09");  // a Friday: WORKDAY would mean nothing
  EXPECT_FALSE(CalendarYearEntries(year).ok());
  worked->set_date("2027-01-02");  // outside the year
  EXPECT_FALSE(CalendarYearEntries(year).ok());
  worked->set_date("2026-10-10");
  worked->set_kind(::xuncha::directory::v1::CalendarDay::KIND_UNSPECIFIED);
  EXPECT_EQ(CalendarYearEntries(year).status().message(),
            "days[1].kind: must be HOLIDAY or WORKDAY");
  year.set_year(1999);
  EXPECT_FALSE(CalendarYearEntries(year).ok());
}

TEST(CalendarReplica, ShippedFileGivesTheNationalDayDueDate) {
  // The file compiled into xuncha-rectification is directory's own data file.
  WorkingCalendar calendar;
  for (const EmbeddedFile& file : rectification_calendar) {
    auto parsed = ParseCalendarFile(file.content);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    for (int year : parsed->years) {
      std::vector<CalendarEntry> entries;
      for (const auto& e : parsed->entries) {
        if (e.day.year() == year) entries.push_back(e);
      }
      ASSERT_TRUE(calendar.SetYear(year, entries).ok());
    }
  }
  EXPECT_TRUE(calendar.HasYear(2025));
  EXPECT_TRUE(calendar.HasYear(2026));
  auto due = ReportDueDate(absl::CivilDay(2025, 9, 26), {},
                           [&](absl::CivilDay d, int n) { return calendar.AddWorkingDays(d, n); });
  ASSERT_TRUE(due.ok()) << due.status();
  EXPECT_EQ(*due, absl::CivilDay(2025, 10, 16));
}

TEST(Reminders, OverdueDueSoonOrNothing) {
  const absl::CivilDay today(2025, 9, 26);  // Friday
  const absl::CivilDay limit(2025, 9, 30);  // + 3 working days: Sun 09-28 (worked), 09-29, 09-30
  EXPECT_EQ(DueReminder(absl::CivilDay(2025, 9, 25), today, limit), ReminderKind::kOverdue);
  EXPECT_EQ(DueReminder(today, today, limit), ReminderKind::kDueSoon);  // due today: not late yet
  EXPECT_EQ(DueReminder(limit, today, limit), ReminderKind::kDueSoon);
  EXPECT_EQ(DueReminder(absl::CivilDay(2025, 10, 1), today, limit), std::nullopt);
  EXPECT_EQ(ReminderKindName(ReminderKind::kDueSoon), "due_soon");
  EXPECT_EQ(ReminderKindName(ReminderKind::kOverdue), "overdue");
}

TEST(Recheck, DrawIsReproducibleAndSized) {
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) ids.push_back(absl::StrCat("item-", 100 + i));
  const auto draw = DrawSample(ids, 10, 20250601);
  EXPECT_EQ(draw.size(), 4u);
  std::vector<std::string> reversed(ids.rbegin(), ids.rend());
  EXPECT_EQ(DrawSample(reversed, 10, 20250601), draw);  // input order does not matter
  EXPECT_NE(DrawSample(ids, 10, 20250602), draw);
  std::set<std::string> distinct(draw.begin(), draw.end());
  EXPECT_EQ(distinct.size(), draw.size());
  EXPECT_EQ(DrawSample(ids, 1, 7).size(), 1u);   // ceil(0.4) → 1
  EXPECT_EQ(DrawSample(ids, 11, 7).size(), 5u);  // ceil(4.4) → 5
  EXPECT_EQ(DrawSample(ids, 100, 7).size(), 40u);
  EXPECT_TRUE(DrawSample({}, 50, 7).empty());
}

TEST(Access, ViewersReadLiaisonsWriteThePlan) {
  Principal viewer;
  viewer.roles = {"VIEWER"};
  EngagementAccess office;
  office.office = true;
  CaseAccess a = AccessToCase(viewer, office);
  EXPECT_TRUE(a.read);
  EXPECT_FALSE(a.office_write);
  Principal staff;
  staff.roles = {"OFFICE_STAFF"};
  EXPECT_TRUE(AccessToCase(staff, office).office_write);
  EngagementAccess liaison;
  liaison.liaison = true;
  Principal unit;
  unit.roles = {"UNIT_LIAISON"};
  a = AccessToCase(unit, liaison);
  EXPECT_TRUE(a.read && a.unit_write && !a.office_write);
  EngagementAccess above;
  above.office_above = true;
  a = AccessToCase(staff, above);
  EXPECT_TRUE(a.read && !a.unit_write && !a.office_write);
  a = AccessToCase(unit, EngagementAccess{});
  EXPECT_FALSE(a.read || a.unit_write || a.office_write);
}

TEST(Ledger, CsvQuotesAndMarksOverdue) {
  Item i = ItemIn(Item::IN_PROGRESS, "2025-07-01");
  i.set_title("公务接待超标准,存在\"一桌餐\"问题");
  i.set_target_unit_name("市财政局");
  const std::string csv = TableToCsv(LedgerTable({i}, absl::CivilDay(2025, 7, 2)));
  EXPECT_TRUE(absl::StartsWith(csv, "\xEF\xBB\xBF序号,被巡察单位,问题"));
  EXPECT_TRUE(absl::StrContains(csv, "\r\n1,市财政局,\"公务接待超标准,存在\"\"一桌餐\"\"问题\""))
      << csv;
  EXPECT_TRUE(absl::StrContains(csv, ",整改中,是,")) << csv;
}

}  // namespace
}  // namespace xuncha::rectification
