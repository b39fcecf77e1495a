// Issues rules with no gRPC or SQL in them: input validation, the issue and report state
// machines, who may do what on an engagement's issues, what a unit liaison may see, report
// assembly and statistics roll-up. The repository and the gRPC adapter call these.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "xuncha/auth.h"
#include "xuncha/engagements.h"
#include "xuncha/issues/v1/issues.pb.h"
#include "xuncha/validation.h"

namespace xuncha::issues {

namespace v1 = ::xuncha::issues::v1;
using v1::Issue;
using v1::Report;

// --- Validation (INVALID_ARGUMENT naming the field and the rule) ----------------------------

absl::Status ValidateNewIssue(const Issue& issue);
absl::Status ValidateNewTaxonomyEntry(const v1::TaxonomyEntry& entry);
absl::Status ValidateSignOff(const v1::SignOff& sign_off);
absl::Status ValidateDismissal(const v1::Dismissal& dismissal);
absl::Status ValidateSpecialReports(
    const google::protobuf::RepeatedPtrField<v1::SpecialReport>& reports);
// Requirements, a plan due date not before the feedback date.
absl::Status ValidateFeedback(absl::string_view feedback_date, absl::string_view requirements,
                              absl::string_view plan_due);

// --- State machines --------------------------------------------------------------------------

// OK when `issue` may move to `to`; FAILED_PRECONDITION naming both states otherwise. Feeding
// back straight from the field stage is for immediate (立行立改) issues only.
absl::Status CheckIssueTransition(const Issue& issue, Issue::State to);
absl::Status CheckReportTransition(Report::State from, Report::State to);

// --- Access ----------------------------------------------------------------------------------

// Reading an issue in full (with its source record and evidence).
bool CanReadIssues(const Principal& principal, const EngagementAccess& access);
// Drafting and moving issues, asking questions, assembling the report: the group, or office
// staff who do the group's paperwork. API clients need scope issues:write.
bool CanWriteIssues(const Principal& principal, const EngagementAccess& access);
// Submitting the report: the group's leader (组长/副组长) or staff of the owning office.
bool CanSubmitReport(const Principal& principal, const EngagementAccess& access);
// 审定: the leading group of the owning office.
bool CanApproveReport(const Principal& principal, const EngagementAccess& access);
// The unit liaison (who is not also a reader) sees issues from VERIFYING on, redacted.
bool LiaisonMaySee(const Principal& principal, const EngagementAccess& access, Issue::State state);
// What the liaison sees: never the source record, evidence, responsible person or clue flag.
Issue RedactForLiaison(const Issue& issue);

// PERMISSION_DENIED with a message that says what was refused.
absl::Status Denied(absl::string_view action, absl::string_view resource);

// --- Reports ---------------------------------------------------------------------------------

struct ReportedIssue {
  Issue issue;  // heading_id/heading_name filled
  int heading_position = 0;
};

// Groups issues by the top-level heading of their category: headings in taxonomy order (then
// name), issues in each group by severity (gravest first) then title.
std::vector<v1::CategoryGroup> GroupByHeading(const std::vector<ReportedIssue>& issues);
v1::ReportIssue ToReportIssue(const Issue& issue);

// --- Statistics ------------------------------------------------------------------------------

// One row of counts from the database: issues of one office with one combination of values.
struct StatsRow {
  std::string office_id;
  std::string office_path;
  std::string heading_id;
  std::string heading_name;
  std::string discipline_type;
  std::string severity;
  std::string source;
  std::string state;
  int64_t count = 0;
};

// Totals per dimension over rows within `root_path`, and per office the own and rolled-up
// (own + every office below) totals.
v1::IssueStats RollUp(const std::vector<StatsRow>& rows, absl::string_view root_path);

// One row of the summary (migration 0002): how many issues of one office have `key` in one
// dimension — "heading" (key: the heading id, label: its name), "discipline", "severity",
// "source" or "state" (keys: the stored enum names, "" for no discipline type). Every issue
// counts once in each dimension.
struct CountRow {
  std::string office_id;
  std::string office_path;
  std::string dimension;
  std::string key;
  std::string label;
  int64_t count = 0;
};

// The same answer as RollUp over the issues these marginal counts were taken from; totals and
// the per-office figures come from the "state" rows.
v1::IssueStats RollUpCounts(const std::vector<CountRow>& rows, absl::string_view root_path);

// --- Names -----------------------------------------------------------------------------------

std::string StateName(Issue::State state);
std::string StateName(Report::State state);
// Chinese labels for the ledger.
std::string SeverityLabel(Issue::Severity severity);
std::string SourceLabel(Issue::Source source);
std::string DisciplineLabel(Issue::DisciplineType type);
std::string StateLabel(Issue::State state);

}  // namespace xuncha::issues
