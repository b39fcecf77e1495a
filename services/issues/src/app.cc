#include "app.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "ledger.h"
#include "xuncha/audit.h"
#include "xuncha/calendar.h"
#include "xuncha/change.h"
#include "xuncha/engagements.h"
#include "xuncha/periodic.h"
#include "xuncha/scope.h"
#include "xuncha/status.h"

namespace xuncha::issues {
namespace {

std::string IssueResource(const std::string& id) { return absl::StrCat("issues/", id); }
std::string ReportResource(const std::string& id) { return absl::StrCat("reports/", id); }

bool IsStaff(const Principal& p) {
  return p.HasAnyRole({"OFFICE_ADMIN", "OFFICE_STAFF", "LEADING_GROUP", "VIEWER"});
}

// The liaison must not learn that an issue exists before the unit is asked about it.
absl::Status IssueNotFound(const std::string& id) {
  return absl::NotFoundError(absl::StrCat("id: issue ", id, " not found"));
}

std::string Field(absl::string_view name, int index) { return absl::StrCat(name, "[", index, "]"); }

}  // namespace

IssuesApp::IssuesApp(PgPool& pool, OutboxRelay* relay) : pool_(pool), relay_(relay) {}

absl::Status IssuesApp::Write(const std::function<absl::Status(pqxx::work&)>& body) {
  return CommitChange(pool_, relay_, body);
}

// ---------------------------------------------------------------------------------------------
// Taxonomy

absl::StatusOr<v1::ListTaxonomyResponse> IssuesApp::ListTaxonomy(const RequestContext& rc) {
  return pool_.ReadWith<v1::ListTaxonomyResponse>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::ListTaxonomyResponse> {
        v1::ListTaxonomyResponse out;
        for (auto& e : Repository::ListTaxonomy(tx, rc.principal.office_path)) {
          *out.add_entries() = std::move(e);
        }
        return out;
      });
}

absl::StatusOr<v1::TaxonomyEntry> IssuesApp::CreateTaxonomyEntry(const RequestContext& rc,
                                                                 const v1::TaxonomyEntry& entry) {
  const Principal& p = rc.principal;
  if (p.IsApiClient() || !p.HasRole("OFFICE_ADMIN") || p.office_id.empty()) {
    return Denied("extend", "the taxonomy (OFFICE_ADMIN of an office only)");
  }
  RETURN_IF_ERROR(ValidateNewTaxonomyEntry(entry));
  v1::TaxonomyEntry created;
  RETURN_IF_ERROR(Write([&](pqxx::work& tx) -> absl::Status {
    std::string heading_id;
    if (!entry.parent_id().empty()) {
      ASSIGN_OR_RETURN(StoredTaxonomyEntry parent,
                       Repository::GetTaxonomyEntry(tx, entry.parent_id(), "parent_id"));
      if (!parent.office_path.empty() && !PathWithin(p.office_path, parent.office_path)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "parent_id: taxonomy entry ", entry.parent_id(), " belongs to another office's tree"));
      }
      heading_id = parent.heading_id;
    }
    created = Repository::InsertTaxonomyEntry(tx, entry, p.office_id, p.office_path, heading_id);
    return RecordChange(tx, rc, "taxonomy.create", absl::StrCat("taxonomy/", created.id()),
                        "issues.taxonomy.entry_created", created);
  }));
  return created;
}

// ---------------------------------------------------------------------------------------------
// Issues

absl::StatusOr<IssuesApp::IssueInContext> IssuesApp::LoadIssue(pqxx::transaction_base& tx,
                                                               const RequestContext& rc,
                                                               const std::string& id,
                                                               bool for_update) {
  IssueInContext ctx;
  ASSIGN_OR_RETURN(ctx.stored, Repository::GetIssue(tx, id, for_update));
  ASSIGN_OR_RETURN(ctx.engagement,
                   LoadEngagement(tx, ctx.stored.issue.engagement_id(), "engagement_id"));
  ctx.access = AccessTo(rc.principal, ctx.engagement, TodayInChina());
  return ctx;
}

absl::StatusOr<IssuesApp::IssueInContext> IssuesApp::LoadIssueForWrite(pqxx::transaction_base& tx,
                                                                       const RequestContext& rc,
                                                                       const std::string& id) {
  ASSIGN_OR_RETURN(IssueInContext ctx, LoadIssue(tx, rc, id, /*for_update=*/true));
  if (!CanWriteIssues(rc.principal, ctx.access)) {
    if (!CanReadIssues(rc.principal, ctx.access) &&
        !LiaisonMaySee(rc.principal, ctx.access, ctx.stored.issue.state())) {
      if (ctx.access.liaison) return IssueNotFound(id);
    }
    return Denied("change", IssueResource(id));
  }
  return ctx;
}

absl::Status IssuesApp::Transition(pqxx::work& tx, const RequestContext& rc,
                                   const IssueInContext& ctx, Issue::State to,
                                   absl::string_view action, absl::string_view event) {
  const Issue& before = ctx.stored.issue;
  RETURN_IF_ERROR(CheckIssueTransition(before, to));
  Repository::SetIssueState(tx, before.id(), to);
  ASSIGN_OR_RETURN(StoredIssue after, Repository::GetIssue(tx, before.id(), false));
  v1::IssueEvent payload;
  *payload.mutable_issue() = after.issue;
  payload.set_from_state(StateName(before.state()));
  payload.set_to_state(StateName(to));
  return RecordChange(tx, rc, action, IssueResource(before.id()), event, payload);
}

absl::StatusOr<Issue> IssuesApp::CreateIssue(const RequestContext& rc, const Issue& issue) {
  RETURN_IF_ERROR(ValidateNewIssue(issue));
  Issue created;
  RETURN_IF_ERROR(Write([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(EngagementSnapshot engagement,
                     LoadEngagement(tx, issue.engagement_id(), "engagement_id"));
    const EngagementAccess access = AccessTo(rc.principal, engagement, TodayInChina());
    if (!CanWriteIssues(rc.principal, access)) {
      return Denied("record issues on", absl::StrCat("engagements/", engagement.id()));
    }
    ASSIGN_OR_RETURN(StoredTaxonomyEntry category,
                     Repository::GetTaxonomyEntry(tx, issue.category_id(), "category_id"));
    // The standard entries are everyone's; others must come from the owning office's tree (its
    // own entries or those of an office above it).
    if (!category.office_path.empty() &&
        !PathWithin(engagement.office_path(), category.office_path)) {
      return absl::InvalidArgumentError(absl::StrCat("category_id: taxonomy entry ",
                                                     issue.category_id(),
                                                     " belongs to another office's tree"));
    }
    created = Repository::InsertIssue(tx, issue, engagement, category.heading_id,
                                      rc.principal.ActorLabel())
                  .issue;
    const std::string id = created.id();
    v1::IssueEvent payload;
    *payload.mutable_issue() = created;
    payload.set_to_state(StateName(Issue::DRAFT));
    RETURN_IF_ERROR(
        RecordChange(tx, rc, "issue.create", IssueResource(id), "issues.issue.created", payload));
    if (created.clue_material()) {
      v1::IssueClueSuggested clue;
      clue.set_issue_id(id);
      clue.set_engagement_id(engagement.id());
      clue.set_office_id(engagement.office_id());
      clue.set_office_path(engagement.office_path());
      clue.set_target_unit_id(engagement.target_unit_id());
      clue.set_title(created.title());
      clue.set_description(created.description());
      clue.set_source(created.source());
      clue.set_source_record_id(created.source_record_id());
      *clue.mutable_evidence_ids() = created.evidence_ids();
      clue.set_summary(created.description());
      return AppendOutbox(tx, {kClueSuggestedEvent, IssueResource(id), ToJson(clue)}).status();
    }
    return absl::OkStatus();
  }));
  return created;
}

absl::StatusOr<Issue> IssuesApp::GetIssue(const RequestContext& rc, const std::string& id) {
  RETURN_IF_ERROR(ValidateId("id", id));
  return pool_.ReadWith<Issue>([&](pqxx::transaction_base& tx) -> absl::StatusOr<Issue> {
    ASSIGN_OR_RETURN(IssueInContext ctx, LoadIssue(tx, rc, id, false));
    if (CanReadIssues(rc.principal, ctx.access)) return ctx.stored.issue;
    if (LiaisonMaySee(rc.principal, ctx.access, ctx.stored.issue.state())) {
      return RedactForLiaison(ctx.stored.issue);
    }
    if (ctx.access.liaison) return IssueNotFound(id);
    return Denied("read", IssueResource(id));
  });
}

std::vector<StoredIssue> IssuesApp::ReadableIssues(
    pqxx::transaction_base& tx, const RequestContext& rc, IssueFilter filter,
    const std::string& after, int limit, std::map<std::string, EngagementSnapshot>& engagements,
    std::string* last_candidate, bool* more, bool include_liaison) {
  const Principal& p = rc.principal;
  filter.all = p.IsPlatformAdmin();
  if (IsStaff(p) || p.IsApiClient()) filter.office_path = p.office_path;
  if (!p.IsApiClient()) filter.person_id = p.person_id;
  if (include_liaison && p.HasRole("UNIT_LIAISON")) filter.unit_path = p.unit_path;
  *more = false;
  if (!filter.all && filter.office_path.empty() && filter.person_id.empty() &&
      filter.unit_path.empty()) {
    return {};
  }
  // The SQL narrows to rows the caller might see; AccessTo then decides row by row, so the list
  // follows exactly the rule GetIssue follows.
  std::vector<StoredIssue> candidates =
      Repository::ListIssues(tx, filter, after, limit > 0 ? limit + 1 : 0);
  if (limit > 0 && static_cast<int>(candidates.size()) > limit) {
    candidates.resize(limit);
    *more = true;
  }
  if (!candidates.empty()) *last_candidate = candidates.back().issue.id();
  const absl::CivilDay today = TodayInChina();
  std::vector<StoredIssue> out;
  for (auto& c : candidates) {
    auto it = engagements.find(c.issue.engagement_id());
    if (it == engagements.end()) {
      auto loaded = LoadEngagement(tx, c.issue.engagement_id());
      if (!loaded.ok()) continue;
      it = engagements.emplace(c.issue.engagement_id(), *std::move(loaded)).first;
    }
    const EngagementAccess access = AccessTo(p, it->second, today);
    if (CanReadIssues(p, access)) {
      out.push_back(std::move(c));
    } else if (include_liaison && LiaisonMaySee(p, access, c.issue.state())) {
      c.issue = RedactForLiaison(c.issue);
      out.push_back(std::move(c));
    }
  }
  return out;
}

absl::StatusOr<v1::ListIssuesResponse> IssuesApp::ListIssues(const RequestContext& rc,
                                                             const v1::ListIssuesRequest& request) {
  RETURN_IF_ERROR(ValidateId("engagement_id", request.engagement_id(), false));
  RETURN_IF_ERROR(ValidateText("round_id", request.round_id(), 100, false));
  if (!Issue::State_IsValid(request.state())) {
    return absl::InvalidArgumentError("state: not a known issue state");
  }
  ASSIGN_OR_RETURN(Page page, DecodePage(request.page_size(), request.page_token()));
  return pool_.ReadWith<v1::ListIssuesResponse>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::ListIssuesResponse> {
        IssueFilter filter;
        filter.engagement_id = request.engagement_id();
        filter.round_id = request.round_id();
        if (request.state() != Issue::STATE_UNSPECIFIED) filter.state = StateName(request.state());
        std::map<std::string, EngagementSnapshot> engagements;
        std::string last;
        bool more = false;
        auto issues = ReadableIssues(tx, rc, filter, page.after, page.size, engagements, &last,
                                     &more, /*include_liaison=*/true);
        v1::ListIssuesResponse out;
        for (auto& s : issues) *out.add_issues() = std::move(s.issue);
        if (more) out.set_next_page_token(EncodePageToken(last));
        return out;
      });
}

absl::StatusOr<Issue> IssuesApp::StartVerification(const RequestContext& rc,
                                                   const std::string& id) {
  RETURN_IF_ERROR(ValidateId("id", id));
  Issue out;
  RETURN_IF_ERROR(Write([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(IssueInContext ctx, LoadIssueForWrite(tx, rc, id));
    RETURN_IF_ERROR(Transition(tx, rc, ctx, Issue::VERIFYING, "issue.start_verification",
                               "issues.issue.verification_started"));
    ASSIGN_OR_RETURN(StoredIssue after, Repository::GetIssue(tx, id, false));
    out = after.issue;
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Issue> IssuesApp::ConfirmIssue(const RequestContext& rc,
                                              const v1::ConfirmIssueRequest& request) {
  RETURN_IF_ERROR(ValidateId("id", request.id()));
  RETURN_IF_ERROR(ValidateSignOff(request.sign_off()));
  Issue out;
  RETURN_IF_ERROR(Write([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(IssueInContext ctx, LoadIssueForWrite(tx, rc, request.id()));
    RETURN_IF_ERROR(CheckIssueTransition(ctx.stored.issue, Issue::CONFIRMED));
    Repository::SetSignOff(tx, request.id(), request.sign_off());
    RETURN_IF_ERROR(
        Transition(tx, rc, ctx, Issue::CONFIRMED, "issue.confirm", "issues.issue.confirmed"));
    ASSIGN_OR_RETURN(StoredIssue after, Repository::GetIssue(tx, request.id(), false));
    out = after.issue;
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Issue> IssuesApp::DismissIssue(const RequestContext& rc,
                                              const v1::DismissIssueRequest& request) {
  RETURN_IF_ERROR(ValidateId("id", request.id()));
  RETURN_IF_ERROR(ValidateDismissal(request.dismissal()));
  Issue out;
  RETURN_IF_ERROR(Write([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(IssueInContext ctx, LoadIssueForWrite(tx, rc, request.id()));
    RETURN_IF_ERROR(CheckIssueTransition(ctx.stored.issue, Issue::DISMISSED));
    Repository::SetDismissal(tx, request.id(), request.dismissal());
    RETURN_IF_ERROR(
        Transition(tx, rc, ctx, Issue::DISMISSED, "issue.dismiss", "issues.issue.dismissed"));
    ASSIGN_OR_RETURN(StoredIssue after, Repository::GetIssue(tx, request.id(), false));
    out = after.issue;
    return absl::OkStatus();
  }));
  return out;
}

v1::ReportFedBack IssuesApp::FedBackPayload(const EngagementSnapshot& engagement,
                                            const std::string& report_id,
                                            const std::vector<StoredIssue>& issues,
                                            const v1::FeedbackSheet& sheet) {
  v1::ReportFedBack payload;
  payload.set_engagement_id(engagement.id());
  payload.set_office_id(engagement.office_id());
  payload.set_office_path(engagement.office_path());
  payload.set_round_id(engagement.round_id());
  payload.set_target_unit_id(engagement.target_unit_id());
  payload.set_target_unit_path(engagement.target_unit_path());
  payload.set_report_id(report_id);
  payload.set_feedback_date(sheet.feedback_date());
  payload.set_rectification_plan_due(sheet.rectification_plan_due());
  payload.set_requirements(sheet.requirements());
  for (const auto& s : issues) {
    auto* i = payload.add_issues();
    i->set_id(s.issue.id());
    i->set_title(s.issue.title());
    i->set_category_id(s.issue.category_id());
    i->set_category_name(s.issue.category_name());
    i->set_heading_name(s.issue.heading_name());
    i->set_severity(s.issue.severity());
    i->set_immediate(s.issue.immediate());
    i->set_discipline_type(s.issue.discipline_type());
  }
  return payload;
}

absl::StatusOr<Issue> IssuesApp::FeedBackIssue(const RequestContext& rc,
                                               const v1::FeedBackIssueRequest& request) {
  RETURN_IF_ERROR(ValidateId("id", request.id()));
  RETURN_IF_ERROR(ValidateText("requirements", request.requirements(), 20000, false));
  RETURN_IF_ERROR(ValidateDate("rectification_plan_due", request.rectification_plan_due(), false));
  const std::string today = FormatDate(TodayInChina());
  if (!request.rectification_plan_due().empty() && request.rectification_plan_due() < today) {
    return absl::InvalidArgumentError("rectification_plan_due: must not be in the past");
  }
  Issue out;
  RETURN_IF_ERROR(Write([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(IssueInContext ctx, LoadIssueForWrite(tx, rc, request.id()));
    // A retried call finds the issue fed back already: same answer, no second event.
    if (ctx.stored.issue.state() == Issue::FED_BACK) {
      out = ctx.stored.issue;
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(CheckIssueTransition(ctx.stored.issue, Issue::FED_BACK));
    Repository::SetFedBack(tx, {request.id()}, today);
    ASSIGN_OR_RETURN(StoredIssue after, Repository::GetIssue(tx, request.id(), false));
    RETURN_IF_ERROR(AppendAudit(tx, {rc.principal.ActorLabel(), "issue.feed_back_immediate",
                                     IssueResource(request.id()), rc.request_id})
                        .status());
    v1::FeedbackSheet sheet;
    sheet.set_feedback_date(today);
    sheet.set_requirements(request.requirements());
    sheet.set_rectification_plan_due(request.rectification_plan_due());
    // Same event as a report's feedback (report_id empty), so rectification opens the item.
    RETURN_IF_ERROR(AppendOutbox(tx, {kReportFedBackEvent, IssueResource(request.id()),
                                      ToJson(FedBackPayload(ctx.engagement, "", {after}, sheet))})
                        .status());
    out = after.issue;
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Issue> IssuesApp::SuggestClue(const RequestContext& rc,
                                             const v1::SuggestClueRequest& request) {
  RETURN_IF_ERROR(ValidateId("id", request.id()));
  RETURN_IF_ERROR(ValidateText("subject_person", request.subject_person(), 100, false));
  RETURN_IF_ERROR(ValidateText("subject_position", request.subject_position(), 100, false));
  RETURN_IF_ERROR(ValidateText("cadre_level", request.cadre_level(), 20, false));
  RETURN_IF_ERROR(ValidateText("summary", request.summary(), 10000));
  Issue out;
  RETURN_IF_ERROR(Write([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(IssueInContext ctx, LoadIssueForWrite(tx, rc, request.id()));
    const Issue& issue = ctx.stored.issue;
    if (issue.clue_material()) {  // suggested before: nothing new to tell the clues service
      out = issue;
      return absl::OkStatus();
    }
    if (issue.state() == Issue::DISMISSED) {
      return absl::FailedPreconditionError(
          "issue is DISMISSED; a dismissed issue cannot be suggested as clue material");
    }
    Repository::SetClueMaterial(tx, issue.id());
    v1::IssueClueSuggested clue;
    clue.set_issue_id(issue.id());
    clue.set_engagement_id(ctx.engagement.id());
    clue.set_office_id(ctx.engagement.office_id());
    clue.set_office_path(ctx.engagement.office_path());
    clue.set_target_unit_id(ctx.engagement.target_unit_id());
    clue.set_title(issue.title());
    clue.set_description(issue.description());
    clue.set_source(issue.source());
    clue.set_source_record_id(issue.source_record_id());
    *clue.mutable_evidence_ids() = issue.evidence_ids();
    clue.set_subject_person(request.subject_person());
    clue.set_subject_position(request.subject_position());
    clue.set_cadre_level(request.cadre_level());
    clue.set_summary(request.summary());
    RETURN_IF_ERROR(RecordChange(tx, rc, "issue.suggest_clue", IssueResource(issue.id()),
                                 kClueSuggestedEvent, clue));
    ASSIGN_OR_RETURN(StoredIssue after, Repository::GetIssue(tx, issue.id(), false));
    out = after.issue;
    return absl::OkStatus();
  }));
  return out;
}

// ---------------------------------------------------------------------------------------------
// 疑点 questions

absl::StatusOr<v1::Question> IssuesApp::AskQuestion(const RequestContext& rc,
                                                    const v1::AskQuestionRequest& request) {
  RETURN_IF_ERROR(ValidateId("issue_id", request.issue_id()));
  RETURN_IF_ERROR(ValidateText("text", request.text(), 5000));
  v1::Question out;
  RETURN_IF_ERROR(Write([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(IssueInContext ctx, LoadIssueForWrite(tx, rc, request.issue_id()));
    if (ctx.stored.issue.state() != Issue::VERIFYING) {
      return absl::FailedPreconditionError(
          absl::StrCat("issue is ", StateName(ctx.stored.issue.state()),
                       "; questions are asked only while it is VERIFYING"));
    }
    out = Repository::InsertQuestion(tx, request.issue_id(), request.text(),
                                     rc.principal.ActorLabel());
    return RecordChange(tx, rc, "question.ask",
                        absl::StrCat(IssueResource(request.issue_id()), "/questions/", out.id()),
                        "issues.question.asked", out);
  }));
  return out;
}

absl::StatusOr<v1::ListQuestionsResponse> IssuesApp::ListQuestions(const RequestContext& rc,
                                                                   const std::string& issue_id) {
  RETURN_IF_ERROR(ValidateId("issue_id", issue_id));
  return pool_.ReadWith<v1::ListQuestionsResponse>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::ListQuestionsResponse> {
        ASSIGN_OR_RETURN(IssueInContext ctx, LoadIssue(tx, rc, issue_id, false));
        const Issue& issue = ctx.stored.issue;
        if (!CanReadIssues(rc.principal, ctx.access) &&
            !LiaisonMaySee(rc.principal, ctx.access, issue.state())) {
          if (ctx.access.liaison) return IssueNotFound(issue_id);
          return Denied("read the questions on", IssueResource(issue_id));
        }
        // Only what the unit may see, whoever asks: the full issue is one GetIssue away for
        // those allowed to read it.
        v1::ListQuestionsResponse out;
        out.set_issue_title(issue.title());
        out.set_issue_description(issue.description());
        out.set_issue_state(issue.state());
        for (auto& q : Repository::ListQuestions(tx, issue_id)) *out.add_questions() = q;
        return out;
      });
}

absl::StatusOr<v1::Question> IssuesApp::AnswerQuestion(const RequestContext& rc,
                                                       const v1::AnswerQuestionRequest& request) {
  RETURN_IF_ERROR(ValidateId("issue_id", request.issue_id()));
  RETURN_IF_ERROR(ValidateId("id", request.id()));
  RETURN_IF_ERROR(ValidateText("answer", request.answer(), 10000));
  v1::Question out;
  RETURN_IF_ERROR(Write([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(IssueInContext ctx, LoadIssue(tx, rc, request.issue_id(), true));
    const Issue& issue = ctx.stored.issue;
    // The liaison answers for the unit; the group may record an answer given on paper.
    const bool liaison = LiaisonMaySee(rc.principal, ctx.access, issue.state());
    if (!liaison && !CanWriteIssues(rc.principal, ctx.access)) {
      if (ctx.access.liaison) return IssueNotFound(request.issue_id());
      return Denied("answer questions on", IssueResource(request.issue_id()));
    }
    if (issue.state() != Issue::VERIFYING) {
      return absl::FailedPreconditionError(absl::StrCat(
          "issue is ", StateName(issue.state()), "; questions are answered only while VERIFYING"));
    }
    ASSIGN_OR_RETURN(v1::Question question,
                     Repository::GetQuestion(tx, request.issue_id(), request.id(), true));
    if (!question.answer().empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("question ", request.id(), " is already answered"));
    }
    Repository::AnswerQuestion(tx, request.id(), request.answer(), rc.principal.ActorLabel());
    ASSIGN_OR_RETURN(out, Repository::GetQuestion(tx, request.issue_id(), request.id(), false));
    return RecordChange(tx, rc, "question.answer",
                        absl::StrCat(IssueResource(request.issue_id()), "/questions/", out.id()),
                        "issues.question.answered", out);
  }));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reports

absl::StatusOr<IssuesApp::ReportInContext> IssuesApp::LoadReport(pqxx::transaction_base& tx,
                                                                 const RequestContext& rc,
                                                                 const std::string& id,
                                                                 bool for_update) {
  ReportInContext ctx;
  ASSIGN_OR_RETURN(ctx.stored, Repository::GetReport(tx, id, for_update));
  ASSIGN_OR_RETURN(ctx.engagement,
                   LoadEngagement(tx, ctx.stored.report.engagement_id(), "engagement_id"));
  ctx.access = AccessTo(rc.principal, ctx.engagement, TodayInChina());
  ctx.issues = Repository::ReportIssues(tx, id);
  return ctx;
}

Report IssuesApp::Assemble(const ReportInContext& ctx) {
  Report out = ctx.stored.report;
  std::vector<ReportedIssue> reported;
  for (const auto& s : ctx.issues) reported.push_back({s.issue, s.heading_position});
  for (auto& g : GroupByHeading(reported)) *out.add_groups() = std::move(g);
  out.set_issue_count(static_cast<int32_t>(ctx.issues.size()));
  if (out.has_feedback_sheet()) {
    for (const auto& g : out.groups()) {
      for (const auto& i : g.issues()) *out.mutable_feedback_sheet()->add_issues() = i;
    }
  }
  return out;
}

absl::StatusOr<Report> IssuesApp::CreateReport(const RequestContext& rc,
                                               const v1::CreateReportRequest& request) {
  RETURN_IF_ERROR(ValidateId("engagement_id", request.engagement_id()));
  RETURN_IF_ERROR(ValidateText("summary", request.summary(), 50000, false));
  RETURN_IF_ERROR(ValidateSpecialReports(request.special_reports()));
  std::set<std::string> seen;
  for (int i = 0; i < request.issue_ids_size(); ++i) {
    RETURN_IF_ERROR(ValidateId(Field("issue_ids", i), request.issue_ids(i)));
    if (!seen.insert(request.issue_ids(i)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(Field("issue_ids", i), ": issue ", request.issue_ids(i), " repeated"));
    }
  }
  Report out;
  RETURN_IF_ERROR(Write([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(EngagementSnapshot engagement,
                     LoadEngagement(tx, request.engagement_id(), "engagement_id"));
    const EngagementAccess access = AccessTo(rc.principal, engagement, TodayInChina());
    if (!CanWriteIssues(rc.principal, access)) {
      return Denied("write the report of", absl::StrCat("engagements/", engagement.id()));
    }
    if (const std::string existing = Repository::ReportIdOf(tx, engagement.id());
        !existing.empty()) {
      return absl::AlreadyExistsError(absl::StrCat("engagement_id: engagement ", engagement.id(),
                                                   " already has report ", existing));
    }
    std::vector<std::string> ids;
    if (request.issue_ids().empty()) {
      ids = Repository::IssueIdsInState(tx, engagement.id(), Issue::CONFIRMED);
      if (ids.empty()) {
        return absl::FailedPreconditionError(
            absl::StrCat("engagement ", engagement.id(), " has no CONFIRMED issues to report"));
      }
    }
    for (int i = 0; i < request.issue_ids_size(); ++i) {
      const std::string field = Field("issue_ids", i);
      ASSIGN_OR_RETURN(StoredIssue s, Repository::GetIssue(tx, request.issue_ids(i), true, field));
      if (s.issue.engagement_id() != engagement.id()) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ": issue ", s.issue.id(), " belongs to another engagement"));
      }
      if (absl::Status st = CheckIssueTransition(s.issue, Issue::REPORTED); !st.ok()) {
        return absl::FailedPreconditionError(absl::StrCat(field, ": ", st.message()));
      }
      ids.push_back(s.issue.id());
    }
    v1::CreateReportRequest holder;
    *holder.mutable_special_reports() = request.special_reports();
    std::string json = ToJson(holder);
    // {"specialReports":[...]} → the array alone; {} when there are none.
    const std::size_t open = json.find('[');
    const std::string specials =
        open == std::string::npos ? "[]" : json.substr(open, json.rfind(']') - open + 1);
    ASSIGN_OR_RETURN(
        std::string report_id,
        Repository::InsertReport(tx, engagement.id(), engagement, request.summary(), specials));
    Repository::SetReported(tx, ids, report_id);
    for (const auto& id : ids) {
      RETURN_IF_ERROR(AppendAudit(tx, {rc.principal.ActorLabel(), "issue.report", IssueResource(id),
                                       rc.request_id})
                          .status());
    }
    ASSIGN_OR_RETURN(ReportInContext ctx, LoadReport(tx, rc, report_id, false));
    out = Assemble(ctx);
    v1::ReportEvent payload;
    *payload.mutable_report() = out;
    payload.set_to_state(StateName(Report::DRAFT));
    return RecordChange(tx, rc, "report.create", ReportResource(report_id), "issues.report.created",
                        payload);
  }));
  return out;
}

absl::StatusOr<Report> IssuesApp::GetReport(const RequestContext& rc, const std::string& id) {
  RETURN_IF_ERROR(ValidateId("id", id));
  return pool_.ReadWith<Report>([&](pqxx::transaction_base& tx) -> absl::StatusOr<Report> {
    ASSIGN_OR_RETURN(ReportInContext ctx, LoadReport(tx, rc, id, false));
    if (CanReadIssues(rc.principal, ctx.access)) return Assemble(ctx);
    // The unit receives the feedback sheet, not the report to the committee.
    if (ctx.access.liaison && ctx.stored.report.state() == Report::FED_BACK) {
      Report full = Assemble(ctx);
      Report out;
      out.set_id(full.id());
      out.set_engagement_id(full.engagement_id());
      out.set_state(full.state());
      *out.mutable_feedback_sheet() = full.feedback_sheet();
      return out;
    }
    if (ctx.access.liaison) {
      return absl::NotFoundError(absl::StrCat("id: report ", id, " not found"));
    }
    return Denied("read", ReportResource(id));
  });
}

absl::StatusOr<Report> IssuesApp::SubmitReport(const RequestContext& rc, const std::string& id) {
  RETURN_IF_ERROR(ValidateId("id", id));
  Report out;
  RETURN_IF_ERROR(Write([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(ReportInContext ctx, LoadReport(tx, rc, id, true));
    if (!CanSubmitReport(rc.principal, ctx.access)) return Denied("submit", ReportResource(id));
    RETURN_IF_ERROR(CheckReportTransition(ctx.stored.report.state(), Report::SUBMITTED));
    Repository::SetReportState(tx, id, Report::SUBMITTED);
    ASSIGN_OR_RETURN(ReportInContext after, LoadReport(tx, rc, id, false));
    out = Assemble(after);
    v1::ReportEvent payload;
    *payload.mutable_report() = out;
    payload.set_from_state(StateName(Report::DRAFT));
    payload.set_to_state(StateName(Report::SUBMITTED));
    return RecordChange(tx, rc, "report.submit", ReportResource(id), "issues.report.submitted",
                        payload);
  }));
  return out;
}

absl::StatusOr<Report> IssuesApp::ApproveReport(const RequestContext& rc, const std::string& id) {
  RETURN_IF_ERROR(ValidateId("id", id));
  Report out;
  RETURN_IF_ERROR(Write([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(ReportInContext ctx, LoadReport(tx, rc, id, true));
    if (!CanApproveReport(rc.principal, ctx.access)) {
      return Denied("approve", absl::StrCat(ReportResource(id),
                                            " (the owning office's LEADING_GROUP approves)"));
    }
    RETURN_IF_ERROR(CheckReportTransition(ctx.stored.report.state(), Report::APPROVED));
    Repository::SetReportApproved(tx, id, rc.principal.ActorLabel());
    ASSIGN_OR_RETURN(ReportInContext after, LoadReport(tx, rc, id, false));
    out = Assemble(after);
    v1::ReportEvent payload;
    *payload.mutable_report() = out;
    payload.set_from_state(StateName(Report::SUBMITTED));
    payload.set_to_state(StateName(Report::APPROVED));
    return RecordChange(tx, rc, "report.approve", ReportResource(id), "issues.report.approved",
                        payload);
  }));
  return out;
}

absl::StatusOr<Report> IssuesApp::FeedBackReport(const RequestContext& rc,
                                                 const v1::FeedBackReportRequest& request) {
  RETURN_IF_ERROR(ValidateId("id", request.id()));
  const std::string date =
      request.feedback_date().empty() ? FormatDate(TodayInChina()) : request.feedback_date();
  RETURN_IF_ERROR(ValidateFeedback(date, request.requirements(), request.rectification_plan_due()));
  Report out;
  RETURN_IF_ERROR(Write([&](pqxx::work& tx) -> absl::Status {
    // The row lock makes a concurrent retry wait here and then find the report FED_BACK.
    ASSIGN_OR_RETURN(ReportInContext ctx, LoadReport(tx, rc, request.id(), true));
    if (!CanWriteIssues(rc.principal, ctx.access)) {
      return Denied("feed back", ReportResource(request.id()));
    }
    if (ctx.stored.report.state() == Report::FED_BACK) {
      out = Assemble(ctx);  // a retry: the same answer and no second event
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(CheckReportTransition(ctx.stored.report.state(), Report::FED_BACK));
    std::vector<std::string> ids;
    std::vector<StoredIssue> fed;
    for (const auto& s : ctx.issues) {
      // Immediate issues fed back during the field stage went to rectification already.
      if (s.issue.state() == Issue::FED_BACK) continue;
      RETURN_IF_ERROR(CheckIssueTransition(s.issue, Issue::FED_BACK));
      ids.push_back(s.issue.id());
    }
    Repository::SetFedBack(tx, ids, date);
    Repository::SetReportFedBack(tx, request.id(), date, request.requirements(),
                                 request.rectification_plan_due());
    for (const auto& id : ids) {
      RETURN_IF_ERROR(AppendAudit(tx, {rc.principal.ActorLabel(), "issue.feed_back",
                                       IssueResource(id), rc.request_id})
                          .status());
      ASSIGN_OR_RETURN(StoredIssue s, Repository::GetIssue(tx, id, false));
      fed.push_back(std::move(s));
    }
    ASSIGN_OR_RETURN(ReportInContext after, LoadReport(tx, rc, request.id(), false));
    out = Assemble(after);
    return RecordChange(tx, rc, "report.feed_back", ReportResource(request.id()),
                        kReportFedBackEvent,
                        FedBackPayload(ctx.engagement, request.id(), fed, out.feedback_sheet()));
  }));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Ledger and statistics

absl::StatusOr<::xuncha::common::v1::FileContent> IssuesApp::ExportIssues(
    const RequestContext& rc, const v1::ExportIssuesRequest& request) {
  const int scopes =
      !request.engagement_id().empty() + !request.round().empty() + !request.org().empty();
  if (scopes != 1) {
    return absl::InvalidArgumentError(
        "engagement_id: give exactly one of engagementId, round, org");
  }
  RETURN_IF_ERROR(ValidateId("engagement_id", request.engagement_id(), false));
  RETURN_IF_ERROR(ValidateText("round", request.round(), 100, false));
  RETURN_IF_ERROR(ValidateId("org", request.org(), false));
  const std::string format = absl::AsciiStrToLower(request.format());
  if (format != "" && format != "xlsx" && format != "csv") {
    return absl::InvalidArgumentError("format: must be xlsx or csv");
  }
  // More than this is no longer a ledger anyone reads; the statistics serve that need.
  constexpr int kMaxRows = 200000;
  std::vector<LedgerRow> rows;
  RETURN_IF_ERROR(pool_.Transact(
      [&](pqxx::work& tx) -> absl::Status {
        rows.clear();
        const Principal& p = rc.principal;
        IssueFilter filter;
        if (!request.engagement_id().empty()) {
          ASSIGN_OR_RETURN(EngagementSnapshot e,
                           LoadEngagement(tx, request.engagement_id(), "engagement_id"));
          if (!CanReadIssues(p, AccessTo(p, e, TodayInChina()))) {
            return Denied("export the issues of", absl::StrCat("engagements/", e.id()));
          }
          filter.engagement_id = e.id();
        } else if (!request.round().empty()) {
          filter.round_id = request.round();
        } else {
          const std::string path = request.org() == p.office_id
                                       ? p.office_path
                                       : Repository::OfficePath(tx, request.org());
          if (path.empty()) {
            return absl::NotFoundError(
                absl::StrCat("org: no engagements of office ", request.org()));
          }
          if (!(IsStaff(p) || p.IsPlatformAdmin()) || !CanReadOfficeData(p, path)) {
            return Denied("export the issues of", absl::StrCat("offices/", request.org()));
          }
          filter.within_path = path;
        }
        std::map<std::string, EngagementSnapshot> engagements;
        std::string last;
        bool more = false;
        auto issues = ReadableIssues(tx, rc, filter, "", kMaxRows, engagements, &last, &more,
                                     /*include_liaison=*/false);
        if (more) {
          return absl::FailedPreconditionError(
              absl::StrCat("more than ", kMaxRows, " issues; export an engagement or a round"));
        }
        rows.reserve(issues.size());
        for (auto& s : issues) {
          LedgerRow row{std::move(s.issue), ""};
          auto it = engagements.find(row.issue.engagement_id());
          if (it != engagements.end()) row.unit_name = it->second.target_unit_name();
          rows.push_back(std::move(row));
        }
        return absl::OkStatus();
      },
      {.isolation = Isolation::kRepeatableRead, .read_only = true}));
  ::xuncha::common::v1::FileContent out;
  const std::string stem = absl::StrCat("issues-", FormatDate(TodayInChina()));
  if (format == "csv") {
    out.set_content(LedgerCsv(rows));
    out.set_content_type("text/csv; charset=utf-8");
    out.set_filename(stem + ".csv");
  } else {
    ASSIGN_OR_RETURN(*out.mutable_content(), LedgerXlsx(rows));
    out.set_content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    out.set_filename(stem + ".xlsx");
  }
  return out;
}

absl::StatusOr<v1::IssueStats> IssuesApp::GetIssueStats(const RequestContext& rc,
                                                        const v1::GetIssueStatsRequest& request) {
  // `org` is an office id or, as rectification and clue statistics take it, an org path (office
  // ids are UUIDs, which are never ltree paths, so the two cannot be confused).
  const bool org_is_path = IsLtreePath(request.org());
  if (!org_is_path) RETURN_IF_ERROR(ValidateId("org", request.org(), false));
  RETURN_IF_ERROR(ValidateText("round", request.round(), 100, false));
  RETURN_IF_ERROR(ValidateId("engagement_id", request.engagement_id(), false));
  const Principal& p = rc.principal;
  return pool_.TransactWith<v1::IssueStats>(
      [&](pqxx::work& tx) -> absl::StatusOr<v1::IssueStats> {
        std::string path;
        if (!request.engagement_id().empty()) {
          ASSIGN_OR_RETURN(EngagementSnapshot e,
                           LoadEngagement(tx, request.engagement_id(), "engagement_id"));
          if (!CanReadIssues(p, AccessTo(p, e, TodayInChina()))) {
            return Denied("count the issues of", absl::StrCat("engagements/", e.id()));
          }
          path = e.office_path();
        } else {
          const std::string org = request.org().empty() ? p.office_id : request.org();
          if (org.empty()) return absl::InvalidArgumentError("org: must be set");
          if (org_is_path) {
            path = org;
          } else {
            path = org == p.office_id ? p.office_path : Repository::OfficePath(tx, org);
          }
          if (path.empty()) {
            return absl::NotFoundError(absl::StrCat("org: no engagements of office ", org));
          }
          const bool reader =
              IsStaff(p) || p.IsPlatformAdmin() || (p.IsApiClient() && p.HasScope("issues:read"));
          if (!reader || !CanReadOfficeData(p, path)) {
            return Denied("count the issues of", absl::StrCat("offices/", org));
          }
        }
        return RollUpCounts(
            Repository::CountRows(tx, path, request.round(), request.engagement_id()), path);
      },
      {.isolation = Isolation::kRepeatableRead, .read_only = true});
}

absl::StatusOr<int> IssuesApp::CompactCounts() {
  return pool_.TransactWith<int>([](pqxx::work& tx) -> absl::StatusOr<int> {
    if (!TryScanLock(tx, "issue_counts")) return 0;  // another replica is folding now
    return Repository::CompactCounts(tx);
  });
}

}  // namespace xuncha::issues
