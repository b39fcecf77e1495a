// End-to-end tests of the real xuncha-fieldwork binary against the harness's PostgreSQL and
// Redis. Engagements arrive the way planning publishes them (XADD to its stream); tokens are
// signed here with a key pair made for the test, as directory would sign them.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "domain.h"
#include "google/protobuf/util/json_util.h"
#include "process.h"
#include "service_harness.h"
#include "test_env.h"
#include "xuncha/auth.h"
#include "xuncha/crypto.h"
#include "xuncha/engagements.h"
#include "xuncha/fieldwork/v1/fieldwork.grpc.pb.h"
#include "xuncha/pg.h"
#include "xuncha/redis.h"

namespace xuncha::fieldwork {
namespace {

namespace v1 = ::xuncha::fieldwork::v1;
using grpc::StatusCode;
using testing::ChildProcess;
using testing::NewUuid;

class FieldworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    dir_ = testing::MakeTempDir();
    auto keys = testing::WriteTokenKeys(dir_);
    ASSERT_TRUE(keys.ok()) << keys.status();
    keys_ = *std::move(keys);
    // The office's petition key pair: only the public half goes to the service.
    petition_public_.resize(crypto_box_PUBLICKEYBYTES);
    petition_secret_.resize(crypto_box_SECRETKEYBYTES);
    crypto_box_keypair(reinterpret_cast<unsigned char*>(petition_public_.data()),
                       reinterpret_cast<unsigned char*>(petition_secret_.data()));
    testing::WriteFile(dir_ + "/petition.pub", absl::BytesToHexString(petition_public_) + "\n");
    stream_prefix_ = testing::UniqueName("test:");
    address_ = absl::StrCat("127.0.0.1:", testing::FreePort());
    ASSERT_TRUE(process_.Start(
        {XUNCHA_FIELDWORK_BIN, "--listen=" + address_, "--db_url=" + db_.url(),
         "--redis=" + testing::RedisAddress(), "--token_public_key_file=" + keys_.public_key_file,
         "--petition_public_key_file=" + dir_ + "/petition.pub",
         "--evidence_dir=" + dir_ + "/evidence", "--evidence_max_bytes=1000",
         "--event_stream_prefix=" + stream_prefix_},
        dir_ + "/fieldwork.log"));
    ASSERT_TRUE(testing::WaitForServing(address_, 20000))
        << testing::ReadFile(dir_ + "/fieldwork.log");
    stub_ = v1::FieldworkService::NewStub(
        grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
    redis_ = std::make_unique<RedisClient>(*ParseRedisAddress(testing::RedisAddress()));
    PgPoolOptions o;
    o.url = db_.url();
    o.schema = "fieldwork";
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

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
    return testing::CallContext(token);
  }

  // Publishes an engagement as planning does and waits until the service has applied it.
  void PublishEngagement(const EngagementSnapshot& e) {
    absl::Status added = testing::PublishEvent(*redis_, stream_prefix_, "planning",
                                               kEngagementChangedEvent, e.id(), e);
    ASSERT_TRUE(added.ok()) << added;
    v1::ListInterviewsRequest req;
    req.set_engagement_id(e.id());
    v1::ListInterviewsResponse resp;
    grpc::Status s;
    for (int i = 0; i < 200; ++i) {
      s = stub_->ListInterviews(Ctx(city_admin_).get(), req, &resp);
      if (s.error_code() != StatusCode::NOT_FOUND) break;
      absl::SleepFor(absl::Milliseconds(50));
    }
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  EngagementSnapshot Engagement(const std::string& target_path,
                                std::vector<std::pair<std::string, int>> members) {
    return testing::TestEngagement(city_, "c1", target_path, "市财政局", round_, members);
  }

  // A city office (c1) with two groups: group 1 (leader + member) inspects c1.d9, group 2
  // (another person) inspects c1.d8.
  void MakeWorld() {
    city_ = NewUuid();
    round_ = NewUuid();
    leader_person_ = NewUuid();
    member_person_ = NewUuid();
    other_person_ = NewUuid();
    city_admin_ = Token(city_, "c1", {"OFFICE_ADMIN"});
    city_staff_ = Token(city_, "c1", {"OFFICE_STAFF"});
    leader_ = Token(city_, "c1", {}, leader_person_);
    member_ = Token(city_, "c1", {}, member_person_);
    other_member_ = Token(city_, "c1", {}, other_person_);
    liaison_ = Token("", "", {"UNIT_LIAISON"}, "", "c1.d9");
    group1_ = Engagement("c1.d9", {{leader_person_, 1}, {member_person_, 3}});
    group2_ = Engagement("c1.d8", {{other_person_, 1}});
    PublishEngagement(group1_);
    PublishEngagement(group2_);
  }

  v1::Interview GoodInterview() {
    v1::Interview i;
    i.set_kind(v1::Interview::INDIVIDUAL);
    i.set_interviewee_name("李四");
    i.set_interviewee_post("办公室主任");
    i.set_category(v1::Interview::MIDDLE_MANAGER);
    i.add_interviewer_person_ids(leader_person_);
    i.add_interviewer_person_ids(member_person_);
    i.mutable_start_time()->set_seconds(1714530000);
    i.set_place("谈话室");
    i.set_notes("反映公车私用问题");
    i.add_problems()->set_summary("公车私用");
    i.add_problems()->set_summary("超标准接待");
    return i;
  }

  grpc::Status CreateInterview(const std::string& token, const EngagementSnapshot& e,
                               const v1::Interview& interview, v1::Interview* out = nullptr) {
    v1::CreateInterviewRequest req;
    req.set_engagement_id(e.id());
    *req.mutable_interview() = interview;
    v1::Interview ignored;
    return stub_->CreateInterview(Ctx(token).get(), req, out ? out : &ignored);
  }

  grpc::Status ListInterviews(const std::string& token, const EngagementSnapshot& e,
                              v1::ListInterviewsResponse* out = nullptr) {
    v1::ListInterviewsRequest req;
    req.set_engagement_id(e.id());
    v1::ListInterviewsResponse ignored;
    return stub_->ListInterviews(Ctx(token).get(), req, out ? out : &ignored);
  }

  v1::Survey CreateEvaluation(int min_responses = 0) {
    v1::CreateSurveyRequest req;
    req.mutable_survey()->set_engagement_id(group1_.id());
    req.mutable_survey()->set_title("领导班子民主测评");
    req.mutable_survey()->set_kind(v1::Survey::DEMOCRATIC_EVALUATION);
    req.mutable_survey()->set_min_responses(min_responses);
    v1::Survey out;
    grpc::Status s = stub_->CreateSurvey(Ctx(member_).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  std::vector<std::string> IssueCodes(const std::string& survey_id, int count) {
    v1::IssueSurveyCodesRequest req;
    req.set_id(survey_id);
    req.set_count(count);
    v1::IssueSurveyCodesResponse out;
    grpc::Status s = stub_->IssueSurveyCodes(Ctx(member_).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {out.codes().begin(), out.codes().end()};
  }

  grpc::Status Answer(const std::string& code, const std::string& choice,
                      const std::string& question = "overall") {
    v1::SubmitSurveyResponseRequest req;
    req.set_code(code);
    auto* a = req.add_answers();
    a->set_question_id(question);
    a->add_choices(choice);
    v1::SubmitSurveyResponseResponse out;
    return stub_->SubmitSurveyResponse(Ctx("").get(), req, &out);  // no token: public
  }

  grpc::Status Results(const std::string& token, const std::string& survey_id,
                       v1::SurveyResults* out) {
    v1::GetSurveyResultsRequest req;
    req.set_id(survey_id);
    return stub_->GetSurveyResults(Ctx(token).get(), req, out);
  }

  int64_t Count(const std::string& sql) {
    return pool_
        ->TransactWith<int64_t>([&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
          return tx.exec1(sql)[0].as<int64_t>();
        })
        .value_or(-1);
  }

  std::string Text(const std::string& sql) {
    return pool_
        ->TransactWith<std::string>([&](pqxx::work& tx) -> absl::StatusOr<std::string> {
          std::string all;
          for (const auto& r : tx.exec(sql)) all += r[0].as<std::string>("") + "\n";
          return all;
        })
        .value_or("");
  }

  testing::TestDatabase db_;
  std::string dir_, stream_prefix_, address_;
  ChildProcess process_;
  testing::TokenKeys keys_;
  std::unique_ptr<v1::FieldworkService::Stub> stub_;
  std::unique_ptr<RedisClient> redis_;
  std::unique_ptr<PgPool> pool_;
  std::string petition_public_, petition_secret_;
  std::string city_, round_, leader_person_, member_person_, other_person_;
  std::string city_admin_, city_staff_, leader_, member_, other_member_, liaison_;
  EngagementSnapshot group1_, group2_;
};

// ---------------------------------------------------------------------------------------------
// Interviews

TEST_F(FieldworkTest, InterviewsAreVisibleToTheGroupAndLeadershipOnly) {
  v1::Interview created;
  grpc::Status s = CreateInterview(member_, group1_, GoodInterview(), &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(created.engagement_id(), group1_.id());
  ASSERT_EQ(created.problems_size(), 2);
  EXPECT_FALSE(created.problems(0).id().empty());
  EXPECT_NE(created.problems(0).id(), created.problems(1).id());
  EXPECT_EQ(created.problems(1).summary(), "超标准接待");
  EXPECT_EQ(created.start_time().seconds(), 1714530000);

  v1::ListInterviewsResponse list;
  ASSERT_TRUE(ListInterviews(leader_, group1_, &list).ok());
  ASSERT_EQ(list.interviews_size(), 1);
  EXPECT_EQ(list.interviews(0).notes(), "反映公车私用问题");
  ASSERT_TRUE(ListInterviews(city_admin_, group1_, &list).ok());
  EXPECT_EQ(list.interviews_size(), 1);

  // The unit liaison, a member of group 2 and ordinary office staff are refused.
  EXPECT_EQ(ListInterviews(liaison_, group1_).error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ListInterviews(other_member_, group1_).error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ListInterviews(city_staff_, group1_).error_code(), StatusCode::PERMISSION_DENIED);
  v1::GetInterviewRequest get;
  get.set_id(created.id());
  v1::Interview read;
  EXPECT_TRUE(stub_->GetInterview(Ctx(member_).get(), get, &read).ok());
  EXPECT_EQ(read.interviewer_person_ids_size(), 2);
  EXPECT_EQ(stub_->GetInterview(Ctx(liaison_).get(), get, &read).error_code(),
            StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(stub_->GetInterview(Ctx(other_member_).get(), get, &read).error_code(),
            StatusCode::PERMISSION_DENIED);
  // Group 2's member cannot record on group 1's engagement either.
  EXPECT_EQ(CreateInterview(other_member_, group1_, GoodInterview()).error_code(),
            StatusCode::PERMISSION_DENIED);
  // Group 2's own list is empty for its member.
  ASSERT_TRUE(ListInterviews(other_member_, group2_, &list).ok());
  EXPECT_EQ(list.interviews_size(), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log WHERE action = 'interview.create'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE event_type = 'fieldwork.interview.recorded'"),
            1);
}

TEST_F(FieldworkTest, BadInterviewsAreRejectedAndNothingIsStored) {
  v1::Interview one = GoodInterview();
  one.clear_interviewer_person_ids();
  one.add_interviewer_person_ids(member_person_);
  grpc::Status s = CreateInterview(member_, group1_, one);
  EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "interview.interviewer_person_ids"))
      << s.error_message();

  v1::Interview outsider = GoodInterview();
  outsider.set_interviewer_person_ids(1, other_person_);
  s = CreateInterview(member_, group1_, outsider);
  EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "not a member of the group"))
      << s.error_message();

  // Invalid UTF-8 never reaches the store. Over gRPC the server's proto3 parser refuses the
  // request before our code runs (INTERNAL, from gRPC); the service's own "interview.notes"
  // check, for any other path in, is covered by
  // FieldworkInterviewTest.RejectsDuplicateInterviewerAndBadText.
  v1::Interview bad_notes = GoodInterview();
  bad_notes.set_notes(std::string("\xe4\xb8", 2));
  s = CreateInterview(member_, group1_, bad_notes);
  EXPECT_FALSE(s.ok());

  EXPECT_EQ(Count("SELECT count(*) FROM interviews"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM interview_problems"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), 0);
}

// ---------------------------------------------------------------------------------------------
// Surveys

TEST_F(FieldworkTest, EvaluationResultsAreHiddenUntilTheMinimumAndCodesAreSingleUse) {
  v1::Survey survey = CreateEvaluation();
  EXPECT_EQ(survey.min_responses(), 5);
  ASSERT_EQ(survey.questionnaire().questions_size(), 1);
  EXPECT_EQ(survey.questionnaire().questions(0).options(1), "较好");
  std::vector<std::string> codes = IssueCodes(survey.id(), 7);
  ASSERT_EQ(codes.size(), 7u);
  // Only hashes are stored.
  const std::string stored = Text("SELECT code_hash FROM survey_codes");
  for (const auto& code : codes) EXPECT_FALSE(absl::StrContains(stored, code));

  const char* choices[] = {"好", "好", "较好", "一般"};
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(Answer(codes[i], choices[i]).ok());
  v1::SurveyResults results;
  ASSERT_TRUE(Results(member_, survey.id(), &results).ok());
  ASSERT_EQ(results.versions_size(), 1);
  EXPECT_TRUE(results.versions(0).hidden());
  EXPECT_EQ(results.versions(0).questions_size(), 0);

  ASSERT_TRUE(Answer(codes[4], "差").ok());
  ASSERT_TRUE(Results(city_staff_, survey.id(), &results).ok());
  ASSERT_FALSE(results.versions(0).hidden());
  EXPECT_EQ(results.versions(0).responses(), 5);
  EXPECT_DOUBLE_EQ(results.versions(0).questions(0).satisfaction(), 3.0 / 5.0);
  EXPECT_EQ(results.versions(0).questions(0).option_counts(0).count(), 2);

  // Used and unknown codes, and an answer the questionnaire does not allow.
  grpc::Status s = Answer(codes[0], "好");
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "already been used")) << s.error_message();
  EXPECT_EQ(Answer("ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ", "好").error_code(), StatusCode::NOT_FOUND);
  EXPECT_EQ(Answer(codes[5], "很好").error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Count("SELECT count(*) FROM survey_answers"), 5);
  // The rejected answer left its code usable.
  EXPECT_TRUE(Answer(codes[5], "较好").ok());
  EXPECT_EQ(Count("SELECT count(*) FROM survey_codes WHERE used"), 6);

  // Answers carry no code, no code hash and no time of day.
  const std::string answers = Text("SELECT row_to_json(a)::text FROM survey_answers a");
  for (const auto& code : codes) {
    EXPECT_FALSE(absl::StrContains(answers, code));
    EXPECT_FALSE(absl::StrContains(answers, Sha256Hex(code)));
  }
  EXPECT_EQ(Count("SELECT count(*) FROM information_schema.columns WHERE table_schema = "
                  "'fieldwork' AND table_name = 'survey_answers' AND data_type LIKE 'timestamp%'"),
            0);

  // The unit liaison and group 2 cannot read the results.
  EXPECT_EQ(Results(liaison_, survey.id(), &results).error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Results(other_member_, survey.id(), &results).error_code(),
            StatusCode::PERMISSION_DENIED);
}

TEST_F(FieldworkTest, EditingAfterAnswersCreatesANewVersion) {
  v1::Survey survey = CreateEvaluation(3);
  std::vector<std::string> codes = IssueCodes(survey.id(), 4);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Answer(codes[i], "好").ok());
  v1::UpdateQuestionnaireRequest update;
  update.set_id(survey.id());
  auto* q = update.add_questions();
  q->set_id("overall");
  q->set_text("对本单位“一把手”的评价");
  q->set_kind(v1::Question::SINGLE_CHOICE);
  for (const char* o : {"满意", "基本满意", "不满意"}) q->add_options(o);
  q->add_satisfied_options("满意");
  v1::Survey updated;
  grpc::Status s = stub_->UpdateQuestionnaire(Ctx(member_).get(), update, &updated);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(updated.questionnaire().version(), 2);
  // The remaining code answers the new wording.
  EXPECT_EQ(Answer(codes[3], "好").error_code(), StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(Answer(codes[3], "满意").ok());
  v1::SurveyResults results;
  ASSERT_TRUE(Results(member_, survey.id(), &results).ok());
  ASSERT_EQ(results.versions_size(), 2);
  EXPECT_EQ(results.versions(0).version(), 1);
  EXPECT_EQ(results.versions(0).responses(), 3);
  EXPECT_FALSE(results.versions(0).hidden());
  EXPECT_DOUBLE_EQ(results.versions(0).questions(0).satisfaction(), 1.0);
  EXPECT_EQ(results.versions(1).responses(), 1);
  EXPECT_TRUE(results.versions(1).hidden());
  // Version 2 has an answer now: the next edit makes version 3, and editing version 3 before
  // anyone answers it changes it in place.
  ASSERT_TRUE(stub_->UpdateQuestionnaire(Ctx(member_).get(), update, &updated).ok());
  EXPECT_EQ(updated.questionnaire().version(), 3);
  update.mutable_questions(0)->set_text("对本单位“一把手”的总体评价");
  ASSERT_TRUE(stub_->UpdateQuestionnaire(Ctx(member_).get(), update, &updated).ok());
  EXPECT_EQ(updated.questionnaire().version(), 3);
  EXPECT_EQ(updated.questionnaire().questions(0).text(), "对本单位“一把手”的总体评价");
}

TEST_F(FieldworkTest, TwoSimultaneousAnswersWithOneCodeStoreOne) {
  v1::Survey survey = CreateEvaluation();
  std::vector<std::string> codes = IssueCodes(survey.id(), 10);
  for (const auto& code : codes) {
    std::atomic<int> ok{0}, used{0};
    std::atomic<bool> go{false};
    auto submit = [&] {
      while (!go.load()) std::this_thread::yield();
      grpc::Status s = Answer(code, "好");
      if (s.ok()) ++ok;
      if (s.error_code() == StatusCode::FAILED_PRECONDITION) ++used;
    };
    std::thread a(submit), b(submit);
    go = true;
    a.join();
    b.join();
    EXPECT_EQ(ok.load(), 1);
    EXPECT_EQ(used.load(), 1);
  }
  EXPECT_EQ(Count("SELECT count(*) FROM survey_answers"), 10);
}

TEST_F(FieldworkTest, QuestionnaireByCodeForUnusedCodesOnly) {
  v1::Survey survey = CreateEvaluation();
  std::vector<std::string> codes = IssueCodes(survey.id(), 2);
  auto lookup = [&](const std::string& code, v1::SurveyQuestionnaire* out) {
    v1::GetSurveyQuestionnaireRequest req;
    req.set_code(code);
    return stub_->GetSurveyQuestionnaire(Ctx("").get(), req, out);  // no token: public
  };
  v1::SurveyQuestionnaire q;
  // Hand-typed: lower case and without separators.
  std::string typed = absl::AsciiStrToLower(codes[0]);
  typed.erase(std::remove(typed.begin(), typed.end(), '-'), typed.end());
  grpc::Status s = lookup(typed, &q);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(q.title(), "领导班子民主测评");
  EXPECT_EQ(q.kind(), v1::Survey::DEMOCRATIC_EVALUATION);
  EXPECT_EQ(q.questionnaire().version(), 1);
  ASSERT_EQ(q.questionnaire().questions_size(), 1);
  EXPECT_EQ(q.questionnaire().questions(0).id(), "overall");
  // Reading the questionnaire does not use the code.
  ASSERT_TRUE(Answer(codes[0], "好").ok());

  // A used and an unknown code: the same code and message, so issued codes cannot be probed.
  grpc::Status used = lookup(codes[0], &q);
  grpc::Status unknown = lookup("ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ", &q);
  EXPECT_EQ(used.error_code(), StatusCode::NOT_FOUND);
  EXPECT_EQ(unknown.error_code(), StatusCode::NOT_FOUND);
  EXPECT_EQ(used.error_message(), unknown.error_message());
  EXPECT_TRUE(absl::StrContains(used.error_message(), "code")) << used.error_message();
  s = lookup(" - ", &q);
  EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "code")) << s.error_message();

  // After an edit with answers the code gets the new version.
  v1::UpdateQuestionnaireRequest update;
  update.set_id(survey.id());
  auto* question = update.add_questions();
  question->set_id("q1");
  question->set_text("意见建议");
  question->set_kind(v1::Question::FREE_TEXT);
  v1::Survey updated;
  ASSERT_TRUE(stub_->UpdateQuestionnaire(Ctx(member_).get(), update, &updated).ok());
  ASSERT_TRUE(lookup(codes[1], &q).ok());
  EXPECT_EQ(q.questionnaire().version(), 2);
  ASSERT_EQ(q.questionnaire().questions_size(), 1);
  EXPECT_EQ(q.questionnaire().questions(0).id(), "q1");
  // Nothing was written by reading.
  EXPECT_EQ(Count("SELECT count(*) FROM survey_codes WHERE used"), 1);
}

TEST_F(FieldworkTest, SurveysAreListedForTheGroupAndOfficeOnly) {
  v1::Survey first = CreateEvaluation();
  v1::Survey second = CreateEvaluation(7);
  auto list = [&](const std::string& token, const std::string& engagement_id,
                  v1::ListSurveysResponse* out, int page_size = 0,
                  const std::string& page_token = "") {
    v1::ListSurveysRequest req;
    req.set_engagement_id(engagement_id);
    req.set_page_size(page_size);
    req.set_page_token(page_token);
    return stub_->ListSurveys(Ctx(token).get(), req, out);
  };
  v1::ListSurveysResponse resp;
  for (const std::string& token : {member_, leader_, city_staff_, city_admin_}) {
    grpc::Status s = list(token, group1_.id(), &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(resp.surveys_size(), 2);
    EXPECT_EQ(resp.surveys(0).id(), second.id());  // newest first
    EXPECT_EQ(resp.surveys(0).min_responses(), 7);
    EXPECT_EQ(resp.surveys(1).id(), first.id());
    EXPECT_EQ(resp.surveys(1).questionnaire().questions_size(), 1);
    EXPECT_TRUE(resp.next_page_token().empty());
  }
  // Pages of one.
  ASSERT_TRUE(list(member_, group1_.id(), &resp, 1).ok());
  ASSERT_EQ(resp.surveys_size(), 1);
  EXPECT_EQ(resp.surveys(0).id(), second.id());
  ASSERT_FALSE(resp.next_page_token().empty());
  const std::string token = resp.next_page_token();
  ASSERT_TRUE(list(member_, group1_.id(), &resp, 1, token).ok());
  ASSERT_EQ(resp.surveys_size(), 1);
  EXPECT_EQ(resp.surveys(0).id(), first.id());
  EXPECT_TRUE(resp.next_page_token().empty());

  // The unit liaison and group 2's member are refused; group 2's own list is empty.
  grpc::Status s = list(liaison_, group1_.id(), &resp);
  EXPECT_EQ(s.error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "surveys")) << s.error_message();
  EXPECT_EQ(list(other_member_, group1_.id(), &resp).error_code(), StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(list(other_member_, group2_.id(), &resp).ok());
  EXPECT_EQ(resp.surveys_size(), 0);
  // An unknown engagement and a malformed id.
  EXPECT_EQ(list(city_admin_, NewUuid(), &resp).error_code(), StatusCode::NOT_FOUND);
  s = list(city_admin_, "x", &resp);
  EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "engagement_id")) << s.error_message();
}

// ---------------------------------------------------------------------------------------------
// Petitions

TEST_F(FieldworkTest, PetitionIntakeSealsTheReporterAndFollowsUpByReceipt) {
  v1::SubmitPetitionRequest req;
  req.set_engagement_id(group1_.id());
  req.set_channel(v1::Petition::ONLINE);
  req.set_subject("反映某科长违规收受礼金");
  req.set_content("2023年春节期间收受下属单位购物卡");
  req.mutable_reporter()->set_name("王实名");
  req.mutable_reporter()->set_phone("13912345678");
  v1::SubmitPetitionResponse receipt;
  grpc::Status s = stub_->SubmitPetition(Ctx("").get(), req, &receipt);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(receipt.receipt().size(), 20u);
  EXPECT_TRUE(IsReceiptCodeFormat(receipt.receipt()));

  // Nothing in the table reads as the reporter or the receipt.
  const std::string row = Text("SELECT row_to_json(p)::text FROM petitions p");
  EXPECT_TRUE(absl::StrContains(row, "购物卡"));
  EXPECT_FALSE(absl::StrContains(row, "王实名"));
  EXPECT_FALSE(absl::StrContains(row, "13912345678"));
  EXPECT_FALSE(absl::StrContains(row, receipt.receipt()));
  const std::string sealed_hex = Text("SELECT encode(sealed_reporter, 'hex') FROM petitions");
  EXPECT_FALSE(absl::StrContains(sealed_hex, absl::BytesToHexString("王实名")));
  EXPECT_FALSE(absl::StrContains(sealed_hex, absl::BytesToHexString("13912345678")));

  v1::GetPetitionStatusRequest status_req;
  status_req.set_receipt(receipt.receipt());
  v1::PetitionStatus status;
  ASSERT_TRUE(stub_->GetPetitionStatus(Ctx("").get(), status_req, &status).ok());
  EXPECT_EQ(status.state(), v1::Petition::RECEIVED);
  status_req.set_receipt(std::string(20, '1'));
  EXPECT_EQ(stub_->GetPetitionStatus(Ctx("").get(), status_req, &status).error_code(),
            StatusCode::NOT_FOUND);
  status_req.set_receipt("12345");
  EXPECT_EQ(stub_->GetPetitionStatus(Ctx("").get(), status_req, &status).error_code(),
            StatusCode::INVALID_ARGUMENT);

  // The liaison and group 2 cannot see petitions; the group can.
  v1::ListPetitionsRequest list_req;
  list_req.set_engagement_id(group1_.id());
  v1::ListPetitionsResponse list;
  EXPECT_EQ(stub_->ListPetitions(Ctx(liaison_).get(), list_req, &list).error_code(),
            StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(stub_->ListPetitions(Ctx(other_member_).get(), list_req, &list).error_code(),
            StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->ListPetitions(Ctx(member_).get(), list_req, &list).ok());
  ASSERT_EQ(list.petitions_size(), 1);
  const v1::Petition petition = list.petitions(0);
  EXPECT_TRUE(petition.has_reporter());
  v1::GetPetitionRequest get;
  get.set_id(petition.id());
  v1::Petition read;
  EXPECT_EQ(stub_->GetPetition(Ctx(liaison_).get(), get, &read).error_code(),
            StatusCode::PERMISSION_DENIED);

  // Reveal: leadership with the right private key only, and audited.
  v1::RevealPetitionReporterRequest reveal;
  reveal.set_id(petition.id());
  reveal.set_private_key(absl::BytesToHexString(petition_secret_));
  v1::PetitionReporter reporter;
  EXPECT_EQ(stub_->RevealPetitionReporter(Ctx(member_).get(), reveal, &reporter).error_code(),
            StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(stub_->RevealPetitionReporter(Ctx(liaison_).get(), reveal, &reporter).error_code(),
            StatusCode::PERMISSION_DENIED);
  v1::RevealPetitionReporterRequest wrong = reveal;
  wrong.set_private_key(std::string(64, '7'));
  EXPECT_EQ(stub_->RevealPetitionReporter(Ctx(city_admin_).get(), wrong, &reporter).error_code(),
            StatusCode::INVALID_ARGUMENT);
  s = stub_->RevealPetitionReporter(Ctx(city_admin_).get(), reveal, &reporter);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(reporter.name(), "王实名");
  EXPECT_EQ(reporter.phone(), "13912345678");
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log WHERE action = 'petition.reveal_reporter'"), 1);

  // Triage, once, with a reason; the reporter sees the new state.
  v1::TriagePetitionRequest triage;
  triage.set_id(petition.id());
  triage.set_to(v1::Petition::FORWARDED_TO_CLUE);
  v1::Petition triaged;
  EXPECT_EQ(stub_->TriagePetition(Ctx(member_).get(), triage, &triaged).error_code(),
            StatusCode::INVALID_ARGUMENT);
  triage.set_reason("涉嫌违反廉洁纪律，按问题线索移交");
  EXPECT_EQ(stub_->TriagePetition(Ctx(liaison_).get(), triage, &triaged).error_code(),
            StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->TriagePetition(Ctx(member_).get(), triage, &triaged).ok());
  EXPECT_EQ(triaged.state(), v1::Petition::FORWARDED_TO_CLUE);
  triage.set_to(v1::Petition::CLOSED);
  s = stub_->TriagePetition(Ctx(member_).get(), triage, &triaged);
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "FORWARDED_TO_CLUE")) << s.error_message();
  status_req.set_receipt(receipt.receipt());
  ASSERT_TRUE(stub_->GetPetitionStatus(Ctx("").get(), status_req, &status).ok());
  EXPECT_EQ(status.state(), v1::Petition::FORWARDED_TO_CLUE);
}

TEST_F(FieldworkTest, AnonymousPetitionAndBadInput) {
  v1::SubmitPetitionRequest req;
  req.set_engagement_id(group1_.id());
  req.set_channel(v1::Petition::QR_CODE);
  req.set_subject("反映食堂账目不清");
  req.set_content("食堂采购无台账");
  v1::SubmitPetitionResponse receipt;
  ASSERT_TRUE(stub_->SubmitPetition(Ctx("").get(), req, &receipt).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM petitions WHERE sealed_reporter IS NULL"), 1);
  v1::SubmitPetitionRequest bad = req;
  bad.set_subject("");
  EXPECT_EQ(stub_->SubmitPetition(Ctx("").get(), bad, &receipt).error_code(),
            StatusCode::INVALID_ARGUMENT);
  bad = req;
  bad.set_engagement_id(NewUuid());
  EXPECT_EQ(stub_->SubmitPetition(Ctx("").get(), bad, &receipt).error_code(),
            StatusCode::NOT_FOUND);
  EXPECT_EQ(Count("SELECT count(*) FROM petitions"), 1);
}

// ---------------------------------------------------------------------------------------------
// Document review, evidence, work log

TEST_F(FieldworkTest, DocumentReviewWithTheLiaisonMarkingItemsProvided) {
  v1::ApplyDocumentChecklistRequest checklist;
  checklist.set_engagement_id(group1_.id());
  checklist.set_due_date("2024-05-10");
  v1::ListDocumentRequestsResponse applied;
  EXPECT_EQ(stub_->ApplyDocumentChecklist(Ctx(liaison_).get(), checklist, &applied).error_code(),
            StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->ApplyDocumentChecklist(Ctx(member_).get(), checklist, &applied).ok());
  ASSERT_EQ(applied.document_requests_size(), 3);
  const std::string finance = applied.document_requests(2).id();
  EXPECT_EQ(applied.document_requests(2).title(), "财务档案");

  v1::MarkDocumentProvidedRequest provided;
  provided.set_id(finance);
  provided.set_note("2023年度会计凭证共12册");
  v1::DocumentRequest d;
  v1::ReviewDocumentRequest review;
  review.set_id(finance);
  review.set_review_notes("抽查凭证发现接待费报销无公函");
  review.set_findings("公务接待不规范");
  // Review before the unit provided is refused, naming both states.
  grpc::Status s = stub_->ReviewDocument(Ctx(member_).get(), review, &d);
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "REQUESTED")) << s.error_message();
  // Another unit's liaison cannot mark it; this unit's liaison can.
  const std::string other_liaison = Token("", "", {"UNIT_LIAISON"}, "", "c1.d8");
  EXPECT_EQ(stub_->MarkDocumentProvided(Ctx(other_liaison).get(), provided, &d).error_code(),
            StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->MarkDocumentProvided(Ctx(liaison_).get(), provided, &d).ok());
  EXPECT_EQ(d.state(), v1::DocumentRequest::PROVIDED);
  EXPECT_FALSE(d.provided_on().empty());
  EXPECT_EQ(stub_->ReviewDocument(Ctx(liaison_).get(), review, &d).error_code(),
            StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->ReviewDocument(Ctx(member_).get(), review, &d).ok());
  EXPECT_EQ(d.state(), v1::DocumentRequest::REVIEWED);

  // The liaison sees the list without the group's notes and findings; the group sees them.
  v1::ListDocumentRequestsRequest list_req;
  list_req.set_engagement_id(group1_.id());
  v1::ListDocumentRequestsResponse list;
  ASSERT_TRUE(stub_->ListDocumentRequests(Ctx(liaison_).get(), list_req, &list).ok());
  ASSERT_EQ(list.document_requests_size(), 3);
  EXPECT_EQ(list.document_requests(2).state(), v1::DocumentRequest::REVIEWED);
  EXPECT_TRUE(list.document_requests(2).review_notes().empty());
  EXPECT_TRUE(list.document_requests(2).findings().empty());
  ASSERT_TRUE(stub_->ListDocumentRequests(Ctx(member_).get(), list_req, &list).ok());
  EXPECT_EQ(list.document_requests(2).findings(), "公务接待不规范");
  EXPECT_EQ(stub_->ListDocumentRequests(Ctx(other_member_).get(), list_req, &list).error_code(),
            StatusCode::PERMISSION_DENIED);
  // Paging walks the list.
  list_req.set_page_size(2);
  ASSERT_TRUE(stub_->ListDocumentRequests(Ctx(member_).get(), list_req, &list).ok());
  ASSERT_EQ(list.document_requests_size(), 2);
  ASSERT_FALSE(list.next_page_token().empty());
  list_req.set_page_token(list.next_page_token());
  ASSERT_TRUE(stub_->ListDocumentRequests(Ctx(member_).get(), list_req, &list).ok());
  ASSERT_EQ(list.document_requests_size(), 1);
  EXPECT_EQ(list.document_requests(0).id(), finance);
  EXPECT_TRUE(list.next_page_token().empty());
}

TEST_F(FieldworkTest, EvidenceIsStoredOnceAndDownloadChecksVisibility) {
  v1::UploadEvidenceRequest up;
  up.set_engagement_id(group1_.id());
  up.set_filename("接待清单.xlsx");
  up.set_content_type("application/octet-stream");
  up.set_content(std::string("PK\x03\x04 evidence bytes \x00\x01", 24));
  v1::Evidence first, second;
  grpc::Status s = stub_->UploadEvidence(Ctx(member_).get(), up, &first);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(first.sha256(), Sha256Hex(up.content()));
  EXPECT_FALSE(first.already_stored());
  up.set_filename("接待清单-副本.xlsx");
  ASSERT_TRUE(stub_->UploadEvidence(Ctx(leader_).get(), up, &second).ok());
  EXPECT_EQ(second.sha256(), first.sha256());
  EXPECT_TRUE(second.already_stored());
  EXPECT_EQ(Count("SELECT count(*) FROM evidence_files"), 1);
  const std::string path = dir_ + "/evidence/" + first.sha256().substr(0, 2) + "/" + first.sha256();
  EXPECT_EQ(testing::ReadFile(path), up.content());

  // Over the limit: refused, nothing stored.
  v1::UploadEvidenceRequest big = up;
  big.set_content(std::string(1001, 'z'));
  s = stub_->UploadEvidence(Ctx(member_).get(), big, &second);
  EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "content")) << s.error_message();
  EXPECT_EQ(Count("SELECT count(*) FROM evidence_files"), 1);
  // The liaison adds files (the evidence behind its rectification claims; these bytes are stored
  // already, so still one file) but cannot read them; group 2 cannot read (not found: existence
  // is secret).
  ASSERT_TRUE(stub_->UploadEvidence(Ctx(liaison_).get(), up, &second).ok());
  EXPECT_EQ(second.sha256(), first.sha256());
  EXPECT_EQ(Count("SELECT count(*) FROM evidence_files"), 1);
  v1::GetEvidenceRequest get;
  get.set_sha256(first.sha256());
  common::v1::FileContent file;
  EXPECT_EQ(stub_->GetEvidence(Ctx(liaison_).get(), get, &file).error_code(),
            StatusCode::NOT_FOUND);
  EXPECT_EQ(stub_->GetEvidence(Ctx(other_member_).get(), get, &file).error_code(),
            StatusCode::NOT_FOUND);
  ASSERT_TRUE(stub_->GetEvidence(Ctx(member_).get(), get, &file).ok());
  EXPECT_EQ(file.content(), up.content());
  EXPECT_EQ(file.filename(), "接待清单.xlsx");

  // A review can cite it; an unknown hash is refused.
  v1::CreateDocumentRequestRequest create;
  create.set_engagement_id(group1_.id());
  create.mutable_document_request()->set_title("公务接待审批单");
  v1::DocumentRequest d;
  ASSERT_TRUE(stub_->CreateDocumentRequest(Ctx(member_).get(), create, &d).ok());
  v1::MarkDocumentProvidedRequest provided;
  provided.set_id(d.id());
  ASSERT_TRUE(stub_->MarkDocumentProvided(Ctx(member_).get(), provided, &d).ok());
  v1::ReviewDocumentRequest review;
  review.set_id(d.id());
  review.set_review_notes("见附件");
  review.add_evidence_sha256(std::string(64, 'e'));
  EXPECT_EQ(stub_->ReviewDocument(Ctx(member_).get(), review, &d).error_code(),
            StatusCode::NOT_FOUND);
  review.set_evidence_sha256(0, first.sha256());
  ASSERT_TRUE(stub_->ReviewDocument(Ctx(member_).get(), review, &d).ok());
  ASSERT_EQ(d.evidence_sha256_size(), 1);
}

TEST_F(FieldworkTest, WorkLogPerDayForTheGroup) {
  v1::AddWorkLogEntryRequest add;
  add.set_engagement_id(group1_.id());
  add.mutable_entry()->set_day("2024-05-06");
  add.mutable_entry()->set_content("上午召开进驻动员会，下午个别谈话3人");
  v1::WorkLogEntry entry;
  EXPECT_EQ(stub_->AddWorkLogEntry(Ctx(liaison_).get(), add, &entry).error_code(),
            StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(stub_->AddWorkLogEntry(Ctx(other_member_).get(), add, &entry).error_code(),
            StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->AddWorkLogEntry(Ctx(member_).get(), add, &entry).ok());
  EXPECT_EQ(entry.author_person_id(), member_person_);
  add.mutable_entry()->set_content("调阅财务凭证");
  ASSERT_TRUE(stub_->AddWorkLogEntry(Ctx(leader_).get(), add, &entry).ok());
  add.mutable_entry()->set_day("2024-05-07");
  ASSERT_TRUE(stub_->AddWorkLogEntry(Ctx(leader_).get(), add, &entry).ok());
  add.mutable_entry()->set_day("2024-13-01");
  EXPECT_EQ(stub_->AddWorkLogEntry(Ctx(leader_).get(), add, &entry).error_code(),
            StatusCode::INVALID_ARGUMENT);

  v1::GetWorkLogRequest get;
  get.set_engagement_id(group1_.id());
  get.set_day("2024-05-06");
  v1::WorkLog log;
  ASSERT_TRUE(stub_->GetWorkLog(Ctx(city_staff_).get(), get, &log).ok());
  ASSERT_EQ(log.entries_size(), 2);
  EXPECT_EQ(log.entries(0).content(), "上午召开进驻动员会，下午个别谈话3人");
  EXPECT_EQ(stub_->GetWorkLog(Ctx(liaison_).get(), get, &log).error_code(),
            StatusCode::PERMISSION_DENIED);
}

// --- Interview outlines ----------------------------------------------------------------------

TEST_F(FieldworkTest, BuiltInOutlinesCoverTheCommonCategories) {
  v1::ListInterviewOutlinesRequest req;
  v1::ListInterviewOutlinesResponse list;
  grpc::Status s = stub_->ListInterviewOutlines(Ctx(city_staff_).get(), req, &list);
  ASSERT_TRUE(s.ok()) << s.error_message();
  std::set<v1::Interview::Category> categories;
  for (const auto& o : list.outlines()) {
    EXPECT_TRUE(o.built_in());
    EXPECT_GE(o.questions_size(), 5);
    categories.insert(o.category());
  }
  EXPECT_EQ(categories, (std::set<v1::Interview::Category>{
                            v1::Interview::TOP_LEADER, v1::Interview::LEADERSHIP_MEMBER,
                            v1::Interview::MIDDLE_MANAGER, v1::Interview::STAFF}));
  req.set_category(v1::Interview::TOP_LEADER);
  ASSERT_TRUE(stub_->ListInterviewOutlines(Ctx(city_staff_).get(), req, &list).ok());
  ASSERT_EQ(list.outlines_size(), 1);
  EXPECT_TRUE(absl::StrContains(list.outlines(0).questions(2), "三重一大"));
  // Paging walks the same list in pieces.
  req.clear_category();
  req.set_page_size(3);
  ASSERT_TRUE(stub_->ListInterviewOutlines(Ctx(city_staff_).get(), req, &list).ok());
  EXPECT_EQ(list.outlines_size(), 3);
  ASSERT_FALSE(list.next_page_token().empty());
  req.set_page_token(list.next_page_token());
  ASSERT_TRUE(stub_->ListInterviewOutlines(Ctx(city_staff_).get(), req, &list).ok());
  EXPECT_EQ(list.outlines_size(), 1);
  EXPECT_TRUE(list.next_page_token().empty());

  // Built-in outlines are nobody's to change; the liaison and group members without an office
  // role do not list them directly.
  v1::UpdateInterviewOutlineRequest update;
  update.set_id(list.outlines(0).id());
  update.set_expected_version(1);
  update.set_title("改");
  update.add_questions("问题");
  v1::InterviewOutline out;
  EXPECT_EQ(stub_->UpdateInterviewOutline(Ctx(city_admin_).get(), update, &out).error_code(),
            StatusCode::FAILED_PRECONDITION);
  req.clear_page_token();
  EXPECT_EQ(stub_->ListInterviewOutlines(Ctx(liaison_).get(), req, &list).error_code(),
            StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(stub_->ListInterviewOutlines(Ctx(member_).get(), req, &list).error_code(),
            StatusCode::PERMISSION_DENIED);
}

TEST_F(FieldworkTest, OfficeOutlinesAreVersionedAndVisibleDownTheTree) {
  const std::string county = NewUuid();
  const std::string county_staff = Token(county, "c1.x2", {"OFFICE_STAFF"});
  const std::string other_county_staff = Token(NewUuid(), "c1.x3", {"OFFICE_STAFF"});
  const std::string city_viewer = Token(city_, "c1", {"VIEWER"});

  v1::CreateInterviewOutlineRequest create;
  create.mutable_outline()->set_title("财务人员谈话提纲");
  create.mutable_outline()->set_category(v1::Interview::STAFF);
  create.mutable_outline()->add_questions("报销审批流程是否规范？");
  create.mutable_outline()->add_questions("有无虚开发票、套取资金的情况？");
  v1::InterviewOutline county_outline, city_outline;
  grpc::Status s = stub_->CreateInterviewOutline(Ctx(county_staff).get(), create, &county_outline);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(county_outline.office_id(), county);
  EXPECT_EQ(county_outline.version(), 1);
  EXPECT_FALSE(county_outline.built_in());
  create.mutable_outline()->set_title("市本级财务谈话提纲");
  ASSERT_TRUE(stub_->CreateInterviewOutline(Ctx(city_staff_).get(), create, &city_outline).ok());
  // A VIEWER reads but does not write; bad input names the field.
  EXPECT_EQ(
      stub_->CreateInterviewOutline(Ctx(city_viewer).get(), create, &city_outline).error_code(),
      StatusCode::PERMISSION_DENIED);
  v1::CreateInterviewOutlineRequest bad = create;
  bad.mutable_outline()->clear_questions();
  s = stub_->CreateInterviewOutline(Ctx(city_staff_).get(), bad, &city_outline);
  EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "questions")) << s.error_message();
  // Invalid UTF-8: refused by gRPC's proto3 parser before our code (which checks it too, see
  // FieldworkOutlineTest.ValidatesTitleCategoryQuestionsAndVersion).
  bad = create;
  bad.mutable_outline()->set_questions(0, std::string("\xff\xfe", 2));
  EXPECT_FALSE(stub_->CreateInterviewOutline(Ctx(city_staff_).get(), bad, &city_outline).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM interview_outlines WHERE office_id IS NOT NULL"), 2);

  // The city (above) reads the county's outline; the county does not read the city's, nor a
  // sibling county the county's.
  v1::GetInterviewOutlineRequest get;
  get.set_id(county_outline.id());
  v1::InterviewOutline read;
  EXPECT_TRUE(stub_->GetInterviewOutline(Ctx(city_viewer).get(), get, &read).ok());
  EXPECT_EQ(stub_->GetInterviewOutline(Ctx(other_county_staff).get(), get, &read).error_code(),
            StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(stub_->GetInterviewOutline(Ctx(liaison_).get(), get, &read).error_code(),
            StatusCode::PERMISSION_DENIED);
  get.set_id(city_outline.id());
  EXPECT_EQ(stub_->GetInterviewOutline(Ctx(county_staff).get(), get, &read).error_code(),
            StatusCode::PERMISSION_DENIED);
  v1::ListInterviewOutlinesRequest list_req;
  v1::ListInterviewOutlinesResponse list;
  ASSERT_TRUE(stub_->ListInterviewOutlines(Ctx(county_staff).get(), list_req, &list).ok());
  EXPECT_EQ(list.outlines_size(), 5);  // four built-in + its own
  ASSERT_TRUE(stub_->ListInterviewOutlines(Ctx(city_staff_).get(), list_req, &list).ok());
  EXPECT_EQ(list.outlines_size(), 6);  // four built-in + its own + the county's

  // Updates: the owner only, against the current version; each makes a new version and the
  // old wording stays readable.
  v1::UpdateInterviewOutlineRequest update;
  update.set_id(county_outline.id());
  update.set_expected_version(1);
  update.set_title("财务人员谈话提纲（修订）");
  update.set_category(v1::Interview::STAFF);
  update.add_questions("报销审批流程是否规范？");
  update.add_questions("有无设立“小金库”？");
  update.add_questions("公务卡使用是否规范？");
  v1::InterviewOutline updated;
  EXPECT_EQ(stub_->UpdateInterviewOutline(Ctx(city_admin_).get(), update, &updated).error_code(),
            StatusCode::PERMISSION_DENIED);
  s = stub_->UpdateInterviewOutline(Ctx(county_staff).get(), update, &updated);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(updated.version(), 2);
  EXPECT_EQ(updated.questions_size(), 3);
  s = stub_->UpdateInterviewOutline(Ctx(county_staff).get(), update, &updated);  // stale
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "version 2")) << s.error_message();
  get.set_id(county_outline.id());
  get.set_version(1);
  ASSERT_TRUE(stub_->GetInterviewOutline(Ctx(county_staff).get(), get, &read).ok());
  EXPECT_EQ(read.title(), "财务人员谈话提纲");
  EXPECT_EQ(read.questions_size(), 2);
  EXPECT_EQ(read.current_version(), 2);
  get.set_version(7);
  EXPECT_EQ(stub_->GetInterviewOutline(Ctx(county_staff).get(), get, &read).error_code(),
            StatusCode::NOT_FOUND);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE event_type LIKE "
                  "'fieldwork.interview_outline.%'"),
            3);

  // Archived: out of the list, unchangeable.
  v1::ArchiveInterviewOutlineRequest archive;
  archive.set_id(county_outline.id());
  ASSERT_TRUE(stub_->ArchiveInterviewOutline(Ctx(county_staff).get(), archive, &updated).ok());
  EXPECT_TRUE(updated.archived());
  EXPECT_EQ(stub_->ArchiveInterviewOutline(Ctx(county_staff).get(), archive, &updated).error_code(),
            StatusCode::FAILED_PRECONDITION);
  update.set_expected_version(2);
  EXPECT_EQ(stub_->UpdateInterviewOutline(Ctx(county_staff).get(), update, &updated).error_code(),
            StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(stub_->ListInterviewOutlines(Ctx(county_staff).get(), list_req, &list).ok());
  EXPECT_EQ(list.outlines_size(), 4);
  list_req.set_include_archived(true);
  ASSERT_TRUE(stub_->ListInterviewOutlines(Ctx(county_staff).get(), list_req, &list).ok());
  EXPECT_EQ(list.outlines_size(), 5);
}

TEST_F(FieldworkTest, InterviewsNameTheOutlineTheGroupMayUse) {
  const std::string county_staff = Token(NewUuid(), "c1.x2", {"OFFICE_STAFF"});
  v1::CreateInterviewOutlineRequest create;
  create.mutable_outline()->set_title("中层干部补充提纲");
  create.mutable_outline()->set_category(v1::Interview::MIDDLE_MANAGER);
  create.mutable_outline()->add_questions("本部门有无违规发放津补贴？");
  v1::InterviewOutline city_outline, county_outline;
  ASSERT_TRUE(stub_->CreateInterviewOutline(Ctx(city_staff_).get(), create, &city_outline).ok());
  ASSERT_TRUE(stub_->CreateInterviewOutline(Ctx(county_staff).get(), create, &county_outline).ok());

  // Group members (no office role) read the outlines of their engagement: built-in ones and the
  // owning office's, not another office's; the liaison and group 2 do not.
  v1::ListEngagementInterviewOutlinesRequest on;
  on.set_engagement_id(group1_.id());
  v1::ListInterviewOutlinesResponse list;
  grpc::Status s = stub_->ListEngagementInterviewOutlines(Ctx(member_).get(), on, &list);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(list.outlines_size(), 5);
  for (const auto& o : list.outlines()) EXPECT_NE(o.id(), county_outline.id());
  on.set_category(v1::Interview::MIDDLE_MANAGER);
  ASSERT_TRUE(stub_->ListEngagementInterviewOutlines(Ctx(member_).get(), on, &list).ok());
  EXPECT_EQ(list.outlines_size(), 2);
  EXPECT_EQ(stub_->ListEngagementInterviewOutlines(Ctx(liaison_).get(), on, &list).error_code(),
            StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(
      stub_->ListEngagementInterviewOutlines(Ctx(other_member_).get(), on, &list).error_code(),
      StatusCode::PERMISSION_DENIED);
  v1::GetInterviewOutlineRequest get;
  get.set_id(city_outline.id());
  v1::InterviewOutline read;
  EXPECT_EQ(stub_->GetInterviewOutline(Ctx(member_).get(), get, &read).error_code(),
            StatusCode::PERMISSION_DENIED);
  get.set_engagement_id(group1_.id());
  EXPECT_TRUE(stub_->GetInterviewOutline(Ctx(member_).get(), get, &read).ok());
  get.set_engagement_id(group2_.id());
  EXPECT_EQ(stub_->GetInterviewOutline(Ctx(member_).get(), get, &read).error_code(),
            StatusCode::PERMISSION_DENIED);

  // The interview records the outline and the version in force.
  v1::Interview interview = GoodInterview();
  interview.set_outline_id(county_outline.id());
  EXPECT_EQ(CreateInterview(member_, group1_, interview).error_code(),
            StatusCode::INVALID_ARGUMENT);
  interview.set_outline_id(NewUuid());
  EXPECT_EQ(CreateInterview(member_, group1_, interview).error_code(), StatusCode::NOT_FOUND);
  EXPECT_EQ(Count("SELECT count(*) FROM interviews"), 0);
  interview.set_outline_id(city_outline.id());
  v1::Interview created;
  s = CreateInterview(member_, group1_, interview, &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(created.outline_id(), city_outline.id());
  EXPECT_EQ(created.outline_version(), 1);

  v1::ArchiveInterviewOutlineRequest archive;
  archive.set_id(city_outline.id());
  ASSERT_TRUE(stub_->ArchiveInterviewOutline(Ctx(city_staff_).get(), archive, &read).ok());
  EXPECT_EQ(CreateInterview(member_, group1_, interview).error_code(),
            StatusCode::FAILED_PRECONDITION);
  // The interview that used it still reads it.
  get.set_engagement_id(group1_.id());
  get.set_version(created.outline_version());
  ASSERT_TRUE(stub_->GetInterviewOutline(Ctx(member_).get(), get, &read).ok());
  EXPECT_EQ(read.title(), "中层干部补充提纲");
}

// --- Petition follow-up ----------------------------------------------------------------------

TEST_F(FieldworkTest, ReporterAnswersTheOfficesQuestionsAnonymously) {
  v1::SubmitPetitionRequest submit;
  submit.set_engagement_id(group1_.id());
  submit.set_channel(v1::Petition::ONLINE);
  submit.set_subject("反映工程项目围标");
  submit.set_content("2023年办公楼改造项目疑似围标");
  v1::SubmitPetitionResponse receipt;
  ASSERT_TRUE(stub_->SubmitPetition(Ctx("").get(), submit, &receipt).ok());
  v1::ListPetitionsRequest list_req;
  list_req.set_engagement_id(group1_.id());
  v1::ListPetitionsResponse petitions;
  ASSERT_TRUE(stub_->ListPetitions(Ctx(member_).get(), list_req, &petitions).ok());
  ASSERT_EQ(petitions.petitions_size(), 1);
  const std::string petition_id = petitions.petitions(0).id();

  // Only those who may triage it ask.
  v1::PostPetitionQuestionRequest ask;
  ask.set_id(petition_id);
  ask.set_text("请提供参与投标的公司名称");
  v1::PetitionMessage question;
  EXPECT_EQ(stub_->PostPetitionQuestion(Ctx(liaison_).get(), ask, &question).error_code(),
            StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(stub_->PostPetitionQuestion(Ctx(other_member_).get(), ask, &question).error_code(),
            StatusCode::PERMISSION_DENIED);
  grpc::Status s = stub_->PostPetitionQuestion(Ctx(member_).get(), ask, &question);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(question.kind(), v1::PetitionMessage::QUESTION);
  EXPECT_FALSE(question.answered());

  // The reporter sees the status and the question with nothing but the receipt, by GET or by
  // POST (receipt kept out of the URL).
  v1::GetPetitionStatusRequest status_req;
  status_req.set_receipt(receipt.receipt());
  v1::PetitionStatus status;
  ASSERT_TRUE(stub_->LookupPetitionStatus(Ctx("").get(), status_req, &status).ok());
  EXPECT_EQ(status.state(), v1::Petition::RECEIVED);
  ASSERT_EQ(status.messages_size(), 1);
  EXPECT_EQ(status.messages(0).text(), "请提供参与投标的公司名称");
  EXPECT_EQ(status.messages(0).id(), question.id());

  v1::ReplyToPetitionQuestionRequest reply;
  reply.set_receipt(receipt.receipt());
  reply.set_question_id(question.id());
  reply.set_text("甲建设公司、乙工程公司、丙装饰公司");
  v1::PetitionMessage answer;
  v1::ReplyToPetitionQuestionRequest wrong = reply;
  wrong.set_receipt(std::string(20, '3'));
  EXPECT_EQ(stub_->ReplyToPetitionQuestion(Ctx("").get(), wrong, &answer).error_code(),
            StatusCode::NOT_FOUND);
  wrong = reply;
  wrong.set_receipt("123");
  EXPECT_EQ(stub_->ReplyToPetitionQuestion(Ctx("").get(), wrong, &answer).error_code(),
            StatusCode::INVALID_ARGUMENT);
  wrong = reply;
  wrong.set_question_id(NewUuid());
  EXPECT_EQ(stub_->ReplyToPetitionQuestion(Ctx("").get(), wrong, &answer).error_code(),
            StatusCode::NOT_FOUND);
  wrong = reply;
  wrong.set_text(std::string("\xc3\x28", 2));  // invalid UTF-8: refused before our code
  EXPECT_FALSE(stub_->ReplyToPetitionQuestion(Ctx("").get(), wrong, &answer).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM petition_messages WHERE kind = 'REPLY'"), 0);
  // A receipt opens only its own petition's questions.
  v1::SubmitPetitionResponse other_receipt;
  ASSERT_TRUE(stub_->SubmitPetition(Ctx("").get(), submit, &other_receipt).ok());
  wrong = reply;
  wrong.set_receipt(other_receipt.receipt());
  EXPECT_EQ(stub_->ReplyToPetitionQuestion(Ctx("").get(), wrong, &answer).error_code(),
            StatusCode::NOT_FOUND);

  auto ctx = Ctx("");
  ctx->AddMetadata("x-request-id", "reply-request-1");
  s = stub_->ReplyToPetitionQuestion(ctx.get(), reply, &answer);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(answer.kind(), v1::PetitionMessage::REPLY);
  EXPECT_EQ(answer.in_reply_to(), question.id());
  s = stub_->ReplyToPetitionQuestion(Ctx("").get(), reply, &answer);
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "already been answered")) << s.error_message();

  // The office reads the thread; the liaison and group 2 do not.
  v1::ListPetitionMessagesRequest thread_req;
  thread_req.set_id(petition_id);
  v1::ListPetitionMessagesResponse thread;
  EXPECT_EQ(stub_->ListPetitionMessages(Ctx(liaison_).get(), thread_req, &thread).error_code(),
            StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(stub_->ListPetitionMessages(Ctx(other_member_).get(), thread_req, &thread).error_code(),
            StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->ListPetitionMessages(Ctx(city_staff_).get(), thread_req, &thread).ok());
  ASSERT_EQ(thread.messages_size(), 2);
  EXPECT_TRUE(thread.messages(0).answered());
  EXPECT_EQ(thread.messages(1).text(), "甲建设公司、乙工程公司、丙装饰公司");

  // Nothing ties the reply to a sender: no actor, no request id, and no text on the stream.
  EXPECT_EQ(Text("SELECT actor || '|' || request_id FROM audit_log WHERE action = "
                 "'petition.reply'"),
            "system|\n");
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log WHERE request_id = 'reply-request-1'"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE request_id = 'reply-request-1'"), 0);
  const std::string events = Text(
      "SELECT event_type || ' ' || payload FROM outbox WHERE event_type LIKE "
      "'fieldwork.petition.%' ORDER BY seq");
  EXPECT_TRUE(absl::StrContains(events, "fieldwork.petition.question_posted")) << events;
  EXPECT_TRUE(absl::StrContains(events, "fieldwork.petition.replied")) << events;
  EXPECT_FALSE(absl::StrContains(events, "甲建设公司")) << events;
  EXPECT_FALSE(absl::StrContains(events, "公司名称")) << events;

  // Once closed, neither side posts.
  v1::TriagePetitionRequest triage;
  triage.set_id(petition_id);
  triage.set_to(v1::Petition::CLOSED);
  triage.set_reason("经核实不属实");
  v1::Petition closed;
  ASSERT_TRUE(stub_->TriagePetition(Ctx(member_).get(), triage, &closed).ok());
  s = stub_->PostPetitionQuestion(Ctx(member_).get(), ask, &question);
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "CLOSED")) << s.error_message();
  ASSERT_TRUE(stub_->GetPetitionStatus(Ctx("").get(), status_req, &status).ok());
  EXPECT_EQ(status.state(), v1::Petition::CLOSED);
  EXPECT_EQ(status.messages_size(), 2);
}

// --- Evidence attachments --------------------------------------------------------------------

TEST_F(FieldworkTest, EvidenceAttachedToRecordsIsReadThroughThem) {
  v1::Interview created;
  ASSERT_TRUE(CreateInterview(member_, group1_, GoodInterview(), &created).ok());

  // Uploaded straight onto the interview: only those who read interviews download it, even
  // though ordinary office staff read the engagement's other records.
  v1::UploadEvidenceRequest up;
  up.set_engagement_id(group1_.id());
  up.set_filename("谈话录音.m4a");
  up.set_content_type("audio/mp4");
  up.set_content("interview recording bytes");
  up.mutable_attach_to()->set_kind(v1::EvidenceTarget::INTERVIEW);
  up.mutable_attach_to()->set_id(created.id());
  v1::Evidence recording;
  grpc::Status s = stub_->UploadEvidence(Ctx(member_).get(), up, &recording);
  ASSERT_TRUE(s.ok()) << s.error_message();
  v1::GetEvidenceRequest get;
  get.set_sha256(recording.sha256());
  common::v1::FileContent file;
  EXPECT_EQ(stub_->GetEvidence(Ctx(city_staff_).get(), get, &file).error_code(),
            StatusCode::NOT_FOUND);
  EXPECT_EQ(stub_->GetEvidence(Ctx(other_member_).get(), get, &file).error_code(),
            StatusCode::NOT_FOUND);
  ASSERT_TRUE(stub_->GetEvidence(Ctx(leader_).get(), get, &file).ok());
  ASSERT_TRUE(stub_->GetEvidence(Ctx(city_admin_).get(), get, &file).ok());  // leadership
  EXPECT_EQ(file.content(), up.content());
  v1::GetInterviewRequest get_interview;
  get_interview.set_id(created.id());
  v1::Interview read;
  ASSERT_TRUE(stub_->GetInterview(Ctx(member_).get(), get_interview, &read).ok());
  ASSERT_EQ(read.evidence_size(), 1);
  EXPECT_EQ(read.evidence(0).sha256(), recording.sha256());
  EXPECT_EQ(read.evidence(0).filename(), "谈话录音.m4a");

  // Attaching to a record of another engagement, or by someone who cannot write the record,
  // stores nothing.
  v1::UploadEvidenceRequest elsewhere = up;
  elsewhere.set_content("other bytes");
  elsewhere.set_engagement_id(group2_.id());
  EXPECT_EQ(stub_->UploadEvidence(Ctx(other_member_).get(), elsewhere, &recording).error_code(),
            StatusCode::NOT_FOUND);
  elsewhere.mutable_attach_to()->set_kind(v1::EvidenceTarget::KIND_UNSPECIFIED);
  EXPECT_EQ(stub_->UploadEvidence(Ctx(other_member_).get(), elsewhere, &recording).error_code(),
            StatusCode::INVALID_ARGUMENT);
  v1::UploadEvidenceRequest by_staff = up;
  by_staff.set_content("staff bytes");
  EXPECT_EQ(stub_->UploadEvidence(Ctx(city_staff_).get(), by_staff, &recording).error_code(),
            StatusCode::PERMISSION_DENIED);  // staff may not write interviews
  EXPECT_EQ(Count("SELECT count(*) FROM evidence_files"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM evidence_attachments"), 1);

  // A plain engagement file, readable by office staff, then attached to a petition: office
  // staff still read it (they read petitions), an office above no longer does.
  v1::UploadEvidenceRequest plain;
  plain.set_engagement_id(group1_.id());
  plain.set_filename("举报附件.pdf");
  plain.set_content("%PDF petition attachment");
  v1::Evidence attachment;
  ASSERT_TRUE(stub_->UploadEvidence(Ctx(member_).get(), plain, &attachment).ok());
  // The platform admin reads engagements as an office above does (read-only, no petitions).
  const std::string above = Token("", "", {"PLATFORM_ADMIN"});
  get.set_sha256(attachment.sha256());
  EXPECT_TRUE(stub_->GetEvidence(Ctx(above).get(), get, &file).ok());
  v1::SubmitPetitionRequest submit;
  submit.set_engagement_id(group1_.id());
  submit.set_channel(v1::Petition::LETTER);
  submit.set_subject("来信");
  submit.set_content("见附件");
  v1::SubmitPetitionResponse receipt;
  ASSERT_TRUE(stub_->SubmitPetition(Ctx("").get(), submit, &receipt).ok());
  const std::string petition_id = Text("SELECT id::text FROM petitions").substr(0, 36);
  v1::AttachEvidenceRequest attach;
  attach.set_sha256(attachment.sha256());
  attach.mutable_target()->set_kind(v1::EvidenceTarget::PETITION);
  attach.mutable_target()->set_id(petition_id);
  v1::Evidence attached;
  EXPECT_EQ(stub_->AttachEvidence(Ctx(liaison_).get(), attach, &attached).error_code(),
            StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(stub_->AttachEvidence(Ctx(other_member_).get(), attach, &attached).error_code(),
            StatusCode::PERMISSION_DENIED);
  s = stub_->AttachEvidence(Ctx(member_).get(), attach, &attached);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(attached.filename(), "举报附件.pdf");
  EXPECT_EQ(stub_->GetEvidence(Ctx(above).get(), get, &file).error_code(), StatusCode::NOT_FOUND);
  EXPECT_TRUE(stub_->GetEvidence(Ctx(city_staff_).get(), get, &file).ok());
  v1::GetPetitionRequest get_petition;
  get_petition.set_id(petition_id);
  v1::Petition petition;
  ASSERT_TRUE(stub_->GetPetition(Ctx(member_).get(), get_petition, &petition).ok());
  ASSERT_EQ(petition.evidence_size(), 1);
  EXPECT_EQ(petition.evidence(0).sha256(), attachment.sha256());
  // A file not on the record's engagement cannot be attached.
  attach.set_sha256(std::string(64, 'a'));
  EXPECT_EQ(stub_->AttachEvidence(Ctx(member_).get(), attach, &attached).error_code(),
            StatusCode::NOT_FOUND);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE event_type = 'fieldwork.evidence.attached'"),
            2);

  // Document review material: the group sees it on the request; the liaison of the unit neither
  // sees it there nor downloads it.
  v1::CreateDocumentRequestRequest create_doc;
  create_doc.set_engagement_id(group1_.id());
  create_doc.mutable_document_request()->set_title("2023年会计凭证");
  v1::DocumentRequest doc;
  ASSERT_TRUE(stub_->CreateDocumentRequest(Ctx(member_).get(), create_doc, &doc).ok());
  v1::UploadEvidenceRequest scan;
  scan.set_engagement_id(group1_.id());
  scan.set_filename("凭证扫描.pdf");
  scan.set_content("%PDF voucher scan");
  scan.mutable_attach_to()->set_kind(v1::EvidenceTarget::DOCUMENT_REQUEST);
  scan.mutable_attach_to()->set_id(doc.id());
  v1::Evidence voucher;
  EXPECT_EQ(stub_->UploadEvidence(Ctx(liaison_).get(), scan, &voucher).error_code(),
            StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->UploadEvidence(Ctx(member_).get(), scan, &voucher).ok());
  v1::ListDocumentRequestsRequest docs_req;
  docs_req.set_engagement_id(group1_.id());
  v1::ListDocumentRequestsResponse docs;
  ASSERT_TRUE(stub_->ListDocumentRequests(Ctx(member_).get(), docs_req, &docs).ok());
  ASSERT_EQ(docs.document_requests_size(), 1);
  ASSERT_EQ(docs.document_requests(0).evidence_size(), 1);
  EXPECT_EQ(docs.document_requests(0).evidence(0).filename(), "凭证扫描.pdf");
  ASSERT_TRUE(stub_->ListDocumentRequests(Ctx(liaison_).get(), docs_req, &docs).ok());
  ASSERT_EQ(docs.document_requests_size(), 1);
  EXPECT_EQ(docs.document_requests(0).evidence_size(), 0);
  get.set_sha256(voucher.sha256());
  EXPECT_EQ(stub_->GetEvidence(Ctx(liaison_).get(), get, &file).error_code(),
            StatusCode::NOT_FOUND);
  EXPECT_TRUE(stub_->GetEvidence(Ctx(city_staff_).get(), get, &file).ok());
  EXPECT_TRUE(stub_->GetEvidence(Ctx(above).get(), get, &file).ok());

  // The inspected unit's liaison adds the evidence behind its rectification claims (attached to
  // nothing), but attaches nothing to the group's records, and another unit's liaison adds
  // nothing here.
  v1::UploadEvidenceRequest claim;
  claim.set_engagement_id(group1_.id());
  claim.set_filename("整改完成情况.pdf");
  claim.set_content_type("application/pdf");
  claim.set_content("rectification proof bytes");
  v1::Evidence proof;
  s = stub_->UploadEvidence(Ctx(liaison_).get(), claim, &proof);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(proof.sha256().size(), 64u);
  const std::string other_liaison = Token("", "", {"UNIT_LIAISON"}, "", "c1.d8");
  EXPECT_EQ(stub_->UploadEvidence(Ctx(other_liaison).get(), claim, &proof).error_code(),
            StatusCode::PERMISSION_DENIED);
  claim.mutable_attach_to()->set_kind(v1::EvidenceTarget::INTERVIEW);
  claim.mutable_attach_to()->set_id(created.id());
  EXPECT_EQ(stub_->UploadEvidence(Ctx(liaison_).get(), claim, &proof).error_code(),
            StatusCode::PERMISSION_DENIED);
}

// --- Streamed uploads -------------------------------------------------------------------------

TEST_F(FieldworkTest, StreamedUploadsAreHashedOnTheWayAndStoppedAtTheLimit) {
  auto metadata = [&](const std::string& filename) {
    v1::UploadEvidenceChunk chunk;
    chunk.mutable_metadata()->set_engagement_id(group1_.id());
    chunk.mutable_metadata()->set_filename(filename);
    chunk.mutable_metadata()->set_content_type("text/plain");
    return chunk;
  };
  auto data = [](const std::string& bytes) {
    v1::UploadEvidenceChunk chunk;
    chunk.set_data(bytes);
    return chunk;
  };
  const std::string content = std::string(400, 'a') + std::string(400, 'b') + "end";

  v1::Evidence streamed;
  {
    auto ctx = Ctx(member_);
    auto writer = stub_->UploadEvidenceStream(ctx.get(), &streamed);
    ASSERT_TRUE(writer->Write(metadata("会议记录.txt")));
    ASSERT_TRUE(writer->Write(data(content.substr(0, 400))));
    ASSERT_TRUE(writer->Write(data(content.substr(400, 400))));
    ASSERT_TRUE(writer->Write(data(content.substr(800))));
    ASSERT_TRUE(writer->WritesDone());
    grpc::Status s = writer->Finish();
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  EXPECT_EQ(streamed.sha256(), Sha256Hex(content));
  EXPECT_EQ(streamed.size(), static_cast<int64_t>(content.size()));
  EXPECT_FALSE(streamed.already_stored());
  const std::string path =
      dir_ + "/evidence/" + streamed.sha256().substr(0, 2) + "/" + streamed.sha256();
  EXPECT_EQ(testing::ReadFile(path), content);
  v1::GetEvidenceRequest get;
  get.set_sha256(streamed.sha256());
  common::v1::FileContent file;
  ASSERT_TRUE(stub_->GetEvidence(Ctx(member_).get(), get, &file).ok());
  EXPECT_EQ(file.content(), content);
  // The same bytes in one message: stored once.
  v1::UploadEvidenceRequest unary;
  unary.set_engagement_id(group1_.id());
  unary.set_filename("会议记录-副本.txt");
  unary.set_content(content);
  v1::Evidence again;
  ASSERT_TRUE(stub_->UploadEvidence(Ctx(leader_).get(), unary, &again).ok());
  EXPECT_EQ(again.sha256(), streamed.sha256());
  EXPECT_TRUE(again.already_stored());
  EXPECT_EQ(Count("SELECT count(*) FROM evidence_files"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE event_type = 'fieldwork.evidence.linked'"), 1);

  // Over the limit (1000 bytes here): the service answers as soon as the file passes it, and
  // the client's writes then fail long before the 64 MiB it meant to send are out.
  {
    v1::Evidence ignored;
    auto ctx = Ctx(member_);
    auto writer = stub_->UploadEvidenceStream(ctx.get(), &ignored);
    ASSERT_TRUE(writer->Write(metadata("大文件.bin")));
    const v1::UploadEvidenceChunk big = data(std::string(64 << 10, 'z'));
    int written = 0;
    while (written < 1024 && writer->Write(big)) ++written;
    EXPECT_LT(written, 1024);
    writer->WritesDone();
    grpc::Status s = writer->Finish();
    EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT);
    EXPECT_TRUE(absl::StrContains(s.error_message(), "limit of 1000 bytes")) << s.error_message();
  }
  EXPECT_EQ(Count("SELECT count(*) FROM evidence_files"), 1);
  std::string listing;
  for (const auto& entry : std::filesystem::directory_iterator(dir_ + "/evidence/incoming")) {
    listing += entry.path().filename().string() + " ";
  }
  EXPECT_EQ(listing, "");  // no temporary file left behind

  // No access: refused before any data; a stream without metadata first: refused.
  {
    v1::Evidence ignored;
    auto ctx = Ctx(other_member_);  // a member of another group
    auto writer = stub_->UploadEvidenceStream(ctx.get(), &ignored);
    writer->Write(metadata("x.txt"));
    writer->WritesDone();
    EXPECT_EQ(writer->Finish().error_code(), StatusCode::PERMISSION_DENIED);
  }
  {
    v1::Evidence ignored;
    auto ctx = Ctx(member_);
    auto writer = stub_->UploadEvidenceStream(ctx.get(), &ignored);
    writer->Write(data("bytes before metadata"));
    writer->WritesDone();
    grpc::Status s = writer->Finish();
    EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT);
    EXPECT_TRUE(absl::StrContains(s.error_message(), "metadata")) << s.error_message();
  }
  {
    v1::Evidence ignored;
    auto ctx = Ctx(member_);
    auto writer = stub_->UploadEvidenceStream(ctx.get(), &ignored);
    writer->Write(metadata("空.txt"));
    writer->WritesDone();
    grpc::Status s = writer->Finish();
    EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT);
    EXPECT_TRUE(absl::StrContains(s.error_message(), "content")) << s.error_message();
  }
  EXPECT_EQ(Count("SELECT count(*) FROM evidence_files"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM evidence_links"), 1);
}

}  // namespace
}  // namespace xuncha::fieldwork
