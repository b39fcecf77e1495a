// Rectification rules with no gRPC or SQL in them: the item state machine, plan validation,
// overdue (computed, never stored), case acceptance, the office's deadline rules, completion rates
// and the roll-up of statistics along the org tree.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "xuncha/auth.h"
#include "xuncha/calendar.h"
#include "xuncha/directory/v1/directory.pb.h"
#include "xuncha/engagements.h"
#include "xuncha/rectification/v1/rectification.pb.h"
#include "xuncha/table_export.h"

namespace xuncha::rectification {

namespace v1 = ::xuncha::rectification::v1;
using Item = v1::RectificationItem;
using Case = v1::RectificationCase;

inline constexpr char kReportFedBackEvent[] = "issues.report.fed_back";
// Directory replaces a calendar year (payload: xuncha.directory.v1.CalendarYear).
inline constexpr char kCalendarUpdatedEvent[] = "directory.calendar.updated";
// Fieldwork stored an evidence file for an engagement (payload: xuncha.fieldwork.v1.EvidenceEvent).
inline constexpr char kEvidenceLinkedEvent[] = "fieldwork.evidence.linked";

// --- Item state machine -------------------------------------------------------------------

enum class ItemAction { kStart, kReturnPlan, kComplete, kAccept, kReject, kReopen };

std::string ItemStateName(Item::State state);
Item::State ParseItemState(const std::string& name);
absl::string_view ActionName(ItemAction action);

// The state `action` leads to from `from`; FAILED_PRECONDITION naming the current and the
// requested state when the action is not allowed there.
absl::StatusOr<Item::State> NextItemState(Item::State from, ItemAction action);

// --- Plans ---------------------------------------------------------------------------------

// Field rules of a plan the unit writes; `feedback_date` bounds the deadline and milestones.
absl::Status ValidatePlan(const v1::RectificationPlan& plan, const std::string& feedback_date);
// A plan the work can start on: measures, owner and deadline set (and milestones if long-term).
absl::Status CheckPlanReady(const v1::RectificationPlan& plan);

// Deadline passed while the unit still owes the work (PLANNED or IN_PROGRESS). A claimed item
// waits for the office, not the unit, so it is not overdue.
bool IsItemOverdue(const Item& item, absl::CivilDay today);
// ACCEPTED, or LONG_TERM with milestones that are all met.
bool IsItemSettled(const Item& item);

// Evidence ids are fieldwork's SHA-256 content addresses: 64 lower-case hex, at most 50, no
// repeats; INVALID_ARGUMENT naming `field[i]`. Whether they exist is the repository's question.
absl::Status ValidateEvidenceIds(absl::string_view field,
                                 const google::protobuf::RepeatedPtrField<std::string>& ids);

// --- Calendar replica ----------------------------------------------------------------------

// The entries of a year as directory publishes it, checked the way directory checks them
// (dates inside the year, HOLIDAY only on weekdays, WORKDAY only on weekends, no repeats).
absl::StatusOr<std::vector<CalendarEntry>> CalendarYearEntries(
    const ::xuncha::directory::v1::CalendarYear& year);

// --- Reminders -----------------------------------------------------------------------------

// "Due soon" means due within this many working days from today (today itself included).
inline constexpr int kDueSoonWorkingDays = 3;
enum class ReminderKind { kDueSoon, kOverdue };
std::string ReminderKindName(ReminderKind kind);  // "due_soon", "overdue"
// overdue when `due` has passed; due soon when today <= due <= `soon_limit` (today +
// kDueSoonWorkingDays working days); nothing otherwise. The item scan applies the same rule in
// SQL on the deadline column.
std::optional<ReminderKind> DueReminder(absl::CivilDay due, absl::CivilDay today,
                                        absl::CivilDay soon_limit);

// --- Cases ---------------------------------------------------------------------------------

struct RectificationRules {
  int report_due_working_days = 10;
  int period_months = 2;
  int min_supervision_visits = 2;
};
absl::Status ValidateRules(const RectificationRules& rules);

// feedback + period_months, clamped to the month's last day (2024-12-31 + 2 → 2025-02-28).
absl::CivilDay PeriodEnd(absl::CivilDay feedback, int months);

using AddWorkingDaysFn = std::function<absl::StatusOr<absl::CivilDay>(absl::CivilDay, int)>;
absl::StatusOr<absl::CivilDay> ReportDueDate(absl::CivilDay feedback,
                                             const RectificationRules& rules,
                                             const AddWorkingDaysFn& add_working_days);

// FAILED_PRECONDITION unless the case is OPEN, has enough supervision visits and every item is
// settled.
absl::Status CheckCaseAcceptable(const Case& c, const std::vector<Item>& items, int visits,
                                 const RectificationRules& rules);

// 抽查: ceil(percent % of the ids), at least one when there are any, in draw order. The same
// ids (in any order) and seed always give the same draw, so a logged draw can be re-run.
std::vector<std::string> DrawSample(std::vector<std::string> ids, int percent, uint64_t seed);

// --- Access --------------------------------------------------------------------------------

struct CaseAccess {
  bool read = false;
  bool office_write = false;  // staff of the owning office who may act (not VIEWER)
  bool unit_write = false;    // the inspected unit's liaison
};
CaseAccess AccessToCase(const Principal& principal, const EngagementAccess& engagement);

// --- Statistics ----------------------------------------------------------------------------

struct Tally {
  int64_t total = 0;
  int64_t accepted = 0;
  int64_t overdue = 0;
  bool operator==(const Tally&) const = default;
};

// accepted / total in percent, rounded half up to one decimal; 0 for no items.
double CompletionRate(int64_t accepted, int64_t total);

void FillStatsRow(const std::string& key, const std::string& label, const Tally& tally,
                  v1::StatsRow* row);

// --- Ledger --------------------------------------------------------------------------------

const std::vector<std::string>& LedgerHeaders();
std::vector<std::string> LedgerCells(const Item& item, int number, absl::CivilDay today);
// UTF-8 with a byte-order mark, CRLF line ends, RFC 4180 quoting.
Table LedgerTable(const std::vector<Item>& items, absl::CivilDay today);

}  // namespace xuncha::rectification
