#include "app.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "xuncha/audit.h"
#include "xuncha/calendar.h"
#include "xuncha/change.h"
#include "xuncha/crypto.h"
#include "xuncha/idempotency.h"
#include "xuncha/log.h"
#include "xuncha/scope.h"
#include "xuncha/status.h"

namespace xuncha::planning {
namespace {

using Member = EngagementSnapshot::Member;

// A directory failure as seen from one of our fields. For targets, "not visible to the caller"
// means "outside the caller's office tree", which is what the caller needs to hear.
absl::Status FromDirectory(const absl::Status& s, const std::string& field, absl::string_view what,
                           const std::string& id, bool denied_means_outside) {
  switch (s.code()) {
    case absl::StatusCode::kNotFound:
      return absl::NotFoundError(absl::StrCat(field, ": ", what, " ", id, " not found"));
    case absl::StatusCode::kPermissionDenied:
      if (denied_means_outside) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ": ", what, " ", id, " lies outside the organising office's tree"));
      }
      return absl::PermissionDeniedError(
          absl::StrCat(field, ": ", what, " ", id, " is not visible to you"));
    default:
      return absl::Status(s.code(), absl::StrCat(field, ": directory lookup of ", what, " ", id,
                                                 " failed: ", s.message()));
  }
}

std::optional<absl::CivilDay> Day(const std::string& text) {
  absl::CivilDay day;
  if (text.empty() || !absl::ParseCivilTime(text, &day)) return std::nullopt;
  return day;
}

Candidate CandidateFromEntry(const v1::TalentPoolEntry& e) {
  Candidate c;
  c.person_id = e.person_id();
  c.home_office_id = e.home_office_id();
  c.expertise.assign(e.expertise().begin(), e.expertise().end());
  c.external_expert = e.external_expert();
  c.available = e.available();
  c.employer_unit_id = e.employer_unit_id();
  c.employer_unit_path = e.employer_unit_path();
  for (const auto& p : e.posts()) {
    c.posts.push_back({p.unit_id(), p.unit_path(), Day(p.start_date()), Day(p.end_date())});
  }
  for (const auto& r : e.relatives()) {
    c.relatives.push_back({r.unit_id(), r.unit_path(), std::nullopt, std::nullopt});
  }
  return c;
}

absl::Status RoundNotEditable(const v1::Round& round, absl::string_view what) {
  return absl::FailedPreconditionError(absl::StrCat("state: the round is ",
                                                    v1::Round::State_Name(round.state()), "; ",
                                                    what, " can no longer be changed"));
}

}  // namespace

PlanningApp::PlanningApp(PgPool& pool, OutboxRelay* relay, PlanningSettings settings)
    : pool_(pool), relay_(relay), settings_(settings) {}

absl::Status PlanningApp::WriteOnce(const RequestContext& rc, absl::string_view method,
                                    const google::protobuf::Message& request,
                                    google::protobuf::Message& response,
                                    const std::function<absl::Status(pqxx::work&)>& body) {
  return CommitChangeOnce(pool_, relay_, rc, method, request, response, body);
}

absl::Status PlanningApp::PublishEngagements(pqxx::work& tx, const std::string& round_id,
                                             const std::string& group_id) {
  return PublishSnapshots(tx, Repository::BumpVersions(tx, round_id, group_id));
}

absl::Status PlanningApp::PublishSnapshots(pqxx::work& tx, const std::vector<std::string>& ids) {
  for (const EngagementSnapshot& s : Repository::Snapshots(tx, ids)) {
    RETURN_IF_ERROR(AppendOutbox(tx, {kEngagementChangedEvent, s.id(), ToJson(s)}).status());
  }
  return absl::OkStatus();
}

absl::Status PlanningApp::HandleDirectoryEvent(pqxx::work& tx, const ConsumedEvent& event) {
  if (event.type != "directory.org_unit.moved") return absl::OkStatus();
  ::xuncha::directory::v1::OrgUnit unit;
  // A moved unit always has a parent, so its path has two labels at least.
  if (!ParseEventPayload(event, &unit) || !IsLtreePath(unit.path()) ||
      unit.path().find('.') == std::string::npos) {
    // It would fail the same way on every delivery: logged and skipped, not retried.
    log::Error("directory event unreadable, skipped",
               {{"event_id", event.event_id}, {"type", event.type}});
    return absl::OkStatus();
  }
  const std::vector<std::string> ids = Repository::RerootUnitPaths(tx, unit.path());
  RETURN_IF_ERROR(PublishSnapshots(tx, ids));
  if (!ids.empty()) {
    log::Info("engagement targets moved with their org unit",
              {{"unit_id", unit.id()}, {"engagements", absl::StrCat(ids.size())}});
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Round> PlanningApp::PeekRound(const std::string& id, absl::string_view field) {
  return pool_.ReadWith<v1::Round>(
      [&](pqxx::transaction_base& tx) { return Repository::GetRound(tx, id, field); });
}

// ---------------------------------------------------------------------------------------------
// Plans

absl::StatusOr<v1::Plan> PlanningApp::CreatePlan(const RequestContext& rc, OrgDirectory& directory,
                                                 v1::Plan plan) {
  const Principal& p = rc.principal;
  if (!CanEditPlanning(p, p.office_id)) return Denied("create", "plans");
  plan.set_office_id(p.office_id);
  plan.set_office_path(p.office_path);
  if (plan.end_year() == 0) {
    plan.set_end_year(plan.kind() == v1::Plan::TERM ? plan.start_year() + 4 : plan.start_year());
  }
  RETURN_IF_ERROR(ValidateNewPlan(plan));
  std::vector<UnitInfo> units;
  for (int i = 0; i < plan.unit_ids_size(); ++i) {
    const std::string field = absl::StrCat("unit_ids[", i, "]");
    auto unit = directory.GetUnit(plan.unit_ids(i));
    if (!unit.ok()) return FromDirectory(unit.status(), field, "org unit", plan.unit_ids(i), true);
    if (!PathWithin(unit->path, p.office_path)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": org unit ", plan.unit_ids(i), " lies outside the office's tree"));
    }
    units.push_back(*unit);
  }
  v1::Plan created;
  RETURN_IF_ERROR(WriteOnce(rc, "CreatePlan", plan, created, [&](pqxx::work& tx) -> absl::Status {
    if (!plan.term_plan_id().empty()) {
      ASSIGN_OR_RETURN(v1::Plan term, Repository::GetPlan(tx, plan.term_plan_id(), "term_plan_id"));
      if (term.office_id() != p.office_id || term.kind() != v1::Plan::TERM) {
        return absl::InvalidArgumentError("term_plan_id: must be a term plan of your office");
      }
      if (plan.start_year() < term.start_year() || plan.start_year() > term.end_year()) {
        return absl::InvalidArgumentError(absl::StrCat("start_year: ", plan.start_year(),
                                                       " is outside the term ", term.start_year(),
                                                       "-", term.end_year()));
      }
    }
    created = Repository::InsertPlan(tx, plan, units);
    return RecordChange(tx, rc, "plan.create", absl::StrCat("plans/", created.id()),
                        "planning.plan.created", created);
  }));
  return created;
}

absl::StatusOr<v1::Plan> PlanningApp::GetPlan(const RequestContext& rc, const std::string& id) {
  RETURN_IF_ERROR(ValidateId("id", id));
  return pool_.ReadWith<v1::Plan>([&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::Plan> {
    ASSIGN_OR_RETURN(v1::Plan plan, Repository::GetPlan(tx, id));
    if (!CanReadPlanning(rc.principal, plan.office_id(), plan.office_path())) {
      return Denied("read", absl::StrCat("plans/", id));
    }
    return plan;
  });
}

absl::StatusOr<v1::ListPlansResponse> PlanningApp::ListPlans(const RequestContext& rc,
                                                             const v1::ListPlansRequest& request) {
  const std::string office = request.office().empty() ? rc.principal.office_id : request.office();
  RETURN_IF_ERROR(ValidateId("office", office));
  ASSIGN_OR_RETURN(Page page, DecodePage(request.page_size(), request.page_token()));
  return pool_.ReadWith<v1::ListPlansResponse>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::ListPlansResponse> {
        auto plans = Repository::ListPlans(tx, office, page);
        // Every plan of one office carries that office's path: checking one checks them all.
        const std::string path =
            plans.empty() ? (office == rc.principal.office_id ? rc.principal.office_path : "")
                          : plans[0].office_path();
        if (!(plans.empty() && office != rc.principal.office_id) &&
            !CanReadPlanning(rc.principal, office, path)) {
          return Denied("list plans of", absl::StrCat("offices/", office));
        }
        v1::ListPlansResponse out;
        out.set_next_page_token(
            NextToken<v1::Plan>(plans, page.size, [](const auto& p) { return p.id(); }));
        for (auto& p : plans) *out.add_plans() = std::move(p);
        return out;
      });
}

absl::StatusOr<v1::Plan> PlanningApp::ApprovePlan(const RequestContext& rc, const std::string& id) {
  RETURN_IF_ERROR(ValidateId("id", id));
  v1::Plan approved;
  v1::ApprovePlanRequest request;
  request.set_id(id);
  RETURN_IF_ERROR(
      WriteOnce(rc, "ApprovePlan", request, approved, [&](pqxx::work& tx) -> absl::Status {
        ASSIGN_OR_RETURN(v1::Plan plan, Repository::GetPlan(tx, id, "id", /*for_update=*/true));
        if (!CanApprove(rc.principal, plan.office_id())) {
          return Denied("approve",
                        absl::StrCat("plans/", id, " (LEADING_GROUP of its office only)"));
        }
        if (plan.state() != v1::Plan::DRAFT) {
          return absl::FailedPreconditionError(absl::StrCat("state: the plan is ",
                                                            v1::Plan::State_Name(plan.state()),
                                                            " and cannot move to APPROVED"));
        }
        Repository::ApprovePlan(tx, id);
        ASSIGN_OR_RETURN(approved, Repository::GetPlan(tx, id));
        return RecordChange(tx, rc, "plan.approve", absl::StrCat("plans/", id),
                            "planning.plan.approved", approved);
      }));
  return approved;
}

absl::StatusOr<v1::Coverage> PlanningApp::GetCoverage(const RequestContext& rc,
                                                      const std::string& id) {
  RETURN_IF_ERROR(ValidateId("id", id));
  return pool_.TransactWith<v1::Coverage>(
      [&](pqxx::work& tx) -> absl::StatusOr<v1::Coverage> {
        ASSIGN_OR_RETURN(v1::Plan plan, Repository::GetPlan(tx, id));
        if (!CanReadPlanning(rc.principal, plan.office_id(), plan.office_path())) {
          return Denied("read", absl::StrCat("plans/", id));
        }
        if (plan.kind() != v1::Plan::TERM) {
          return absl::FailedPreconditionError(
              "kind: coverage is kept for TERM plans; this is an ANNUAL plan");
        }
        const std::vector<v1::Plan> below_plans =
            Repository::TermPlansBelow(tx, plan.office_path(), plan.start_year(), plan.end_year());
        const CoverageTally own =
            ComputeCoverage(Repository::PlanUnits(tx, id), Repository::CoveredUnits(tx, id));
        std::vector<std::string> below_ids;
        for (const v1::Plan& below : below_plans) below_ids.push_back(below.id());
        auto below_counts = Repository::PlanUnitCounts(tx, below_ids);
        v1::Coverage out;
        out.set_plan_id(id);
        out.set_office_id(plan.office_id());
        out.set_total(own.total);
        out.set_covered(own.covered);
        out.set_rate(own.rate);
        for (const auto& [name, cat] : own.by_category) *out.add_by_category() = cat;
        auto fill = [](const CoverageInput& u, v1::CoverageUnit* unit) {
          unit->set_unit_id(u.unit_id);
          unit->set_name(u.name);
          unit->set_category(u.category);
          unit->set_path(u.path);
        };
        for (const auto& u : own.covered_units) fill(u, out.add_covered_units());
        for (const auto& u : own.remaining_units) fill(u, out.add_remaining_units());
        int total = own.total, covered = own.covered;
        for (const v1::Plan& below : below_plans) {
          const Repository::UnitCounts& t = below_counts[below.id()];
          auto* office = out.add_offices_below();
          office->set_office_id(below.office_id());
          office->set_plan_id(below.id());
          office->set_total(t.total);
          office->set_covered(t.covered);
          office->set_rate(Rate(t.covered, t.total));
          total += t.total;
          covered += t.covered;
        }
        out.set_rolled_up_total(total);
        out.set_rolled_up_covered(covered);
        out.set_rolled_up_rate(Rate(covered, total));
        return out;
      },
      {.isolation = Isolation::kRepeatableRead, .read_only = true});
}

// ---------------------------------------------------------------------------------------------
// Rounds

absl::StatusOr<v1::Round> PlanningApp::CreateRound(const RequestContext& rc, v1::Round round) {
  const Principal& p = rc.principal;
  if (!CanEditPlanning(p, p.office_id)) return Denied("create", "rounds");
  round.set_office_id(p.office_id);
  round.set_office_path(p.office_path);
  RETURN_IF_ERROR(ValidateRound(round));
  v1::Round created;
  RETURN_IF_ERROR(WriteOnce(rc, "CreateRound", round, created, [&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(v1::Plan plan, Repository::GetPlan(tx, round.plan_id(), "plan_id"));
    if (plan.office_id() != p.office_id) {
      return Denied("create rounds in", absl::StrCat("plans/", plan.id()));
    }
    if (!round.follow_up_of().empty()) {
      ASSIGN_OR_RETURN(v1::Round earlier,
                       Repository::GetRound(tx, round.follow_up_of(), "follow_up_of"));
      if (!CanReadPlanning(p, earlier.office_id(), earlier.office_path())) {
        return Denied("follow up", absl::StrCat("rounds/", earlier.id()));
      }
      if (earlier.state() == v1::Round::DRAFT || earlier.state() == v1::Round::APPROVED) {
        return absl::FailedPreconditionError(absl::StrCat(
            "follow_up_of: round ", earlier.id(), " is ", v1::Round::State_Name(earlier.state()),
            "; a follow-up checks a round that has been in the field"));
      }
    }
    created = Repository::InsertRound(tx, round);
    return RecordChange(tx, rc, "round.create", absl::StrCat("rounds/", created.id()),
                        "planning.round.created", created);
  }));
  return created;
}

absl::StatusOr<v1::Round> PlanningApp::GetRound(const RequestContext& rc, const std::string& id) {
  RETURN_IF_ERROR(ValidateId("id", id));
  return pool_.ReadWith<v1::Round>([&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::Round> {
    ASSIGN_OR_RETURN(v1::Round round, Repository::GetRound(tx, id));
    if (!CanReadPlanning(rc.principal, round.office_id(), round.office_path())) {
      return Denied("read", absl::StrCat("rounds/", id));
    }
    return round;
  });
}

absl::StatusOr<v1::ListRoundsResponse> PlanningApp::ListRounds(
    const RequestContext& rc, const v1::ListRoundsRequest& request) {
  RETURN_IF_ERROR(ValidateId("plan", request.plan(), false));
  ASSIGN_OR_RETURN(Page page, DecodePage(request.page_size(), request.page_token()));
  return pool_.ReadWith<v1::ListRoundsResponse>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::ListRoundsResponse> {
        std::string office = request.office();
        std::string path;
        if (!request.plan().empty()) {
          ASSIGN_OR_RETURN(v1::Plan plan, Repository::GetPlan(tx, request.plan(), "plan"));
          if (!office.empty() && office != plan.office_id()) {
            return absl::InvalidArgumentError("office: differs from the plan's office");
          }
          office = plan.office_id();
          path = plan.office_path();
        } else if (office.empty() || office == rc.principal.office_id) {
          office = rc.principal.office_id;
          path = rc.principal.office_path;
        }
        RETURN_IF_ERROR(ValidateId("office", office));
        auto rounds = Repository::ListRounds(tx, office, request.plan(), page);
        if (path.empty() && !rounds.empty()) path = rounds[0].office_path();
        if (!path.empty() && !CanReadPlanning(rc.principal, office, path)) {
          return Denied("list rounds of", absl::StrCat("offices/", office));
        }
        v1::ListRoundsResponse out;
        out.set_next_page_token(
            NextToken<v1::Round>(rounds, page.size, [](const auto& r) { return r.id(); }));
        for (auto& r : rounds) *out.add_rounds() = std::move(r);
        return out;
      });
}

absl::Status PlanningApp::CheckNoOverlap(pqxx::work& tx, const v1::Round& round,
                                         const std::vector<v1::GroupMember>& members,
                                         const std::string& except_group) {
  std::vector<std::string> ids;
  for (const auto& m : members) ids.push_back(m.person_id());
  auto assignments = Repository::Assignments(tx, ids, except_group);
  const absl::CivilDay start = *Day(round.station_start());
  const absl::CivilDay end = *Day(round.station_end());
  for (std::size_t i = 0; i < members.size(); ++i) {
    Candidate c;
    c.person_id = members[i].person_id();
    c.assignments = assignments[c.person_id];
    if (auto conflict = OverlapConflict(c, round.id(), start, end)) {
      return absl::FailedPreconditionError(
          absl::StrCat("members[", i, "].person_id: person ", c.person_id, " is ",
                       conflict->detail(), ", which overlaps this round's stationing ",
                       round.station_start(), " to ", round.station_end()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Round> PlanningApp::UpdateRound(const RequestContext& rc,
                                                   const v1::UpdateRoundRequest& request) {
  RETURN_IF_ERROR(ValidateId("id", request.id()));
  v1::Round updated;
  RETURN_IF_ERROR(
      WriteOnce(rc, "UpdateRound", request, updated, [&](pqxx::work& tx) -> absl::Status {
        ASSIGN_OR_RETURN(v1::Round round, Repository::GetRound(tx, request.id(), "id", true));
        if (!CanEditPlanning(rc.principal, round.office_id())) {
          return Denied("change", absl::StrCat("rounds/", round.id()));
        }
        if (!TargetsEditable(round.state())) return RoundNotEditable(round, "its dates");
        auto merge = [](const std::string& value, std::string* field) {
          if (!value.empty()) *field = value;
        };
        merge(request.title(), round.mutable_title());
        merge(request.topic(), round.mutable_topic());
        merge(request.mobilisation_date(), round.mutable_mobilisation_date());
        merge(request.station_start(), round.mutable_station_start());
        merge(request.station_end(), round.mutable_station_end());
        merge(request.feedback_due(), round.mutable_feedback_due());
        RETURN_IF_ERROR(ValidateRound(round));
        // New dates may collide with other assignments of the people already in the groups.
        Repository::LockAssignments(tx);
        std::vector<v1::GroupMember> members;
        for (const auto& g : Repository::ListGroups(tx, round.id())) {
          for (const auto& m : g.members()) members.push_back(m);
        }
        std::vector<std::string> ids;
        for (const auto& m : members) ids.push_back(m.person_id());
        auto assignments = Repository::Assignments(tx, ids);
        const absl::CivilDay start = *Day(round.station_start()), end = *Day(round.station_end());
        for (const auto& m : members) {
          Candidate c;
          c.person_id = m.person_id();
          for (const auto& a : assignments[c.person_id]) {
            if (a.round_id != round.id()) c.assignments.push_back(a);
          }
          if (auto conflict = OverlapConflict(c, round.id(), start, end)) {
            return absl::FailedPreconditionError(
                absl::StrCat("station_start: person ", c.person_id, " is ", conflict->detail(),
                             ", which would overlap the new dates"));
          }
        }
        Repository::UpdateRound(tx, round);
        ASSIGN_OR_RETURN(updated, Repository::GetRound(tx, round.id()));
        RETURN_IF_ERROR(RecordChange(tx, rc, "round.update", absl::StrCat("rounds/", round.id()),
                                     "planning.round.updated", updated));
        return PublishEngagements(tx, round.id());
      }));
  return updated;
}

absl::StatusOr<v1::Round> PlanningApp::TransitionRound(const RequestContext& rc,
                                                       const std::string& id, v1::Round::State to) {
  RETURN_IF_ERROR(ValidateId("id", id));
  v1::Round moved;
  v1::RoundTransitionRequest request;
  request.set_id(id);
  // One method name per target state: a key reused for another transition is refused.
  RETURN_IF_ERROR(WriteOnce(
      rc, absl::StrCat("TransitionRound:", v1::Round::State_Name(to)), request, moved,
      [&](pqxx::work& tx) -> absl::Status {
        ASSIGN_OR_RETURN(v1::Round round, Repository::GetRound(tx, id, "id", true));
        const bool allowed = to == v1::Round::APPROVED
                                 ? CanApprove(rc.principal, round.office_id())
                                 : CanEditPlanning(rc.principal, round.office_id());
        if (!allowed) {
          return Denied(absl::StrCat("move to ", v1::Round::State_Name(to)),
                        absl::StrCat("rounds/", id));
        }
        RETURN_IF_ERROR(CheckRoundTransition(round.state(), to));
        if (to == v1::Round::APPROVED) {
          ASSIGN_OR_RETURN(v1::Plan plan, Repository::GetPlan(tx, round.plan_id(), "plan_id"));
          if (plan.state() != v1::Plan::APPROVED) {
            return absl::FailedPreconditionError(absl::StrCat(
                "plan_id: plan ", plan.id(), " is ", v1::Plan::State_Name(plan.state()),
                "; approve the plan before its rounds"));
          }
        }
        Repository::SetRoundState(tx, id, to,
                                  to == v1::Round::CLOSED ? FormatDate(TodayInChina()) : "");
        ASSIGN_OR_RETURN(moved, Repository::GetRound(tx, id));
        RETURN_IF_ERROR(RecordChange(
            tx, rc, absl::StrCat("round.", absl::AsciiStrToLower(v1::Round::State_Name(to))),
            absl::StrCat("rounds/", id), RoundEventType(to), moved));
        return PublishEngagements(tx, id);
      }));
  return moved;
}

// ---------------------------------------------------------------------------------------------
// Groups

absl::StatusOr<std::vector<UnitInfo>> PlanningApp::ResolveTargets(
    OrgDirectory& directory, const std::vector<std::string>& unit_ids,
    const std::string& field_prefix, const v1::Round& round, const StoredGroup& group) {
  std::vector<UnitInfo> units;
  for (std::size_t i = 0; i < unit_ids.size(); ++i) {
    const std::string field = absl::StrCat(field_prefix, "[", i, "]");
    auto unit = directory.GetUnit(unit_ids[i]);
    if (!unit.ok()) return FromDirectory(unit.status(), field, "org unit", unit_ids[i], true);
    if (!PathWithin(unit->path, round.office_path())) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": org unit ", unit_ids[i],
                                                     " lies outside the organising office's tree"));
    }
    if (round.kind() == v1::Round::CROSS && !group.source_office_path.empty() &&
        PathWithin(unit->path, group.source_office_path)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": org unit ", unit->name, " (", unit_ids[i],
                       ") belongs to the group's own office ", group.source_office_id,
                       "; in a CROSS round a county never inspects itself"));
    }
    units.push_back(*unit);
  }
  return units;
}

absl::StatusOr<std::vector<v1::GroupMember>> PlanningApp::ResolveMembers(
    OrgDirectory& directory, const google::protobuf::RepeatedPtrField<v1::GroupMember>& members) {
  std::vector<v1::GroupMember> out;
  for (int i = 0; i < members.size(); ++i) {
    v1::GroupMember m = members[i];
    auto person = directory.GetPerson(m.person_id());
    if (!person.ok()) {
      return FromDirectory(person.status(), absl::StrCat("members[", i, "].person_id"), "person",
                           m.person_id(), false);
    }
    m.set_home_office_id(person->office_id());
    m.set_name(person->name());
    out.push_back(std::move(m));
  }
  return out;
}

absl::StatusOr<v1::Group> PlanningApp::CreateGroup(const RequestContext& rc,
                                                   OrgDirectory& directory,
                                                   const std::string& round_id, v1::Group group) {
  RETURN_IF_ERROR(ValidateId("round_id", round_id));
  RETURN_IF_ERROR(ValidateNewGroup(group));
  ASSIGN_OR_RETURN(v1::Round round, PeekRound(round_id, "round_id"));
  if (!CanEditPlanning(rc.principal, round.office_id())) {
    return Denied("add groups to", absl::StrCat("rounds/", round_id));
  }
  StoredGroup stored{"", round_id, group.name(), group.source_office_id(), ""};
  if (round.kind() == v1::Round::CROSS && group.source_office_id().empty()) {
    return absl::InvalidArgumentError(
        "group.source_office_id: a CROSS group comes from one of the offices below the organiser");
  }
  if (!group.source_office_id().empty()) {
    auto office = directory.GetOffice(group.source_office_id());
    if (!office.ok()) {
      return FromDirectory(office.status(), "group.source_office_id", "office",
                           group.source_office_id(), true);
    }
    const bool below = PathWithin(office->path, round.office_path()) &&
                       (round.kind() != v1::Round::CROSS || office->path != round.office_path());
    if (!below) {
      return absl::InvalidArgumentError(
          absl::StrCat("group.source_office_id: office ", office->id,
                       " is not an office below the organising office"));
    }
    stored.source_office_path = office->path;
  }
  std::vector<std::string> unit_ids;
  for (const auto& t : group.targets()) unit_ids.push_back(t.unit_id());
  ASSIGN_OR_RETURN(std::vector<UnitInfo> units,
                   ResolveTargets(directory, unit_ids, "group.targets", round, stored));
  ASSIGN_OR_RETURN(std::vector<v1::GroupMember> members,
                   ResolveMembers(directory, group.members()));
  v1::Group created;
  v1::CreateGroupRequest request;
  request.set_round_id(round_id);
  *request.mutable_group() = group;
  RETURN_IF_ERROR(
      WriteOnce(rc, "CreateGroup", request, created, [&](pqxx::work& tx) -> absl::Status {
        ASSIGN_OR_RETURN(v1::Round locked, Repository::GetRound(tx, round_id, "round_id", true));
        if (!TargetsEditable(locked.state())) return RoundNotEditable(locked, "its groups");
        if (units.empty() && locked.kind() == v1::Round::FOLLOW_UP) {
          // A follow-up revisits the earlier round's targets unless told otherwise.
          for (auto& u : Repository::RoundTargets(tx, locked.follow_up_of())) {
            if (!Repository::TargetingGroup(tx, round_id, u.id)) units.push_back(std::move(u));
          }
        }
        for (std::size_t i = 0; i < units.size(); ++i) {
          if (auto other = Repository::TargetingGroup(tx, round_id, units[i].id)) {
            return absl::AlreadyExistsError(
                absl::StrCat("group.targets[", i, "].unit_id: org unit ", units[i].id,
                             " is already a target of group ", *other, " in this round"));
          }
        }
        if (!members.empty()) Repository::LockAssignments(tx);
        RETURN_IF_ERROR(CheckNoOverlap(tx, locked, members, ""));
        const std::string id = Repository::InsertGroup(
            tx, round_id, group.name(), group.source_office_id(), stored.source_office_path);
        for (const auto& u : units) Repository::InsertTarget(tx, id, round_id, u);
        Repository::ReplaceMembers(tx, id, round_id, members);
        created = Repository::LoadGroup(tx, id);
        RETURN_IF_ERROR(RecordChange(tx, rc, "group.create", absl::StrCat("groups/", id),
                                     "planning.group.created", created));
        return PublishEngagements(tx, round_id, id);
      }));
  return created;
}

absl::StatusOr<v1::ListGroupsResponse> PlanningApp::ListGroups(const RequestContext& rc,
                                                               const std::string& round_id) {
  RETURN_IF_ERROR(ValidateId("round_id", round_id));
  return pool_.ReadWith<v1::ListGroupsResponse>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::ListGroupsResponse> {
        ASSIGN_OR_RETURN(v1::Round round, Repository::GetRound(tx, round_id, "round_id"));
        if (!CanReadPlanning(rc.principal, round.office_id(), round.office_path())) {
          return Denied("read groups of", absl::StrCat("rounds/", round_id));
        }
        v1::ListGroupsResponse out;
        for (auto& g : Repository::ListGroups(tx, round_id)) *out.add_groups() = std::move(g);
        return out;
      });
}

absl::StatusOr<v1::Group> PlanningApp::AddGroupTargets(const RequestContext& rc,
                                                       OrgDirectory& directory,
                                                       const v1::AddGroupTargetsRequest& request) {
  RETURN_IF_ERROR(ValidateId("group_id", request.group_id()));
  if (request.unit_ids_size() == 0) return absl::InvalidArgumentError("unit_ids: must be set");
  std::set<std::string> seen;
  for (int i = 0; i < request.unit_ids_size(); ++i) {
    const std::string field = absl::StrCat("unit_ids[", i, "]");
    RETURN_IF_ERROR(ValidateId(field, request.unit_ids(i)));
    if (!seen.insert(request.unit_ids(i)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": unit ", request.unit_ids(i), " is listed twice"));
    }
  }
  ASSIGN_OR_RETURN(StoredGroup group, pool_.ReadWith<StoredGroup>([&](pqxx::transaction_base& tx) {
    return Repository::GetGroup(tx, request.group_id());
  }));
  ASSIGN_OR_RETURN(v1::Round round, PeekRound(group.round_id, "round_id"));
  if (!CanEditPlanning(rc.principal, round.office_id())) {
    return Denied("change", absl::StrCat("groups/", group.id));
  }
  std::vector<std::string> unit_ids(request.unit_ids().begin(), request.unit_ids().end());
  ASSIGN_OR_RETURN(std::vector<UnitInfo> units,
                   ResolveTargets(directory, unit_ids, "unit_ids", round, group));
  v1::Group updated;
  RETURN_IF_ERROR(
      WriteOnce(rc, "AddGroupTargets", request, updated, [&](pqxx::work& tx) -> absl::Status {
        ASSIGN_OR_RETURN(v1::Round locked, Repository::GetRound(tx, round.id(), "round_id", true));
        if (!TargetsEditable(locked.state())) return RoundNotEditable(locked, "its targets");
        for (std::size_t i = 0; i < units.size(); ++i) {
          if (auto other = Repository::TargetingGroup(tx, round.id(), units[i].id)) {
            return absl::AlreadyExistsError(
                absl::StrCat("unit_ids[", i, "]: org unit ", units[i].id,
                             " is already a target of group ", *other, " in this round"));
          }
          Repository::InsertTarget(tx, group.id, round.id(), units[i]);
        }
        updated = Repository::LoadGroup(tx, group.id);
        RETURN_IF_ERROR(RecordChange(tx, rc, "group.add_targets", absl::StrCat("groups/", group.id),
                                     "planning.group.targets_added", updated));
        return PublishEngagements(tx, round.id(), group.id);
      }));
  return updated;
}

absl::StatusOr<v1::Group> PlanningApp::SetGroupMembers(const RequestContext& rc,
                                                       OrgDirectory& directory,
                                                       const v1::SetGroupMembersRequest& request) {
  RETURN_IF_ERROR(ValidateId("group_id", request.group_id()));
  RETURN_IF_ERROR(ValidateMembers(request.members()));
  ASSIGN_OR_RETURN(StoredGroup group, pool_.TransactWith<StoredGroup>([&](pqxx::work& tx) {
    return Repository::GetGroup(tx, request.group_id());
  }));
  ASSIGN_OR_RETURN(v1::Round round, PeekRound(group.round_id, "round_id"));
  if (!CanEditPlanning(rc.principal, round.office_id())) {
    return Denied("change", absl::StrCat("groups/", group.id));
  }
  ASSIGN_OR_RETURN(std::vector<v1::GroupMember> members,
                   ResolveMembers(directory, request.members()));
  v1::Group updated;
  RETURN_IF_ERROR(
      WriteOnce(rc, "SetGroupMembers", request, updated, [&](pqxx::work& tx) -> absl::Status {
        ASSIGN_OR_RETURN(v1::Round locked, Repository::GetRound(tx, round.id(), "round_id", true));
        if (!MembersEditable(locked.state())) return RoundNotEditable(locked, "its members");
        Repository::LockAssignments(tx);
        RETURN_IF_ERROR(CheckNoOverlap(tx, locked, members, group.id));
        Repository::ReplaceMembers(tx, group.id, round.id(), members);
        updated = Repository::LoadGroup(tx, group.id);
        RETURN_IF_ERROR(RecordChange(tx, rc, "group.set_members", absl::StrCat("groups/", group.id),
                                     "planning.group.members_changed", updated));
        return PublishEngagements(tx, round.id(), group.id);
      }));
  return updated;
}

// ---------------------------------------------------------------------------------------------
// Talent pool and draws

absl::StatusOr<v1::TalentPoolEntry> PlanningApp::EnrolTalent(
    const RequestContext& rc, OrgDirectory& directory, const v1::EnrolTalentRequest& request) {
  const Principal& p = rc.principal;
  if (!CanEditPlanning(p, p.office_id)) return Denied("enrol people in", "the talent pool");
  RETURN_IF_ERROR(ValidateId("person_id", request.person_id()));
  auto person = directory.GetPerson(request.person_id());
  if (!person.ok()) {
    return FromDirectory(person.status(), "person_id", "person", request.person_id(), false);
  }
  // Units the caller may not see keep their id only; recusal then compares ids exactly.
  std::map<std::string, std::string> paths;
  auto path_of = [&](const std::string& unit_id) -> absl::StatusOr<std::string> {
    if (unit_id.empty()) return std::string();
    if (auto it = paths.find(unit_id); it != paths.end()) return it->second;
    auto unit = directory.GetUnit(unit_id);
    std::string path;
    if (unit.ok()) {
      path = unit->path;
    } else if (!absl::IsPermissionDenied(unit.status()) && !absl::IsNotFound(unit.status())) {
      return FromDirectory(unit.status(), "person_id", "org unit", unit_id, false);
    }
    paths[unit_id] = path;
    return path;
  };
  v1::TalentPoolEntry entry;
  entry.set_person_id(person->id());
  entry.set_office_id(p.office_id);
  entry.set_name(person->name());
  entry.set_home_office_id(person->office_id());
  for (const auto& e : person->expertise()) entry.add_expertise(e);
  entry.set_external_expert(request.external_expert());
  entry.set_available(!request.unavailable());
  entry.set_employer_unit_id(person->employer_unit_id());
  ASSIGN_OR_RETURN(std::string employer_path, path_of(person->employer_unit_id()));
  entry.set_employer_unit_path(employer_path);
  for (const auto& post : person->posts()) {
    auto* out = entry.add_posts();
    out->set_unit_id(post.org_unit_id());
    ASSIGN_OR_RETURN(std::string path, path_of(post.org_unit_id()));
    out->set_unit_path(path);
    out->set_start_date(post.start_date());
    out->set_end_date(post.end_date());
  }
  for (const auto& rel : person->relatives()) {
    auto* out = entry.add_relatives();
    out->set_unit_id(rel.org_unit_id());
    ASSIGN_OR_RETURN(std::string path, path_of(rel.org_unit_id()));
    out->set_unit_path(path);
    out->set_relation(rel.relation());
  }
  RETURN_IF_ERROR(WriteOnce(rc, "EnrolTalent", request, entry, [&](pqxx::work& tx) -> absl::Status {
    Repository::UpsertTalent(tx, entry);
    return RecordChange(tx, rc, "talent.enrol",
                        absl::StrCat("offices/", p.office_id, "/talentPool/", entry.person_id()),
                        "planning.talent.enrolled", entry);
  }));
  return entry;
}

absl::StatusOr<v1::ListTalentPoolResponse> PlanningApp::ListTalentPool(
    const RequestContext& rc, OrgDirectory& directory, const v1::ListTalentPoolRequest& request) {
  const Principal& p = rc.principal;
  const std::string office = request.office().empty() ? p.office_id : request.office();
  RETURN_IF_ERROR(ValidateId("office", office));
  ASSIGN_OR_RETURN(Page page, DecodePage(request.page_size(), request.page_token()));
  std::string path = p.office_path;
  if (office != p.office_id) {
    auto found = directory.GetOffice(office);
    if (!found.ok()) return FromDirectory(found.status(), "office", "office", office, false);
    path = found->path;
  }
  if (!CanReadPlanning(p, office, path)) {
    return Denied("read the talent pool of", absl::StrCat("offices/", office));
  }
  return pool_.TransactWith<v1::ListTalentPoolResponse>(
      [&](pqxx::work& tx) -> absl::StatusOr<v1::ListTalentPoolResponse> {
        auto entries = Repository::ListTalent(tx, office, request.expertise(), page);
        v1::ListTalentPoolResponse out;
        out.set_next_page_token(NextToken<v1::TalentPoolEntry>(
            entries, page.size, [](const auto& e) { return e.person_id(); }));
        for (auto& e : entries) *out.add_entries() = std::move(e);
        return out;
      });
}

absl::StatusOr<v1::Draw> PlanningApp::DrawMembers(const RequestContext& rc,
                                                  const v1::DrawMembersRequest& request) {
  RETURN_IF_ERROR(ValidateDrawRequest(request));
  uint64_t seed = request.seed();
  if (seed == 0) {
    // Fresh entropy per draw; recorded below so the draw can be replayed.
    (void)absl::SimpleHexAtoi(RandomHex(8), &seed);
    if (seed == 0) seed = 1;
  }
  v1::Draw draw;
  RETURN_IF_ERROR(WriteOnce(rc, "DrawMembers", request, draw, [&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(v1::Round round, Repository::GetRound(tx, request.id(), "id", true));
    if (!CanEditPlanning(rc.principal, round.office_id())) {
      return Denied("draw members for", absl::StrCat("rounds/", round.id()));
    }
    if (!MembersEditable(round.state())) return RoundNotEditable(round, "its members");
    DrawInput input;
    input.seed = seed;
    input.recusal_years = settings_.recusal_years;
    input.round_id = round.id();
    input.round_start = *Day(round.station_start());
    input.round_end = *Day(round.station_end());
    std::vector<v1::Group> groups;
    for (int i = 0; i < request.groups_size(); ++i) {
      const auto& spec = request.groups(i);
      const std::string field = absl::StrCat("groups[", i, "].group_id");
      ASSIGN_OR_RETURN(StoredGroup stored, Repository::GetGroup(tx, spec.group_id(), field));
      if (stored.round_id != round.id()) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ": group ", stored.id, " belongs to another round"));
      }
      v1::Group group = Repository::LoadGroup(tx, stored.id);
      DrawGroup g;
      g.group_id = stored.id;
      g.name = stored.name;
      g.source_office_id = stored.source_office_id;
      g.size = spec.size();
      for (const auto& t : group.targets()) {
        g.targets.push_back({t.unit_id(), t.unit_path(), t.unit_name()});
      }
      for (const auto& need : spec.required_expertise()) {
        g.needs.emplace_back(need.tag(), need.count());
      }
      input.groups.push_back(std::move(g));
      groups.push_back(std::move(group));
    }
    Repository::LockAssignments(tx);
    const auto pool = Repository::WholePool(tx, round.office_id());
    std::vector<std::string> ids;
    std::map<std::string, const v1::TalentPoolEntry*> by_id;
    for (const auto& e : pool) {
      ids.push_back(e.person_id());
      by_id[e.person_id()] = &e;
    }
    auto assignments = Repository::Assignments(tx, ids);
    for (const auto& e : pool) {
      Candidate c = CandidateFromEntry(e);
      c.assignments = std::move(assignments[e.person_id()]);
      input.candidates.push_back(std::move(c));
    }
    ASSIGN_OR_RETURN(DrawOutcome outcome, RunDraw(input));

    draw.set_id(Repository::NewId(tx));
    draw.set_round_id(round.id());
    draw.set_requested_by(rc.principal.ActorLabel());
    draw.set_seed(seed);
    draw.set_recusal_years(settings_.recusal_years);
    draw.set_candidates(static_cast<int32_t>(pool.size()));
    *draw.mutable_specs() = request.groups();
    const absl::Time now = absl::Now();
    draw.mutable_create_time()->set_seconds(absl::ToUnixSeconds(now));
    for (auto& e : outcome.excluded) *draw.add_excluded() = std::move(e);
    for (std::size_t i = 0; i < groups.size(); ++i) {
      auto* drawn = draw.add_groups();
      drawn->set_group_id(groups[i].id());
      std::vector<v1::GroupMember> members(groups[i].members().begin(), groups[i].members().end());
      for (const std::string& person : outcome.picks[i]) {
        drawn->add_person_ids(person);
        const v1::TalentPoolEntry& e = *by_id[person];
        v1::GroupMember m;
        m.set_person_id(person);
        m.set_role(e.external_expert() ? Member::EXPERT : Member::MEMBER);
        m.set_home_office_id(e.home_office_id());
        m.set_name(e.name());
        members.push_back(std::move(m));
      }
      Repository::ReplaceMembers(tx, groups[i].id(), round.id(), members);
    }
    Repository::InsertDraw(tx, draw);
    RETURN_IF_ERROR(RecordChange(tx, rc, "draw.create", absl::StrCat("draws/", draw.id()),
                                 "planning.draw.completed", draw));
    for (const auto& g : groups) RETURN_IF_ERROR(PublishEngagements(tx, round.id(), g.id()));
    return absl::OkStatus();
  }));
  return draw;
}

absl::StatusOr<v1::ListDrawsResponse> PlanningApp::ListDraws(const RequestContext& rc,
                                                             const std::string& round_id) {
  RETURN_IF_ERROR(ValidateId("round_id", round_id));
  return pool_.ReadWith<v1::ListDrawsResponse>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::ListDrawsResponse> {
        ASSIGN_OR_RETURN(v1::Round round, Repository::GetRound(tx, round_id, "round_id"));
        if (!CanReadPlanning(rc.principal, round.office_id(), round.office_path())) {
          return Denied("read draws of", absl::StrCat("rounds/", round_id));
        }
        v1::ListDrawsResponse out;
        for (auto& d : Repository::ListDraws(tx, round_id)) *out.add_draws() = std::move(d);
        return out;
      });
}

// ---------------------------------------------------------------------------------------------
// Engagements and announcements

absl::StatusOr<v1::ListEngagementsResponse> PlanningApp::ListEngagements(
    const RequestContext& rc, const v1::ListEngagementsRequest& request) {
  RETURN_IF_ERROR(ValidateId("round", request.round(), false));
  ASSIGN_OR_RETURN(Page page, DecodePage(request.page_size(), request.page_token()));
  const Principal& p = rc.principal;
  const absl::CivilDay today = TodayInChina();
  return pool_.ReadWith<v1::ListEngagementsResponse>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::ListEngagementsResponse> {
        bool round_readable = false;
        if (!request.round().empty()) {
          ASSIGN_OR_RETURN(v1::Round round, Repository::GetRound(tx, request.round(), "round"));
          round_readable = CanReadPlanning(p, round.office_id(), round.office_path());
        }
        auto rows = Repository::ListEngagements(
            tx, request.round(), p.IsApiClient() ? "" : p.office_path,
            p.IsApiClient() ? "" : p.person_id, p.IsPlatformAdmin() || round_readable, page);
        v1::ListEngagementsResponse out;
        // The token follows the unfiltered rows so that filtering never skips a page.
        out.set_next_page_token(
            NextToken<EngagementSnapshot>(rows, page.size, [](const auto& s) { return s.id(); }));
        for (auto& s : rows) {
          if (CanReadPlanning(p, s.office_id(), s.office_path()) || AccessTo(p, s, today).member) {
            *out.add_engagements() = std::move(s);
          }
        }
        if (!request.round().empty() && !round_readable && out.engagements_size() == 0 &&
            page.after.empty()) {
          return Denied("list engagements of", absl::StrCat("rounds/", request.round()));
        }
        return out;
      });
}

absl::StatusOr<EngagementSnapshot> PlanningApp::GetEngagement(const RequestContext& rc,
                                                              const std::string& id) {
  RETURN_IF_ERROR(ValidateId("id", id));
  return pool_.ReadWith<EngagementSnapshot>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<EngagementSnapshot> {
        ASSIGN_OR_RETURN(EngagementSnapshot s, Repository::GetEngagement(tx, id));
        // Group members only while their access window is open (cross inspections end with
        // the stationing); office staff of the organiser and the offices above it always.
        if (!CanReadPlanning(rc.principal, s.office_id(), s.office_path()) &&
            !AccessTo(rc.principal, s, TodayInChina()).member) {
          return Denied("read", absl::StrCat("engagements/", id));
        }
        return s;
      });
}

absl::StatusOr<v1::Announcement> PlanningApp::PublishAnnouncement(const RequestContext& rc,
                                                                  const std::string& engagement_id,
                                                                  const v1::Announcement& a) {
  RETURN_IF_ERROR(ValidateId("engagement_id", engagement_id));
  RETURN_IF_ERROR(ValidateAnnouncement(a));
  v1::Announcement published;
  v1::PublishAnnouncementRequest request;
  request.set_engagement_id(engagement_id);
  *request.mutable_announcement() = a;
  RETURN_IF_ERROR(
      WriteOnce(rc, "PublishAnnouncement", request, published, [&](pqxx::work& tx) -> absl::Status {
        ASSIGN_OR_RETURN(EngagementSnapshot s,
                         Repository::GetEngagement(tx, engagement_id, "engagement_id"));
        if (!CanEditPlanning(rc.principal, s.office_id()) &&
            !AccessTo(rc.principal, s, TodayInChina()).leader) {
          return Denied("publish the announcement of", absl::StrCat("engagements/", engagement_id));
        }
        if (s.round_state() == "CLOSED") {
          return absl::FailedPreconditionError(
              "state: the round is CLOSED; its announcements can no longer be changed");
        }
        Repository::UpsertAnnouncement(tx, engagement_id, a);
        published = *Repository::GetAnnouncement(tx, engagement_id);
        return RecordChange(tx, rc, "announcement.publish",
                            absl::StrCat("engagements/", engagement_id, "/announcement"),
                            "planning.announcement.published", published);
      }));
  return published;
}

absl::StatusOr<v1::Announcement> PlanningApp::GetAnnouncement(const std::string& engagement_id) {
  RETURN_IF_ERROR(ValidateId("engagement_id", engagement_id));
  return pool_.ReadWith<v1::Announcement>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::Announcement> {
        auto a = Repository::GetAnnouncement(tx, engagement_id);
        auto s = Repository::GetEngagement(tx, engagement_id, "engagement_id");
        // A round the leading group has not approved is not public yet.
        if (!a || !s.ok() || s->round_state() == "DRAFT") {
          return absl::NotFoundError(
              absl::StrCat("engagement_id: no announcement for engagement ", engagement_id));
        }
        return *a;
      });
}

}  // namespace xuncha::planning
