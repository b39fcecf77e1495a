// Thin gRPC adapter: unpacks requests, calls IssuesApp, packs responses. No rules here.
#pragma once

#include "app.h"
#include "xuncha/issues/v1/issues.grpc.pb.h"

namespace xuncha::issues {

class IssuesGrpcService final : public v1::IssuesService::Service {
 public:
  IssuesGrpcService(IssuesApp& app, const Authenticator& auth) : app_(app), auth_(auth) {}

  grpc::Status ListTaxonomy(grpc::ServerContext* c, const v1::ListTaxonomyRequest* req,
                            v1::ListTaxonomyResponse* resp) override;
  grpc::Status CreateTaxonomyEntry(grpc::ServerContext* c,
                                   const v1::CreateTaxonomyEntryRequest* req,
                                   v1::TaxonomyEntry* resp) override;
  grpc::Status CreateIssue(grpc::ServerContext* c, const v1::CreateIssueRequest* req,
                           v1::Issue* resp) override;
  grpc::Status GetIssue(grpc::ServerContext* c, const v1::GetIssueRequest* req,
                        v1::Issue* resp) override;
  grpc::Status ListIssues(grpc::ServerContext* c, const v1::ListIssuesRequest* req,
                          v1::ListIssuesResponse* resp) override;
  grpc::Status StartVerification(grpc::ServerContext* c, const v1::StartVerificationRequest* req,
                                 v1::Issue* resp) override;
  grpc::Status ConfirmIssue(grpc::ServerContext* c, const v1::ConfirmIssueRequest* req,
                            v1::Issue* resp) override;
  grpc::Status DismissIssue(grpc::ServerContext* c, const v1::DismissIssueRequest* req,
                            v1::Issue* resp) override;
  grpc::Status FeedBackIssue(grpc::ServerContext* c, const v1::FeedBackIssueRequest* req,
                             v1::Issue* resp) override;
  grpc::Status SuggestClue(grpc::ServerContext* c, const v1::SuggestClueRequest* req,
                           v1::Issue* resp) override;
  grpc::Status AskQuestion(grpc::ServerContext* c, const v1::AskQuestionRequest* req,
                           v1::Question* resp) override;
  grpc::Status ListQuestions(grpc::ServerContext* c, const v1::ListQuestionsRequest* req,
                             v1::ListQuestionsResponse* resp) override;
  grpc::Status AnswerQuestion(grpc::ServerContext* c, const v1::AnswerQuestionRequest* req,
                              v1::Question* resp) override;
  grpc::Status CreateReport(grpc::ServerContext* c, const v1::CreateReportRequest* req,
                            v1::Report* resp) override;
  grpc::Status GetReport(grpc::ServerContext* c, const v1::GetReportRequest* req,
                         v1::Report* resp) override;
  grpc::Status SubmitReport(grpc::ServerContext* c, const v1::SubmitReportRequest* req,
                            v1::Report* resp) override;
  grpc::Status ApproveReport(grpc::ServerContext* c, const v1::ApproveReportRequest* req,
                             v1::Report* resp) override;
  grpc::Status FeedBackReport(grpc::ServerContext* c, const v1::FeedBackReportRequest* req,
                              v1::Report* resp) override;
  grpc::Status ExportIssues(grpc::ServerContext* c, const v1::ExportIssuesRequest* req,
                            ::xuncha::common::v1::FileContent* resp) override;
  grpc::Status GetIssueStats(grpc::ServerContext* c, const v1::GetIssueStatsRequest* req,
                             v1::IssueStats* resp) override;

 private:
  IssuesApp& app_;
  const Authenticator& auth_;
};

}  // namespace xuncha::issues
