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
  // Largest evidence file (streamed uploads): scans and recordings run to tens of megabytes.
  int64_t evidence_max_bytes = 64 << 20;
  // Largest file in one UploadEvidence message: evidence_max_bytes, but below gRPC's 4 MiB
  // message limit.
  int64_t unary_evidence_max_bytes = 3 << 20;
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

  absl::StatusOr<v1::InterviewOutline> CreateInterviewOutline(
      const RequestContext& rc, const v1::CreateInterviewOutlineRequest& request);
  absl::StatusOr<v1::ListInterviewOutlinesResponse> ListInterviewOutlines(
      const RequestContext& rc, const v1::ListInterviewOutlinesRequest& request);
  absl::StatusOr<v1::InterviewOutline> GetInterviewOutline(
      const RequestContext& rc, const v1::GetInterviewOutlineRequest& request);
  absl::StatusOr<v1::InterviewOutline> UpdateInterviewOutline(
      const RequestContext& rc, const v1::UpdateInterviewOutlineRequest& request);
  absl::StatusOr<v1::InterviewOutline> ArchiveInterviewOutline(
      const RequestContext& rc, const v1::ArchiveInterviewOutlineRequest& request);
  absl::StatusOr<v1::ListInterviewOutlinesResponse> ListEngagementInterviewOutlines(
      const RequestContext& rc, const v1::ListEngagementInterviewOutlinesRequest& request);

  absl::StatusOr<v1::Survey> CreateSurvey(const RequestContext& rc,
                                          const v1::CreateSurveyRequest& request);
  absl::StatusOr<v1::Survey> GetSurvey(const RequestContext& rc, const std::string& id);
  absl::StatusOr<v1::Survey> UpdateQuestionnaire(const RequestContext& rc,
                                                 const v1::UpdateQuestionnaireRequest& request);
  absl::StatusOr<v1::IssueSurveyCodesResponse> IssueSurveyCodes(
      const RequestContext& rc, const v1::IssueSurveyCodesRequest& request);
  absl::StatusOr<v1::SubmitSurveyResponseResponse> SubmitSurveyResponse(
      const RequestContext& rc, const v1::SubmitSurveyResponseRequest& request);
  absl::StatusOr<v1::ListSurveysResponse> ListSurveys(const RequestContext& rc,
                                                      const v1::ListSurveysRequest& request);
  absl::StatusOr<v1::SurveyQuestionnaire> GetSurveyQuestionnaire(
      const RequestContext& rc, const v1::GetSurveyQuestionnaireRequest& request);
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
  absl::StatusOr<v1::PetitionMessage> PostPetitionQuestion(
      const RequestContext& rc, const v1::PostPetitionQuestionRequest& request);
  absl::StatusOr<v1::ListPetitionMessagesResponse> ListPetitionMessages(
      const RequestContext& rc, const v1::ListPetitionMessagesRequest& request);
  absl::StatusOr<v1::PetitionMessage> ReplyToPetitionQuestion(
      const RequestContext& rc, const v1::ReplyToPetitionQuestionRequest& request);
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
  // Streamed upload: `metadata` (checked before any byte is read), then `next_chunk` yields the
  // data in order, false at the end of the stream.
  using NextChunk = std::function<absl::StatusOr<bool>(std::string* data)>;
  absl::StatusOr<v1::Evidence> UploadEvidenceStream(const RequestContext& rc,
                                                    const v1::UploadEvidenceRequest& metadata,
                                                    const NextChunk& next_chunk);
  absl::StatusOr<v1::Evidence> AttachEvidence(const RequestContext& rc,
                                              const v1::AttachEvidenceRequest& request);
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
  absl::StatusOr<EngagementAccess> Access(pqxx::transaction_base& tx, const RequestContext& rc,
                                          const std::string& engagement_id,
                                          absl::string_view field = "engagement_id");

  // May the caller add this file (to this record)? Checked again in the registering transaction.
  absl::Status CheckUpload(pqxx::transaction_base& tx, const RequestContext& rc,
                           const v1::UploadEvidenceRequest& metadata);
  // Records a file already on disk: the content row, the engagement link and the attachment,
  // with their events.
  absl::Status RegisterEvidence(pqxx::work& tx, const RequestContext& rc,
                                const v1::UploadEvidenceRequest& metadata,
                                const std::string& sha256, int64_t size, v1::Evidence& out);
  // The outline an interview names, checked usable on the engagement; sets the version.
  absl::Status ResolveOutline(pqxx::work& tx, const EngagementSnapshot& engagement,
                              v1::Interview& interview);

  PgPool& pool_;
  OutboxRelay* relay_;
  FieldworkSettings settings_;
  EvidenceStore evidence_;
};

}  // namespace xuncha::fieldwork
