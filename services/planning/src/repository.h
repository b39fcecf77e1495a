// Planning's SQL, one named function per query, all inside the caller's transaction.
#pragma once

#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "domain.h"
#include "xuncha/engagements.h"
#include "xuncha/paging.h"

namespace xuncha::planning {

// What planning keeps of a directory org unit.
struct UnitInfo {
  std::string id;
  std::string path;
  std::string name;
  std::string category;
};

struct StoredGroup {
  std::string id;
  std::string round_id;
  std::string name;
  std::string source_office_id;
  std::string source_office_path;
};

class Repository {
 public:
  // --- plans
  static v1::Plan InsertPlan(pqxx::work& tx, const v1::Plan& plan,
                             const std::vector<UnitInfo>& units);
  static absl::StatusOr<v1::Plan> GetPlan(pqxx::transaction_base& tx, const std::string& id,
                                          absl::string_view field = "id", bool for_update = false);
  // Plans of one office, keyset-paged by id.
  static std::vector<v1::Plan> ListPlans(pqxx::transaction_base& tx, const std::string& office_id,
                                         const Page& page);
  static void ApprovePlan(pqxx::work& tx, const std::string& id);
  // The units of one plan, in path order.
  static std::vector<CoverageInput> PlanUnits(pqxx::transaction_base& tx,
                                              const std::string& plan_id);
  // Units of the plan that were targets of a REGULAR or ELEVATED round (of any office, so a
  // city's elevated inspection counts for the county) that reached the field within its term.
  static std::set<std::string> CoveredUnits(pqxx::transaction_base& tx, const std::string& plan_id);
  // Per plan in `plan_ids`: how many units it has and how many of them are covered (as
  // CoveredUnits), counted in one query. A city's coverage needs only these for its counties'
  // plans; reading their units and covered sets, a query or two per plan, was most of its time
  // at full scale.
  struct UnitCounts {
    int total = 0;
    int covered = 0;
  };
  static std::map<std::string, UnitCounts> PlanUnitCounts(pqxx::transaction_base& tx,
                                                          const std::vector<std::string>& plan_ids);
  // Approved term plans of the offices strictly below `office_path` overlapping the years.
  static std::vector<v1::Plan> TermPlansBelow(pqxx::transaction_base& tx,
                                              const std::string& office_path, int start_year,
                                              int end_year);

  // --- rounds
  static v1::Round InsertRound(pqxx::work& tx, const v1::Round& round);
  static absl::StatusOr<v1::Round> GetRound(pqxx::transaction_base& tx, const std::string& id,
                                            absl::string_view field = "id",
                                            bool for_update = false);
  static std::vector<v1::Round> ListRounds(pqxx::transaction_base& tx, const std::string& office_id,
                                           const std::string& plan_id, const Page& page);
  static void UpdateRound(pqxx::work& tx, const v1::Round& round);
  static void SetRoundState(pqxx::work& tx, const std::string& id, v1::Round::State state,
                            const std::string& closed_on);

  // --- groups, targets, members
  static absl::StatusOr<StoredGroup> GetGroup(pqxx::transaction_base& tx, const std::string& id,
                                              absl::string_view field = "group_id");
  static std::string InsertGroup(pqxx::work& tx, const std::string& round_id,
                                 const std::string& name, const std::string& source_office_id,
                                 const std::string& source_office_path);
  static v1::Group LoadGroup(pqxx::transaction_base& tx, const std::string& group_id);
  static std::vector<v1::Group> ListGroups(pqxx::transaction_base& tx, const std::string& round_id);
  // The group already targeting `unit_id` in the round, if any.
  static std::optional<std::string> TargetingGroup(pqxx::transaction_base& tx,
                                                   const std::string& round_id,
                                                   const std::string& unit_id);
  static std::vector<UnitInfo> RoundTargets(pqxx::transaction_base& tx,
                                            const std::string& round_id);
  static void InsertTarget(pqxx::work& tx, const std::string& group_id, const std::string& round_id,
                           const UnitInfo& unit);
  static void ReplaceMembers(pqxx::work& tx, const std::string& group_id,
                             const std::string& round_id, const std::vector<v1::GroupMember>& m);
  // Serialises every change that assigns people to groups (draws, member lists, round dates)
  // until the transaction ends, so two of them cannot both take one person for overlapping
  // dates after each checked that the person was free.
  static void LockAssignments(pqxx::work& tx);
  // Memberships of these people in rounds that are not closed, except in `except_group`.
  static std::map<std::string, std::vector<Assignment>> Assignments(
      pqxx::work& tx, const std::vector<std::string>& person_ids,
      const std::string& except_group = "");

  // --- engagements
  // Gives every engagement of the round (or only of `group_id`) a new version; returns the ids.
  static std::vector<std::string> BumpVersions(pqxx::work& tx, const std::string& round_id,
                                               const std::string& group_id = "");
  static std::vector<EngagementSnapshot> Snapshots(pqxx::transaction_base& tx,
                                                   const std::vector<std::string>& ids);
  // An org unit moved in directory and now sits at `new_path`: every stored path that runs
  // through it (the unit itself and anything below it, in plan_units and group_targets) is
  // re-rooted there. Targets whose path changed get a new version; returns their ids.
  static std::vector<std::string> RerootUnitPaths(pqxx::work& tx, const std::string& new_path);
  static absl::StatusOr<EngagementSnapshot> GetEngagement(pqxx::transaction_base& tx,
                                                          const std::string& id,
                                                          absl::string_view field = "id");
  // A superset of what the caller may see (round filter, offices under `office_path`, or
  // membership of `person_id`); the caller filters with the access rule.
  static std::vector<EngagementSnapshot> ListEngagements(pqxx::transaction_base& tx,
                                                         const std::string& round_id,
                                                         const std::string& office_path,
                                                         const std::string& person_id, bool all,
                                                         const Page& page);

  // --- talent pool and draws
  static void UpsertTalent(pqxx::work& tx, const v1::TalentPoolEntry& entry);
  static std::vector<v1::TalentPoolEntry> ListTalent(pqxx::transaction_base& tx,
                                                     const std::string& office_id,
                                                     const std::string& expertise,
                                                     const Page& page);
  static std::vector<v1::TalentPoolEntry> WholePool(pqxx::transaction_base& tx,
                                                    const std::string& office_id);
  static std::string NewId(pqxx::work& tx);
  static void InsertDraw(pqxx::work& tx, const v1::Draw& draw);
  static std::vector<v1::Draw> ListDraws(pqxx::transaction_base& tx, const std::string& round_id);

  // --- announcements
  static void UpsertAnnouncement(pqxx::work& tx, const std::string& engagement_id,
                                 const v1::Announcement& a);
  static std::optional<v1::Announcement> GetAnnouncement(pqxx::transaction_base& tx,
                                                         const std::string& engagement_id);
};

}  // namespace xuncha::planning
