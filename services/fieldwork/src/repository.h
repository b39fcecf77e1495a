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

struct StoredAnswers {
  int version = 0;
  std::vector<v1::Answer> answers;
};

class Repository {
 public:
  // Interviews
  static v1::Interview InsertInterview(pqxx::work& tx, const v1::Interview& interview,
                                       const std::string& created_by);
  static absl::StatusOr<v1::Interview> GetInterview(pqxx::work& tx, const std::string& id);
  // Newest first; one more than page.size when there is a further page.
  static std::vector<v1::Interview> ListInterviews(pqxx::work& tx, const std::string& engagement_id,
                                                   const Page& page);
  static std::string InterviewPageKey(const v1::Interview& interview);

  // Surveys
  static v1::Survey InsertSurvey(pqxx::work& tx, const v1::Survey& survey);
  static absl::StatusOr<v1::Survey> GetSurvey(pqxx::work& tx, const std::string& id,
                                              bool for_update, absl::string_view field = "id");
  static void InsertVersion(pqxx::work& tx, const std::string& survey_id,
                            const v1::Questionnaire& questionnaire);
  static void ReplaceVersion(pqxx::work& tx, const std::string& survey_id,
                             const v1::Questionnaire& questionnaire);
  static void SetCurrentVersion(pqxx::work& tx, const std::string& survey_id, int version);
  static int64_t CountAnswers(pqxx::work& tx, const std::string& survey_id, int version);
  static void InsertCodeHashes(pqxx::work& tx, const std::string& survey_id,
                               const std::vector<std::string>& hashes);
  // Marks an unused code used and returns its survey; nullopt when unknown or already used.
  // Atomic: of two transactions racing on one code, the second waits for the first's row lock
  // and then finds the code used.
  static std::optional<std::string> UseCode(pqxx::work& tx, const std::string& code_hash);
  static bool CodeExists(pqxx::work& tx, const std::string& code_hash);
  static void InsertAnswers(pqxx::work& tx, const std::string& survey_id, int version,
                            const std::vector<v1::Answer>& answers);
  static std::vector<v1::Questionnaire> ListVersions(pqxx::work& tx, const std::string& survey_id);
  static std::vector<StoredAnswers> ListAnswers(pqxx::work& tx, const std::string& survey_id);

  // Petitions
  static v1::Petition InsertPetition(pqxx::work& tx, const v1::SubmitPetitionRequest& request,
                                     const std::string& receipt_hash,
                                     const std::string& sealed_reporter,
                                     const std::string& received_on);
  static absl::StatusOr<StoredPetition> GetPetition(pqxx::work& tx, const std::string& id,
                                                    bool for_update);
  static std::optional<v1::Petition> FindPetitionByReceiptHash(pqxx::work& tx,
                                                               const std::string& receipt_hash);
  static std::vector<v1::Petition> ListPetitions(pqxx::work& tx, const std::string& engagement_id,
                                                 const Page& page);
  static void SetPetitionState(pqxx::work& tx, const std::string& id, v1::Petition::State state,
                               const std::string& reason);

  // Document review
  static v1::DocumentRequest InsertDocumentRequest(pqxx::work& tx,
                                                   const v1::DocumentRequest& request);
  static absl::StatusOr<v1::DocumentRequest> GetDocumentRequest(pqxx::work& tx,
                                                                const std::string& id,
                                                                bool for_update);
  // Oldest first; one more than page.size when there is a further page.
  static std::vector<v1::DocumentRequest> ListDocumentRequests(pqxx::work& tx,
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
  static bool EvidenceFileExists(pqxx::work& tx, const std::string& sha256);
  // The links of a file: engagement id, file name, content type.
  static std::vector<v1::Evidence> EvidenceLinks(pqxx::work& tx, const std::string& sha256);

  // Work log
  static v1::WorkLogEntry InsertWorkLogEntry(pqxx::work& tx, const v1::WorkLogEntry& entry,
                                             const std::string& created_by);
  static std::vector<v1::WorkLogEntry> ListWorkLog(pqxx::work& tx, const std::string& engagement_id,
                                                   const std::string& day);
};

}  // namespace xuncha::fieldwork
