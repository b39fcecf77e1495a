// End-to-end tests of the real xuncha-fieldwork binary against the harness's PostgreSQL and
// Redis. Engagements arrive the way planning publishes them (XADD to its stream); tokens are
// signed here with a key pair made for the test, as directory would sign them.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sodium.h>

#include <atomic>
#include <thread>

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
    auto keys = GenerateEd25519KeyPair();
    ASSERT_TRUE(keys.ok());
    testing::WriteFile(dir_ + "/public.pem", keys->public_pem);
    auto signer = TokenSigner::FromPrivatePem(keys->private_pem, "xuncha");
    ASSERT_TRUE(signer.ok());
    signer_ = std::make_unique<TokenSigner>(std::move(signer).value());
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
         "--redis=" + testing::RedisAddress(), "--token_public_key_file=" + dir_ + "/public.pem",
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
    return testing::SignUserToken(*signer_, office_id, office_path, roles, person_id, unit_path);
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
  std::unique_ptr<TokenSigner> signer_;
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
  // The liaison cannot upload or read; group 2 cannot read (not found: existence is secret).
  EXPECT_EQ(stub_->UploadEvidence(Ctx(liaison_).get(), up, &second).error_code(),
            StatusCode::PERMISSION_DENIED);
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

}  // namespace
}  // namespace xuncha::fieldwork
