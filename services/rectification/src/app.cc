#include "app.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "xuncha/calendar.h"
#include "xuncha/change.h"
#include "xuncha/crypto.h"
#include "xuncha/engagements.h"
#include "xuncha/fieldwork/v1/fieldwork.pb.h"
#include "xuncha/idempotency.h"
#include "xuncha/log.h"
#include "xuncha/paging.h"
#include "xuncha/periodic.h"
#include "xuncha/scope.h"
#include "xuncha/status.h"
#include "xuncha/validation.h"

namespace xuncha::rectification {
namespace {

std::string CaseResource(const std::string& id) { return absl::StrCat("rectificationCases/", id); }
std::string ItemResource(const std::string& id) { return absl::StrCat("rectificationItems/", id); }

absl::Status Denied(absl::string_view what, absl::string_view resource) {
  return absl::PermissionDeniedError(
      absl::StrCat("permission denied: may not ", what, " ", resource));
}

bool IsOfficeStaff(const Principal& p) {
  return !p.office_id.empty() &&
         p.HasAnyRole({"OFFICE_ADMIN", "OFFICE_STAFF", "LEADING_GROUP", "VIEWER"});
}

// An API client of an office holding the read scope (DESIGN.md §3: office and scopes).
bool ScopedClient(const Principal& p) {
  return p.IsApiClient() && p.HasScope("rectification:read");
}

// The caller's reach for office-wide reads (stats, ledger): its office and the offices below,
// everything for the platform admin; none for liaisons and group members.
absl::StatusOr<std::string> OfficeScope(const Principal& p, absl::string_view what) {
  if (p.IsPlatformAdmin()) return std::string();
  if ((IsOfficeStaff(p) || ScopedClient(p)) && !p.office_path.empty()) return p.office_path;
  return absl::PermissionDeniedError(
      absl::StrCat("permission denied: ", what, " is for office staff"));
}

// An event that cannot be read will never become readable: it is recorded as processed (with an
// error in the log) instead of being retried forever and blocking the stream.
absl::Status SkipUnreadable(const ConsumedEvent& event, absl::string_view why) {
  log::Error("event unreadable, skipped",
             {{"event_id", event.event_id}, {"type", event.type}, {"why", std::string(why)}});
  return absl::OkStatus();
}

}  // namespace

RectificationApp::RectificationApp(PgPool& pool, OutboxRelay* relay) : pool_(pool), relay_(relay) {}

absl::Status RectificationApp::Write(const RequestContext& rc, absl::string_view method,
                                     const google::protobuf::Message& request,
                                     google::protobuf::Message& response,
                                     const std::function<absl::Status(pqxx::work&)>& change) {
  return CommitChangeOnce(pool_, relay_, rc, method, request, response, change);
}

CaseAccess RectificationApp::Access(pqxx::transaction_base& tx, const RequestContext& rc,
                                    const CaseScope& scope) {
  absl::StatusOr<EngagementSnapshot> replica =
      LoadEngagement(tx, scope.engagement_id, "engagement_id");
  EngagementSnapshot engagement;
  if (replica.ok()) {
    engagement = *std::move(replica);
  } else {
    // Feedback can arrive before planning's snapshot: the case's own paths still decide office
    // and unit access; group membership waits for the replica.
    engagement.set_id(scope.engagement_id);
    engagement.set_office_id(scope.office_id);
    engagement.set_office_path(scope.office_path);
    engagement.set_target_unit_id(scope.target_unit_id);
    engagement.set_target_unit_path(scope.target_unit_path);
  }
  return AccessToCase(rc.principal, AccessTo(rc.principal, engagement, TodayInChina()));
}

// ---------------------------------------------------------------------------------------------
// Events

absl::Status RectificationApp::HandleEvent(pqxx::work& tx, const ConsumedEvent& event) {
  if (event.type == kEngagementChangedEvent) return HandleEngagementEvent(tx, event);
  if (event.type == kReportFedBackEvent) return ApplyFeedback(tx, event);
  if (event.type == kCalendarUpdatedEvent) return ApplyCalendarYear(tx, event);
  if (event.type == kEvidenceLinkedEvent) return ApplyEvidence(tx, event);
  return absl::OkStatus();
}

absl::Status RectificationApp::ApplyCalendarYear(pqxx::work& tx, const ConsumedEvent& event) {
  ::xuncha::directory::v1::CalendarYear year;
  if (!ParseEventPayload(event, &year))
    return SkipUnreadable(event, "payload is not a CalendarYear");
  absl::StatusOr<std::vector<CalendarEntry>> entries = CalendarYearEntries(year);
  // Directory validated the year before publishing it; a year that fails here would make every
  // deadline in it wrong, so the replica keeps what it had.
  if (!entries.ok()) return SkipUnreadable(event, entries.status().message());
  // The stream is applied in order, so the last replacement directory made is the one kept.
  Repository::StoreCalendarYear(tx, year.year(), *entries, absl::StrCat("event:", event.event_id),
                                /*replace=*/true);
  log::Info("calendar year replaced from directory",
            {{"year", absl::StrCat(year.year())}, {"event_id", event.event_id}});
  return absl::OkStatus();
}

absl::Status RectificationApp::ApplyEvidence(pqxx::work& tx, const ConsumedEvent& event) {
  ::xuncha::fieldwork::v1::EvidenceEvent evidence;
  if (!ParseEventPayload(event, &evidence) || evidence.engagement_id().empty()) {
    return SkipUnreadable(event, "payload is not an EvidenceEvent with an engagement");
  }
  google::protobuf::RepeatedPtrField<std::string> one;
  one.Add()->assign(evidence.sha256());
  if (!ValidateEvidenceIds("sha256", one).ok()) {
    return SkipUnreadable(event, "sha256 is not 64 lower-case hex");
  }
  Repository::LinkEvidence(tx, evidence.engagement_id(), evidence.sha256());
  return absl::OkStatus();
}

absl::Status RectificationApp::SeedCalendar(const EmbeddedFileList& files) {
  ASSIGN_OR_RETURN(std::vector<ShippedCalendarYear> years, ShippedCalendarYears(files));
  for (const ShippedCalendarYear& y : years) {
    RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
      Repository::StoreCalendarYear(tx, y.year, y.entries, y.source, /*replace=*/false);
      return absl::OkStatus();
    }));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const WorkingCalendar>> RectificationApp::Calendar(pqxx::work& tx) {
  // One cheap query per use instead of a cache invalidation protocol: with several replicas,
  // only one consumes a given calendar event, and the others learn of it here.
  const int64_t version = Repository::CalendarVersion(tx);
  {
    std::lock_guard lock(calendar_mu_);
    if (calendar_ != nullptr && version == calendar_version_) return calendar_;
  }
  ASSIGN_OR_RETURN(WorkingCalendar loaded, Repository::LoadCalendar(tx));
  auto fresh = std::make_shared<const WorkingCalendar>(std::move(loaded));
  std::lock_guard lock(calendar_mu_);
  calendar_ = fresh;
  calendar_version_ = version;
  return fresh;
}

absl::Status RectificationApp::CheckEvidenceExists(pqxx::work& tx, absl::string_view field,
                                                   const std::string& engagement_id,
                                                   const std::vector<std::string>& ids) {
  const std::optional<int> unknown = Repository::FirstUnknownEvidence(tx, engagement_id, ids);
  if (!unknown) return absl::OkStatus();
  return InvalidField(absl::StrCat(field, "[", *unknown, "]"),
                      absl::StrCat("no evidence ", ids[*unknown],
                                   " has been stored in fieldwork for engagement ", engagement_id));
}

absl::Status RectificationApp::ApplyFeedback(pqxx::work& tx, const ConsumedEvent& event) {
  Repository::FedBack feedback;
  const bool parsed = ParseEventPayload(event, &feedback);
  // See SkipUnreadable.
  if (!parsed || feedback.engagement_id().empty() || feedback.office_id().empty() ||
      feedback.office_path().empty() || feedback.target_unit_path().empty() ||
      !ValidateDate("feedback_date", feedback.feedback_date()).ok() ||
      !ValidateDate("rectification_plan_due", feedback.rectification_plan_due(), false).ok()) {
    log::Error("fed-back event unreadable, skipped",
               {{"event_id", event.event_id}, {"type", event.type}});
    return absl::OkStatus();
  }
  RequestContext system;
  system.request_id = event.event_id;
  auto [case_id, created] = Repository::UpsertCase(tx, feedback);
  if (created) {
    ASSIGN_OR_RETURN(StoredCase stored, Repository::GetCase(tx, case_id, false));
    v1::CaseEvent payload;
    *payload.mutable_rectification_case() = stored.c;
    RETURN_IF_ERROR(RecordChange(tx, system, "case.open", CaseResource(case_id),
                                 "rectification.case.opened", payload));
  }
  for (const auto& issue : feedback.issues()) {
    if (issue.id().empty() || issue.title().empty()) {
      log::Error("fed-back issue without id or title, skipped", {{"event_id", event.event_id}});
      continue;
    }
    std::optional<std::string> item_id =
        Repository::InsertItemIfAbsent(tx, case_id, feedback, issue);
    if (!item_id) continue;  // the issue's item exists: a redelivery or a re-sent feedback
    ASSIGN_OR_RETURN(StoredItem stored, Repository::GetItem(tx, *item_id, false));
    v1::ItemEvent payload;
    *payload.mutable_item() = stored.item;
    payload.set_to_state(ItemStateName(Item::PLANNED));
    RETURN_IF_ERROR(RecordChange(tx, system, "item.open", ItemResource(*item_id),
                                 "rectification.item.opened", payload));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Cases

absl::StatusOr<v1::ListRectificationCasesResponse> RectificationApp::ListCases(
    const RequestContext& rc, const v1::ListRectificationCasesRequest& request) {
  RETURN_IF_ERROR(ValidateId("engagement_id", request.engagement_id(), false));
  RETURN_IF_ERROR(ValidateId("round_id", request.round_id(), false));
  ASSIGN_OR_RETURN(Page page, DecodePage(request.page_size(), request.page_token()));
  const Principal& p = rc.principal;
  CaseFilter filter;
  filter.engagement_id = request.engagement_id();
  filter.round_id = request.round_id();
  filter.after_id = page.after;
  filter.limit = page.size + 1;
  filter.all = p.IsPlatformAdmin();
  if ((IsOfficeStaff(p) || ScopedClient(p)) && !p.office_path.empty()) {
    filter.office_path = p.office_path;
  }
  if (p.HasRole("UNIT_LIAISON")) filter.unit_path = p.unit_path;
  if (filter.office_path.empty() && filter.unit_path.empty() && !filter.all) {
    return absl::PermissionDeniedError(
        "permission denied: listing cases is for office staff and unit liaisons");
  }
  return pool_.ReadWith<v1::ListRectificationCasesResponse>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::ListRectificationCasesResponse> {
        std::vector<StoredCase> cases = Repository::ListCases(tx, filter);
        v1::ListRectificationCasesResponse out;
        const bool more = static_cast<int>(cases.size()) > page.size;
        if (more) cases.resize(page.size);
        for (const auto& c : cases) {
          // The SQL narrows by path; the engagement rule has the last word row by row.
          if (Access(tx, rc, c.scope).read) *out.add_cases() = c.c;
        }
        if (more) out.set_next_page_token(EncodePageToken(cases.back().c.id()));
        return out;
      });
}

absl::StatusOr<Case> RectificationApp::GetCase(const RequestContext& rc, const std::string& id) {
  RETURN_IF_ERROR(ValidateId("id", id));
  struct Loaded {
    Case c;
    RectificationRules rules;
    std::shared_ptr<const WorkingCalendar> calendar;
  };
  auto load = [&](pqxx::work& tx) -> absl::StatusOr<Loaded> {
    ASSIGN_OR_RETURN(StoredCase stored, Repository::GetCase(tx, id, false));
    if (!Access(tx, rc, stored.scope).read) return Denied("read", CaseResource(id));
    ASSIGN_OR_RETURN(auto calendar, Calendar(tx));
    Loaded out{stored.c, Repository::GetRules(tx, stored.scope.office_id), std::move(calendar)};
    const absl::CivilDay today = TodayInChina();
    for (Item& item : Repository::ListItems(tx, id)) {
      item.set_overdue(IsItemOverdue(item, today));
      *out.c.add_items() = std::move(item);
    }
    for (auto& v : Repository::ListVisits(tx, id)) *out.c.add_visits() = std::move(v);
    for (auto& r : Repository::ListReports(tx, id)) *out.c.add_reports() = std::move(r);
    for (auto& d : Repository::ListDisclosures(tx, id)) *out.c.add_disclosures() = std::move(d);
    for (auto& r : Repository::ListRules(tx, id)) *out.c.add_rules() = std::move(r);
    for (auto& r : Repository::ListRechecks(tx, id)) *out.c.add_rechecks() = std::move(r);
    return out;
  };
  ASSIGN_OR_RETURN(Loaded loaded, pool_.TransactWith<Loaded>(load, {.read_only = true}));
  Case& c = loaded.c;
  ASSIGN_OR_RETURN(absl::CivilDay feedback, ParseDate(c.feedback_date(), "feedback_date"));
  absl::StatusOr<absl::CivilDay> due = ReportDueDate(
      feedback, loaded.rules,
      [&](absl::CivilDay start, int days) { return loaded.calendar->AddWorkingDays(start, days); });
  if (!due.ok()) {
    // A year missing from the calendar: better no answer than a silently wrong date.
    return absl::Status(due.status().code(),
                        absl::StrCat("report_due_date: ", due.status().message()));
  }
  c.set_report_due_date(FormatDate(*due));
  c.set_period_end(FormatDate(PeriodEnd(feedback, loaded.rules.period_months)));
  c.set_min_supervision_visits(loaded.rules.min_supervision_visits);
  bool reported = false;
  for (const auto& r : c.reports()) {
    if (r.kind() == v1::CaseReport::RECTIFICATION_REPORT) reported = true;
  }
  c.set_report_overdue(!reported && TodayInChina() > *due);
  return c;
}

absl::StatusOr<v1::SupervisionVisit> RectificationApp::AddSupervisionVisit(
    const RequestContext& rc, const v1::AddSupervisionVisitRequest& request) {
  RETURN_IF_ERROR(ValidateId("case_id", request.case_id()));
  const v1::SupervisionVisit& visit = request.visit();
  RETURN_IF_ERROR(ValidateDate("visit.visit_date", visit.visit_date()));
  RETURN_IF_ERROR(ValidateText("visit.supervisors", visit.supervisors(), 500));
  RETURN_IF_ERROR(ValidateText("visit.findings", visit.findings(), 8000, false));
  v1::SupervisionVisit created;
  RETURN_IF_ERROR(Write(rc, "AddSupervisionVisit", request, created, [&](pqxx::work& tx) {
    ASSIGN_OR_RETURN(StoredCase stored,
                     Repository::GetCase(tx, request.case_id(), true, "case_id"));
    if (!Access(tx, rc, stored.scope).office_write) {
      return Denied("record supervision visits on", CaseResource(request.case_id()));
    }
    if (visit.visit_date() < stored.c.feedback_date()) {
      return InvalidField("visit.visit_date", absl::StrCat("must not be before the feedback date ",
                                                           stored.c.feedback_date()));
    }
    created = Repository::InsertVisit(tx, request.case_id(), visit, rc.principal.ActorLabel());
    return RecordChange(tx, rc, "supervision_visit.create", CaseResource(request.case_id()),
                        "rectification.supervision_visit.recorded", created);
  }));
  return created;
}

absl::StatusOr<v1::CaseReport> RectificationApp::AddCaseReport(
    const RequestContext& rc, const v1::AddCaseReportRequest& request) {
  RETURN_IF_ERROR(ValidateId("case_id", request.case_id()));
  const v1::CaseReport& report = request.report();
  if (report.kind() == v1::CaseReport::KIND_UNSPECIFIED) {
    return InvalidField("report.kind", "must be set");
  }
  RETURN_IF_ERROR(ValidateText("report.title", report.title(), 200));
  RETURN_IF_ERROR(ValidateDate("report.submitted_on", report.submitted_on()));
  RETURN_IF_ERROR(ValidateText("report.summary", report.summary(), 20000, false));
  RETURN_IF_ERROR(ValidateEvidenceIds("report.evidence_ids", report.evidence_ids()));
  v1::CaseReport created;
  RETURN_IF_ERROR(Write(rc, "AddCaseReport", request, created, [&](pqxx::work& tx) {
    ASSIGN_OR_RETURN(StoredCase stored,
                     CaseForRecord(tx, rc, request.case_id(), "submit reports on",
                                   "report.submitted_on", report.submitted_on()));
    RETURN_IF_ERROR(CheckEvidenceExists(
        tx, "report.evidence_ids", stored.scope.engagement_id,
        std::vector<std::string>(report.evidence_ids().begin(), report.evidence_ids().end())));
    created = Repository::InsertReport(tx, request.case_id(), report, rc.principal.ActorLabel());
    return RecordChange(tx, rc, "case_report.create", CaseResource(request.case_id()),
                        "rectification.case_report.submitted", created);
  }));
  return created;
}

absl::StatusOr<StoredCase> RectificationApp::CaseForRecord(pqxx::work& tx, const RequestContext& rc,
                                                           const std::string& case_id,
                                                           absl::string_view what,
                                                           absl::string_view date_field,
                                                           const std::string& date) {
  ASSIGN_OR_RETURN(StoredCase stored, Repository::GetCase(tx, case_id, true, "case_id"));
  const CaseAccess access = Access(tx, rc, stored.scope);
  // The unit records; the office may file what it received on paper.
  if (!access.unit_write && !access.office_write) return Denied(what, CaseResource(case_id));
  if (date < stored.c.feedback_date()) {
    return InvalidField(date_field, absl::StrCat("must not be before the feedback date ",
                                                 stored.c.feedback_date()));
  }
  return stored;
}

absl::StatusOr<v1::Disclosure> RectificationApp::AddDisclosure(
    const RequestContext& rc, const v1::AddDisclosureRequest& request) {
  RETURN_IF_ERROR(ValidateId("case_id", request.case_id()));
  const v1::Disclosure& d = request.disclosure();
  RETURN_IF_ERROR(ValidateText("disclosure.channel", d.channel(), 200));
  RETURN_IF_ERROR(ValidateDate("disclosure.published_on", d.published_on()));
  RETURN_IF_ERROR(ValidateText("disclosure.summary", d.summary(), 8000, false));
  v1::Disclosure created;
  RETURN_IF_ERROR(Write(rc, "AddDisclosure", request, created, [&](pqxx::work& tx) {
    RETURN_IF_ERROR(CaseForRecord(tx, rc, request.case_id(), "record disclosures on",
                                  "disclosure.published_on", d.published_on())
                        .status());
    created = Repository::InsertDisclosure(tx, request.case_id(), d, rc.principal.ActorLabel());
    return RecordChange(tx, rc, "disclosure.create", CaseResource(request.case_id()),
                        "rectification.disclosure.recorded", created);
  }));
  return created;
}

absl::StatusOr<v1::RuleMade> RectificationApp::AddRuleMade(const RequestContext& rc,
                                                           const v1::AddRuleMadeRequest& request) {
  RETURN_IF_ERROR(ValidateId("case_id", request.case_id()));
  const v1::RuleMade& rule = request.rule();
  RETURN_IF_ERROR(ValidateText("rule.title", rule.title(), 200));
  RETURN_IF_ERROR(ValidateDate("rule.issued_on", rule.issued_on()));
  v1::RuleMade created;
  RETURN_IF_ERROR(Write(rc, "AddRuleMade", request, created, [&](pqxx::work& tx) {
    RETURN_IF_ERROR(CaseForRecord(tx, rc, request.case_id(), "record rules on", "rule.issued_on",
                                  rule.issued_on())
                        .status());
    created = Repository::InsertRule(tx, request.case_id(), rule, rc.principal.ActorLabel());
    return RecordChange(tx, rc, "rule.create", CaseResource(request.case_id()),
                        "rectification.rule.recorded", created);
  }));
  return created;
}

absl::StatusOr<v1::Recheck> RectificationApp::DrawRecheck(const RequestContext& rc,
                                                          const v1::DrawRecheckRequest& request) {
  RETURN_IF_ERROR(ValidateId("case_id", request.case_id()));
  if (request.percent() < 1 || request.percent() > 100) {
    return InvalidField("percent", "must be between 1 and 100");
  }
  if (request.seed() < 0) return InvalidField("seed", "must not be negative");
  int64_t seed = request.seed();
  if (seed == 0) {
    // 62 random bits: positive in a bigint and never 0.
    seed = static_cast<int64_t>(std::stoull(RandomHex(8), nullptr, 16) >> 2) | 1;
  }
  v1::Recheck drawn;
  RETURN_IF_ERROR(Write(rc, "DrawRecheck", request, drawn, [&](pqxx::work& tx) {
    ASSIGN_OR_RETURN(StoredCase stored,
                     Repository::GetCase(tx, request.case_id(), true, "case_id"));
    if (!Access(tx, rc, stored.scope).office_write) {
      return Denied("draw re-checks on", CaseResource(request.case_id()));
    }
    const std::vector<std::string> sample =
        DrawSample(Repository::AcceptedItemIds(tx, request.case_id()), request.percent(),
                   static_cast<uint64_t>(seed));
    if (sample.empty()) {
      return absl::FailedPreconditionError("items: the case has no ACCEPTED items to re-check");
    }
    const std::string id = Repository::InsertRecheck(tx, request.case_id(), request.percent(), seed,
                                                     sample, rc.principal.ActorLabel());
    ASSIGN_OR_RETURN(drawn, Repository::GetRecheck(tx, id, false));
    return RecordChange(tx, rc, "recheck.draw", CaseResource(request.case_id()),
                        "rectification.recheck.drawn", drawn);
  }));
  return drawn;
}

absl::StatusOr<v1::Recheck> RectificationApp::RecordRecheckResult(
    const RequestContext& rc, const v1::RecordRecheckResultRequest& request) {
  RETURN_IF_ERROR(ValidateId("recheck_id", request.recheck_id()));
  RETURN_IF_ERROR(ValidateId("item_id", request.item_id()));
  RETURN_IF_ERROR(ValidateText("note", request.note(), 4000, /*required=*/!request.passed()));
  v1::Recheck out;
  RETURN_IF_ERROR(Write(rc, "RecordRecheckResult", request, out, [&](pqxx::work& tx) {
    ASSIGN_OR_RETURN(v1::Recheck recheck, Repository::GetRecheck(tx, request.recheck_id(), true));
    ASSIGN_OR_RETURN(StoredCase stored, Repository::GetCase(tx, recheck.case_id(), true));
    if (!Access(tx, rc, stored.scope).office_write) {
      return Denied("record re-check results on", CaseResource(recheck.case_id()));
    }
    const v1::Recheck::Result* result = nullptr;
    for (const auto& r : recheck.results()) {
      if (r.item_id() == request.item_id()) result = &r;
    }
    if (result == nullptr) {
      return InvalidField(
          "item_id", absl::StrCat("item ", request.item_id(), " was not drawn in this re-check"));
    }
    if (result->checked()) {
      return absl::FailedPreconditionError(
          absl::StrCat("item_id: item ", request.item_id(), " has already been re-checked"));
    }
    if (!request.passed()) {
      // Paper-only rectification found: the item goes back to work.
      ASSIGN_OR_RETURN(StoredItem item, Repository::GetItem(tx, request.item_id(), true));
      const Item::State from = item.item.state();
      Repository::Transition t;
      ASSIGN_OR_RETURN(t.to, NextItemState(from, ItemAction::kReopen));
      t.reason = absl::StrCat("抽查未通过：", request.note());
      t.reopened = true;
      Repository::ApplyTransition(tx, request.item_id(), t);
      RETURN_IF_ERROR(ReopenCaseIfAccepted(tx, rc, recheck.case_id()));
      ASSIGN_OR_RETURN(StoredItem after, Repository::GetItem(tx, request.item_id(), false));
      v1::ItemEvent payload;
      *payload.mutable_item() = after.item;
      payload.set_from_state(ItemStateName(from));
      payload.set_to_state(ItemStateName(t.to));
      payload.set_reason(*t.reason);
      RETURN_IF_ERROR(RecordChange(tx, rc, "item.reopened", ItemResource(request.item_id()),
                                   "rectification.item.reopened", payload));
    }
    Repository::SetRecheckResult(tx, request.recheck_id(), request.item_id(), request.passed(),
                                 request.note());
    ASSIGN_OR_RETURN(out, Repository::GetRecheck(tx, request.recheck_id(), false));
    return RecordChange(tx, rc, "recheck.result", CaseResource(recheck.case_id()),
                        "rectification.recheck.result_recorded", out);
  }));
  return out;
}

absl::Status RectificationApp::ReopenCaseIfAccepted(pqxx::work& tx, const RequestContext& rc,
                                                    const std::string& case_id) {
  ASSIGN_OR_RETURN(StoredCase parent, Repository::GetCase(tx, case_id, true));
  if (parent.c.state() != Case::ACCEPTED) return absl::OkStatus();
  Repository::ReopenCase(tx, case_id);
  ASSIGN_OR_RETURN(StoredCase reopened, Repository::GetCase(tx, case_id, false));
  v1::CaseEvent payload;
  *payload.mutable_rectification_case() = reopened.c;
  return RecordChange(tx, rc, "case.reopen", CaseResource(case_id), "rectification.case.reopened",
                      payload);
}

absl::StatusOr<Case> RectificationApp::AcceptCase(
    const RequestContext& rc, const v1::AcceptRectificationCaseRequest& request) {
  RETURN_IF_ERROR(ValidateId("id", request.id()));
  Case accepted;
  RETURN_IF_ERROR(Write(rc, "AcceptRectificationCase", request, accepted, [&](pqxx::work& tx) {
    ASSIGN_OR_RETURN(StoredCase stored, Repository::GetCase(tx, request.id(), true));
    if (!Access(tx, rc, stored.scope).office_write) {
      return Denied("accept", CaseResource(request.id()));
    }
    const RectificationRules rules = Repository::GetRules(tx, stored.scope.office_id);
    const std::vector<Item> items = Repository::ListItems(tx, request.id());
    const int visits = static_cast<int>(Repository::ListVisits(tx, request.id()).size());
    RETURN_IF_ERROR(CheckCaseAcceptable(stored.c, items, visits, rules));
    Repository::SetCaseAccepted(tx, request.id(), rc.principal.ActorLabel());
    ASSIGN_OR_RETURN(StoredCase after, Repository::GetCase(tx, request.id(), false));
    accepted = after.c;
    v1::CaseEvent payload;
    *payload.mutable_rectification_case() = accepted;
    return RecordChange(tx, rc, "case.accept", CaseResource(request.id()),
                        "rectification.case.accepted", payload);
  }));
  return accepted;
}

// ---------------------------------------------------------------------------------------------
// Items

absl::StatusOr<Item> RectificationApp::GetItem(const RequestContext& rc, const std::string& id) {
  RETURN_IF_ERROR(ValidateId("id", id));
  return pool_.ReadWith<Item>([&](pqxx::transaction_base& tx) -> absl::StatusOr<Item> {
    ASSIGN_OR_RETURN(StoredItem stored, Repository::GetItem(tx, id, false));
    if (!Access(tx, rc, stored.scope).read) return Denied("read", ItemResource(id));
    stored.item.set_overdue(IsItemOverdue(stored.item, TodayInChina()));
    return stored.item;
  });
}

absl::StatusOr<Item> RectificationApp::UpdatePlan(
    const RequestContext& rc, const v1::UpdateRectificationPlanRequest& request) {
  RETURN_IF_ERROR(ValidateId("id", request.id()));
  Item updated;
  RETURN_IF_ERROR(Write(rc, "UpdateRectificationPlan", request, updated, [&](pqxx::work& tx) {
    ASSIGN_OR_RETURN(StoredItem stored, Repository::GetItem(tx, request.id(), true));
    if (!Access(tx, rc, stored.scope).unit_write) {
      return Denied("write the plan of", ItemResource(request.id()));
    }
    const Item::State state = stored.item.state();
    if (state != Item::PLANNED && state != Item::IN_PROGRESS) {
      return absl::FailedPreconditionError(
          absl::StrCat("state: the plan of an item that is ", ItemStateName(state),
                       " cannot change (only while PLANNED or IN_PROGRESS)"));
    }
    RETURN_IF_ERROR(ValidatePlan(request.plan(), stored.item.feedback_date()));
    // Work under way keeps a complete plan.
    if (state == Item::IN_PROGRESS) RETURN_IF_ERROR(CheckPlanReady(request.plan()));
    Repository::UpdatePlan(tx, request.id(), request.plan());
    ASSIGN_OR_RETURN(StoredItem after, Repository::GetItem(tx, request.id(), false));
    updated = after.item;
    v1::ItemEvent payload;
    *payload.mutable_item() = updated;
    payload.set_from_state(ItemStateName(state));
    payload.set_to_state(ItemStateName(state));
    return RecordChange(tx, rc, "item.plan", ItemResource(request.id()),
                        "rectification.item.plan_updated", payload);
  }));
  return updated;
}

absl::StatusOr<Item> RectificationApp::TransitionItem(
    const RequestContext& rc, absl::string_view method, const google::protobuf::Message& request,
    const std::string& id, ItemAction action, Actor actor, Repository::Transition transition) {
  RETURN_IF_ERROR(ValidateId("id", id));
  Item changed;
  RETURN_IF_ERROR(Write(rc, method, request, changed, [&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(StoredItem stored, Repository::GetItem(tx, id, true));
    const CaseAccess access = Access(tx, rc, stored.scope);
    if (!(actor == Actor::kOffice ? access.office_write : access.unit_write)) {
      return Denied(ActionName(action), ItemResource(id));
    }
    const Item::State from = stored.item.state();
    ASSIGN_OR_RETURN(transition.to, NextItemState(from, action));
    if (action == ItemAction::kStart) RETURN_IF_ERROR(CheckPlanReady(stored.item.plan()));
    if (transition.evidence_ids) {
      RETURN_IF_ERROR(CheckEvidenceExists(tx, "evidence_ids", stored.scope.engagement_id,
                                          *transition.evidence_ids));
    }
    Repository::ApplyTransition(tx, id, transition);
    if (action == ItemAction::kReopen) {
      RETURN_IF_ERROR(ReopenCaseIfAccepted(tx, rc, stored.item.case_id()));
    }
    ASSIGN_OR_RETURN(StoredItem after, Repository::GetItem(tx, id, false));
    changed = after.item;
    changed.set_overdue(IsItemOverdue(changed, TodayInChina()));
    v1::ItemEvent payload;
    *payload.mutable_item() = changed;
    payload.set_from_state(ItemStateName(from));
    payload.set_to_state(ItemStateName(transition.to));
    if (transition.reason) payload.set_reason(*transition.reason);
    if (transition.plan_comments) payload.set_reason(*transition.plan_comments);
    static const char* const kEvents[] = {
        "rectification.item.started",   "rectification.item.plan_returned",
        "rectification.item.completed", "rectification.item.accepted",
        "rectification.item.rejected",  "rectification.item.reopened"};
    const std::string event = kEvents[static_cast<int>(action)];
    return RecordChange(tx, rc, absl::StrCat("item.", event.substr(event.rfind('.') + 1)),
                        ItemResource(id), event, payload);
  }));
  return changed;
}

absl::StatusOr<Item> RectificationApp::StartItem(const RequestContext& rc,
                                                 const v1::StartRectificationItemRequest& request) {
  return TransitionItem(rc, "StartRectificationItem", request, request.id(), ItemAction::kStart,
                        Actor::kUnit, {});
}

absl::StatusOr<Item> RectificationApp::ReturnPlan(
    const RequestContext& rc, const v1::ReturnRectificationPlanRequest& request) {
  RETURN_IF_ERROR(ValidateText("comments", request.comments(), 4000));
  Repository::Transition t;
  t.plan_comments = request.comments();
  return TransitionItem(rc, "ReturnRectificationPlan", request, request.id(),
                        ItemAction::kReturnPlan, Actor::kOffice, t);
}

absl::StatusOr<Item> RectificationApp::CompleteItem(
    const RequestContext& rc, const v1::CompleteRectificationItemRequest& request) {
  RETURN_IF_ERROR(ValidateEvidenceIds("evidence_ids", request.evidence_ids()));
  RETURN_IF_ERROR(ValidateText("note", request.note(), 8000));
  Repository::Transition t;
  t.evidence_ids =
      std::vector<std::string>(request.evidence_ids().begin(), request.evidence_ids().end());
  t.completion_note = request.note();
  return TransitionItem(rc, "CompleteRectificationItem", request, request.id(),
                        ItemAction::kComplete, Actor::kUnit, t);
}

absl::StatusOr<Item> RectificationApp::AcceptItem(
    const RequestContext& rc, const v1::AcceptRectificationItemRequest& request) {
  Repository::Transition t;
  t.accepted = true;
  return TransitionItem(rc, "AcceptRectificationItem", request, request.id(), ItemAction::kAccept,
                        Actor::kOffice, t);
}

absl::StatusOr<Item> RectificationApp::RejectItem(
    const RequestContext& rc, const v1::RejectRectificationItemRequest& request) {
  RETURN_IF_ERROR(ValidateText("reason", request.reason(), 4000));
  Repository::Transition t;
  t.reason = request.reason();
  return TransitionItem(rc, "RejectRectificationItem", request, request.id(), ItemAction::kReject,
                        Actor::kOffice, t);
}

absl::StatusOr<Item> RectificationApp::ReopenItem(
    const RequestContext& rc, const v1::ReopenRectificationItemRequest& request) {
  RETURN_IF_ERROR(ValidateText("reason", request.reason(), 4000));
  Repository::Transition t;
  t.reason = request.reason();
  t.reopened = true;
  return TransitionItem(rc, "ReopenRectificationItem", request, request.id(), ItemAction::kReopen,
                        Actor::kOffice, t);
}

// ---------------------------------------------------------------------------------------------
// Reminders

absl::StatusOr<int> RectificationApp::RemindItems(pqxx::work& tx, const RequestContext& system,
                                                  ReminderKind kind,
                                                  std::optional<absl::CivilDay> from,
                                                  absl::CivilDay to) {
  const std::string name = ReminderKindName(kind);
  int sent = 0;
  // 500 a scan keeps the transaction short; the rest goes out on the next scans.
  for (Item& item : Repository::ItemsDueWithoutReminder(tx, name, from, to, 500)) {
    if (!Repository::InsertReminder(tx, item, name)) continue;
    item.set_overdue(kind == ReminderKind::kOverdue);
    v1::ItemEvent payload;
    payload.set_from_state(ItemStateName(item.state()));
    payload.set_to_state(ItemStateName(item.state()));
    *payload.mutable_item() = item;
    RETURN_IF_ERROR(RecordChange(tx, system, absl::StrCat("item.", name, "_reminder"),
                                 ItemResource(item.id()), absl::StrCat("rectification.item.", name),
                                 payload));
    ++sent;
  }
  return sent;
}

absl::StatusOr<int> RectificationApp::ScanReminders(absl::CivilDay today) {
  RequestContext system;
  system.request_id = absl::StrCat("reminder-scan-", FormatDate(today));
  auto scan = [&](pqxx::work& tx) -> absl::StatusOr<int> {
    if (!Repository::TryLockReminderScan(tx)) return 0;
    ASSIGN_OR_RETURN(int sent,
                     RemindItems(tx, system, ReminderKind::kOverdue, std::nullopt, today - 1));
    ASSIGN_OR_RETURN(auto calendar, Calendar(tx));
    absl::StatusOr<absl::CivilDay> soon_limit =
        calendar->AddWorkingDays(today, kDueSoonWorkingDays);
    if (!soon_limit.ok()) {
      // Next year's calendar not loaded yet: overdue needs no calendar, due-soon does.
      log::Error("reminder scan: due-soon window unknown",
                 {{"error", std::string(soon_limit.status().message())}});
      return sent;
    }
    ASSIGN_OR_RETURN(int soon, RemindItems(tx, system, ReminderKind::kDueSoon, today, *soon_limit));
    sent += soon;
    for (auto& awaiting : Repository::CasesAwaitingReport(tx, 500)) {
      const Case& c = awaiting.c.c;
      absl::StatusOr<absl::CivilDay> feedback = ParseDate(c.feedback_date(), "feedback_date");
      if (!feedback.ok()) continue;
      absl::StatusOr<absl::CivilDay> due =
          calendar->AddWorkingDays(*feedback, awaiting.rules.report_due_working_days);
      if (!due.ok()) continue;  // its year is not in the calendar: no date to remind of
      const std::optional<ReminderKind> kind = DueReminder(*due, today, *soon_limit);
      if (!kind) continue;
      const std::string name = ReminderKindName(*kind);
      if (!Repository::InsertReportReminder(tx, c.id(), name, *due)) continue;
      v1::ReportReminderEvent payload;
      *payload.mutable_rectification_case() = c;
      payload.mutable_rectification_case()->set_report_due_date(FormatDate(*due));
      payload.mutable_rectification_case()->set_report_overdue(*kind == ReminderKind::kOverdue);
      payload.set_report_due_date(FormatDate(*due));
      RETURN_IF_ERROR(RecordChange(tx, system, absl::StrCat("case.report_", name, "_reminder"),
                                   CaseResource(c.id()),
                                   absl::StrCat("rectification.report.", name), payload));
      ++sent;
    }
    return sent;
  };
  ASSIGN_OR_RETURN(int sent, pool_.TransactWith<int>(scan));
  if (sent > 0 && relay_ != nullptr) relay_->Wake();
  return sent;
}

// ---------------------------------------------------------------------------------------------
// Ledger, statistics, settings

absl::StatusOr<::xuncha::common::v1::FileContent> RectificationApp::Export(
    const RequestContext& rc, const v1::ExportRectificationItemsRequest& request) {
  RETURN_IF_ERROR(ValidateId("round_id", request.round_id(), false));
  RETURN_IF_ERROR(ValidateId("engagement_id", request.engagement_id(), false));
  ASSIGN_OR_RETURN(std::string scope, OfficeScope(rc.principal, "the rectification ledger"));
  auto load = [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Item>> {
    return Repository::LedgerItems(tx, scope, request.round_id(), request.engagement_id());
  };
  ASSIGN_OR_RETURN(std::vector<Item> items,
                   pool_.TransactWith<std::vector<Item>>(load, {.read_only = true}));
  return ExportTable(LedgerTable(items, TodayInChina()), request.format(), "整改台账");
}

absl::StatusOr<v1::RectificationStats> RectificationApp::Stats(
    const RequestContext& rc, const v1::GetRectificationStatsRequest& request) {
  RETURN_IF_ERROR(ValidateId("round_id", request.round_id(), false));
  if (!request.org().empty() && !IsLtreePath(request.org())) {
    return InvalidField("org", "must be an org path like c1.a");
  }
  ASSIGN_OR_RETURN(std::string scope, OfficeScope(rc.principal, "rectification statistics"));
  StatsFilter filter{scope, request.org(), request.round_id()};
  auto load = [&](pqxx::work& tx) -> absl::StatusOr<StatsTallies> {
    return Repository::Stats(tx, filter, TodayInChina());
  };
  ASSIGN_OR_RETURN(StatsTallies tallies,
                   pool_.TransactWith<StatsTallies>(load, {.read_only = true}));
  v1::RectificationStats out;
  FillStatsRow("", "", tallies.totals, out.mutable_totals());
  for (const auto& [k, t] : tallies.by_category) FillStatsRow(k, k, t, out.add_by_category());
  for (const auto& [k, t] : tallies.by_unit) {
    FillStatsRow(k, tallies.unit_names[k], t, out.add_by_unit());
  }
  for (const auto& [k, t] : tallies.by_round) FillStatsRow(k, "", t, out.add_by_round());
  // Already rolled up in SQL: each office with everything below it.
  for (const auto& [k, t] : tallies.by_office) FillStatsRow(k, "", t, out.add_by_office());
  return out;
}

absl::StatusOr<int> RectificationApp::FoldStats(absl::CivilDay today) {
  return pool_.TransactWith<int>([today](pqxx::work& tx) -> absl::StatusOr<int> {
    if (!TryScanLock(tx, "item_tallies")) return 0;  // another replica is folding now
    return Repository::FoldTallies(tx, today);
  });
}

absl::StatusOr<v1::RectificationSettings> RectificationApp::GetSettings(const RequestContext& rc) {
  if (rc.principal.office_id.empty()) {
    return absl::FailedPreconditionError("office_id: the caller belongs to no office");
  }
  return pool_.ReadWith<v1::RectificationSettings>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::RectificationSettings> {
        const RectificationRules rules = Repository::GetRules(tx, rc.principal.office_id);
        v1::RectificationSettings out;
        out.set_office_id(rc.principal.office_id);
        out.set_report_due_working_days(rules.report_due_working_days);
        out.set_period_months(rules.period_months);
        out.set_min_supervision_visits(rules.min_supervision_visits);
        return out;
      });
}

absl::StatusOr<v1::RectificationSettings> RectificationApp::UpdateSettings(
    const RequestContext& rc, const v1::RectificationSettings& settings) {
  const Principal& p = rc.principal;
  if (p.IsApiClient() || !p.HasRole("OFFICE_ADMIN") || p.office_id.empty()) {
    return absl::PermissionDeniedError(
        "permission denied: rectification rules are set by an office's OFFICE_ADMIN");
  }
  const RectificationRules rules{settings.report_due_working_days(), settings.period_months(),
                                 settings.min_supervision_visits()};
  RETURN_IF_ERROR(ValidateRules(rules));
  v1::RectificationSettings out;
  RETURN_IF_ERROR(Write(rc, "UpdateRectificationSettings", settings, out, [&](pqxx::work& tx) {
    Repository::UpsertRules(tx, p.office_id, rules);
    out = settings;
    out.set_office_id(p.office_id);
    return RecordChange(tx, rc, "settings.update",
                        absl::StrCat("rectificationSettings/", p.office_id),
                        "rectification.settings.updated", out);
  }));
  return out;
}

}  // namespace xuncha::rectification
