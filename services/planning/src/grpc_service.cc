#include "grpc_service.h"

#include "xuncha/status.h"

namespace xuncha::planning {

using grpc::ServerContext;
using grpc::Status;

Status PlanningGrpcService::CreatePlan(ServerContext* c, const v1::CreatePlanRequest* req,
                                       v1::Plan* resp) {
  return HandleRpc(c, "CreatePlan", auth_, [&](const RequestContext& rc) -> absl::Status {
    GrpcOrgDirectory dir(directory_, *c);
    ASSIGN_OR_RETURN(*resp, app_.CreatePlan(rc, dir, req->plan()));
    return absl::OkStatus();
  });
}

Status PlanningGrpcService::GetPlan(ServerContext* c, const v1::GetPlanRequest* req,
                                    v1::Plan* resp) {
  return HandleRpc(c, "GetPlan", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.GetPlan(rc, req->id()));
    return absl::OkStatus();
  });
}

Status PlanningGrpcService::ListPlans(ServerContext* c, const v1::ListPlansRequest* req,
                                      v1::ListPlansResponse* resp) {
  return HandleRpc(c, "ListPlans", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.ListPlans(rc, *req));
    return absl::OkStatus();
  });
}

Status PlanningGrpcService::ApprovePlan(ServerContext* c, const v1::ApprovePlanRequest* req,
                                        v1::Plan* resp) {
  return HandleRpc(c, "ApprovePlan", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.ApprovePlan(rc, req->id()));
    return absl::OkStatus();
  });
}

Status PlanningGrpcService::GetCoverage(ServerContext* c, const v1::GetCoverageRequest* req,
                                        v1::Coverage* resp) {
  return HandleRpc(c, "GetCoverage", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.GetCoverage(rc, req->id()));
    return absl::OkStatus();
  });
}

Status PlanningGrpcService::CreateRound(ServerContext* c, const v1::CreateRoundRequest* req,
                                        v1::Round* resp) {
  return HandleRpc(c, "CreateRound", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.CreateRound(rc, req->round()));
    return absl::OkStatus();
  });
}

Status PlanningGrpcService::GetRound(ServerContext* c, const v1::GetRoundRequest* req,
                                     v1::Round* resp) {
  return HandleRpc(c, "GetRound", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.GetRound(rc, req->id()));
    return absl::OkStatus();
  });
}

Status PlanningGrpcService::ListRounds(ServerContext* c, const v1::ListRoundsRequest* req,
                                       v1::ListRoundsResponse* resp) {
  return HandleRpc(c, "ListRounds", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.ListRounds(rc, *req));
    return absl::OkStatus();
  });
}

Status PlanningGrpcService::UpdateRound(ServerContext* c, const v1::UpdateRoundRequest* req,
                                        v1::Round* resp) {
  return HandleRpc(c, "UpdateRound", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.UpdateRound(rc, *req));
    return absl::OkStatus();
  });
}

Status PlanningGrpcService::ApproveRound(ServerContext* c, const v1::RoundTransitionRequest* req,
                                         v1::Round* resp) {
  return HandleRpc(c, "ApproveRound", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.TransitionRound(rc, req->id(), v1::Round::APPROVED));
    return absl::OkStatus();
  });
}

Status PlanningGrpcService::StartFieldwork(ServerContext* c, const v1::RoundTransitionRequest* req,
                                           v1::Round* resp) {
  return HandleRpc(c, "StartFieldwork", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.TransitionRound(rc, req->id(), v1::Round::IN_FIELD));
    return absl::OkStatus();
  });
}

Status PlanningGrpcService::StartReporting(ServerContext* c, const v1::RoundTransitionRequest* req,
                                           v1::Round* resp) {
  return HandleRpc(c, "StartReporting", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.TransitionRound(rc, req->id(), v1::Round::REPORTING));
    return absl::OkStatus();
  });
}

Status PlanningGrpcService::StartFeedback(ServerContext* c, const v1::RoundTransitionRequest* req,
                                          v1::Round* resp) {
  return HandleRpc(c, "StartFeedback", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.TransitionRound(rc, req->id(), v1::Round::FEEDBACK));
    return absl::OkStatus();
  });
}

Status PlanningGrpcService::StartRectification(ServerContext* c,
                                               const v1::RoundTransitionRequest* req,
                                               v1::Round* resp) {
  return HandleRpc(c, "StartRectification", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.TransitionRound(rc, req->id(), v1::Round::RECTIFICATION));
    return absl::OkStatus();
  });
}

Status PlanningGrpcService::CloseRound(ServerContext* c, const v1::RoundTransitionRequest* req,
                                       v1::Round* resp) {
  return HandleRpc(c, "CloseRound", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.TransitionRound(rc, req->id(), v1::Round::CLOSED));
    return absl::OkStatus();
  });
}

Status PlanningGrpcService::CreateGroup(ServerContext* c, const v1::CreateGroupRequest* req,
                                        v1::Group* resp) {
  return HandleRpc(c, "CreateGroup", auth_, [&](const RequestContext& rc) -> absl::Status {
    GrpcOrgDirectory dir(directory_, *c);
    ASSIGN_OR_RETURN(*resp, app_.CreateGroup(rc, dir, req->round_id(), req->group()));
    return absl::OkStatus();
  });
}

Status PlanningGrpcService::ListGroups(ServerContext* c, const v1::ListGroupsRequest* req,
                                       v1::ListGroupsResponse* resp) {
  return HandleRpc(c, "ListGroups", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.ListGroups(rc, req->round_id()));
    return absl::OkStatus();
  });
}

Status PlanningGrpcService::AddGroupTargets(ServerContext* c, const v1::AddGroupTargetsRequest* req,
                                            v1::Group* resp) {
  return HandleRpc(c, "AddGroupTargets", auth_, [&](const RequestContext& rc) -> absl::Status {
    GrpcOrgDirectory dir(directory_, *c);
    ASSIGN_OR_RETURN(*resp, app_.AddGroupTargets(rc, dir, *req));
    return absl::OkStatus();
  });
}

Status PlanningGrpcService::SetGroupMembers(ServerContext* c, const v1::SetGroupMembersRequest* req,
                                            v1::Group* resp) {
  return HandleRpc(c, "SetGroupMembers", auth_, [&](const RequestContext& rc) -> absl::Status {
    GrpcOrgDirectory dir(directory_, *c);
    ASSIGN_OR_RETURN(*resp, app_.SetGroupMembers(rc, dir, *req));
    return absl::OkStatus();
  });
}

Status PlanningGrpcService::EnrolTalent(ServerContext* c, const v1::EnrolTalentRequest* req,
                                        v1::TalentPoolEntry* resp) {
  return HandleRpc(c, "EnrolTalent", auth_, [&](const RequestContext& rc) -> absl::Status {
    GrpcOrgDirectory dir(directory_, *c);
    ASSIGN_OR_RETURN(*resp, app_.EnrolTalent(rc, dir, *req));
    return absl::OkStatus();
  });
}

Status PlanningGrpcService::ListTalentPool(ServerContext* c, const v1::ListTalentPoolRequest* req,
                                           v1::ListTalentPoolResponse* resp) {
  return HandleRpc(c, "ListTalentPool", auth_, [&](const RequestContext& rc) -> absl::Status {
    GrpcOrgDirectory dir(directory_, *c);
    ASSIGN_OR_RETURN(*resp, app_.ListTalentPool(rc, dir, *req));
    return absl::OkStatus();
  });
}

Status PlanningGrpcService::DrawMembers(ServerContext* c, const v1::DrawMembersRequest* req,
                                        v1::Draw* resp) {
  return HandleRpc(c, "DrawMembers", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.DrawMembers(rc, *req));
    return absl::OkStatus();
  });
}

Status PlanningGrpcService::ListDraws(ServerContext* c, const v1::ListDrawsRequest* req,
                                      v1::ListDrawsResponse* resp) {
  return HandleRpc(c, "ListDraws", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.ListDraws(rc, req->round_id()));
    return absl::OkStatus();
  });
}

Status PlanningGrpcService::ListEngagements(ServerContext* c, const v1::ListEngagementsRequest* req,
                                            v1::ListEngagementsResponse* resp) {
  return HandleRpc(c, "ListEngagements", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.ListEngagements(rc, *req));
    return absl::OkStatus();
  });
}

Status PlanningGrpcService::GetEngagement(ServerContext* c, const v1::GetEngagementRequest* req,
                                          EngagementSnapshot* resp) {
  return HandleRpc(c, "GetEngagement", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.GetEngagement(rc, req->id()));
    return absl::OkStatus();
  });
}

Status PlanningGrpcService::PublishAnnouncement(ServerContext* c,
                                                const v1::PublishAnnouncementRequest* req,
                                                v1::Announcement* resp) {
  return HandleRpc(c, "PublishAnnouncement", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp,
                     app_.PublishAnnouncement(rc, req->engagement_id(), req->announcement()));
    return absl::OkStatus();
  });
}

Status PlanningGrpcService::GetAnnouncement(ServerContext* c, const v1::GetAnnouncementRequest* req,
                                            v1::Announcement* resp) {
  return HandlePublicRpc(c, "GetAnnouncement", [&](const RequestContext&) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.GetAnnouncement(req->engagement_id()));
    return absl::OkStatus();
  });
}

}  // namespace xuncha::planning
