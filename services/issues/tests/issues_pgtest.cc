// End-to-end tests of the real xuncha-issues binary against the harness's PostgreSQL and Redis.
// Engagements arrive the way planning publishes them (XADD to its stream); tokens are signed
// here with a key pair made for the test, as directory would sign them.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdio.h>

#include <atomic>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "process.h"
#include "repository.h"
#include "service_harness.h"
#include "test_env.h"
#include "xuncha/audit.h"
#include "xuncha/auth.h"
#include "xuncha/crypto.h"
#include "xuncha/engagements.h"
#include "xuncha/issues/v1/issues.grpc.pb.h"
#include "xuncha/pg.h"
#include "xuncha/redis.h"

namespace xuncha::issues {
namespace {

namespace v1 = ::xuncha::issues::v1;
using grpc::StatusCode;
using v1::Issue;
using v1::Report;
using Totals = std::pair<int64_t, int64_t>;
using testing::ChildProcess;
using testing::NewUuid;

struct StreamEvent {
  std::string type;
  std::string aggregate_id;
  std::string payload;
};

class IssuesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir();
    auto keys = testing::WriteTokenKeys(dir_);
    ASSERT_TRUE(keys.ok()) << keys.status();
    keys_ = *std::move(keys);
    stream_prefix_ = testing::UniqueName("test:");
    address_ = absl::StrCat("127.0.0.1:", testing::FreePort());
    std::vector<std::string> argv = {XUNCHA_ISSUES_BIN,
                                     "--listen=" + address_,
                                     "--db_url=" + db_.url(),
                                     "--redis=" + testing::RedisAddress(),
                                     "--token_public_key_file=" + keys_.public_key_file,
                                     "--event_stream_prefix=" + stream_prefix_};
    argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
    service_argv_ = argv;
    ASSERT_TRUE(process_.Start(argv, dir_ + "/issues.log"));
    ASSERT_TRUE(testing::WaitForServing(address_, 20000))
        << testing::ReadFile(dir_ + "/issues.log");
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);  // ledger exports
    stub_ = v1::IssuesService::NewStub(
        grpc::CreateCustomChannel(address_, grpc::InsecureChannelCredentials(), args));
    redis_ = std::make_unique<RedisClient>(*ParseRedisAddress(testing::RedisAddress()));
    PgPoolOptions o;
    o.url = db_.url();
    o.schema = "issues";
    pool_ = std::make_unique<PgPool>(o);
    MakeWorld();
  }

  void TearDown() override {
    stub_.reset();
    process_.Stop(SIGTERM);
  }

  std::string Token(const std::string& office_id, const std::string& office_path,
                    std::vector<std::string> roles, const std::string& person_id = "",
                    const std::string& unit_path = "") {
    return testing::SignUserToken(*keys_.signer, office_id, office_path, roles, person_id,
                                  unit_path);
  }

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token,
                                           const std::string& idempotency_key = "") {
    return testing::CallContext(token, idempotency_key);
  }

  // Publishes an engagement as planning does and waits until the service has applied it.
  void PublishEngagement(const EngagementSnapshot& e, const std::string& reader_token) {
    absl::Status added = testing::PublishEvent(*redis_, stream_prefix_, "planning",
                                               kEngagementChangedEvent, e.id(), e);
    ASSERT_TRUE(added.ok()) << added;
    v1::GetIssueStatsRequest req;
    req.set_engagement_id(e.id());
    v1::IssueStats stats;
    grpc::Status s;
    for (int i = 0; i < 200; ++i) {
      s = stub_->GetIssueStats(Ctx(reader_token).get(), req, &stats);
      if (s.error_code() != StatusCode::NOT_FOUND) break;
      absl::SleepFor(absl::Milliseconds(50));
    }
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  EngagementSnapshot Engagement(const std::string& office_id, const std::string& office_path,
                                const std::string& target_path, const std::string& target_name,
                                const std::string& round_id,
                                std::vector<std::pair<std::string, int>> members) {
    return testing::TestEngagement(office_id, office_path, target_path, target_name, round_id,
                                   members);
  }

  // A city office (c1) with counties A (c1.a) and B (c1.b); the city inspects a department
  // (c1.d9) with leader and member, another group inspects another department, county A
  // inspects a township (c1.a.t5).
  void MakeWorld() {
    city_ = NewUuid();
    county_a_ = NewUuid();
    county_b_ = NewUuid();
    leader_person_ = NewUuid();
    member_person_ = NewUuid();
    other_person_ = NewUuid();
    county_person_ = NewUuid();
    round_ = NewUuid();
    city_staff_ = Token(city_, "c1", {"OFFICE_STAFF"});
    city_admin_ = Token(city_, "c1", {"OFFICE_ADMIN"});
    city_leading_ = Token(city_, "c1", {"LEADING_GROUP"});
    county_a_staff_ = Token(county_a_, "c1.a", {"OFFICE_STAFF"});
    county_b_staff_ = Token(county_b_, "c1.b", {"OFFICE_STAFF"});
    county_b_admin_ = Token(county_b_, "c1.b", {"OFFICE_ADMIN"});
    leader_ = Token(city_, "c1", {}, leader_person_);
    member_ = Token(city_, "c1", {}, member_person_);
    other_member_ = Token(city_, "c1", {}, other_person_);
    county_member_ = Token(county_a_, "c1.a", {}, county_person_);
    liaison_ = Token("", "", {"UNIT_LIAISON"}, "", "c1.d9");
    other_liaison_ = Token("", "", {"UNIT_LIAISON"}, "", "c1.d8");
    city_engagement_ = Engagement(city_, "c1", "c1.d9", "市财政局", round_,
                                  {{leader_person_, 1}, {member_person_, 3}});
    other_engagement_ = Engagement(city_, "c1", "c1.d8", "市教育局", round_, {{other_person_, 1}});
    county_engagement_ =
        Engagement(county_a_, "c1.a", "c1.a.t5", "甲县某镇", NewUuid(), {{county_person_, 1}});
    PublishEngagement(city_engagement_, city_staff_);
    PublishEngagement(other_engagement_, city_staff_);
    PublishEngagement(county_engagement_, county_a_staff_);
    v1::ListTaxonomyResponse taxonomy;
    ASSERT_TRUE(stub_->ListTaxonomy(Ctx(city_staff_).get(), {}, &taxonomy).ok());
    for (const auto& e : taxonomy.entries()) {
      if (absl::StartsWith(e.name(), "违反中央八项规定精神")) four_winds_category_ = e.id();
      if (e.name() == "干部选拔任用程序不规范") appointment_category_ = e.id();
    }
    ASSERT_FALSE(four_winds_category_.empty());
    ASSERT_FALSE(appointment_category_.empty());
  }

  Issue NewIssue(const EngagementSnapshot& e, const std::string& title, const std::string& category,
                 Issue::Severity severity = Issue::SERIOUS) {
    Issue i;
    i.set_engagement_id(e.id());
    i.set_title(title);
    i.set_description(title + "：经查阅凭证发现");
    i.set_category_id(category);
    i.set_discipline_type(Issue::INTEGRITY);
    i.set_severity(severity);
    i.set_source(Issue::INTERVIEW);
    i.set_source_record_id(NewUuid());
    i.add_evidence_ids("sha256:" + std::string(64, 'a'));
    i.set_responsible_post("财务科长");
    return i;
  }

  Issue Create(const std::string& token, const Issue& issue) {
    v1::CreateIssueRequest req;
    *req.mutable_issue() = issue;
    Issue out;
    grpc::Status s = stub_->CreateIssue(Ctx(token).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  grpc::Status StartVerification(const std::string& token, const std::string& id,
                                 Issue* out = nullptr) {
    v1::StartVerificationRequest req;
    req.set_id(id);
    Issue ignored;
    return stub_->StartVerification(Ctx(token).get(), req, out ? out : &ignored);
  }

  grpc::Status Confirm(const std::string& token, const std::string& id, Issue* out = nullptr) {
    v1::ConfirmIssueRequest req;
    req.set_id(id);
    req.mutable_sign_off()->set_signer_name("王局长");
    req.mutable_sign_off()->set_signer_post("党组书记、局长");
    req.mutable_sign_off()->set_signed_on("2024-05-20");
    req.mutable_sign_off()->set_statement("对反馈问题无异议，认领整改");
    Issue ignored;
    return stub_->ConfirmIssue(Ctx(token).get(), req, out ? out : &ignored);
  }

  Issue ConfirmedIssue(const std::string& title, const std::string& category,
                       Issue::Severity severity = Issue::SERIOUS) {
    Issue i = Create(member_, NewIssue(city_engagement_, title, category, severity));
    EXPECT_TRUE(StartVerification(member_, i.id()).ok());
    Issue out;
    grpc::Status s = Confirm(member_, i.id(), &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  int CountRows(const std::string& sql) {
    return pool_
        ->TransactWith<int>(
            [&](pqxx::work& tx) -> absl::StatusOr<int> { return tx.exec1(sql)[0].as<int>(); })
        .value_or(-1);
  }

  // Every event the relay has published, once the outbox is drained.
  std::vector<StreamEvent> PublishedEvents() {
    for (int i = 0; i < 200; ++i) {
      if (CountRows("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0) break;
      absl::SleepFor(absl::Milliseconds(50));
    }
    EXPECT_EQ(CountRows("SELECT count(*) FROM outbox WHERE published_at IS NULL"), 0);
    std::vector<StreamEvent> out;
    auto reply = redis_->Command({"XRANGE", stream_prefix_ + ":issues", "-", "+"});
    EXPECT_TRUE(reply.ok());
    if (!reply.ok()) return out;
    for (std::size_t i = 0; i < reply->size(); ++i) {
      RedisReply fields = reply->element(i).element(1);
      StreamEvent e;
      for (std::size_t f = 0; f + 1 < fields.size(); f += 2) {
        const std::string key(fields.element(f).str());
        const std::string value(fields.element(f + 1).str());
        if (key == "type") e.type = value;
        if (key == "aggregate_id") e.aggregate_id = value;
        if (key == "payload") e.payload = value;
      }
      out.push_back(e);
    }
    return out;
  }

  std::vector<StreamEvent> EventsOfType(const std::string& type) {
    std::vector<StreamEvent> out;
    for (auto& e : PublishedEvents()) {
      if (e.type == type) out.push_back(e);
    }
    return out;
  }

  std::vector<std::string> extra_args_;  // set by a derived fixture's constructor
  std::vector<std::string> service_argv_;
  testing::TestDatabase db_;
  std::string dir_, stream_prefix_, address_;
  ChildProcess process_;
  testing::TokenKeys keys_;
  std::unique_ptr<v1::IssuesService::Stub> stub_;
  std::unique_ptr<RedisClient> redis_;
  std::unique_ptr<PgPool> pool_;

  std::string city_, county_a_, county_b_, round_;
  std::string leader_person_, member_person_, other_person_, county_person_;
  std::string city_staff_, city_admin_, city_leading_, county_a_staff_, county_b_staff_,
      county_b_admin_, leader_, member_, other_member_, county_member_, liaison_, other_liaison_;
  EngagementSnapshot city_engagement_, other_engagement_, county_engagement_;
  std::string four_winds_category_, appointment_category_;
};

TEST_F(IssuesTest, LifecycleToFeedbackEmitsExactlyOneFedBackEvent) {
  Issue a = ConfirmedIssue("违规发放津补贴", four_winds_category_, Issue::GRAVE);
  Issue b = ConfirmedIssue("超标准公务接待", four_winds_category_);
  Issue c = ConfirmedIssue("干部任前公示不规范", appointment_category_);
  EXPECT_EQ(a.state(), Issue::CONFIRMED);
  EXPECT_EQ(a.sign_off().signer_name(), "王局长");
  EXPECT_EQ(a.heading_name(), "全面从严治党");
  // A fourth is dismissed (销号) with reasons and stays out of the report.
  Issue d = Create(member_, NewIssue(city_engagement_, "疑似虚报冒领", four_winds_category_));
  ASSERT_TRUE(StartVerification(member_, d.id()).ok());
  v1::DismissIssueRequest dismiss;
  dismiss.set_id(d.id());
  dismiss.mutable_dismissal()->set_unit_explanation("系按规定发放的加班补助");
  dismiss.mutable_dismissal()->set_group_reason("经核实有审批手续，不构成问题");
  Issue dismissed;
  ASSERT_TRUE(stub_->DismissIssue(Ctx(member_).get(), dismiss, &dismissed).ok());
  EXPECT_EQ(dismissed.state(), Issue::DISMISSED);
  // Illegal transitions name both states.
  grpc::Status s = Confirm(member_, d.id());
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(),
            "issue is DISMISSED; cannot move to CONFIRMED (only from VERIFYING)");
  s = StartVerification(member_, a.id());
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "issue is CONFIRMED; cannot move to VERIFYING"));

  v1::CreateReportRequest create;
  create.set_engagement_id(city_engagement_.id());
  create.set_summary("该局党组落实全面从严治党主体责任不到位");
  auto* special = create.add_special_reports();
  special->set_title("关于财政资金管理的专题报告");
  special->set_content("资金拨付审核把关不严");
  Report report;
  s = stub_->CreateReport(Ctx(leader_).get(), create, &report);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(report.state(), Report::DRAFT);
  EXPECT_EQ(report.issue_count(), 3);
  ASSERT_EQ(report.groups_size(), 2);
  EXPECT_EQ(report.groups(0).heading_name(), "全面从严治党");
  EXPECT_EQ(report.groups(0).count(), 2);
  EXPECT_EQ(report.groups(0).issues(0).id(), a.id());  // gravest first
  EXPECT_EQ(report.groups(1).heading_name(), "选人用人");
  ASSERT_EQ(report.special_reports_size(), 1);
  EXPECT_EQ(report.special_reports(0).title(), "关于财政资金管理的专题报告");
  // One report per engagement.
  EXPECT_EQ(stub_->CreateReport(Ctx(leader_).get(), create, &report).error_code(),
            StatusCode::ALREADY_EXISTS);

  Report out;
  v1::GetReportRequest get_report;
  get_report.set_id(report.id());
  // The unit learns of the report only at feedback.
  EXPECT_EQ(stub_->GetReport(Ctx(liaison_).get(), get_report, &out).error_code(),
            StatusCode::NOT_FOUND);
  v1::ApproveReportRequest approve;
  approve.set_id(report.id());
  s = stub_->ApproveReport(Ctx(city_leading_).get(), approve, &out);
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(), "report is DRAFT; cannot move to APPROVED (only from SUBMITTED)");
  v1::SubmitReportRequest submit;
  submit.set_id(report.id());
  EXPECT_EQ(stub_->SubmitReport(Ctx(member_).get(), submit, &out).error_code(),
            StatusCode::PERMISSION_DENIED);  // the leader submits, not any member
  ASSERT_TRUE(stub_->SubmitReport(Ctx(leader_).get(), submit, &out).ok());
  EXPECT_EQ(out.state(), Report::SUBMITTED);
  EXPECT_EQ(stub_->ApproveReport(Ctx(city_staff_).get(), approve, &out).error_code(),
            StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(stub_->ApproveReport(Ctx(leader_).get(), approve, &out).error_code(),
            StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->ApproveReport(Ctx(city_leading_).get(), approve, &out).ok());
  EXPECT_EQ(out.state(), Report::APPROVED);

  v1::FeedBackReportRequest feed;
  feed.set_id(report.id());
  feed.set_feedback_date("2024-06-03");
  feed.set_requirements("认真对照反馈问题，逐项制定整改措施");
  feed.set_rectification_plan_due("2024-06-17");
  Report fed;
  s = stub_->FeedBackReport(Ctx(leader_, "feedback-key-1").get(), feed, &fed);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(fed.state(), Report::FED_BACK);
  EXPECT_EQ(fed.feedback_sheet().feedback_date(), "2024-06-03");
  EXPECT_EQ(fed.feedback_sheet().rectification_plan_due(), "2024-06-17");
  EXPECT_EQ(fed.feedback_sheet().issues_size(), 3);
  // The retry (same Idempotency-Key) finds the report fed back: the same answer, no new event.
  Report again;
  s = stub_->FeedBackReport(Ctx(leader_, "feedback-key-1").get(), feed, &again);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(again.SerializeAsString(), fed.SerializeAsString());

  // The unit gets the feedback sheet, not the report to the committee.
  ASSERT_TRUE(stub_->GetReport(Ctx(liaison_).get(), get_report, &out).ok());
  EXPECT_EQ(out.feedback_sheet().issues_size(), 3);
  EXPECT_EQ(out.feedback_sheet().requirements(), "认真对照反馈问题，逐项制定整改措施");
  EXPECT_TRUE(out.summary().empty());
  EXPECT_EQ(out.special_reports_size(), 0);
  EXPECT_EQ(stub_->GetReport(Ctx(other_member_).get(), get_report, &out).error_code(),
            StatusCode::PERMISSION_DENIED);

  auto events = EventsOfType("issues.report.fed_back");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].aggregate_id, "reports/" + report.id());
  v1::ReportFedBack payload;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(events[0].payload, &payload).ok());
  EXPECT_EQ(payload.report_id(), report.id());
  EXPECT_EQ(payload.engagement_id(), city_engagement_.id());
  EXPECT_EQ(payload.office_id(), city_);
  EXPECT_EQ(payload.office_path(), "c1");
  EXPECT_EQ(payload.target_unit_id(), city_engagement_.target_unit_id());
  EXPECT_EQ(payload.feedback_date(), "2024-06-03");
  ASSERT_EQ(payload.issues_size(), 3);
  std::set<std::string> ids;
  for (const auto& i : payload.issues()) {
    ids.insert(i.id());
    EXPECT_FALSE(i.title().empty());
    EXPECT_FALSE(i.category_name().empty());
    EXPECT_NE(i.severity(), Issue::SEVERITY_UNSPECIFIED);
  }
  EXPECT_EQ(ids, (std::set<std::string>{a.id(), b.id(), c.id()}));

  v1::GetIssueRequest get;
  get.set_id(a.id());
  Issue after;
  ASSERT_TRUE(stub_->GetIssue(Ctx(city_staff_).get(), get, &after).ok());
  EXPECT_EQ(after.state(), Issue::FED_BACK);
  EXPECT_EQ(after.report_id(), report.id());
  EXPECT_EQ(after.fed_back_on(), "2024-06-03");

  // Every transition is in the audit log, and the chain holds.
  EXPECT_EQ(CountRows("SELECT count(*) FROM audit_log WHERE action = 'issue.confirm'"), 3);
  EXPECT_EQ(CountRows("SELECT count(*) FROM audit_log WHERE action = 'issue.dismiss'"), 1);
  EXPECT_EQ(CountRows("SELECT count(*) FROM audit_log WHERE action = 'issue.report'"), 3);
  EXPECT_EQ(CountRows("SELECT count(*) FROM audit_log WHERE action = 'issue.feed_back'"), 3);
  EXPECT_EQ(CountRows("SELECT count(*) FROM audit_log WHERE action LIKE 'report.%'"), 4);
  auto verified =
      pool_->TransactWith<AuditVerification>([](pqxx::work& tx) { return VerifyAuditChain(tx); });
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok) << verified->reason;
}

TEST_F(IssuesTest, LiaisonSeesQuestionsButNeverTheSource) {
  Issue issue =
      Create(member_, NewIssue(city_engagement_, "违规使用公务用车", four_winds_category_));
  v1::GetIssueRequest get;
  get.set_id(issue.id());
  Issue seen;
  // Before verification the unit does not know the issue exists.
  EXPECT_EQ(stub_->GetIssue(Ctx(liaison_).get(), get, &seen).error_code(), StatusCode::NOT_FOUND);
  ASSERT_TRUE(StartVerification(member_, issue.id()).ok());
  v1::AskQuestionRequest ask;
  ask.set_issue_id(issue.id());
  ask.set_text("请说明2023年公车使用登记缺失的原因");
  v1::Question question;
  ASSERT_TRUE(stub_->AskQuestion(Ctx(member_).get(), ask, &question).ok());
  // The liaison cannot ask (that is the group's side of the dialogue).
  v1::Question ignored;
  EXPECT_EQ(stub_->AskQuestion(Ctx(liaison_).get(), ask, &ignored).error_code(),
            StatusCode::PERMISSION_DENIED);

  v1::ListQuestionsRequest list;
  list.set_issue_id(issue.id());
  v1::ListQuestionsResponse questions;
  ASSERT_TRUE(stub_->ListQuestions(Ctx(liaison_).get(), list, &questions).ok());
  EXPECT_EQ(questions.issue_title(), "违规使用公务用车");
  EXPECT_EQ(questions.issue_description(), issue.description());
  ASSERT_EQ(questions.questions_size(), 1);
  EXPECT_EQ(questions.questions(0).text(), "请说明2023年公车使用登记缺失的原因");

  ASSERT_TRUE(stub_->GetIssue(Ctx(liaison_).get(), get, &seen).ok());
  EXPECT_EQ(seen.title(), issue.title());
  EXPECT_TRUE(seen.source_record_id().empty());
  EXPECT_EQ(seen.source(), Issue::SOURCE_UNSPECIFIED);
  EXPECT_EQ(seen.evidence_ids_size(), 0);
  EXPECT_TRUE(seen.responsible_post().empty());
  v1::ListIssuesResponse listed;
  ASSERT_TRUE(stub_->ListIssues(Ctx(liaison_).get(), {}, &listed).ok());
  ASSERT_EQ(listed.issues_size(), 1);
  EXPECT_TRUE(listed.issues(0).source_record_id().empty());
  EXPECT_EQ(listed.issues(0).evidence_ids_size(), 0);
  // The group sees the source.
  ASSERT_TRUE(stub_->GetIssue(Ctx(member_).get(), get, &seen).ok());
  EXPECT_EQ(seen.source_record_id(), issue.source_record_id());

  v1::AnswerQuestionRequest answer;
  answer.set_issue_id(issue.id());
  answer.set_id(question.id());
  answer.set_answer("登记本遗失，已补登");
  v1::Question answered;
  ASSERT_TRUE(stub_->AnswerQuestion(Ctx(liaison_).get(), answer, &answered).ok());
  EXPECT_EQ(answered.answer(), "登记本遗失，已补登");
  EXPECT_EQ(stub_->AnswerQuestion(Ctx(liaison_).get(), answer, &answered).error_code(),
            StatusCode::FAILED_PRECONDITION);  // answered once
  // The liaison does not confirm its own issue, and cannot export.
  EXPECT_EQ(Confirm(liaison_, issue.id()).error_code(), StatusCode::PERMISSION_DENIED);
  v1::ExportIssuesRequest exp;
  exp.set_engagement_id(city_engagement_.id());
  ::xuncha::common::v1::FileContent file;
  EXPECT_EQ(stub_->ExportIssues(Ctx(liaison_).get(), exp, &file).error_code(),
            StatusCode::PERMISSION_DENIED);
  // Another unit's liaison and another group's member see nothing.
  EXPECT_EQ(stub_->ListQuestions(Ctx(other_liaison_).get(), list, &questions).error_code(),
            StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(stub_->GetIssue(Ctx(other_member_).get(), get, &seen).error_code(),
            StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->ListIssues(Ctx(other_member_).get(), {}, &listed).ok());
  EXPECT_EQ(listed.issues_size(), 0);
  ASSERT_TRUE(stub_->ListIssues(Ctx(other_liaison_).get(), {}, &listed).ok());
  EXPECT_EQ(listed.issues_size(), 0);
}

TEST_F(IssuesTest, CountyCannotReadTheCityButTheCityReadsTheCounty) {
  Issue city_issue = Create(member_, NewIssue(city_engagement_, "市局问题", four_winds_category_));
  Issue county_issue =
      Create(county_member_, NewIssue(county_engagement_, "乡镇问题", four_winds_category_));
  Create(county_member_, NewIssue(county_engagement_, "乡镇问题二", appointment_category_));
  v1::GetIssueRequest get;
  Issue seen;
  get.set_id(county_issue.id());
  ASSERT_TRUE(stub_->GetIssue(Ctx(city_staff_).get(), get, &seen).ok());
  EXPECT_EQ(seen.source_record_id(), county_issue.source_record_id());
  EXPECT_EQ(stub_->GetIssue(Ctx(county_b_staff_).get(), get, &seen).error_code(),
            StatusCode::PERMISSION_DENIED);
  get.set_id(city_issue.id());
  EXPECT_EQ(stub_->GetIssue(Ctx(county_a_staff_).get(), get, &seen).error_code(),
            StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(stub_->GetIssue(Ctx(county_member_).get(), get, &seen).error_code(),
            StatusCode::PERMISSION_DENIED);
  // Reading down the tree is read-only.
  EXPECT_EQ(StartVerification(city_staff_, county_issue.id()).error_code(),
            StatusCode::PERMISSION_DENIED);

  v1::ListIssuesResponse listed;
  ASSERT_TRUE(stub_->ListIssues(Ctx(city_staff_).get(), {}, &listed).ok());
  EXPECT_EQ(listed.issues_size(), 3);
  ASSERT_TRUE(stub_->ListIssues(Ctx(county_a_staff_).get(), {}, &listed).ok());
  EXPECT_EQ(listed.issues_size(), 2);
  ASSERT_TRUE(stub_->ListIssues(Ctx(county_b_staff_).get(), {}, &listed).ok());
  EXPECT_EQ(listed.issues_size(), 0);
  // Paging walks every row exactly once.
  v1::ListIssuesRequest page;
  page.set_page_size(2);
  std::set<std::string> walked;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(stub_->ListIssues(Ctx(city_staff_).get(), page, &listed).ok());
    for (const auto& issue : listed.issues()) walked.insert(issue.id());
    if (listed.next_page_token().empty()) break;
    page.set_page_token(listed.next_page_token());
  }
  EXPECT_EQ(walked.size(), 3u);

  // Statistics roll up: the city's total includes county A's issues; county A sees only its own.
  v1::GetIssueStatsRequest stats_req;
  v1::IssueStats stats;
  ASSERT_TRUE(stub_->GetIssueStats(Ctx(city_staff_).get(), stats_req, &stats).ok());
  EXPECT_EQ(stats.total(), 3);
  std::map<std::string, std::pair<int64_t, int64_t>> offices;
  for (const auto& o : stats.by_office()) offices[o.office_id()] = {o.own(), o.total()};
  EXPECT_EQ(offices[city_], Totals(1, 3));
  EXPECT_EQ(offices[county_a_], Totals(2, 2));
  std::map<std::string, int64_t> categories;
  for (const auto& c : stats.by_category()) categories[c.label()] = c.count();
  EXPECT_EQ(categories["全面从严治党"], 2);
  EXPECT_EQ(categories["选人用人"], 1);
  ASSERT_TRUE(stub_->GetIssueStats(Ctx(county_a_staff_).get(), stats_req, &stats).ok());
  EXPECT_EQ(stats.total(), 2);
  stats_req.set_org(city_);
  EXPECT_EQ(stub_->GetIssueStats(Ctx(county_a_staff_).get(), stats_req, &stats).error_code(),
            StatusCode::PERMISSION_DENIED);
  stats_req.set_org(county_a_);
  ASSERT_TRUE(stub_->GetIssueStats(Ctx(city_staff_).get(), stats_req, &stats).ok());
  EXPECT_EQ(stats.total(), 2);
  // An org path, as rectification and clue statistics take it, means the same.
  stats_req.set_org("c1.a");
  ASSERT_TRUE(stub_->GetIssueStats(Ctx(city_staff_).get(), stats_req, &stats).ok());
  EXPECT_EQ(stats.total(), 2);
  stats_req.set_org("c1");
  EXPECT_EQ(stub_->GetIssueStats(Ctx(county_a_staff_).get(), stats_req, &stats).error_code(),
            StatusCode::PERMISSION_DENIED);
  stats_req.set_org("c1.a-b");
  EXPECT_EQ(stub_->GetIssueStats(Ctx(city_staff_).get(), stats_req, &stats).error_code(),
            StatusCode::INVALID_ARGUMENT);
  stats_req.set_org("");
  stats_req.set_round(round_);
  ASSERT_TRUE(stub_->GetIssueStats(Ctx(city_staff_).get(), stats_req, &stats).ok());
  EXPECT_EQ(stats.total(), 1);
}

TEST_F(IssuesTest, BadInputIsRefusedClearlyAndNothingChanges) {
  Issue confirmed = ConfirmedIssue("已确认的问题", four_winds_category_);
  Issue verifying =
      Create(member_, NewIssue(city_engagement_, "核实中的问题", four_winds_category_));
  ASSERT_TRUE(StartVerification(member_, verifying.id()).ok());
  const int issues_before = CountRows("SELECT count(*) FROM issues");
  const int audit_before = CountRows("SELECT count(*) FROM audit_log");
  const int outbox_before = CountRows("SELECT count(*) FROM outbox");

  // Confirm without the unit head's sign-off.
  v1::ConfirmIssueRequest confirm;
  confirm.set_id(verifying.id());
  Issue out;
  grpc::Status s = stub_->ConfirmIssue(Ctx(member_).get(), confirm, &out);
  EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "sign_off.signer_name: must be set");
  confirm.mutable_sign_off()->set_signer_name("王局长");
  confirm.mutable_sign_off()->set_signed_on("2024-05-20");
  s = stub_->ConfirmIssue(Ctx(member_).get(), confirm, &out);
  EXPECT_EQ(s.error_message(), "sign_off.statement: must be set");

  // A report with an unconfirmed issue.
  v1::CreateReportRequest report;
  report.set_engagement_id(city_engagement_.id());
  report.add_issue_ids(confirmed.id());
  report.add_issue_ids(verifying.id());
  Report r;
  s = stub_->CreateReport(Ctx(leader_).get(), report, &r);
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(),
            "issue_ids[1]: issue is VERIFYING; cannot move to REPORTED (only from CONFIRMED)");
  EXPECT_EQ(CountRows("SELECT count(*) FROM reports"), 0);

  // A category from another office's tree (county B's own entry, used for a city issue).
  v1::CreateTaxonomyEntryRequest entry;
  entry.mutable_entry()->set_name("乙县自定义类别");
  v1::TaxonomyEntry county_entry;
  ASSERT_TRUE(stub_->CreateTaxonomyEntry(Ctx(county_b_admin_).get(), entry, &county_entry).ok());
  const int audit_after_entry = audit_before + 1;
  v1::CreateIssueRequest create;
  *create.mutable_issue() = NewIssue(city_engagement_, "用错类别", county_entry.id());
  s = stub_->CreateIssue(Ctx(member_).get(), create, &out);
  EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "category_id: taxonomy entry "));
  EXPECT_TRUE(absl::StrContains(s.error_message(), "another office's tree"));
  // An unknown engagement names its field.
  create.mutable_issue()->set_category_id(four_winds_category_);
  create.mutable_issue()->set_engagement_id(NewUuid());
  s = stub_->CreateIssue(Ctx(member_).get(), create, &out);
  EXPECT_EQ(s.error_code(), StatusCode::NOT_FOUND);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "engagement_id:"));

  EXPECT_EQ(CountRows("SELECT count(*) FROM issues"), issues_before);
  EXPECT_EQ(CountRows("SELECT count(*) FROM audit_log"), audit_after_entry);
  EXPECT_EQ(CountRows("SELECT count(*) FROM outbox"), outbox_before + 1);
  v1::GetIssueRequest get;
  get.set_id(verifying.id());
  ASSERT_TRUE(stub_->GetIssue(Ctx(member_).get(), get, &out).ok());
  EXPECT_EQ(out.state(), Issue::VERIFYING);
  get.set_id(confirmed.id());
  ASSERT_TRUE(stub_->GetIssue(Ctx(member_).get(), get, &out).ok());
  EXPECT_EQ(out.state(), Issue::CONFIRMED);
  EXPECT_TRUE(out.report_id().empty());
}

TEST_F(IssuesTest, TaxonomyIsInheritedDownTheTree) {
  v1::CreateTaxonomyEntryRequest entry;
  entry.mutable_entry()->set_name("市里新增：营商环境");
  v1::TaxonomyEntry city_entry;
  EXPECT_EQ(stub_->CreateTaxonomyEntry(Ctx(city_staff_).get(), entry, &city_entry).error_code(),
            StatusCode::PERMISSION_DENIED);  // OFFICE_ADMIN extends the tree
  ASSERT_TRUE(stub_->CreateTaxonomyEntry(Ctx(city_admin_).get(), entry, &city_entry).ok());
  EXPECT_EQ(city_entry.office_id(), city_);
  v1::TaxonomyEntry child;
  entry.mutable_entry()->set_name("审批事项办理拖延");
  entry.mutable_entry()->set_parent_id(city_entry.id());
  ASSERT_TRUE(stub_->CreateTaxonomyEntry(Ctx(city_admin_).get(), entry, &child).ok());
  entry.mutable_entry()->set_name("乙县自定义");
  entry.mutable_entry()->set_parent_id("");
  v1::TaxonomyEntry county_b_entry;
  ASSERT_TRUE(stub_->CreateTaxonomyEntry(Ctx(county_b_admin_).get(), entry, &county_b_entry).ok());

  auto names = [&](const std::string& token) {
    v1::ListTaxonomyResponse tree;
    EXPECT_TRUE(stub_->ListTaxonomy(Ctx(token).get(), {}, &tree).ok());
    std::set<std::string> out;
    for (const auto& e : tree.entries()) out.insert(e.name());
    return out;
  };
  auto county_a_tree = names(county_a_staff_);
  EXPECT_TRUE(county_a_tree.contains("党的领导"));
  EXPECT_TRUE(county_a_tree.contains("意识形态"));
  EXPECT_TRUE(county_a_tree.contains("市里新增：营商环境"));
  EXPECT_TRUE(county_a_tree.contains("审批事项办理拖延"));
  EXPECT_FALSE(county_a_tree.contains("乙县自定义"));
  EXPECT_FALSE(names(city_staff_).contains("乙县自定义"));
  // County A uses the city's entry; its report groups it under the city's heading.
  Issue i = Create(county_member_, NewIssue(county_engagement_, "审批超时", child.id()));
  EXPECT_EQ(i.category_name(), "审批事项办理拖延");
  EXPECT_EQ(i.heading_name(), "市里新增：营商环境");
  // The create answer is the issue as stored, read back in the insert's own statement.
  v1::GetIssueRequest get;
  get.set_id(i.id());
  Issue stored;
  ASSERT_TRUE(stub_->GetIssue(Ctx(county_member_).get(), get, &stored).ok());
  EXPECT_EQ(stored.SerializeAsString(), i.SerializeAsString());
}

TEST_F(IssuesTest, ImmediateIssuesAreFedBackAtOnceAndCluesSuggestedOnce) {
  Issue immediate = NewIssue(city_engagement_, "办公用房超标", four_winds_category_);
  immediate.set_immediate(true);
  immediate = Create(member_, immediate);
  v1::FeedBackIssueRequest feed;
  feed.set_id(immediate.id());
  feed.set_requirements("立即腾退超标办公用房");
  Issue fed;
  grpc::Status s = stub_->FeedBackIssue(Ctx(member_).get(), feed, &fed);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(fed.state(), Issue::FED_BACK);
  ASSERT_TRUE(stub_->FeedBackIssue(Ctx(member_).get(), feed, &fed).ok());  // a retry
  Issue ordinary = Create(member_, NewIssue(city_engagement_, "一般问题", four_winds_category_));
  feed.set_id(ordinary.id());
  s = stub_->FeedBackIssue(Ctx(member_).get(), feed, &fed);
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(), "issue is DRAFT; cannot move to FED_BACK (only from REPORTED)");

  v1::SuggestClueRequest clue;
  clue.set_id(ordinary.id());
  clue.set_subject_person("李某");
  clue.set_subject_position("财务科科长");
  clue.set_cadre_level("县管");
  clue.set_summary("涉嫌虚开发票套取资金");
  Issue suggested;
  ASSERT_TRUE(stub_->SuggestClue(Ctx(member_).get(), clue, &suggested).ok());
  EXPECT_TRUE(suggested.clue_material());
  ASSERT_TRUE(stub_->SuggestClue(Ctx(member_).get(), clue, &suggested).ok());
  EXPECT_EQ(stub_->SuggestClue(Ctx(liaison_).get(), clue, &suggested).error_code(),
            StatusCode::NOT_FOUND);  // a DRAFT issue does not exist for the unit

  auto fed_events = EventsOfType("issues.report.fed_back");
  ASSERT_EQ(fed_events.size(), 1u);
  v1::ReportFedBack payload;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(fed_events[0].payload, &payload).ok());
  EXPECT_TRUE(payload.report_id().empty());
  ASSERT_EQ(payload.issues_size(), 1);
  EXPECT_EQ(payload.issues(0).id(), immediate.id());
  EXPECT_TRUE(payload.issues(0).immediate());
  auto clue_events = EventsOfType("issues.issue.clue_suggested");
  ASSERT_EQ(clue_events.size(), 1u);
  v1::IssueClueSuggested clue_payload;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(clue_events[0].payload, &clue_payload).ok());
  EXPECT_EQ(clue_payload.issue_id(), ordinary.id());
  EXPECT_EQ(clue_payload.cadre_level(), "县管");
  EXPECT_EQ(clue_payload.source_record_id(), ordinary.source_record_id());
}

TEST_F(IssuesTest, LedgerExportsTenThousandRowsAsXlsxAndCsv) {
  Issue first = Create(member_, NewIssue(city_engagement_, "账外设立小金库", four_winds_category_));
  // 10k more rows straight into the table: creating them one RPC at a time would only measure
  // the RPC path, which the other tests cover.
  ASSERT_TRUE(pool_
                  ->Transact([&](pqxx::work& tx) -> absl::Status {
                    tx.exec_params(
                        "INSERT INTO issues (engagement_id, office_id, office_path, round_id, "
                        "target_unit_id, target_unit_path, title, description, category_id, "
                        "heading_id, severity, source, created_by) "
                        "SELECT engagement_id, office_id, office_path, round_id, target_unit_id, "
                        "target_unit_path, '批量问题' || g, '描述,含逗号 ' || g, category_id, "
                        "heading_id, 'GENERAL', 'OTHER', 'test' FROM issues, "
                        "generate_series(1, 10000) g WHERE id = $1::uuid",
                        first.id());
                    return absl::OkStatus();
                  })
                  .ok());
  const int rows = 10001;
  v1::ExportIssuesRequest req;
  req.set_engagement_id(city_engagement_.id());
  req.set_format("csv");
  ::xuncha::common::v1::FileContent csv;
  grpc::Status s = stub_->ExportIssues(Ctx(city_staff_).get(), req, &csv);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(csv.content_type(), "text/csv; charset=utf-8");
  EXPECT_TRUE(absl::EndsWith(csv.filename(), ".csv"));
  int lines = 0;
  for (char c : csv.content()) lines += c == '\n';
  EXPECT_EQ(lines, rows + 1);
  EXPECT_TRUE(absl::StrContains(csv.content(), "序号,问题编号,被巡察单位,问题标题"));
  EXPECT_TRUE(absl::StrContains(csv.content(), ",市财政局,账外设立小金库,"));
  EXPECT_TRUE(absl::StrContains(csv.content(), ",批量问题10000,\"描述,含逗号 10000\","));

  req.set_format("XLSX");
  ::xuncha::common::v1::FileContent xlsx;
  s = stub_->ExportIssues(Ctx(city_staff_).get(), req, &xlsx);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(xlsx.content_type(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  ASSERT_EQ(xlsx.content().substr(0, 4), std::string("PK\x03\x04", 4));
  const std::string path = dir_ + "/ledger.xlsx";
  testing::WriteFile(path, xlsx.content());
  std::string sheet;
  FILE* pipe = popen(("unzip -p '" + path + "' xl/worksheets/sheet1.xml").c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char buffer[65536];
  for (std::size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) sheet.append(buffer, n);
  ASSERT_EQ(pclose(pipe), 0);
  int row_elements = 0;
  for (std::size_t at = 0; (at = sheet.find("<row ", at)) != std::string::npos; ++at) {
    ++row_elements;
  }
  EXPECT_EQ(row_elements, rows + 1);
  EXPECT_TRUE(absl::StrContains(sheet, "问题标题"));
  EXPECT_TRUE(absl::StrContains(sheet, "账外设立小金库"));
  EXPECT_TRUE(absl::StrContains(sheet, "批量问题10000"));
  EXPECT_TRUE(absl::StrContains(sheet, absl::StrCat("<row r=\"", rows + 1, "\"")));

  // The round and the office scopes export the same rows to those who may read them.
  req.set_engagement_id("");
  req.set_round(round_);
  req.set_format("Csv");
  ASSERT_TRUE(stub_->ExportIssues(Ctx(city_staff_).get(), req, &csv).ok());
  lines = 0;
  for (char c : csv.content()) lines += c == '\n';
  EXPECT_EQ(lines, rows + 1);
  ASSERT_TRUE(stub_->ExportIssues(Ctx(county_a_staff_).get(), req, &csv).ok());
  lines = 0;
  for (char c : csv.content()) lines += c == '\n';
  EXPECT_EQ(lines, 1);  // headers only: the city's round is not the county's to read
  req.set_round("");
  req.set_org(city_);
  EXPECT_EQ(stub_->ExportIssues(Ctx(county_a_staff_).get(), req, &csv).error_code(),
            StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->ExportIssues(Ctx(city_staff_).get(), req, &csv).ok());
  lines = 0;
  for (char c : csv.content()) lines += c == '\n';
  EXPECT_EQ(lines, rows + 1);
  req.set_org("");
  s = stub_->ExportIssues(Ctx(city_staff_).get(), req, &csv);
  EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT);  // no scope
  req.set_org(city_);
  req.set_format("pdf");
  s = stub_->ExportIssues(Ctx(city_staff_).get(), req, &csv);
  EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "format: must be xlsx or csv");
}

// Statistics are read from the summary (migration 0002), not from the issues. The service's
// fold is put off for the whole test so that the test decides when deltas are folded: answers
// are compared with a recount of the issues table both with deltas pending and after folding.
class IssueCountsTest : public IssuesTest {
 protected:
  IssueCountsTest() { extra_args_ = {"--stats_fold_interval=1h"}; }

  // What the old statistics computed: a GROUP BY over the issues themselves.
  v1::IssueStats Recount(const std::string& path, const std::string& round,
                         const std::string& engagement) {
    auto out =
        pool_->TransactWith<v1::IssueStats>([&](pqxx::work& tx) -> absl::StatusOr<v1::IssueStats> {
          return RollUp(Repository::StatsRows(tx, path, round, engagement), path);
        });
    EXPECT_TRUE(out.ok()) << out.status();
    return out.value_or(v1::IssueStats());
  }

  int Fold() {
    auto folded = pool_->TransactWith<int>(
        [](pqxx::work& tx) -> absl::StatusOr<int> { return Repository::CompactCounts(tx); });
    EXPECT_TRUE(folded.ok()) << folded.status();
    return folded.value_or(-1);
  }

  // Every way of asking (whole office, an office below, a round, an engagement; city and
  // county callers) answers exactly what a recount of the issues answers.
  void ExpectSummaryMatchesRecount(const std::string& when) {
    struct Ask {
      std::string token, org, round, engagement, path;
    };
    const std::vector<Ask> asks = {
        {city_staff_, "", "", "", "c1"},
        {city_staff_, county_a_, "", "", "c1.a"},
        {county_a_staff_, "", "", "", "c1.a"},
        {city_staff_, "", round_, "", "c1"},
        {city_staff_, "", "", city_engagement_.id(), "c1"},
        {county_a_staff_, "", "", county_engagement_.id(), "c1.a"},
    };
    for (const auto& a : asks) {
      v1::GetIssueStatsRequest req;
      req.set_org(a.org);
      req.set_round(a.round);
      req.set_engagement_id(a.engagement);
      v1::IssueStats got;
      grpc::Status s = stub_->GetIssueStats(Ctx(a.token).get(), req, &got);
      ASSERT_TRUE(s.ok()) << when << ": " << s.error_message();
      const v1::IssueStats want = Recount(a.path, a.round, a.engagement);
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(want, got))
          << when << " org=" << a.org << " round=" << a.round << " engagement=" << a.engagement
          << "\nrecount " << want.ShortDebugString() << "\nsummary " << got.ShortDebugString();
    }
  }

  int Deltas() { return CountRows("SELECT count(*) FROM issue_count_deltas"); }
};

TEST_F(IssueCountsTest, SummaryMatchesARecountThroughTheLifecycle) {
  // Creates in both offices with different categories and severities.
  std::vector<Issue> city;
  for (int i = 0; i < 6; ++i) {
    city.push_back(Create(member_, NewIssue(city_engagement_, absl::StrCat("市局问题", i),
                                            i % 2 ? four_winds_category_ : appointment_category_,
                                            i % 3 ? Issue::SERIOUS : Issue::GRAVE)));
  }
  Issue other =
      Create(other_member_, NewIssue(other_engagement_, "教育局问题", four_winds_category_));
  for (int i = 0; i < 3; ++i) {
    Create(county_member_, NewIssue(county_engagement_, absl::StrCat("乡镇问题", i),
                                    four_winds_category_, Issue::GENERAL));
  }
  EXPECT_GT(Deltas(), 0);  // nothing folded yet: the answers below sum the pending deltas
  ExpectSummaryMatchesRecount("after creates, unfolded");
  v1::IssueStats stats;
  ASSERT_TRUE(stub_->GetIssueStats(Ctx(city_staff_).get(), {}, &stats).ok());
  EXPECT_EQ(stats.total(), 10);

  EXPECT_GT(Fold(), 0);
  EXPECT_EQ(Deltas(), 0);
  ExpectSummaryMatchesRecount("after creates, folded");

  // Transitions: verification, confirmation, dismissal, then the report takes the confirmed
  // issues (one statement for all) and its feedback moves them again.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(StartVerification(member_, city[i].id()).ok());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(Confirm(member_, city[i].id()).ok());
  v1::DismissIssueRequest dismiss;
  dismiss.set_id(city[4].id());
  dismiss.mutable_dismissal()->set_unit_explanation("系按规定发放的加班补助");
  dismiss.mutable_dismissal()->set_group_reason("经核实有审批手续，不构成问题");
  Issue dismissed;
  ASSERT_TRUE(stub_->DismissIssue(Ctx(member_).get(), dismiss, &dismissed).ok());
  ASSERT_TRUE(StartVerification(other_member_, other.id()).ok());
  ExpectSummaryMatchesRecount("after transitions, unfolded");
  Fold();
  ExpectSummaryMatchesRecount("after transitions, folded");

  v1::CreateReportRequest create;
  create.set_engagement_id(city_engagement_.id());
  create.set_summary("该局党组落实全面从严治党主体责任不到位");
  Report report, out;
  grpc::Status s = stub_->CreateReport(Ctx(leader_).get(), create, &report);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(report.issue_count(), 4);
  ExpectSummaryMatchesRecount("after the report, unfolded");
  v1::SubmitReportRequest submit;
  submit.set_id(report.id());
  ASSERT_TRUE(stub_->SubmitReport(Ctx(leader_).get(), submit, &out).ok());
  v1::ApproveReportRequest approve;
  approve.set_id(report.id());
  ASSERT_TRUE(stub_->ApproveReport(Ctx(city_leading_).get(), approve, &out).ok());
  v1::FeedBackReportRequest feed;
  feed.set_id(report.id());
  feed.set_feedback_date("2024-06-01");
  feed.set_requirements("限期整改");
  feed.set_rectification_plan_due("2024-07-01");
  s = stub_->FeedBackReport(Ctx(leader_).get(), feed, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ExpectSummaryMatchesRecount("after feedback, unfolded");
  ASSERT_TRUE(stub_->GetIssueStats(Ctx(city_staff_).get(), {}, &stats).ok());
  std::map<std::string, int64_t> states;
  for (const auto& c : stats.by_state()) states[c.key()] = c.count();
  EXPECT_EQ(states["FED_BACK"], 4);
  EXPECT_EQ(states["DISMISSED"], 1);
  EXPECT_EQ(states["VERIFYING"], 1);
  EXPECT_EQ(states["DRAFT"], 4);
  EXPECT_EQ(states.count("CONFIRMED"), 0u);  // every confirmed issue has moved on
  Fold();
  ExpectSummaryMatchesRecount("after feedback, folded");
  // Keys nobody holds any more are dropped, not kept at zero.
  EXPECT_EQ(CountRows("SELECT count(*) FROM issue_counts WHERE n <= 0"), 0);
  EXPECT_EQ(CountRows("SELECT count(*) FROM issue_round_counts WHERE n <= 0"), 0);
  // The two grains agree with each other.
  EXPECT_EQ(CountRows("SELECT count(*) FROM (SELECT office_id, round_id, dimension, key, "
                      "sum(n) FROM issue_counts GROUP BY 1, 2, 3, 4 EXCEPT "
                      "SELECT office_id, round_id, dimension, key, n FROM issue_round_counts) x"),
            0);
  EXPECT_GT(CountRows("SELECT count(*) FROM issue_round_counts"), 0);
  EXPECT_EQ(CountRows("SELECT count(*) FROM issue_counts WHERE dimension = 'state' "
                      "AND key IN ('CONFIRMED', 'REPORTED')"),
            0);

  // Changes made outside the RPCs (a bulk load, a correction of severity and category by SQL,
  // a deletion) are counted too: the triggers see every statement on the table.
  ASSERT_TRUE(pool_
                  ->Transact([&](pqxx::work& tx) -> absl::Status {
                    tx.exec_params(
                        "INSERT INTO issues (engagement_id, office_id, office_path, round_id, "
                        "target_unit_id, target_unit_path, title, description, category_id, "
                        "heading_id, severity, source, created_by) "
                        "SELECT engagement_id, office_id, office_path, round_id, target_unit_id, "
                        "target_unit_path, '批量问题' || g, '描述', category_id, heading_id, "
                        "'GENERAL', 'OTHER', 'test' FROM issues, generate_series(1, 50) g "
                        "WHERE id = $1::uuid",
                        other.id());
                    tx.exec_params(
                        "UPDATE issues SET severity = 'GRAVE', category_id = $2::uuid, "
                        "heading_id = (SELECT heading_id FROM taxonomy_entries "
                        "WHERE id = $2::uuid) WHERE id = $1::uuid",
                        city[5].id(), four_winds_category_);
                    tx.exec("DELETE FROM issues WHERE title IN ('批量问题1', '批量问题2')");
                    return absl::OkStatus();
                  })
                  .ok());
  ExpectSummaryMatchesRecount("after SQL changes, unfolded");
  ASSERT_TRUE(stub_->GetIssueStats(Ctx(city_staff_).get(), {}, &stats).ok());
  EXPECT_EQ(stats.total(), 10 + 48);
  Fold();
  ExpectSummaryMatchesRecount("after SQL changes, folded");
}

TEST_F(IssueCountsTest, ConcurrentCreatesAndFoldsLoseNothing) {
  constexpr int kThreads = 8, kEach = 15;
  std::atomic<int> failed{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      // Two offices, one category: many creates append to the same summary keys at once.
      const bool county = t % 2 == 1;
      for (int i = 0; i < kEach; ++i) {
        v1::CreateIssueRequest req;
        *req.mutable_issue() = NewIssue(county ? county_engagement_ : city_engagement_,
                                        absl::StrCat("并发问题", t, "-", i), four_winds_category_);
        Issue out;
        if (!stub_->CreateIssue(Ctx(county ? county_member_ : member_).get(), req, &out).ok()) {
          ++failed;
        }
      }
    });
  }
  // Folding while the writers commit: what a fold takes must be neither lost nor taken twice.
  std::thread folder([&] {
    while (!done) {
      Fold();
      absl::SleepFor(absl::Milliseconds(5));
    }
  });
  for (auto& w : writers) w.join();
  done = true;
  folder.join();
  EXPECT_EQ(failed.load(), 0);
  ExpectSummaryMatchesRecount("after concurrent creates");
  v1::IssueStats stats;
  ASSERT_TRUE(stub_->GetIssueStats(Ctx(city_staff_).get(), {}, &stats).ok());
  EXPECT_EQ(stats.total(), kThreads * kEach);
  std::map<std::string, std::pair<int64_t, int64_t>> offices;
  for (const auto& o : stats.by_office()) offices[o.office_id()] = {o.own(), o.total()};
  EXPECT_EQ(offices[city_], Totals(kThreads / 2 * kEach, kThreads * kEach));
  EXPECT_EQ(offices[county_a_], Totals(kThreads / 2 * kEach, kThreads / 2 * kEach));
  Fold();
  EXPECT_EQ(Deltas(), 0);
  ExpectSummaryMatchesRecount("after the last fold");
}

TEST_F(IssueCountsTest, TheMigrationBackFillsIssuesThatExistedBeforeIt) {
  for (int i = 0; i < 4; ++i) {
    Issue issue = Create(member_, NewIssue(city_engagement_, absl::StrCat("迁移前问题", i),
                                           i % 2 ? four_winds_category_ : appointment_category_));
    if (i < 2) {
      ASSERT_TRUE(StartVerification(member_, issue.id()).ok());
    }
  }
  Create(county_member_, NewIssue(county_engagement_, "迁移前乡镇问题", four_winds_category_));
  ASSERT_EQ(process_.Stop(SIGTERM), 0);
  // The schema as it was before migration 0002, holding issues (more added by SQL, with no
  // trigger to count them) ...
  ASSERT_TRUE(pool_
                  ->Transact([&](pqxx::work& tx) -> absl::Status {
                    tx.exec("DROP TRIGGER issue_counts_insert ON issues");
                    tx.exec("DROP TRIGGER issue_counts_update ON issues");
                    tx.exec("DROP TRIGGER issue_counts_delete ON issues");
                    tx.exec("DROP FUNCTION issue_counts_track()");
                    tx.exec("DROP TABLE issue_counts, issue_round_counts, issue_count_deltas");
                    tx.exec(
                        "DELETE FROM schema_migrations WHERE component = 'issues' AND version = 2");
                    tx.exec(
                        "INSERT INTO issues (engagement_id, office_id, office_path, round_id, "
                        "target_unit_id, target_unit_path, title, description, category_id, "
                        "heading_id, severity, source, state, created_by) "
                        "SELECT engagement_id, office_id, office_path, round_id, target_unit_id, "
                        "target_unit_path, title || g, description, category_id, heading_id, "
                        "(ARRAY['GENERAL', 'GRAVE'])[1 + g % 2], 'OTHER', "
                        "(ARRAY['DRAFT', 'CONFIRMED', 'FED_BACK'])[1 + g % 3], 'test' "
                        "FROM issues, generate_series(1, 40) g");
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(CountRows("SELECT count(*) FROM issues"), 5 * 41);
  // ... migrated again: 0002 counts what is there.
  ChildProcess migrate;
  ASSERT_TRUE(migrate.Start({XUNCHA_ISSUES_BIN, "--migrate_only=true", "--db_url=" + db_.url(),
                             "--redis=" + testing::RedisAddress()},
                            dir_ + "/migrate.log"));
  EXPECT_EQ(migrate.Stop(0, 60000), 0) << testing::ReadFile(dir_ + "/migrate.log");
  EXPECT_EQ(CountRows("SELECT count(*) FROM issue_count_deltas"), 0);
  EXPECT_EQ(CountRows("SELECT sum(n) FROM issue_round_counts WHERE dimension = 'state'"), 5 * 41);
  ASSERT_TRUE(process_.Start(service_argv_, dir_ + "/issues-2.log"));
  ASSERT_TRUE(testing::WaitForServing(address_, 20000))
      << testing::ReadFile(dir_ + "/issues-2.log");
  ExpectSummaryMatchesRecount("after the back-fill");
  // And the triggers count what comes after.
  Create(member_, NewIssue(city_engagement_, "迁移后问题", four_winds_category_));
  ExpectSummaryMatchesRecount("after a create following the back-fill");
  v1::IssueStats stats;
  ASSERT_TRUE(stub_->GetIssueStats(Ctx(city_staff_).get(), {}, &stats).ok());
  EXPECT_EQ(stats.total(), 5 * 41 + 1);
}

}  // namespace
}  // namespace xuncha::issues
