// Fieldwork rules with no gRPC or SQL in them: who may see what on an engagement, input checks
// for interviews, questionnaires, answers and petitions, survey aggregation with its minimum-n
// threshold, and the formats of the secrets handed to the public (response codes, receipts).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "xuncha/engagements.h"
#include "xuncha/fieldwork/v1/fieldwork.pb.h"

namespace xuncha::fieldwork {

namespace v1 = ::xuncha::fieldwork::v1;

inline constexpr int kDefaultMinResponses = 5;
inline constexpr int kMaxCodesPerRequest = 2000;
inline constexpr int kReceiptDigits = 20;

// --- Visibility (DESIGN.md §3) ---------------------------------------------------------------

// Interview records: the engagement's group and the owning office's leadership only — not
// ordinary office staff, offices above, the unit liaison or other groups.
bool CanReadInterviews(const EngagementAccess& access);
bool CanRecordInterviews(const EngagementAccess& access);
// Surveys (setup, codes, results) and petitions: the group and the owning office's staff.
bool CanManageSurveys(const EngagementAccess& access);
bool CanReadSurveyResults(const EngagementAccess& access);
bool CanReadPetitions(const EngagementAccess& access);
bool CanTriagePetitions(const EngagementAccess& access);
// Reporter identity: the custodian role is the owning office's leadership.
bool CanRevealReporter(const EngagementAccess& access);

// --- Interviews ------------------------------------------------------------------------------

// All fields of a new interview, including "every interviewer is in the engagement's group".
absl::Status ValidateNewInterview(const v1::Interview& interview,
                                  const EngagementSnapshot& engagement);

// --- Surveys ---------------------------------------------------------------------------------

// The built-in democratic evaluation: one single-choice question 好/较好/一般/差 with 好 and
// 较好 counted as satisfied.
v1::Questionnaire DemocraticEvaluationTemplate();
absl::Status ValidateQuestions(const google::protobuf::RepeatedPtrField<v1::Question>& questions);
absl::Status ValidateNewSurvey(const v1::Survey& survey);
// Every answer names a question of `questionnaire`, at most once, with a value its kind allows.
absl::Status ValidateAnswers(const v1::Questionnaire& questionnaire,
                             const google::protobuf::RepeatedPtrField<v1::Answer>& answers);
// Counts for one questionnaire version; only `responses` and `hidden` when there are fewer than
// `min_responses` answers, so small groups cannot be singled out.
v1::VersionResult AggregateVersion(const v1::Questionnaire& questionnaire,
                                   const std::vector<std::vector<v1::Answer>>& responses,
                                   int min_responses);

// A fresh response code: 20 characters from an alphabet without look-alikes, grouped 5-5-5-5.
std::string NewResponseCode();
// Codes are compared after dropping separators and folding case, so hand-typed codes work.
std::string NormalizeResponseCode(absl::string_view code);

// --- Petitions -------------------------------------------------------------------------------

// kReceiptDigits decimal digits, uniform (rejection sampling over the OS CSPRNG).
std::string NewReceiptCode();
bool IsReceiptCodeFormat(absl::string_view receipt);
absl::Status ValidateNewPetition(const v1::SubmitPetitionRequest& request);
// RECEIVED → FORWARDED_TO_ISSUE / FORWARDED_TO_CLUE / CLOSED, reason required.
absl::Status CheckTriage(v1::Petition::State from, v1::Petition::State to,
                         absl::string_view reason);
// Hex or base64 of exactly `size` bytes (keys in config files and requests).
absl::StatusOr<std::string> DecodeKey(absl::string_view field, absl::string_view text, size_t size);

// --- Document review -------------------------------------------------------------------------

// The group and office read everything; the unit liaison reads the request list (to hand the
// material over) but never the group's review notes and findings.
bool CanReadDocumentRequests(const EngagementAccess& access);
bool CanRequestDocuments(const EngagementAccess& access);
bool CanMarkDocumentProvided(const EngagementAccess& access);
bool CanReviewDocuments(const EngagementAccess& access);
// Clears what the group wrote for itself.
void StripForLiaison(v1::DocumentRequest& request);
absl::Status ValidateNewDocumentRequest(const v1::DocumentRequest& request);
// REQUESTED → PROVIDED → REVIEWED, one step at a time.
absl::Status CheckDocumentTransition(v1::DocumentRequest::State from,
                                     v1::DocumentRequest::State to);
// 三必看: 党建资料, 民生项目, 财务档案 (title, description).
std::vector<std::pair<std::string, std::string>> ThreeMustSeeChecklist();

// --- Evidence --------------------------------------------------------------------------------

bool IsSha256Hex(absl::string_view s);
// `max_bytes` from config; the file name is shown to people, so it must be text.
absl::Status ValidateEvidenceUpload(const v1::UploadEvidenceRequest& request, int64_t max_bytes);

// --- Work log --------------------------------------------------------------------------------

absl::Status ValidateWorkLogEntry(const v1::WorkLogEntry& entry);

}  // namespace xuncha::fieldwork
