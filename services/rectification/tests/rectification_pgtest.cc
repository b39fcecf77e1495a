// End-to-end tests of the real xuncha-rectification binary against the harness's PostgreSQL and
// Redis. Feedback, engagements, calendar years and evidence links arrive the way issues, planning,
// directory and fieldwork publish them (XADD to their streams); tokens are signed here. No other
// service runs: the working-day calendar is rectification's own replica.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <optional>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "process.h"
#include "repository.h"
#include "service_harness.h"
#include "test_env.h"
#include "xuncha/auth.h"
#include "xuncha/calendar.h"
#include "xuncha/crypto.h"
#include "xuncha/directory/v1/directory.pb.h"
#include "xuncha/engagements.h"
#include "xuncha/fieldwork/v1/fieldwork.pb.h"
#include "xuncha/issues/v1/issues.pb.h"
#include "xuncha/pg.h"
#include "xuncha/rectification/v1/rectification.grpc.pb.h"
#include "xuncha/redis.h"

namespace xuncha::rectification {

// Statistics as gtest shows them when they differ (found by argument-dependent lookup).
void PrintTo(const StatsTallies& t, std::ostream* os) {
  std::string out;
  auto add = [&](absl::string_view kind, const std::map<std::string, Tally>& m) {
    for (const auto& [k, v] : m) {
      absl::StrAppend(&out, " ", kind, "[", k, "]=", v.total, "/", v.accepted, "/", v.overdue);
    }
  };
  absl::StrAppend(&out, "total=", t.totals.total, "/", t.totals.accepted, "/", t.totals.overdue);
  add("category", t.by_category);
  add("unit", t.by_unit);
  add("round", t.by_round);
  add("office", t.by_office);
  for (const auto& [k, v] : t.unit_names) absl::StrAppend(&out, " name[", k, "]=", v);
  *os << out;
}

namespace {

namespace v1 = ::xuncha::rectification::v1;
using FedBack = ::xuncha::issues::v1::ReportFedBack;
using grpc::StatusCode;
using testing::ChildProcess;
using testing::NewUuid;
using Item = v1::RectificationItem;

class RectificationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = testing::MakeTempDir();
    auto keys = testing::WriteTokenKeys(tmp_);
    ASSERT_TRUE(keys.ok()) << keys.status();
    keys_ = *std::move(keys);
    prefix_ = testing::UniqueName("test:");
    StartService();
    redis_ = std::make_unique<RedisClient>(*ParseRedisAddress(testing::RedisAddress()));
    PgPoolOptions o;
    o.url = db_.url();
    o.schema = "rectification";
    pool_ = std::make_unique<PgPool>(o);

    city_ = NewUuid();
    county_a_ = NewUuid();
    county_b_ = NewUuid();
    city_staff_ = Token(city_, "c1", {"OFFICE_STAFF"});
    city_admin_ = Token(city_, "c1", {"OFFICE_ADMIN"});
    city_viewer_ = Token(city_, "c1", {"VIEWER"});
    county_a_staff_ = Token(county_a_, "c1.a", {"OFFICE_STAFF"});
    county_b_staff_ = Token(county_b_, "c1.b", {"OFFICE_STAFF"});
    liaison_ = Token("", "", {"UNIT_LIAISON"}, "", "c1.d9");
    other_liaison_ = Token("", "", {"UNIT_LIAISON"}, "", "c1.d8");
  }

  void TearDown() override {
    stub_.reset();
    service_.Stop(SIGTERM);
  }

  void StartService() {
    const std::string address = absl::StrCat("127.0.0.1:", testing::FreePort());
    std::vector<std::string> args = {XUNCHA_RECTIFICATION_BIN,
                                     "--listen=" + address,
                                     "--db_url=" + db_.url(),
                                     "--redis=" + testing::RedisAddress(),
                                     "--token_public_key_file=" + keys_.public_key_file,
                                     "--event_stream_prefix=" + prefix_};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    ASSERT_TRUE(service_.Start(args, tmp_ + "/rectification.log"));
    ASSERT_TRUE(testing::WaitForServing(address, 20000))
        << testing::ReadFile(tmp_ + "/rectification.log");
    stub_ = v1::RectificationService::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  }

  // Fieldwork stores a file for the engagement: its `fieldwork.evidence.linked`. Returns the
  // SHA-256 once the replica holds it (the consumer reads several streams, so order across them
  // is not given).
  std::string LinkEvidence(const std::string& engagement_id, const std::string& content) {
    const std::string sha256 = Sha256Hex(content);
    ::xuncha::fieldwork::v1::EvidenceEvent event;
    event.set_sha256(sha256);
    event.set_engagement_id(engagement_id);
    Xadd("fieldwork", NewUuid(), "fieldwork.evidence.linked", "evidence/" + sha256, event);
    for (int i = 0; i < 400 && Count("evidence", "sha256 = '" + sha256 + "'") == 0; ++i) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    EXPECT_EQ(Count("evidence", "sha256 = '" + sha256 + "'"), 1);
    return sha256;
  }

  int64_t Count(const std::string& table, const std::string& where) {
    auto n = pool_->TransactWith<int64_t>([&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
      return tx.exec1("SELECT count(*) FROM " + table + " WHERE " + where)[0].as<int64_t>();
    });
    EXPECT_TRUE(n.ok()) << n.status();
    return n.ok() ? *n : -1;
  }

  std::string Token(const std::string& office_id, const std::string& office_path,
                    std::vector<std::string> roles, const std::string& person_id = "",
                    const std::string& unit_path = "") {
    return testing::SignUserToken(*keys_.signer, office_id, office_path, roles, person_id,
                                  unit_path);
  }

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
    return testing::CallContext(token);
  }

  FedBack Feedback(const std::string& office_id, const std::string& office_path,
                   const std::string& unit_path, const std::string& feedback_date, int issue_count,
                   bool immediate = false) {
    FedBack f;
    f.set_engagement_id(NewUuid());
    f.set_office_id(office_id);
    f.set_office_path(office_path);
    f.set_round_id(NewUuid());
    f.set_target_unit_id(NewUuid());
    f.set_target_unit_path(unit_path);
    if (!immediate) f.set_report_id(NewUuid());
    f.set_feedback_date(feedback_date);
    for (int i = 0; i < issue_count; ++i) {
      auto* issue = f.add_issues();
      issue->set_id(NewUuid());
      issue->set_title(absl::StrCat("问题", i + 1, "：公务接待超标准"));
      issue->set_category_id(NewUuid());
      issue->set_category_name(i % 2 == 0 ? "违反中央八项规定精神" : "选人用人");
      issue->set_heading_name("全面从严治党");
      issue->set_severity(::xuncha::issues::v1::Issue::SERIOUS);
      issue->set_immediate(immediate);
    }
    return f;
  }

  void Xadd(const std::string& stream, const std::string& event_id, const std::string& type,
            const std::string& aggregate, const google::protobuf::Message& payload) {
    absl::Status added =
        testing::PublishEvent(*redis_, prefix_, stream, type, aggregate, payload, event_id);
    ASSERT_TRUE(added.ok()) << added;
  }

  void PublishFeedback(const FedBack& f, const std::string& event_id) {
    Xadd("issues", event_id, "issues.report.fed_back", f.report_id(), f);
  }

  // Waits until the engagement's case holds `items` items (the consumer handles a stream in
  // order, so everything published before the event that completes it has been handled too).
  v1::RectificationCase WaitForCase(const std::string& engagement_id, int items,
                                    const std::string& token) {
    v1::ListRectificationCasesRequest req;
    req.set_engagement_id(engagement_id);
    v1::ListRectificationCasesResponse resp;
    for (int i = 0; i < 400; ++i) {
      resp.Clear();
      grpc::Status s = stub_->ListRectificationCases(Ctx(token).get(), req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (resp.cases_size() == 1 && resp.cases(0).item_count() == items) return resp.cases(0);
      absl::SleepFor(absl::Milliseconds(50));
    }
    ADD_FAILURE() << "case of " << engagement_id << " never reached " << items << " items\n"
                  << testing::ReadFile(tmp_ + "/rectification.log");
    return {};
  }

  v1::RectificationCase GetCase(const std::string& id, const std::string& token) {
    v1::GetRectificationCaseRequest req;
    req.set_id(id);
    v1::RectificationCase c;
    grpc::Status s = stub_->GetRectificationCase(Ctx(token).get(), req, &c);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return c;
  }

  grpc::Status Plan(const std::string& item_id, const std::string& deadline,
                    const std::string& token, Item* out) {
    v1::UpdateRectificationPlanRequest req;
    req.set_id(item_id);
    req.mutable_plan()->set_measures("修订公务接待管理办法，清退超标准费用");
    req.mutable_plan()->set_owner("办公室主任");
    req.mutable_plan()->set_goal("杜绝超标准接待");
    req.mutable_plan()->set_deadline(deadline);
    return stub_->UpdateRectificationPlan(Ctx(token).get(), req, out);
  }

  // PLANNED → IN_PROGRESS → COMPLETED by the liaison, then ACCEPTED by city staff.
  void Rectify(const std::string& item_id, bool accept = true) {
    Item item;
    ASSERT_TRUE(Plan(item_id, "2025-12-31", liaison_, &item).ok());
    const std::string evidence = LinkEvidence(item.engagement_id(), "整改佐证材料 " + item_id);
    v1::StartRectificationItemRequest start;
    start.set_id(item_id);
    ASSERT_TRUE(stub_->StartRectificationItem(Ctx(liaison_).get(), start, &item).ok());
    v1::CompleteRectificationItemRequest complete;
    complete.set_id(item_id);
    complete.add_evidence_ids(evidence);
    complete.set_note("已清退全部超标准费用并修订制度");
    grpc::Status s = stub_->CompleteRectificationItem(Ctx(liaison_).get(), complete, &item);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(item.state(), Item::COMPLETED);
    if (!accept) return;
    v1::AcceptRectificationItemRequest acc;
    acc.set_id(item_id);
    s = stub_->AcceptRectificationItem(Ctx(city_staff_).get(), acc, &item);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(item.state(), Item::ACCEPTED);
  }

  void Visit(const std::string& case_id, const std::string& date) {
    v1::AddSupervisionVisitRequest req;
    req.set_case_id(case_id);
    req.mutable_visit()->set_visit_date(date);
    req.mutable_visit()->set_supervisors("市委巡察办 王五、赵六");
    req.mutable_visit()->set_findings("整改台账齐全");
    v1::SupervisionVisit v;
    grpc::Status s = stub_->AddSupervisionVisit(Ctx(city_staff_).get(), req, &v);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  int64_t OutboxCount(const std::string& type) {
    auto n = pool_->TransactWith<int64_t>([&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
      return tx.exec_params1("SELECT count(*) FROM outbox WHERE event_type = $1", type)[0]
          .as<int64_t>();
    });
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : -1;
  }

  testing::TestDatabase db_;
  std::vector<std::string> extra_args_;  // more flags for the service (set before SetUp)
  std::string tmp_, prefix_;
  testing::TokenKeys keys_;
  ChildProcess service_;
  std::unique_ptr<v1::RectificationService::Stub> stub_;
  std::unique_ptr<RedisClient> redis_;
  std::unique_ptr<PgPool> pool_;
  std::string city_, county_a_, county_b_;
  std::string city_staff_, city_admin_, city_viewer_, county_a_staff_, county_b_staff_, liaison_,
      other_liaison_;
};

TEST_F(RectificationTest, SameFeedbackDeliveredThreeTimesOpensOneCaseAndOneItemPerIssue) {
  FedBack f = Feedback(city_, "c1", "c1.d9", "2025-09-26", 3);
  const std::string event_id = NewUuid();
  for (int i = 0; i < 3; ++i) PublishFeedback(f, event_id);
  // The same facts under a new event id (a re-sent feedback): the unique keys hold too.
  PublishFeedback(f, NewUuid());
  FedBack marker = Feedback(city_, "c1", "c1.d7", "2025-09-26", 1);
  PublishFeedback(marker, NewUuid());
  WaitForCase(marker.engagement_id(), 1, city_staff_);

  v1::RectificationCase c = WaitForCase(f.engagement_id(), 3, city_staff_);
  c = GetCase(c.id(), city_staff_);
  ASSERT_EQ(c.items_size(), 3);
  std::set<std::string> issues;
  for (const auto& item : c.items()) {
    issues.insert(item.issue_id());
    EXPECT_EQ(item.state(), Item::PLANNED);
  }
  EXPECT_EQ(issues.size(), 3u);
  EXPECT_EQ(c.report_id(), f.report_id());
  EXPECT_EQ(OutboxCount("rectification.case.opened"), 2);  // this case and the marker's
  EXPECT_EQ(OutboxCount("rectification.item.opened"), 4);
  // The replica's calendar (directory's shipped file): Friday 2025-09-26 + 10 working days
  // across National Day, counting the worked Sunday 09-28 and Saturday 10-11.
  EXPECT_EQ(c.report_due_date(), "2025-10-16");
  EXPECT_EQ(c.period_end(), "2025-11-26");
  EXPECT_EQ(c.min_supervision_visits(), 2);
  EXPECT_TRUE(c.report_overdue());  // no RECTIFICATION_REPORT and the due date has passed
  v1::AddCaseReportRequest report;
  report.set_case_id(c.id());
  report.mutable_report()->set_kind(v1::CaseReport::RECTIFICATION_REPORT);
  report.mutable_report()->set_title("关于巡察反馈问题整改情况的报告");
  report.mutable_report()->set_submitted_on("2025-10-15");
  v1::CaseReport stored;
  grpc::Status s = stub_->AddCaseReport(Ctx(liaison_).get(), report, &stored);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(GetCase(c.id(), city_staff_).report_overdue());
}

TEST_F(RectificationTest, ImmediateIssuesOpenTheCaseAndTheReportJoinsIt) {
  FedBack immediate = Feedback(city_, "c1", "c1.d9", "2025-05-10", 1, /*immediate=*/true);
  PublishFeedback(immediate, NewUuid());
  v1::RectificationCase c = WaitForCase(immediate.engagement_id(), 1, city_staff_);
  EXPECT_EQ(c.report_id(), "");
  EXPECT_EQ(c.feedback_date(), "2025-05-10");
  FedBack report = Feedback(city_, "c1", "c1.d9", "2025-06-20", 2);
  report.set_engagement_id(immediate.engagement_id());
  report.set_round_id(immediate.round_id());
  *report.add_issues() = immediate.issues(0);  // the report lists the immediate issue again
  PublishFeedback(report, NewUuid());
  c = WaitForCase(immediate.engagement_id(), 3, city_staff_);
  EXPECT_EQ(c.report_id(), report.report_id());
  EXPECT_EQ(c.feedback_date(), "2025-06-20");
}

TEST_F(RectificationTest, VisibilityByOfficeUnitAndRole) {
  FedBack f = Feedback(city_, "c1", "c1.d9", "2025-06-01", 1);
  PublishFeedback(f, NewUuid());
  FedBack county = Feedback(county_a_, "c1.a", "c1.a.t5", "2025-06-01", 1);
  PublishFeedback(county, NewUuid());
  const v1::RectificationCase c = WaitForCase(f.engagement_id(), 1, city_staff_);
  const v1::RectificationCase cc = WaitForCase(county.engagement_id(), 1, county_a_staff_);
  const std::string item_id = GetCase(c.id(), city_staff_).items(0).id();
  const std::string county_item = GetCase(cc.id(), county_a_staff_).items(0).id();

  // The liaison of unit d8 can neither see nor touch unit d9's case.
  v1::GetRectificationItemRequest get;
  get.set_id(item_id);
  Item item;
  EXPECT_EQ(stub_->GetRectificationItem(Ctx(other_liaison_).get(), get, &item).error_code(),
            StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Plan(item_id, "2025-12-31", other_liaison_, &item).error_code(),
            StatusCode::PERMISSION_DENIED);
  v1::ListRectificationCasesRequest list;
  v1::ListRectificationCasesResponse listed;
  ASSERT_TRUE(stub_->ListRectificationCases(Ctx(other_liaison_).get(), list, &listed).ok());
  EXPECT_EQ(listed.cases_size(), 0);
  ASSERT_TRUE(stub_->ListRectificationCases(Ctx(liaison_).get(), list, &listed).ok());
  ASSERT_EQ(listed.cases_size(), 1);
  EXPECT_EQ(listed.cases(0).id(), c.id());
  // The unit writes its plan; the office does not.
  EXPECT_EQ(Plan(item_id, "2025-12-31", city_staff_, &item).error_code(),
            StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Plan(item_id, "2025-12-31", liaison_, &item).ok());
  EXPECT_EQ(item.plan().owner(), "办公室主任");
  // The office accepts; the unit does not accept its own work.
  v1::AcceptRectificationItemRequest acc;
  acc.set_id(item_id);
  EXPECT_EQ(stub_->AcceptRectificationItem(Ctx(liaison_).get(), acc, &item).error_code(),
            StatusCode::PERMISSION_DENIED);
  // A viewer reads but does not act; another county sees nothing; the city reads its county's
  // case but may not act on it.
  EXPECT_TRUE(stub_->GetRectificationItem(Ctx(city_viewer_).get(), get, &item).ok());
  Visit(c.id(), "2025-06-10");
  v1::AddSupervisionVisitRequest visit;
  visit.set_case_id(c.id());
  visit.mutable_visit()->set_visit_date("2025-06-11");
  visit.mutable_visit()->set_supervisors("某");
  v1::SupervisionVisit v;
  EXPECT_EQ(stub_->AddSupervisionVisit(Ctx(city_viewer_).get(), visit, &v).error_code(),
            StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(stub_->GetRectificationItem(Ctx(county_b_staff_).get(), get, &item).error_code(),
            StatusCode::PERMISSION_DENIED);
  get.set_id(county_item);
  EXPECT_TRUE(stub_->GetRectificationItem(Ctx(city_staff_).get(), get, &item).ok());
  v1::ReturnRectificationPlanRequest back;
  back.set_id(county_item);
  back.set_comments("措施不具体");
  EXPECT_EQ(stub_->ReturnRectificationPlan(Ctx(city_staff_).get(), back, &item).error_code(),
            StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->ListRectificationCases(Ctx(county_b_staff_).get(), list, &listed).ok());
  EXPECT_EQ(listed.cases_size(), 0);
  ASSERT_TRUE(stub_->ListRectificationCases(Ctx(city_staff_).get(), list, &listed).ok());
  EXPECT_EQ(listed.cases_size(), 2);
  // Group members see their engagement's case once planning's snapshot has arrived.
  const std::string member = NewUuid();
  EngagementSnapshot e;
  e.set_id(f.engagement_id());
  e.set_office_id(city_);
  e.set_office_path("c1");
  e.set_target_unit_id(f.target_unit_id());
  e.set_target_unit_path("c1.d9");
  e.add_members()->set_person_id(member);
  e.set_version(1);
  Xadd("planning", NewUuid(), kEngagementChangedEvent, e.id(), e);
  v1::GetRectificationCaseRequest req;
  req.set_id(c.id());
  v1::RectificationCase seen;
  grpc::Status s;
  for (int i = 0; i < 400; ++i) {
    s = stub_->GetRectificationCase(Ctx(Token(city_, "c1", {}, member)).get(), req, &seen);
    if (s.ok()) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(stub_->GetRectificationCase(Ctx(Token(city_, "c1", {}, NewUuid())).get(), req, &seen)
                .error_code(),
            StatusCode::PERMISSION_DENIED);
}

TEST_F(RectificationTest, CaseNeedsTwoVisitsAndAReopenTakesItBack) {
  FedBack f = Feedback(city_, "c1", "c1.d9", "2025-06-01", 2);
  PublishFeedback(f, NewUuid());
  v1::RectificationCase c = WaitForCase(f.engagement_id(), 2, city_staff_);
  c = GetCase(c.id(), city_staff_);
  for (const auto& item : c.items()) Rectify(item.id());
  Visit(c.id(), "2025-06-15");
  v1::AcceptRectificationCaseRequest accept;
  accept.set_id(c.id());
  v1::RectificationCase out;
  grpc::Status s = stub_->AcceptRectificationCase(Ctx(city_staff_).get(), accept, &out);
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "1 supervision visit")) << s.error_message();
  EXPECT_EQ(GetCase(c.id(), city_staff_).state(), v1::RectificationCase::OPEN);
  Visit(c.id(), "2025-07-20");
  s = stub_->AcceptRectificationCase(Ctx(city_staff_).get(), accept, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.state(), v1::RectificationCase::ACCEPTED);

  // 回头看 finds the first item undone: it goes back to work and the case reopens.
  v1::ReopenRectificationItemRequest reopen;
  reopen.set_id(c.items(0).id());
  reopen.set_reason("回头看发现超标准接待问题反弹");
  Item item;
  s = stub_->ReopenRectificationItem(Ctx(city_staff_).get(), reopen, &item);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(item.state(), Item::IN_PROGRESS);
  EXPECT_EQ(item.reopen_count(), 1);
  EXPECT_EQ(item.last_reason(), "回头看发现超标准接待问题反弹");
  EXPECT_EQ(GetCase(c.id(), city_staff_).state(), v1::RectificationCase::OPEN);
  EXPECT_EQ(OutboxCount("rectification.case.reopened"), 1);
  // Reopening twice is refused: the item is no longer ACCEPTED.
  s = stub_->ReopenRectificationItem(Ctx(city_staff_).get(), reopen, &item);
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
}

TEST_F(RectificationTest, BadInputIsRefusedAndChangesNothing) {
  FedBack f = Feedback(city_, "c1", "c1.d9", "2025-06-01", 1);
  PublishFeedback(f, NewUuid());
  v1::RectificationCase c = WaitForCase(f.engagement_id(), 1, city_staff_);
  const Item before = GetCase(c.id(), city_staff_).items(0);

  v1::AcceptRectificationItemRequest acc;
  acc.set_id(before.id());
  Item item;
  grpc::Status s = stub_->AcceptRectificationItem(Ctx(city_staff_).get(), acc, &item);
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "PLANNED → ACCEPTED")) << s.error_message();

  s = Plan(before.id(), "2025-05-31", liaison_, &item);
  EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "plan.deadline:")) << s.error_message();

  v1::StartRectificationItemRequest start;
  start.set_id(before.id());
  s = stub_->StartRectificationItem(Ctx(liaison_).get(), start, &item);
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);  // no plan yet
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "plan.measures")) << s.error_message();

  v1::CompleteRectificationItemRequest complete;
  complete.set_id(before.id());
  complete.add_evidence_ids("not-an-id");
  complete.set_note("完成");
  s = stub_->CompleteRectificationItem(Ctx(liaison_).get(), complete, &item);
  EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "evidence_ids[0]:")) << s.error_message();

  const Item after = GetCase(c.id(), city_staff_).items(0);
  EXPECT_EQ(after.SerializeAsString(), before.SerializeAsString());
  EXPECT_EQ(OutboxCount("rectification.item.plan_updated"), 0);

  // An evidence id fieldwork never stored, and one it stored for another engagement: both
  // refused naming the entry, on an item that is IN_PROGRESS (so the state is not the reason).
  ASSERT_TRUE(Plan(before.id(), "2025-12-31", liaison_, &item).ok());
  ASSERT_TRUE(stub_->StartRectificationItem(Ctx(liaison_).get(), start, &item).ok());
  const Item started = item;
  const std::string known = LinkEvidence(f.engagement_id(), "接待费用清退凭证");
  const std::string elsewhere = LinkEvidence(NewUuid(), "另一单位的材料");
  complete.clear_evidence_ids();
  complete.add_evidence_ids(known);
  complete.add_evidence_ids(Sha256Hex("从未上传的文件"));
  s = stub_->CompleteRectificationItem(Ctx(liaison_).get(), complete, &item);
  EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "evidence_ids[1]: no evidence"))
      << s.error_message();
  *complete.mutable_evidence_ids(1) = elsewhere;
  s = stub_->CompleteRectificationItem(Ctx(liaison_).get(), complete, &item);
  EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "evidence_ids[1]:")) << s.error_message();
  EXPECT_EQ(GetCase(c.id(), city_staff_).items(0).SerializeAsString(), started.SerializeAsString());
  EXPECT_EQ(OutboxCount("rectification.item.completed"), 0);
  // The same for a case report's evidence.
  v1::AddCaseReportRequest report;
  report.set_case_id(c.id());
  report.mutable_report()->set_kind(v1::CaseReport::RECTIFICATION_REPORT);
  report.mutable_report()->set_title("整改情况报告");
  report.mutable_report()->set_submitted_on("2025-06-20");
  report.mutable_report()->add_evidence_ids(elsewhere);
  v1::CaseReport stored;
  s = stub_->AddCaseReport(Ctx(liaison_).get(), report, &stored);
  EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "report.evidence_ids[0]: no evidence"))
      << s.error_message();
  EXPECT_EQ(GetCase(c.id(), city_staff_).reports_size(), 0);
  // With evidence that is there, the claim goes through.
  complete.mutable_evidence_ids()->RemoveLast();
  s = stub_->CompleteRectificationItem(Ctx(liaison_).get(), complete, &item);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(item.evidence_ids_size(), 1);
  EXPECT_EQ(item.evidence_ids(0), known);
}

TEST_F(RectificationTest, ReturnedPlanRejectedClaimAndOfficeRules) {
  FedBack f = Feedback(city_, "c1", "c1.d9", "2025-06-01", 1);
  PublishFeedback(f, NewUuid());
  v1::RectificationCase c = WaitForCase(f.engagement_id(), 1, city_staff_);
  const std::string id = GetCase(c.id(), city_staff_).items(0).id();
  Item item;
  ASSERT_TRUE(Plan(id, "2025-08-01", liaison_, &item).ok());
  v1::StartRectificationItemRequest start;
  start.set_id(id);
  ASSERT_TRUE(stub_->StartRectificationItem(Ctx(liaison_).get(), start, &item).ok());
  v1::ReturnRectificationPlanRequest back;
  back.set_id(id);
  back.set_comments("措施不具体，请细化到人到时");
  ASSERT_TRUE(stub_->ReturnRectificationPlan(Ctx(city_staff_).get(), back, &item).ok());
  EXPECT_EQ(item.state(), Item::PLANNED);
  EXPECT_EQ(item.plan_comments(), "措施不具体，请细化到人到时");
  Rectify(id, /*accept=*/false);
  v1::RejectRectificationItemRequest reject;
  reject.set_id(id);
  reject.set_reason("佐证材料不足");
  ASSERT_TRUE(stub_->RejectRectificationItem(Ctx(city_staff_).get(), reject, &item).ok());
  EXPECT_EQ(item.state(), Item::IN_PROGRESS);
  EXPECT_EQ(item.last_reason(), "佐证材料不足");

  // Rules per office: one visit is enough once the admin says so; staff may not change them.
  v1::RectificationSettings settings;
  settings.set_report_due_working_days(5);
  settings.set_period_months(3);
  settings.set_min_supervision_visits(1);
  v1::RectificationSettings saved;
  EXPECT_EQ(
      stub_->UpdateRectificationSettings(Ctx(city_staff_).get(), settings, &saved).error_code(),
      StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->UpdateRectificationSettings(Ctx(city_admin_).get(), settings, &saved).ok());
  ASSERT_TRUE(stub_->GetRectificationSettings(Ctx(city_staff_).get(), {}, &saved).ok());
  EXPECT_EQ(saved.min_supervision_visits(), 1);
  settings.set_period_months(0);
  EXPECT_EQ(
      stub_->UpdateRectificationSettings(Ctx(city_admin_).get(), settings, &saved).error_code(),
      StatusCode::INVALID_ARGUMENT);
  v1::CompleteRectificationItemRequest complete;
  complete.set_id(id);
  complete.set_note("补充佐证材料");
  ASSERT_TRUE(stub_->CompleteRectificationItem(Ctx(liaison_).get(), complete, &item).ok());
  v1::AcceptRectificationItemRequest acc;
  acc.set_id(id);
  ASSERT_TRUE(stub_->AcceptRectificationItem(Ctx(city_staff_).get(), acc, &item).ok());
  Visit(c.id(), "2025-06-15");
  const v1::RectificationCase read = GetCase(c.id(), city_staff_);
  EXPECT_EQ(read.report_due_date(), "2025-06-09");  // 5 working days after Sunday 06-01
  EXPECT_EQ(read.period_end(), "2025-09-01");
  v1::AcceptRectificationCaseRequest accept;
  accept.set_id(c.id());
  v1::RectificationCase out;
  grpc::Status s = stub_->AcceptRectificationCase(Ctx(city_staff_).get(), accept, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
}

TEST_F(RectificationTest, DisclosureRulesAndReproducibleRecheck) {
  FedBack f = Feedback(city_, "c1", "c1.d9", "2025-06-01", 5);
  PublishFeedback(f, NewUuid());
  v1::RectificationCase c = WaitForCase(f.engagement_id(), 5, city_staff_);
  c = GetCase(c.id(), city_staff_);
  for (const auto& item : c.items()) Rectify(item.id());

  v1::AddDisclosureRequest disclosure;
  disclosure.set_case_id(c.id());
  disclosure.mutable_disclosure()->set_channel("市财政局门户网站");
  disclosure.mutable_disclosure()->set_published_on("2025-08-01");
  v1::Disclosure d;
  grpc::Status s = stub_->AddDisclosure(Ctx(liaison_).get(), disclosure, &d);
  ASSERT_TRUE(s.ok()) << s.error_message();
  v1::AddRuleMadeRequest rule;
  rule.set_case_id(c.id());
  rule.mutable_rule()->set_title("公务接待管理办法（修订）");
  rule.mutable_rule()->set_issued_on("2025-07-01");
  v1::RuleMade r;
  ASSERT_TRUE(stub_->AddRuleMade(Ctx(liaison_).get(), rule, &r).ok());
  rule.mutable_rule()->set_title("差旅费管理规定");
  ASSERT_TRUE(stub_->AddRuleMade(Ctx(liaison_).get(), rule, &r).ok());
  EXPECT_EQ(stub_->AddRuleMade(Ctx(other_liaison_).get(), rule, &r).error_code(),
            StatusCode::PERMISSION_DENIED);
  rule.mutable_rule()->set_issued_on("2025-05-01");
  s = stub_->AddRuleMade(Ctx(liaison_).get(), rule, &r);
  EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "rule.issued_on:")) << s.error_message();

  Visit(c.id(), "2025-06-15");
  Visit(c.id(), "2025-07-15");
  v1::AcceptRectificationCaseRequest accept;
  accept.set_id(c.id());
  v1::RectificationCase out;
  ASSERT_TRUE(stub_->AcceptRectificationCase(Ctx(city_staff_).get(), accept, &out).ok());

  // 40 % of 5 accepted items, seeded: the same seed draws the same items again.
  v1::DrawRecheckRequest draw;
  draw.set_case_id(c.id());
  draw.set_percent(40);
  draw.set_seed(12345);
  v1::Recheck first, second;
  EXPECT_EQ(stub_->DrawRecheck(Ctx(liaison_).get(), draw, &first).error_code(),
            StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->DrawRecheck(Ctx(city_staff_).get(), draw, &first).ok());
  ASSERT_TRUE(stub_->DrawRecheck(Ctx(city_staff_).get(), draw, &second).ok());
  ASSERT_EQ(first.results_size(), 2);
  EXPECT_NE(first.id(), second.id());
  for (int i = 0; i < 2; ++i) EXPECT_EQ(first.results(i).item_id(), second.results(i).item_id());
  draw.set_seed(0);
  v1::Recheck random;
  ASSERT_TRUE(stub_->DrawRecheck(Ctx(city_staff_).get(), draw, &random).ok());
  EXPECT_GT(random.seed(), 0);  // the service's seed is recorded

  v1::RecordRecheckResultRequest result;
  result.set_recheck_id(first.id());
  result.set_item_id(first.results(0).item_id());
  result.set_passed(true);
  v1::Recheck after;
  ASSERT_TRUE(stub_->RecordRecheckResult(Ctx(city_staff_).get(), result, &after).ok());
  EXPECT_TRUE(after.results(0).checked());
  EXPECT_EQ(stub_->RecordRecheckResult(Ctx(city_staff_).get(), result, &after).error_code(),
            StatusCode::FAILED_PRECONDITION);
  std::string undrawn;
  for (const auto& item : c.items()) {
    if (item.id() != first.results(0).item_id() && item.id() != first.results(1).item_id()) {
      undrawn = item.id();
    }
  }
  result.set_item_id(undrawn);
  EXPECT_EQ(stub_->RecordRecheckResult(Ctx(city_staff_).get(), result, &after).error_code(),
            StatusCode::INVALID_ARGUMENT);
  // Paper-only rectification found: the item and the case go back to work.
  result.set_item_id(first.results(1).item_id());
  result.set_passed(false);
  result.set_note("制度未执行，仍有超标准接待");
  ASSERT_TRUE(stub_->RecordRecheckResult(Ctx(city_staff_).get(), result, &after).ok());
  EXPECT_TRUE(after.results(1).checked());
  EXPECT_FALSE(after.results(1).passed());
  const v1::RectificationCase read = GetCase(c.id(), city_staff_);
  EXPECT_EQ(read.state(), v1::RectificationCase::OPEN);
  for (const auto& item : read.items()) {
    EXPECT_EQ(item.state(),
              item.id() == first.results(1).item_id() ? Item::IN_PROGRESS : Item::ACCEPTED);
  }
  EXPECT_EQ(read.disclosures_size(), 1);
  EXPECT_EQ(read.rules_size(), 2);
  EXPECT_EQ(read.rechecks_size(), 3);
}

TEST_F(RectificationTest, TwoReplicasEmitEachReminderOncePerState) {
  const absl::CivilDay today = TodayInChina();
  FedBack f = Feedback(city_, "c1", "c1.d9", "2025-06-01", 4);
  PublishFeedback(f, NewUuid());
  // County A answers within 1 working day; its case was fed back today, so its first report is
  // due within the 3-working-day window.
  FedBack fresh = Feedback(county_a_, "c1.a", "c1.a.t5", FormatDate(today), 1);
  PublishFeedback(fresh, NewUuid());
  v1::RectificationSettings settings;
  settings.set_report_due_working_days(1);
  settings.set_period_months(2);
  settings.set_min_supervision_visits(2);
  v1::RectificationSettings saved;
  ASSERT_TRUE(stub_
                  ->UpdateRectificationSettings(
                      Ctx(Token(county_a_, "c1.a", {"OFFICE_ADMIN"})).get(), settings, &saved)
                  .ok());
  v1::RectificationCase c =
      GetCase(WaitForCase(f.engagement_id(), 4, city_staff_).id(), city_staff_);
  WaitForCase(fresh.engagement_id(), 1, county_a_staff_);
  Item item;
  ASSERT_TRUE(Plan(c.items(0).id(), "2025-06-02", liaison_, &item).ok());
  ASSERT_TRUE(Plan(c.items(1).id(), "2025-06-03", liaison_, &item).ok());
  ASSERT_TRUE(Plan(c.items(2).id(), "2099-12-31", liaison_, &item).ok());
  ASSERT_TRUE(Plan(c.items(3).id(), FormatDate(today + 1), liaison_, &item).ok());

  ChildProcess replicas[2];
  for (int i = 0; i < 2; ++i) {
    const std::string address = absl::StrCat("127.0.0.1:", testing::FreePort());
    ASSERT_TRUE(replicas[i].Start(
        {XUNCHA_RECTIFICATION_BIN, "--listen=" + address, "--db_url=" + db_.url(),
         "--redis=" + testing::RedisAddress(), "--token_public_key_file=" + keys_.public_key_file,
         "--event_stream_prefix=" + prefix_, "--reminder_scan_interval=50ms"},
        absl::StrCat(tmp_, "/replica", i, ".log")));
  }
  auto reminders = [&] {
    return OutboxCount("rectification.item.overdue") + OutboxCount("rectification.item.due_soon") +
           OutboxCount("rectification.report.overdue") +
           OutboxCount("rectification.report.due_soon");
  };
  auto wait_for = [&](int64_t n) {
    for (int i = 0; i < 400 && reminders() < n; ++i) absl::SleepFor(absl::Milliseconds(50));
    // Let both replicas scan many more times before counting.
    absl::SleepFor(absl::Seconds(1));
  };
  wait_for(5);
  EXPECT_EQ(OutboxCount("rectification.item.overdue"), 2);
  EXPECT_EQ(OutboxCount("rectification.item.due_soon"), 1);    // items(3); 2099 is far off
  EXPECT_EQ(OutboxCount("rectification.report.overdue"), 1);   // the city case, no report
  EXPECT_EQ(OutboxCount("rectification.report.due_soon"), 1);  // county A's fresh case
  EXPECT_EQ(Count("reminders", "kind = 'due_soon'"), 1);
  EXPECT_EQ(Count("report_reminders", "true"), 2);
  // Started: a new state, so one more reminder for that item and no other.
  v1::StartRectificationItemRequest start;
  start.set_id(c.items(0).id());
  ASSERT_TRUE(stub_->StartRectificationItem(Ctx(liaison_).get(), start, &item).ok());
  wait_for(6);
  EXPECT_EQ(OutboxCount("rectification.item.overdue"), 3);
  EXPECT_EQ(reminders(), 6);
  // Once the report is in, the county case is reminded of nothing more.
  v1::AddCaseReportRequest report;
  report.set_case_id(WaitForCase(fresh.engagement_id(), 1, county_a_staff_).id());
  report.mutable_report()->set_kind(v1::CaseReport::RECTIFICATION_REPORT);
  report.mutable_report()->set_title("整改情况报告");
  report.mutable_report()->set_submitted_on(FormatDate(today));
  v1::CaseReport stored;
  ASSERT_TRUE(stub_->AddCaseReport(Ctx(county_a_staff_).get(), report, &stored).ok());
  wait_for(7);
  EXPECT_EQ(reminders(), 6);
  for (auto& r : replicas) EXPECT_EQ(r.Stop(SIGTERM), 0);
}

TEST_F(RectificationTest, CalendarCorrectionsFromDirectoryAreAppliedAndSurviveARestart) {
  FedBack f = Feedback(city_, "c1", "c1.d9", "2025-09-26", 1);
  PublishFeedback(f, NewUuid());
  const std::string id = WaitForCase(f.engagement_id(), 1, city_staff_).id();
  EXPECT_EQ(GetCase(id, city_staff_).report_due_date(), "2025-10-16");  // the shipped file

  using Day = ::xuncha::directory::v1::CalendarDay;
  ::xuncha::directory::v1::CalendarYear year;
  year.set_year(2025);
  auto add = [&](const std::string& date, Day::Kind kind) {
    Day* d = year.add_days();
    d->set_date(date);
    d->set_kind(kind);
    d->set_name("国庆节");
  };
  add("2025-09-28", Day::WORKDAY);
  for (int d : {1, 2, 3, 6, 7, 8})
    add(absl::StrCat("2025-10-0", d), Day::HOLIDAY);  // 4, 5: weekend
  add("2025-10-10", Day::WORKDAY);  // a Friday: nonsense, the whole year is refused
  Xadd("directory", NewUuid(), "directory.calendar.updated", "calendar/2025", year);
  year.mutable_days()->RemoveLast();
  add("2025-10-11", Day::WORKDAY);
  add("2025-10-13", Day::HOLIDAY);  // the correction: one more day off
  Xadd("directory", NewUuid(), "directory.calendar.updated", "calendar/2025", year);
  std::string due;
  for (int i = 0; i < 400 && due != "2025-10-17"; ++i) {
    due = GetCase(id, city_staff_).report_due_date();
    if (due != "2025-10-17") absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(due, "2025-10-17");
  EXPECT_EQ(Count("calendar_years", "year = 2025 AND source LIKE 'event:%'"), 1);
  // A restart seeds the shipped file again, which must not undo directory's correction.
  service_.Stop(SIGTERM);
  StartService();
  EXPECT_EQ(GetCase(id, city_staff_).report_due_date(), "2025-10-17");
  EXPECT_EQ(Count("calendar_days", "year = 2025"), 9);
}

TEST_F(RectificationTest, StatsRollUpAndLedger) {
  // City: 6 items, 4 accepted, 1 overdue; county A: 4 items, 1 accepted; county AB (path c1.ab,
  // a sibling whose label starts like c1.a's): 1 item.
  FedBack city = Feedback(city_, "c1", "c1.d9", "2025-06-01", 6);
  FedBack county = Feedback(county_a_, "c1.a", "c1.a.t5", "2025-06-01", 4);
  FedBack sibling = Feedback(NewUuid(), "c1.ab", "c1.ab.t1", "2025-06-01", 1);
  PublishFeedback(city, NewUuid());
  PublishFeedback(county, NewUuid());
  PublishFeedback(sibling, NewUuid());
  WaitForCase(sibling.engagement_id(), 1, city_staff_);
  const v1::RectificationCase cc =
      GetCase(WaitForCase(city.engagement_id(), 6, city_staff_).id(), city_staff_);
  const v1::RectificationCase ac =
      GetCase(WaitForCase(county.engagement_id(), 4, county_a_staff_).id(), county_a_staff_);
  for (int i = 0; i < 4; ++i) Rectify(cc.items(i).id());
  Item item;
  ASSERT_TRUE(Plan(cc.items(4).id(), "2025-06-02", liaison_, &item).ok());  // long past
  v1::GetRectificationItemRequest get;
  get.set_id(cc.items(4).id());
  ASSERT_TRUE(stub_->GetRectificationItem(Ctx(city_staff_).get(), get, &item).ok());
  EXPECT_TRUE(item.overdue());
  // County A's item accepted by county A's staff (the case is theirs).
  {
    const std::string county_liaison = Token("", "", {"UNIT_LIAISON"}, "", "c1.a.t5");
    const std::string id = ac.items(0).id();
    ASSERT_TRUE(Plan(id, "2025-12-31", county_liaison, &item).ok());
    v1::StartRectificationItemRequest start;
    start.set_id(id);
    ASSERT_TRUE(stub_->StartRectificationItem(Ctx(county_liaison).get(), start, &item).ok());
    v1::CompleteRectificationItemRequest complete;
    complete.set_id(id);
    complete.set_note("完成");
    ASSERT_TRUE(stub_->CompleteRectificationItem(Ctx(county_liaison).get(), complete, &item).ok());
    v1::AcceptRectificationItemRequest acc;
    acc.set_id(id);
    ASSERT_TRUE(stub_->AcceptRectificationItem(Ctx(county_a_staff_).get(), acc, &item).ok());
  }

  v1::GetRectificationStatsRequest req;
  v1::RectificationStats stats;
  ASSERT_TRUE(stub_->GetRectificationStats(Ctx(city_staff_).get(), req, &stats).ok());
  EXPECT_EQ(stats.totals().total(), 11);
  EXPECT_EQ(stats.totals().accepted(), 5);
  EXPECT_EQ(stats.totals().overdue(), 1);
  EXPECT_EQ(stats.totals().completion_rate(), 45.5);
  std::map<std::string, v1::StatsRow> offices;
  for (const auto& r : stats.by_office()) offices[r.key()] = r;
  EXPECT_EQ(stats.by_office_size(), 3);
  EXPECT_EQ(offices["c1"].total(), 11);  // rolled up: the city with its counties
  EXPECT_EQ(offices["c1"].accepted(), 5);
  EXPECT_EQ(offices["c1"].overdue(), 1);
  EXPECT_EQ(offices["c1.a"].total(), 4);  // not c1.ab's
  EXPECT_EQ(offices["c1.a"].completion_rate(), 25.0);
  EXPECT_EQ(offices["c1.ab"].total(), 1);
  std::map<std::string, v1::StatsRow> categories;
  for (const auto& r : stats.by_category()) categories[r.key()] = r;
  EXPECT_EQ(categories["违反中央八项规定精神"].total(), 6);  // issues 1, 3, 5 of each case
  EXPECT_EQ(stats.by_unit_size(), 3);
  EXPECT_EQ(stats.by_round_size(), 3);
  // The county sees only itself; a liaison sees no statistics.
  ASSERT_TRUE(stub_->GetRectificationStats(Ctx(county_a_staff_).get(), req, &stats).ok());
  EXPECT_EQ(stats.totals().total(), 4);
  ASSERT_EQ(stats.by_office_size(), 1);  // its own office only, not the sibling c1.ab
  EXPECT_EQ(stats.by_office(0).key(), "c1.a");
  EXPECT_EQ(stub_->GetRectificationStats(Ctx(liaison_).get(), req, &stats).error_code(),
            StatusCode::PERMISSION_DENIED);
  req.set_org("c1.a");
  ASSERT_TRUE(stub_->GetRectificationStats(Ctx(city_staff_).get(), req, &stats).ok());
  EXPECT_EQ(stats.totals().total(), 4);

  v1::ExportRectificationItemsRequest exp;
  exp.set_round_id(city.round_id());
  exp.set_format("csv");
  ::xuncha::common::v1::FileContent file;
  ASSERT_TRUE(stub_->ExportRectificationItems(Ctx(city_staff_).get(), exp, &file).ok());
  EXPECT_EQ(file.content_type(), "text/csv; charset=utf-8");
  EXPECT_TRUE(absl::StrContains(file.content(), "问题6：公务接待超标准"));
  EXPECT_TRUE(absl::StrContains(file.content(), ",已销号,"));
  EXPECT_FALSE(absl::StrContains(file.content(), "\r\n7,"));  // the county's round is not in it
  exp.set_format("xlsx");
  ASSERT_TRUE(stub_->ExportRectificationItems(Ctx(city_staff_).get(), exp, &file).ok());
  EXPECT_TRUE(absl::StartsWith(file.content(), "PK\x03\x04"));  // a zip workbook
  EXPECT_EQ(file.filename(), "整改台账.xlsx");
  exp.set_format("pdf");
  EXPECT_EQ(stub_->ExportRectificationItems(Ctx(city_staff_).get(), exp, &file).error_code(),
            StatusCode::INVALID_ARGUMENT);
}

// Statistics are read from the summary (migration 0003), not from the items. The service's fold
// is put off for the whole test so that the test decides when deltas are folded: the summary's
// answers are compared with a recount of the items (the query before the summary) with deltas
// pending and after folding, for every filter and for several days, since overdue depends on the
// day asked about.
class ItemTalliesTest : public RectificationTest {
 protected:
  ItemTalliesTest() { extra_args_ = {"--stats_fold_interval=1h"}; }

  // The service folds once when it starts, and under load that first fold can come after the
  // test's first changes. Holding the lock the service's fold tries for (TryScanLock) makes the
  // service skip every fold until ReleaseFoldLock().
  void SetUp() override {
    fold_lock_.emplace(db_.url());
    pqxx::nontransaction tx(*fold_lock_);
    tx.exec("SELECT pg_advisory_lock(hashtext('rectification.item_tallies'))");
    RectificationTest::SetUp();
  }
  void ReleaseFoldLock() { fold_lock_.reset(); }  // the session's lock goes with it

  // A fold as the service's on `day`: the summary's overdue counts move to that day.
  int Fold(absl::CivilDay day = TodayInChina()) {
    auto folded = pool_->TransactWith<int>(
        [&](pqxx::work& tx) -> absl::StatusOr<int> { return Repository::FoldTallies(tx, day); });
    EXPECT_TRUE(folded.ok()) << folded.status();
    return folded.value_or(-1);
  }

  int64_t Deltas() { return Count("item_tally_deltas", "true"); }

  // The summary's own figures for a case, as folded: overdue as of the summary's day.
  int64_t FoldedOverdue(const std::string& case_id) {
    auto n = pool_->TransactWith<int64_t>([&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
      return tx
          .exec_params1("SELECT coalesce(sum(overdue), 0) FROM item_tallies WHERE case_id = $1",
                        case_id)[0]
          .as<int64_t>();
    });
    EXPECT_TRUE(n.ok()) << n.status();
    return n.value_or(-1);
  }

  StatsTallies Read(const StatsFilter& f, absl::CivilDay day, bool recount) {
    auto out =
        pool_->TransactWith<StatsTallies>([&](pqxx::work& tx) -> absl::StatusOr<StatsTallies> {
          return recount ? Repository::StatsFromItems(tx, f, day) : Repository::Stats(tx, f, day);
        });
    EXPECT_TRUE(out.ok()) << out.status();
    return out.value_or(StatsTallies());
  }

  // What the RPC answered, back in the repository's shape, to compare with a recount.
  static StatsTallies FromProto(const v1::RectificationStats& s) {
    StatsTallies t;
    auto tally = [](const v1::StatsRow& r) { return Tally{r.total(), r.accepted(), r.overdue()}; };
    t.totals = tally(s.totals());
    for (const auto& r : s.by_category()) t.by_category[r.key()] = tally(r);
    for (const auto& r : s.by_unit()) {
      t.by_unit[r.key()] = tally(r);
      t.unit_names[r.key()] = r.label();
    }
    for (const auto& r : s.by_round()) t.by_round[r.key()] = tally(r);
    for (const auto& r : s.by_office()) t.by_office[r.key()] = tally(r);
    return t;
  }

  // Every filter (the city, a county, a unit subtree, a round, a scope with nothing in it) on
  // every day below answers exactly what a recount of the items answers; and so does the RPC
  // (today, as the city and as county A).
  void ExpectSummaryMatchesRecount(const std::string& when) {
    // {"c1", "c1"} and {"c1.a", "c1.a"}: org filters that leave no case out, which read the
    // per-office summary as no filter does.
    const std::vector<StatsFilter> filters = {{"c1", "", ""},
                                              {"c1", "c1", ""},
                                              {"c1.a", "c1.a", ""},
                                              {"c1", "c1.d9", ""},
                                              {"c1", "c1.a", ""},
                                              {"c1.a", "", ""},
                                              {"c1.a", "c1.a.t5", ""},
                                              {"c1", "", city_round_},
                                              {"c1", "", county_round_},
                                              {"c1.a", "", city_round_},
                                              {"c1", "c1.zz", ""},
                                              {"c1.b", "", ""}};
    const std::vector<absl::CivilDay> days = {TodayInChina(),
                                              absl::CivilDay(2025, 6, 1),
                                              absl::CivilDay(2025, 6, 2),
                                              absl::CivilDay(2025, 6, 3),
                                              absl::CivilDay(2025, 9, 30),
                                              absl::CivilDay(2025, 10, 1),
                                              absl::CivilDay(2026, 1, 1),
                                              absl::CivilDay(2099, 12, 31)};
    for (const StatsFilter& f : filters) {
      for (const absl::CivilDay day : days) {
        const StatsTallies want = Read(f, day, /*recount=*/true);
        const StatsTallies got = Read(f, day, /*recount=*/false);
        EXPECT_EQ(got, want) << when << ": office " << f.office_path << " org " << f.org_path
                             << " round " << f.round_id << " on " << FormatDate(day)
                             << " (left: the summary, right: a recount of the items)";
      }
    }
    for (const auto& [token, path] :
         {std::pair{city_staff_, "c1"}, std::pair{county_a_staff_, "c1.a"}}) {
      v1::RectificationStats stats;
      grpc::Status s = stub_->GetRectificationStats(Ctx(token).get(), {}, &stats);
      ASSERT_TRUE(s.ok()) << when << ": " << s.error_message();
      const StatsTallies want = Read({path, "", ""}, TodayInChina(), /*recount=*/true);
      EXPECT_EQ(FromProto(stats), want) << when << ": the RPC as " << path;
    }
  }

  // The one overdue figure of county A's case on `day`.
  int64_t CountyOverdue(absl::CivilDay day) {
    return Read({"c1.a", "c1.a.t5", ""}, day, /*recount=*/false).totals.overdue;
  }

  std::string city_round_, county_round_;
  std::optional<pqxx::connection> fold_lock_;
};

TEST_F(ItemTalliesTest, SummaryMatchesARecountThroughTheLifecycle) {
  // Two city cases on one unit (two rounds: by_unit adds cases up), county A, and c1.ab whose
  // path starts like c1.a's.
  FedBack city = Feedback(city_, "c1", "c1.d9", "2025-06-01", 6);
  FedBack city_again = Feedback(city_, "c1", "c1.d9", "2025-06-01", 3);
  FedBack county = Feedback(county_a_, "c1.a", "c1.a.t5", "2025-06-01", 4);
  FedBack sibling = Feedback(NewUuid(), "c1.ab", "c1.ab.t1", "2025-06-01", 1);
  city_round_ = city.round_id();
  county_round_ = county.round_id();
  for (const FedBack* f : {&city, &city_again, &county, &sibling}) PublishFeedback(*f, NewUuid());
  const v1::RectificationCase cc =
      GetCase(WaitForCase(city.engagement_id(), 6, city_staff_).id(), city_staff_);
  WaitForCase(city_again.engagement_id(), 3, city_staff_);
  const v1::RectificationCase ac =
      GetCase(WaitForCase(county.engagement_id(), 4, county_a_staff_).id(), county_a_staff_);
  WaitForCase(sibling.engagement_id(), 1, city_staff_);
  EXPECT_GT(Deltas(), 0);  // nothing folded yet: the answers below sum the pending deltas
  ExpectSummaryMatchesRecount("after feedback, unfolded");
  v1::RectificationStats stats;
  ASSERT_TRUE(stub_->GetRectificationStats(Ctx(city_staff_).get(), {}, &stats).ok());
  EXPECT_EQ(stats.totals().total(), 14);
  EXPECT_EQ(stats.totals().overdue(), 0);  // no deadlines yet
  EXPECT_GT(Fold(), 0);
  EXPECT_EQ(Deltas(), 0);
  ExpectSummaryMatchesRecount("after feedback, folded");

  // Deadlines: county A's items 0..2 on 2025-06-02, 2025-09-30 and 2025-09-30; item 3 has none.
  const std::string county_liaison = Token("", "", {"UNIT_LIAISON"}, "", "c1.a.t5");
  Item item;
  ASSERT_TRUE(Plan(ac.items(0).id(), "2025-06-02", county_liaison, &item).ok());
  ASSERT_TRUE(Plan(ac.items(1).id(), "2025-09-30", county_liaison, &item).ok());
  ASSERT_TRUE(Plan(ac.items(2).id(), "2025-09-30", county_liaison, &item).ok());
  // Overdue the day after the deadline, not on it; a missing deadline never.
  EXPECT_EQ(CountyOverdue(absl::CivilDay(2025, 6, 2)), 0);
  EXPECT_EQ(CountyOverdue(absl::CivilDay(2025, 6, 3)), 1);
  EXPECT_EQ(CountyOverdue(absl::CivilDay(2025, 9, 30)), 1);
  EXPECT_EQ(CountyOverdue(absl::CivilDay(2025, 10, 1)), 3);
  EXPECT_EQ(CountyOverdue(absl::CivilDay(2099, 12, 31)), 3);
  ExpectSummaryMatchesRecount("after deadlines, unfolded");
  // Folded as on 2025-06-03: the summary's day moves back from today, and its own overdue count
  // is that day's; the reads of every other day add or take off the deadlines in between.
  EXPECT_GT(Fold(absl::CivilDay(2025, 6, 3)), 0);
  EXPECT_EQ(Count("item_tally_day", "day = '2025-06-03'"), 1);
  EXPECT_EQ(FoldedOverdue(ac.id()), 1);
  EXPECT_EQ(CountyOverdue(absl::CivilDay(2025, 6, 2)), 0);
  EXPECT_EQ(CountyOverdue(absl::CivilDay(2025, 6, 3)), 1);
  EXPECT_EQ(CountyOverdue(absl::CivilDay(2025, 10, 1)), 3);
  ExpectSummaryMatchesRecount("after deadlines, folded");

  // A deadline moved later, then the plan rewritten without moving it (appends nothing).
  ASSERT_TRUE(Plan(ac.items(1).id(), "2025-12-31", county_liaison, &item).ok());
  EXPECT_EQ(CountyOverdue(absl::CivilDay(2025, 10, 1)), 2);
  const int64_t deltas = Deltas();
  ASSERT_TRUE(Plan(ac.items(1).id(), "2025-12-31", county_liaison, &item).ok());
  EXPECT_EQ(Deltas(), deltas);
  ExpectSummaryMatchesRecount("after a deadline moved, unfolded");

  // States: accepted, completed and waiting, started (still overdue while IN_PROGRESS), one
  // rejected back to IN_PROGRESS, one reopened after acceptance, one plan returned.
  for (int i = 0; i < 3; ++i) Rectify(cc.items(i).id());
  Rectify(cc.items(3).id(), /*accept=*/false);
  Rectify(cc.items(4).id(), /*accept=*/false);
  v1::RejectRectificationItemRequest reject;
  reject.set_id(cc.items(4).id());
  reject.set_reason("佐证材料不足");
  ASSERT_TRUE(stub_->RejectRectificationItem(Ctx(city_staff_).get(), reject, &item).ok());
  v1::ReopenRectificationItemRequest reopen;
  reopen.set_id(cc.items(0).id());
  reopen.set_reason("回头看发现问题反弹");
  ASSERT_TRUE(stub_->ReopenRectificationItem(Ctx(city_staff_).get(), reopen, &item).ok());
  ASSERT_EQ(item.state(), Item::IN_PROGRESS);
  v1::StartRectificationItemRequest start;
  start.set_id(ac.items(0).id());
  ASSERT_TRUE(stub_->StartRectificationItem(Ctx(county_liaison).get(), start, &item).ok());
  start.set_id(ac.items(2).id());
  ASSERT_TRUE(stub_->StartRectificationItem(Ctx(county_liaison).get(), start, &item).ok());
  v1::ReturnRectificationPlanRequest ret;
  ret.set_id(ac.items(2).id());
  ret.set_comments("措施不具体");
  ASSERT_TRUE(stub_->ReturnRectificationPlan(Ctx(county_a_staff_).get(), ret, &item).ok());
  EXPECT_EQ(CountyOverdue(absl::CivilDay(2025, 10, 1)), 2);  // items 0 and 2, both still open
  ExpectSummaryMatchesRecount("after state changes, unfolded");
  // Folded as on 2025-10-01: the day moves forward, and 2025-09-30 deadlines become overdue.
  EXPECT_GT(Fold(absl::CivilDay(2025, 10, 1)), 0);
  EXPECT_EQ(FoldedOverdue(ac.id()), 2);
  ExpectSummaryMatchesRecount("after state changes, folded");
  // A day passing with nothing to fold still moves the counts.
  EXPECT_EQ(Fold(absl::CivilDay(2026, 1, 1)), 0);
  EXPECT_EQ(FoldedOverdue(ac.id()), 3);  // item 1's 2025-12-31 too
  ExpectSummaryMatchesRecount("after a day passed");
  ASSERT_TRUE(stub_->GetRectificationStats(Ctx(city_staff_).get(), {}, &stats).ok());
  EXPECT_EQ(stats.totals().total(), 14);
  EXPECT_EQ(stats.totals().accepted(), 2);  // items 1 and 2 of the city case; 0 was reopened

  // Straight into the table, many rows per statement (as a load would): a category renamed,
  // deadlines moved for a whole case, an item deleted — the statement-level triggers see it all.
  // Then every item of the sibling's case goes: its keys fall to zero and the fold drops them.
  ASSERT_TRUE(pool_
                  ->Transact([&](pqxx::work& tx) {
                    tx.exec_params(
                        "UPDATE items SET category_name = '选人用人问题' "
                        "WHERE category_name = '选人用人' AND case_id = $1::uuid",
                        cc.id());
                    tx.exec_params(
                        "UPDATE items SET deadline = date '2025-06-05' "
                        "WHERE case_id = $1::uuid AND deadline IS NOT NULL",
                        ac.id());
                    tx.exec_params("DELETE FROM items WHERE id = $1::uuid", cc.items(5).id());
                    tx.exec("DELETE FROM items WHERE target_unit_path = 'c1.ab.t1'");
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(CountyOverdue(absl::CivilDay(2025, 6, 5)), 0);
  EXPECT_EQ(CountyOverdue(absl::CivilDay(2025, 6, 6)), 3);  // items 0 to 2, all open
  ExpectSummaryMatchesRecount("after bulk statements, unfolded");
  EXPECT_GT(Fold(absl::CivilDay(2025, 6, 1)), 0);
  EXPECT_EQ(FoldedOverdue(ac.id()), 0);
  EXPECT_EQ(Deltas(), 0);
  ExpectSummaryMatchesRecount("after bulk statements, folded");
  EXPECT_EQ(Count("item_tallies", "total = 0"), 0);
  EXPECT_EQ(Count("case_tallies", "total = 0"), 0);
  EXPECT_EQ(Count("category_tallies", "total = 0"), 0);
  EXPECT_EQ(Count("item_open_deadlines", "n = 0"), 0);
  // The sibling's case and its office's categories are gone from the coarser summaries too.
  EXPECT_EQ(Count("case_tallies", "true"), 3);
  EXPECT_EQ(Count("category_tallies", "office_path = 'c1.ab'"), 0);
  EXPECT_EQ(Count("item_tallies", "category_name = '选人用人' AND case_id = '" + cc.id() + "'"), 0);
  ASSERT_TRUE(stub_->GetRectificationStats(Ctx(city_staff_).get(), {}, &stats).ok());
  EXPECT_EQ(stats.totals().total(), 12);
  EXPECT_EQ(stats.by_office_size(), 2);  // c1 and c1.a: c1.ab has no items left

  // The service folds by itself (stats_fold_interval): a replica folding every 50 ms empties the
  // deltas of a change made through the RPC, and the answers stay the same.
  ASSERT_TRUE(Plan(ac.items(3).id(), "2025-06-04", county_liaison, &item).ok());
  EXPECT_GT(Deltas(), 0);
  ReleaseFoldLock();
  ChildProcess replica;
  ASSERT_TRUE(replica.Start(
      {XUNCHA_RECTIFICATION_BIN, "--listen=127.0.0.1:" + absl::StrCat(testing::FreePort()),
       "--db_url=" + db_.url(), "--redis=" + testing::RedisAddress(),
       "--token_public_key_file=" + keys_.public_key_file, "--event_stream_prefix=" + prefix_,
       "--stats_fold_interval=50ms"},
      tmp_ + "/replica.log"));
  for (int i = 0; i < 400 && Deltas() > 0; ++i) absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(Deltas(), 0) << testing::ReadFile(tmp_ + "/replica.log");
  EXPECT_EQ(CountyOverdue(absl::CivilDay(2025, 6, 6)), 4);
  EXPECT_EQ(Count("item_tally_day", "day = '" + FormatDate(TodayInChina()) + "'"), 1);
  EXPECT_EQ(FoldedOverdue(ac.id()), 4);  // today, all four deadlines are long past
  ExpectSummaryMatchesRecount("after the service's own fold");
  EXPECT_EQ(replica.Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace xuncha::rectification
