// Unit tests of the rectification rules: the item state machine, plans, overdue, case
// acceptance, the deadline arithmetic over the working-day calendar, completion rates, roll-up
// and the ledger CSV.
#include "domain.h"

#include <gtest/gtest.h>

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "xuncha/calendar.h"

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

TEST(Stats, RollUpSumsEverythingBelowAPathLabelWise) {
  std::map<std::string, Tally> by_office = {
      {"c1", {10, 5, 1}}, {"c1.a", {20, 10, 2}}, {"c1.a.x", {4, 4, 0}}, {"c1.ab", {100, 0, 50}}};
  auto rolled = RollUp(by_office, {"c1", "c2"});
  EXPECT_EQ(rolled["c1"].total, 134);
  EXPECT_EQ(rolled["c1"].accepted, 19);
  EXPECT_EQ(rolled["c1"].overdue, 53);
  EXPECT_EQ(rolled["c1.a"].total, 24);  // not c1.ab
  EXPECT_EQ(rolled["c1.a"].accepted, 14);
  EXPECT_EQ(rolled["c1.a.x"].total, 4);
  EXPECT_EQ(rolled["c1.ab"].total, 100);
  EXPECT_EQ(rolled["c2"].total, 0);
  v1::StatsRow row;
  FillStatsRow("c1.a", "", rolled["c1.a"], &row);
  EXPECT_EQ(row.completion_rate(), 58.3);
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
