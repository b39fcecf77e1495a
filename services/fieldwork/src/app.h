// Fieldwork use cases: one method per RPC, each one transaction (change + audit row + outbox
// event), with the access rules from domain.h applied to the engagement replica read in that
// same transaction.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "domain.h"
#include "evidence_store.h"
#include "repository.h"
#include "xuncha/outbox.h"
#include "xuncha/pg.h"
#include "xuncha/rpc.h"

namespace xuncha::fieldwork {

struct FieldworkSettings {
  // The office's X25519 public key (crypto_box_PUBLICKEYBYTES) that reporter identities are
  // sealed to. Empty: petitions that carry an identity are refused rather than stored in clear.
  std::string petition_public_key;
  // Where evidence files live (content-addressed); empty: uploads are refused.
  std::string evidence_dir;
  // Largest evidence file. The bytes arrive in one gRPC message, whose default 4 MiB receive
  // limit caps this until uploads are streamed.
  int64_t evidence_max_bytes = 3 << 20;
};

class FieldworkApp {
 public:
  // `relay` may be null (events wait in the outbox).
  FieldworkApp(PgPool& pool, OutboxRelay* relay, FieldworkSettings settings);

  absl::StatusOr<v1::Interview> CreateInterview(const RequestContext& rc,
                                                const v1::CreateInterviewRequest& request);
  absl::StatusOr<v1::ListInterviewsResponse> ListInterviews(
      const RequestContext& rc, const v1::ListInterviewsRequest& request);
  absl::StatusOr<v1::Interview> GetInterview(const RequestContext& rc, const std::string& id);

  absl::StatusOr<v1::Survey> CreateSurvey(const RequestContext& rc,
                                          const v1::CreateSurveyRequest& request);
  absl::StatusOr<v1::Survey> GetSurvey(const RequestContext& rc, const std::string& id);
  absl::StatusOr<v1::Survey> UpdateQuestionnaire(const RequestContext& rc,
                                                 const v1::UpdateQuestionnaireRequest& request);
  absl::StatusOr<v1::IssueSurveyCodesResponse> IssueSurveyCodes(
      const RequestContext& rc, const v1::IssueSurveyCodesRequest& request);
  absl::StatusOr<v1::SubmitSurveyResponseResponse> SubmitSurveyResponse(
      const RequestContext& rc, const v1::SubmitSurveyResponseRequest& request);
  absl::StatusOr<v1::SurveyResults> GetSurveyResults(const RequestContext& rc,
                                                     const std::string& id);

  absl::StatusOr<v1::SubmitPetitionResponse> SubmitPetition(
      const RequestContext& rc, const v1::SubmitPetitionRequest& request);
  absl::StatusOr<v1::PetitionStatus> GetPetitionStatus(const RequestContext& rc,
                                                       const std::string& receipt);
  absl::StatusOr<v1::ListPetitionsResponse> ListPetitions(const RequestContext& rc,
                                                          const v1::ListPetitionsRequest& request);
  absl::StatusOr<v1::Petition> GetPetition(const RequestContext& rc, const std::string& id);
  absl::StatusOr<v1::Petition> TriagePetition(const RequestContext& rc,
                                              const v1::TriagePetitionRequest& request);
  absl::StatusOr<v1::PetitionReporter> RevealPetitionReporter(
      const RequestContext& rc, const v1::RevealPetitionReporterRequest& request);

  absl::StatusOr<v1::DocumentRequest> CreateDocumentRequest(
      const RequestContext& rc, const v1::CreateDocumentRequestRequest& request);
  absl::StatusOr<v1::ListDocumentRequestsResponse> ApplyDocumentChecklist(
      const RequestContext& rc, const v1::ApplyDocumentChecklistRequest& request);
  absl::StatusOr<v1::ListDocumentRequestsResponse> ListDocumentRequests(
      const RequestContext& rc, const v1::ListDocumentRequestsRequest& request);
  absl::StatusOr<v1::DocumentRequest> MarkDocumentProvided(
      const RequestContext& rc, const v1::MarkDocumentProvidedRequest& request);
  absl::StatusOr<v1::DocumentRequest> ReviewDocument(const RequestContext& rc,
                                                     const v1::ReviewDocumentRequest& request);

  absl::StatusOr<v1::Evidence> UploadEvidence(const RequestContext& rc,
                                              const v1::UploadEvidenceRequest& request);
  absl::StatusOr<common::v1::FileContent> GetEvidence(const RequestContext& rc,
                                                      const std::string& sha256);

  absl::StatusOr<v1::WorkLogEntry> AddWorkLogEntry(const RequestContext& rc,
                                                   const v1::AddWorkLogEntryRequest& request);
  absl::StatusOr<v1::WorkLog> GetWorkLog(const RequestContext& rc,
                                         const v1::GetWorkLogRequest& request);

 private:
  // Runs `body` in a transaction and, after a successful commit, nudges the outbox relay.
  absl::Status Write(const std::function<absl::Status(pqxx::work&)>& body);
  // Write, honouring the caller's Idempotency-Key.
  absl::Status WriteOnce(const RequestContext& rc, absl::string_view method,
                         const google::protobuf::Message& request,
                         google::protobuf::Message& response,
                         const std::function<absl::Status(pqxx::work&)>& body);
  // The engagement and the caller's access to it, from the replica in `tx`.
  absl::StatusOr<EngagementAccess> Access(pqxx::work& tx, const RequestContext& rc,
                                          const std::string& engagement_id,
                                          absl::string_view field = "engagement_id");

  PgPool& pool_;
  OutboxRelay* relay_;
  FieldworkSettings settings_;
  EvidenceStore evidence_;
};

}  // namespace xuncha::fieldwork
