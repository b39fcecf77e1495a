#include "domain.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "xuncha/scope.h"

namespace xuncha::issues {
namespace {

bool IsStaffWriter(const Principal& p) { return p.HasAnyRole({"OFFICE_ADMIN", "OFFICE_STAFF"}); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Validation

absl::Status ValidateNewIssue(const Issue& issue) {
  if (auto s = ValidateId("engagement_id", issue.engagement_id()); !s.ok()) return s;
  if (auto s = ValidateText("title", issue.title(), 200); !s.ok()) return s;
  if (auto s = ValidateText("description", issue.description(), 10000); !s.ok()) return s;
  if (auto s = ValidateId("category_id", issue.category_id()); !s.ok()) return s;
  if (!Issue::DisciplineType_IsValid(issue.discipline_type())) {
    return InvalidField(
        "discipline_type",
        "must be one of POLITICAL, ORGANIZATIONAL, INTEGRITY, MASS, WORK, LIFE or unset");
  }
  if (issue.severity() == Issue::SEVERITY_UNSPECIFIED ||
      !Issue::Severity_IsValid(issue.severity())) {
    return InvalidField("severity", "must be one of GENERAL, SERIOUS, GRAVE");
  }
  if (issue.source() == Issue::SOURCE_UNSPECIFIED || !Issue::Source_IsValid(issue.source())) {
    return InvalidField(
        "source", "must be one of INTERVIEW, SURVEY, DOCUMENT, PETITION, DATA_COMPARISON, OTHER");
  }
  // Every source but OTHER is a record of the fieldwork service and must be named.
  if (issue.source() != Issue::OTHER) {
    if (auto s = ValidateId("source_record_id", issue.source_record_id()); !s.ok()) return s;
  } else if (auto s = ValidateId("source_record_id", issue.source_record_id(), false); !s.ok()) {
    return s;
  }
  if (issue.evidence_ids_size() > 100) return InvalidField("evidence_ids", "at most 100 files");
  for (int i = 0; i < issue.evidence_ids_size(); ++i) {
    if (auto s = ValidateText(absl::StrCat("evidence_ids[", i, "]"), issue.evidence_ids(i), 100);
        !s.ok()) {
      return s;
    }
  }
  if (auto s = ValidateText("responsible_post", issue.responsible_post(), 100, false); !s.ok()) {
    return s;
  }
  return ValidateText("responsible_person", issue.responsible_person(), 100, false);
}

absl::Status ValidateNewTaxonomyEntry(const v1::TaxonomyEntry& entry) {
  if (auto s = ValidateText("name", entry.name(), 200); !s.ok()) return s;
  if (entry.position() < 0) return InvalidField("position", "must not be negative");
  return ValidateId("parent_id", entry.parent_id(), false);
}

absl::Status ValidateSignOff(const v1::SignOff& sign_off) {
  if (auto s = ValidateText("sign_off.signer_name", sign_off.signer_name(), 100); !s.ok()) {
    return s;
  }
  if (auto s = ValidateText("sign_off.signer_post", sign_off.signer_post(), 100, false); !s.ok()) {
    return s;
  }
  if (auto s = ValidateDate("sign_off.signed_on", sign_off.signed_on()); !s.ok()) return s;
  return ValidateText("sign_off.statement", sign_off.statement(), 5000);
}

absl::Status ValidateDismissal(const v1::Dismissal& dismissal) {
  if (auto s = ValidateText("dismissal.unit_explanation", dismissal.unit_explanation(), 5000);
      !s.ok()) {
    return s;
  }
  return ValidateText("dismissal.group_reason", dismissal.group_reason(), 5000);
}

absl::Status ValidateSpecialReports(
    const google::protobuf::RepeatedPtrField<v1::SpecialReport>& reports) {
  if (reports.size() > 20) return InvalidField("special_reports", "at most 20");
  for (int i = 0; i < reports.size(); ++i) {
    const std::string f = absl::StrCat("special_reports[", i, "]");
    if (auto s = ValidateText(f + ".title", reports[i].title(), 200); !s.ok()) return s;
    if (auto s = ValidateText(f + ".content", reports[i].content(), 50000); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ValidateFeedback(absl::string_view feedback_date, absl::string_view requirements,
                              absl::string_view plan_due) {
  if (auto s = ValidateDate("feedback_date", feedback_date); !s.ok()) return s;
  if (auto s = ValidateText("requirements", requirements, 20000); !s.ok()) return s;
  if (auto s = ValidateDate("rectification_plan_due", plan_due); !s.ok()) return s;
  // Both are YYYY-MM-DD, so text order is date order.
  if (plan_due < feedback_date) {
    return InvalidField("rectification_plan_due", "must not be before the feedback date");
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// State machines

absl::Status CheckIssueTransition(const Issue& issue, Issue::State to) {
  const Issue::State from = issue.state();
  std::set<Issue::State> allowed_from;
  switch (to) {
    case Issue::VERIFYING:
      allowed_from = {Issue::DRAFT};
      break;
    case Issue::CONFIRMED:
    case Issue::DISMISSED:
      allowed_from = {Issue::VERIFYING};
      break;
    case Issue::REPORTED:
      allowed_from = {Issue::CONFIRMED};
      break;
    case Issue::FED_BACK:
      // 立行立改 issues go to the unit during the field stage; the rest only with the report.
      allowed_from = issue.immediate() ? std::set<Issue::State>{Issue::DRAFT, Issue::VERIFYING,
                                                                Issue::CONFIRMED, Issue::REPORTED}
                                       : std::set<Issue::State>{Issue::REPORTED};
      break;
    default:
      break;
  }
  if (allowed_from.contains(from)) return absl::OkStatus();
  std::string allowed;
  for (Issue::State s : allowed_from)
    absl::StrAppend(&allowed, allowed.empty() ? "" : ", ", StateName(s));
  std::string message =
      absl::StrCat("issue is ", StateName(from), "; cannot move to ", StateName(to));
  if (!allowed.empty()) absl::StrAppend(&message, " (only from ", allowed, ")");
  return absl::FailedPreconditionError(message);
}

absl::Status CheckReportTransition(Report::State from, Report::State to) {
  Report::State required = Report::STATE_UNSPECIFIED;
  switch (to) {
    case Report::SUBMITTED:
      required = Report::DRAFT;
      break;
    case Report::APPROVED:
      required = Report::SUBMITTED;
      break;
    case Report::FED_BACK:
      required = Report::APPROVED;
      break;
    default:
      break;
  }
  if (required != Report::STATE_UNSPECIFIED && from == required) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("report is ", StateName(from), "; cannot move to ", StateName(to),
                   required == Report::STATE_UNSPECIFIED
                       ? ""
                       : absl::StrCat(" (only from ", StateName(required), ")")));
}

// ---------------------------------------------------------------------------------------------
// Access

bool CanReadIssues(const Principal& principal, const EngagementAccess& access) {
  if (access.api_client) return access.ApiClientHolds(principal, "issues:read");
  return access.office || access.office_above || access.member;
}

bool CanWriteIssues(const Principal& principal, const EngagementAccess& access) {
  if (access.api_client) return access.ApiClientHolds(principal, "issues:write");
  return access.member || (access.office && IsStaffWriter(principal));
}

bool CanSubmitReport(const Principal& principal, const EngagementAccess& access) {
  if (access.api_client) return access.ApiClientHolds(principal, "issues:write");
  return access.leader || (access.office && IsStaffWriter(principal));
}

bool CanApproveReport(const Principal& principal, const EngagementAccess& access) {
  return access.office && principal.HasRole("LEADING_GROUP");
}

bool LiaisonMaySee(const Principal& principal, const EngagementAccess& access, Issue::State state) {
  (void)principal;
  return access.liaison && state != Issue::DRAFT && state != Issue::STATE_UNSPECIFIED;
}

Issue RedactForLiaison(const Issue& issue) {
  Issue out;
  out.set_id(issue.id());
  out.set_engagement_id(issue.engagement_id());
  out.set_title(issue.title());
  out.set_description(issue.description());
  out.set_state(issue.state());
  out.set_target_unit_id(issue.target_unit_id());
  // At feedback the unit is told what to rectify: the category and weight come with it.
  if (issue.state() == Issue::FED_BACK) {
    out.set_category_id(issue.category_id());
    out.set_category_name(issue.category_name());
    out.set_heading_id(issue.heading_id());
    out.set_heading_name(issue.heading_name());
    out.set_severity(issue.severity());
    out.set_immediate(issue.immediate());
    out.set_fed_back_on(issue.fed_back_on());
  }
  return out;
}

absl::Status Denied(absl::string_view action, absl::string_view resource) {
  return absl::PermissionDeniedError(absl::StrCat("not allowed to ", action, " ", resource));
}

// ---------------------------------------------------------------------------------------------
// Reports

v1::ReportIssue ToReportIssue(const Issue& issue) {
  v1::ReportIssue out;
  out.set_id(issue.id());
  out.set_title(issue.title());
  out.set_category_name(issue.category_name());
  out.set_severity(issue.severity());
  out.set_immediate(issue.immediate());
  return out;
}

std::vector<v1::CategoryGroup> GroupByHeading(const std::vector<ReportedIssue>& issues) {
  struct Key {
    int position;
    std::string name;
    std::string id;
    bool operator<(const Key& o) const {
      return std::tie(position, name, id) < std::tie(o.position, o.name, o.id);
    }
  };
  std::map<Key, std::vector<const Issue*>> groups;
  for (const auto& r : issues) {
    groups[{r.heading_position, r.issue.heading_name(), r.issue.heading_id()}].push_back(&r.issue);
  }
  std::vector<v1::CategoryGroup> out;
  for (auto& [key, members] : groups) {
    std::stable_sort(members.begin(), members.end(), [](const Issue* a, const Issue* b) {
      if (a->severity() != b->severity()) return a->severity() > b->severity();
      return a->title() < b->title();
    });
    v1::CategoryGroup group;
    group.set_heading_id(key.id);
    group.set_heading_name(key.name);
    group.set_count(static_cast<int32_t>(members.size()));
    for (const Issue* i : members) *group.add_issues() = ToReportIssue(*i);
    out.push_back(std::move(group));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Statistics

namespace {

// The figures of IssueStats before they are laid out: RollUp and RollUpCounts fill it from
// their kinds of rows, Emit lays it out the one way both answer.
struct Tally {
  std::map<std::string, std::pair<std::string, int64_t>> by_category;  // id → (name, count)
  std::map<std::string, int64_t> by_discipline, by_severity, by_source, by_state;
  std::map<std::string, std::pair<std::string, int64_t>> own;  // office id → (path, count)
  int64_t total = 0;
};

std::string DisciplineKey(const std::string& stored) {
  return stored.empty() ? "DISCIPLINE_TYPE_UNSPECIFIED" : stored;
}

v1::IssueStats Emit(const Tally& t) {
  v1::IssueStats out;
  out.set_total(t.total);
  for (const auto& [id, c] : t.by_category) {
    if (c.second == 0) continue;
    auto* x = out.add_by_category();
    x->set_key(id);
    x->set_label(c.first);
    x->set_count(c.second);
  }
  auto fill = [](const std::map<std::string, int64_t>& m,
                 google::protobuf::RepeatedPtrField<v1::Count>* dst) {
    for (const auto& [k, n] : m) {
      if (n == 0) continue;
      auto* x = dst->Add();
      x->set_key(k);
      x->set_label(k);
      x->set_count(n);
    }
  };
  fill(t.by_discipline, out.mutable_by_discipline_type());
  fill(t.by_severity, out.mutable_by_severity());
  fill(t.by_source, out.mutable_by_source());
  fill(t.by_state, out.mutable_by_state());
  // An office's total counts every office whose path lies under its own (a city sees its
  // counties' issues added to its own).
  std::vector<std::pair<std::string, std::pair<std::string, int64_t>>> offices;
  for (const auto& o : t.own) {
    if (o.second.second != 0) offices.push_back(o);
  }
  std::sort(offices.begin(), offices.end(),
            [](const auto& a, const auto& b) { return a.second.first < b.second.first; });
  for (const auto& [id, o] : offices) {
    int64_t sum = 0;
    for (const auto& [other_id, p] : offices) {
      if (PathWithin(p.first, o.first)) sum += p.second;
    }
    auto* x = out.add_by_office();
    x->set_office_id(id);
    x->set_office_path(o.first);
    x->set_own(o.second);
    x->set_total(sum);
  }
  return out;
}

}  // namespace

v1::IssueStats RollUp(const std::vector<StatsRow>& rows, absl::string_view root_path) {
  Tally t;
  for (const auto& r : rows) {
    if (!PathWithin(r.office_path, root_path)) continue;
    t.total += r.count;
    auto& c = t.by_category[r.heading_id];
    c.first = r.heading_name;
    c.second += r.count;
    t.by_discipline[DisciplineKey(r.discipline_type)] += r.count;
    t.by_severity[r.severity] += r.count;
    t.by_source[r.source] += r.count;
    t.by_state[r.state] += r.count;
    auto& o = t.own[r.office_id];
    o.first = r.office_path;
    o.second += r.count;
  }
  return Emit(t);
}

v1::IssueStats RollUpCounts(const std::vector<CountRow>& rows, absl::string_view root_path) {
  Tally t;
  for (const auto& r : rows) {
    if (!PathWithin(r.office_path, root_path)) continue;
    if (r.dimension == "heading") {
      auto& c = t.by_category[r.key];
      c.first = r.label;
      c.second += r.count;
    } else if (r.dimension == "discipline") {
      t.by_discipline[DisciplineKey(r.key)] += r.count;
    } else if (r.dimension == "severity") {
      t.by_severity[r.key] += r.count;
    } else if (r.dimension == "source") {
      t.by_source[r.key] += r.count;
    } else if (r.dimension == "state") {
      // Every issue has exactly one state: the state rows are the issue counts.
      t.by_state[r.key] += r.count;
      t.total += r.count;
      auto& o = t.own[r.office_id];
      o.first = r.office_path;
      o.second += r.count;
    }
  }
  return Emit(t);
}

// ---------------------------------------------------------------------------------------------
// Names

std::string StateName(Issue::State state) { return Issue::State_Name(state); }
std::string StateName(Report::State state) { return Report::State_Name(state); }

std::string SeverityLabel(Issue::Severity severity) {
  switch (severity) {
    case Issue::GENERAL:
      return "一般";
    case Issue::SERIOUS:
      return "较重";
    case Issue::GRAVE:
      return "严重";
    default:
      return "";
  }
}

std::string SourceLabel(Issue::Source source) {
  switch (source) {
    case Issue::INTERVIEW:
      return "个别谈话";
    case Issue::SURVEY:
      return "问卷测评";
    case Issue::DOCUMENT:
      return "查阅资料";
    case Issue::PETITION:
      return "信访举报";
    case Issue::DATA_COMPARISON:
      return "数据比对";
    case Issue::OTHER:
      return "其他";
    default:
      return "";
  }
}

std::string DisciplineLabel(Issue::DisciplineType type) {
  switch (type) {
    case Issue::POLITICAL:
      return "政治纪律";
    case Issue::ORGANIZATIONAL:
      return "组织纪律";
    case Issue::INTEGRITY:
      return "廉洁纪律";
    case Issue::MASS:
      return "群众纪律";
    case Issue::WORK:
      return "工作纪律";
    case Issue::LIFE:
      return "生活纪律";
    default:
      return "";
  }
}

std::string StateLabel(Issue::State state) {
  switch (state) {
    case Issue::DRAFT:
      return "草稿";
    case Issue::VERIFYING:
      return "核实中";
    case Issue::CONFIRMED:
      return "已确认";
    case Issue::DISMISSED:
      return "已销号";
    case Issue::REPORTED:
      return "已报告";
    case Issue::FED_BACK:
      return "已反馈";
    default:
      return "";
  }
}

}  // namespace xuncha::issues
