#include "app.h"

#include <sodium.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"
#include "xuncha/change.h"
#include "xuncha/crypto.h"
#include "xuncha/engagements.h"
#include "xuncha/idempotency.h"
#include "xuncha/log.h"
#include "xuncha/paging.h"
#include "xuncha/status.h"
#include "xuncha/validation.h"

namespace xuncha::fieldwork {
namespace {

absl::Status Denied(absl::string_view what) {
  return absl::PermissionDeniedError(absl::StrCat("not allowed to ", what));
}

std::string InterviewResource(const std::string& id) { return absl::StrCat("interviews/", id); }
std::string SurveyResource(const std::string& id) { return absl::StrCat("surveys/", id); }
std::string PetitionResource(const std::string& id) { return absl::StrCat("petitions/", id); }

bool HasReporter(const v1::SubmitPetitionRequest& request) {
  return request.has_reporter() &&
         (!request.reporter().name().empty() || !request.reporter().phone().empty() ||
          !request.reporter().address().empty());
}

v1::PetitionEvent PetitionPayload(const v1::Petition& p) {
  v1::PetitionEvent e;
  e.set_petition_id(p.id());
  e.set_engagement_id(p.engagement_id());
  e.set_state(v1::Petition::State_Name(p.state()));
  return e;
}

v1::SurveyEvent SurveyPayload(const v1::Survey& s) {
  v1::SurveyEvent e;
  e.set_survey_id(s.id());
  e.set_engagement_id(s.engagement_id());
  e.set_version(s.questionnaire().version());
  e.set_codes_issued(s.codes_issued());
  return e;
}

std::string TodayString() {
  const absl::CivilDay today = TodayInChina();
  return absl::StrFormat("%04d-%02d-%02d", today.year(), today.month(), today.day());
}

v1::DocumentRequestEvent DocumentPayload(const v1::DocumentRequest& d) {
  v1::DocumentRequestEvent e;
  e.set_document_request_id(d.id());
  e.set_engagement_id(d.engagement_id());
  e.set_state(v1::DocumentRequest::State_Name(d.state()));
  return e;
}

std::string OutlineResource(const std::string& id) {
  return absl::StrCat("interviewOutlines/", id);
}

v1::InterviewOutlineEvent OutlinePayload(const v1::InterviewOutline& o) {
  v1::InterviewOutlineEvent e;
  e.set_outline_id(o.id());
  e.set_office_id(o.office_id());
  e.set_version(o.version());
  return e;
}

v1::PetitionMessageEvent MessagePayload(const v1::Petition& p, const v1::PetitionMessage& m) {
  v1::PetitionMessageEvent e;
  e.set_petition_id(p.id());
  e.set_engagement_id(p.engagement_id());
  e.set_message_id(m.id());
  e.set_question_id(m.kind() == v1::PetitionMessage::QUESTION ? m.id() : m.in_reply_to());
  return e;
}

// The record `target` (named by `field` in errors) must be on `engagement_id`, and the caller
// must be allowed to write it.
absl::Status CheckAttach(pqxx::transaction_base& tx, const EngagementAccess& access,
                         const std::string& engagement_id, const v1::EvidenceTarget& target,
                         absl::string_view field) {
  ASSIGN_OR_RETURN(std::string record_engagement, Repository::RecordEngagement(tx, target, field));
  if (record_engagement != engagement_id) {
    return absl::NotFoundError(absl::StrCat(field, ".id: no ",
                                            v1::EvidenceTarget::Kind_Name(target.kind()), " ",
                                            target.id(), " on engagement ", engagement_id));
  }
  if (!CanAttachEvidence(access, target.kind())) {
    return Denied(
        absl::StrCat("attach evidence to this ", v1::EvidenceTarget::Kind_Name(target.kind())));
  }
  return absl::OkStatus();
}

// Attaches a file already linked to `engagement_id` to a record of it; an event when new.
absl::Status AttachInTx(pqxx::work& tx, const RequestContext& rc, const std::string& sha256,
                        const std::string& engagement_id, const v1::EvidenceTarget& target) {
  if (!Repository::AttachEvidence(tx, sha256, engagement_id, target, rc.principal.ActorLabel())) {
    return absl::OkStatus();
  }
  v1::EvidenceEvent payload;
  payload.set_sha256(sha256);
  payload.set_engagement_id(engagement_id);
  *payload.mutable_target() = target;
  return RecordChange(tx, rc, "evidence.attach", absl::StrCat("evidence/", sha256),
                      "fieldwork.evidence.attached", payload);
}

// Clears the thread's request id for its lifetime: the outbox row takes the id from there, and
// for an anonymous reply it must not point at the gateway's log line of the request.
class WithoutRequestId {
 public:
  WithoutRequestId() : saved_(log::RequestId()) { log::SetRequestId(""); }
  ~WithoutRequestId() { log::SetRequestId(saved_); }
  WithoutRequestId(const WithoutRequestId&) = delete;
  WithoutRequestId& operator=(const WithoutRequestId&) = delete;

 private:
  std::string saved_;
};

absl::Status CheckCategoryFilter(v1::Interview::Category category) {
  if (!v1::Interview::Category_IsValid(category)) {
    return InvalidField("category", "must be a valid interviewee category");
  }
  return absl::OkStatus();
}

std::string DocumentResource(const std::string& id) {
  return absl::StrCat("documentRequests/", id);
}

// What the caller may see of a document request: the liaison gets the request, not the review.
v1::DocumentRequest ViewFor(const EngagementAccess& access, v1::DocumentRequest d) {
  if (!access.CanReadRecords()) StripForLiaison(d);
  return d;
}

}  // namespace

FieldworkApp::FieldworkApp(PgPool& pool, OutboxRelay* relay, FieldworkSettings settings)
    : pool_(pool),
      relay_(relay),
      settings_(std::move(settings)),
      evidence_(settings_.evidence_dir) {
  if (sodium_init() < 0) std::abort();  // nothing can be sealed without it
}

absl::Status FieldworkApp::Write(const std::function<absl::Status(pqxx::work&)>& body) {
  return CommitChange(pool_, relay_, body);
}

absl::Status FieldworkApp::WriteOnce(const RequestContext& rc, absl::string_view method,
                                     const google::protobuf::Message& request,
                                     google::protobuf::Message& response,
                                     const std::function<absl::Status(pqxx::work&)>& body) {
  return CommitChangeOnce(pool_, relay_, rc, method, request, response, body);
}

namespace {

// What the principal may do on an engagement, as far as fieldwork is concerned: an API client of
// the office reads fieldwork records only with the scope for it (DESIGN.md §3: "their office
// and their scopes").
EngagementAccess FieldworkAccess(const Principal& principal, const EngagementSnapshot& engagement) {
  EngagementAccess access = AccessTo(principal, engagement, TodayInChina());
  access.api_client = access.ApiClientHolds(principal, "fieldwork:read");
  return access;
}

}  // namespace

absl::StatusOr<EngagementAccess> FieldworkApp::Access(pqxx::transaction_base& tx,
                                                      const RequestContext& rc,
                                                      const std::string& engagement_id,
                                                      absl::string_view field) {
  RETURN_IF_ERROR(ValidateId(field, engagement_id));
  ASSIGN_OR_RETURN(EngagementSnapshot engagement, LoadEngagement(tx, engagement_id, field));
  return FieldworkAccess(rc.principal, engagement);
}

// ---------------------------------------------------------------------------------------------
// Interviews

absl::StatusOr<v1::Interview> FieldworkApp::CreateInterview(
    const RequestContext& rc, const v1::CreateInterviewRequest& request) {
  RETURN_IF_ERROR(ValidateId("engagement_id", request.engagement_id()));
  v1::Interview interview = request.interview();
  interview.set_engagement_id(request.engagement_id());
  v1::Interview created;
  RETURN_IF_ERROR(
      WriteOnce(rc, "CreateInterview", request, created, [&](pqxx::work& tx) -> absl::Status {
        ASSIGN_OR_RETURN(EngagementSnapshot engagement,
                         LoadEngagement(tx, request.engagement_id(), "engagement_id"));
        if (!CanRecordInterviews(FieldworkAccess(rc.principal, engagement))) {
          return Denied("record interviews on this engagement (its group and office leadership)");
        }
        RETURN_IF_ERROR(ValidateNewInterview(interview, engagement));
        RETURN_IF_ERROR(ResolveOutline(tx, engagement, interview));
        created = Repository::InsertInterview(tx, interview, rc.principal.ActorLabel());
        v1::InterviewRecordedEvent payload;
        payload.set_interview_id(created.id());
        payload.set_engagement_id(created.engagement_id());
        for (const auto& p : created.problems()) payload.add_problem_ids(p.id());
        return RecordChange(tx, rc, "interview.create", InterviewResource(created.id()),
                            "fieldwork.interview.recorded", payload);
      }));
  return created;
}

absl::StatusOr<v1::ListInterviewsResponse> FieldworkApp::ListInterviews(
    const RequestContext& rc, const v1::ListInterviewsRequest& request) {
  ASSIGN_OR_RETURN(Page page, DecodePage(request.page_size(), request.page_token()));
  return pool_.ReadWith<v1::ListInterviewsResponse>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::ListInterviewsResponse> {
        ASSIGN_OR_RETURN(EngagementAccess access, Access(tx, rc, request.engagement_id()));
        if (!CanReadInterviews(access)) {
          return Denied("read interviews of this engagement (its group and office leadership)");
        }
        auto items = Repository::ListInterviews(tx, request.engagement_id(), page);
        v1::ListInterviewsResponse out;
        out.set_next_page_token(NextToken(
            items, page.size, [](const auto& x) { return Repository::InterviewPageKey(x); }));
        for (auto& i : items) *out.add_interviews() = std::move(i);
        return out;
      });
}

absl::StatusOr<v1::Interview> FieldworkApp::GetInterview(const RequestContext& rc,
                                                         const std::string& id) {
  RETURN_IF_ERROR(ValidateId("id", id));
  return pool_.ReadWith<v1::Interview>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::Interview> {
        ASSIGN_OR_RETURN(v1::Interview interview, Repository::GetInterview(tx, id));
        ASSIGN_OR_RETURN(EngagementAccess access, Access(tx, rc, interview.engagement_id()));
        if (!CanReadInterviews(access)) return Denied(absl::StrCat("read ", InterviewResource(id)));
        return interview;
      });
}

absl::Status FieldworkApp::ResolveOutline(pqxx::work& tx, const EngagementSnapshot& engagement,
                                          v1::Interview& interview) {
  if (interview.outline_id().empty()) {
    if (interview.outline_version() != 0) {
      return InvalidField("interview.outline_version", "is set only together with outline_id");
    }
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(ValidateId("interview.outline_id", interview.outline_id()));
  if (interview.outline_version() < 0) {
    return InvalidField("interview.outline_version", "must be 0 (current) or a version number");
  }
  ASSIGN_OR_RETURN(StoredOutline outline,
                   Repository::GetOutline(tx, interview.outline_id(), interview.outline_version(),
                                          false, "interview.outline_id"));
  if (!OutlineUsableOn(outline.owner, engagement)) {
    return InvalidField("interview.outline_id",
                        "belongs to another office (use a built-in outline or one of the "
                        "engagement's own office)");
  }
  if (outline.outline.archived()) {
    return absl::FailedPreconditionError(
        absl::StrCat("interview.outline_id: interview outline ", outline.outline.id(),
                     " is archived and no longer used for new interviews"));
  }
  interview.set_outline_version(outline.outline.version());
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Interview outlines

absl::StatusOr<v1::InterviewOutline> FieldworkApp::CreateInterviewOutline(
    const RequestContext& rc, const v1::CreateInterviewOutlineRequest& request) {
  const Principal& p = rc.principal;
  const OutlineOwner owner{p.office_id, p.office_path};
  if (!CanWriteOutline(p, owner)) {
    return Denied(
        "create interview outlines (OFFICE_ADMIN, OFFICE_STAFF or LEADING_GROUP of an "
        "office)");
  }
  const v1::InterviewOutline& outline = request.outline();
  RETURN_IF_ERROR(ValidateOutline(outline.title(), outline.category(), outline.questions()));
  v1::InterviewOutline created;
  RETURN_IF_ERROR(WriteOnce(
      rc, "CreateInterviewOutline", request, created, [&](pqxx::work& tx) -> absl::Status {
        created = Repository::InsertOutline(tx, outline, owner, p.ActorLabel()).outline;
        return RecordChange(tx, rc, "interview_outline.create", OutlineResource(created.id()),
                            "fieldwork.interview_outline.created", OutlinePayload(created));
      }));
  return created;
}

absl::StatusOr<v1::ListInterviewOutlinesResponse> FieldworkApp::ListInterviewOutlines(
    const RequestContext& rc, const v1::ListInterviewOutlinesRequest& request) {
  const Principal& p = rc.principal;
  if (!p.IsPlatformAdmin() && !IsOfficeStaff(p)) {
    return Denied(
        "list interview outlines (office staff; group members list them on their "
        "engagement)");
  }
  RETURN_IF_ERROR(CheckCategoryFilter(request.category()));
  ASSIGN_OR_RETURN(Page page, DecodePage(request.page_size(), request.page_token()));
  OutlineFilter filter;
  filter.all_offices = p.IsPlatformAdmin();
  filter.within_path = p.office_path;
  filter.category = request.category();
  filter.include_archived = request.include_archived();
  return pool_.ReadWith<v1::ListInterviewOutlinesResponse>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::ListInterviewOutlinesResponse> {
        auto items = Repository::ListOutlines(tx, filter, page);
        v1::ListInterviewOutlinesResponse out;
        out.set_next_page_token(NextToken(
            items, page.size, [](const auto& x) { return Repository::OutlinePageKey(x); }));
        for (auto& o : items) *out.add_outlines() = std::move(o.outline);
        return out;
      });
}

absl::StatusOr<v1::InterviewOutline> FieldworkApp::GetInterviewOutline(
    const RequestContext& rc, const v1::GetInterviewOutlineRequest& request) {
  RETURN_IF_ERROR(ValidateId("id", request.id()));
  RETURN_IF_ERROR(ValidateId("engagement_id", request.engagement_id(), false));
  if (request.version() < 0) return InvalidField("version", "must be 0 (current) or a version");
  return pool_.ReadWith<v1::InterviewOutline>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::InterviewOutline> {
        ASSIGN_OR_RETURN(StoredOutline outline,
                         Repository::GetOutline(tx, request.id(), request.version(), false));
        if (CanReadOutline(rc.principal, outline.owner)) return outline.outline;
        if (!request.engagement_id().empty()) {
          ASSIGN_OR_RETURN(EngagementSnapshot engagement,
                           LoadEngagement(tx, request.engagement_id(), "engagement_id"));
          if (CanReadOutlinesOn(FieldworkAccess(rc.principal, engagement)) &&
              OutlineUsableOn(outline.owner, engagement)) {
            return outline.outline;
          }
        }
        return Denied(absl::StrCat("read ", OutlineResource(request.id())));
      });
}

absl::StatusOr<v1::InterviewOutline> FieldworkApp::UpdateInterviewOutline(
    const RequestContext& rc, const v1::UpdateInterviewOutlineRequest& request) {
  RETURN_IF_ERROR(ValidateId("id", request.id()));
  RETURN_IF_ERROR(ValidateOutline(request.title(), request.category(), request.questions()));
  v1::InterviewOutline updated;
  RETURN_IF_ERROR(WriteOnce(
      rc, "UpdateInterviewOutline", request, updated, [&](pqxx::work& tx) -> absl::Status {
        ASSIGN_OR_RETURN(StoredOutline outline, Repository::GetOutline(tx, request.id(), 0, true));
        if (!CanReadOutline(rc.principal, outline.owner)) {
          return Denied(absl::StrCat("change ", OutlineResource(request.id())));
        }
        if (outline.owner.built_in()) {
          return absl::FailedPreconditionError(
              "id: built-in outlines do not change; create an office outline from it instead");
        }
        if (!CanWriteOutline(rc.principal, outline.owner)) {
          return Denied(absl::StrCat("change ", OutlineResource(request.id()),
                                     " (the owning office's staff only; offices above read)"));
        }
        if (outline.outline.archived()) {
          return absl::FailedPreconditionError(
              absl::StrCat("id: interview outline ", request.id(), " is archived"));
        }
        RETURN_IF_ERROR(
            CheckOutlineVersion(outline.outline.current_version(), request.expected_version()));
        const int next = outline.outline.current_version() + 1;
        Repository::AddOutlineVersion(tx, request.id(), next, request, rc.principal.ActorLabel());
        ASSIGN_OR_RETURN(StoredOutline after, Repository::GetOutline(tx, request.id(), 0, false));
        updated = after.outline;
        return RecordChange(tx, rc, "interview_outline.update", OutlineResource(request.id()),
                            "fieldwork.interview_outline.updated", OutlinePayload(updated));
      }));
  return updated;
}

absl::StatusOr<v1::InterviewOutline> FieldworkApp::ArchiveInterviewOutline(
    const RequestContext& rc, const v1::ArchiveInterviewOutlineRequest& request) {
  RETURN_IF_ERROR(ValidateId("id", request.id()));
  v1::InterviewOutline archived;
  RETURN_IF_ERROR(WriteOnce(
      rc, "ArchiveInterviewOutline", request, archived, [&](pqxx::work& tx) -> absl::Status {
        ASSIGN_OR_RETURN(StoredOutline outline, Repository::GetOutline(tx, request.id(), 0, true));
        if (!CanReadOutline(rc.principal, outline.owner)) {
          return Denied(absl::StrCat("archive ", OutlineResource(request.id())));
        }
        if (outline.owner.built_in()) {
          return absl::FailedPreconditionError("id: built-in outlines cannot be archived");
        }
        if (!CanWriteOutline(rc.principal, outline.owner)) {
          return Denied(absl::StrCat("archive ", OutlineResource(request.id()),
                                     " (the owning office's staff only)"));
        }
        if (outline.outline.archived()) {
          return absl::FailedPreconditionError(
              absl::StrCat("id: interview outline ", request.id(), " is already archived"));
        }
        Repository::ArchiveOutline(tx, request.id());
        ASSIGN_OR_RETURN(StoredOutline after, Repository::GetOutline(tx, request.id(), 0, false));
        archived = after.outline;
        return RecordChange(tx, rc, "interview_outline.archive", OutlineResource(request.id()),
                            "fieldwork.interview_outline.archived", OutlinePayload(archived));
      }));
  return archived;
}

absl::StatusOr<v1::ListInterviewOutlinesResponse> FieldworkApp::ListEngagementInterviewOutlines(
    const RequestContext& rc, const v1::ListEngagementInterviewOutlinesRequest& request) {
  RETURN_IF_ERROR(ValidateId("engagement_id", request.engagement_id()));
  RETURN_IF_ERROR(CheckCategoryFilter(request.category()));
  ASSIGN_OR_RETURN(Page page, DecodePage(request.page_size(), request.page_token()));
  return pool_.ReadWith<v1::ListInterviewOutlinesResponse>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::ListInterviewOutlinesResponse> {
        ASSIGN_OR_RETURN(EngagementSnapshot engagement,
                         LoadEngagement(tx, request.engagement_id(), "engagement_id"));
        if (!CanReadOutlinesOn(FieldworkAccess(rc.principal, engagement))) {
          return Denied("read the interview outlines of this engagement (its group and office)");
        }
        OutlineFilter filter;
        filter.office_id = engagement.office_id();
        filter.category = request.category();
        auto items = Repository::ListOutlines(tx, filter, page);
        v1::ListInterviewOutlinesResponse out;
        out.set_next_page_token(NextToken(
            items, page.size, [](const auto& x) { return Repository::OutlinePageKey(x); }));
        for (auto& o : items) *out.add_outlines() = std::move(o.outline);
        return out;
      });
}

// ---------------------------------------------------------------------------------------------
// Surveys

absl::StatusOr<v1::Survey> FieldworkApp::CreateSurvey(const RequestContext& rc,
                                                      const v1::CreateSurveyRequest& request) {
  v1::Survey survey = request.survey();
  RETURN_IF_ERROR(ValidateNewSurvey(survey));
  if (survey.min_responses() == 0) survey.set_min_responses(kDefaultMinResponses);
  if (survey.questionnaire().questions_size() == 0) {
    *survey.mutable_questionnaire() = DemocraticEvaluationTemplate();
  }
  survey.mutable_questionnaire()->set_version(1);
  v1::Survey created;
  RETURN_IF_ERROR(
      WriteOnce(rc, "CreateSurvey", request, created, [&](pqxx::work& tx) -> absl::Status {
        ASSIGN_OR_RETURN(EngagementAccess access,
                         Access(tx, rc, survey.engagement_id(), "survey.engagement_id"));
        if (!CanManageSurveys(access)) return Denied("create surveys on this engagement");
        created = Repository::InsertSurvey(tx, survey);
        return RecordChange(tx, rc, "survey.create", SurveyResource(created.id()),
                            "fieldwork.survey.created", SurveyPayload(created));
      }));
  return created;
}

absl::StatusOr<v1::Survey> FieldworkApp::GetSurvey(const RequestContext& rc,
                                                   const std::string& id) {
  RETURN_IF_ERROR(ValidateId("id", id));
  return pool_.ReadWith<v1::Survey>([&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::Survey> {
    ASSIGN_OR_RETURN(v1::Survey survey, Repository::GetSurvey(tx, id, false));
    ASSIGN_OR_RETURN(EngagementAccess access, Access(tx, rc, survey.engagement_id()));
    if (!CanManageSurveys(access) && !CanReadSurveyResults(access)) {
      return Denied(absl::StrCat("read ", SurveyResource(id)));
    }
    return survey;
  });
}

absl::StatusOr<v1::Survey> FieldworkApp::UpdateQuestionnaire(
    const RequestContext& rc, const v1::UpdateQuestionnaireRequest& request) {
  RETURN_IF_ERROR(ValidateId("id", request.id()));
  RETURN_IF_ERROR(ValidateQuestions(request.questions()));
  v1::Survey updated;
  RETURN_IF_ERROR(
      WriteOnce(rc, "UpdateQuestionnaire", request, updated, [&](pqxx::work& tx) -> absl::Status {
        // The row lock orders this against answers being stored for the current version.
        ASSIGN_OR_RETURN(v1::Survey survey, Repository::GetSurvey(tx, request.id(), true));
        ASSIGN_OR_RETURN(EngagementAccess access, Access(tx, rc, survey.engagement_id()));
        if (!CanManageSurveys(access))
          return Denied(absl::StrCat("edit ", SurveyResource(request.id())));
        v1::Questionnaire next;
        *next.mutable_questions() = request.questions();
        const int current = survey.questionnaire().version();
        if (Repository::CountAnswers(tx, survey.id(), current) == 0) {
          next.set_version(current);
          Repository::ReplaceVersion(tx, survey.id(), next);
        } else {
          // Answers given to the current wording must stay readable with it.
          next.set_version(current + 1);
          Repository::InsertVersion(tx, survey.id(), next);
          Repository::SetCurrentVersion(tx, survey.id(), next.version());
        }
        ASSIGN_OR_RETURN(updated, Repository::GetSurvey(tx, survey.id(), false));
        return RecordChange(tx, rc, "survey.update_questionnaire", SurveyResource(survey.id()),
                            "fieldwork.survey.questionnaire_changed", SurveyPayload(updated));
      }));
  return updated;
}

absl::StatusOr<v1::IssueSurveyCodesResponse> FieldworkApp::IssueSurveyCodes(
    const RequestContext& rc, const v1::IssueSurveyCodesRequest& request) {
  RETURN_IF_ERROR(ValidateId("id", request.id()));
  if (request.count() < 1 || request.count() > kMaxCodesPerRequest) {
    return InvalidField("count", absl::StrCat("must be between 1 and ", kMaxCodesPerRequest));
  }
  v1::IssueSurveyCodesResponse out;
  std::vector<std::string> hashes;
  for (int i = 0; i < request.count(); ++i) {
    out.add_codes(NewResponseCode());
    hashes.push_back(Sha256Hex(NormalizeResponseCode(out.codes(i))));
  }
  // Not WriteOnce: an idempotency record would keep the plaintext codes in the database. A
  // retried request issues fresh codes; unused ones are harmless.
  RETURN_IF_ERROR(Write([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(v1::Survey survey, Repository::GetSurvey(tx, request.id(), true));
    ASSIGN_OR_RETURN(EngagementAccess access, Access(tx, rc, survey.engagement_id()));
    if (!CanManageSurveys(access)) {
      return Denied(absl::StrCat("issue codes for ", SurveyResource(request.id())));
    }
    Repository::InsertCodeHashes(tx, survey.id(), hashes);
    v1::SurveyEvent payload = SurveyPayload(survey);
    payload.set_codes_issued(survey.codes_issued() + request.count());
    return RecordChange(tx, rc, "survey.issue_codes", SurveyResource(survey.id()),
                        "fieldwork.survey.codes_issued", payload);
  }));
  return out;
}

absl::StatusOr<v1::SubmitSurveyResponseResponse> FieldworkApp::SubmitSurveyResponse(
    const RequestContext&, const v1::SubmitSurveyResponseRequest& request) {
  const std::string code = NormalizeResponseCode(request.code());
  if (code.empty()) return InvalidField("code", "must be set");
  const std::string hash = Sha256Hex(code);
  v1::SubmitSurveyResponseResponse out;
  // No audit row and no event: either would put an exact time next to each answer. The code is
  // marked used and the answer stored in one transaction, so an invalid answer leaves the code
  // unused and two racing submissions with one code store one answer.
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    std::optional<std::string> survey_id = Repository::UseCode(tx, hash);
    if (!survey_id) {
      if (Repository::CodeExists(tx, hash)) {
        return absl::FailedPreconditionError("code: this response code has already been used");
      }
      return absl::NotFoundError("code: no such response code");
    }
    ASSIGN_OR_RETURN(v1::Survey survey, Repository::GetSurvey(tx, *survey_id, true));
    RETURN_IF_ERROR(ValidateAnswers(survey.questionnaire(), request.answers()));
    Repository::InsertAnswers(
        tx, survey.id(), survey.questionnaire().version(),
        std::vector<v1::Answer>(request.answers().begin(), request.answers().end()));
    out.set_survey_title(survey.title());
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::ListSurveysResponse> FieldworkApp::ListSurveys(
    const RequestContext& rc, const v1::ListSurveysRequest& request) {
  ASSIGN_OR_RETURN(Page page, DecodePage(request.page_size(), request.page_token()));
  return pool_.ReadWith<v1::ListSurveysResponse>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::ListSurveysResponse> {
        ASSIGN_OR_RETURN(EngagementAccess access, Access(tx, rc, request.engagement_id()));
        // The same readers as GetSurvey: a list must not show more than its items do.
        if (!CanManageSurveys(access) && !CanReadSurveyResults(access)) {
          return Denied("list surveys of this engagement (its group and office staff)");
        }
        auto items = Repository::ListSurveys(tx, request.engagement_id(), page);
        v1::ListSurveysResponse out;
        out.set_next_page_token(NextToken(
            items, page.size, [](const auto& x) { return Repository::SurveyPageKey(x); }));
        for (auto& s : items) *out.add_surveys() = std::move(s);
        return out;
      });
}

absl::StatusOr<v1::SurveyQuestionnaire> FieldworkApp::GetSurveyQuestionnaire(
    const RequestContext&, const v1::GetSurveyQuestionnaireRequest& request) {
  const std::string code = NormalizeResponseCode(request.code());
  if (code.empty()) return InvalidField("code", "must be set");
  const std::string hash = Sha256Hex(code);
  // No audit row and no event, as for answering: a logged time of reading the questionnaire
  // would sit next to the moment the holder answers.
  return pool_.ReadWith<v1::SurveyQuestionnaire>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::SurveyQuestionnaire> {
        std::optional<std::string> survey_id = Repository::UnusedCodeSurvey(tx, hash);
        // One message for unknown and used codes: telling them apart would let anyone test
        // guessed codes for having been issued.
        if (!survey_id) return absl::NotFoundError("code: no unused response code like this");
        ASSIGN_OR_RETURN(v1::Survey survey, Repository::GetSurvey(tx, *survey_id, false));
        v1::SurveyQuestionnaire out;
        out.set_title(survey.title());
        out.set_kind(survey.kind());
        *out.mutable_questionnaire() = survey.questionnaire();
        return out;
      });
}

absl::StatusOr<v1::SurveyResults> FieldworkApp::GetSurveyResults(const RequestContext& rc,
                                                                 const std::string& id) {
  RETURN_IF_ERROR(ValidateId("id", id));
  return pool_.TransactWith<v1::SurveyResults>(
      [&](pqxx::work& tx) -> absl::StatusOr<v1::SurveyResults> {
        ASSIGN_OR_RETURN(v1::Survey survey, Repository::GetSurvey(tx, id, false));
        ASSIGN_OR_RETURN(EngagementAccess access, Access(tx, rc, survey.engagement_id()));
        if (!CanReadSurveyResults(access)) {
          return Denied(absl::StrCat("read results of ", SurveyResource(id)));
        }
        std::map<int, std::vector<std::vector<v1::Answer>>> by_version;
        for (auto& stored : Repository::ListAnswers(tx, id)) {
          by_version[stored.version].push_back(std::move(stored.answers));
        }
        v1::SurveyResults out;
        out.set_survey_id(id);
        out.set_min_responses(survey.min_responses());
        for (const auto& questionnaire : Repository::ListVersions(tx, id)) {
          *out.add_versions() = AggregateVersion(questionnaire, by_version[questionnaire.version()],
                                                 survey.min_responses());
        }
        return out;
      });
}

// ---------------------------------------------------------------------------------------------
// Petitions

absl::StatusOr<v1::SubmitPetitionResponse> FieldworkApp::SubmitPetition(
    const RequestContext& rc, const v1::SubmitPetitionRequest& request) {
  RETURN_IF_ERROR(ValidateNewPetition(request));
  std::string sealed;
  if (HasReporter(request)) {
    if (settings_.petition_public_key.size() != crypto_box_PUBLICKEYBYTES) {
      // Storing an identity in clear is worse than not taking it.
      return absl::FailedPreconditionError(
          "reporter: identities cannot be accepted here (no petition key configured); submit "
          "without one");
    }
    const std::string plain = ToJson(request.reporter());
    sealed.resize(crypto_box_SEALBYTES + plain.size());
    if (crypto_box_seal(
            reinterpret_cast<unsigned char*>(sealed.data()),
            reinterpret_cast<const unsigned char*>(plain.data()), plain.size(),
            reinterpret_cast<const unsigned char*>(settings_.petition_public_key.data())) != 0) {
      return absl::InternalError("sealing the reporter identity failed");
    }
  }
  const std::string receipt = NewReceiptCode();
  RETURN_IF_ERROR(Write([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(EngagementSnapshot engagement,
                     LoadEngagement(tx, request.engagement_id(), "engagement_id"));
    (void)engagement;
    v1::Petition created =
        Repository::InsertPetition(tx, request, Sha256Hex(receipt), sealed, TodayString());
    return RecordChange(tx, rc, "petition.receive", PetitionResource(created.id()),
                        "fieldwork.petition.received", PetitionPayload(created));
  }));
  v1::SubmitPetitionResponse out;
  out.set_receipt(receipt);
  return out;
}

absl::StatusOr<v1::PetitionStatus> FieldworkApp::GetPetitionStatus(const RequestContext&,
                                                                   const std::string& receipt) {
  if (!IsReceiptCodeFormat(receipt)) {
    return InvalidField("receipt", absl::StrCat("must be ", kReceiptDigits, " digits"));
  }
  return pool_.ReadWith<v1::PetitionStatus>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::PetitionStatus> {
        auto petition = Repository::FindPetitionByReceiptHash(tx, Sha256Hex(receipt));
        if (!petition) return absl::NotFoundError("receipt: no petition with this receipt");
        v1::PetitionStatus out;
        out.set_state(petition->state());
        out.set_received_on(petition->received_on());
        for (auto& m : Repository::ListPetitionMessages(tx, petition->id())) {
          *out.add_messages() = std::move(m);
        }
        return out;
      });
}

absl::StatusOr<v1::ListPetitionsResponse> FieldworkApp::ListPetitions(
    const RequestContext& rc, const v1::ListPetitionsRequest& request) {
  ASSIGN_OR_RETURN(Page page, DecodePage(request.page_size(), request.page_token()));
  return pool_.ReadWith<v1::ListPetitionsResponse>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::ListPetitionsResponse> {
        ASSIGN_OR_RETURN(EngagementAccess access, Access(tx, rc, request.engagement_id()));
        if (!CanReadPetitions(access)) return Denied("read petitions of this engagement");
        auto items = Repository::ListPetitions(tx, request.engagement_id(), page);
        v1::ListPetitionsResponse out;
        out.set_next_page_token(NextToken(
            items, page.size, [](const auto& x) { return PageKey(x.received_on(), x.id()); }));
        for (auto& p : items) *out.add_petitions() = std::move(p);
        return out;
      });
}

absl::StatusOr<v1::Petition> FieldworkApp::GetPetition(const RequestContext& rc,
                                                       const std::string& id) {
  RETURN_IF_ERROR(ValidateId("id", id));
  return pool_.ReadWith<v1::Petition>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::Petition> {
        ASSIGN_OR_RETURN(StoredPetition stored, Repository::GetPetition(tx, id, false));
        ASSIGN_OR_RETURN(EngagementAccess access, Access(tx, rc, stored.petition.engagement_id()));
        if (!CanReadPetitions(access)) return Denied(absl::StrCat("read ", PetitionResource(id)));
        return stored.petition;
      });
}

absl::StatusOr<v1::Petition> FieldworkApp::TriagePetition(
    const RequestContext& rc, const v1::TriagePetitionRequest& request) {
  RETURN_IF_ERROR(ValidateId("id", request.id()));
  v1::Petition updated;
  RETURN_IF_ERROR(
      WriteOnce(rc, "TriagePetition", request, updated, [&](pqxx::work& tx) -> absl::Status {
        ASSIGN_OR_RETURN(StoredPetition stored, Repository::GetPetition(tx, request.id(), true));
        ASSIGN_OR_RETURN(EngagementAccess access, Access(tx, rc, stored.petition.engagement_id()));
        if (!CanTriagePetitions(access)) {
          return Denied(absl::StrCat("triage ", PetitionResource(request.id())));
        }
        RETURN_IF_ERROR(CheckTriage(stored.petition.state(), request.to(), request.reason()));
        Repository::SetPetitionState(tx, request.id(), request.to(), request.reason());
        ASSIGN_OR_RETURN(StoredPetition after, Repository::GetPetition(tx, request.id(), false));
        updated = after.petition;
        return RecordChange(tx, rc, "petition.triage", PetitionResource(request.id()),
                            "fieldwork.petition.triaged", PetitionPayload(updated));
      }));
  return updated;
}

absl::StatusOr<v1::PetitionMessage> FieldworkApp::PostPetitionQuestion(
    const RequestContext& rc, const v1::PostPetitionQuestionRequest& request) {
  RETURN_IF_ERROR(ValidateId("id", request.id()));
  RETURN_IF_ERROR(ValidatePetitionMessage("text", request.text()));
  v1::PetitionMessage posted;
  RETURN_IF_ERROR(
      WriteOnce(rc, "PostPetitionQuestion", request, posted, [&](pqxx::work& tx) -> absl::Status {
        ASSIGN_OR_RETURN(StoredPetition stored, Repository::GetPetition(tx, request.id(), true));
        ASSIGN_OR_RETURN(EngagementAccess access, Access(tx, rc, stored.petition.engagement_id()));
        if (!CanTriagePetitions(access)) {
          return Denied(absl::StrCat("ask the reporter of ", PetitionResource(request.id())));
        }
        RETURN_IF_ERROR(CheckPetitionOpenForMessages(stored.petition.state()));
        posted =
            Repository::InsertPetitionQuestion(tx, request.id(), request.text(), TodayString());
        return RecordChange(tx, rc, "petition.ask", PetitionResource(request.id()),
                            "fieldwork.petition.question_posted",
                            MessagePayload(stored.petition, posted));
      }));
  return posted;
}

absl::StatusOr<v1::ListPetitionMessagesResponse> FieldworkApp::ListPetitionMessages(
    const RequestContext& rc, const v1::ListPetitionMessagesRequest& request) {
  RETURN_IF_ERROR(ValidateId("id", request.id()));
  return pool_.ReadWith<v1::ListPetitionMessagesResponse>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::ListPetitionMessagesResponse> {
        ASSIGN_OR_RETURN(StoredPetition stored, Repository::GetPetition(tx, request.id(), false));
        ASSIGN_OR_RETURN(EngagementAccess access, Access(tx, rc, stored.petition.engagement_id()));
        if (!CanReadPetitions(access)) {
          return Denied(absl::StrCat("read ", PetitionResource(request.id())));
        }
        v1::ListPetitionMessagesResponse out;
        for (auto& m : Repository::ListPetitionMessages(tx, request.id())) {
          *out.add_messages() = std::move(m);
        }
        return out;
      });
}

absl::StatusOr<v1::PetitionMessage> FieldworkApp::ReplyToPetitionQuestion(
    const RequestContext&, const v1::ReplyToPetitionQuestionRequest& request) {
  if (!IsReceiptCodeFormat(request.receipt())) {
    return InvalidField("receipt", absl::StrCat("must be ", kReceiptDigits, " digits"));
  }
  RETURN_IF_ERROR(ValidateId("question_id", request.question_id()));
  RETURN_IF_ERROR(ValidatePetitionMessage("text", request.text()));
  // The audit row of a reply names no actor and no request id: the request id would lead to the
  // gateway's log line for this request, and with it to the sender's address.
  const RequestContext anonymous;
  v1::PetitionMessage reply;
  // Not WriteOnce: an idempotency record would keep the request, receipt included.
  RETURN_IF_ERROR(Write([&](pqxx::work& tx) -> absl::Status {
    // The receipt is looked up by its SHA-256 through a unique index: no plaintext comparison,
    // so response time says nothing about how close a guess was.
    auto found = Repository::FindPetitionByReceiptHash(tx, Sha256Hex(request.receipt()));
    if (!found) return absl::NotFoundError("receipt: no petition with this receipt");
    ASSIGN_OR_RETURN(StoredPetition stored, Repository::GetPetition(tx, found->id(), true));
    RETURN_IF_ERROR(CheckPetitionOpenForMessages(stored.petition.state()));
    auto question = Repository::GetPetitionQuestion(tx, found->id(), request.question_id());
    if (!question) {
      return absl::NotFoundError("question_id: this petition has no such question");
    }
    const absl::Status answered = absl::FailedPreconditionError(
        "question_id: this question has already been answered (one reply per question)");
    if (question->answered()) return answered;
    auto inserted = Repository::InsertPetitionReply(tx, found->id(), request.question_id(),
                                                    request.text(), TodayString());
    if (!inserted) return answered;
    reply = *std::move(inserted);
    const WithoutRequestId no_request_id;
    return RecordChange(tx, anonymous, "petition.reply", PetitionResource(found->id()),
                        "fieldwork.petition.replied", MessagePayload(stored.petition, reply));
  }));
  return reply;
}

absl::StatusOr<v1::PetitionReporter> FieldworkApp::RevealPetitionReporter(
    const RequestContext& rc, const v1::RevealPetitionReporterRequest& request) {
  RETURN_IF_ERROR(ValidateId("id", request.id()));
  ASSIGN_OR_RETURN(std::string secret,
                   DecodeKey("private_key", request.private_key(), crypto_box_SECRETKEYBYTES));
  std::string public_key(crypto_box_PUBLICKEYBYTES, '\0');
  crypto_scalarmult_base(reinterpret_cast<unsigned char*>(public_key.data()),
                         reinterpret_cast<const unsigned char*>(secret.data()));
  v1::PetitionReporter out;
  // A plain transaction: the result must never be kept in an idempotency record.
  RETURN_IF_ERROR(Write([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(StoredPetition stored, Repository::GetPetition(tx, request.id(), false));
    ASSIGN_OR_RETURN(EngagementAccess access, Access(tx, rc, stored.petition.engagement_id()));
    if (!CanRevealReporter(access)) {
      return Denied("reveal a reporter's identity (the office leadership's custodian only)");
    }
    if (stored.sealed_reporter.size() <= crypto_box_SEALBYTES) {
      return absl::NotFoundError("id: this petition was submitted without a reporter identity");
    }
    std::string plain(stored.sealed_reporter.size() - crypto_box_SEALBYTES, '\0');
    if (crypto_box_seal_open(reinterpret_cast<unsigned char*>(plain.data()),
                             reinterpret_cast<const unsigned char*>(stored.sealed_reporter.data()),
                             stored.sealed_reporter.size(),
                             reinterpret_cast<const unsigned char*>(public_key.data()),
                             reinterpret_cast<const unsigned char*>(secret.data())) != 0) {
      return InvalidField("private_key", "does not open this petition's sealed identity");
    }
    sodium_memzero(secret.data(), secret.size());
    if (!google::protobuf::util::JsonStringToMessage(plain, &out).ok()) {
      return absl::InternalError("sealed reporter identity is not readable");
    }
    sodium_memzero(plain.data(), plain.size());
    return RecordChange(tx, rc, "petition.reveal_reporter", PetitionResource(request.id()),
                        "fieldwork.petition.reporter_revealed", PetitionPayload(stored.petition));
  }));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Document review

absl::StatusOr<v1::DocumentRequest> FieldworkApp::CreateDocumentRequest(
    const RequestContext& rc, const v1::CreateDocumentRequestRequest& request) {
  RETURN_IF_ERROR(ValidateId("engagement_id", request.engagement_id()));
  v1::DocumentRequest wanted = request.document_request();
  wanted.set_engagement_id(request.engagement_id());
  RETURN_IF_ERROR(ValidateNewDocumentRequest(wanted));
  v1::DocumentRequest created;
  RETURN_IF_ERROR(
      WriteOnce(rc, "CreateDocumentRequest", request, created, [&](pqxx::work& tx) -> absl::Status {
        ASSIGN_OR_RETURN(EngagementAccess access, Access(tx, rc, request.engagement_id()));
        if (!CanRequestDocuments(access)) {
          return Denied("request documents on this engagement");
        }
        created = Repository::InsertDocumentRequest(tx, wanted);
        return RecordChange(tx, rc, "document_request.create", DocumentResource(created.id()),
                            "fieldwork.document_request.created", DocumentPayload(created));
      }));
  return created;
}

absl::StatusOr<v1::ListDocumentRequestsResponse> FieldworkApp::ApplyDocumentChecklist(
    const RequestContext& rc, const v1::ApplyDocumentChecklistRequest& request) {
  RETURN_IF_ERROR(ValidateId("engagement_id", request.engagement_id()));
  RETURN_IF_ERROR(ValidateDate("due_date", request.due_date(), false));
  v1::ListDocumentRequestsResponse out;
  RETURN_IF_ERROR(
      WriteOnce(rc, "ApplyDocumentChecklist", request, out, [&](pqxx::work& tx) -> absl::Status {
        ASSIGN_OR_RETURN(EngagementAccess access, Access(tx, rc, request.engagement_id()));
        if (!CanRequestDocuments(access)) {
          return Denied("request documents on this engagement");
        }
        for (const auto& [title, description] : ThreeMustSeeChecklist()) {
          v1::DocumentRequest d;
          d.set_engagement_id(request.engagement_id());
          d.set_title(title);
          d.set_description(description);
          d.set_due_date(request.due_date());
          v1::DocumentRequest created = Repository::InsertDocumentRequest(tx, d);
          RETURN_IF_ERROR(
              RecordChange(tx, rc, "document_request.create", DocumentResource(created.id()),
                           "fieldwork.document_request.created", DocumentPayload(created)));
          *out.add_document_requests() = std::move(created);
        }
        return absl::OkStatus();
      }));
  return out;
}

absl::StatusOr<v1::ListDocumentRequestsResponse> FieldworkApp::ListDocumentRequests(
    const RequestContext& rc, const v1::ListDocumentRequestsRequest& request) {
  ASSIGN_OR_RETURN(Page page, DecodePage(request.page_size(), request.page_token()));
  return pool_.ReadWith<v1::ListDocumentRequestsResponse>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::ListDocumentRequestsResponse> {
        ASSIGN_OR_RETURN(EngagementAccess access, Access(tx, rc, request.engagement_id()));
        if (!CanReadDocumentRequests(access)) {
          return Denied("read document requests of this engagement");
        }
        auto items = Repository::ListDocumentRequests(tx, request.engagement_id(), page);
        v1::ListDocumentRequestsResponse out;
        out.set_next_page_token(NextToken(
            items, page.size, [](const auto& x) { return Repository::DocumentRequestPageKey(x); }));
        for (auto& d : items) *out.add_document_requests() = ViewFor(access, std::move(d));
        return out;
      });
}

absl::StatusOr<v1::DocumentRequest> FieldworkApp::MarkDocumentProvided(
    const RequestContext& rc, const v1::MarkDocumentProvidedRequest& request) {
  RETURN_IF_ERROR(ValidateId("id", request.id()));
  RETURN_IF_ERROR(ValidateText("note", request.note(), 5000, false));
  v1::DocumentRequest updated;
  RETURN_IF_ERROR(
      WriteOnce(rc, "MarkDocumentProvided", request, updated, [&](pqxx::work& tx) -> absl::Status {
        ASSIGN_OR_RETURN(v1::DocumentRequest d,
                         Repository::GetDocumentRequest(tx, request.id(), true));
        ASSIGN_OR_RETURN(EngagementAccess access, Access(tx, rc, d.engagement_id()));
        if (!CanMarkDocumentProvided(access)) {
          return Denied(absl::StrCat("mark ", DocumentResource(request.id()), " provided"));
        }
        RETURN_IF_ERROR(CheckDocumentTransition(d.state(), v1::DocumentRequest::PROVIDED));
        Repository::MarkDocumentProvided(tx, request.id(), request.note(), TodayString());
        ASSIGN_OR_RETURN(d, Repository::GetDocumentRequest(tx, request.id(), false));
        updated = ViewFor(access, d);
        return RecordChange(tx, rc, "document_request.provide", DocumentResource(d.id()),
                            "fieldwork.document_request.provided", DocumentPayload(d));
      }));
  return updated;
}

absl::StatusOr<v1::DocumentRequest> FieldworkApp::ReviewDocument(
    const RequestContext& rc, const v1::ReviewDocumentRequest& request) {
  RETURN_IF_ERROR(ValidateId("id", request.id()));
  RETURN_IF_ERROR(ValidateText("review_notes", request.review_notes(), 20000));
  RETURN_IF_ERROR(ValidateText("findings", request.findings(), 20000, false));
  for (int i = 0; i < request.evidence_sha256_size(); ++i) {
    if (!IsSha256Hex(request.evidence_sha256(i))) {
      return InvalidField(absl::StrCat("evidence_sha256[", i, "]"), "must be 64 lower-case hex");
    }
  }
  v1::DocumentRequest updated;
  RETURN_IF_ERROR(
      WriteOnce(rc, "ReviewDocument", request, updated, [&](pqxx::work& tx) -> absl::Status {
        ASSIGN_OR_RETURN(v1::DocumentRequest d,
                         Repository::GetDocumentRequest(tx, request.id(), true));
        ASSIGN_OR_RETURN(EngagementAccess access, Access(tx, rc, d.engagement_id()));
        if (!CanReviewDocuments(access)) {
          return Denied(absl::StrCat("review ", DocumentResource(request.id())));
        }
        RETURN_IF_ERROR(CheckDocumentTransition(d.state(), v1::DocumentRequest::REVIEWED));
        for (int i = 0; i < request.evidence_sha256_size(); ++i) {
          bool linked = false;
          for (const auto& e : Repository::EvidenceLinks(tx, request.evidence_sha256(i))) {
            linked = linked || e.engagement_id() == d.engagement_id();
          }
          if (!linked) {
            return absl::NotFoundError(
                absl::StrCat("evidence_sha256[", i, "]: no such evidence on this engagement"));
          }
        }
        Repository::ReviewDocument(tx, request);
        v1::EvidenceTarget target;
        target.set_kind(v1::EvidenceTarget::DOCUMENT_REQUEST);
        target.set_id(d.id());
        for (const auto& sha256 : request.evidence_sha256()) {
          RETURN_IF_ERROR(AttachInTx(tx, rc, sha256, d.engagement_id(), target));
        }
        ASSIGN_OR_RETURN(updated, Repository::GetDocumentRequest(tx, request.id(), false));
        return RecordChange(tx, rc, "document_request.review", DocumentResource(d.id()),
                            "fieldwork.document_request.reviewed", DocumentPayload(updated));
      }));
  return updated;
}

// ---------------------------------------------------------------------------------------------
// Evidence

absl::Status FieldworkApp::CheckUpload(pqxx::transaction_base& tx, const RequestContext& rc,
                                       const v1::UploadEvidenceRequest& metadata) {
  ASSIGN_OR_RETURN(EngagementAccess access, Access(tx, rc, metadata.engagement_id()));
  if (!CanUploadEvidence(access, metadata.has_attach_to())) {
    return Denied("add evidence to this engagement");
  }
  if (!metadata.has_attach_to()) return absl::OkStatus();
  return CheckAttach(tx, access, metadata.engagement_id(), metadata.attach_to(), "attach_to");
}

absl::Status FieldworkApp::RegisterEvidence(pqxx::work& tx, const RequestContext& rc,
                                            const v1::UploadEvidenceRequest& metadata,
                                            const std::string& sha256, int64_t size,
                                            v1::Evidence& out) {
  const bool known = Repository::EvidenceFileExists(tx, sha256);
  const bool new_link =
      Repository::LinkEvidence(tx, sha256, size, metadata, rc.principal.ActorLabel());
  out.set_sha256(sha256);
  out.set_size(size);
  out.set_content_type(metadata.content_type());
  out.set_filename(metadata.filename());
  out.set_engagement_id(metadata.engagement_id());
  out.set_already_stored(known);
  if (new_link) {
    v1::EvidenceEvent payload;
    payload.set_sha256(sha256);
    payload.set_engagement_id(metadata.engagement_id());
    RETURN_IF_ERROR(RecordChange(tx, rc, "evidence.link", absl::StrCat("evidence/", sha256),
                                 "fieldwork.evidence.linked", payload));
  }
  if (!metadata.has_attach_to()) return absl::OkStatus();
  return AttachInTx(tx, rc, sha256, metadata.engagement_id(), metadata.attach_to());
}

absl::StatusOr<v1::Evidence> FieldworkApp::UploadEvidence(
    const RequestContext& rc, const v1::UploadEvidenceRequest& request) {
  if (settings_.evidence_dir.empty()) {
    return absl::FailedPreconditionError("evidence uploads are off (no evidence_dir configured)");
  }
  RETURN_IF_ERROR(ValidateEvidenceUpload(request, settings_.unary_evidence_max_bytes));
  if (request.has_attach_to()) {
    RETURN_IF_ERROR(ValidateEvidenceTarget("attach_to", request.attach_to()));
  }
  const std::string sha256 = Sha256Hex(request.content());
  v1::UploadEvidenceRequest metadata = request;
  metadata.clear_content();
  v1::Evidence out;
  // Not WriteOnce: the idempotency record would hold a second copy of the file. A retry finds
  // the same content and link and changes nothing.
  RETURN_IF_ERROR(Write([&](pqxx::work& tx) -> absl::Status {
    RETURN_IF_ERROR(CheckUpload(tx, rc, metadata));
    // The file goes to disk before the row commits: a failed transaction can leave an orphan
    // file (harmless, content-addressed), never a row without its file.
    ASSIGN_OR_RETURN(bool on_disk, evidence_.Put(sha256, request.content()));
    (void)on_disk;
    return RegisterEvidence(tx, rc, metadata, sha256,
                            static_cast<int64_t>(request.content().size()), out);
  }));
  return out;
}

absl::StatusOr<v1::Evidence> FieldworkApp::UploadEvidenceStream(
    const RequestContext& rc, const v1::UploadEvidenceRequest& metadata,
    const NextChunk& next_chunk) {
  if (settings_.evidence_dir.empty()) {
    return absl::FailedPreconditionError("evidence uploads are off (no evidence_dir configured)");
  }
  RETURN_IF_ERROR(ValidateEvidenceMetadata(metadata));
  // Refuse callers who may not add the file before reading a byte of it.
  RETURN_IF_ERROR(
      pool_.Read([&](pqxx::transaction_base& tx) { return CheckUpload(tx, rc, metadata); }));
  ASSIGN_OR_RETURN(std::unique_ptr<EvidenceStore::Upload> upload, evidence_.BeginUpload());
  std::string chunk;
  while (true) {
    ASSIGN_OR_RETURN(bool more, next_chunk(&chunk));
    if (!more) break;
    if (upload->size() + static_cast<int64_t>(chunk.size()) > settings_.evidence_max_bytes) {
      // Stop reading here: the rest of the stream is never received, and the temporary file
      // goes with `upload`.
      return InvalidField("content", absl::StrCat("larger than the limit of ",
                                                  settings_.evidence_max_bytes, " bytes"));
    }
    RETURN_IF_ERROR(upload->Append(chunk));
  }
  if (upload->size() == 0) return InvalidField("content", "must not be empty");
  const int64_t size = upload->size();
  ASSIGN_OR_RETURN(auto stored, upload->Commit());
  v1::Evidence out;
  RETURN_IF_ERROR(Write([&](pqxx::work& tx) -> absl::Status {
    RETURN_IF_ERROR(CheckUpload(tx, rc, metadata));
    return RegisterEvidence(tx, rc, metadata, stored.first, size, out);
  }));
  return out;
}

absl::StatusOr<v1::Evidence> FieldworkApp::AttachEvidence(
    const RequestContext& rc, const v1::AttachEvidenceRequest& request) {
  if (!IsSha256Hex(request.sha256())) return InvalidField("sha256", "must be 64 lower-case hex");
  RETURN_IF_ERROR(ValidateEvidenceTarget("target", request.target()));
  v1::Evidence out;
  RETURN_IF_ERROR(
      WriteOnce(rc, "AttachEvidence", request, out, [&](pqxx::work& tx) -> absl::Status {
        ASSIGN_OR_RETURN(std::string engagement_id,
                         Repository::RecordEngagement(tx, request.target(), "target"));
        ASSIGN_OR_RETURN(EngagementAccess access, Access(tx, rc, engagement_id));
        RETURN_IF_ERROR(CheckAttach(tx, access, engagement_id, request.target(), "target"));
        bool found = false;
        for (auto& link : Repository::EvidenceLinks(tx, request.sha256())) {
          if (link.engagement_id() != engagement_id) continue;
          out = std::move(link);
          found = true;
        }
        if (!found) {
          // Files are attached only on the engagement they were uploaded to; another
          // engagement's file is not revealed.
          return absl::NotFoundError(absl::StrCat("sha256: evidence ", request.sha256(),
                                                  " not found on the record's engagement"));
        }
        out.set_already_stored(true);
        return AttachInTx(tx, rc, request.sha256(), engagement_id, request.target());
      }));
  return out;
}

absl::StatusOr<common::v1::FileContent> FieldworkApp::GetEvidence(const RequestContext& rc,
                                                                  const std::string& sha256) {
  if (!IsSha256Hex(sha256)) return InvalidField("sha256", "must be 64 lower-case hex");
  // Whether a file exists is itself secret: callers without access get NOT_FOUND.
  const absl::Status not_found =
      absl::NotFoundError(absl::StrCat("sha256: evidence ", sha256, " not found"));
  ASSIGN_OR_RETURN(v1::Evidence allowed,
                   pool_.TransactWith<v1::Evidence>(
                       [&](pqxx::work& tx) -> absl::StatusOr<v1::Evidence> {
                         for (auto& link : Repository::EvidenceLinks(tx, sha256)) {
                           ASSIGN_OR_RETURN(EngagementSnapshot engagement,
                                            LoadEngagement(tx, link.engagement_id()));
                           if (CanReadEvidenceIn(
                                   FieldworkAccess(rc.principal, engagement),
                                   Repository::AttachmentKinds(tx, sha256, link.engagement_id()))) {
                             return link;
                           }
                         }
                         return not_found;
                       },
                       {.read_only = true}));
  ASSIGN_OR_RETURN(std::string content, evidence_.Read(sha256));
  common::v1::FileContent out;
  out.set_content(std::move(content));
  out.set_content_type(allowed.content_type().empty() ? "application/octet-stream"
                                                      : allowed.content_type());
  out.set_filename(allowed.filename());
  return out;
}

// ---------------------------------------------------------------------------------------------
// Work log

absl::StatusOr<v1::WorkLogEntry> FieldworkApp::AddWorkLogEntry(
    const RequestContext& rc, const v1::AddWorkLogEntryRequest& request) {
  RETURN_IF_ERROR(ValidateId("engagement_id", request.engagement_id()));
  v1::WorkLogEntry entry = request.entry();
  entry.set_engagement_id(request.engagement_id());
  entry.set_author_person_id(rc.principal.person_id);
  RETURN_IF_ERROR(ValidateWorkLogEntry(entry));
  v1::WorkLogEntry created;
  RETURN_IF_ERROR(
      WriteOnce(rc, "AddWorkLogEntry", request, created, [&](pqxx::work& tx) -> absl::Status {
        ASSIGN_OR_RETURN(EngagementAccess access, Access(tx, rc, request.engagement_id()));
        if (!access.member) {
          return Denied("write the work log (members of the group only)");
        }
        created = Repository::InsertWorkLogEntry(tx, entry, rc.principal.ActorLabel());
        v1::WorkLogEvent payload;
        payload.set_entry_id(created.id());
        payload.set_engagement_id(created.engagement_id());
        payload.set_day(created.day());
        return RecordChange(tx, rc, "work_log.add", absl::StrCat("workLog/", created.id()),
                            "fieldwork.work_log.entry_added", payload);
      }));
  return created;
}

absl::StatusOr<v1::WorkLog> FieldworkApp::GetWorkLog(const RequestContext& rc,
                                                     const v1::GetWorkLogRequest& request) {
  RETURN_IF_ERROR(ValidateDate("day", request.day()));
  return pool_.TransactWith<v1::WorkLog>([&](pqxx::work& tx) -> absl::StatusOr<v1::WorkLog> {
    ASSIGN_OR_RETURN(EngagementAccess access, Access(tx, rc, request.engagement_id()));
    if (!access.CanReadRecords()) return Denied("read the work log of this engagement");
    v1::WorkLog out;
    out.set_engagement_id(request.engagement_id());
    out.set_day(request.day());
    for (auto& e : Repository::ListWorkLog(tx, request.engagement_id(), request.day())) {
      *out.add_entries() = std::move(e);
    }
    return out;
  });
}

}  // namespace xuncha::fieldwork
