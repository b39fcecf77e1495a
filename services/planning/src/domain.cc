#include "domain.h"

#include <algorithm>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "xuncha/calendar.h"
#include "xuncha/scope.h"

namespace xuncha::planning {
namespace {

using Member = ::xuncha::common::v1::EngagementSnapshot::Member;

bool IsOfficeRole(const Principal& p) {
  return p.HasAnyRole({"OFFICE_ADMIN", "OFFICE_STAFF", "LEADING_GROUP", "VIEWER"});
}

// Optional dates parsed; nullopt for "".
std::optional<absl::CivilDay> OptionalDay(const std::string& text) {
  absl::CivilDay day;
  if (text.empty() || !absl::ParseCivilTime(text, &day)) return std::nullopt;
  return day;
}

// A unit inside a target: by path when both are known, else by id.
bool InsideTarget(const std::string& unit_id, const std::string& unit_path,
                  const DrawTarget& target) {
  if (!unit_path.empty() && !target.unit_path.empty()) {
    return PathWithin(unit_path, target.unit_path);
  }
  return !unit_id.empty() && unit_id == target.unit_id;
}

v1::Exclusion MakeExclusion(v1::Exclusion::Rule rule, std::string person, std::string detail) {
  v1::Exclusion e;
  e.set_rule(rule);
  e.set_person_id(std::move(person));
  e.set_detail(std::move(detail));
  return e;
}

bool HasTag(const Candidate& c, const std::string& tag) {
  return std::find(c.expertise.begin(), c.expertise.end(), tag) != c.expertise.end();
}

std::string RuleCounts(const std::map<int, int>& counts) {
  std::vector<std::string> parts;
  for (const auto& [rule, n] : counts) {
    parts.push_back(
        absl::StrCat(v1::Exclusion::Rule_Name(static_cast<v1::Exclusion::Rule>(rule)), " ", n));
  }
  return parts.empty() ? "none" : absl::StrJoin(parts, ", ");
}

// The rule that removed the most candidates, for the headline of an infeasible draw.
std::string DominantRule(const std::map<int, int>& counts) {
  int best = 0, best_n = -1;
  for (const auto& [rule, n] : counts) {
    if (n > best_n) best = rule, best_n = n;
  }
  return best_n <= 0 ? "too few candidates in the pool"
                     : v1::Exclusion::Rule_Name(static_cast<v1::Exclusion::Rule>(best));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Validation

absl::Status ValidateNewPlan(const v1::Plan& plan) {
  if (plan.kind() == v1::Plan::KIND_UNSPECIFIED || !v1::Plan::Kind_IsValid(plan.kind())) {
    return InvalidField("kind", "must be TERM or ANNUAL");
  }
  if (auto s = ValidateText("title", plan.title(), 200); !s.ok()) return s;
  if (plan.start_year() < 2000 || plan.start_year() > 2100) {
    return InvalidField("start_year", "must be between 2000 and 2100");
  }
  if (plan.kind() == v1::Plan::TERM) {
    if (plan.end_year() < plan.start_year() || plan.end_year() > plan.start_year() + 4) {
      return InvalidField("end_year", "a term plan spans one to five years from start_year");
    }
    if (plan.unit_ids_size() == 0)
      return InvalidField("unit_ids", "a term plan lists the units to cover");
    if (plan.unit_ids_size() > 5000) return InvalidField("unit_ids", "at most 5000 units");
    if (!plan.term_plan_id().empty()) return InvalidField("term_plan_id", "only for ANNUAL plans");
  } else {
    if (plan.end_year() != plan.start_year()) {
      return InvalidField("end_year", "an annual plan ends in its start_year");
    }
    if (plan.unit_ids_size() != 0) return InvalidField("unit_ids", "only TERM plans list units");
    if (auto s = ValidateId("term_plan_id", plan.term_plan_id(), false); !s.ok()) return s;
  }
  std::set<std::string> seen;
  for (int i = 0; i < plan.unit_ids_size(); ++i) {
    const std::string field = absl::StrCat("unit_ids[", i, "]");
    if (auto s = ValidateId(field, plan.unit_ids(i)); !s.ok()) return s;
    if (!seen.insert(plan.unit_ids(i)).second) {
      return InvalidField(field, absl::StrCat("unit ", plan.unit_ids(i), " is listed twice"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateRound(const v1::Round& round) {
  if (auto s = ValidateId("plan_id", round.plan_id()); !s.ok()) return s;
  if (round.kind() == v1::Round::KIND_UNSPECIFIED || !v1::Round::Kind_IsValid(round.kind())) {
    return InvalidField("kind",
                        "must be one of REGULAR, SPECIAL, FOLLOW_UP, CROSS, LINKED, ELEVATED");
  }
  if (auto s = ValidateText("title", round.title(), 200); !s.ok()) return s;
  if (auto s = ValidateText("topic", round.topic(), 200, round.kind() == v1::Round::SPECIAL);
      !s.ok()) {
    return round.kind() == v1::Round::SPECIAL && round.topic().empty()
               ? InvalidField("topic", "must be set for a SPECIAL round")
               : s;
  }
  if (round.kind() == v1::Round::FOLLOW_UP) {
    if (round.follow_up_of().empty()) {
      return InvalidField("follow_up_of", "must be set for a FOLLOW_UP round");
    }
    if (auto s = ValidateId("follow_up_of", round.follow_up_of()); !s.ok()) return s;
  } else if (!round.follow_up_of().empty()) {
    return InvalidField("follow_up_of", "only a FOLLOW_UP round links an earlier round");
  }
  if (auto s = ValidateDate("mobilisation_date", round.mobilisation_date(), false); !s.ok()) {
    return s;
  }
  if (auto s = ValidateDate("station_start", round.station_start(), true); !s.ok()) return s;
  if (auto s = ValidateDate("station_end", round.station_end(), true); !s.ok()) return s;
  if (auto s = ValidateDate("feedback_due", round.feedback_due(), false); !s.ok()) return s;
  const absl::CivilDay start = *OptionalDay(round.station_start());
  const absl::CivilDay end = *OptionalDay(round.station_end());
  if (end < start) return InvalidField("station_end", "must not be before station_start");
  if (auto m = OptionalDay(round.mobilisation_date()); m && *m > start) {
    return InvalidField("mobilisation_date", "must not be after station_start");
  }
  if (auto f = OptionalDay(round.feedback_due()); f && *f < end) {
    return InvalidField("feedback_due", "must not be before station_end");
  }
  return absl::OkStatus();
}

absl::Status ValidateMembers(const google::protobuf::RepeatedPtrField<v1::GroupMember>& members) {
  if (members.size() > 100) return InvalidField("members", "at most 100 members");
  std::set<std::string> seen;
  int leaders = 0;
  for (int i = 0; i < members.size(); ++i) {
    const auto& m = members[i];
    const std::string field = absl::StrCat("members[", i, "]");
    if (auto s = ValidateId(field + ".person_id", m.person_id()); !s.ok()) return s;
    if (m.role() == Member::ROLE_UNSPECIFIED || !Member::Role_IsValid(m.role())) {
      return InvalidField(field + ".role", "must be LEADER, DEPUTY, MEMBER or EXPERT");
    }
    if (!seen.insert(m.person_id()).second) {
      return InvalidField(field + ".person_id",
                          absl::StrCat("person ", m.person_id(), " is listed twice"));
    }
    if (m.role() == Member::LEADER && ++leaders > 1) {
      return InvalidField(field + ".role", "a group has one leader (组长)");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateNewGroup(const v1::Group& group) {
  if (auto s = ValidateText("group.name", group.name(), 100); !s.ok()) return s;
  if (auto s = ValidateId("group.source_office_id", group.source_office_id(), false); !s.ok()) {
    return s;
  }
  if (group.targets_size() > 200) return InvalidField("group.targets", "at most 200 targets");
  std::set<std::string> seen;
  for (int i = 0; i < group.targets_size(); ++i) {
    const std::string field = absl::StrCat("group.targets[", i, "].unit_id");
    if (auto s = ValidateId(field, group.targets(i).unit_id()); !s.ok()) return s;
    if (!seen.insert(group.targets(i).unit_id()).second) {
      return InvalidField(field,
                          absl::StrCat("unit ", group.targets(i).unit_id(), " is listed twice"));
    }
  }
  return ValidateMembers(group.members());
}

absl::Status ValidateDrawRequest(const v1::DrawMembersRequest& request) {
  if (auto s = ValidateId("id", request.id()); !s.ok()) return s;
  if (request.groups_size() == 0) return InvalidField("groups", "name at least one group to staff");
  if (request.groups_size() > 200) return InvalidField("groups", "at most 200 groups per draw");
  std::set<std::string> seen;
  for (int i = 0; i < request.groups_size(); ++i) {
    const auto& g = request.groups(i);
    const std::string field = absl::StrCat("groups[", i, "]");
    if (auto s = ValidateId(field + ".group_id", g.group_id()); !s.ok()) return s;
    if (!seen.insert(g.group_id()).second) {
      return InvalidField(field + ".group_id",
                          absl::StrCat("group ", g.group_id(), " is listed twice"));
    }
    if (g.size() < 1 || g.size() > 50) return InvalidField(field + ".size", "must be 1 to 50");
    int needed = 0;
    std::set<std::string> tags;
    for (int k = 0; k < g.required_expertise_size(); ++k) {
      const auto& need = g.required_expertise(k);
      const std::string nf = absl::StrCat(field, ".required_expertise[", k, "]");
      if (auto s = ValidateText(nf + ".tag", need.tag(), 20); !s.ok()) return s;
      if (!tags.insert(need.tag()).second) return InvalidField(nf + ".tag", "listed twice");
      if (need.count() < 1) return InvalidField(nf + ".count", "must be at least 1");
      needed += need.count();
    }
    if (needed > g.size()) {
      return InvalidField(
          field + ".required_expertise",
          absl::StrCat("asks for ", needed, " specialists in a group of ", g.size()));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateAnnouncement(const v1::Announcement& a) {
  if (auto s = ValidateText("announcement.scope", a.scope(), 2000); !s.ok()) return s;
  if (auto s = ValidateText("announcement.phone", a.phone(), 50); !s.ok()) return s;
  if (auto s = ValidateText("announcement.mailbox", a.mailbox(), 200); !s.ok()) return s;
  return ValidateText("announcement.address", a.address(), 200, false);
}

// ---------------------------------------------------------------------------------------------
// Round state machine

std::optional<v1::Round::State> NextRoundState(v1::Round::State state) {
  switch (state) {
    case v1::Round::DRAFT:
      return v1::Round::APPROVED;
    case v1::Round::APPROVED:
      return v1::Round::IN_FIELD;
    case v1::Round::IN_FIELD:
      return v1::Round::REPORTING;
    case v1::Round::REPORTING:
      return v1::Round::FEEDBACK;
    case v1::Round::FEEDBACK:
      return v1::Round::RECTIFICATION;
    case v1::Round::RECTIFICATION:
      return v1::Round::CLOSED;
    default:
      return std::nullopt;
  }
}

absl::Status CheckRoundTransition(v1::Round::State from, v1::Round::State to) {
  auto next = NextRoundState(from);
  if (next && *next == to) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("state: the round is ", v1::Round::State_Name(from), " and cannot move to ",
                   v1::Round::State_Name(to),
                   next ? absl::StrCat(" (next is ", v1::Round::State_Name(*next), ")")
                        : std::string(" (it is closed)")));
}

std::string RoundEventType(v1::Round::State state) {
  switch (state) {
    case v1::Round::APPROVED:
      return "planning.round.approved";
    case v1::Round::IN_FIELD:
      return "planning.round.field_started";
    case v1::Round::REPORTING:
      return "planning.round.reporting_started";
    case v1::Round::FEEDBACK:
      return "planning.round.feedback_started";
    case v1::Round::RECTIFICATION:
      return "planning.round.rectification_started";
    case v1::Round::CLOSED:
      return "planning.round.closed";
    default:
      return "planning.round.updated";
  }
}

bool TargetsEditable(v1::Round::State state) {
  return state == v1::Round::DRAFT || state == v1::Round::APPROVED;
}

bool MembersEditable(v1::Round::State state) {
  return TargetsEditable(state) || state == v1::Round::IN_FIELD;
}

// ---------------------------------------------------------------------------------------------
// Access

AccessWindow EngagementAccessWindow(const v1::Round& round) {
  AccessWindow w;
  w.start = round.mobilisation_date().empty() ? round.station_start() : round.mobilisation_date();
  if (round.kind() == v1::Round::CROSS) {
    w.end = round.station_end();
    // Closed early: access ends with the round even before the planned withdrawal date.
    if (!round.closed_on().empty() && round.closed_on() < w.end) w.end = round.closed_on();
  } else {
    w.end = round.closed_on();
  }
  return w;
}

bool CanReadPlanning(const Principal& principal, absl::string_view office_id,
                     absl::string_view office_path) {
  if (principal.IsPlatformAdmin()) return true;
  if (principal.IsApiClient()) {
    return principal.HasScope("planning:read") && principal.office_id == office_id;
  }
  return IsOfficeRole(principal) && !principal.office_path.empty() &&
         PathWithin(office_path, principal.office_path);
}

bool CanEditPlanning(const Principal& principal, absl::string_view office_id) {
  if (office_id.empty() || principal.office_id != office_id) return false;
  if (principal.IsApiClient()) return principal.HasScope("planning:write");
  return principal.HasAnyRole({"OFFICE_ADMIN", "OFFICE_STAFF"});
}

bool CanApprove(const Principal& principal, absl::string_view office_id) {
  return !principal.IsApiClient() && !office_id.empty() && principal.office_id == office_id &&
         principal.HasRole("LEADING_GROUP");
}

absl::Status Denied(absl::string_view action, absl::string_view resource) {
  return absl::PermissionDeniedError(absl::StrCat("not allowed to ", action, " ", resource));
}

// ---------------------------------------------------------------------------------------------
// Draw

std::optional<v1::Exclusion> RecusalConflict(const Candidate& c, const DrawTarget& target,
                                             absl::CivilDay round_start, int recusal_years) {
  if (InsideTarget(c.employer_unit_id, c.employer_unit_path, target)) {
    return MakeExclusion(
        v1::Exclusion::EMPLOYER, c.person_id,
        absl::StrCat("employed by target ", target.unit_name, " (", target.unit_id, ")"));
  }
  for (const auto& r : c.relatives) {
    if (InsideTarget(r.unit_id, r.unit_path, target)) {
      return MakeExclusion(
          v1::Exclusion::RELATIVE, c.person_id,
          absl::StrCat("declared relative in unit ", r.unit_id, " within target ", target.unit_id));
    }
  }
  // Posts that ended before this day are old enough to no longer count.
  const absl::CivilDay cutoff(round_start.year() - recusal_years, round_start.month(),
                              round_start.day());
  for (const auto& p : c.posts) {
    if (!InsideTarget(p.unit_id, p.unit_path, target)) continue;
    if (!p.end || *p.end >= cutoff) {
      return MakeExclusion(
          v1::Exclusion::PAST_POST, c.person_id,
          absl::StrCat("post in unit ", p.unit_id, " within target ", target.unit_id, " until ",
                       p.end ? FormatDate(*p.end) : std::string("now"), ", within ", recusal_years,
                       " years"));
    }
  }
  return std::nullopt;
}

std::optional<v1::Exclusion> OverlapConflict(const Candidate& c, absl::string_view round_id,
                                             absl::CivilDay round_start, absl::CivilDay round_end) {
  for (const auto& a : c.assignments) {
    if (a.round_id == round_id) {
      return MakeExclusion(v1::Exclusion::OVERLAP, c.person_id,
                           absl::StrCat("already in group ", a.group_id, " of this round"));
    }
    if (a.start <= round_end && round_start <= a.end) {
      return MakeExclusion(v1::Exclusion::OVERLAP, c.person_id,
                           absl::StrCat("in group ", a.group_id, " of round ", a.round_id, " from ",
                                        FormatDate(a.start), " to ", FormatDate(a.end)));
    }
  }
  return std::nullopt;
}

absl::StatusOr<DrawOutcome> RunDraw(const DrawInput& input) {
  DrawOutcome out;
  // Sorting first makes the draw independent of the order rows came back from the database.
  std::vector<const Candidate*> order;
  order.reserve(input.candidates.size());
  for (const auto& c : input.candidates) order.push_back(&c);
  std::sort(order.begin(), order.end(),
            [](const Candidate* a, const Candidate* b) { return a->person_id < b->person_id; });
  // Our own Fisher–Yates on mt19937_64: std::shuffle's use of the engine is unspecified, and a
  // recorded seed must replay identically on any standard library.
  std::mt19937_64 engine(input.seed);
  for (std::size_t i = order.size(); i > 1; --i) {
    std::swap(order[i - 1], order[engine() % i]);
  }

  // Round-level exclusions, logged once (group_id empty).
  std::vector<const Candidate*> pool;
  std::map<int, int> round_counts;
  for (const Candidate* c : order) {
    std::optional<v1::Exclusion> e;
    if (!c->available) {
      e = MakeExclusion(v1::Exclusion::UNAVAILABLE, c->person_id, "marked unavailable");
    } else {
      e = OverlapConflict(*c, input.round_id, input.round_start, input.round_end);
    }
    if (e) {
      ++round_counts[e->rule()];
      out.excluded.push_back(std::move(*e));
    } else {
      pool.push_back(c);
    }
  }

  std::set<std::string> taken;
  for (const DrawGroup& g : input.groups) {
    const std::string label = absl::StrCat("group ", g.name, " (", g.group_id, ")");
    std::vector<const Candidate*> eligible;
    std::map<int, int> counts = round_counts;
    for (const Candidate* c : pool) {
      if (taken.contains(c->person_id)) continue;
      if (!g.source_office_id.empty() && c->home_office_id != g.source_office_id) continue;
      std::optional<v1::Exclusion> conflict;
      for (const auto& t : g.targets) {
        conflict = RecusalConflict(*c, t, input.round_start, input.recusal_years);
        if (conflict) break;
      }
      if (conflict) {
        conflict->set_group_id(g.group_id);
        ++counts[conflict->rule()];
        out.excluded.push_back(std::move(*conflict));
        continue;
      }
      eligible.push_back(c);
    }
    std::vector<const Candidate*> picks;
    std::set<const Candidate*> picked;
    for (const auto& [tag, count] : g.needs) {
      int have = 0;
      for (const Candidate* c : picks) have += HasTag(*c, tag);
      for (const Candidate* c : eligible) {
        if (have >= count) break;
        if (picked.contains(c) || !HasTag(*c, tag)) continue;
        picks.push_back(c);
        picked.insert(c);
        ++have;
      }
      if (have < count) {
        return absl::FailedPreconditionError(
            absl::StrCat(label, ": cannot draw ", count, " with expertise ", tag, ", only ", have,
                         " eligible; rule excluding most: ", DominantRule(counts),
                         "; excluded: ", RuleCounts(counts)));
      }
    }
    while (static_cast<int>(picks.size()) < g.size) {
      std::set<std::string> group_tags;
      for (const Candidate* c : picks) group_tags.insert(c->expertise.begin(), c->expertise.end());
      const Candidate* choice = nullptr;
      const Candidate* fallback = nullptr;
      for (const Candidate* c : eligible) {
        if (picked.contains(c)) continue;
        if (fallback == nullptr) fallback = c;
        // Balance: prefer someone who brings an expertise the group lacks.
        if (std::any_of(c->expertise.begin(), c->expertise.end(),
                        [&](const std::string& t) { return !group_tags.contains(t); })) {
          choice = c;
          break;
        }
      }
      if (choice == nullptr) choice = fallback;
      if (choice == nullptr) {
        return absl::FailedPreconditionError(
            absl::StrCat(label, ": needs ", g.size, " members but only ", picks.size(),
                         " eligible candidates remain; rule excluding most: ", DominantRule(counts),
                         "; excluded: ", RuleCounts(counts)));
      }
      picks.push_back(choice);
      picked.insert(choice);
    }
    std::vector<std::string> ids;
    for (const Candidate* c : picks) {
      ids.push_back(c->person_id);
      taken.insert(c->person_id);
    }
    out.picks.push_back(std::move(ids));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Coverage

double Rate(int covered, int total) {
  return total == 0 ? 0.0 : static_cast<double>(covered) / static_cast<double>(total);
}

CoverageTally ComputeCoverage(const std::vector<CoverageInput>& units,
                              const std::set<std::string>& covered_unit_ids) {
  CoverageTally t;
  for (const auto& u : units) {
    auto& cat = t.by_category[u.category];
    cat.set_category(u.category);
    cat.set_total(cat.total() + 1);
    ++t.total;
    if (covered_unit_ids.contains(u.unit_id)) {
      cat.set_covered(cat.covered() + 1);
      ++t.covered;
      t.covered_units.push_back(u);
    } else {
      t.remaining_units.push_back(u);
    }
  }
  for (auto& [name, cat] : t.by_category) cat.set_rate(Rate(cat.covered(), cat.total()));
  t.rate = Rate(t.covered, t.total);
  return t;
}

}  // namespace xuncha::planning
