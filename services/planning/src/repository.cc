#include "repository.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "xuncha/pg.h"

namespace xuncha::planning {
namespace {

using Member = EngagementSnapshot::Member;

std::string Day(absl::string_view column) {
  return absl::StrCat("coalesce(to_char(", column, ", 'YYYY-MM-DD'), '')");
}

std::optional<std::string> NullIfEmpty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

std::string ToJson(const google::protobuf::Message& m) {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(m, &out);
  return out;
}

template <typename T>
T FromJson(const std::string& json) {
  T out;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  (void)google::protobuf::util::JsonStringToMessage(json, &out, options);
  return out;
}

const std::string kPlanColumns =
    "SELECT p.id::text, p.office_id, p.office_path::text, p.kind, p.title, p.start_year, "
    "p.end_year, coalesce(p.term_plan_id::text, ''), p.state, " +
    std::string("coalesce(") + SqlMicros("p.created_at") + ", 0)" + ", " + "coalesce(" +
    SqlMicros("p.approved_at") + ", 0)" +
    ", coalesce((SELECT array_agg(unit_id ORDER BY unit_id) FROM plan_units pu "
    "WHERE pu.plan_id = p.id)::text, '{}') FROM plans p ";

v1::Plan PlanFromRow(const pqxx::row& r) {
  v1::Plan p;
  p.set_id(r[0].as<std::string>());
  p.set_office_id(r[1].as<std::string>());
  p.set_office_path(r[2].as<std::string>());
  v1::Plan::Kind kind = v1::Plan::KIND_UNSPECIFIED;
  v1::Plan::Kind_Parse(r[3].as<std::string>(), &kind);
  p.set_kind(kind);
  p.set_title(r[4].as<std::string>());
  p.set_start_year(r[5].as<int>());
  p.set_end_year(r[6].as<int>());
  p.set_term_plan_id(r[7].as<std::string>());
  v1::Plan::State state = v1::Plan::STATE_UNSPECIFIED;
  v1::Plan::State_Parse(r[8].as<std::string>(), &state);
  p.set_state(state);
  SetTimestampMicros(p.mutable_create_time(), r[9].as<int64_t>());
  if (int64_t approved = r[10].as<int64_t>(); approved != 0) {
    SetTimestampMicros(p.mutable_approve_time(), approved);
  }
  for (auto& id : ParsePgTextArray(r[11].as<std::string>())) p.add_unit_ids(id);
  return p;
}

const std::string kRoundColumns =
    "SELECT r.id::text, r.plan_id::text, r.office_id, r.office_path::text, r.kind, r.title, "
    "r.topic, coalesce(r.follow_up_of::text, ''), " +
    Day("r.mobilisation_date") + ", " + Day("r.station_start") + ", " + Day("r.station_end") +
    ", " + Day("r.feedback_due") + ", r.state, " + Day("r.closed_on") + ", " + "coalesce(" +
    SqlMicros("r.created_at") + ", 0)" + " FROM rounds r ";

v1::Round RoundFromRow(const pqxx::row& r, int base = 0) {
  v1::Round round;
  round.set_id(r[base + 0].as<std::string>());
  round.set_plan_id(r[base + 1].as<std::string>());
  round.set_office_id(r[base + 2].as<std::string>());
  round.set_office_path(r[base + 3].as<std::string>());
  v1::Round::Kind kind = v1::Round::KIND_UNSPECIFIED;
  v1::Round::Kind_Parse(r[base + 4].as<std::string>(), &kind);
  round.set_kind(kind);
  round.set_title(r[base + 5].as<std::string>());
  round.set_topic(r[base + 6].as<std::string>());
  round.set_follow_up_of(r[base + 7].as<std::string>());
  round.set_mobilisation_date(r[base + 8].as<std::string>());
  round.set_station_start(r[base + 9].as<std::string>());
  round.set_station_end(r[base + 10].as<std::string>());
  round.set_feedback_due(r[base + 11].as<std::string>());
  v1::Round::State state = v1::Round::STATE_UNSPECIFIED;
  v1::Round::State_Parse(r[base + 12].as<std::string>(), &state);
  round.set_state(state);
  round.set_closed_on(r[base + 13].as<std::string>());
  SetTimestampMicros(round.mutable_create_time(), r[base + 14].as<int64_t>());
  return round;
}

// Engagement rows: target columns, then the round's columns (kRoundColumns order from index 8).
const std::string kEngagementColumns =
    "SELECT t.id::text, t.group_id::text, t.unit_id, t.unit_path::text, t.unit_name, t.version, "
    "r.office_id, r.office_path::text, r.id::text, r.plan_id::text, r.office_id, "
    "r.office_path::text, r.kind, r.title, r.topic, coalesce(r.follow_up_of::text, ''), " +
    Day("r.mobilisation_date") + ", " + Day("r.station_start") + ", " + Day("r.station_end") +
    ", " + Day("r.feedback_due") + ", r.state, " + Day("r.closed_on") + ", " + "coalesce(" +
    SqlMicros("r.created_at") + ", 0)" +
    " FROM group_targets t JOIN rounds r ON r.id = t.round_id ";

// Builds snapshots from engagement rows and fills members with one more query.
std::vector<EngagementSnapshot> SnapshotsFromRows(pqxx::transaction_base& tx,
                                                  const pqxx::result& rows) {
  std::vector<EngagementSnapshot> out;
  std::vector<std::string> group_ids;
  for (const auto& r : rows) {
    EngagementSnapshot s;
    s.set_id(r[0].as<std::string>());
    s.set_group_id(r[1].as<std::string>());
    s.set_target_unit_id(r[2].as<std::string>());
    s.set_target_unit_path(r[3].as<std::string>());
    s.set_target_unit_name(r[4].as<std::string>());
    s.set_version(r[5].as<int64_t>());
    s.set_office_id(r[6].as<std::string>());
    s.set_office_path(r[7].as<std::string>());
    const v1::Round round = RoundFromRow(r, 8);
    s.set_round_id(round.id());
    s.set_round_kind(v1::Round::Kind_Name(round.kind()));
    s.set_round_state(v1::Round::State_Name(round.state()));
    const AccessWindow window = EngagementAccessWindow(round);
    s.set_access_start(window.start);
    s.set_access_end(window.end);
    group_ids.push_back(s.group_id());
    out.push_back(std::move(s));
  }
  if (out.empty()) return out;
  pqxx::result members =
      PgExec(tx,
             "SELECT group_id::text, person_id, role, home_office_id FROM group_members "
             "WHERE group_id = ANY($1::uuid[]) ORDER BY group_id, position",
             PgTextArray(group_ids));
  std::map<std::string, std::vector<Member>> by_group;
  for (const auto& r : members) {
    Member m;
    m.set_person_id(r[1].as<std::string>());
    Member::Role role = Member::ROLE_UNSPECIFIED;
    Member::Role_Parse(r[2].as<std::string>(), &role);
    m.set_role(role);
    m.set_home_office_id(r[3].as<std::string>());
    by_group[r[0].as<std::string>()].push_back(std::move(m));
  }
  for (auto& s : out) {
    for (auto& m : by_group[s.group_id()]) *s.add_members() = m;
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Plans

v1::Plan Repository::InsertPlan(pqxx::work& tx, const v1::Plan& plan,
                                const std::vector<UnitInfo>& units) {
  pqxx::row r =
      PgExec1(tx,
              "INSERT INTO plans (office_id, office_path, kind, title, start_year, end_year, "
              "term_plan_id) VALUES ($1, $2::ltree, $3, $4, $5, $6, $7::uuid) RETURNING id::text",
              plan.office_id(), plan.office_path(), v1::Plan::Kind_Name(plan.kind()), plan.title(),
              plan.start_year(), plan.end_year(), NullIfEmpty(plan.term_plan_id()));
  const std::string id = r[0].as<std::string>();
  for (const auto& u : units) {
    PgExec(tx,
           "INSERT INTO plan_units (plan_id, unit_id, unit_path, name, category) "
           "VALUES ($1::uuid, $2, $3::ltree, $4, $5)",
           id, u.id, u.path, u.name, u.category);
  }
  return *GetPlan(tx, id);
}

absl::StatusOr<v1::Plan> Repository::GetPlan(pqxx::transaction_base& tx, const std::string& id,
                                             absl::string_view field, bool for_update) {
  pqxx::result r = PgExec(
      tx, kPlanColumns + "WHERE p.id = $1::uuid" + (for_update ? " FOR UPDATE OF p" : ""), id);
  if (r.empty()) return absl::NotFoundError(absl::StrCat(field, ": plan ", id, " not found"));
  return PlanFromRow(r[0]);
}

std::vector<v1::Plan> Repository::ListPlans(pqxx::transaction_base& tx,
                                            const std::string& office_id, const Page& page) {
  pqxx::result r =
      PgExec(tx,
             kPlanColumns +
                 "WHERE p.office_id = $1 AND ($2 = '' OR p.id::text > $2) ORDER BY p.id "
                 "LIMIT $3",
             office_id, page.after, page.size + 1);
  std::vector<v1::Plan> out;
  for (const auto& row : r) out.push_back(PlanFromRow(row));
  return out;
}

void Repository::ApprovePlan(pqxx::work& tx, const std::string& id) {
  PgExec(tx, "UPDATE plans SET state = 'APPROVED', approved_at = now() WHERE id = $1::uuid", id);
}

std::vector<CoverageInput> Repository::PlanUnits(pqxx::transaction_base& tx,
                                                 const std::string& plan_id) {
  pqxx::result r = PgExec(
      tx,
      "SELECT unit_id, name, category, unit_path::text FROM plan_units WHERE plan_id = $1::uuid "
      "ORDER BY unit_path",
      plan_id);
  std::vector<CoverageInput> out;
  for (const auto& row : r) {
    out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                   row[3].as<std::string>()});
  }
  return out;
}

namespace {
// (plan_id, unit_id) of the units of plans $1 (uuid[]) covered within each plan's term; the one
// definition of "covered" for CoveredUnits and PlanUnitCounts.
constexpr char kCoveredPlanUnits[] =
    "SELECT DISTINCT pu.plan_id, pu.unit_id FROM plans p "
    "JOIN plan_units pu ON pu.plan_id = p.id "
    "JOIN group_targets t ON t.unit_id = pu.unit_id JOIN rounds r ON r.id = t.round_id "
    "WHERE p.id = ANY($1::uuid[]) AND r.kind IN ('REGULAR', 'ELEVATED') "
    "AND r.state NOT IN ('DRAFT', 'APPROVED') "
    "AND extract(year FROM r.station_start) BETWEEN p.start_year AND p.end_year";
}  // namespace

std::set<std::string> Repository::CoveredUnits(pqxx::transaction_base& tx,
                                               const std::string& plan_id) {
  pqxx::result r = PgExec(tx, absl::StrCat("SELECT c.unit_id FROM (", kCoveredPlanUnits, ") c"),
                          PgTextArray({plan_id}));
  std::set<std::string> out;
  for (const auto& row : r) out.insert(row[0].as<std::string>());
  return out;
}

std::map<std::string, Repository::UnitCounts> Repository::PlanUnitCounts(
    pqxx::transaction_base& tx, const std::vector<std::string>& plan_ids) {
  pqxx::result r = PgExec(
      tx,
      absl::StrCat("WITH covered AS (", kCoveredPlanUnits,
                   ") SELECT pu.plan_id::text, count(*)::int, "
                   "(SELECT count(*) FROM covered c WHERE c.plan_id = pu.plan_id)::int "
                   "FROM plan_units pu WHERE pu.plan_id = ANY($1::uuid[]) GROUP BY pu.plan_id"),
      PgTextArray(plan_ids));
  std::map<std::string, UnitCounts> out;
  for (const auto& id : plan_ids) out[id];
  for (const auto& row : r) out[row[0].as<std::string>()] = {row[1].as<int>(), row[2].as<int>()};
  return out;
}

std::vector<v1::Plan> Repository::TermPlansBelow(pqxx::transaction_base& tx,
                                                 const std::string& office_path, int start_year,
                                                 int end_year) {
  pqxx::result r = PgExec(
      tx,
      kPlanColumns +
          "WHERE p.office_path <@ $1::ltree AND p.office_path <> $1::ltree AND p.kind = 'TERM' "
          "AND p.state = 'APPROVED' AND p.start_year <= $3 AND p.end_year >= $2 "
          "ORDER BY p.office_path, p.start_year",
      office_path, start_year, end_year);
  std::vector<v1::Plan> out;
  for (const auto& row : r) out.push_back(PlanFromRow(row));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rounds

v1::Round Repository::InsertRound(pqxx::work& tx, const v1::Round& round) {
  pqxx::row r = PgExec1(
      tx,
      "INSERT INTO rounds (plan_id, office_id, office_path, kind, title, topic, follow_up_of, "
      "mobilisation_date, station_start, station_end, feedback_due) VALUES ($1::uuid, $2, "
      "$3::ltree, $4, $5, $6, $7::uuid, $8::date, $9::date, $10::date, $11::date) "
      "RETURNING id::text",
      round.plan_id(), round.office_id(), round.office_path(), v1::Round::Kind_Name(round.kind()),
      round.title(), round.topic(), NullIfEmpty(round.follow_up_of()),
      NullIfEmpty(round.mobilisation_date()), round.station_start(), round.station_end(),
      NullIfEmpty(round.feedback_due()));
  return *GetRound(tx, r[0].as<std::string>());
}

absl::StatusOr<v1::Round> Repository::GetRound(pqxx::transaction_base& tx, const std::string& id,
                                               absl::string_view field, bool for_update) {
  pqxx::result r =
      PgExec(tx, kRoundColumns + "WHERE r.id = $1::uuid" + (for_update ? " FOR UPDATE" : ""), id);
  if (r.empty()) return absl::NotFoundError(absl::StrCat(field, ": round ", id, " not found"));
  return RoundFromRow(r[0]);
}

std::vector<v1::Round> Repository::ListRounds(pqxx::transaction_base& tx,
                                              const std::string& office_id,
                                              const std::string& plan_id, const Page& page) {
  pqxx::result r = PgExec(tx,
                          kRoundColumns +
                              "WHERE r.office_id = $1 AND ($2 = '' OR r.plan_id::text = $2) "
                              "AND ($3 = '' OR r.id::text > $3) ORDER BY r.id LIMIT $4",
                          office_id, plan_id, page.after, page.size + 1);
  std::vector<v1::Round> out;
  for (const auto& row : r) out.push_back(RoundFromRow(row));
  return out;
}

void Repository::UpdateRound(pqxx::work& tx, const v1::Round& round) {
  PgExec(tx,
         "UPDATE rounds SET title = $2, topic = $3, mobilisation_date = $4::date, "
         "station_start = $5::date, station_end = $6::date, feedback_due = $7::date "
         "WHERE id = $1::uuid",
         round.id(), round.title(), round.topic(), NullIfEmpty(round.mobilisation_date()),
         round.station_start(), round.station_end(), NullIfEmpty(round.feedback_due()));
}

void Repository::SetRoundState(pqxx::work& tx, const std::string& id, v1::Round::State state,
                               const std::string& closed_on) {
  PgExec(tx, "UPDATE rounds SET state = $2, closed_on = $3::date WHERE id = $1::uuid", id,
         v1::Round::State_Name(state), NullIfEmpty(closed_on));
}

// ---------------------------------------------------------------------------------------------
// Groups

absl::StatusOr<StoredGroup> Repository::GetGroup(pqxx::transaction_base& tx, const std::string& id,
                                                 absl::string_view field) {
  pqxx::result r = PgExec(
      tx,
      "SELECT id::text, round_id::text, name, source_office_id, source_office_path FROM groups "
      "WHERE id = $1::uuid",
      id);
  if (r.empty()) return absl::NotFoundError(absl::StrCat(field, ": group ", id, " not found"));
  return StoredGroup{r[0][0].as<std::string>(), r[0][1].as<std::string>(),
                     r[0][2].as<std::string>(), r[0][3].as<std::string>(),
                     r[0][4].as<std::string>()};
}

std::string Repository::InsertGroup(pqxx::work& tx, const std::string& round_id,
                                    const std::string& name, const std::string& source_office_id,
                                    const std::string& source_office_path) {
  return tx
      .exec_params1(
          "INSERT INTO groups (round_id, name, source_office_id, source_office_path) "
          "VALUES ($1::uuid, $2, $3, $4) RETURNING id::text",
          round_id, name, source_office_id, source_office_path)[0]
      .as<std::string>();
}

v1::Group Repository::LoadGroup(pqxx::transaction_base& tx, const std::string& group_id) {
  v1::Group g;
  pqxx::row r = PgExec1(
      tx, "SELECT id::text, round_id::text, name, source_office_id FROM groups WHERE id = $1::uuid",
      group_id);
  g.set_id(r[0].as<std::string>());
  g.set_round_id(r[1].as<std::string>());
  g.set_name(r[2].as<std::string>());
  g.set_source_office_id(r[3].as<std::string>());
  for (const auto& m : PgExec(tx,
                              "SELECT person_id, role, home_office_id, name FROM group_members "
                              "WHERE group_id = $1::uuid ORDER BY position",
                              group_id)) {
    auto* member = g.add_members();
    member->set_person_id(m[0].as<std::string>());
    Member::Role role = Member::ROLE_UNSPECIFIED;
    Member::Role_Parse(m[1].as<std::string>(), &role);
    member->set_role(role);
    member->set_home_office_id(m[2].as<std::string>());
    member->set_name(m[3].as<std::string>());
  }
  for (const auto& t : PgExec(
           tx,
           "SELECT id::text, unit_id, unit_path::text, unit_name, unit_category FROM group_targets "
           "WHERE group_id = $1::uuid ORDER BY created_at, id",
           group_id)) {
    auto* target = g.add_targets();
    target->set_engagement_id(t[0].as<std::string>());
    target->set_unit_id(t[1].as<std::string>());
    target->set_unit_path(t[2].as<std::string>());
    target->set_unit_name(t[3].as<std::string>());
    target->set_unit_category(t[4].as<std::string>());
  }
  return g;
}

std::vector<v1::Group> Repository::ListGroups(pqxx::transaction_base& tx,
                                              const std::string& round_id) {
  std::vector<v1::Group> out;
  for (const auto& r :
       PgExec(tx, "SELECT id::text FROM groups WHERE round_id = $1::uuid ORDER BY created_at, id",
              round_id)) {
    out.push_back(LoadGroup(tx, r[0].as<std::string>()));
  }
  return out;
}

std::optional<std::string> Repository::TargetingGroup(pqxx::transaction_base& tx,
                                                      const std::string& round_id,
                                                      const std::string& unit_id) {
  pqxx::result r =
      PgExec(tx,
             "SELECT g.name || ' (' || g.id::text || ')' FROM group_targets t "
             "JOIN groups g ON g.id = t.group_id WHERE t.round_id = $1::uuid AND t.unit_id = $2",
             round_id, unit_id);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::string>();
}

std::vector<UnitInfo> Repository::RoundTargets(pqxx::transaction_base& tx,
                                               const std::string& round_id) {
  std::vector<UnitInfo> out;
  for (const auto& r :
       PgExec(tx,
              "SELECT unit_id, unit_path::text, unit_name, unit_category FROM group_targets "
              "WHERE round_id = $1::uuid ORDER BY created_at, id",
              round_id)) {
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
                   r[3].as<std::string>()});
  }
  return out;
}

void Repository::InsertTarget(pqxx::work& tx, const std::string& group_id,
                              const std::string& round_id, const UnitInfo& unit) {
  PgExec(tx,
         "INSERT INTO group_targets (group_id, round_id, unit_id, unit_path, unit_name, "
         "unit_category) VALUES ($1::uuid, $2::uuid, $3, $4::ltree, $5, $6)",
         group_id, round_id, unit.id, unit.path, unit.name, unit.category);
}

void Repository::ReplaceMembers(pqxx::work& tx, const std::string& group_id,
                                const std::string& round_id,
                                const std::vector<v1::GroupMember>& members) {
  PgExec(tx, "DELETE FROM group_members WHERE group_id = $1::uuid", group_id);
  int position = 0;
  for (const auto& m : members) {
    PgExec(tx,
           "INSERT INTO group_members (group_id, round_id, person_id, role, home_office_id, name, "
           "position) VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7)",
           group_id, round_id, m.person_id(), Member::Role_Name(m.role()), m.home_office_id(),
           m.name(), position++);
  }
}

void Repository::LockAssignments(pqxx::work& tx) {
  tx.exec("SELECT pg_advisory_xact_lock(hashtext('xuncha.planning.assignments'))");
}

std::map<std::string, std::vector<Assignment>> Repository::Assignments(
    pqxx::work& tx, const std::vector<std::string>& person_ids, const std::string& except_group) {
  std::map<std::string, std::vector<Assignment>> out;
  if (person_ids.empty()) return out;
  pqxx::result r = PgExec(tx,
                          "SELECT m.person_id, m.group_id::text, r.id::text, " +
                              Day("r.station_start") + ", " + Day("r.station_end") +
                              " FROM group_members m JOIN rounds r ON r.id = m.round_id "
                              "WHERE m.person_id = ANY($1::text[]) AND r.state <> 'CLOSED' "
                              "AND m.group_id::text <> $2",
                          PgTextArray(person_ids), except_group);
  for (const auto& row : r) {
    Assignment a;
    a.group_id = row[1].as<std::string>();
    a.round_id = row[2].as<std::string>();
    (void)absl::ParseCivilTime(row[3].as<std::string>(), &a.start);
    (void)absl::ParseCivilTime(row[4].as<std::string>(), &a.end);
    out[row[0].as<std::string>()].push_back(std::move(a));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Engagements

std::vector<std::string> Repository::RerootUnitPaths(pqxx::work& tx, const std::string& new_path) {
  // Directory gives every unit its own label when it is created and keeps it through moves
  // (c1.u7.u19: u19 is that unit wherever it sits), so a stored path runs through the moved unit
  // exactly when it contains the unit's label, the last label of its new path ($1). What
  // follows the label is kept; what precedes it becomes the new path. Rows already re-rooted (a
  // redelivered event) compute to the path they have and are left alone.
  static const std::string kRerooted =
      "CASE WHEN index(unit_path, subpath($1::ltree, -1)) + 1 = nlevel(unit_path) THEN $1::ltree "
      "ELSE $1::ltree || subpath(unit_path, index(unit_path, subpath($1::ltree, -1)) + 1) END";
  static const std::string kThroughMoved =
      "unit_path ~ ('*.' || ltree2text(subpath($1::ltree, -1)) || '.*')::lquery AND unit_path <> " +
      kRerooted;
  PgExec(tx, "UPDATE plan_units SET unit_path = " + kRerooted + " WHERE " + kThroughMoved,
         new_path);
  pqxx::result r = PgExec(tx,
                          "UPDATE group_targets SET unit_path = " + kRerooted +
                              ", version = nextval('engagement_versions') WHERE " + kThroughMoved +
                              " RETURNING id::text",
                          new_path);
  std::vector<std::string> ids;
  for (const auto& row : r) ids.push_back(row[0].as<std::string>());
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<std::string> Repository::BumpVersions(pqxx::work& tx, const std::string& round_id,
                                                  const std::string& group_id) {
  pqxx::result r =
      PgExec(tx,
             "UPDATE group_targets SET version = nextval('engagement_versions') "
             "WHERE round_id = $1::uuid AND ($2 = '' OR group_id::text = $2) RETURNING id::text",
             round_id, group_id);
  std::vector<std::string> ids;
  for (const auto& row : r) ids.push_back(row[0].as<std::string>());
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<EngagementSnapshot> Repository::Snapshots(pqxx::transaction_base& tx,
                                                      const std::vector<std::string>& ids) {
  if (ids.empty()) return {};
  return SnapshotsFromRows(
      tx, PgExec(tx, kEngagementColumns + "WHERE t.id = ANY($1::uuid[]) ORDER BY t.id",
                 PgTextArray(ids)));
}

absl::StatusOr<EngagementSnapshot> Repository::GetEngagement(pqxx::transaction_base& tx,
                                                             const std::string& id,
                                                             absl::string_view field) {
  auto found = Snapshots(tx, {id});
  if (found.empty()) {
    return absl::NotFoundError(absl::StrCat(field, ": engagement ", id, " not found"));
  }
  return found[0];
}

std::vector<EngagementSnapshot> Repository::ListEngagements(pqxx::transaction_base& tx,
                                                            const std::string& round_id,
                                                            const std::string& office_path,
                                                            const std::string& person_id, bool all,
                                                            const Page& page) {
  return SnapshotsFromRows(
      tx, PgExec(tx,
                 kEngagementColumns +
                     "WHERE ($1 = '' OR t.round_id::text = $1) AND ($2 OR "
                     "($3 <> '' AND r.office_path <@ nullif($3, '')::ltree) OR ($4 <> '' AND "
                     "EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = t.group_id AND "
                     "m.person_id = $4))) AND ($5 = '' OR t.id::text > $5) ORDER BY t.id LIMIT $6",
                 round_id, all, office_path, person_id, page.after, page.size + 1));
}

// ---------------------------------------------------------------------------------------------
// Talent pool and draws

void Repository::UpsertTalent(pqxx::work& tx, const v1::TalentPoolEntry& entry) {
  std::vector<std::string> expertise(entry.expertise().begin(), entry.expertise().end());
  PgExec(tx,
         "INSERT INTO talent_pool (office_id, person_id, name, home_office_id, expertise, entry) "
         "VALUES ($1, $2, $3, $4, $5::text[], $6) ON CONFLICT (office_id, person_id) DO UPDATE SET "
         "name = EXCLUDED.name, home_office_id = EXCLUDED.home_office_id, "
         "expertise = EXCLUDED.expertise, entry = EXCLUDED.entry, updated_at = now()",
         entry.office_id(), entry.person_id(), entry.name(), entry.home_office_id(),
         PgTextArray(expertise), ToJson(entry));
}

std::vector<v1::TalentPoolEntry> Repository::ListTalent(pqxx::transaction_base& tx,
                                                        const std::string& office_id,
                                                        const std::string& expertise,
                                                        const Page& page) {
  pqxx::result r =
      PgExec(tx,
             "SELECT entry, " + std::string("coalesce(") + SqlMicros("updated_at") + ", 0)" +
                 " FROM talent_pool WHERE office_id = $1 AND ($2 = '' OR $2 = ANY(expertise)) "
                 "AND ($3 = '' OR person_id > $3) ORDER BY person_id LIMIT $4",
             office_id, expertise, page.after, page.size + 1);
  std::vector<v1::TalentPoolEntry> out;
  for (const auto& row : r) {
    auto e = FromJson<v1::TalentPoolEntry>(row[0].as<std::string>());
    SetTimestampMicros(e.mutable_update_time(), row[1].as<int64_t>());
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<v1::TalentPoolEntry> Repository::WholePool(pqxx::transaction_base& tx,
                                                       const std::string& office_id) {
  std::vector<v1::TalentPoolEntry> out;
  for (const auto& row :
       PgExec(tx, "SELECT entry FROM talent_pool WHERE office_id = $1", office_id)) {
    out.push_back(FromJson<v1::TalentPoolEntry>(row[0].as<std::string>()));
  }
  return out;
}

std::string Repository::NewId(pqxx::work& tx) {
  return tx.exec1("SELECT gen_random_uuid()::text")[0].as<std::string>();
}

void Repository::InsertDraw(pqxx::work& tx, const v1::Draw& draw) {
  PgExec(tx,
         "INSERT INTO draws (id, round_id, requested_by, seed, draw) "
         "VALUES ($1::uuid, $2::uuid, $3, $4::numeric, $5)",
         draw.id(), draw.round_id(), draw.requested_by(), absl::StrCat(draw.seed()), ToJson(draw));
}

std::vector<v1::Draw> Repository::ListDraws(pqxx::transaction_base& tx,
                                            const std::string& round_id) {
  std::vector<v1::Draw> out;
  for (const auto& row :
       PgExec(tx, "SELECT draw FROM draws WHERE round_id = $1::uuid ORDER BY created_at, id",
              round_id)) {
    out.push_back(FromJson<v1::Draw>(row[0].as<std::string>()));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Announcements

void Repository::UpsertAnnouncement(pqxx::work& tx, const std::string& engagement_id,
                                    const v1::Announcement& a) {
  PgExec(tx,
         "INSERT INTO announcements (engagement_id, scope, phone, mailbox, address) "
         "VALUES ($1::uuid, $2, $3, $4, $5) ON CONFLICT (engagement_id) DO UPDATE SET "
         "scope = EXCLUDED.scope, phone = EXCLUDED.phone, mailbox = EXCLUDED.mailbox, "
         "address = EXCLUDED.address, published_at = now()",
         engagement_id, a.scope(), a.phone(), a.mailbox(), a.address());
}

std::optional<v1::Announcement> Repository::GetAnnouncement(pqxx::transaction_base& tx,
                                                            const std::string& engagement_id) {
  pqxx::result r =
      PgExec(tx,
             "SELECT a.scope, a.phone, a.mailbox, a.address, coalesce(" +
                 SqlMicros("a.published_at") + ", 0)" + ", t.round_id::text, t.unit_name, " +
                 Day("r.station_start") + ", " + Day("r.station_end") +
                 " FROM announcements a JOIN group_targets t ON t.id = a.engagement_id "
                 "JOIN rounds r ON r.id = t.round_id WHERE a.engagement_id = $1::uuid",
             engagement_id);
  if (r.empty()) return std::nullopt;
  v1::Announcement a;
  a.set_engagement_id(engagement_id);
  a.set_scope(r[0][0].as<std::string>());
  a.set_phone(r[0][1].as<std::string>());
  a.set_mailbox(r[0][2].as<std::string>());
  a.set_address(r[0][3].as<std::string>());
  SetTimestampMicros(a.mutable_publish_time(), r[0][4].as<int64_t>());
  a.set_round_id(r[0][5].as<std::string>());
  a.set_target_unit_name(r[0][6].as<std::string>());
  a.set_station_start(r[0][7].as<std::string>());
  a.set_station_end(r[0][8].as<std::string>());
  return a;
}

}  // namespace xuncha::planning
