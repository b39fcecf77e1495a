#include "grpc_service.h"

#include "xuncha/status.h"

namespace xuncha::clues {

using grpc::ServerContext;
using grpc::Status;

Status CluesGrpcService::CreateClue(ServerContext* c, const v1::CreateClueRequest* req,
                                    v1::Clue* resp) {
  return HandleRpc(c, "CreateClue", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.CreateClue(rc, *req));
    return absl::OkStatus();
  });
}

Status CluesGrpcService::ListClues(ServerContext* c, const v1::ListCluesRequest* req,
                                   v1::ListCluesResponse* resp) {
  return HandleRpc(c, "ListClues", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.ListClues(rc, *req));
    return absl::OkStatus();
  });
}

Status CluesGrpcService::GetClue(ServerContext* c, const v1::GetClueRequest* req, v1::Clue* resp) {
  return HandleRpc(c, "GetClue", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.GetClue(rc, req->id()));
    return absl::OkStatus();
  });
}

Status CluesGrpcService::UpdateClue(ServerContext* c, const v1::UpdateClueRequest* req,
                                    v1::Clue* resp) {
  return HandleRpc(c, "UpdateClue", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.UpdateClue(rc, *req));
    return absl::OkStatus();
  });
}

Status CluesGrpcService::ApproveClue(ServerContext* c, const v1::ApproveClueRequest* req,
                                     v1::Clue* resp) {
  return HandleRpc(c, "ApproveClue", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.ApproveClue(rc, *req));
    return absl::OkStatus();
  });
}

Status CluesGrpcService::ReferClue(ServerContext* c, const v1::ReferClueRequest* req,
                                   v1::Clue* resp) {
  return HandleRpc(c, "ReferClue", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.ReferClue(rc, *req));
    return absl::OkStatus();
  });
}

Status CluesGrpcService::AcknowledgeClue(ServerContext* c, const v1::AcknowledgeClueRequest* req,
                                         v1::Clue* resp) {
  return HandleRpc(c, "AcknowledgeClue", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.AcknowledgeClue(rc, *req));
    return absl::OkStatus();
  });
}

Status CluesGrpcService::DisposeClue(ServerContext* c, const v1::DisposeClueRequest* req,
                                     v1::Clue* resp) {
  return HandleRpc(c, "DisposeClue", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.DisposeClue(rc, *req));
    return absl::OkStatus();
  });
}

Status CluesGrpcService::ListClueAccessLog(ServerContext* c,
                                           const v1::ListClueAccessLogRequest* req,
                                           v1::ListClueAccessLogResponse* resp) {
  return HandleRpc(c, "ListClueAccessLog", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.ListClueAccessLog(rc, *req));
    return absl::OkStatus();
  });
}

Status CluesGrpcService::ExportClueLedger(ServerContext* c, const v1::ExportClueLedgerRequest* req,
                                          common::v1::FileContent* resp) {
  return HandleRpc(c, "ExportClueLedger", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.ExportClueLedger(rc, *req));
    return absl::OkStatus();
  });
}

Status CluesGrpcService::GetClueBacklog(ServerContext* c, const v1::GetClueBacklogRequest* req,
                                        v1::ClueBacklog* resp) {
  return HandleRpc(c, "GetClueBacklog", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.GetClueBacklog(rc, *req));
    return absl::OkStatus();
  });
}

Status CluesGrpcService::GetReferralRules(ServerContext* c, const v1::GetReferralRulesRequest* req,
                                          v1::ReferralRules* resp) {
  return HandleRpc(c, "GetReferralRules", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.GetReferralRules(rc, *req));
    return absl::OkStatus();
  });
}

Status CluesGrpcService::SetReferralRules(ServerContext* c, const v1::ReferralRules* req,
                                          v1::ReferralRules* resp) {
  return HandleRpc(c, "SetReferralRules", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.SetReferralRules(rc, *req));
    return absl::OkStatus();
  });
}

}  // namespace xuncha::clues
