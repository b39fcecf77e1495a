#include "grpc_service.h"

#include "xuncha/status.h"

namespace xuncha::issues {

using grpc::ServerContext;
using grpc::Status;

Status IssuesGrpcService::ListTaxonomy(ServerContext* c, const v1::ListTaxonomyRequest*,
                                       v1::ListTaxonomyResponse* resp) {
  return HandleRpc(c, "ListTaxonomy", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.ListTaxonomy(rc));
    return absl::OkStatus();
  });
}

Status IssuesGrpcService::CreateTaxonomyEntry(ServerContext* c,
                                              const v1::CreateTaxonomyEntryRequest* req,
                                              v1::TaxonomyEntry* resp) {
  return HandleRpc(c, "CreateTaxonomyEntry", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.CreateTaxonomyEntry(rc, req->entry()));
    return absl::OkStatus();
  });
}

Status IssuesGrpcService::CreateIssue(ServerContext* c, const v1::CreateIssueRequest* req,
                                      v1::Issue* resp) {
  return HandleRpc(c, "CreateIssue", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.CreateIssue(rc, req->issue()));
    return absl::OkStatus();
  });
}

Status IssuesGrpcService::GetIssue(ServerContext* c, const v1::GetIssueRequest* req,
                                   v1::Issue* resp) {
  return HandleRpc(c, "GetIssue", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.GetIssue(rc, req->id()));
    return absl::OkStatus();
  });
}

Status IssuesGrpcService::ListIssues(ServerContext* c, const v1::ListIssuesRequest* req,
                                     v1::ListIssuesResponse* resp) {
  return HandleRpc(c, "ListIssues", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.ListIssues(rc, *req));
    return absl::OkStatus();
  });
}

Status IssuesGrpcService::StartVerification(ServerContext* c,
                                            const v1::StartVerificationRequest* req,
                                            v1::Issue* resp) {
  return HandleRpc(c, "StartVerification", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.StartVerification(rc, req->id()));
    return absl::OkStatus();
  });
}

Status IssuesGrpcService::ConfirmIssue(ServerContext* c, const v1::ConfirmIssueRequest* req,
                                       v1::Issue* resp) {
  return HandleRpc(c, "ConfirmIssue", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.ConfirmIssue(rc, *req));
    return absl::OkStatus();
  });
}

Status IssuesGrpcService::DismissIssue(ServerContext* c, const v1::DismissIssueRequest* req,
                                       v1::Issue* resp) {
  return HandleRpc(c, "DismissIssue", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.DismissIssue(rc, *req));
    return absl::OkStatus();
  });
}

Status IssuesGrpcService::FeedBackIssue(ServerContext* c, const v1::FeedBackIssueRequest* req,
                                        v1::Issue* resp) {
  return HandleRpc(c, "FeedBackIssue", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.FeedBackIssue(rc, *req));
    return absl::OkStatus();
  });
}

Status IssuesGrpcService::SuggestClue(ServerContext* c, const v1::SuggestClueRequest* req,
                                      v1::Issue* resp) {
  return HandleRpc(c, "SuggestClue", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.SuggestClue(rc, *req));
    return absl::OkStatus();
  });
}

Status IssuesGrpcService::AskQuestion(ServerContext* c, const v1::AskQuestionRequest* req,
                                      v1::Question* resp) {
  return HandleRpc(c, "AskQuestion", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.AskQuestion(rc, *req));
    return absl::OkStatus();
  });
}

Status IssuesGrpcService::ListQuestions(ServerContext* c, const v1::ListQuestionsRequest* req,
                                        v1::ListQuestionsResponse* resp) {
  return HandleRpc(c, "ListQuestions", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.ListQuestions(rc, req->issue_id()));
    return absl::OkStatus();
  });
}

Status IssuesGrpcService::AnswerQuestion(ServerContext* c, const v1::AnswerQuestionRequest* req,
                                         v1::Question* resp) {
  return HandleRpc(c, "AnswerQuestion", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.AnswerQuestion(rc, *req));
    return absl::OkStatus();
  });
}

Status IssuesGrpcService::CreateReport(ServerContext* c, const v1::CreateReportRequest* req,
                                       v1::Report* resp) {
  return HandleRpc(c, "CreateReport", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.CreateReport(rc, *req));
    return absl::OkStatus();
  });
}

Status IssuesGrpcService::GetReport(ServerContext* c, const v1::GetReportRequest* req,
                                    v1::Report* resp) {
  return HandleRpc(c, "GetReport", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.GetReport(rc, req->id()));
    return absl::OkStatus();
  });
}

Status IssuesGrpcService::SubmitReport(ServerContext* c, const v1::SubmitReportRequest* req,
                                       v1::Report* resp) {
  return HandleRpc(c, "SubmitReport", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.SubmitReport(rc, req->id()));
    return absl::OkStatus();
  });
}

Status IssuesGrpcService::ApproveReport(ServerContext* c, const v1::ApproveReportRequest* req,
                                        v1::Report* resp) {
  return HandleRpc(c, "ApproveReport", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.ApproveReport(rc, req->id()));
    return absl::OkStatus();
  });
}

Status IssuesGrpcService::FeedBackReport(ServerContext* c, const v1::FeedBackReportRequest* req,
                                         v1::Report* resp) {
  return HandleRpc(c, "FeedBackReport", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.FeedBackReport(rc, *req));
    return absl::OkStatus();
  });
}

Status IssuesGrpcService::ExportIssues(ServerContext* c, const v1::ExportIssuesRequest* req,
                                       ::xuncha::common::v1::FileContent* resp) {
  return HandleRpc(c, "ExportIssues", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.ExportIssues(rc, *req));
    return absl::OkStatus();
  });
}

Status IssuesGrpcService::GetIssueStats(ServerContext* c, const v1::GetIssueStatsRequest* req,
                                        v1::IssueStats* resp) {
  return HandleRpc(c, "GetIssueStats", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.GetIssueStats(rc, *req));
    return absl::OkStatus();
  });
}

}  // namespace xuncha::issues
