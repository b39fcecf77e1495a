// Thin gRPC adapter: unpacks requests, calls PlanningApp, packs responses. No rules here.
#pragma once

#include "app.h"
#include "xuncha/directory/v1/directory.grpc.pb.h"
#include "xuncha/planning/v1/planning.grpc.pb.h"

namespace xuncha::planning {

class PlanningGrpcService final : public v1::PlanningService::Service {
 public:
  // `directory` is the stub used for org-tree and people lookups made on the caller's behalf.
  PlanningGrpcService(PlanningApp& app, const Authenticator& auth,
                      ::xuncha::directory::v1::DirectoryService::StubInterface& directory)
      : app_(app), auth_(auth), directory_(directory) {}

  grpc::Status CreatePlan(grpc::ServerContext* c, const v1::CreatePlanRequest* req,
                          v1::Plan* resp) override;
  grpc::Status GetPlan(grpc::ServerContext* c, const v1::GetPlanRequest* req,
                       v1::Plan* resp) override;
  grpc::Status ListPlans(grpc::ServerContext* c, const v1::ListPlansRequest* req,
                         v1::ListPlansResponse* resp) override;
  grpc::Status ApprovePlan(grpc::ServerContext* c, const v1::ApprovePlanRequest* req,
                           v1::Plan* resp) override;
  grpc::Status GetCoverage(grpc::ServerContext* c, const v1::GetCoverageRequest* req,
                           v1::Coverage* resp) override;
  grpc::Status CreateRound(grpc::ServerContext* c, const v1::CreateRoundRequest* req,
                           v1::Round* resp) override;
  grpc::Status GetRound(grpc::ServerContext* c, const v1::GetRoundRequest* req,
                        v1::Round* resp) override;
  grpc::Status ListRounds(grpc::ServerContext* c, const v1::ListRoundsRequest* req,
                          v1::ListRoundsResponse* resp) override;
  grpc::Status UpdateRound(grpc::ServerContext* c, const v1::UpdateRoundRequest* req,
                           v1::Round* resp) override;
  grpc::Status ApproveRound(grpc::ServerContext* c, const v1::RoundTransitionRequest* req,
                            v1::Round* resp) override;
  grpc::Status StartFieldwork(grpc::ServerContext* c, const v1::RoundTransitionRequest* req,
                              v1::Round* resp) override;
  grpc::Status StartReporting(grpc::ServerContext* c, const v1::RoundTransitionRequest* req,
                              v1::Round* resp) override;
  grpc::Status StartFeedback(grpc::ServerContext* c, const v1::RoundTransitionRequest* req,
                             v1::Round* resp) override;
  grpc::Status StartRectification(grpc::ServerContext* c, const v1::RoundTransitionRequest* req,
                                  v1::Round* resp) override;
  grpc::Status CloseRound(grpc::ServerContext* c, const v1::RoundTransitionRequest* req,
                          v1::Round* resp) override;
  grpc::Status CreateGroup(grpc::ServerContext* c, const v1::CreateGroupRequest* req,
                           v1::Group* resp) override;
  grpc::Status ListGroups(grpc::ServerContext* c, const v1::ListGroupsRequest* req,
                          v1::ListGroupsResponse* resp) override;
  grpc::Status AddGroupTargets(grpc::ServerContext* c, const v1::AddGroupTargetsRequest* req,
                               v1::Group* resp) override;
  grpc::Status SetGroupMembers(grpc::ServerContext* c, const v1::SetGroupMembersRequest* req,
                               v1::Group* resp) override;
  grpc::Status EnrolTalent(grpc::ServerContext* c, const v1::EnrolTalentRequest* req,
                           v1::TalentPoolEntry* resp) override;
  grpc::Status ListTalentPool(grpc::ServerContext* c, const v1::ListTalentPoolRequest* req,
                              v1::ListTalentPoolResponse* resp) override;
  grpc::Status DrawMembers(grpc::ServerContext* c, const v1::DrawMembersRequest* req,
                           v1::Draw* resp) override;
  grpc::Status ListDraws(grpc::ServerContext* c, const v1::ListDrawsRequest* req,
                         v1::ListDrawsResponse* resp) override;
  grpc::Status ListEngagements(grpc::ServerContext* c, const v1::ListEngagementsRequest* req,
                               v1::ListEngagementsResponse* resp) override;
  grpc::Status GetEngagement(grpc::ServerContext* c, const v1::GetEngagementRequest* req,
                             EngagementSnapshot* resp) override;
  grpc::Status PublishAnnouncement(grpc::ServerContext* c,
                                   const v1::PublishAnnouncementRequest* req,
                                   v1::Announcement* resp) override;
  grpc::Status GetAnnouncement(grpc::ServerContext* c, const v1::GetAnnouncementRequest* req,
                               v1::Announcement* resp) override;

 private:
  PlanningApp& app_;
  const Authenticator& auth_;
  ::xuncha::directory::v1::DirectoryService::StubInterface& directory_;
};

}  // namespace xuncha::planning
