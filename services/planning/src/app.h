// Planning use cases: one method per RPC, each one transaction (change + audit row + outbox
// events), with the access rules from domain.h applied on data read in that same transaction.
// Directory lookups (org units, offices, people) happen before the transaction opens, so no
// database connection is held across a network call.
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "domain.h"
#include "org_directory.h"
#include "repository.h"
#include "xuncha/auth.h"
#include "xuncha/engagements.h"
#include "xuncha/outbox.h"
#include "xuncha/pg.h"
#include "xuncha/rpc.h"

namespace xuncha::planning {

struct PlanningSettings {
  int recusal_years = 5;  // no past post in the target within this many years
};

class PlanningApp {
 public:
  // `relay` may be null (events wait in the outbox).
  PlanningApp(PgPool& pool, OutboxRelay* relay, PlanningSettings settings);

  absl::StatusOr<v1::Plan> CreatePlan(const RequestContext& rc, OrgDirectory& directory,
                                      v1::Plan plan);
  absl::StatusOr<v1::Plan> GetPlan(const RequestContext& rc, const std::string& id);
  absl::StatusOr<v1::ListPlansResponse> ListPlans(const RequestContext& rc,
                                                  const v1::ListPlansRequest& request);
  absl::StatusOr<v1::Plan> ApprovePlan(const RequestContext& rc, const std::string& id);
  absl::StatusOr<v1::Coverage> GetCoverage(const RequestContext& rc, const std::string& id);

  absl::StatusOr<v1::Round> CreateRound(const RequestContext& rc, v1::Round round);
  absl::StatusOr<v1::Round> GetRound(const RequestContext& rc, const std::string& id);
  absl::StatusOr<v1::ListRoundsResponse> ListRounds(const RequestContext& rc,
                                                    const v1::ListRoundsRequest& request);
  absl::StatusOr<v1::Round> UpdateRound(const RequestContext& rc,
                                        const v1::UpdateRoundRequest& request);
  absl::StatusOr<v1::Round> TransitionRound(const RequestContext& rc, const std::string& id,
                                            v1::Round::State to);

  absl::StatusOr<v1::Group> CreateGroup(const RequestContext& rc, OrgDirectory& directory,
                                        const std::string& round_id, v1::Group group);
  absl::StatusOr<v1::ListGroupsResponse> ListGroups(const RequestContext& rc,
                                                    const std::string& round_id);
  absl::StatusOr<v1::Group> AddGroupTargets(const RequestContext& rc, OrgDirectory& directory,
                                            const v1::AddGroupTargetsRequest& request);
  absl::StatusOr<v1::Group> SetGroupMembers(const RequestContext& rc, OrgDirectory& directory,
                                            const v1::SetGroupMembersRequest& request);

  absl::StatusOr<v1::TalentPoolEntry> EnrolTalent(const RequestContext& rc, OrgDirectory& directory,
                                                  const v1::EnrolTalentRequest& request);
  absl::StatusOr<v1::ListTalentPoolResponse> ListTalentPool(
      const RequestContext& rc, OrgDirectory& directory, const v1::ListTalentPoolRequest& request);
  absl::StatusOr<v1::Draw> DrawMembers(const RequestContext& rc,
                                       const v1::DrawMembersRequest& request);
  absl::StatusOr<v1::ListDrawsResponse> ListDraws(const RequestContext& rc,
                                                  const std::string& round_id);

  absl::StatusOr<v1::ListEngagementsResponse> ListEngagements(
      const RequestContext& rc, const v1::ListEngagementsRequest& request);
  absl::StatusOr<EngagementSnapshot> GetEngagement(const RequestContext& rc, const std::string& id);
  absl::StatusOr<v1::Announcement> PublishAnnouncement(const RequestContext& rc,
                                                       const std::string& engagement_id,
                                                       const v1::Announcement& announcement);
  // Public route: no principal.
  absl::StatusOr<v1::Announcement> GetAnnouncement(const std::string& engagement_id);

  // EventHandler on directory's stream. `directory.org_unit.moved`: the stored paths of the unit
  // and of everything below it follow it, and each engagement whose target moved is published
  // again, so that every service's replica (and the liaison and statistics checks that read its
  // target path) sees where the unit now is. Other events are ignored.
  absl::Status HandleDirectoryEvent(pqxx::work& tx, const ConsumedEvent& event);

 private:
  // Runs `body` in one transaction honouring the caller's Idempotency-Key (a retry with the same
  // key and request gets the stored `response`), then nudges the outbox relay.
  absl::Status WriteOnce(const RequestContext& rc, absl::string_view method,
                         const google::protobuf::Message& request,
                         google::protobuf::Message& response,
                         const std::function<absl::Status(pqxx::work&)>& body);
  // Bumps the version of every engagement of the round (or one group) and appends a
  // planning.engagement.changed event with its fresh snapshot.
  absl::Status PublishEngagements(pqxx::work& tx, const std::string& round_id,
                                  const std::string& group_id = "");
  // Appends a planning.engagement.changed event with the current snapshot of each engagement
  // (their versions already bumped).
  absl::Status PublishSnapshots(pqxx::work& tx, const std::vector<std::string>& ids);
  // Resolves units through directory and checks they lie in the organiser's tree (and, for
  // CROSS groups, outside the group's own office).
  absl::StatusOr<std::vector<UnitInfo>> ResolveTargets(OrgDirectory& directory,
                                                       const std::vector<std::string>& unit_ids,
                                                       const std::string& field_prefix,
                                                       const v1::Round& round,
                                                       const StoredGroup& group);
  // Fills home_office_id and name of each member from directory.
  absl::StatusOr<std::vector<v1::GroupMember>> ResolveMembers(
      OrgDirectory& directory, const google::protobuf::RepeatedPtrField<v1::GroupMember>& members);
  // FAILED_PRECONDITION when a member is in another group whose dates overlap the round's.
  absl::Status CheckNoOverlap(pqxx::work& tx, const v1::Round& round,
                              const std::vector<v1::GroupMember>& members,
                              const std::string& except_group);
  // Reads a round in its own short transaction (before directory lookups).
  absl::StatusOr<v1::Round> PeekRound(const std::string& id, absl::string_view field);

  PgPool& pool_;
  OutboxRelay* relay_;
  PlanningSettings settings_;
};

}  // namespace xuncha::planning
