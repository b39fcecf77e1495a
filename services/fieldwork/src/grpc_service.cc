#include "grpc_service.h"

#include "xuncha/status.h"
#include "xuncha/validation.h"

namespace xuncha::fieldwork {

using grpc::ServerContext;
using grpc::Status;

Status FieldworkGrpcService::CreateInterview(ServerContext* c,
                                             const v1::CreateInterviewRequest* req,
                                             v1::Interview* resp) {
  return HandleRpc(c, "CreateInterview", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.CreateInterview(rc, *req));
    return absl::OkStatus();
  });
}

Status FieldworkGrpcService::ListInterviews(ServerContext* c, const v1::ListInterviewsRequest* req,
                                            v1::ListInterviewsResponse* resp) {
  return HandleRpc(c, "ListInterviews", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.ListInterviews(rc, *req));
    return absl::OkStatus();
  });
}

Status FieldworkGrpcService::GetInterview(ServerContext* c, const v1::GetInterviewRequest* req,
                                          v1::Interview* resp) {
  return HandleRpc(c, "GetInterview", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.GetInterview(rc, req->id()));
    return absl::OkStatus();
  });
}

Status FieldworkGrpcService::CreateSurvey(ServerContext* c, const v1::CreateSurveyRequest* req,
                                          v1::Survey* resp) {
  return HandleRpc(c, "CreateSurvey", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.CreateSurvey(rc, *req));
    return absl::OkStatus();
  });
}

Status FieldworkGrpcService::GetSurvey(ServerContext* c, const v1::GetSurveyRequest* req,
                                       v1::Survey* resp) {
  return HandleRpc(c, "GetSurvey", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.GetSurvey(rc, req->id()));
    return absl::OkStatus();
  });
}

Status FieldworkGrpcService::UpdateQuestionnaire(ServerContext* c,
                                                 const v1::UpdateQuestionnaireRequest* req,
                                                 v1::Survey* resp) {
  return HandleRpc(c, "UpdateQuestionnaire", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.UpdateQuestionnaire(rc, *req));
    return absl::OkStatus();
  });
}

Status FieldworkGrpcService::IssueSurveyCodes(ServerContext* c,
                                              const v1::IssueSurveyCodesRequest* req,
                                              v1::IssueSurveyCodesResponse* resp) {
  return HandleRpc(c, "IssueSurveyCodes", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.IssueSurveyCodes(rc, *req));
    return absl::OkStatus();
  });
}

// Public (no account): marked `public: true` in the proto.
Status FieldworkGrpcService::SubmitSurveyResponse(ServerContext* c,
                                                  const v1::SubmitSurveyResponseRequest* req,
                                                  v1::SubmitSurveyResponseResponse* resp) {
  return HandlePublicRpc(c, "SubmitSurveyResponse", [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.SubmitSurveyResponse(rc, *req));
    return absl::OkStatus();
  });
}

Status FieldworkGrpcService::ListSurveys(ServerContext* c, const v1::ListSurveysRequest* req,
                                         v1::ListSurveysResponse* resp) {
  return HandleRpc(c, "ListSurveys", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.ListSurveys(rc, *req));
    return absl::OkStatus();
  });
}

// Public (no account): marked `public: true` in the proto.
Status FieldworkGrpcService::GetSurveyQuestionnaire(ServerContext* c,
                                                    const v1::GetSurveyQuestionnaireRequest* req,
                                                    v1::SurveyQuestionnaire* resp) {
  return HandlePublicRpc(c, "GetSurveyQuestionnaire",
                         [&](const RequestContext& rc) -> absl::Status {
                           ASSIGN_OR_RETURN(*resp, app_.GetSurveyQuestionnaire(rc, *req));
                           return absl::OkStatus();
                         });
}

Status FieldworkGrpcService::GetSurveyResults(ServerContext* c,
                                              const v1::GetSurveyResultsRequest* req,
                                              v1::SurveyResults* resp) {
  return HandleRpc(c, "GetSurveyResults", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.GetSurveyResults(rc, req->id()));
    return absl::OkStatus();
  });
}

// Public (no account): marked `public: true` in the proto.
Status FieldworkGrpcService::SubmitPetition(ServerContext* c, const v1::SubmitPetitionRequest* req,
                                            v1::SubmitPetitionResponse* resp) {
  return HandlePublicRpc(c, "SubmitPetition", [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.SubmitPetition(rc, *req));
    return absl::OkStatus();
  });
}

// Public (no account): marked `public: true` in the proto.
Status FieldworkGrpcService::GetPetitionStatus(ServerContext* c,
                                               const v1::GetPetitionStatusRequest* req,
                                               v1::PetitionStatus* resp) {
  return HandlePublicRpc(c, "GetPetitionStatus", [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.GetPetitionStatus(rc, req->receipt()));
    return absl::OkStatus();
  });
}

Status FieldworkGrpcService::ListPetitions(ServerContext* c, const v1::ListPetitionsRequest* req,
                                           v1::ListPetitionsResponse* resp) {
  return HandleRpc(c, "ListPetitions", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.ListPetitions(rc, *req));
    return absl::OkStatus();
  });
}

Status FieldworkGrpcService::GetPetition(ServerContext* c, const v1::GetPetitionRequest* req,
                                         v1::Petition* resp) {
  return HandleRpc(c, "GetPetition", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.GetPetition(rc, req->id()));
    return absl::OkStatus();
  });
}

Status FieldworkGrpcService::TriagePetition(ServerContext* c, const v1::TriagePetitionRequest* req,
                                            v1::Petition* resp) {
  return HandleRpc(c, "TriagePetition", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.TriagePetition(rc, *req));
    return absl::OkStatus();
  });
}

Status FieldworkGrpcService::RevealPetitionReporter(ServerContext* c,
                                                    const v1::RevealPetitionReporterRequest* req,
                                                    v1::PetitionReporter* resp) {
  return HandleRpc(c, "RevealPetitionReporter", auth_,
                   [&](const RequestContext& rc) -> absl::Status {
                     ASSIGN_OR_RETURN(*resp, app_.RevealPetitionReporter(rc, *req));
                     return absl::OkStatus();
                   });
}

Status FieldworkGrpcService::CreateDocumentRequest(ServerContext* c,
                                                   const v1::CreateDocumentRequestRequest* req,
                                                   v1::DocumentRequest* resp) {
  return HandleRpc(c, "CreateDocumentRequest", auth_,
                   [&](const RequestContext& rc) -> absl::Status {
                     ASSIGN_OR_RETURN(*resp, app_.CreateDocumentRequest(rc, *req));
                     return absl::OkStatus();
                   });
}

Status FieldworkGrpcService::ApplyDocumentChecklist(ServerContext* c,
                                                    const v1::ApplyDocumentChecklistRequest* req,
                                                    v1::ListDocumentRequestsResponse* resp) {
  return HandleRpc(c, "ApplyDocumentChecklist", auth_,
                   [&](const RequestContext& rc) -> absl::Status {
                     ASSIGN_OR_RETURN(*resp, app_.ApplyDocumentChecklist(rc, *req));
                     return absl::OkStatus();
                   });
}

Status FieldworkGrpcService::ListDocumentRequests(ServerContext* c,
                                                  const v1::ListDocumentRequestsRequest* req,
                                                  v1::ListDocumentRequestsResponse* resp) {
  return HandleRpc(c, "ListDocumentRequests", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.ListDocumentRequests(rc, *req));
    return absl::OkStatus();
  });
}

Status FieldworkGrpcService::MarkDocumentProvided(ServerContext* c,
                                                  const v1::MarkDocumentProvidedRequest* req,
                                                  v1::DocumentRequest* resp) {
  return HandleRpc(c, "MarkDocumentProvided", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.MarkDocumentProvided(rc, *req));
    return absl::OkStatus();
  });
}

Status FieldworkGrpcService::ReviewDocument(ServerContext* c, const v1::ReviewDocumentRequest* req,
                                            v1::DocumentRequest* resp) {
  return HandleRpc(c, "ReviewDocument", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.ReviewDocument(rc, *req));
    return absl::OkStatus();
  });
}

Status FieldworkGrpcService::UploadEvidence(ServerContext* c, const v1::UploadEvidenceRequest* req,
                                            v1::Evidence* resp) {
  return HandleRpc(c, "UploadEvidence", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.UploadEvidence(rc, *req));
    return absl::OkStatus();
  });
}

Status FieldworkGrpcService::GetEvidence(ServerContext* c, const v1::GetEvidenceRequest* req,
                                         ::xuncha::common::v1::FileContent* resp) {
  return HandleRpc(c, "GetEvidence", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.GetEvidence(rc, req->sha256()));
    return absl::OkStatus();
  });
}

Status FieldworkGrpcService::AddWorkLogEntry(ServerContext* c,
                                             const v1::AddWorkLogEntryRequest* req,
                                             v1::WorkLogEntry* resp) {
  return HandleRpc(c, "AddWorkLogEntry", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.AddWorkLogEntry(rc, *req));
    return absl::OkStatus();
  });
}

Status FieldworkGrpcService::GetWorkLog(ServerContext* c, const v1::GetWorkLogRequest* req,
                                        v1::WorkLog* resp) {
  return HandleRpc(c, "GetWorkLog", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.GetWorkLog(rc, *req));
    return absl::OkStatus();
  });
}

Status FieldworkGrpcService::CreateInterviewOutline(ServerContext* c,
                                                    const v1::CreateInterviewOutlineRequest* req,
                                                    v1::InterviewOutline* resp) {
  return HandleRpc(c, "CreateInterviewOutline", auth_,
                   [&](const RequestContext& rc) -> absl::Status {
                     ASSIGN_OR_RETURN(*resp, app_.CreateInterviewOutline(rc, *req));
                     return absl::OkStatus();
                   });
}

Status FieldworkGrpcService::ListInterviewOutlines(ServerContext* c,
                                                   const v1::ListInterviewOutlinesRequest* req,
                                                   v1::ListInterviewOutlinesResponse* resp) {
  return HandleRpc(c, "ListInterviewOutlines", auth_,
                   [&](const RequestContext& rc) -> absl::Status {
                     ASSIGN_OR_RETURN(*resp, app_.ListInterviewOutlines(rc, *req));
                     return absl::OkStatus();
                   });
}

Status FieldworkGrpcService::GetInterviewOutline(ServerContext* c,
                                                 const v1::GetInterviewOutlineRequest* req,
                                                 v1::InterviewOutline* resp) {
  return HandleRpc(c, "GetInterviewOutline", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.GetInterviewOutline(rc, *req));
    return absl::OkStatus();
  });
}

Status FieldworkGrpcService::UpdateInterviewOutline(ServerContext* c,
                                                    const v1::UpdateInterviewOutlineRequest* req,
                                                    v1::InterviewOutline* resp) {
  return HandleRpc(c, "UpdateInterviewOutline", auth_,
                   [&](const RequestContext& rc) -> absl::Status {
                     ASSIGN_OR_RETURN(*resp, app_.UpdateInterviewOutline(rc, *req));
                     return absl::OkStatus();
                   });
}

Status FieldworkGrpcService::ArchiveInterviewOutline(ServerContext* c,
                                                     const v1::ArchiveInterviewOutlineRequest* req,
                                                     v1::InterviewOutline* resp) {
  return HandleRpc(c, "ArchiveInterviewOutline", auth_,
                   [&](const RequestContext& rc) -> absl::Status {
                     ASSIGN_OR_RETURN(*resp, app_.ArchiveInterviewOutline(rc, *req));
                     return absl::OkStatus();
                   });
}

Status FieldworkGrpcService::ListEngagementInterviewOutlines(
    ServerContext* c, const v1::ListEngagementInterviewOutlinesRequest* req,
    v1::ListInterviewOutlinesResponse* resp) {
  return HandleRpc(c, "ListEngagementInterviewOutlines", auth_,
                   [&](const RequestContext& rc) -> absl::Status {
                     ASSIGN_OR_RETURN(*resp, app_.ListEngagementInterviewOutlines(rc, *req));
                     return absl::OkStatus();
                   });
}

// Public (no account): marked `public: true` in the proto.
Status FieldworkGrpcService::LookupPetitionStatus(ServerContext* c,
                                                  const v1::GetPetitionStatusRequest* req,
                                                  v1::PetitionStatus* resp) {
  return HandlePublicRpc(c, "LookupPetitionStatus", [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.GetPetitionStatus(rc, req->receipt()));
    return absl::OkStatus();
  });
}

Status FieldworkGrpcService::PostPetitionQuestion(ServerContext* c,
                                                  const v1::PostPetitionQuestionRequest* req,
                                                  v1::PetitionMessage* resp) {
  return HandleRpc(c, "PostPetitionQuestion", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.PostPetitionQuestion(rc, *req));
    return absl::OkStatus();
  });
}

Status FieldworkGrpcService::ListPetitionMessages(ServerContext* c,
                                                  const v1::ListPetitionMessagesRequest* req,
                                                  v1::ListPetitionMessagesResponse* resp) {
  return HandleRpc(c, "ListPetitionMessages", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.ListPetitionMessages(rc, *req));
    return absl::OkStatus();
  });
}

// Public (no account): marked `public: true` in the proto.
Status FieldworkGrpcService::ReplyToPetitionQuestion(ServerContext* c,
                                                     const v1::ReplyToPetitionQuestionRequest* req,
                                                     v1::PetitionMessage* resp) {
  return HandlePublicRpc(c, "ReplyToPetitionQuestion",
                         [&](const RequestContext& rc) -> absl::Status {
                           ASSIGN_OR_RETURN(*resp, app_.ReplyToPetitionQuestion(rc, *req));
                           return absl::OkStatus();
                         });
}

Status FieldworkGrpcService::AttachEvidence(ServerContext* c, const v1::AttachEvidenceRequest* req,
                                            v1::Evidence* resp) {
  return HandleRpc(c, "AttachEvidence", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.AttachEvidence(rc, *req));
    return absl::OkStatus();
  });
}

Status FieldworkGrpcService::UploadEvidenceStream(
    ServerContext* c, grpc::ServerReader<v1::UploadEvidenceChunk>* reader, v1::Evidence* resp) {
  return HandleRpc(c, "UploadEvidenceStream", auth_, [&](const RequestContext& rc) -> absl::Status {
    v1::UploadEvidenceChunk first;
    if (!reader->Read(&first)) return InvalidField("metadata", "the stream is empty");
    if (first.part_case() != v1::UploadEvidenceChunk::kMetadata) {
      return InvalidField("metadata", "must be the first message");
    }
    v1::UploadEvidenceChunk next;
    ASSIGN_OR_RETURN(*resp,
                     app_.UploadEvidenceStream(
                         rc, first.metadata(), [&](std::string* data) -> absl::StatusOr<bool> {
                           if (!reader->Read(&next)) return false;
                           if (next.part_case() != v1::UploadEvidenceChunk::kData) {
                             return InvalidField("data", "only the first message carries metadata");
                           }
                           data->swap(*next.mutable_data());
                           return true;
                         }));
    return absl::OkStatus();
  });
}

}  // namespace xuncha::fieldwork
