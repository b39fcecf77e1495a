// Thin gRPC adapter: unpacks requests, calls FieldworkApp, packs responses. No rules here.
#pragma once

#include "app.h"
#include "xuncha/fieldwork/v1/fieldwork.grpc.pb.h"

namespace xuncha::fieldwork {

class FieldworkGrpcService final : public v1::FieldworkService::Service {
 public:
  FieldworkGrpcService(FieldworkApp& app, const Authenticator& auth) : app_(app), auth_(auth) {}
  grpc::Status CreateInterview(grpc::ServerContext* c, const v1::CreateInterviewRequest* req,
                               v1::Interview* resp) override;
  grpc::Status ListInterviews(grpc::ServerContext* c, const v1::ListInterviewsRequest* req,
                              v1::ListInterviewsResponse* resp) override;
  grpc::Status GetInterview(grpc::ServerContext* c, const v1::GetInterviewRequest* req,
                            v1::Interview* resp) override;
  grpc::Status CreateInterviewOutline(grpc::ServerContext* c,
                                      const v1::CreateInterviewOutlineRequest* req,
                                      v1::InterviewOutline* resp) override;
  grpc::Status ListInterviewOutlines(grpc::ServerContext* c,
                                     const v1::ListInterviewOutlinesRequest* req,
                                     v1::ListInterviewOutlinesResponse* resp) override;
  grpc::Status GetInterviewOutline(grpc::ServerContext* c,
                                   const v1::GetInterviewOutlineRequest* req,
                                   v1::InterviewOutline* resp) override;
  grpc::Status UpdateInterviewOutline(grpc::ServerContext* c,
                                      const v1::UpdateInterviewOutlineRequest* req,
                                      v1::InterviewOutline* resp) override;
  grpc::Status ArchiveInterviewOutline(grpc::ServerContext* c,
                                       const v1::ArchiveInterviewOutlineRequest* req,
                                       v1::InterviewOutline* resp) override;
  grpc::Status ListEngagementInterviewOutlines(
      grpc::ServerContext* c, const v1::ListEngagementInterviewOutlinesRequest* req,
      v1::ListInterviewOutlinesResponse* resp) override;
  grpc::Status LookupPetitionStatus(grpc::ServerContext* c, const v1::GetPetitionStatusRequest* req,
                                    v1::PetitionStatus* resp) override;
  grpc::Status PostPetitionQuestion(grpc::ServerContext* c,
                                    const v1::PostPetitionQuestionRequest* req,
                                    v1::PetitionMessage* resp) override;
  grpc::Status ListPetitionMessages(grpc::ServerContext* c,
                                    const v1::ListPetitionMessagesRequest* req,
                                    v1::ListPetitionMessagesResponse* resp) override;
  grpc::Status ReplyToPetitionQuestion(grpc::ServerContext* c,
                                       const v1::ReplyToPetitionQuestionRequest* req,
                                       v1::PetitionMessage* resp) override;
  grpc::Status UploadEvidenceStream(grpc::ServerContext* c,
                                    grpc::ServerReader<v1::UploadEvidenceChunk>* reader,
                                    v1::Evidence* resp) override;
  grpc::Status AttachEvidence(grpc::ServerContext* c, const v1::AttachEvidenceRequest* req,
                              v1::Evidence* resp) override;
  grpc::Status CreateSurvey(grpc::ServerContext* c, const v1::CreateSurveyRequest* req,
                            v1::Survey* resp) override;
  grpc::Status GetSurvey(grpc::ServerContext* c, const v1::GetSurveyRequest* req,
                         v1::Survey* resp) override;
  grpc::Status UpdateQuestionnaire(grpc::ServerContext* c,
                                   const v1::UpdateQuestionnaireRequest* req,
                                   v1::Survey* resp) override;
  grpc::Status IssueSurveyCodes(grpc::ServerContext* c, const v1::IssueSurveyCodesRequest* req,
                                v1::IssueSurveyCodesResponse* resp) override;
  grpc::Status SubmitSurveyResponse(grpc::ServerContext* c,
                                    const v1::SubmitSurveyResponseRequest* req,
                                    v1::SubmitSurveyResponseResponse* resp) override;
  grpc::Status ListSurveys(grpc::ServerContext* c, const v1::ListSurveysRequest* req,
                           v1::ListSurveysResponse* resp) override;
  grpc::Status GetSurveyQuestionnaire(grpc::ServerContext* c,
                                      const v1::GetSurveyQuestionnaireRequest* req,
                                      v1::SurveyQuestionnaire* resp) override;
  grpc::Status GetSurveyResults(grpc::ServerContext* c, const v1::GetSurveyResultsRequest* req,
                                v1::SurveyResults* resp) override;
  grpc::Status SubmitPetition(grpc::ServerContext* c, const v1::SubmitPetitionRequest* req,
                              v1::SubmitPetitionResponse* resp) override;
  grpc::Status GetPetitionStatus(grpc::ServerContext* c, const v1::GetPetitionStatusRequest* req,
                                 v1::PetitionStatus* resp) override;
  grpc::Status ListPetitions(grpc::ServerContext* c, const v1::ListPetitionsRequest* req,
                             v1::ListPetitionsResponse* resp) override;
  grpc::Status GetPetition(grpc::ServerContext* c, const v1::GetPetitionRequest* req,
                           v1::Petition* resp) override;
  grpc::Status TriagePetition(grpc::ServerContext* c, const v1::TriagePetitionRequest* req,
                              v1::Petition* resp) override;
  grpc::Status RevealPetitionReporter(grpc::ServerContext* c,
                                      const v1::RevealPetitionReporterRequest* req,
                                      v1::PetitionReporter* resp) override;
  grpc::Status CreateDocumentRequest(grpc::ServerContext* c,
                                     const v1::CreateDocumentRequestRequest* req,
                                     v1::DocumentRequest* resp) override;
  grpc::Status ApplyDocumentChecklist(grpc::ServerContext* c,
                                      const v1::ApplyDocumentChecklistRequest* req,
                                      v1::ListDocumentRequestsResponse* resp) override;
  grpc::Status ListDocumentRequests(grpc::ServerContext* c,
                                    const v1::ListDocumentRequestsRequest* req,
                                    v1::ListDocumentRequestsResponse* resp) override;
  grpc::Status MarkDocumentProvided(grpc::ServerContext* c,
                                    const v1::MarkDocumentProvidedRequest* req,
                                    v1::DocumentRequest* resp) override;
  grpc::Status ReviewDocument(grpc::ServerContext* c, const v1::ReviewDocumentRequest* req,
                              v1::DocumentRequest* resp) override;
  grpc::Status UploadEvidence(grpc::ServerContext* c, const v1::UploadEvidenceRequest* req,
                              v1::Evidence* resp) override;
  grpc::Status GetEvidence(grpc::ServerContext* c, const v1::GetEvidenceRequest* req,
                           ::xuncha::common::v1::FileContent* resp) override;
  grpc::Status AddWorkLogEntry(grpc::ServerContext* c, const v1::AddWorkLogEntryRequest* req,
                               v1::WorkLogEntry* resp) override;
  grpc::Status GetWorkLog(grpc::ServerContext* c, const v1::GetWorkLogRequest* req,
                          v1::WorkLog* resp) override;

 private:
  FieldworkApp& app_;
  const Authenticator& auth_;
};

}  // namespace xuncha::fieldwork
