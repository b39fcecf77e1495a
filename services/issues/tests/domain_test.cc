#include "domain.h"

#include <gtest/gtest.h>

#include <map>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"

namespace xuncha::issues {
namespace {

constexpr char kId[] = "0b8f4c1e-3d2a-4f5b-9c6d-7e8f9a0b1c2d";

void ExpectInvalid(const absl::Status& s, absl::string_view field) {
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_TRUE(absl::StartsWith(s.message(), absl::StrCat(field, ":"))) << s;
}

Issue ValidIssue() {
  Issue i;
  i.set_engagement_id(kId);
  i.set_title("违规发放津补贴");
  i.set_description("2022年以来以各种名义发放津补贴12万元");
  i.set_category_id(kId);
  i.set_severity(Issue::SERIOUS);
  i.set_source(Issue::DOCUMENT);
  i.set_source_record_id(kId);
  return i;
}

Issue InState(Issue::State state, bool immediate = false) {
  Issue i = ValidIssue();
  i.set_state(state);
  i.set_immediate(immediate);
  return i;
}

TEST(IssueValidationTest, NamesTheField) {
  EXPECT_TRUE(ValidateNewIssue(ValidIssue()).ok());
  Issue i = ValidIssue();
  i.set_title(" ");
  ExpectInvalid(ValidateNewIssue(i), "title");
  i = ValidIssue();
  i.set_category_id("");
  ExpectInvalid(ValidateNewIssue(i), "category_id");
  i = ValidIssue();
  i.set_severity(Issue::SEVERITY_UNSPECIFIED);
  ExpectInvalid(ValidateNewIssue(i), "severity");
  i = ValidIssue();
  i.set_source(static_cast<Issue::Source>(99));
  ExpectInvalid(ValidateNewIssue(i), "source");
  i = ValidIssue();
  i.set_source_record_id("");
  ExpectInvalid(ValidateNewIssue(i), "source_record_id");
  i.set_source(Issue::OTHER);  // OTHER needs no record
  EXPECT_TRUE(ValidateNewIssue(i).ok());
  i = ValidIssue();
  i.set_engagement_id("nope");
  ExpectInvalid(ValidateNewIssue(i), "engagement_id");
  i = ValidIssue();
  i.set_discipline_type(static_cast<Issue::DisciplineType>(42));
  ExpectInvalid(ValidateNewIssue(i), "discipline_type");
}

TEST(IssueValidationTest, SignOffAndDismissalNeedTheirParts) {
  v1::SignOff s;
  ExpectInvalid(ValidateSignOff(s), "sign_off.signer_name");
  s.set_signer_name("王五");
  ExpectInvalid(ValidateSignOff(s), "sign_off.signed_on");
  s.set_signed_on("2024-02-30");
  ExpectInvalid(ValidateSignOff(s), "sign_off.signed_on");
  s.set_signed_on("2024-02-29");
  ExpectInvalid(ValidateSignOff(s), "sign_off.statement");
  s.set_statement("情况属实，认领问题");
  EXPECT_TRUE(ValidateSignOff(s).ok());
  v1::Dismissal d;
  ExpectInvalid(ValidateDismissal(d), "dismissal.unit_explanation");
  d.set_unit_explanation("已按规定报批");
  ExpectInvalid(ValidateDismissal(d), "dismissal.group_reason");
  d.set_group_reason("经核实有审批手续");
  EXPECT_TRUE(ValidateDismissal(d).ok());
}

TEST(IssueValidationTest, FeedbackDates) {
  ExpectInvalid(ValidateFeedback("2024-05-01", "", "2024-06-01"), "requirements");
  ExpectInvalid(ValidateFeedback("2024-05-01", "按期整改", ""), "rectification_plan_due");
  ExpectInvalid(ValidateFeedback("2024-05-01", "按期整改", "2024-04-30"), "rectification_plan_due");
  ExpectInvalid(ValidateFeedback("2024-13-01", "按期整改", "2024-04-30"), "feedback_date");
  EXPECT_TRUE(ValidateFeedback("2024-05-01", "按期整改", "2024-05-01").ok());
}

TEST(IssueTransitionTest, TheLegalPath) {
  EXPECT_TRUE(CheckIssueTransition(InState(Issue::DRAFT), Issue::VERIFYING).ok());
  EXPECT_TRUE(CheckIssueTransition(InState(Issue::VERIFYING), Issue::CONFIRMED).ok());
  EXPECT_TRUE(CheckIssueTransition(InState(Issue::VERIFYING), Issue::DISMISSED).ok());
  EXPECT_TRUE(CheckIssueTransition(InState(Issue::CONFIRMED), Issue::REPORTED).ok());
  EXPECT_TRUE(CheckIssueTransition(InState(Issue::REPORTED), Issue::FED_BACK).ok());
}

TEST(IssueTransitionTest, EveryIllegalMoveNamesBothStates) {
  const Issue::State all[] = {Issue::DRAFT,     Issue::VERIFYING, Issue::CONFIRMED,
                              Issue::DISMISSED, Issue::REPORTED,  Issue::FED_BACK};
  const std::set<std::pair<Issue::State, Issue::State>> legal = {
      {Issue::DRAFT, Issue::VERIFYING},
      {Issue::VERIFYING, Issue::CONFIRMED},
      {Issue::VERIFYING, Issue::DISMISSED},
      {Issue::CONFIRMED, Issue::REPORTED},
      {Issue::REPORTED, Issue::FED_BACK}};
  int illegal = 0;
  for (Issue::State from : all) {
    for (Issue::State to : all) {
      absl::Status s = CheckIssueTransition(InState(from), to);
      if (legal.contains({from, to})) {
        EXPECT_TRUE(s.ok()) << StateName(from) << "→" << StateName(to);
        continue;
      }
      ++illegal;
      EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
      EXPECT_TRUE(absl::StrContains(s.message(), absl::StrCat("issue is ", StateName(from)))) << s;
      EXPECT_TRUE(absl::StrContains(s.message(), absl::StrCat("cannot move to ", StateName(to))))
          << s;
    }
  }
  EXPECT_EQ(illegal, 31);
}

TEST(IssueTransitionTest, ImmediateIssuesAreFedBackFromTheFieldStage) {
  for (Issue::State from : {Issue::DRAFT, Issue::VERIFYING, Issue::CONFIRMED, Issue::REPORTED}) {
    EXPECT_TRUE(CheckIssueTransition(InState(from, true), Issue::FED_BACK).ok()) << StateName(from);
  }
  EXPECT_FALSE(CheckIssueTransition(InState(Issue::DISMISSED, true), Issue::FED_BACK).ok());
  EXPECT_FALSE(CheckIssueTransition(InState(Issue::FED_BACK, true), Issue::FED_BACK).ok());
  absl::Status s = CheckIssueTransition(InState(Issue::CONFIRMED, false), Issue::FED_BACK);
  EXPECT_EQ(s.message(), "issue is CONFIRMED; cannot move to FED_BACK (only from REPORTED)");
}

TEST(ReportTransitionTest, DraftSubmittedApprovedFedBack) {
  EXPECT_TRUE(CheckReportTransition(Report::DRAFT, Report::SUBMITTED).ok());
  EXPECT_TRUE(CheckReportTransition(Report::SUBMITTED, Report::APPROVED).ok());
  EXPECT_TRUE(CheckReportTransition(Report::APPROVED, Report::FED_BACK).ok());
  absl::Status s = CheckReportTransition(Report::DRAFT, Report::APPROVED);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "report is DRAFT; cannot move to APPROVED (only from SUBMITTED)");
  EXPECT_FALSE(CheckReportTransition(Report::SUBMITTED, Report::FED_BACK).ok());
  EXPECT_FALSE(CheckReportTransition(Report::FED_BACK, Report::FED_BACK).ok());
  EXPECT_FALSE(CheckReportTransition(Report::APPROVED, Report::SUBMITTED).ok());
  EXPECT_FALSE(CheckReportTransition(Report::SUBMITTED, Report::DRAFT).ok());
}

TEST(AccessTest, WritersReadersApproversAndTheLiaison) {
  Principal staff;
  staff.roles = {"OFFICE_STAFF"};
  Principal viewer;
  viewer.roles = {"VIEWER"};
  Principal leading;
  leading.roles = {"LEADING_GROUP"};
  EngagementAccess office;
  office.office = true;
  EXPECT_TRUE(CanWriteIssues(staff, office));
  EXPECT_FALSE(CanWriteIssues(viewer, office));
  EXPECT_TRUE(CanReadIssues(viewer, office));
  EXPECT_FALSE(CanApproveReport(staff, office));
  EXPECT_TRUE(CanApproveReport(leading, office));
  EngagementAccess above;
  above.office_above = true;
  EXPECT_TRUE(CanReadIssues(leading, above));
  EXPECT_FALSE(CanWriteIssues(staff, above));
  EXPECT_FALSE(CanApproveReport(leading, above));  // the city does not approve a county report
  EngagementAccess member;
  member.member = true;
  Principal person;
  EXPECT_TRUE(CanWriteIssues(person, member));
  EXPECT_FALSE(CanSubmitReport(person, member));
  member.leader = true;
  EXPECT_TRUE(CanSubmitReport(person, member));
  EngagementAccess liaison;
  liaison.liaison = true;
  EXPECT_FALSE(CanReadIssues(person, liaison));
  EXPECT_FALSE(LiaisonMaySee(person, liaison, Issue::DRAFT));
  EXPECT_TRUE(LiaisonMaySee(person, liaison, Issue::VERIFYING));
  EngagementAccess client;
  client.api_client = true;
  Principal api;
  api.kind = TokenClaims::API_CLIENT;
  EXPECT_FALSE(CanReadIssues(api, client));
  api.scopes = {"issues:read"};
  EXPECT_TRUE(CanReadIssues(api, client));
  EXPECT_FALSE(CanWriteIssues(api, client));
}

TEST(AccessTest, TheLiaisonNeverSeesTheSource) {
  Issue i = InState(Issue::VERIFYING);
  i.add_evidence_ids("sha256:abc");
  i.set_responsible_person("张三");
  i.set_clue_material(true);
  Issue r = RedactForLiaison(i);
  EXPECT_EQ(r.title(), i.title());
  EXPECT_EQ(r.description(), i.description());
  EXPECT_EQ(r.source(), Issue::SOURCE_UNSPECIFIED);
  EXPECT_TRUE(r.source_record_id().empty());
  EXPECT_EQ(r.evidence_ids_size(), 0);
  EXPECT_TRUE(r.responsible_person().empty());
  EXPECT_FALSE(r.clue_material());
  EXPECT_TRUE(r.category_id().empty());
  i.set_state(Issue::FED_BACK);
  i.set_category_name("违反中央八项规定精神");
  r = RedactForLiaison(i);
  EXPECT_EQ(r.category_name(), "违反中央八项规定精神");  // told at feedback
  EXPECT_TRUE(r.source_record_id().empty());
}

TEST(ReportAssemblyTest, GroupsByHeadingInTaxonomyOrder) {
  auto make = [](const std::string& id, const std::string& title, const std::string& heading,
                 int position, Issue::Severity severity) {
    ReportedIssue r;
    r.issue.set_id(id);
    r.issue.set_title(title);
    r.issue.set_heading_id("h-" + heading);
    r.issue.set_heading_name(heading);
    r.issue.set_category_name(heading + "-子类");
    r.issue.set_severity(severity);
    r.heading_position = position;
    return r;
  };
  std::vector<ReportedIssue> issues = {
      make("1", "乙", "全面从严治党", 3, Issue::GENERAL),
      make("2", "甲", "党的领导", 1, Issue::GENERAL),
      make("3", "丙", "全面从严治党", 3, Issue::GRAVE),
      make("4", "丁", "全面从严治党", 3, Issue::GENERAL),
      make("5", "戊", "选人用人", 4, Issue::SERIOUS),
  };
  auto groups = GroupByHeading(issues);
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].heading_name(), "党的领导");
  EXPECT_EQ(groups[0].count(), 1);
  EXPECT_EQ(groups[1].heading_name(), "全面从严治党");
  EXPECT_EQ(groups[1].count(), 3);
  ASSERT_EQ(groups[1].issues_size(), 3);
  EXPECT_EQ(groups[1].issues(0).id(), "3");  // gravest first
  EXPECT_EQ(groups[1].issues(1).title(), "丁");
  EXPECT_EQ(groups[1].issues(2).title(), "乙");
  EXPECT_EQ(groups[2].heading_name(), "选人用人");
  int total = 0;
  for (const auto& g : groups) total += g.count();
  EXPECT_EQ(total, 5);
  EXPECT_TRUE(GroupByHeading({}).empty());
}

TEST(StatisticsTest, RollUpAddsCountiesToTheCity) {
  std::vector<StatsRow> rows = {
      {"city", "c1", "h1", "党的领导", "POLITICAL", "GRAVE", "INTERVIEW", "CONFIRMED", 2},
      {"city", "c1", "h2", "党的建设", "", "GENERAL", "DOCUMENT", "DRAFT", 1},
      {"county-a", "c1.a", "h1", "党的领导", "INTEGRITY", "GENERAL", "PETITION", "FED_BACK", 4},
      {"county-b", "c1.b", "h2", "党的建设", "INTEGRITY", "SERIOUS", "DOCUMENT", "FED_BACK", 3},
      {"town", "c1.a.t", "h2", "党的建设", "WORK", "GENERAL", "OTHER", "DRAFT", 5},
      {"other-city", "c2", "h1", "党的领导", "WORK", "GENERAL", "OTHER", "DRAFT", 100},
  };
  v1::IssueStats city = RollUp(rows, "c1");
  EXPECT_EQ(city.total(), 15);
  std::map<std::string, int64_t> offices;
  for (const auto& o : city.by_office()) offices[o.office_id()] = o.total();
  EXPECT_EQ(offices.size(), 4u);
  EXPECT_EQ(offices["city"], 15);
  EXPECT_EQ(offices["county-a"], 9);
  EXPECT_EQ(offices["county-b"], 3);
  EXPECT_EQ(offices["town"], 5);
  for (const auto& o : city.by_office()) {
    if (o.office_id() == "city") {
      EXPECT_EQ(o.own(), 3);
    }
  }
  std::map<std::string, int64_t> categories;
  for (const auto& c : city.by_category()) categories[c.label()] = c.count();
  EXPECT_EQ(categories["党的领导"], 6);
  EXPECT_EQ(categories["党的建设"], 9);
  std::map<std::string, int64_t> discipline;
  for (const auto& c : city.by_discipline_type()) discipline[c.key()] = c.count();
  EXPECT_EQ(discipline["INTEGRITY"], 7);
  EXPECT_EQ(discipline["DISCIPLINE_TYPE_UNSPECIFIED"], 1);
  std::map<std::string, int64_t> states;
  for (const auto& c : city.by_state()) states[c.key()] = c.count();
  EXPECT_EQ(states["DRAFT"], 6);
  EXPECT_EQ(states["FED_BACK"], 7);

  v1::IssueStats county = RollUp(rows, "c1.a");  // a county sees itself and below, not the city
  EXPECT_EQ(county.total(), 9);
  EXPECT_EQ(county.by_office_size(), 2);
  // "c1.a" is not an ancestor of "c1.ab": label-wise comparison.
  rows.push_back({"x", "c1.ab", "h1", "党的领导", "", "GENERAL", "OTHER", "DRAFT", 7});
  EXPECT_EQ(RollUp(rows, "c1.a").total(), 9);
}

// The summary's rows for `rows`: each combination counted once in each of its five values.
std::vector<CountRow> Marginals(const std::vector<StatsRow>& rows) {
  std::map<std::tuple<std::string, std::string, std::string, std::string>,
           std::pair<std::string, int64_t>>
      m;
  for (const auto& r : rows) {
    auto add = [&](const std::string& dimension, const std::string& key, const std::string& label) {
      auto& v = m[{r.office_id, r.office_path, dimension, key}];
      v.first = label;
      v.second += r.count;
    };
    add("heading", r.heading_id, r.heading_name);
    add("discipline", r.discipline_type, "");
    add("severity", r.severity, "");
    add("source", r.source, "");
    add("state", r.state, "");
  }
  std::vector<CountRow> out;
  for (const auto& [k, v] : m) {
    out.push_back(
        {std::get<0>(k), std::get<1>(k), std::get<2>(k), std::get<3>(k), v.first, v.second});
  }
  return out;
}

TEST(StatisticsTest, SummaryCountsGiveTheSameAnswerAsTheRowsTheyCount) {
  std::vector<StatsRow> rows = {
      {"city", "c1", "h1", "党的领导", "POLITICAL", "GRAVE", "INTERVIEW", "CONFIRMED", 2},
      {"city", "c1", "h2", "党的建设", "", "GENERAL", "DOCUMENT", "DRAFT", 1},
      {"city", "c1", "h2", "党的建设", "WORK", "GENERAL", "DOCUMENT", "DRAFT", 6},
      {"county-a", "c1.a", "h1", "党的领导", "INTEGRITY", "GENERAL", "PETITION", "FED_BACK", 4},
      {"county-b", "c1.b", "h2", "党的建设", "INTEGRITY", "SERIOUS", "DOCUMENT", "FED_BACK", 3},
      {"town", "c1.a.t", "h2", "党的建设", "WORK", "GENERAL", "OTHER", "DRAFT", 5},
      {"other-city", "c2", "h1", "党的领导", "WORK", "GENERAL", "OTHER", "DRAFT", 100},
      {"x", "c1.ab", "h1", "党的领导", "", "GENERAL", "OTHER", "DRAFT", 7},
  };
  const std::vector<CountRow> counts = Marginals(rows);
  for (const char* root : {"c1", "c1.a", "c1.b", "c2", "c3"}) {
    const v1::IssueStats want = RollUp(rows, root);
    const v1::IssueStats got = RollUpCounts(counts, root);
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(want, got))
        << root << "\nwant " << want.ShortDebugString() << "\ngot  " << got.ShortDebugString();
  }
  EXPECT_EQ(RollUpCounts(counts, "c1").total(), 28);
  // A key whose count has fallen to zero (every issue left that state) is not reported.
  std::vector<CountRow> drained = counts;
  drained.push_back({"city", "c1", "state", "VERIFYING", "", 3});
  drained.push_back({"city", "c1", "state", "VERIFYING", "", -3});
  const v1::IssueStats city = RollUpCounts(drained, "c1");
  for (const auto& c : city.by_state()) EXPECT_NE(c.key(), "VERIFYING");
  EXPECT_EQ(city.total(), 28);
}

}  // namespace
}  // namespace xuncha::issues
