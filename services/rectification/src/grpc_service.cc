#include "grpc_service.h"

#include "absl/strings/str_cat.h"
#include "xuncha/status.h"

namespace xuncha::rectification {

using grpc::ServerContext;
using grpc::Status;

Status RectificationGrpcService::ListRectificationCases(
    ServerContext* c, const v1::ListRectificationCasesRequest* req,
    v1::ListRectificationCasesResponse* resp) {
  return HandleRpc(c, "ListRectificationCases", auth_,
                   [&](const RequestContext& rc) -> absl::Status {
                     ASSIGN_OR_RETURN(*resp, app_.ListCases(rc, *req));
                     return absl::OkStatus();
                   });
}

Status RectificationGrpcService::GetRectificationCase(ServerContext* c,
                                                      const v1::GetRectificationCaseRequest* req,
                                                      v1::RectificationCase* resp) {
  return HandleRpc(c, "GetRectificationCase", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.GetCase(rc, req->id()));
    return absl::OkStatus();
  });
}

Status RectificationGrpcService::AddSupervisionVisit(ServerContext* c,
                                                     const v1::AddSupervisionVisitRequest* req,
                                                     v1::SupervisionVisit* resp) {
  return HandleRpc(c, "AddSupervisionVisit", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.AddSupervisionVisit(rc, *req));
    return absl::OkStatus();
  });
}

Status RectificationGrpcService::AddCaseReport(ServerContext* c,
                                               const v1::AddCaseReportRequest* req,
                                               v1::CaseReport* resp) {
  return HandleRpc(c, "AddCaseReport", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.AddCaseReport(rc, *req));
    return absl::OkStatus();
  });
}

Status RectificationGrpcService::AddDisclosure(ServerContext* c,
                                               const v1::AddDisclosureRequest* req,
                                               v1::Disclosure* resp) {
  return HandleRpc(c, "AddDisclosure", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.AddDisclosure(rc, *req));
    return absl::OkStatus();
  });
}

Status RectificationGrpcService::AddRuleMade(ServerContext* c, const v1::AddRuleMadeRequest* req,
                                             v1::RuleMade* resp) {
  return HandleRpc(c, "AddRuleMade", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.AddRuleMade(rc, *req));
    return absl::OkStatus();
  });
}

Status RectificationGrpcService::DrawRecheck(ServerContext* c, const v1::DrawRecheckRequest* req,
                                             v1::Recheck* resp) {
  return HandleRpc(c, "DrawRecheck", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.DrawRecheck(rc, *req));
    return absl::OkStatus();
  });
}

Status RectificationGrpcService::RecordRecheckResult(ServerContext* c,
                                                     const v1::RecordRecheckResultRequest* req,
                                                     v1::Recheck* resp) {
  return HandleRpc(c, "RecordRecheckResult", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.RecordRecheckResult(rc, *req));
    return absl::OkStatus();
  });
}

Status RectificationGrpcService::AcceptRectificationCase(
    ServerContext* c, const v1::AcceptRectificationCaseRequest* req, v1::RectificationCase* resp) {
  return HandleRpc(c, "AcceptRectificationCase", auth_,
                   [&](const RequestContext& rc) -> absl::Status {
                     ASSIGN_OR_RETURN(*resp, app_.AcceptCase(rc, *req));
                     return absl::OkStatus();
                   });
}

Status RectificationGrpcService::GetRectificationItem(ServerContext* c,
                                                      const v1::GetRectificationItemRequest* req,
                                                      v1::RectificationItem* resp) {
  return HandleRpc(c, "GetRectificationItem", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.GetItem(rc, req->id()));
    return absl::OkStatus();
  });
}

Status RectificationGrpcService::UpdateRectificationPlan(
    ServerContext* c, const v1::UpdateRectificationPlanRequest* req, v1::RectificationItem* resp) {
  return HandleRpc(c, "UpdateRectificationPlan", auth_,
                   [&](const RequestContext& rc) -> absl::Status {
                     ASSIGN_OR_RETURN(*resp, app_.UpdatePlan(rc, *req));
                     return absl::OkStatus();
                   });
}

Status RectificationGrpcService::StartRectificationItem(
    ServerContext* c, const v1::StartRectificationItemRequest* req, v1::RectificationItem* resp) {
  return HandleRpc(c, "StartRectificationItem", auth_,
                   [&](const RequestContext& rc) -> absl::Status {
                     ASSIGN_OR_RETURN(*resp, app_.StartItem(rc, *req));
                     return absl::OkStatus();
                   });
}

Status RectificationGrpcService::ReturnRectificationPlan(
    ServerContext* c, const v1::ReturnRectificationPlanRequest* req, v1::RectificationItem* resp) {
  return HandleRpc(c, "ReturnRectificationPlan", auth_,
                   [&](const RequestContext& rc) -> absl::Status {
                     ASSIGN_OR_RETURN(*resp, app_.ReturnPlan(rc, *req));
                     return absl::OkStatus();
                   });
}

Status RectificationGrpcService::CompleteRectificationItem(
    ServerContext* c, const v1::CompleteRectificationItemRequest* req,
    v1::RectificationItem* resp) {
  return HandleRpc(c, "CompleteRectificationItem", auth_,
                   [&](const RequestContext& rc) -> absl::Status {
                     ASSIGN_OR_RETURN(*resp, app_.CompleteItem(rc, *req));
                     return absl::OkStatus();
                   });
}

Status RectificationGrpcService::AcceptRectificationItem(
    ServerContext* c, const v1::AcceptRectificationItemRequest* req, v1::RectificationItem* resp) {
  return HandleRpc(c, "AcceptRectificationItem", auth_,
                   [&](const RequestContext& rc) -> absl::Status {
                     ASSIGN_OR_RETURN(*resp, app_.AcceptItem(rc, *req));
                     return absl::OkStatus();
                   });
}

Status RectificationGrpcService::RejectRectificationItem(
    ServerContext* c, const v1::RejectRectificationItemRequest* req, v1::RectificationItem* resp) {
  return HandleRpc(c, "RejectRectificationItem", auth_,
                   [&](const RequestContext& rc) -> absl::Status {
                     ASSIGN_OR_RETURN(*resp, app_.RejectItem(rc, *req));
                     return absl::OkStatus();
                   });
}

Status RectificationGrpcService::ReopenRectificationItem(
    ServerContext* c, const v1::ReopenRectificationItemRequest* req, v1::RectificationItem* resp) {
  return HandleRpc(c, "ReopenRectificationItem", auth_,
                   [&](const RequestContext& rc) -> absl::Status {
                     ASSIGN_OR_RETURN(*resp, app_.ReopenItem(rc, *req));
                     return absl::OkStatus();
                   });
}

Status RectificationGrpcService::ExportRectificationItems(
    ServerContext* c, const v1::ExportRectificationItemsRequest* req,
    ::xuncha::common::v1::FileContent* resp) {
  return HandleRpc(c, "ExportRectificationItems", auth_,
                   [&](const RequestContext& rc) -> absl::Status {
                     ASSIGN_OR_RETURN(*resp, app_.Export(rc, *req));
                     return absl::OkStatus();
                   });
}

Status RectificationGrpcService::GetRectificationStats(ServerContext* c,
                                                       const v1::GetRectificationStatsRequest* req,
                                                       v1::RectificationStats* resp) {
  return HandleRpc(c, "GetRectificationStats", auth_,
                   [&](const RequestContext& rc) -> absl::Status {
                     ASSIGN_OR_RETURN(*resp, app_.Stats(rc, *req));
                     return absl::OkStatus();
                   });
}

Status RectificationGrpcService::GetRectificationSettings(
    ServerContext* c, const v1::GetRectificationSettingsRequest*, v1::RectificationSettings* resp) {
  return HandleRpc(c, "GetRectificationSettings", auth_,
                   [&](const RequestContext& rc) -> absl::Status {
                     ASSIGN_OR_RETURN(*resp, app_.GetSettings(rc));
                     return absl::OkStatus();
                   });
}

Status RectificationGrpcService::UpdateRectificationSettings(ServerContext* c,
                                                             const v1::RectificationSettings* req,
                                                             v1::RectificationSettings* resp) {
  return HandleRpc(c, "UpdateRectificationSettings", auth_,
                   [&](const RequestContext& rc) -> absl::Status {
                     ASSIGN_OR_RETURN(*resp, app_.UpdateSettings(rc, *req));
                     return absl::OkStatus();
                   });
}

}  // namespace xuncha::rectification
