// Unit tests of the clue rules: routing table, state machine, need-to-know views, deadline and
// backlog arithmetic, CSV ledger.
#include "domain.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace xuncha::clues {
namespace {

// The backlog of clues counted one by one: each its own group of one.
v1::ClueBacklog BacklogOfEach(absl::string_view org, const std::vector<Clue>& clues,
                              absl::CivilDay today) {
  std::vector<BacklogGroup> groups;
  for (const Clue& c : clues) groups.push_back({c, 1});
  return BuildBacklog(org, groups, today);
}

v1::ReferralRule Rule(Clue::CadreLevel level, Clue::MatterType matter, const std::string& name) {
  v1::ReferralRule r;
  r.set_cadre_level(level);
  r.set_matter_type(matter);
  r.set_receiving_unit_id("00000000-0000-4000-8000-000000000001");
  r.set_receiving_unit_path("c1.x");
  r.set_receiving_unit_name(name);
  return r;
}

TEST(RouteClue, MostSpecificRuleWins) {
  const std::vector<v1::ReferralRule> rules = {
      Rule(Clue::CITY_MANAGED, Clue::MATTER_TYPE_UNSPECIFIED, "市纪委监委"),
      Rule(Clue::COUNTY_MANAGED, Clue::MATTER_TYPE_UNSPECIFIED, "县纪委监委"),
      Rule(Clue::COUNTY_MANAGED, Clue::APPOINTMENT, "县委组织部"),
      Rule(Clue::CADRE_LEVEL_UNSPECIFIED, Clue::APPOINTMENT, "市委组织部"),
      Rule(Clue::CADRE_LEVEL_UNSPECIFIED, Clue::MATTER_TYPE_UNSPECIFIED, "县委办"),
  };
  struct Case {
    Clue::CadreLevel level;
    Clue::MatterType matter;
    std::string expected;
  } cases[] = {
      {Clue::CITY_MANAGED, Clue::DISCIPLINE, "市纪委监委"},
      // The cadre level decides the tier: a city cadre's appointment matter still goes up.
      {Clue::CITY_MANAGED, Clue::APPOINTMENT, "市纪委监委"},
      {Clue::COUNTY_MANAGED, Clue::DISCIPLINE, "县纪委监委"},
      {Clue::COUNTY_MANAGED, Clue::APPOINTMENT, "县委组织部"},
      {Clue::ENTERPRISE_MANAGED, Clue::APPOINTMENT, "市委组织部"},
      {Clue::ENTERPRISE_MANAGED, Clue::OTHER_MATTER, "县委办"},
      {Clue::TOWNSHIP_MANAGED, Clue::DISCIPLINE, "县委办"},
  };
  for (const auto& c : cases) {
    auto routed = RouteClue(rules, c.level, c.matter);
    ASSERT_TRUE(routed.ok()) << routed.status();
    EXPECT_EQ(routed->receiving_unit_name(), c.expected)
        << Clue::CadreLevel_Name(c.level) << "/" << Clue::MatterType_Name(c.matter);
  }
}

TEST(RouteClue, NoMatchingRuleIsAPreconditionNamingBoth) {
  const std::vector<v1::ReferralRule> rules = {
      Rule(Clue::CITY_MANAGED, Clue::DISCIPLINE, "市纪委监委")};
  auto routed = RouteClue(rules, Clue::COUNTY_MANAGED, Clue::DISCIPLINE);
  ASSERT_EQ(routed.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(routed.status().message(), "COUNTY_MANAGED"));
  EXPECT_TRUE(absl::StrContains(routed.status().message(), "DISCIPLINE"));
  EXPECT_FALSE(RouteClue({}, Clue::CITY_MANAGED, Clue::DISCIPLINE).ok());
}

TEST(ReferralRules, Validation) {
  v1::ReferralRules rules;
  *rules.add_rules() = Rule(Clue::CITY_MANAGED, Clue::DISCIPLINE, "市纪委监委");
  EXPECT_TRUE(ValidateReferralRules(rules).ok());
  *rules.add_rules() = Rule(Clue::CITY_MANAGED, Clue::DISCIPLINE, "又一个");
  auto dup = ValidateReferralRules(rules);
  EXPECT_EQ(dup.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(dup.message(), "rules[1]")) << dup.message();
  rules.mutable_rules()->RemoveLast();
  rules.mutable_rules(0)->set_receiving_unit_path("c1..x");
  EXPECT_TRUE(absl::StrContains(ValidateReferralRules(rules).message(), "receiving_unit_path"));
  rules.mutable_rules(0)->set_receiving_unit_path("c1.x");
  rules.set_feedback_months(25);
  EXPECT_TRUE(absl::StrContains(ValidateReferralRules(rules).message(), "feedback_months"));
}

TEST(StateMachine, OnlyTheNextStateIsAllowed) {
  const Clue::State order[] = {Clue::DRAFT, Clue::APPROVED, Clue::REFERRED, Clue::ACKNOWLEDGED,
                               Clue::DISPOSED};
  for (int i = 0; i < 5; ++i) {
    for (int j = 0; j < 5; ++j) {
      const absl::Status s = CheckTransition(order[i], order[j]);
      EXPECT_EQ(s.ok(), j == i + 1) << i << "->" << j;
      if (!s.ok()) {
        EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
        EXPECT_TRUE(absl::StrContains(s.message(), Clue::State_Name(order[i])));
        EXPECT_TRUE(absl::StrContains(s.message(), Clue::State_Name(order[j])));
      }
    }
  }
  EXPECT_FALSE(CheckTransition(Clue::STATE_UNSPECIFIED, Clue::DRAFT).ok());
}

TEST(Validation, DisposalTypeMustBeKnown) {
  v1::DisposeClueRequest r;
  r.set_id("00000000-0000-4000-8000-000000000001");
  r.set_outcome("给予党内警告处分");
  r.set_disposal_date("2024-06-01");
  r.set_type(v1::Disposal::CASE_FILED);
  EXPECT_TRUE(ValidateDisposal(r).ok());
  r.set_type(static_cast<v1::Disposal::Type>(42));
  EXPECT_TRUE(absl::StrContains(ValidateDisposal(r).message(), "type:"));
  r.set_type(v1::Disposal::TYPE_UNSPECIFIED);
  EXPECT_EQ(ValidateDisposal(r).code(), absl::StatusCode::kInvalidArgument);
  r.set_type(v1::Disposal::CLOSED);
  r.set_disposal_date("2024-13-01");
  EXPECT_TRUE(absl::StrContains(ValidateDisposal(r).message(), "disposal_date"));
}

TEST(Validation, ApprovalNeedsSubjectLevelMatterSummary) {
  Clue c;
  c.set_summary("收受礼金");
  c.set_subject_person("张某");
  c.set_cadre_level(Clue::CITY_MANAGED);
  EXPECT_TRUE(absl::StrContains(CheckReadyForApproval(c).message(), "matter_type"));
  c.set_matter_type(Clue::DISCIPLINE);
  EXPECT_TRUE(CheckReadyForApproval(c).ok());
  EXPECT_EQ(ParseCadreLevel("市管"), Clue::CITY_MANAGED);
  EXPECT_EQ(ParseCadreLevel("COUNTY_MANAGED"), Clue::COUNTY_MANAGED);
  EXPECT_EQ(ParseCadreLevel("不知道"), Clue::CADRE_LEVEL_UNSPECIFIED);
}

Clue Referred(const std::string& office_path, const std::string& receiver_path) {
  Clue c;
  c.set_id("c");
  c.set_office_id("office");
  c.set_office_path(office_path);
  c.set_subject_person("张某");
  c.set_summary("details");
  c.set_state(Clue::REFERRED);
  c.mutable_referral()->set_receiving_unit_id("recv");
  c.mutable_referral()->set_receiving_unit_path(receiver_path);
  c.mutable_referral()->set_document_number("巡察移〔2024〕3号");
  return c;
}

TEST(Views, NeedToKnow) {
  Clue draft = Referred("c1.a", "c1.jw");
  draft.clear_referral();
  draft.set_state(Clue::DRAFT);
  EXPECT_EQ(ViewOf({.group = true}, draft), ClueView::kFull);
  EXPECT_EQ(ViewOf({.leadership = true}, draft), ClueView::kFull);
  EXPECT_EQ(ViewOf({.receiver = true}, draft), ClueView::kNone);  // not referred yet
  EXPECT_EQ(ViewOf({}, draft), ClueView::kNone);

  // A county's clue referred up to the city commission: the county keeps the receipt only.
  const Clue up = Referred("c1.a", "c1.jw");
  EXPECT_EQ(ViewOf({.group = true}, up), ClueView::kReceipt);
  EXPECT_EQ(ViewOf({.leadership = true}, up), ClueView::kReceipt);
  EXPECT_EQ(ViewOf({.receiver = true}, up), ClueView::kFull);
  // Referred within the office's own tree: leadership keeps following it.
  const Clue own = Referred("c1.a", "c1.a.jw");
  EXPECT_EQ(ViewOf({.leadership = true}, own), ClueView::kFull);
  EXPECT_EQ(ViewOf({.group = true}, own), ClueView::kReceipt);

  const Clue receipt = ReceiptOf(up);
  EXPECT_TRUE(receipt.receipt_only());
  EXPECT_TRUE(receipt.subject_person().empty());
  EXPECT_TRUE(receipt.summary().empty());
  EXPECT_EQ(receipt.referral().document_number(), "巡察移〔2024〕3号");
}

TEST(Views, ReceiversAndLiaisons) {
  Principal receiver;
  receiver.roles = {"RECEIVER"};
  receiver.unit_id = "recv";
  receiver.unit_path = "c1.jw";
  EXPECT_TRUE(IsReceiverOf(receiver, "recv", "c1.jw"));
  EXPECT_FALSE(IsReceiverOf(receiver, "other", "c1.a.jw"));
  Principal liaison = receiver;
  liaison.roles = {"RECEIVER", "UNIT_LIAISON"};
  EXPECT_FALSE(IsReceiverOf(liaison, "recv", "c1.jw"));
  const Clue up = Referred("c1.a", "c1.jw");
  EXPECT_EQ(ViewOf(AccessToClue(liaison, true, up), up), ClueView::kNone);

  Principal client;
  client.kind = TokenClaims::API_CLIENT;
  client.office_path = "c1.jw";
  client.scopes = {"clues:disposition"};
  const ClueAccess access = AccessToClue(client, false, up);
  EXPECT_TRUE(access.receiver);
  EXPECT_TRUE(CheckCanActAsReceiver(client, access).ok());
  client.scopes = {"clues:read"};
  EXPECT_EQ(CheckCanActAsReceiver(client, AccessToClue(client, false, up)).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(Deadlines, MonthsClampToMonthEnd) {
  EXPECT_EQ(AddMonths(absl::CivilDay(2024, 3, 15), 3), absl::CivilDay(2024, 6, 15));
  EXPECT_EQ(AddMonths(absl::CivilDay(2024, 11, 30), 3), absl::CivilDay(2025, 2, 28));
  EXPECT_EQ(AddMonths(absl::CivilDay(2023, 11, 30), 3), absl::CivilDay(2024, 2, 29));
  EXPECT_EQ(AddMonths(absl::CivilDay(2024, 10, 31), 1), absl::CivilDay(2024, 11, 30));
  EXPECT_EQ(AddMonths(absl::CivilDay(2024, 12, 31), 2), absl::CivilDay(2025, 2, 28));
}

TEST(Deadlines, StatusAtReadTime) {
  Clue c = Referred("c1.a", "c1.jw");
  c.mutable_referral()->set_referral_date("2024-03-01");
  c.mutable_referral()->set_feedback_deadline("2024-06-01");
  EXPECT_EQ(DeadlineStatusOf(c, absl::CivilDay(2024, 5, 1)), Clue::ON_TRACK);
  EXPECT_EQ(DeadlineStatusOf(c, absl::CivilDay(2024, 5, 18)), Clue::DUE_SOON);
  EXPECT_EQ(DeadlineStatusOf(c, absl::CivilDay(2024, 6, 1)), Clue::DUE_SOON);
  EXPECT_EQ(DeadlineStatusOf(c, absl::CivilDay(2024, 6, 2)), Clue::OVERDUE);
  c.set_state(Clue::DISPOSED);
  c.mutable_disposal()->set_disposal_date("2024-06-01");
  EXPECT_EQ(DeadlineStatusOf(c, absl::CivilDay(2024, 9, 1)), Clue::DISPOSED_ON_TIME);
  c.mutable_disposal()->set_disposal_date("2024-06-03");
  EXPECT_EQ(DeadlineStatusOf(c, absl::CivilDay(2024, 9, 1)), Clue::DISPOSED_LATE);
  Clue draft;
  draft.set_state(Clue::DRAFT);
  EXPECT_EQ(DeadlineStatusOf(draft, absl::CivilDay(2024, 9, 1)), Clue::DEADLINE_STATUS_UNSPECIFIED);
}

Clue Open(const std::string& office_path, Clue::State state, const std::string& referred,
          const std::string& deadline, const std::string& receiver = "recv") {
  Clue c;
  c.set_office_id("office-" + office_path);
  c.set_office_path(office_path);
  c.set_state(state);
  if (!referred.empty()) {
    c.mutable_referral()->set_receiving_unit_id(receiver);
    c.mutable_referral()->set_receiving_unit_name(receiver + "名");
    c.mutable_referral()->set_referral_date(referred);
    c.mutable_referral()->set_feedback_deadline(deadline);
  }
  return c;
}

TEST(Backlog, CountsAgesOverdueAndRollsUp) {
  const absl::CivilDay today(2024, 7, 1);
  const std::vector<Clue> clues = {
      Open("c1", Clue::DRAFT, "", ""),
      Open("c1", Clue::REFERRED, "2024-06-20", "2024-09-20"),             // 11 days
      Open("c1.a", Clue::ACKNOWLEDGED, "2024-03-01", "2024-06-01"),       // 122 days, overdue
      Open("c1.a", Clue::REFERRED, "2024-05-01", "2024-08-01", "recv2"),  // 61 days
      Open("c1.b", Clue::APPROVED, "", ""),
      Open("c1.a.x", Clue::DISPOSED, "2024-01-01", "2024-04-01"),  // not counted
  };
  const v1::ClueBacklog b = BacklogOfEach("c1", clues, today);
  EXPECT_EQ(b.as_of(), "2024-07-01");
  EXPECT_EQ(b.total().open(), 5);
  EXPECT_EQ(b.total().not_referred(), 2);
  EXPECT_EQ(b.total().awaiting_acknowledgement(), 2);
  EXPECT_EQ(b.total().awaiting_disposal(), 1);
  EXPECT_EQ(b.total().overdue(), 1);
  EXPECT_FALSE(b.total().cleared());
  EXPECT_EQ(b.total().referred_up_to_30_days(), 1);
  EXPECT_EQ(b.total().referred_31_to_90_days(), 1);
  EXPECT_EQ(b.total().referred_over_90_days(), 1);
  std::map<std::string, v1::OfficeBacklog> by_path;
  for (const auto& o : b.offices()) by_path[o.office_path()] = o;
  ASSERT_EQ(by_path.size(), 4u);
  EXPECT_EQ(by_path["c1"].own().open(), 2);
  EXPECT_TRUE(by_path["c1"].own().cleared());
  EXPECT_EQ(by_path["c1"].subtree().open(), 5);  // the city rolls up its counties
  EXPECT_FALSE(by_path["c1"].subtree().cleared());
  EXPECT_EQ(by_path["c1.a"].own().overdue(), 1);
  EXPECT_EQ(by_path["c1.b"].subtree().open(), 1);
  EXPECT_TRUE(by_path["c1.b"].subtree().cleared());
  EXPECT_EQ(by_path["c1.a.x"].own().open(), 0);  // only disposed: 见底清零
  EXPECT_TRUE(by_path["c1.a.x"].own().cleared());
  ASSERT_EQ(b.receivers_size(), 2);
  EXPECT_EQ(b.receivers(0).receiving_unit_id(), "recv");
  EXPECT_EQ(b.receivers(0).counts().open(), 2);
  EXPECT_EQ(b.receivers(0).counts().overdue(), 1);
  EXPECT_EQ(b.receivers(1).counts().open(), 1);

  const v1::ClueBacklog empty = BacklogOfEach("c9", {}, today);
  EXPECT_EQ(empty.total().open(), 0);
  EXPECT_TRUE(empty.total().cleared());
}

// The repository hands over groups of alike clues with their count; a group of n must count as
// n separate clues everywhere (total, own, subtree, receivers, ages, overdue).
TEST(Backlog, GroupsCountAsThatManyClues) {
  const absl::CivilDay today(2024, 7, 1);
  const std::vector<BacklogGroup> groups = {
      {Open("c1", Clue::DRAFT, "", ""), 3},
      {Open("c1.a", Clue::ACKNOWLEDGED, "2024-03-01", "2024-06-01"), 4},
      {Open("c1.a", Clue::REFERRED, "2024-06-20", "2024-09-20", "recv2"), 2},
      {Open("c1.b", Clue::DISPOSED, "2024-01-01", "2024-04-01"), 5},
  };
  std::vector<Clue> one_by_one;
  for (const auto& g : groups) one_by_one.insert(one_by_one.end(), g.count, g.clue);
  const v1::ClueBacklog grouped = BuildBacklog("c1", groups, today);
  EXPECT_EQ(grouped.SerializeAsString(),
            BacklogOfEach("c1", one_by_one, today).SerializeAsString());
  EXPECT_EQ(grouped.total().open(), 9);
  EXPECT_EQ(grouped.total().overdue(), 4);
  EXPECT_EQ(grouped.total().referred_over_90_days(), 4);
}

TEST(Ledger, CsvQuotingAndReceiptRows) {
  Clue full = Referred("c1.a", "c1.a.jw");
  full.set_subject_person("李某,副局长");
  full.mutable_referral()->set_receiving_unit_name("县纪委监委");
  Clue up = Referred("c1.a", "c1.jw");
  up.set_subject_person("王某");
  const std::string csv = TableToCsv(
      ClueLedgerTable({{full, ClueView::kFull}, {up, ClueView::kReceipt}, {up, ClueView::kNone}},
                      absl::CivilDay(2024, 7, 1)));
  EXPECT_TRUE(absl::StartsWith(csv, "\xEF\xBB\xBF线索编号,"));
  EXPECT_TRUE(absl::StrContains(csv, "\"李某,副局长\""));
  EXPECT_FALSE(absl::StrContains(csv, "王某"));  // receipt rows carry no details
  int lines = 0;
  for (char ch : csv) lines += ch == '\n';
  EXPECT_EQ(lines, 3);  // header + two visible rows; the kNone row is left out
}

}  // namespace
}  // namespace xuncha::clues
