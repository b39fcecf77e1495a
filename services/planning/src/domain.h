// Planning rules with no gRPC or SQL in them: validation, the round state machine, who may see
// and change what, engagement access windows, the talent-pool draw with its recusal rules, and
// coverage arithmetic. The app layer and the tests call these.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "xuncha/auth.h"
#include "xuncha/planning/v1/planning.pb.h"
#include "xuncha/validation.h"

namespace xuncha::planning {

namespace v1 = ::xuncha::planning::v1;

// --- Validation (INVALID_ARGUMENT naming the field and the rule) ----------------------------

absl::Status ValidateNewPlan(const v1::Plan& plan);
// Kind-specific fields and the date order mobilisation ≤ station_start ≤ station_end ≤
// feedback_due. Used on create and again on the merged result of an update.
absl::Status ValidateRound(const v1::Round& round);
absl::Status ValidateNewGroup(const v1::Group& group);
// Roles set, no person twice, at most one LEADER.
absl::Status ValidateMembers(const google::protobuf::RepeatedPtrField<v1::GroupMember>& members);
absl::Status ValidateDrawRequest(const v1::DrawMembersRequest& request);
absl::Status ValidateAnnouncement(const v1::Announcement& announcement);

// --- Round state machine ---------------------------------------------------------------------

// The only successor of `state` (DRAFT → APPROVED → … → CLOSED); nullopt for CLOSED.
std::optional<v1::Round::State> NextRoundState(v1::Round::State state);
// OK when `to` directly follows `from`; FAILED_PRECONDITION naming both otherwise.
absl::Status CheckRoundTransition(v1::Round::State from, v1::Round::State to);
// The event type announcing that a round entered `state` ("planning.round.approved", …).
std::string RoundEventType(v1::Round::State state);
// Groups, targets and announcements are fixed once the group is in the field; membership may
// still change in the field (a member falls ill), never after.
bool TargetsEditable(v1::Round::State state);
bool MembersEditable(v1::Round::State state);

// --- Engagement access window ----------------------------------------------------------------

struct AccessWindow {
  std::string start;  // YYYY-MM-DD or ""
  std::string end;
};
// Members may act from mobilisation (or stationing when no mobilisation date is set). CROSS
// rounds end access when stationing ends: the other county's units are visited for those dates
// only. Other rounds keep the group on its engagements for reporting and feedback until the
// round is closed, then access ends on the closing date.
AccessWindow EngagementAccessWindow(const v1::Round& round);

// --- Access ------------------------------------------------------------------------------------

// Office roles read their office's planning and, read-only, the offices below; API clients need
// scope planning:read and read their own office only.
bool CanReadPlanning(const Principal& principal, absl::string_view office_id,
                     absl::string_view office_path);
// OFFICE_ADMIN/OFFICE_STAFF of the owning office (API clients need planning:write).
bool CanEditPlanning(const Principal& principal, absl::string_view office_id);
// LEADING_GROUP (领导小组) of the owning office approves plans and rounds.
bool CanApprove(const Principal& principal, absl::string_view office_id);
absl::Status Denied(absl::string_view action, absl::string_view resource);

// --- Talent-pool draw --------------------------------------------------------------------------

struct DatedUnit {
  std::string unit_id;
  std::string unit_path;  // "" when unknown: then only the exact unit id is compared
  std::optional<absl::CivilDay> start;
  std::optional<absl::CivilDay> end;  // nullopt while held
};

// Another group the person already belongs to, with its round's stationing dates.
struct Assignment {
  std::string group_id;
  std::string round_id;
  absl::CivilDay start;
  absl::CivilDay end;
};

struct Candidate {
  std::string person_id;
  std::string home_office_id;
  std::vector<std::string> expertise;
  bool external_expert = false;
  bool available = true;
  std::string employer_unit_id;
  std::string employer_unit_path;
  std::vector<DatedUnit> posts;
  std::vector<DatedUnit> relatives;  // only unit_id/unit_path used
  std::vector<Assignment> assignments;
};

struct DrawTarget {
  std::string unit_id;
  std::string unit_path;
  std::string unit_name;
};

struct DrawGroup {
  std::string group_id;
  std::string name;
  // When set, members are drawn only from people whose home office it is (CROSS/LINKED groups
  // are staffed by their own county).
  std::string source_office_id;
  std::vector<DrawTarget> targets;
  int size = 0;
  std::vector<std::pair<std::string, int>> needs;  // expertise tag → at least this many
};

struct DrawInput {
  uint64_t seed = 0;
  int recusal_years = 5;
  std::string round_id;
  absl::CivilDay round_start;  // stationing dates of the round being staffed
  absl::CivilDay round_end;
  std::vector<Candidate> candidates;
  std::vector<DrawGroup> groups;
};

struct DrawOutcome {
  std::vector<std::vector<std::string>> picks;  // per group, person ids in draw order
  std::vector<v1::Exclusion> excluded;
};

// The recusal rule (if any) that keeps `candidate` off a group inspecting `target`, with the
// detail for the draw log. Pure: the draw and the tests use the same function.
std::optional<v1::Exclusion> RecusalConflict(const Candidate& candidate, const DrawTarget& target,
                                             absl::CivilDay round_start, int recusal_years);
// Overlap with another assignment in time (or any other group of the same round).
std::optional<v1::Exclusion> OverlapConflict(const Candidate& candidate, absl::string_view round_id,
                                             absl::CivilDay round_start, absl::CivilDay round_end);

// Draws every group in order. Candidates are sorted by person id before the seeded shuffle, so
// the result depends only on the inputs and the seed. Expertise needs are met first, then free
// places go preferably to someone bringing an expertise the group does not have yet. A person is
// drawn at most once per draw. FAILED_PRECONDITION naming the group and the rule that left too
// few candidates when the group cannot be staffed.
absl::StatusOr<DrawOutcome> RunDraw(const DrawInput& input);

// --- Coverage ----------------------------------------------------------------------------------

struct CoverageInput {
  std::string unit_id;
  std::string name;
  std::string category;
  std::string path;
};

struct CoverageTally {
  int total = 0;
  int covered = 0;
  double rate = 0;
  std::map<std::string, v1::CategoryCoverage> by_category;
  std::vector<CoverageInput> covered_units;
  std::vector<CoverageInput> remaining_units;
};

double Rate(int covered, int total);
CoverageTally ComputeCoverage(const std::vector<CoverageInput>& units,
                              const std::set<std::string>& covered_unit_ids);

}  // namespace xuncha::planning
