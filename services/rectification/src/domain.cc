#include "domain.h"

#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "xuncha/calendar.h"
#include "xuncha/scope.h"
#include "xuncha/status.h"
#include "xuncha/validation.h"

namespace xuncha::rectification {

std::string ItemStateName(Item::State state) { return Item::State_Name(state); }

Item::State ParseItemState(const std::string& name) {
  Item::State state = Item::STATE_UNSPECIFIED;
  Item::State_Parse(name, &state);
  return state;
}

absl::string_view ActionName(ItemAction action) {
  switch (action) {
    case ItemAction::kStart:
      return "start";
    case ItemAction::kReturnPlan:
      return "return the plan of";
    case ItemAction::kComplete:
      return "complete";
    case ItemAction::kAccept:
      return "accept";
    case ItemAction::kReject:
      return "reject";
    case ItemAction::kReopen:
      return "reopen";
  }
  return "change";
}

absl::StatusOr<Item::State> NextItemState(Item::State from, ItemAction action) {
  Item::State needed = Item::STATE_UNSPECIFIED;
  Item::State to = Item::STATE_UNSPECIFIED;
  switch (action) {
    case ItemAction::kStart:
      needed = Item::PLANNED, to = Item::IN_PROGRESS;
      break;
    case ItemAction::kReturnPlan:
      needed = Item::IN_PROGRESS, to = Item::PLANNED;
      break;
    case ItemAction::kComplete:
      needed = Item::IN_PROGRESS, to = Item::COMPLETED;
      break;
    case ItemAction::kAccept:
      needed = Item::COMPLETED, to = Item::ACCEPTED;
      break;
    case ItemAction::kReject:
      needed = Item::COMPLETED, to = Item::IN_PROGRESS;
      break;
    case ItemAction::kReopen:
      needed = Item::ACCEPTED, to = Item::IN_PROGRESS;
      break;
  }
  if (from != needed) {
    return absl::FailedPreconditionError(
        absl::StrCat("state: cannot ", ActionName(action), " an item that is ", ItemStateName(from),
                     " (", ItemStateName(from), " → ", ItemStateName(to),
                     " is not allowed; only from ", ItemStateName(needed), ")"));
  }
  return to;
}

absl::Status ValidatePlan(const v1::RectificationPlan& plan, const std::string& feedback_date) {
  RETURN_IF_ERROR(ValidateText("plan.measures", plan.measures(), 4000, false));
  RETURN_IF_ERROR(ValidateText("plan.owner", plan.owner(), 100, false));
  RETURN_IF_ERROR(ValidateText("plan.goal", plan.goal(), 2000, false));
  RETURN_IF_ERROR(ValidateDate("plan.deadline", plan.deadline(), false));
  // ISO dates compare as strings.
  if (!plan.deadline().empty() && plan.deadline() < feedback_date) {
    return InvalidField("plan.deadline",
                        absl::StrCat("must not be before the feedback date ", feedback_date));
  }
  if (!plan.long_term() && plan.milestones_size() > 0) {
    return InvalidField("plan.milestones", "only LONG_TERM items have milestones");
  }
  if (plan.milestones_size() > 50) return InvalidField("plan.milestones", "at most 50");
  for (int i = 0; i < plan.milestones_size(); ++i) {
    const auto& m = plan.milestones(i);
    const std::string field = absl::StrCat("plan.milestones[", i, "]");
    RETURN_IF_ERROR(ValidateText(field + ".title", m.title(), 200));
    RETURN_IF_ERROR(ValidateDate(field + ".due_date", m.due_date()));
    if (m.due_date() < feedback_date) {
      return InvalidField(field + ".due_date",
                          absl::StrCat("must not be before the feedback date ", feedback_date));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckPlanReady(const v1::RectificationPlan& plan) {
  auto missing = [](absl::string_view field) {
    return absl::FailedPreconditionError(
        absl::StrCat(field, ": must be set before the item can start"));
  };
  if (plan.measures().empty()) return missing("plan.measures");
  if (plan.owner().empty()) return missing("plan.owner");
  if (plan.deadline().empty()) return missing("plan.deadline");
  if (plan.long_term() && plan.milestones().empty()) return missing("plan.milestones");
  return absl::OkStatus();
}

bool IsItemOverdue(const Item& item, absl::CivilDay today) {
  if (item.state() != Item::PLANNED && item.state() != Item::IN_PROGRESS) return false;
  if (item.plan().deadline().empty()) return false;
  return item.plan().deadline() < FormatDate(today);
}

bool IsItemSettled(const Item& item) {
  if (item.state() == Item::ACCEPTED) return true;
  if (!item.plan().long_term() || item.plan().milestones().empty()) return false;
  for (const auto& m : item.plan().milestones()) {
    if (!m.met()) return false;
  }
  return true;
}

absl::Status ValidateEvidenceIds(absl::string_view field,
                                 const google::protobuf::RepeatedPtrField<std::string>& ids) {
  if (ids.size() > 50) return InvalidField(field, "at most 50");
  for (int i = 0; i < ids.size(); ++i) {
    const std::string& id = ids[i];
    const bool hex =
        id.size() == 64 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
    if (!hex) {
      return InvalidField(absl::StrCat(field, "[", i, "]"),
                          absl::StrCat("'", id.substr(0, 64),
                                       "' is not an evidence id (64 lower-case hex, the SHA-256 "
                                       "fieldwork stores the file under)"));
    }
    for (int j = 0; j < i; ++j) {
      if (ids[j] == id) {
        return InvalidField(absl::StrCat(field, "[", i, "]"),
                            absl::StrCat("repeats ", field, "[", j, "]"));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<CalendarEntry>> CalendarYearEntries(
    const ::xuncha::directory::v1::CalendarYear& year) {
  using Day = ::xuncha::directory::v1::CalendarDay;
  if (year.year() < 2000 || year.year() > 2100) {
    return InvalidField("year", "must be between 2000 and 2100");
  }
  std::vector<CalendarEntry> entries;
  for (int i = 0; i < year.days_size(); ++i) {
    const Day& d = year.days(i);
    const std::string field = absl::StrCat("days[", i, "]");
    ASSIGN_OR_RETURN(absl::CivilDay day, ParseDate(d.date(), field + ".date"));
    if (d.kind() != Day::HOLIDAY && d.kind() != Day::WORKDAY) {
      return InvalidField(field + ".kind", "must be HOLIDAY or WORKDAY");
    }
    entries.push_back(
        {day,
         d.kind() == Day::WORKDAY ? CalendarEntry::Kind::kWorkday : CalendarEntry::Kind::kHoliday,
         d.name()});
  }
  WorkingCalendar check;
  RETURN_IF_ERROR(check.SetYear(year.year(), entries));
  return entries;
}

std::string ReminderKindName(ReminderKind kind) {
  return kind == ReminderKind::kDueSoon ? "due_soon" : "overdue";
}

std::optional<ReminderKind> DueReminder(absl::CivilDay due, absl::CivilDay today,
                                        absl::CivilDay soon_limit) {
  if (due < today) return ReminderKind::kOverdue;
  if (due <= soon_limit) return ReminderKind::kDueSoon;
  return std::nullopt;
}

absl::Status ValidateRules(const RectificationRules& rules) {
  if (rules.report_due_working_days < 1 || rules.report_due_working_days > 60) {
    return InvalidField("report_due_working_days", "must be between 1 and 60");
  }
  if (rules.period_months < 1 || rules.period_months > 24) {
    return InvalidField("period_months", "must be between 1 and 24");
  }
  if (rules.min_supervision_visits < 0 || rules.min_supervision_visits > 20) {
    return InvalidField("min_supervision_visits", "must be between 0 and 20");
  }
  return absl::OkStatus();
}

absl::CivilDay PeriodEnd(absl::CivilDay feedback, int months) {
  const absl::CivilMonth month = absl::CivilMonth(feedback) + months;
  const absl::CivilDay last = absl::CivilDay(month + 1) - 1;
  const absl::CivilDay same = absl::CivilDay(month.year(), month.month(), feedback.day());
  // CivilDay normalises 02-31 into March; keep it inside the target month instead.
  return absl::CivilMonth(same) == month ? same : last;
}

absl::StatusOr<absl::CivilDay> ReportDueDate(absl::CivilDay feedback,
                                             const RectificationRules& rules,
                                             const AddWorkingDaysFn& add_working_days) {
  return add_working_days(feedback, rules.report_due_working_days);
}

absl::Status CheckCaseAcceptable(const Case& c, const std::vector<Item>& items, int visits,
                                 const RectificationRules& rules) {
  if (c.state() != Case::OPEN) {
    return absl::FailedPreconditionError(absl::StrCat("state: cannot accept a case that is ",
                                                      Case::State_Name(c.state()), " (only OPEN)"));
  }
  if (visits < rules.min_supervision_visits) {
    return absl::FailedPreconditionError(
        absl::StrCat("visits: the case has ", visits, " supervision visit(s); at least ",
                     rules.min_supervision_visits, " are required before acceptance"));
  }
  if (items.empty()) {
    return absl::FailedPreconditionError("items: the case has no items to accept");
  }
  for (const Item& item : items) {
    if (!IsItemSettled(item)) {
      return absl::FailedPreconditionError(
          absl::StrCat("items: item ", item.id(), " is ", ItemStateName(item.state()),
                       "; every item must be ACCEPTED (or LONG_TERM with all milestones met)"));
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> DrawSample(std::vector<std::string> ids, int percent, uint64_t seed) {
  if (ids.empty() || percent <= 0) return {};
  std::sort(ids.begin(), ids.end());
  const size_t count = std::max<size_t>(1, (ids.size() * std::min(percent, 100) + 99) / 100);
  // mt19937_64's output sequence is fixed by the standard; std::shuffle and the distributions
  // are not, so the Fisher-Yates step is spelled out to keep draws reproducible everywhere.
  std::mt19937_64 engine(seed);
  for (size_t i = 0; i < count; ++i) {
    const size_t j = i + static_cast<size_t>(engine() % (ids.size() - i));
    std::swap(ids[i], ids[j]);
  }
  ids.resize(count);
  return ids;
}

CaseAccess AccessToCase(const Principal& principal, const EngagementAccess& engagement) {
  CaseAccess access;
  // API clients of the office read with the scope for it (DESIGN.md §3: office and scopes).
  access.read = engagement.office || engagement.office_above || engagement.member ||
                engagement.liaison || engagement.ApiClientHolds(principal, "rectification:read");
  access.office_write =
      engagement.office && principal.HasAnyRole({"OFFICE_ADMIN", "OFFICE_STAFF", "LEADING_GROUP"});
  access.unit_write = engagement.liaison;
  return access;
}

double CompletionRate(int64_t accepted, int64_t total) {
  if (total <= 0) return 0.0;
  // Integer rounding: a float product would put 99.45 on either side of the half.
  const int64_t permille = (accepted * 2000 + total) / (2 * total);
  return static_cast<double>(permille) / 10.0;
}

void FillStatsRow(const std::string& key, const std::string& label, const Tally& tally,
                  v1::StatsRow* row) {
  row->set_key(key);
  row->set_label(label);
  row->set_total(tally.total);
  row->set_accepted(tally.accepted);
  row->set_overdue(tally.overdue);
  row->set_completion_rate(CompletionRate(tally.accepted, tally.total));
}

const std::vector<std::string>& LedgerHeaders() {
  static const std::vector<std::string> headers = {
      "序号",   "被巡察单位", "问题",     "问题类别", "立行立改", "反馈日期", "整改措施",
      "责任人", "整改目标",   "整改时限", "长期坚持", "状态",     "是否逾期", "整改说明"};
  return headers;
}

namespace {
std::string StateLabel(Item::State state) {
  switch (state) {
    case Item::PLANNED:
      return "计划中";
    case Item::IN_PROGRESS:
      return "整改中";
    case Item::COMPLETED:
      return "已完成待销号";
    case Item::ACCEPTED:
      return "已销号";
    default:
      return "";
  }
}

}  // namespace

std::vector<std::string> LedgerCells(const Item& item, int number, absl::CivilDay today) {
  return {absl::StrCat(number),
          item.target_unit_name(),
          item.title(),
          item.category_name(),
          item.immediate() ? "是" : "否",
          item.feedback_date(),
          item.plan().measures(),
          item.plan().owner(),
          item.plan().goal(),
          item.plan().deadline(),
          item.plan().long_term() ? "是" : "否",
          StateLabel(item.state()),
          IsItemOverdue(item, today) ? "是" : "否",
          item.completion_note()};
}

Table LedgerTable(const std::vector<Item>& items, absl::CivilDay today) {
  Table table;
  table.sheet_name = "整改台账";
  table.headers = LedgerHeaders();
  table.numeric_columns = {0};  // 序号
  for (size_t i = 0; i < items.size(); ++i) {
    table.rows.push_back(LedgerCells(items[i], static_cast<int>(i + 1), today));
  }
  return table;
}

}  // namespace xuncha::rectification
