#include "domain.h"

#include <sodium.h>

#include <map>
#include <set>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "xuncha/scope.h"
#include "xuncha/status.h"
#include "xuncha/validation.h"

namespace xuncha::fieldwork {
namespace {

std::string Indexed(absl::string_view name, int index) {
  return absl::StrCat(name, "[", index, "]");
}

// libsodium must be initialised once before its random functions are used.
void EnsureSodium() {
  static const bool ready = sodium_init() >= 0;
  (void)ready;
}

// No 0/O, 1/I/L, so a code read aloud or typed from paper survives.
constexpr char kCodeAlphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

}  // namespace

bool CanReadInterviews(const EngagementAccess& access) {
  return access.member || access.leadership;
}
bool CanRecordInterviews(const EngagementAccess& access) {
  return access.member || access.leadership;
}
bool CanManageSurveys(const EngagementAccess& access) { return access.member || access.office; }
bool CanReadSurveyResults(const EngagementAccess& access) {
  return access.member || access.office || access.office_above;
}
bool CanReadPetitions(const EngagementAccess& access) { return access.member || access.office; }
bool CanTriagePetitions(const EngagementAccess& access) { return access.member || access.office; }
bool CanRevealReporter(const EngagementAccess& access) { return access.leadership; }

absl::Status ValidateNewInterview(const v1::Interview& interview,
                                  const EngagementSnapshot& engagement) {
  if (interview.kind() == v1::Interview::KIND_UNSPECIFIED) {
    return InvalidField("interview.kind", "must be INDIVIDUAL or GROUP");
  }
  RETURN_IF_ERROR(ValidateText("interview.interviewee_name", interview.interviewee_name(), 100));
  RETURN_IF_ERROR(ValidateText("interview.interviewee_post", interview.interviewee_post(), 200,
                               /*required=*/false));
  if (interview.category() == v1::Interview::CATEGORY_UNSPECIFIED ||
      !v1::Interview::Category_IsValid(interview.category())) {
    return InvalidField("interview.category", "must be set");
  }
  if (interview.interviewer_person_ids_size() < 2) {
    return InvalidField("interview.interviewer_person_ids",
                        "at least two interviewers are required (谈话须两人以上)");
  }
  std::set<std::string> members;
  for (const auto& m : engagement.members()) members.insert(m.person_id());
  std::set<std::string> seen;
  for (int i = 0; i < interview.interviewer_person_ids_size(); ++i) {
    const std::string& id = interview.interviewer_person_ids(i);
    const std::string field = Indexed("interview.interviewer_person_ids", i);
    RETURN_IF_ERROR(ValidateId(field, id));
    if (!seen.insert(id).second) return InvalidField(field, "listed twice");
    if (members.count(id) == 0) {
      return InvalidField(field, absl::StrCat("person ", id, " is not a member of the group"));
    }
  }
  if (!interview.has_start_time() || interview.start_time().seconds() <= 0) {
    return InvalidField("interview.start_time", "must be set");
  }
  RETURN_IF_ERROR(ValidateText("interview.place", interview.place(), 200));
  RETURN_IF_ERROR(ValidateText("interview.notes", interview.notes(), 50000, /*required=*/false));
  if (interview.problems_size() > 100) {
    return InvalidField("interview.problems", "at most 100");
  }
  for (int i = 0; i < interview.problems_size(); ++i) {
    RETURN_IF_ERROR(ValidateText(Indexed("interview.problems", i) + ".summary",
                                 interview.problems(i).summary(), 2000));
  }
  return absl::OkStatus();
}

bool IsOfficeStaff(const Principal& principal) {
  return !principal.IsApiClient() && !principal.office_id.empty() &&
         principal.HasAnyRole({"OFFICE_ADMIN", "OFFICE_STAFF", "LEADING_GROUP", "VIEWER"});
}

bool CanReadOutline(const Principal& principal, const OutlineOwner& owner) {
  if (principal.IsPlatformAdmin()) return true;
  if (!IsOfficeStaff(principal)) return false;
  return owner.built_in() || PathWithin(owner.office_path, principal.office_path);
}

bool CanWriteOutline(const Principal& principal, const OutlineOwner& owner) {
  return !owner.built_in() && !principal.IsApiClient() && principal.office_id == owner.office_id &&
         principal.HasAnyRole({"OFFICE_ADMIN", "OFFICE_STAFF", "LEADING_GROUP"});
}

bool OutlineUsableOn(const OutlineOwner& owner, const EngagementSnapshot& engagement) {
  return owner.built_in() || owner.office_id == engagement.office_id();
}

bool CanReadOutlinesOn(const EngagementAccess& access) {
  return access.member || access.office || access.office_above;
}

absl::Status ValidateOutline(absl::string_view title, v1::Interview::Category category,
                             const google::protobuf::RepeatedPtrField<std::string>& questions) {
  RETURN_IF_ERROR(ValidateText("title", title, 200));
  if (!v1::Interview::Category_IsValid(category)) {
    return InvalidField("category", "must be a valid interviewee category or unset (any)");
  }
  if (questions.empty()) return InvalidField("questions", "at least one question");
  if (questions.size() > 100) return InvalidField("questions", "at most 100");
  for (int i = 0; i < questions.size(); ++i) {
    RETURN_IF_ERROR(ValidateText(Indexed("questions", i), questions[i], 1000));
  }
  return absl::OkStatus();
}

absl::Status CheckOutlineVersion(int current, int expected) {
  if (expected < 1) return InvalidField("expected_version", "must be set to the current version");
  if (expected != current) {
    return absl::FailedPreconditionError(
        absl::StrCat("expected_version: the outline is at version ", current, ", not ", expected,
                     " (someone changed it; reload and edit again)"));
  }
  return absl::OkStatus();
}

v1::Questionnaire DemocraticEvaluationTemplate() {
  v1::Questionnaire q;
  q.set_version(1);
  v1::Question* overall = q.add_questions();
  overall->set_id("overall");
  overall->set_text("对本单位领导班子的总体评价");
  overall->set_kind(v1::Question::SINGLE_CHOICE);
  for (const char* option : {"好", "较好", "一般", "差"}) overall->add_options(option);
  overall->add_satisfied_options("好");
  overall->add_satisfied_options("较好");
  return q;
}

absl::Status ValidateQuestions(const google::protobuf::RepeatedPtrField<v1::Question>& questions) {
  if (questions.empty()) return InvalidField("questions", "at least one question");
  if (questions.size() > 200) return InvalidField("questions", "at most 200");
  std::set<std::string> ids;
  for (int i = 0; i < questions.size(); ++i) {
    const v1::Question& q = questions[i];
    const std::string field = Indexed("questions", i);
    RETURN_IF_ERROR(ValidateText(field + ".id", q.id(), 40));
    if (!ids.insert(q.id()).second) return InvalidField(field + ".id", "duplicate question id");
    RETURN_IF_ERROR(ValidateText(field + ".text", q.text(), 1000));
    switch (q.kind()) {
      case v1::Question::SINGLE_CHOICE:
      case v1::Question::MULTIPLE_CHOICE: {
        if (q.options_size() < 2) return InvalidField(field + ".options", "at least two options");
        std::set<std::string> options;
        for (int j = 0; j < q.options_size(); ++j) {
          RETURN_IF_ERROR(ValidateText(Indexed(field + ".options", j), q.options(j), 200));
          if (!options.insert(q.options(j)).second) {
            return InvalidField(Indexed(field + ".options", j), "duplicate option");
          }
        }
        for (int j = 0; j < q.satisfied_options_size(); ++j) {
          if (options.count(q.satisfied_options(j)) == 0) {
            return InvalidField(Indexed(field + ".satisfied_options", j), "not one of the options");
          }
        }
        break;
      }
      case v1::Question::RATING:
        if (q.rating_min() >= q.rating_max() || q.rating_max() - q.rating_min() > 100) {
          return InvalidField(field + ".rating_max", "must be above rating_min, by at most 100");
        }
        break;
      case v1::Question::FREE_TEXT:
        break;
      default:
        return InvalidField(field + ".kind", "must be set");
    }
    if (q.kind() != v1::Question::SINGLE_CHOICE && q.kind() != v1::Question::MULTIPLE_CHOICE &&
        (q.options_size() > 0 || q.satisfied_options_size() > 0)) {
      return InvalidField(field + ".options", "only choice questions have options");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateNewSurvey(const v1::Survey& survey) {
  RETURN_IF_ERROR(ValidateId("survey.engagement_id", survey.engagement_id()));
  RETURN_IF_ERROR(ValidateText("survey.title", survey.title(), 200));
  if (survey.kind() == v1::Survey::KIND_UNSPECIFIED || !v1::Survey::Kind_IsValid(survey.kind())) {
    return InvalidField("survey.kind", "must be QUESTIONNAIRE or DEMOCRATIC_EVALUATION");
  }
  if (survey.min_responses() < 0 || survey.min_responses() > 10000) {
    return InvalidField("survey.min_responses", "must be between 0 (default 5) and 10000");
  }
  if (survey.min_responses() > 0 && survey.min_responses() < 3) {
    return InvalidField("survey.min_responses", "below 3 answers could be singled out");
  }
  if (survey.questionnaire().questions_size() > 0) {
    return ValidateQuestions(survey.questionnaire().questions());
  }
  if (survey.kind() == v1::Survey::QUESTIONNAIRE) {
    return InvalidField("survey.questionnaire.questions",
                        "a questionnaire needs questions (only the evaluation has a template)");
  }
  return absl::OkStatus();
}

absl::Status ValidateAnswers(const v1::Questionnaire& questionnaire,
                             const google::protobuf::RepeatedPtrField<v1::Answer>& answers) {
  std::map<std::string, const v1::Question*> by_id;
  for (const auto& q : questionnaire.questions()) by_id[q.id()] = &q;
  if (answers.empty()) return InvalidField("answers", "at least one answer");
  std::set<std::string> answered;
  for (int i = 0; i < answers.size(); ++i) {
    const v1::Answer& a = answers[i];
    const std::string field = Indexed("answers", i);
    auto it = by_id.find(a.question_id());
    if (it == by_id.end()) {
      return InvalidField(field + ".question_id", "no such question in the questionnaire");
    }
    if (!answered.insert(a.question_id()).second) {
      return InvalidField(field + ".question_id", "answered twice");
    }
    const v1::Question& q = *it->second;
    switch (q.kind()) {
      case v1::Question::SINGLE_CHOICE:
      case v1::Question::MULTIPLE_CHOICE: {
        if (q.kind() == v1::Question::SINGLE_CHOICE && a.choices_size() != 1) {
          return InvalidField(field + ".choices", "exactly one choice");
        }
        if (a.choices_size() == 0) return InvalidField(field + ".choices", "at least one choice");
        std::set<std::string> options(q.options().begin(), q.options().end());
        std::set<std::string> chosen;
        for (const auto& c : a.choices()) {
          if (options.count(c) == 0) return InvalidField(field + ".choices", "not an option");
          if (!chosen.insert(c).second) return InvalidField(field + ".choices", "chosen twice");
        }
        if (a.rating() != 0 || !a.text().empty()) {
          return InvalidField(field, "a choice answer has only choices");
        }
        break;
      }
      case v1::Question::RATING:
        if (a.rating() < q.rating_min() || a.rating() > q.rating_max()) {
          return InvalidField(field + ".rating", absl::StrCat("must be between ", q.rating_min(),
                                                              " and ", q.rating_max()));
        }
        if (a.choices_size() > 0 || !a.text().empty()) {
          return InvalidField(field, "a rating answer has only a rating");
        }
        break;
      case v1::Question::FREE_TEXT:
        RETURN_IF_ERROR(ValidateText(field + ".text", a.text(), 5000));
        if (a.choices_size() > 0 || a.rating() != 0) {
          return InvalidField(field, "a free-text answer has only text");
        }
        break;
      default:
        return absl::InternalError("stored question without a kind");
    }
  }
  return absl::OkStatus();
}

v1::VersionResult AggregateVersion(const v1::Questionnaire& questionnaire,
                                   const std::vector<std::vector<v1::Answer>>& responses,
                                   int min_responses) {
  v1::VersionResult out;
  out.set_version(questionnaire.version());
  out.set_responses(static_cast<int64_t>(responses.size()));
  if (static_cast<int64_t>(responses.size()) < min_responses) {
    out.set_hidden(true);
    return out;
  }
  for (const v1::Question& q : questionnaire.questions()) {
    v1::QuestionResult* r = out.add_questions();
    r->set_question_id(q.id());
    std::map<std::string, int64_t> counts;
    int64_t satisfied = 0;
    int64_t rating_sum = 0;
    const std::set<std::string> satisfied_options(q.satisfied_options().begin(),
                                                  q.satisfied_options().end());
    for (const auto& response : responses) {
      for (const v1::Answer& a : response) {
        if (a.question_id() != q.id()) continue;
        r->set_answered(r->answered() + 1);
        bool any_satisfied = false;
        for (const auto& c : a.choices()) {
          ++counts[c];
          any_satisfied = any_satisfied || satisfied_options.count(c) > 0;
        }
        if (any_satisfied) ++satisfied;
        rating_sum += a.rating();
        if (q.kind() == v1::Question::FREE_TEXT) r->add_texts(a.text());
      }
    }
    for (const auto& option : q.options()) {
      auto* c = r->add_option_counts();
      c->set_option(option);
      c->set_count(counts[option]);
    }
    if (r->answered() > 0) {
      if (!satisfied_options.empty()) {
        r->set_satisfaction(static_cast<double>(satisfied) / static_cast<double>(r->answered()));
      }
      if (q.kind() == v1::Question::RATING) {
        r->set_rating_mean(static_cast<double>(rating_sum) / static_cast<double>(r->answered()));
      }
    }
  }
  return out;
}

std::string NewResponseCode() {
  EnsureSodium();
  constexpr uint32_t n = sizeof(kCodeAlphabet) - 1;
  std::string code;
  for (int i = 0; i < 20; ++i) {
    if (i > 0 && i % 5 == 0) code.push_back('-');
    code.push_back(kCodeAlphabet[randombytes_uniform(n)]);
  }
  return code;
}

std::string NormalizeResponseCode(absl::string_view code) {
  std::string out;
  for (char c : code) {
    if (c == '-' || c == ' ') continue;
    out.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string NewReceiptCode() {
  EnsureSodium();
  std::string receipt;
  for (int i = 0; i < kReceiptDigits; ++i) {
    receipt.push_back(static_cast<char>('0' + randombytes_uniform(10)));
  }
  return receipt;
}

bool IsReceiptCodeFormat(absl::string_view receipt) {
  if (receipt.size() != kReceiptDigits) return false;
  for (char c : receipt) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

absl::Status ValidateNewPetition(const v1::SubmitPetitionRequest& request) {
  RETURN_IF_ERROR(ValidateId("engagement_id", request.engagement_id()));
  if (request.channel() == v1::Petition::CHANNEL_UNSPECIFIED ||
      !v1::Petition::Channel_IsValid(request.channel())) {
    return InvalidField("channel", "must be LETTER, VISIT, PHONE, ONLINE or QR_CODE");
  }
  RETURN_IF_ERROR(ValidateText("subject", request.subject(), 200));
  RETURN_IF_ERROR(ValidateText("content", request.content(), 20000));
  if (request.has_reporter()) {
    RETURN_IF_ERROR(ValidateText("reporter.name", request.reporter().name(), 100, false));
    RETURN_IF_ERROR(ValidateText("reporter.phone", request.reporter().phone(), 40, false));
    RETURN_IF_ERROR(ValidateText("reporter.address", request.reporter().address(), 300, false));
  }
  return absl::OkStatus();
}

absl::Status CheckTriage(v1::Petition::State from, v1::Petition::State to,
                         absl::string_view reason) {
  if (to != v1::Petition::FORWARDED_TO_ISSUE && to != v1::Petition::FORWARDED_TO_CLUE &&
      to != v1::Petition::CLOSED) {
    return InvalidField("to", "must be FORWARDED_TO_ISSUE, FORWARDED_TO_CLUE or CLOSED");
  }
  if (from != v1::Petition::RECEIVED) {
    return absl::FailedPreconditionError(
        absl::StrCat("petition is ", v1::Petition::State_Name(from), ", cannot move to ",
                     v1::Petition::State_Name(to), " (only RECEIVED petitions are triaged)"));
  }
  return ValidateText("reason", reason, 2000);
}

absl::Status ValidatePetitionMessage(absl::string_view field, absl::string_view text) {
  return ValidateText(field, text, 5000);
}

absl::Status CheckPetitionOpenForMessages(v1::Petition::State state) {
  if (state == v1::Petition::CLOSED) {
    return absl::FailedPreconditionError(
        "petition is CLOSED: no further questions or replies (only open petitions take them)");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> DecodeKey(absl::string_view field, absl::string_view text,
                                      size_t size) {
  const std::string trimmed(absl::StripAsciiWhitespace(text));
  std::string bytes;
  if (trimmed.size() == 2 * size && absl::c_all_of(trimmed, [](char c) {
        return absl::ascii_isxdigit(static_cast<unsigned char>(c));
      })) {
    bytes = absl::HexStringToBytes(trimmed);
  } else if (!absl::Base64Unescape(trimmed, &bytes)) {
    return InvalidField(field, "must be hex or base64");
  }
  if (bytes.size() != size) {
    return InvalidField(field, absl::StrCat("must be ", size, " bytes"));
  }
  return bytes;
}

bool CanReadDocumentRequests(const EngagementAccess& access) {
  return access.CanReadRecords() || access.liaison;
}
bool CanRequestDocuments(const EngagementAccess& access) { return access.CanWriteRecords(); }
bool CanMarkDocumentProvided(const EngagementAccess& access) {
  return access.liaison || access.CanWriteRecords();
}
bool CanReviewDocuments(const EngagementAccess& access) { return access.CanWriteRecords(); }

void StripForLiaison(v1::DocumentRequest& request) {
  request.clear_review_notes();
  request.clear_findings();
  request.clear_evidence_sha256();
  request.clear_evidence();
}

absl::Status ValidateNewDocumentRequest(const v1::DocumentRequest& request) {
  RETURN_IF_ERROR(ValidateText("document_request.title", request.title(), 200));
  RETURN_IF_ERROR(ValidateText("document_request.description", request.description(), 5000, false));
  return ValidateDate("document_request.due_date", request.due_date(), false);
}

absl::Status CheckDocumentTransition(v1::DocumentRequest::State from,
                                     v1::DocumentRequest::State to) {
  const bool ok = (from == v1::DocumentRequest::REQUESTED && to == v1::DocumentRequest::PROVIDED) ||
                  (from == v1::DocumentRequest::PROVIDED && to == v1::DocumentRequest::REVIEWED);
  if (ok) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "document request is ", v1::DocumentRequest::State_Name(from), "; cannot move to ",
      v1::DocumentRequest::State_Name(to),
      to == v1::DocumentRequest::PROVIDED ? " (only from REQUESTED)" : " (only from PROVIDED)"));
}

std::vector<std::pair<std::string, std::string>> ThreeMustSeeChecklist() {
  return {
      {"党建资料",
       "党委（党组）会议记录、理论学习中心组学习记录、“三会一课”记录、民主生活会和组织生活会材料"},
      {"民生项目", "涉及群众切身利益的民生项目立项、招投标、资金拨付和验收资料"},
      {"财务档案", "会计凭证、账簿、财务报表，公务接待、公车使用、差旅等费用报销凭证"},
  };
}

bool IsSha256Hex(absl::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

absl::Status ValidateEvidenceUpload(const v1::UploadEvidenceRequest& request, int64_t max_bytes) {
  RETURN_IF_ERROR(ValidateId("engagement_id", request.engagement_id()));
  RETURN_IF_ERROR(ValidateText("filename", request.filename(), 255));
  if (absl::StrContains(request.filename(), "/") || absl::StrContains(request.filename(), "\\")) {
    return InvalidField("filename", "must not contain a path");
  }
  RETURN_IF_ERROR(ValidateText("content_type", request.content_type(), 100, false));
  if (request.content().empty()) return InvalidField("content", "must not be empty");
  if (static_cast<int64_t>(request.content().size()) > max_bytes) {
    return InvalidField("content", absl::StrCat("larger than the limit of ", max_bytes, " bytes"));
  }
  return absl::OkStatus();
}

absl::Status ValidateEvidenceMetadata(const v1::UploadEvidenceRequest& metadata) {
  RETURN_IF_ERROR(ValidateId("metadata.engagement_id", metadata.engagement_id()));
  RETURN_IF_ERROR(ValidateText("metadata.filename", metadata.filename(), 255));
  if (absl::StrContains(metadata.filename(), "/") || absl::StrContains(metadata.filename(), "\\")) {
    return InvalidField("metadata.filename", "must not contain a path");
  }
  RETURN_IF_ERROR(ValidateText("metadata.content_type", metadata.content_type(), 100, false));
  if (!metadata.content().empty()) {
    return InvalidField("metadata.content", "must be empty: send the bytes as data messages");
  }
  if (metadata.has_attach_to()) {
    RETURN_IF_ERROR(ValidateEvidenceTarget("metadata.attach_to", metadata.attach_to()));
  }
  return absl::OkStatus();
}

absl::Status ValidateEvidenceTarget(absl::string_view field, const v1::EvidenceTarget& target) {
  if (target.kind() == v1::EvidenceTarget::KIND_UNSPECIFIED ||
      !v1::EvidenceTarget::Kind_IsValid(target.kind())) {
    return InvalidField(absl::StrCat(field, ".kind"),
                        "must be INTERVIEW, DOCUMENT_REQUEST or PETITION");
  }
  return ValidateId(absl::StrCat(field, ".id"), target.id());
}

bool CanUploadEvidence(const EngagementAccess& access, bool attached) {
  return access.CanWriteRecords() || (access.liaison && !attached);
}

bool CanAttachEvidence(const EngagementAccess& access, v1::EvidenceTarget::Kind kind) {
  switch (kind) {
    case v1::EvidenceTarget::INTERVIEW:
      return CanRecordInterviews(access);
    case v1::EvidenceTarget::DOCUMENT_REQUEST:
      return CanReviewDocuments(access);
    case v1::EvidenceTarget::PETITION:
      return CanTriagePetitions(access);
    default:
      return false;
  }
}

bool CanReadEvidenceIn(const EngagementAccess& access,
                       const std::vector<v1::EvidenceTarget::Kind>& attached_to) {
  if (!access.CanReadRecords()) return false;
  for (v1::EvidenceTarget::Kind kind : attached_to) {
    switch (kind) {
      case v1::EvidenceTarget::INTERVIEW:
        if (!CanReadInterviews(access)) return false;
        break;
      case v1::EvidenceTarget::PETITION:
        if (!CanReadPetitions(access)) return false;
        break;
      case v1::EvidenceTarget::DOCUMENT_REQUEST:
        break;  // the review is a record of the engagement: CanReadRecords above
      default:
        return false;  // an unknown kind is treated as the most confidential
    }
  }
  return true;
}

absl::Status ValidateWorkLogEntry(const v1::WorkLogEntry& entry) {
  RETURN_IF_ERROR(ValidateDate("entry.day", entry.day()));
  return ValidateText("entry.content", entry.content(), 20000);
}

}  // namespace xuncha::fieldwork
