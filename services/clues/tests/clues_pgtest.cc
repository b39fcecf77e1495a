// End-to-end tests of the real xuncha-clues binary against the harness's PostgreSQL and Redis.
// Engagements arrive the way planning publishes them and clue suggestions the way issues does
// (XADD to their streams); tokens are signed here with a key pair made for the test.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <functional>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "process.h"
#include "service_harness.h"
#include "test_env.h"
#include "xuncha/auth.h"
#include "xuncha/clues/v1/clues.grpc.pb.h"
#include "xuncha/crypto.h"
#include "xuncha/engagements.h"
#include "xuncha/issues/v1/issues.pb.h"
#include "xuncha/pg.h"
#include "xuncha/redis.h"

namespace xuncha::clues {
namespace {

namespace v1 = ::xuncha::clues::v1;
using grpc::StatusCode;
using testing::ChildProcess;
using testing::NewUuid;
using v1::Clue;

struct Caller {
  std::string token;
  std::string actor;  // as the audit log names it
};

struct StreamEvent {
  std::string type;
  std::string aggregate_id;
  std::string payload;
};

bool Denied(const grpc::Status& s) {
  return s.error_code() == StatusCode::PERMISSION_DENIED || s.error_code() == StatusCode::NOT_FOUND;
}

class CluesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir();
    auto keys = testing::WriteTokenKeys(dir_);
    ASSERT_TRUE(keys.ok()) << keys.status();
    keys_ = *std::move(keys);
    stream_prefix_ = testing::UniqueName("test:");
    StartService({});
    redis_ = std::make_unique<RedisClient>(*ParseRedisAddress(testing::RedisAddress()));
    PgPoolOptions o;
    o.url = db_.url();
    o.schema = "clues";
    pool_ = std::make_unique<PgPool>(o);
    MakeWorld();
  }

  // The service as a child process; `extra` flags come after the defaults.
  void StartService(const std::vector<std::string>& extra) {
    address_ = absl::StrCat("127.0.0.1:", testing::FreePort());
    std::vector<std::string> args = {XUNCHA_CLUES_BIN,
                                     "--listen=" + address_,
                                     "--db_url=" + db_.url(),
                                     "--redis=" + testing::RedisAddress(),
                                     "--token_public_key_file=" + keys_.public_key_file,
                                     "--event_stream_prefix=" + stream_prefix_};
    args.insert(args.end(), extra.begin(), extra.end());
    ASSERT_TRUE(process_.Start(args, dir_ + "/clues.log"));
    ASSERT_TRUE(testing::WaitForServing(address_, 20000)) << testing::ReadFile(dir_ + "/clues.log");
    stub_ = v1::CluesService::NewStub(
        grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    stub_.reset();
    process_.Stop(SIGTERM);
  }

  Caller Token(TokenClaims::SubjectKind kind, const std::string& office_id,
               const std::string& office_path, std::vector<std::string> roles,
               const std::string& person_id = "", const std::string& unit_id = "",
               const std::string& unit_path = "", std::vector<std::string> scopes = {}) {
    TokenClaims c;
    c.set_sub(NewUuid());
    c.set_kind(kind);
    c.set_office_id(office_id);
    c.set_office_path(office_path);
    for (auto& r : roles) c.add_roles(r);
    for (auto& s : scopes) c.add_scopes(s);
    c.set_person_id(person_id);
    c.set_unit_id(unit_id);
    c.set_unit_path(unit_path);
    auto token = keys_.signer->Sign(c, absl::Now(), absl::Hours(1));
    EXPECT_TRUE(token.ok());
    return {*token, Principal::FromClaims(c).ActorLabel()};
  }
  Caller User(const std::string& office_id, const std::string& office_path,
              std::vector<std::string> roles, const std::string& person_id = "") {
    return Token(TokenClaims::USER, office_id, office_path, std::move(roles), person_id);
  }

  std::unique_ptr<grpc::ClientContext> Ctx(const Caller& caller,
                                           const std::string& idempotency_key = "") {
    auto c = std::make_unique<grpc::ClientContext>();
    c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    c->AddMetadata("authorization", "Bearer " + caller.token);
    c->AddMetadata("x-request-id", NewUuid());
    if (!idempotency_key.empty()) c->AddMetadata("idempotency-key", idempotency_key);
    return c;
  }

  void Publish(const std::string& service, const std::string& type, const std::string& aggregate,
               const google::protobuf::Message& payload) {
    absl::Status added =
        testing::PublishEvent(*redis_, stream_prefix_, service, type, aggregate, payload);
    ASSERT_TRUE(added.ok()) << added;
  }

  // Waits until `condition` holds (the consumer applies events asynchronously).
  void Eventually(const std::function<bool()>& condition, const std::string& what) {
    for (int i = 0; i < 200; ++i) {
      if (condition()) return;
      absl::SleepFor(absl::Milliseconds(50));
    }
    FAIL() << "never happened: " << what;
  }

  int CountRows(const std::string& sql) {
    return pool_
        ->TransactWith<int>(
            [&](pqxx::work& tx) -> absl::StatusOr<int> { return tx.exec1(sql)[0].as<int>(); })
        .value_or(-1);
  }

  // A city office (c1) with its commission (c1.jw); county A (c1.a) with its commission
  // (c1.a.jw) and organisation department (c1.a.zzb); an unrelated county B (c1.b). County A's
  // group inspects a township (c1.a.t5).
  void MakeWorld() {
    city_ = NewUuid();
    county_a_ = NewUuid();
    county_b_ = NewUuid();
    city_jw_ = NewUuid();
    county_jw_ = NewUuid();
    county_zzb_ = NewUuid();
    group_person_ = NewUuid();
    member_ = User(county_a_, "c1.a", {}, group_person_);
    county_leader_ = User(county_a_, "c1.a", {"LEADING_GROUP"});
    county_staff_ = User(county_a_, "c1.a", {"OFFICE_STAFF"});
    city_staff_ = User(city_, "c1", {"OFFICE_STAFF"});
    county_b_leader_ = User(county_b_, "c1.b", {"OFFICE_ADMIN", "LEADING_GROUP"});
    city_receiver_ = Token(TokenClaims::USER, "", "", {"RECEIVER"}, NewUuid(), city_jw_, "c1.jw");
    county_receiver_ =
        Token(TokenClaims::USER, "", "", {"RECEIVER"}, NewUuid(), county_jw_, "c1.a.jw");
    liaison_ = Token(TokenClaims::USER, "", "", {"UNIT_LIAISON"}, NewUuid(), NewUuid(), "c1.a.t5");
    case_system_ =
        Token(TokenClaims::API_CLIENT, NewUuid(), "c1.jw", {}, "", "", "", {"clues:disposition"});

    engagement_.set_id(NewUuid());
    engagement_.set_round_id(NewUuid());
    engagement_.set_round_kind("REGULAR");
    engagement_.set_round_state("IN_FIELD");
    engagement_.set_office_id(county_a_);
    engagement_.set_office_path("c1.a");
    engagement_.set_group_id(NewUuid());
    engagement_.set_target_unit_id(NewUuid());
    engagement_.set_target_unit_path("c1.a.t5");
    engagement_.set_target_unit_name("甲县某镇");
    auto* m = engagement_.add_members();
    m->set_person_id(group_person_);
    m->set_role(EngagementSnapshot::Member::LEADER);
    engagement_.set_version(1);
    Publish("planning", kEngagementChangedEvent, engagement_.id(), engagement_);
    Eventually(
        [&] {
          v1::ListCluesRequest req;
          req.set_engagement_id(engagement_.id());
          v1::ListCluesResponse resp;
          return stub_->ListClues(Ctx(member_).get(), req, &resp).ok();
        },
        "engagement replicated");

    v1::ReferralRules rules;
    auto add = [&](Clue::CadreLevel level, Clue::MatterType matter, const std::string& id,
                   const std::string& path, const std::string& name) {
      auto* r = rules.add_rules();
      r->set_cadre_level(level);
      r->set_matter_type(matter);
      r->set_receiving_unit_id(id);
      r->set_receiving_unit_path(path);
      r->set_receiving_unit_name(name);
    };
    add(Clue::CITY_MANAGED, Clue::MATTER_TYPE_UNSPECIFIED, city_jw_, "c1.jw", "市纪委监委");
    add(Clue::COUNTY_MANAGED, Clue::MATTER_TYPE_UNSPECIFIED, county_jw_, "c1.a.jw", "县纪委监委");
    add(Clue::CADRE_LEVEL_UNSPECIFIED, Clue::APPOINTMENT, county_zzb_, "c1.a.zzb", "县委组织部");
    v1::ReferralRules saved;
    grpc::Status s = stub_->SetReferralRules(Ctx(county_leader_).get(), rules, &saved);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(saved.feedback_months(), 3);
    EXPECT_EQ(saved.office_id(), county_a_);
  }

  Clue NewClue(Clue::CadreLevel level, Clue::MatterType matter = Clue::DISCIPLINE) {
    Clue c;
    c.set_engagement_id(engagement_.id());
    c.set_source(Clue::PETITION);
    c.set_source_id(NewUuid());
    c.set_subject_person("张某某");
    c.set_subject_position("某局党组书记、局长");
    c.set_cadre_level(level);
    c.set_matter_type(matter);
    c.set_category("廉洁纪律");
    c.set_summary("反映其违规收受工程老板礼金");
    c.add_evidence_ids("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    return c;
  }

  Clue Create(const Caller& caller, const Clue& clue) {
    v1::CreateClueRequest req;
    *req.mutable_clue() = clue;
    Clue out;
    grpc::Status s = stub_->CreateClue(Ctx(caller).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  grpc::Status Get(const Caller& caller, const std::string& id, Clue* out = nullptr) {
    v1::GetClueRequest req;
    req.set_id(id);
    Clue ignored;
    return stub_->GetClue(Ctx(caller).get(), req, out ? out : &ignored);
  }
  grpc::Status Approve(const Caller& caller, const std::string& id, Clue* out = nullptr) {
    v1::ApproveClueRequest req;
    req.set_id(id);
    Clue ignored;
    return stub_->ApproveClue(Ctx(caller).get(), req, out ? out : &ignored);
  }
  grpc::Status Refer(const Caller& caller, const std::string& id, Clue* out = nullptr) {
    v1::ReferClueRequest req;
    req.set_id(id);
    req.set_document_number("甲巡移〔2024〕1号");
    req.set_referral_date("2024-05-06");
    Clue ignored;
    return stub_->ReferClue(Ctx(caller).get(), req, out ? out : &ignored);
  }
  grpc::Status Acknowledge(const Caller& caller, const std::string& id, Clue* out = nullptr) {
    v1::AcknowledgeClueRequest req;
    req.set_id(id);
    Clue ignored;
    return stub_->AcknowledgeClue(Ctx(caller).get(), req, out ? out : &ignored);
  }
  grpc::Status Dispose(const Caller& caller, const std::string& id,
                       v1::Disposal::Type type = v1::Disposal::CASE_FILED, Clue* out = nullptr) {
    v1::DisposeClueRequest req;
    req.set_id(id);
    req.set_type(type);
    req.set_outcome("立案审查，给予党内严重警告处分");
    req.set_sanctions_count(1);
    req.set_disposal_date("2024-07-01");
    Clue ignored;
    return stub_->DisposeClue(Ctx(caller).get(), req, out ? out : &ignored);
  }

  Clue State(const std::string& id) {
    Clue c;
    EXPECT_TRUE(Get(county_leader_, id, &c).ok());
    return c;
  }
  // Audit rows of one action on one clue (reads by the checks themselves are not counted).
  int AuditRows(const std::string& id, const std::string& action) {
    return CountRows(absl::StrCat("SELECT count(*) FROM audit_log WHERE resource = 'clues/", id,
                                  "' AND action = '", action, "'"));
  }

  std::vector<StreamEvent> PublishedEvents(const std::string& type) {
    for (int i = 0; i < 200; ++i) {
      if (CountRows("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0) break;
      absl::SleepFor(absl::Milliseconds(50));
    }
    std::vector<StreamEvent> out;
    auto reply = redis_->Command({"XRANGE", stream_prefix_ + ":clues", "-", "+"});
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
      if (e.type == type) out.push_back(e);
    }
    return out;
  }

  testing::TestDatabase db_;
  std::string dir_;
  std::string address_;
  std::string stream_prefix_;
  ChildProcess process_;
  testing::TokenKeys keys_;
  std::unique_ptr<v1::CluesService::Stub> stub_;
  std::unique_ptr<RedisClient> redis_;
  std::unique_ptr<PgPool> pool_;
  EngagementSnapshot engagement_;
  std::string city_, county_a_, county_b_, city_jw_, county_jw_, county_zzb_, group_person_;
  Caller member_, county_leader_, county_staff_, city_staff_, county_b_leader_, city_receiver_,
      county_receiver_, liaison_, case_system_;
};

TEST_F(CluesTest, CountyCityManagedClueGoesToCityCommissionAndCountyKeepsReceipt) {
  const Clue created = Create(member_, NewClue(Clue::CITY_MANAGED));
  EXPECT_EQ(created.state(), Clue::DRAFT);
  EXPECT_EQ(created.office_id(), county_a_);
  EXPECT_EQ(created.registered_by(), member_.actor);
  Clue seen;
  ASSERT_TRUE(Get(member_, created.id(), &seen).ok());
  EXPECT_EQ(seen.subject_person(), "张某某");
  EXPECT_FALSE(seen.receipt_only());

  ASSERT_TRUE(Approve(county_leader_, created.id()).ok());
  Clue referred;
  grpc::Status s = Refer(county_leader_, created.id(), &referred);
  ASSERT_TRUE(s.ok()) << s.error_message();
  // The county keeps only the receipt from the moment of referral.
  EXPECT_TRUE(referred.receipt_only());
  EXPECT_EQ(referred.state(), Clue::REFERRED);
  EXPECT_EQ(referred.referral().receiving_unit_id(), city_jw_);
  EXPECT_EQ(referred.referral().receiving_unit_name(), "市纪委监委");
  EXPECT_EQ(referred.referral().document_number(), "甲巡移〔2024〕1号");
  EXPECT_EQ(referred.referral().feedback_deadline(), "2024-08-06");
  EXPECT_TRUE(referred.subject_person().empty());

  for (const Caller* county : {&member_, &county_leader_}) {
    Clue receipt;
    ASSERT_TRUE(Get(*county, created.id(), &receipt).ok());
    EXPECT_TRUE(receipt.receipt_only());
    EXPECT_TRUE(receipt.subject_person().empty());
    EXPECT_TRUE(receipt.summary().empty());
    EXPECT_EQ(receipt.evidence_ids_size(), 0);
    EXPECT_EQ(receipt.referral().receiving_unit_name(), "市纪委监委");
  }
  v1::ListCluesRequest list_req;
  list_req.set_engagement_id(engagement_.id());
  v1::ListCluesResponse listed;
  ASSERT_TRUE(stub_->ListClues(Ctx(member_).get(), list_req, &listed).ok());
  ASSERT_EQ(listed.clues_size(), 1);
  EXPECT_TRUE(listed.clues(0).receipt_only());
  EXPECT_TRUE(listed.clues(0).subject_person().empty());

  // The city commission sees it all; the county commission does not know it exists.
  Clue at_city;
  ASSERT_TRUE(Get(city_receiver_, created.id(), &at_city).ok());
  EXPECT_EQ(at_city.subject_person(), "张某某");
  EXPECT_EQ(at_city.cadre_level(), Clue::CITY_MANAGED);
  EXPECT_FALSE(at_city.receipt_only());
  // Referred in 2024 with a 3-month deadline and not disposed: overdue at read time.
  EXPECT_EQ(at_city.deadline_status(), Clue::OVERDUE);
  EXPECT_EQ(Get(county_receiver_, created.id()).error_code(), StatusCode::NOT_FOUND);
  v1::ListCluesResponse inbox;
  ASSERT_TRUE(stub_->ListClues(Ctx(city_receiver_).get(), {}, &inbox).ok());
  ASSERT_EQ(inbox.clues_size(), 1);
  EXPECT_EQ(inbox.clues(0).id(), created.id());

  ASSERT_TRUE(Acknowledge(city_receiver_, created.id()).ok());
  Clue disposed;
  s = Dispose(city_receiver_, created.id(), v1::Disposal::CASE_FILED, &disposed);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(disposed.state(), Clue::DISPOSED);
  EXPECT_EQ(disposed.disposal().type(), v1::Disposal::CASE_FILED);
  EXPECT_EQ(disposed.disposal().sanctions_count(), 1);
  EXPECT_EQ(disposed.deadline_status(), Clue::DISPOSED_ON_TIME);  // 07-01 is before 08-06

  // The event for external case systems: what the receiver needs, nothing confidential.
  auto events = PublishedEvents("clues.clue.referred");
  ASSERT_EQ(events.size(), 1u);
  v1::ClueReferred payload;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(events[0].payload, &payload).ok());
  EXPECT_EQ(payload.clue_id(), created.id());
  EXPECT_EQ(payload.receiving_unit_id(), city_jw_);
  EXPECT_EQ(payload.document_number(), "甲巡移〔2024〕1号");
  EXPECT_EQ(payload.referral_date(), "2024-05-06");
  EXPECT_FALSE(absl::StrContains(events[0].payload, "张某某"));
  EXPECT_FALSE(absl::StrContains(events[0].payload, "礼金"));
}

TEST_F(CluesTest, OverdueReferralsAreRemindedOnceWhateverTheScansAndReplicas) {
  const Clue clue = Create(member_, NewClue(Clue::CITY_MANAGED));
  ASSERT_TRUE(Approve(county_leader_, clue.id()).ok());
  Clue referred;
  ASSERT_TRUE(Refer(county_leader_, clue.id(), &referred).ok());  // referred 2024: overdue now
  const Clue disposed_clue = Create(member_, NewClue(Clue::COUNTY_MANAGED));
  // Two replicas scanning every 100 ms.
  stub_.reset();
  process_.Stop(SIGTERM);
  StartService({"--reminder_scan_interval=100ms"});
  testing::ChildProcess second;
  ASSERT_TRUE(
      second.Start({XUNCHA_CLUES_BIN, absl::StrCat("--listen=127.0.0.1:", testing::FreePort()),
                    "--db_url=" + db_.url(), "--redis=" + testing::RedisAddress(),
                    "--token_public_key_file=" + keys_.public_key_file,
                    "--event_stream_prefix=" + stream_prefix_, "--reminder_scan_interval=100ms"},
                   dir_ + "/clues2.log"));
  std::vector<StreamEvent> overdue;
  for (int i = 0; i < 100 && overdue.empty(); ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    overdue = PublishedEvents("clues.clue.overdue");
  }
  absl::SleepFor(absl::Seconds(1));  // ten more scans on each replica
  second.Stop(SIGTERM);
  overdue = PublishedEvents("clues.clue.overdue");
  ASSERT_EQ(overdue.size(), 1u);
  v1::ClueStateChanged payload;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(overdue[0].payload, &payload).ok());
  EXPECT_EQ(payload.clue_id(), clue.id());
  EXPECT_FALSE(absl::StrContains(overdue[0].payload, "张某某"));  // no details in reminders
  // A clue never referred has no deadline and gets no reminder.
  EXPECT_TRUE(PublishedEvents("clues.clue.due_soon").empty());
  EXPECT_NE(disposed_clue.id(), payload.clue_id());
}

TEST_F(CluesTest, EveryReadIsInTheAccessLogWithTheReader) {
  const Clue clue = Create(member_, NewClue(Clue::COUNTY_MANAGED));
  ASSERT_TRUE(Get(member_, clue.id()).ok());
  ASSERT_TRUE(Get(county_leader_, clue.id()).ok());
  v1::ListCluesResponse listed;
  ASSERT_TRUE(stub_->ListClues(Ctx(county_leader_).get(), {}, &listed).ok());
  ASSERT_EQ(listed.clues_size(), 1);
  common::v1::FileContent ledger;
  ASSERT_TRUE(stub_->ExportClueLedger(Ctx(county_leader_).get(), {}, &ledger).ok());
  // A denied read is not a read.
  EXPECT_FALSE(Get(county_staff_, clue.id()).ok());

  v1::ListClueAccessLogRequest req;
  req.set_id(clue.id());
  req.set_page_size(2);
  std::vector<std::string> actors;
  for (;;) {
    v1::ListClueAccessLogResponse page;
    grpc::Status s = stub_->ListClueAccessLog(Ctx(county_leader_).get(), req, &page);
    ASSERT_TRUE(s.ok()) << s.error_message();
    for (const auto& e : page.entries()) {
      actors.push_back(e.actor());
      EXPECT_GT(e.read_time().seconds(), 0);
      EXPECT_FALSE(e.request_id().empty());
    }
    if (page.next_page_token().empty()) break;
    req.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(actors, (std::vector<std::string>{member_.actor, county_leader_.actor,
                                              county_leader_.actor, county_leader_.actor}));
  EXPECT_EQ(AuditRows(clue.id(), "clue.read"), 4);
  // The group may read the clue but not who else read it.
  v1::ListClueAccessLogResponse ignored;
  EXPECT_EQ(stub_->ListClueAccessLog(Ctx(member_).get(), req, &ignored).error_code(),
            StatusCode::PERMISSION_DENIED);
}

TEST_F(CluesTest, ListPagesThroughEveryVisibleClueOnce) {
  std::set<std::string> created;
  for (int i = 0; i < 5; ++i) created.insert(Create(member_, NewClue(Clue::COUNTY_MANAGED)).id());
  v1::ListCluesRequest req;
  req.set_page_size(2);
  std::set<std::string> seen;
  int pages = 0;
  for (;;) {
    v1::ListCluesResponse page;
    grpc::Status s = stub_->ListClues(Ctx(county_leader_).get(), req, &page);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ++pages;
    EXPECT_LE(page.clues_size(), 2);
    for (const auto& c : page.clues()) EXPECT_TRUE(seen.insert(c.id()).second) << c.id();
    if (page.next_page_token().empty()) break;
    req.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(seen, created);
  EXPECT_EQ(pages, 3);
  req.set_page_token("not-a-token");
  v1::ListCluesResponse ignored;
  EXPECT_EQ(stub_->ListClues(Ctx(county_leader_).get(), req, &ignored).error_code(),
            StatusCode::INVALID_ARGUMENT);
}

TEST_F(CluesTest, LiaisonAndUnrelatedOfficeAreRefusedOnEveryRoute) {
  const Clue draft = Create(member_, NewClue(Clue::COUNTY_MANAGED));
  const Clue referred = Create(member_, NewClue(Clue::COUNTY_MANAGED));
  ASSERT_TRUE(Approve(county_leader_, referred.id()).ok());
  ASSERT_TRUE(Refer(county_leader_, referred.id()).ok());

  for (const Caller* outsider : {&liaison_, &county_b_leader_, &city_staff_}) {
    SCOPED_TRACE(outsider->actor);
    for (const std::string& id : {draft.id(), referred.id()}) {
      EXPECT_TRUE(Denied(Get(*outsider, id)));
      v1::UpdateClueRequest update;
      update.set_id(id);
      *update.mutable_clue() = NewClue(Clue::COUNTY_MANAGED);
      Clue ignored;
      EXPECT_TRUE(Denied(stub_->UpdateClue(Ctx(*outsider).get(), update, &ignored)));
      EXPECT_TRUE(Denied(Approve(*outsider, id)));
      EXPECT_TRUE(Denied(Refer(*outsider, id)));
      EXPECT_TRUE(Denied(Acknowledge(*outsider, id)));
      EXPECT_TRUE(Denied(Dispose(*outsider, id)));
      v1::ListClueAccessLogRequest log;
      log.set_id(id);
      v1::ListClueAccessLogResponse log_resp;
      EXPECT_TRUE(Denied(stub_->ListClueAccessLog(Ctx(*outsider).get(), log, &log_resp)));
    }
    v1::CreateClueRequest create;
    *create.mutable_clue() = NewClue(Clue::COUNTY_MANAGED);
    Clue ignored;
    EXPECT_TRUE(Denied(stub_->CreateClue(Ctx(*outsider).get(), create, &ignored)));
    v1::ListCluesRequest list;
    list.set_engagement_id(engagement_.id());
    v1::ListCluesResponse listed;
    EXPECT_TRUE(Denied(stub_->ListClues(Ctx(*outsider).get(), list, &listed)));
    // Unfiltered, an outsider's list holds none of county A's clues.
    listed.Clear();
    grpc::Status all = stub_->ListClues(Ctx(*outsider).get(), {}, &listed);
    EXPECT_TRUE(Denied(all) || listed.clues_size() == 0);
    v1::ExportClueLedgerRequest export_req;
    export_req.set_office_id(county_a_);
    common::v1::FileContent file;
    EXPECT_TRUE(Denied(stub_->ExportClueLedger(Ctx(*outsider).get(), export_req, &file)));
    v1::GetReferralRulesRequest rules_req;
    rules_req.set_office_id(county_a_);
    v1::ReferralRules rules;
    // The city above county A reads A's rules (checked below); the others may not.
    if (outsider != &city_staff_) {
      EXPECT_TRUE(Denied(stub_->GetReferralRules(Ctx(*outsider).get(), rules_req, &rules)));
    }
    rules.Clear();
    rules.set_office_id(county_a_);
    EXPECT_TRUE(Denied(stub_->SetReferralRules(Ctx(*outsider).get(), rules, &rules)));
  }
  // The city office above county A reads A's referral rules; they stay A's to set.
  {
    v1::GetReferralRulesRequest rules_req;
    rules_req.set_office_id(county_a_);
    v1::ReferralRules rules;
    grpc::Status s = stub_->GetReferralRules(Ctx(city_staff_).get(), rules_req, &rules);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(rules.office_id(), county_a_);
    EXPECT_GT(rules.rules_size(), 0);
    EXPECT_TRUE(Denied(stub_->SetReferralRules(Ctx(city_staff_).get(), rules, &rules)));
  }
  // Backlog counts roll up to the city (no details), never sideways or to liaisons.
  v1::GetClueBacklogRequest backlog_req;
  backlog_req.set_org("c1.a");
  v1::ClueBacklog backlog;
  EXPECT_TRUE(Denied(stub_->GetClueBacklog(Ctx(liaison_).get(), backlog_req, &backlog)));
  EXPECT_TRUE(Denied(stub_->GetClueBacklog(Ctx(county_b_leader_).get(), backlog_req, &backlog)));
  backlog_req.set_org("c1");
  ASSERT_TRUE(stub_->GetClueBacklog(Ctx(city_staff_).get(), backlog_req, &backlog).ok());
  EXPECT_EQ(backlog.total().open(), 2);
  EXPECT_EQ(backlog.total().not_referred(), 1);
  EXPECT_EQ(backlog.total().awaiting_acknowledgement(), 1);
  EXPECT_EQ(backlog.total().overdue(), 1);  // referred 2024-05-06, deadline long past
  EXPECT_FALSE(backlog.total().cleared());
  ASSERT_EQ(backlog.offices_size(), 1);
  EXPECT_EQ(backlog.offices(0).office_path(), "c1.a");
  ASSERT_EQ(backlog.receivers_size(), 1);
  EXPECT_EQ(backlog.receivers(0).receiving_unit_name(), "县纪委监委");
  // Office staff without leadership have no need to know either.
  EXPECT_EQ(Get(county_staff_, draft.id()).error_code(), StatusCode::NOT_FOUND);
  EXPECT_EQ(AuditRows(draft.id(), "clue.read"), 0);
}

// The backlog reads counts a trigger keeps (migration 0008); they must equal a count of the
// clues themselves after every kind of change: new, approved, referred, acknowledged, disposed.
TEST_F(CluesTest, BacklogCountsEqualACountOfTheClues) {
  constexpr char kGroups[] =
      "office_path::text, state, office_id, has_referral, receiving_unit_id, "
      "receiving_unit_name, referral_date, feedback_deadline";
  auto rows = [&](const std::string& sql) {
    return pool_
        ->TransactWith<std::string>([&](pqxx::work& tx) -> absl::StatusOr<std::string> {
          std::string out;
          for (const auto& row : tx.exec(sql)) {
            for (const auto& field : row) absl::StrAppend(&out, field.c_str(), "|");
            out += "\n";
          }
          return out;
        })
        .value_or("error");
  };
  auto expect_counts_match = [&](const std::string& when) {
    const std::string recount = rows(absl::StrCat(
        "SELECT ", kGroups, ", count(*) FROM clues GROUP BY ", kGroups, " ORDER BY ", kGroups));
    const std::string kept = rows(absl::StrCat("SELECT ", kGroups, ", n FROM clue_backlog_counts",
                                               " WHERE n > 0 ORDER BY ", kGroups));
    EXPECT_EQ(kept, recount) << when;
    EXPECT_NE(recount, "") << when;
  };
  const Clue a = Create(member_, NewClue(Clue::CITY_MANAGED));
  const Clue b = Create(member_, NewClue(Clue::COUNTY_MANAGED));
  const Clue c = Create(member_, NewClue(Clue::COUNTY_MANAGED));
  expect_counts_match("three drafts");
  for (const Clue* clue : {&a, &b, &c}) ASSERT_TRUE(Approve(county_leader_, clue->id()).ok());
  expect_counts_match("approved");
  ASSERT_TRUE(Refer(county_leader_, a.id()).ok());
  ASSERT_TRUE(Refer(county_leader_, b.id()).ok());
  expect_counts_match("two referred");
  ASSERT_TRUE(Acknowledge(case_system_, a.id()).ok());  // the city commission receives a
  expect_counts_match("one acknowledged");
  ASSERT_TRUE(Dispose(case_system_, a.id()).ok());
  expect_counts_match("one disposed");
  v1::GetClueBacklogRequest request;
  request.set_org("c1");
  v1::ClueBacklog backlog;
  ASSERT_TRUE(stub_->GetClueBacklog(Ctx(city_staff_).get(), request, &backlog).ok());
  EXPECT_EQ(backlog.total().open(), 2);  // b (referred) and c (approved); a is disposed
  EXPECT_EQ(backlog.total().not_referred(), 1);
  EXPECT_EQ(CountRows("SELECT count(*) FROM clue_backlog_counts WHERE n < 0"), 0);
}

TEST_F(CluesTest, CaseSystemDisposesButCannotListOrReachOtherClues) {
  const Clue mine = Create(member_, NewClue(Clue::CITY_MANAGED));
  const Clue other = Create(member_, NewClue(Clue::COUNTY_MANAGED));
  for (const Clue* c : {&mine, &other}) {
    ASSERT_TRUE(Approve(county_leader_, c->id()).ok());
    ASSERT_TRUE(Refer(county_leader_, c->id()).ok());
  }
  v1::ListCluesResponse listed;
  EXPECT_EQ(stub_->ListClues(Ctx(case_system_).get(), {}, &listed).error_code(),
            StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Get(case_system_, other.id()).error_code(), StatusCode::NOT_FOUND);
  EXPECT_EQ(Acknowledge(case_system_, other.id()).error_code(), StatusCode::NOT_FOUND);
  EXPECT_EQ(Dispose(case_system_, other.id()).error_code(), StatusCode::NOT_FOUND);
  EXPECT_EQ(State(other.id()).state(), Clue::REFERRED);

  ASSERT_TRUE(Acknowledge(case_system_, mine.id()).ok());
  Clue disposed;
  grpc::Status s = Dispose(case_system_, mine.id(), v1::Disposal::TALK_AND_INQUIRY, &disposed);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(disposed.disposal().type(), v1::Disposal::TALK_AND_INQUIRY);
  EXPECT_EQ(disposed.disposal().recorded_by(), case_system_.actor);
  // Office leadership may not record a disposal in the receiver's place.
  EXPECT_EQ(Acknowledge(county_leader_, other.id()).error_code(), StatusCode::PERMISSION_DENIED);
}

TEST_F(CluesTest, BadInputIsRefusedClearlyAndChangesNothing) {
  const Clue clue = Create(member_, NewClue(Clue::COUNTY_MANAGED));
  const int events_before = CountRows("SELECT count(*) FROM outbox");

  grpc::Status s = Refer(county_leader_, clue.id());
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "DRAFT")) << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "REFERRED")) << s.error_message();
  EXPECT_EQ(State(clue.id()).state(), Clue::DRAFT);
  EXPECT_FALSE(State(clue.id()).has_referral());

  ASSERT_TRUE(Approve(county_leader_, clue.id()).ok());
  ASSERT_TRUE(Refer(county_leader_, clue.id()).ok());
  const int events_referred = CountRows("SELECT count(*) FROM outbox");
  EXPECT_EQ(events_referred, events_before + 2);

  s = Dispose(county_receiver_, clue.id());
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "REFERRED")) << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "DISPOSED")) << s.error_message();

  ASSERT_TRUE(Acknowledge(county_receiver_, clue.id()).ok());
  s = Dispose(county_receiver_, clue.id(), static_cast<v1::Disposal::Type>(42));
  EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "type:")) << s.error_message();
  s = Dispose(county_receiver_, clue.id(), v1::Disposal::TYPE_UNSPECIFIED);
  EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT);
  s = Acknowledge(county_receiver_, clue.id());
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "ACKNOWLEDGED")) << s.error_message();

  Clue after;
  ASSERT_TRUE(Get(county_receiver_, clue.id(), &after).ok());
  EXPECT_EQ(after.state(), Clue::ACKNOWLEDGED);
  EXPECT_FALSE(after.has_disposal());
  EXPECT_EQ(AuditRows(clue.id(), "clue.dispose"), 0);
  EXPECT_EQ(CountRows("SELECT count(*) FROM outbox"), events_referred + 1);  // the acknowledgement

  v1::CreateClueRequest bad;
  *bad.mutable_clue() = NewClue(static_cast<Clue::CadreLevel>(77));
  Clue ignored;
  s = stub_->CreateClue(Ctx(member_).get(), bad, &ignored);
  EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "cadre_level:")) << s.error_message();
  bad.mutable_clue()->set_cadre_level(Clue::CITY_MANAGED);
  bad.mutable_clue()->clear_source_id();
  s = stub_->CreateClue(Ctx(member_).get(), bad, &ignored);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "source_id:")) << s.error_message();
  EXPECT_EQ(CountRows("SELECT count(*) FROM clues"), 1);

  // A retried create with the same Idempotency-Key registers one clue.
  v1::CreateClueRequest create;
  *create.mutable_clue() = NewClue(Clue::COUNTY_MANAGED);
  Clue first, second;
  ASSERT_TRUE(stub_->CreateClue(Ctx(member_, "retry-1").get(), create, &first).ok());
  ASSERT_TRUE(stub_->CreateClue(Ctx(member_, "retry-1").get(), create, &second).ok());
  EXPECT_EQ(first.id(), second.id());
  EXPECT_EQ(CountRows("SELECT count(*) FROM clues"), 2);
}

TEST_F(CluesTest, IssueSuggestionRegistersOneDraftThatMustBeCompleted) {
  issues::v1::IssueClueSuggested suggestion;
  suggestion.set_issue_id(NewUuid());
  suggestion.set_engagement_id(engagement_.id());
  suggestion.set_office_id(county_a_);
  suggestion.set_office_path("c1.a");
  suggestion.set_target_unit_id(engagement_.target_unit_id());
  suggestion.set_title("违规发放津贴补贴");
  suggestion.set_description("镇党委书记李某违规发放津贴补贴");
  suggestion.set_subject_person("李某");
  suggestion.set_cadre_level("县管");
  // Issues may suggest again (a redelivery under a new event id): still one clue.
  Publish("issues", "issues.issue.clue_suggested", suggestion.issue_id(), suggestion);
  Publish("issues", "issues.issue.clue_suggested", suggestion.issue_id(), suggestion);
  v1::ListCluesRequest req;
  req.set_engagement_id(engagement_.id());
  Eventually(
      [&] {
        return CountRows("SELECT count(*) FROM processed_events WHERE consumer_group = 'clues'") >=
               3;
      },
      "both suggestions consumed");
  v1::ListCluesResponse listed;
  ASSERT_TRUE(stub_->ListClues(Ctx(member_).get(), req, &listed).ok());
  ASSERT_EQ(listed.clues_size(), 1);
  const Clue draft = listed.clues(0);
  EXPECT_EQ(draft.state(), Clue::DRAFT);
  EXPECT_EQ(draft.source(), Clue::ISSUE);
  EXPECT_EQ(draft.source_id(), suggestion.issue_id());
  EXPECT_EQ(draft.cadre_level(), Clue::COUNTY_MANAGED);
  EXPECT_EQ(draft.subject_person(), "李某");
  EXPECT_EQ(draft.registered_by(), "system:issues");

  // The group cannot register the same issue a second time by hand.
  Clue dup = NewClue(Clue::COUNTY_MANAGED);
  dup.set_source(Clue::ISSUE);
  dup.set_source_id(suggestion.issue_id());
  v1::CreateClueRequest create;
  *create.mutable_clue() = dup;
  Clue ignored;
  EXPECT_EQ(stub_->CreateClue(Ctx(member_).get(), create, &ignored).error_code(),
            StatusCode::ALREADY_EXISTS);

  // Not routable yet (no matter type): approval says what is missing.
  grpc::Status s = Approve(county_leader_, draft.id());
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "matter_type:")) << s.error_message();
  v1::UpdateClueRequest update;
  update.set_id(draft.id());
  *update.mutable_clue() = draft;
  update.mutable_clue()->set_matter_type(Clue::APPOINTMENT);
  Clue updated;
  ASSERT_TRUE(stub_->UpdateClue(Ctx(member_).get(), update, &updated).ok());
  ASSERT_TRUE(Approve(county_leader_, draft.id()).ok());
  Clue referred;
  ASSERT_TRUE(Refer(county_leader_, draft.id(), &referred).ok());
  // A county-managed appointment matter: the county rule for the level outranks the matter rule.
  EXPECT_EQ(referred.referral().receiving_unit_id(), county_jw_);
  // Referred within the county's own tree: county leadership keeps the details.
  EXPECT_FALSE(referred.receipt_only());
  EXPECT_EQ(referred.subject_person(), "李某");
  // After approval the clue can no longer be edited.
  EXPECT_EQ(stub_->UpdateClue(Ctx(member_).get(), update, &updated).error_code(),
            StatusCode::FAILED_PRECONDITION);

  common::v1::FileContent ledger;
  v1::ExportClueLedgerRequest as_csv;
  as_csv.set_format("csv");
  ASSERT_TRUE(stub_->ExportClueLedger(Ctx(county_leader_).get(), as_csv, &ledger).ok());
  EXPECT_EQ(ledger.content_type(), "text/csv; charset=utf-8");
  EXPECT_EQ(ledger.filename(), "线索台账.csv");
  // The default is XLSX: a zip archive.
  common::v1::FileContent xlsx;
  ASSERT_TRUE(stub_->ExportClueLedger(Ctx(county_leader_).get(), {}, &xlsx).ok());
  EXPECT_TRUE(absl::StartsWith(xlsx.content(), "PK\x03\x04"));
  EXPECT_TRUE(absl::StrContains(ledger.content(), "线索编号"));
  EXPECT_TRUE(absl::StrContains(ledger.content(), "李某"));
  EXPECT_TRUE(absl::StrContains(ledger.content(), "甲巡移〔2024〕1号"));
  EXPECT_EQ(stub_->ExportClueLedger(Ctx(member_).get(), {}, &ledger).error_code(),
            StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace xuncha::clues
