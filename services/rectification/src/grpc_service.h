// Thin gRPC adapter: unpacks requests, calls RectificationApp, packs responses. No rules here.
#pragma once

#include "app.h"
#include "xuncha/auth.h"
#include "xuncha/rectification/v1/rectification.grpc.pb.h"

namespace xuncha::rectification {

class RectificationGrpcService final : public v1::RectificationService::Service {
 public:
  RectificationGrpcService(RectificationApp& app, const Authenticator& auth)
      : app_(app), auth_(auth) {}

  grpc::Status ListRectificationCases(grpc::ServerContext* c,
                                      const v1::ListRectificationCasesRequest* req,
                                      v1::ListRectificationCasesResponse* resp) override;
  grpc::Status GetRectificationCase(grpc::ServerContext* c,
                                    const v1::GetRectificationCaseRequest* req,
                                    v1::RectificationCase* resp) override;
  grpc::Status AddSupervisionVisit(grpc::ServerContext* c,
                                   const v1::AddSupervisionVisitRequest* req,
                                   v1::SupervisionVisit* resp) override;
  grpc::Status AddCaseReport(grpc::ServerContext* c, const v1::AddCaseReportRequest* req,
                             v1::CaseReport* resp) override;
  grpc::Status AddDisclosure(grpc::ServerContext* c, const v1::AddDisclosureRequest* req,
                             v1::Disclosure* resp) override;
  grpc::Status AddRuleMade(grpc::ServerContext* c, const v1::AddRuleMadeRequest* req,
                           v1::RuleMade* resp) override;
  grpc::Status DrawRecheck(grpc::ServerContext* c, const v1::DrawRecheckRequest* req,
                           v1::Recheck* resp) override;
  grpc::Status RecordRecheckResult(grpc::ServerContext* c,
                                   const v1::RecordRecheckResultRequest* req,
                                   v1::Recheck* resp) override;
  grpc::Status AcceptRectificationCase(grpc::ServerContext* c,
                                       const v1::AcceptRectificationCaseRequest* req,
                                       v1::RectificationCase* resp) override;
  grpc::Status GetRectificationItem(grpc::ServerContext* c,
                                    const v1::GetRectificationItemRequest* req,
                                    v1::RectificationItem* resp) override;
  grpc::Status UpdateRectificationPlan(grpc::ServerContext* c,
                                       const v1::UpdateRectificationPlanRequest* req,
                                       v1::RectificationItem* resp) override;
  grpc::Status StartRectificationItem(grpc::ServerContext* c,
                                      const v1::StartRectificationItemRequest* req,
                                      v1::RectificationItem* resp) override;
  grpc::Status ReturnRectificationPlan(grpc::ServerContext* c,
                                       const v1::ReturnRectificationPlanRequest* req,
                                       v1::RectificationItem* resp) override;
  grpc::Status CompleteRectificationItem(grpc::ServerContext* c,
                                         const v1::CompleteRectificationItemRequest* req,
                                         v1::RectificationItem* resp) override;
  grpc::Status AcceptRectificationItem(grpc::ServerContext* c,
                                       const v1::AcceptRectificationItemRequest* req,
                                       v1::RectificationItem* resp) override;
  grpc::Status RejectRectificationItem(grpc::ServerContext* c,
                                       const v1::RejectRectificationItemRequest* req,
                                       v1::RectificationItem* resp) override;
  grpc::Status ReopenRectificationItem(grpc::ServerContext* c,
                                       const v1::ReopenRectificationItemRequest* req,
                                       v1::RectificationItem* resp) override;
  grpc::Status ExportRectificationItems(grpc::ServerContext* c,
                                        const v1::ExportRectificationItemsRequest* req,
                                        ::xuncha::common::v1::FileContent* resp) override;
  grpc::Status GetRectificationStats(grpc::ServerContext* c,
                                     const v1::GetRectificationStatsRequest* req,
                                     v1::RectificationStats* resp) override;
  grpc::Status GetRectificationSettings(grpc::ServerContext* c,
                                        const v1::GetRectificationSettingsRequest* req,
                                        v1::RectificationSettings* resp) override;
  grpc::Status UpdateRectificationSettings(grpc::ServerContext* c,
                                           const v1::RectificationSettings* req,
                                           v1::RectificationSettings* resp) override;

 private:
  RectificationApp& app_;
  const Authenticator& auth_;
};

}  // namespace xuncha::rectification
