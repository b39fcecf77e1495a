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

// --- Interview outlines (谈话提纲) -----------------------------------------------------------

// Whose an outline is: empty office for a built-in one.
struct OutlineOwner {
  std::string office_id;
  std::string office_path;
  bool built_in() const { return office_id.empty(); }
};

// Office staff in the sense of DESIGN.md §3 (any office role of an office, not API clients).
bool IsOfficeStaff(const Principal& principal);
// Read directly: built-in outlines by any office staff; an office's outlines by its own staff
// and the staff of offices above it (and the platform admin).
bool CanReadOutline(const Principal& principal, const OutlineOwner& owner);
// Write: the owning office's OFFICE_ADMIN, OFFICE_STAFF or LEADING_GROUP. Built-in outlines are
// nobody's to change.
bool CanWriteOutline(const Principal& principal, const OutlineOwner& owner);
// Through an engagement (group members, who may hold no office role): the outline must be one
// the engagement may use — built-in or the owning office's own — and the caller must be able to
// read the engagement's records.
bool OutlineUsableOn(const OutlineOwner& owner, const EngagementSnapshot& engagement);
bool CanReadOutlinesOn(const EngagementAccess& access);
absl::Status ValidateOutline(absl::string_view title, v1::Interview::Category category,
                             const google::protobuf::RepeatedPtrField<std::string>& questions);
// Optimistic concurrency for updates: `expected` must equal `current`.
absl::Status CheckOutlineVersion(int current, int expected);

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

// Follow-up thread: a question or a reply, plain text up to 5000 characters.
absl::Status ValidatePetitionMessage(absl::string_view field, absl::string_view text);
// Questions and replies stop when a petition is CLOSED.
absl::Status CheckPetitionOpenForMessages(v1::Petition::State state);

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
// The first message of a streamed upload: the same fields, with no content in it.
absl::Status ValidateEvidenceMetadata(const v1::UploadEvidenceRequest& metadata);
absl::Status ValidateEvidenceTarget(absl::string_view field, const v1::EvidenceTarget& target);
// Who may attach files to a record of this kind: whoever may write that record.
bool CanAttachEvidence(const EngagementAccess& access, v1::EvidenceTarget::Kind kind);
// Who may add a file to the engagement: whoever writes its records, and the unit liaison of the
// inspected unit for files attached to nothing (the evidence behind its rectification claims,
// which rectification accepts from fieldwork.evidence.linked); the liaison attaches nothing to
// the group's records.
bool CanUploadEvidence(const EngagementAccess& access, bool attached);
// Download through one engagement the file is linked to: the caller must read the engagement's
// records and, for every record of that engagement the file is attached to, that record (an
// interview attachment is as confidential as the interview). The unit liaison never reads
// evidence, not even files attached to its own unit's document requests: those are the group's
// review material, hidden from it like the review notes. Any one engagement suffices.
bool CanReadEvidenceIn(const EngagementAccess& access,
                       const std::vector<v1::EvidenceTarget::Kind>& attached_to);

// --- Work log --------------------------------------------------------------------------------

absl::Status ValidateWorkLogEntry(const v1::WorkLogEntry& entry);

}  // namespace xuncha::fieldwork
