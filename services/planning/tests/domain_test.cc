#include "domain.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace xuncha::planning {
namespace {

constexpr char kId[] = "0b8f4c1e-3d2a-4f5b-9c6d-7e8f9a0b1c2d";
constexpr char kOther[] = "1b8f4c1e-3d2a-4f5b-9c6d-7e8f9a0b1c2d";

void ExpectInvalid(const absl::Status& s, absl::string_view field) {
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_TRUE(absl::StartsWith(s.message(), absl::StrCat(field, ":"))) << s;
}

v1::Round ValidRound() {
  v1::Round r;
  r.set_plan_id(kId);
  r.set_kind(v1::Round::REGULAR);
  r.set_title("2025年第一轮巡察");
  r.set_mobilisation_date("2025-03-01");
  r.set_station_start("2025-03-03");
  r.set_station_end("2025-04-30");
  r.set_feedback_due("2025-06-30");
  return r;
}

const v1::Round::State kStates[] = {
    v1::Round::DRAFT,    v1::Round::APPROVED,      v1::Round::IN_FIELD, v1::Round::REPORTING,
    v1::Round::FEEDBACK, v1::Round::RECTIFICATION, v1::Round::CLOSED};

TEST(PlanningRoundStateTest, EveryLegalAndIllegalTransition) {
  // The legal ones are exactly the consecutive pairs of the chain.
  for (int from = 0; from < 7; ++from) {
    for (int to = 0; to < 7; ++to) {
      absl::Status s = CheckRoundTransition(kStates[from], kStates[to]);
      if (to == from + 1) {
        EXPECT_TRUE(s.ok()) << v1::Round::State_Name(kStates[from]) << "→"
                            << v1::Round::State_Name(kStates[to]) << ": " << s;
      } else {
        EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition)
            << v1::Round::State_Name(kStates[from]) << "→" << v1::Round::State_Name(kStates[to]);
        // The message names the current and the requested state.
        EXPECT_NE(s.message().find(v1::Round::State_Name(kStates[from])), std::string::npos) << s;
        EXPECT_NE(s.message().find(absl::StrCat("move to ", v1::Round::State_Name(kStates[to]))),
                  std::string::npos)
            << s;
      }
    }
  }
  EXPECT_FALSE(NextRoundState(v1::Round::CLOSED).has_value());
  EXPECT_EQ(CheckRoundTransition(v1::Round::STATE_UNSPECIFIED, v1::Round::APPROVED).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(PlanningRoundStateTest, EventNamesAndEditability) {
  EXPECT_EQ(RoundEventType(v1::Round::APPROVED), "planning.round.approved");
  EXPECT_EQ(RoundEventType(v1::Round::IN_FIELD), "planning.round.field_started");
  EXPECT_EQ(RoundEventType(v1::Round::CLOSED), "planning.round.closed");
  EXPECT_TRUE(TargetsEditable(v1::Round::DRAFT));
  EXPECT_TRUE(TargetsEditable(v1::Round::APPROVED));
  EXPECT_FALSE(TargetsEditable(v1::Round::IN_FIELD));
  EXPECT_TRUE(MembersEditable(v1::Round::IN_FIELD));
  EXPECT_FALSE(MembersEditable(v1::Round::REPORTING));
  EXPECT_FALSE(MembersEditable(v1::Round::CLOSED));
}

TEST(PlanningValidationTest, RoundDatesAndKinds) {
  EXPECT_TRUE(ValidateRound(ValidRound()).ok());
  v1::Round r = ValidRound();
  r.set_station_end("2025-03-02");
  ExpectInvalid(ValidateRound(r), "station_end");
  EXPECT_EQ(ValidateRound(r).message(), "station_end: must not be before station_start");
  r = ValidRound();
  r.set_mobilisation_date("2025-03-04");
  ExpectInvalid(ValidateRound(r), "mobilisation_date");
  r = ValidRound();
  r.set_feedback_due("2025-04-01");
  ExpectInvalid(ValidateRound(r), "feedback_due");
  r = ValidRound();
  r.set_station_start("2025-02-30");
  ExpectInvalid(ValidateRound(r), "station_start");
  r = ValidRound();
  r.clear_station_end();
  ExpectInvalid(ValidateRound(r), "station_end");
  r = ValidRound();
  r.set_kind(v1::Round::SPECIAL);
  ExpectInvalid(ValidateRound(r), "topic");
  r.set_topic("乡村振兴");
  EXPECT_TRUE(ValidateRound(r).ok());
  r = ValidRound();
  r.set_kind(v1::Round::FOLLOW_UP);
  ExpectInvalid(ValidateRound(r), "follow_up_of");
  r.set_follow_up_of(kOther);
  EXPECT_TRUE(ValidateRound(r).ok());
  r = ValidRound();
  r.set_follow_up_of(kOther);
  ExpectInvalid(ValidateRound(r), "follow_up_of");
  r = ValidRound();
  r.set_kind(static_cast<v1::Round::Kind>(99));
  ExpectInvalid(ValidateRound(r), "kind");
  r = ValidRound();
  r.set_plan_id("nope");
  ExpectInvalid(ValidateRound(r), "plan_id");
}

TEST(PlanningValidationTest, PlansGroupsMembersDraws) {
  v1::Plan plan;
  plan.set_kind(v1::Plan::TERM);
  plan.set_title("十四五巡察规划");
  plan.set_start_year(2021);
  plan.set_end_year(2025);
  ExpectInvalid(ValidateNewPlan(plan), "unit_ids");
  plan.add_unit_ids(kId);
  EXPECT_TRUE(ValidateNewPlan(plan).ok());
  plan.add_unit_ids(kId);
  ExpectInvalid(ValidateNewPlan(plan), "unit_ids[1]");
  plan.mutable_unit_ids()->RemoveLast();
  plan.set_end_year(2026);
  ExpectInvalid(ValidateNewPlan(plan), "end_year");
  plan.set_kind(v1::Plan::ANNUAL);
  plan.set_end_year(2021);
  ExpectInvalid(ValidateNewPlan(plan), "unit_ids");

  v1::Group g;
  ExpectInvalid(ValidateNewGroup(g), "group.name");
  g.set_name("第一巡察组");
  g.add_targets()->set_unit_id(kId);
  g.add_targets()->set_unit_id(kId);
  ExpectInvalid(ValidateNewGroup(g), "group.targets[1].unit_id");
  g.mutable_targets()->RemoveLast();
  auto* leader = g.add_members();
  leader->set_person_id(kId);
  leader->set_role(common::v1::EngagementSnapshot::Member::LEADER);
  EXPECT_TRUE(ValidateNewGroup(g).ok());
  auto* second = g.add_members();
  second->set_person_id(kOther);
  second->set_role(common::v1::EngagementSnapshot::Member::LEADER);
  ExpectInvalid(ValidateNewGroup(g), "members[1].role");
  second->set_role(common::v1::EngagementSnapshot::Member::ROLE_UNSPECIFIED);
  ExpectInvalid(ValidateNewGroup(g), "members[1].role");
  second->set_role(common::v1::EngagementSnapshot::Member::MEMBER);
  second->set_person_id(kId);
  ExpectInvalid(ValidateNewGroup(g), "members[1].person_id");

  v1::DrawMembersRequest draw;
  draw.set_id(kId);
  ExpectInvalid(ValidateDrawRequest(draw), "groups");
  auto* spec = draw.add_groups();
  spec->set_group_id(kOther);
  spec->set_size(2);
  auto* need = spec->add_required_expertise();
  need->set_tag("财务");
  need->set_count(3);
  ExpectInvalid(ValidateDrawRequest(draw), "groups[0].required_expertise");
  need->set_count(2);
  EXPECT_TRUE(ValidateDrawRequest(draw).ok());
  spec->set_size(0);
  ExpectInvalid(ValidateDrawRequest(draw), "groups[0].size");
}

TEST(PlanningAccessWindowTest, CrossEndsAtWithdrawalOthersAtClose) {
  v1::Round r = ValidRound();
  r.set_kind(v1::Round::CROSS);
  AccessWindow w = EngagementAccessWindow(r);
  EXPECT_EQ(w.start, "2025-03-01");  // from mobilisation
  EXPECT_EQ(w.end, "2025-04-30");
  r.set_closed_on("2025-04-10");  // closed early: access ends then
  EXPECT_EQ(EngagementAccessWindow(r).end, "2025-04-10");
  r = ValidRound();
  r.clear_mobilisation_date();
  w = EngagementAccessWindow(r);
  EXPECT_EQ(w.start, "2025-03-03");
  EXPECT_EQ(w.end, "");  // a regular group keeps working on report and feedback
  r.set_closed_on("2025-12-01");
  EXPECT_EQ(EngagementAccessWindow(r).end, "2025-12-01");
}

Principal Staff(const std::string& office, const std::string& path,
                std::vector<std::string> roles) {
  Principal p;
  p.kind = TokenClaims::USER;
  p.subject_id = "u";
  p.office_id = office;
  p.office_path = path;
  p.roles = std::move(roles);
  return p;
}

TEST(PlanningAccessTest, OfficeTreeAndRoles) {
  const Principal city = Staff("city", "u1", {"OFFICE_STAFF"});
  const Principal county_a = Staff("a", "u1.u2", {"OFFICE_ADMIN"});
  const Principal leading = Staff("a", "u1.u2", {"LEADING_GROUP"});
  // The city reads its counties' planning, never changes it.
  EXPECT_TRUE(CanReadPlanning(city, "a", "u1.u2"));
  EXPECT_FALSE(CanEditPlanning(city, "a"));
  // A county does not read the city above it nor its sibling.
  EXPECT_FALSE(CanReadPlanning(county_a, "city", "u1"));
  EXPECT_FALSE(CanReadPlanning(county_a, "b", "u1.u3"));
  EXPECT_TRUE(CanEditPlanning(county_a, "a"));
  EXPECT_FALSE(CanApprove(county_a, "a"));
  EXPECT_TRUE(CanApprove(leading, "a"));
  EXPECT_FALSE(CanEditPlanning(leading, "a"));
  Principal liaison = Staff("a", "u1.u2", {"UNIT_LIAISON"});
  EXPECT_FALSE(CanReadPlanning(liaison, "a", "u1.u2"));
  Principal client = Staff("a", "u1.u2", {});
  client.kind = TokenClaims::API_CLIENT;
  EXPECT_FALSE(CanReadPlanning(client, "a", "u1.u2"));
  client.scopes = {"planning:read"};
  EXPECT_TRUE(CanReadPlanning(client, "a", "u1.u2"));
  EXPECT_FALSE(CanReadPlanning(client, "a2", "u1.u2.u9"));
  EXPECT_FALSE(CanEditPlanning(client, "a"));
}

TEST(PlanningCoverageTest, ArithmeticByCategory) {
  std::vector<CoverageInput> units = {{"1", "财政局", "机关部门", "u1.u1"},
                                      {"2", "教育局", "机关部门", "u1.u2"},
                                      {"3", "水务公司", "生产单位", "u1.u3"},
                                      {"4", "医院", "服务单位", "u1.u4"},
                                      {"5", "某镇", "", "u1.u5"}};
  CoverageTally t = ComputeCoverage(units, {"1", "3", "9"});  // 9 is not in the plan
  EXPECT_EQ(t.total, 5);
  EXPECT_EQ(t.covered, 2);
  EXPECT_DOUBLE_EQ(t.rate, 0.4);
  ASSERT_EQ(t.by_category.size(), 4u);
  EXPECT_EQ(t.by_category["机关部门"].total(), 2);
  EXPECT_EQ(t.by_category["机关部门"].covered(), 1);
  EXPECT_DOUBLE_EQ(t.by_category["机关部门"].rate(), 0.5);
  EXPECT_DOUBLE_EQ(t.by_category["生产单位"].rate(), 1.0);
  EXPECT_DOUBLE_EQ(t.by_category["服务单位"].rate(), 0.0);
  EXPECT_EQ(t.by_category[""].total(), 1);
  ASSERT_EQ(t.remaining_units.size(), 3u);
  EXPECT_EQ(t.remaining_units[0].unit_id, "2");
  EXPECT_EQ(t.covered_units.size(), 2u);
  CoverageTally empty = ComputeCoverage({}, {});
  EXPECT_EQ(empty.total, 0);
  EXPECT_DOUBLE_EQ(empty.rate, 0.0);  // no division by zero
}

}  // namespace
}  // namespace xuncha::planning
