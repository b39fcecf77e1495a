#include "app.h"

#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "xuncha/audit.h"
#include "xuncha/calendar.h"
#include "xuncha/change.h"
#include "xuncha/engagements.h"
#include "xuncha/idempotency.h"
#include "xuncha/issues/v1/issues.pb.h"
#include "xuncha/log.h"
#include "xuncha/paging.h"
#include "xuncha/periodic.h"
#include "xuncha/scope.h"
#include "xuncha/status.h"

namespace xuncha::clues {
namespace {

std::string ClueResource(const std::string& id) { return absl::StrCat("clues/", id); }

std::string Actor(const RequestContext& rc) {
  return rc.principal.subject_id.empty() ? "system" : rc.principal.ActorLabel();
}

absl::Status LiaisonDenied() {
  return absl::PermissionDeniedError("unit liaisons have no access to clues");
}

absl::Status NoSuchClue(const std::string& id) {
  return absl::NotFoundError(absl::StrCat("id: no clue ", id));
}

// Every read of a clue is on the record, in the read's own transaction.
absl::Status AuditRead(pqxx::work& tx, const RequestContext& rc, const std::string& id) {
  return AppendAudit(tx, {Actor(rc), "clue.read", ClueResource(id), rc.request_id}).status();
}

v1::ClueStateChanged StateChanged(const Clue& clue) {
  v1::ClueStateChanged e;
  e.set_clue_id(clue.id());
  e.set_engagement_id(clue.engagement_id());
  e.set_office_id(clue.office_id());
  e.set_state(clue.state());
  return e;
}

bool IsOfficeStaff(const Principal& p) {
  return !p.IsApiClient() &&
         p.HasAnyRole({"OFFICE_ADMIN", "OFFICE_STAFF", "LEADING_GROUP", "VIEWER"});
}

// Group membership on the clue's engagement, by planning's rule (access window included).
bool IsGroupMember(pqxx::work& tx, const Principal& p, const std::string& engagement_id,
                   std::map<std::string, bool>* cache = nullptr) {
  if (p.person_id.empty() || p.IsApiClient()) return false;
  if (cache != nullptr) {
    auto it = cache->find(engagement_id);
    if (it != cache->end()) return it->second;
  }
  auto engagement = LoadEngagement(tx, engagement_id);
  const bool member = engagement.ok() && AccessTo(p, *engagement, TodayInChina()).member;
  if (cache != nullptr) (*cache)[engagement_id] = member;
  return member;
}

}  // namespace

Clue Present(const Clue& clue, ClueView view, absl::CivilDay today) {
  Clue out = clue;
  out.set_deadline_status(DeadlineStatusOf(clue, today));
  if (view == ClueView::kReceipt) return ReceiptOf(out);
  return out;
}

absl::Status CluesApp::WriteOnce(const RequestContext& rc, absl::string_view method,
                                 const google::protobuf::Message& request,
                                 google::protobuf::Message& response,
                                 const std::function<absl::Status(pqxx::work&)>& body) {
  return CommitChangeOnce(pool_, relay_, rc, method, request, response, body);
}

absl::StatusOr<CluesApp::Loaded> CluesApp::Load(pqxx::work& tx, const RequestContext& rc,
                                                const std::string& id, bool for_update) {
  if (IsUnitLiaison(rc.principal)) return LiaisonDenied();
  RETURN_IF_ERROR(ValidateId("id", id));
  ASSIGN_OR_RETURN(std::optional<Clue> clue, Repository::FindClue(tx, id, for_update));
  if (!clue) return NoSuchClue(id);
  Loaded loaded;
  loaded.clue = std::move(*clue);
  loaded.access = AccessToClue(
      rc.principal, IsGroupMember(tx, rc.principal, loaded.clue.engagement_id()), loaded.clue);
  loaded.view = ViewOf(loaded.access, loaded.clue);
  // Existence itself is confidential: a caller outside need-to-know learns nothing.
  if (loaded.view == ClueView::kNone) return NoSuchClue(id);
  return loaded;
}

// ---------------------------------------------------------------------------------------------
// Registration and reads

absl::StatusOr<Clue> CluesApp::CreateClue(const RequestContext& rc,
                                          const v1::CreateClueRequest& request) {
  if (IsUnitLiaison(rc.principal)) return LiaisonDenied();
  Clue clue = request.clue();
  RETURN_IF_ERROR(ValidateNewClue(clue));
  Clue response;
  RETURN_IF_ERROR(WriteOnce(rc, "CreateClue", request, response, [&](pqxx::work& tx) {
    ASSIGN_OR_RETURN(EngagementSnapshot engagement, LoadEngagement(tx, clue.engagement_id()));
    const EngagementAccess access = AccessTo(rc.principal, engagement, TodayInChina());
    // The group registers; leadership may too. Other office staff have no need to know.
    if (!(access.member || access.leadership) || rc.principal.IsApiClient()) {
      return absl::PermissionDeniedError(
          "only the inspection group or office leadership registers clues of an engagement");
    }
    Clue fresh;
    fresh.set_engagement_id(engagement.id());
    fresh.set_office_id(engagement.office_id());
    fresh.set_office_path(engagement.office_path());
    fresh.set_source(clue.source());
    fresh.set_source_id(clue.source_id());
    fresh.set_subject_person(clue.subject_person());
    fresh.set_subject_position(clue.subject_position());
    fresh.set_cadre_level(clue.cadre_level());
    fresh.set_matter_type(clue.matter_type());
    fresh.set_category(clue.category());
    fresh.set_summary(clue.summary());
    *fresh.mutable_evidence_ids() = clue.evidence_ids();
    fresh.set_state(Clue::DRAFT);
    fresh.set_registered_by(Actor(rc));
    ASSIGN_OR_RETURN(Clue created, Repository::InsertClue(tx, fresh));
    RETURN_IF_ERROR(RecordChange(tx, rc, "clue.register", ClueResource(created.id()),
                                 "clues.clue.registered", StateChanged(created)));
    response = Present(created, ClueView::kFull, TodayInChina());
    return absl::OkStatus();
  }));
  return response;
}

absl::StatusOr<Clue> CluesApp::GetClue(const RequestContext& rc, const std::string& id) {
  return pool_.TransactWith<Clue>([&](pqxx::work& tx) -> absl::StatusOr<Clue> {
    ASSIGN_OR_RETURN(Loaded loaded, Load(tx, rc, id, false));
    RETURN_IF_ERROR(AuditRead(tx, rc, id));
    return Present(loaded.clue, loaded.view, TodayInChina());
  });
}

absl::StatusOr<v1::ListCluesResponse> CluesApp::ListClues(const RequestContext& rc,
                                                          const v1::ListCluesRequest& request) {
  const Principal& p = rc.principal;
  if (IsUnitLiaison(p)) return LiaisonDenied();
  if (p.IsApiClient() && !p.HasScope("clues:read")) {
    return absl::PermissionDeniedError("listing clues needs scope clues:read");
  }
  RETURN_IF_ERROR(ValidateId("engagement_id", request.engagement_id(), false));
  if (!Clue::State_IsValid(request.state())) {
    return InvalidField("state", absl::StrCat("unknown value ", request.state()));
  }
  ASSIGN_OR_RETURN(Page page, DecodePage(request.page_size(), request.page_token()));
  ClueListScope scope;
  scope.engagement_id = request.engagement_id();
  if (request.state() != Clue::STATE_UNSPECIFIED) scope.state = Clue::State_Name(request.state());
  if (IsOfficeLeadership(p, p.office_id)) scope.leadership_office_id = p.office_id;
  if (!p.IsApiClient()) scope.member_person_id = p.person_id;
  if (p.HasRole("RECEIVER") || p.IsApiClient()) {
    scope.receiver_unit_id = p.unit_id;
    scope.receiver_unit_path = p.unit_path;
    // A case system without a unit acts for the org unit of its office (IsReceiverOf).
    if (p.IsApiClient() && p.unit_path.empty()) scope.receiver_unit_path = p.office_path;
  }
  return pool_.TransactWith<v1::ListCluesResponse>(
      [&](pqxx::work& tx) -> absl::StatusOr<v1::ListCluesResponse> {
        std::map<std::string, bool> membership;
        if (!request.engagement_id().empty()) {
          ASSIGN_OR_RETURN(EngagementSnapshot e, LoadEngagement(tx, request.engagement_id()));
          const bool receiver = p.HasRole("RECEIVER") || p.IsApiClient();
          if (!receiver && !IsOfficeLeadership(p, e.office_id()) &&
              !IsGroupMember(tx, p, e.id(), &membership)) {
            return absl::PermissionDeniedError(absl::StrCat(
                "engagement_id: no need-to-know for the clues of engagement ", e.id()));
          }
        }
        ASSIGN_OR_RETURN(std::vector<ListedClue> rows, Repository::ListClues(tx, scope, page));
        v1::ListCluesResponse out;
        const absl::CivilDay today = TodayInChina();
        const bool more = static_cast<int>(rows.size()) > page.size;
        if (more) rows.resize(page.size);
        for (const ListedClue& row : rows) {
          const ClueAccess access = AccessToClue(
              p, IsGroupMember(tx, p, row.clue.engagement_id(), &membership), row.clue);
          const ClueView view = ViewOf(access, row.clue);
          if (view == ClueView::kNone) continue;
          RETURN_IF_ERROR(AuditRead(tx, rc, row.clue.id()));
          *out.add_clues() = Present(row.clue, view, today);
        }
        if (more && !rows.empty()) out.set_next_page_token(EncodePageToken(rows.back().page_key));
        return out;
      });
}

// ---------------------------------------------------------------------------------------------
// Transitions

absl::StatusOr<Clue> CluesApp::Transition(
    const RequestContext& rc, absl::string_view method, const google::protobuf::Message& request,
    const std::string& id, const std::function<absl::Status(pqxx::work&, Loaded&)>& change) {
  Clue response;
  RETURN_IF_ERROR(WriteOnce(rc, method, request, response, [&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Loaded loaded, Load(tx, rc, id, true));
    RETURN_IF_ERROR(change(tx, loaded));
    ASSIGN_OR_RETURN(Clue saved, Repository::SaveClue(tx, loaded.clue));
    // The answer is what the caller may see after the change (a referral upward leaves the
    // referring office only the receipt).
    const ClueAccess after = AccessToClue(rc.principal, loaded.access.group, saved);
    response = Present(saved, ViewOf(after, saved), TodayInChina());
    return absl::OkStatus();
  }));
  return response;
}

absl::StatusOr<Clue> CluesApp::UpdateClue(const RequestContext& rc,
                                          const v1::UpdateClueRequest& request) {
  RETURN_IF_ERROR(ValidateClueFields(request.clue()));
  return Transition(rc, "UpdateClue", request, request.id(), [&](pqxx::work& tx, Loaded& l) {
    if (!(l.access.group || l.access.leadership)) {
      return absl::PermissionDeniedError("only the group or office leadership edits a clue");
    }
    if (l.clue.state() != Clue::DRAFT) {
      return absl::FailedPreconditionError(absl::StrCat(
          "clue is ", Clue::State_Name(l.clue.state()), "; only a DRAFT clue can be edited"));
    }
    const Clue& in = request.clue();
    l.clue.set_subject_person(in.subject_person());
    l.clue.set_subject_position(in.subject_position());
    l.clue.set_cadre_level(in.cadre_level());
    l.clue.set_matter_type(in.matter_type());
    l.clue.set_category(in.category());
    l.clue.set_summary(in.summary());
    *l.clue.mutable_evidence_ids() = in.evidence_ids();
    return AppendAudit(tx, {Actor(rc), "clue.update", ClueResource(l.clue.id()), rc.request_id})
        .status();
  });
}

absl::StatusOr<Clue> CluesApp::ApproveClue(const RequestContext& rc,
                                           const v1::ApproveClueRequest& request) {
  return Transition(rc, "ApproveClue", request, request.id(), [&](pqxx::work& tx, Loaded& l) {
    if (!l.access.leadership) {
      return absl::PermissionDeniedError("only office leadership approves clues");
    }
    RETURN_IF_ERROR(CheckTransition(l.clue.state(), Clue::APPROVED));
    RETURN_IF_ERROR(CheckReadyForApproval(l.clue));
    l.clue.set_state(Clue::APPROVED);
    l.clue.set_approved_by(Actor(rc));
    return RecordChange(tx, rc, "clue.approve", ClueResource(l.clue.id()), "clues.clue.approved",
                        StateChanged(l.clue));
  });
}

absl::StatusOr<Clue> CluesApp::ReferClue(const RequestContext& rc,
                                         const v1::ReferClueRequest& request) {
  RETURN_IF_ERROR(ValidateReferral(request));
  ASSIGN_OR_RETURN(absl::CivilDay referral_day, ParseDay("referral_date", request.referral_date()));
  return Transition(rc, "ReferClue", request, request.id(), [&](pqxx::work& tx, Loaded& l) {
    if (!l.access.leadership) {
      return absl::PermissionDeniedError("only office leadership refers clues");
    }
    RETURN_IF_ERROR(CheckTransition(l.clue.state(), Clue::REFERRED));
    ASSIGN_OR_RETURN(std::optional<v1::ReferralRules> rules,
                     Repository::FindReferralRules(tx, l.clue.office_id()));
    std::vector<v1::ReferralRule> list;
    int months = kDefaultFeedbackMonths;
    if (rules) {
      list.assign(rules->rules().begin(), rules->rules().end());
      if (rules->feedback_months() > 0) months = rules->feedback_months();
    }
    ASSIGN_OR_RETURN(v1::ReferralRule route,
                     RouteClue(list, l.clue.cadre_level(), l.clue.matter_type()));
    v1::Referral* ref = l.clue.mutable_referral();
    ref->set_receiving_unit_id(route.receiving_unit_id());
    ref->set_receiving_unit_path(route.receiving_unit_path());
    ref->set_receiving_unit_name(route.receiving_unit_name());
    ref->set_document_number(request.document_number());
    ref->set_referral_date(FormatDay(referral_day));
    ref->set_feedback_deadline(FormatDay(AddMonths(referral_day, months)));
    ref->set_referred_by(Actor(rc));
    l.clue.set_state(Clue::REFERRED);
    v1::ClueReferred event;
    event.set_clue_id(l.clue.id());
    event.set_office_id(l.clue.office_id());
    event.set_receiving_unit_id(ref->receiving_unit_id());
    event.set_receiving_unit_path(ref->receiving_unit_path());
    event.set_receiving_unit_name(ref->receiving_unit_name());
    event.set_document_number(ref->document_number());
    event.set_referral_date(ref->referral_date());
    event.set_feedback_deadline(ref->feedback_deadline());
    return RecordChange(tx, rc, "clue.refer", ClueResource(l.clue.id()), kClueReferredEvent, event);
  });
}

absl::StatusOr<Clue> CluesApp::AcknowledgeClue(const RequestContext& rc,
                                               const v1::AcknowledgeClueRequest& request) {
  return Transition(rc, "AcknowledgeClue", request, request.id(), [&](pqxx::work& tx, Loaded& l) {
    RETURN_IF_ERROR(CheckCanActAsReceiver(rc.principal, l.access));
    RETURN_IF_ERROR(CheckTransition(l.clue.state(), Clue::ACKNOWLEDGED));
    l.clue.set_state(Clue::ACKNOWLEDGED);
    l.clue.mutable_referral()->set_acknowledged_by(Actor(rc));
    SetTimestampMicros(l.clue.mutable_referral()->mutable_acknowledge_time(),
                       absl::ToUnixMicros(absl::Now()));
    return RecordChange(tx, rc, "clue.acknowledge", ClueResource(l.clue.id()),
                        "clues.clue.acknowledged", StateChanged(l.clue));
  });
}

absl::StatusOr<Clue> CluesApp::DisposeClue(const RequestContext& rc,
                                           const v1::DisposeClueRequest& request) {
  RETURN_IF_ERROR(ValidateDisposal(request));
  ASSIGN_OR_RETURN(absl::CivilDay disposal_day, ParseDay("disposal_date", request.disposal_date()));
  return Transition(rc, "DisposeClue", request, request.id(), [&](pqxx::work& tx, Loaded& l) {
    RETURN_IF_ERROR(CheckCanActAsReceiver(rc.principal, l.access));
    RETURN_IF_ERROR(CheckTransition(l.clue.state(), Clue::DISPOSED));
    absl::CivilDay referred;
    if (absl::ParseCivilTime(l.clue.referral().referral_date(), &referred) &&
        disposal_day < referred) {
      return InvalidField("disposal_date", absl::StrCat("must not be before the referral date ",
                                                        l.clue.referral().referral_date()));
    }
    v1::Disposal* d = l.clue.mutable_disposal();
    d->set_type(request.type());
    d->set_outcome(request.outcome());
    d->set_sanctions_count(request.sanctions_count());
    d->set_disposal_date(FormatDay(disposal_day));
    d->set_recorded_by(Actor(rc));
    l.clue.set_state(Clue::DISPOSED);
    return RecordChange(tx, rc, "clue.dispose", ClueResource(l.clue.id()), "clues.clue.disposed",
                        StateChanged(l.clue));
  });
}

// ---------------------------------------------------------------------------------------------
// Access log, ledger, backlog

absl::StatusOr<v1::ListClueAccessLogResponse> CluesApp::ListClueAccessLog(
    const RequestContext& rc, const v1::ListClueAccessLogRequest& request) {
  ASSIGN_OR_RETURN(Page page, DecodePage(request.page_size(), request.page_token()));
  int64_t after = 0;
  if (!page.after.empty() && !absl::SimpleAtoi(page.after, &after)) {
    return InvalidField("page_token", "not a token of this list");
  }
  return pool_.TransactWith<v1::ListClueAccessLogResponse>(
      [&](pqxx::work& tx) -> absl::StatusOr<v1::ListClueAccessLogResponse> {
        ASSIGN_OR_RETURN(Loaded loaded, Load(tx, rc, request.id(), false));
        if (!loaded.access.leadership) {
          return absl::PermissionDeniedError("only office leadership reads a clue's access log");
        }
        auto rows = Repository::ClueReads(tx, ClueResource(request.id()), after, page.size + 1);
        v1::ListClueAccessLogResponse out;
        const bool more = static_cast<int>(rows.size()) > page.size;
        if (more) rows.resize(page.size);
        for (const auto& row : rows) {
          auto* e = out.add_entries();
          e->set_actor(row.actor);
          e->set_request_id(row.request_id);
          (void)google::protobuf::util::TimeUtil::FromString(row.at, e->mutable_read_time());
        }
        if (more) out.set_next_page_token(EncodePageToken(absl::StrCat(rows.back().entry_id)));
        return out;
      });
}

absl::StatusOr<common::v1::FileContent> CluesApp::ExportClueLedger(
    const RequestContext& rc, const v1::ExportClueLedgerRequest& request) {
  const Principal& p = rc.principal;
  if (IsUnitLiaison(p)) return LiaisonDenied();
  const std::string office_id = request.office_id().empty() ? p.office_id : request.office_id();
  if (!IsOfficeLeadership(p, office_id)) {
    return absl::PermissionDeniedError("the clue ledger is for the office's leadership only");
  }
  return pool_.TransactWith<common::v1::FileContent>(
      [&](pqxx::work& tx) -> absl::StatusOr<common::v1::FileContent> {
        ASSIGN_OR_RETURN(std::vector<Clue> clues, Repository::CluesOfOffice(tx, office_id));
        std::vector<std::pair<Clue, ClueView>> rows;
        for (const Clue& c : clues) {
          const ClueView view = ViewOf(AccessToClue(p, false, c), c);
          if (view == ClueView::kNone) continue;
          RETURN_IF_ERROR(AuditRead(tx, rc, c.id()));
          rows.emplace_back(c, view);
        }
        return ExportTable(ClueLedgerTable(rows, TodayInChina()), request.format(), "线索台账");
      });
}

absl::StatusOr<v1::ClueBacklog> CluesApp::GetClueBacklog(const RequestContext& rc,
                                                         const v1::GetClueBacklogRequest& request) {
  const Principal& p = rc.principal;
  if (IsUnitLiaison(p)) return LiaisonDenied();
  const std::string org = request.org().empty() ? p.office_path : request.org();
  if (!IsLtreePath(org)) return InvalidField("org", "must be an org path like c1.a");
  // Counts only, no clue details: office staff read their office and the offices below.
  if (!IsOfficeStaff(p) || !CanReadOfficeData(p, org)) {
    return absl::PermissionDeniedError(
        absl::StrCat("org: the backlog of ", org, " is not within your office"));
  }
  return pool_.ReadWith<v1::ClueBacklog>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::ClueBacklog> {
        return BuildBacklog(org, Repository::OpenClueGroupsUnder(tx, org), TodayInChina());
      });
}

// ---------------------------------------------------------------------------------------------
// Referral rules

absl::StatusOr<v1::ReferralRules> CluesApp::GetReferralRules(
    const RequestContext& rc, const v1::GetReferralRulesRequest& request) {
  const Principal& p = rc.principal;
  if (IsUnitLiaison(p)) return LiaisonDenied();
  const std::string office_id = request.office_id().empty() ? p.office_id : request.office_id();
  const absl::Status denied = absl::PermissionDeniedError(
      "referral rules are read by the office's own staff and offices above it");
  if (!IsOfficeStaff(p)) return denied;
  return pool_.ReadWith<v1::ReferralRules>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::ReferralRules> {
        if (office_id != p.office_id) {
          // Staff of an office above read a lower office's rules (DESIGN.md §3), known by the
          // path saved with them.
          std::optional<std::string> path = Repository::ReferralRulesOfficePath(tx, office_id);
          if (!path || p.office_path.empty() || !PathWithin(*path, p.office_path)) return denied;
        }
        ASSIGN_OR_RETURN(std::optional<v1::ReferralRules> rules,
                         Repository::FindReferralRules(tx, office_id));
        if (rules) return *rules;
        v1::ReferralRules empty;
        empty.set_office_id(office_id);
        empty.set_feedback_months(kDefaultFeedbackMonths);
        return empty;
      });
}

absl::StatusOr<v1::ReferralRules> CluesApp::SetReferralRules(const RequestContext& rc,
                                                             const v1::ReferralRules& request) {
  const Principal& p = rc.principal;
  if (IsUnitLiaison(p)) return LiaisonDenied();
  v1::ReferralRules rules = request;
  if (rules.office_id().empty()) rules.set_office_id(p.office_id);
  if (!IsOfficeLeadership(p, rules.office_id())) {
    return absl::PermissionDeniedError("only the office's leadership sets its referral rules");
  }
  RETURN_IF_ERROR(ValidateReferralRules(rules));
  if (rules.feedback_months() == 0) rules.set_feedback_months(kDefaultFeedbackMonths);
  v1::ReferralRules response;
  RETURN_IF_ERROR(WriteOnce(rc, "SetReferralRules", request, response, [&](pqxx::work& tx) {
    ASSIGN_OR_RETURN(response, Repository::SaveReferralRules(tx, rules, p.office_path));
    return RecordChange(tx, rc, "referral_rules.set",
                        absl::StrCat("referralRules/", rules.office_id()),
                        "clues.referral_rules.changed", response);
  }));
  return response;
}

// ---------------------------------------------------------------------------------------------
// Events

absl::StatusOr<int> CluesApp::ScanReminders(absl::CivilDay today) {
  RequestContext system;
  system.request_id = absl::StrCat("clue-reminder-scan-", FormatDate(today));
  ASSIGN_OR_RETURN(int sent, pool_.TransactWith<int>([&](pqxx::work& tx) -> absl::StatusOr<int> {
    if (!TryScanLock(tx, "clue_reminders")) return 0;
    ASSIGN_OR_RETURN(std::vector<Clue> clues, Repository::UndisposedReferredClues(tx, 1000));
    int count = 0;
    for (const Clue& clue : clues) {
      const Clue::DeadlineStatus status = DeadlineStatusOf(clue, today);
      const char* kind = status == Clue::OVERDUE    ? "overdue"
                         : status == Clue::DUE_SOON ? "due_soon"
                                                    : nullptr;
      if (kind == nullptr || !Repository::ClaimReminder(tx, clue.id(), kind)) continue;
      // Who and when only: a reminder travels to case systems and must not carry the clue.
      v1::ClueStateChanged payload;
      payload.set_clue_id(clue.id());
      payload.set_engagement_id(clue.engagement_id());
      payload.set_office_id(clue.office_id());
      payload.set_state(clue.state());
      RETURN_IF_ERROR(RecordChange(tx, system, absl::StrCat("clue.reminder_", kind),
                                   absl::StrCat("clues/", clue.id()),
                                   absl::StrCat("clues.clue.", kind), payload));
      ++count;
    }
    return count;
  }));
  if (sent > 0 && relay_ != nullptr) relay_->Wake();
  return sent;
}

absl::Status CluesApp::HandleEvent(pqxx::work& tx, const ConsumedEvent& event) {
  if (event.type == kEngagementChangedEvent) return HandleEngagementEvent(tx, event);
  if (event.type == kClueSuggestedEvent) return RegisterSuggestedClue(tx, event);
  return absl::OkStatus();
}

absl::Status CluesApp::RegisterSuggestedClue(pqxx::work& tx, const ConsumedEvent& event) {
  ::xuncha::issues::v1::IssueClueSuggested s;
  if (!ParseEventPayload(event, &s) || ValidateId("issue_id", s.issue_id()).ok() == false ||
      s.engagement_id().empty() || s.office_id().empty() || !IsLtreePath(s.office_path())) {
    // A malformed event would be redelivered forever; it is logged and skipped instead.
    log::Warning("skipping malformed clue suggestion", {{"event_id", event.event_id}});
    return absl::OkStatus();
  }
  Clue clue;
  clue.set_engagement_id(s.engagement_id());
  clue.set_office_id(s.office_id());
  clue.set_office_path(s.office_path());
  clue.set_source(Clue::ISSUE);
  clue.set_source_id(s.issue_id());
  clue.set_subject_person(s.subject_person());
  clue.set_subject_position(s.subject_position());
  clue.set_cadre_level(ParseCadreLevel(s.cadre_level()));
  clue.set_summary(s.summary().empty() ? s.description() : s.summary());
  *clue.mutable_evidence_ids() = s.evidence_ids();
  clue.set_state(Clue::DRAFT);
  clue.set_registered_by("system:issues");
  // The unique (source, source_id) makes this once per issue, also across distinct events.
  ASSIGN_OR_RETURN(std::optional<Clue> created, Repository::InsertClueIfNew(tx, clue));
  if (!created) return absl::OkStatus();
  RequestContext system;
  system.request_id = event.event_id;
  return RecordChange(tx, system, "clue.register", ClueResource(created->id()),
                      "clues.clue.registered", StateChanged(*created));
}

}  // namespace xuncha::clues
