// SQL for fieldwork: static functions on the caller's transaction, parameterised, no rules.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "domain.h"
#include "xuncha/paging.h"
#include "xuncha/pg.h"

namespace xuncha::fieldwork {

struct StoredPetition {
  v1::Petition petition;
  std::string sealed_reporter;  // empty when none was given
};

struct StoredOutline {
  v1::InterviewOutline outline;
  OutlineOwner owner;
  int64_t created_micros = 0;  // list order and page key
};

// Which outlines a list returns besides the built-in ones.
struct OutlineFilter {
  bool all_offices = false;  // the platform admin
  std::string within_path;   // offices at or below this path
  std::string office_id;     // this one office
  v1::Interview::Category category = v1::Interview::CATEGORY_UNSPECIFIED;  // and general ones
  bool include_archived = false;
};

struct StoredAnswers {
  int version = 0;
  std::vector<v1::Answer> answers;
};

class Repository {
 public:
  // Interviews
  static v1::Interview InsertInterview(pqxx::work& tx, const v1::Interview& interview,
                                       const std::string& created_by);
  static absl::StatusOr<v1::Interview> GetInterview(pqxx::transaction_base& tx,
                                                    const std::string& id);
  // Newest first; one more than page.size when there is a further page.
  static std::vector<v1::Interview> ListInterviews(pqxx::transaction_base& tx,
                                                   const std::string& engagement_id,
                                                   const Page& page);
  static std::string InterviewPageKey(const v1::Interview& interview);

  // Interview outlines
  static StoredOutline InsertOutline(pqxx::work& tx, const v1::InterviewOutline& outline,
                                     const OutlineOwner& owner, const std::string& by);
  // `version` 0: the current one. NOT_FOUND names `field`.
  static absl::StatusOr<StoredOutline> GetOutline(pqxx::transaction_base& tx, const std::string& id,
                                                  int version, bool for_update,
                                                  absl::string_view field = "id");
  static void AddOutlineVersion(pqxx::work& tx, const std::string& id, int version,
                                const v1::UpdateInterviewOutlineRequest& update,
                                const std::string& by);
  static void ArchiveOutline(pqxx::work& tx, const std::string& id);
  // Built-in outlines first (oldest first); one more than page.size when there is a further page.
  static std::vector<StoredOutline> ListOutlines(pqxx::transaction_base& tx,
                                                 const OutlineFilter& filter, const Page& page);
  static std::string OutlinePageKey(const StoredOutline& outline);

  // Surveys
  static v1::Survey InsertSurvey(pqxx::work& tx, const v1::Survey& survey);
  static absl::StatusOr<v1::Survey> GetSurvey(pqxx::transaction_base& tx, const std::string& id,
                                              bool for_update, absl::string_view field = "id");
  static void InsertVersion(pqxx::work& tx, const std::string& survey_id,
                            const v1::Questionnaire& questionnaire);
  static void ReplaceVersion(pqxx::work& tx, const std::string& survey_id,
                             const v1::Questionnaire& questionnaire);
  static void SetCurrentVersion(pqxx::work& tx, const std::string& survey_id, int version);
  static int64_t CountAnswers(pqxx::transaction_base& tx, const std::string& survey_id,
                              int version);
  static void InsertCodeHashes(pqxx::work& tx, const std::string& survey_id,
                               const std::vector<std::string>& hashes);
  // Marks an unused code used and returns its survey; nullopt when unknown or already used.
  // Atomic: of two transactions racing on one code, the second waits for the first's row lock
  // and then finds the code used.
  static std::optional<std::string> UseCode(pqxx::work& tx, const std::string& code_hash);
  static bool CodeExists(pqxx::transaction_base& tx, const std::string& code_hash);
  // The survey of an unused code; nullopt when unknown or already used (not told apart).
  static std::optional<std::string> UnusedCodeSurvey(pqxx::transaction_base& tx,
                                                     const std::string& code_hash);
  // Newest first; one more than page.size when there is a further page.
  static std::vector<v1::Survey> ListSurveys(pqxx::transaction_base& tx,
                                             const std::string& engagement_id, const Page& page);
  static std::string SurveyPageKey(const v1::Survey& survey);
  static void InsertAnswers(pqxx::work& tx, const std::string& survey_id, int version,
                            const std::vector<v1::Answer>& answers);
  static std::vector<v1::Questionnaire> ListVersions(pqxx::transaction_base& tx,
                                                     const std::string& survey_id);
  static std::vector<StoredAnswers> ListAnswers(pqxx::transaction_base& tx,
                                                const std::string& survey_id);

  // Petitions
  static v1::Petition InsertPetition(pqxx::work& tx, const v1::SubmitPetitionRequest& request,
                                     const std::string& receipt_hash,
                                     const std::string& sealed_reporter,
                                     const std::string& received_on);
  static absl::StatusOr<StoredPetition> GetPetition(pqxx::transaction_base& tx,
                                                    const std::string& id, bool for_update);
  static std::optional<v1::Petition> FindPetitionByReceiptHash(pqxx::transaction_base& tx,
                                                               const std::string& receipt_hash);
  static std::vector<v1::Petition> ListPetitions(pqxx::transaction_base& tx,
                                                 const std::string& engagement_id,
                                                 const Page& page);
  // Follow-up thread
  static v1::PetitionMessage InsertPetitionQuestion(pqxx::work& tx, const std::string& petition_id,
                                                    const std::string& text,
                                                    const std::string& day);
  // The question, locked; nullopt when `petition_id` has no question `question_id`.
  static std::optional<v1::PetitionMessage> GetPetitionQuestion(pqxx::transaction_base& tx,
                                                                const std::string& petition_id,
                                                                const std::string& question_id);
  // nullopt when the question already has its reply (the unique index decides a race).
  static std::optional<v1::PetitionMessage> InsertPetitionReply(pqxx::work& tx,
                                                                const std::string& petition_id,
                                                                const std::string& question_id,
                                                                const std::string& text,
                                                                const std::string& day);
  static std::vector<v1::PetitionMessage> ListPetitionMessages(pqxx::transaction_base& tx,
                                                               const std::string& petition_id);
  static void SetPetitionState(pqxx::work& tx, const std::string& id, v1::Petition::State state,
                               const std::string& reason);

  // Document review
  static v1::DocumentRequest InsertDocumentRequest(pqxx::work& tx,
                                                   const v1::DocumentRequest& request);
  static absl::StatusOr<v1::DocumentRequest> GetDocumentRequest(pqxx::transaction_base& tx,
                                                                const std::string& id,
                                                                bool for_update);
  // Oldest first; one more than page.size when there is a further page.
  static std::vector<v1::DocumentRequest> ListDocumentRequests(pqxx::transaction_base& tx,
                                                               const std::string& engagement_id,
                                                               const Page& page);
  static std::string DocumentRequestPageKey(const v1::DocumentRequest& request);
  static void MarkDocumentProvided(pqxx::work& tx, const std::string& id, const std::string& note,
                                   const std::string& day);
  static void ReviewDocument(pqxx::work& tx, const v1::ReviewDocumentRequest& review);

  // Evidence
  // Records the content (once) and links it to the engagement; false when that link existed.
  static bool LinkEvidence(pqxx::work& tx, const std::string& sha256, int64_t size,
                           const v1::UploadEvidenceRequest& request, const std::string& by);
  static bool EvidenceFileExists(pqxx::transaction_base& tx, const std::string& sha256);
  // The links of a file: engagement id, file name, content type.
  static std::vector<v1::Evidence> EvidenceLinks(pqxx::transaction_base& tx,
                                                 const std::string& sha256);

  static bool EvidenceOnEngagement(pqxx::transaction_base& tx, const std::string& sha256,
                                   const std::string& engagement_id);
  // False when the file was already attached to the record.
  static bool AttachEvidence(pqxx::work& tx, const std::string& sha256,
                             const std::string& engagement_id, const v1::EvidenceTarget& target,
                             const std::string& by);
  // The kinds of records of `engagement_id` the file is attached to (one entry per record).
  static std::vector<v1::EvidenceTarget::Kind> AttachmentKinds(pqxx::transaction_base& tx,
                                                               const std::string& sha256,
                                                               const std::string& engagement_id);
  // The engagement of an interview, document request or petition; NOT_FOUND naming `field`.
  static absl::StatusOr<std::string> RecordEngagement(pqxx::transaction_base& tx,
                                                      const v1::EvidenceTarget& target,
                                                      absl::string_view field);

  // Work log
  static v1::WorkLogEntry InsertWorkLogEntry(pqxx::work& tx, const v1::WorkLogEntry& entry,
                                             const std::string& created_by);
  static std::vector<v1::WorkLogEntry> ListWorkLog(pqxx::transaction_base& tx,
                                                   const std::string& engagement_id,
                                                   const std::string& day);
};

}  // namespace xuncha::fieldwork
