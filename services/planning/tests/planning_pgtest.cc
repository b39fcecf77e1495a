// End-to-end tests of the real xuncha-planning binary, with the real xuncha-directory binary
// providing the org tree, people and tokens, against the harness's PostgreSQL and Redis. Every
// call goes over gRPC, as the gateway makes it.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "process.h"
#include "test_env.h"
#include "xuncha/auth.h"
#include "xuncha/calendar.h"
#include "xuncha/directory/v1/directory.grpc.pb.h"
#include "xuncha/engagements.h"
#include "xuncha/pg.h"
#include "xuncha/planning/v1/planning.grpc.pb.h"
#include "xuncha/redis.h"

namespace xuncha::planning {
namespace {

namespace v1 = ::xuncha::planning::v1;
namespace dir = ::xuncha::directory::v1;
using Member = EngagementSnapshot::Member;
using testing::ChildProcess;

std::string DaysFromToday(int days) { return FormatDate(TodayInChina() + days); }

class PlanningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = testing::MakeTempDir();
    auto keys = testing::WriteTokenKeys(tmp_);
    ASSERT_TRUE(keys.ok()) << keys.status();
    admin_password_ = testing::UniqueName("admin-password-");
    prefix_ = testing::UniqueName("test:");
    // Both services share one database, as in production. The common migrator creates ltree
    // with the first service's search_path, i.e. inside that service's schema, where the other
    // service cannot see the type; installing it in public first avoids that (reported as a fix
    // needed in services/common/src/migrations.cc: CREATE EXTENSION ... SCHEMA public).
    {
      PgPoolOptions o;
      o.url = db_.url();
      PgPool pool(o);
      ASSERT_TRUE(pool.Transact([](pqxx::work& tx) {
                        tx.exec("CREATE EXTENSION IF NOT EXISTS ltree SCHEMA public");
                        return absl::OkStatus();
                      })
                      .ok());
    }
    const std::string dir_address = absl::StrCat("127.0.0.1:", testing::FreePort());
    ASSERT_TRUE(directory_.Start(
        {XUNCHA_DIRECTORY_BIN, "--listen=" + dir_address, "--db_url=" + db_.url(),
         "--redis=" + testing::RedisAddress(), "--token_private_key_file=" + keys->private_key_file,
         "--admin_password=" + admin_password_, "--password_hash=fast",
         "--event_stream_prefix=" + prefix_},
        tmp_ + "/directory.log"));
    ASSERT_TRUE(testing::WaitForServing(dir_address, 20000))
        << testing::ReadFile(tmp_ + "/directory.log");
    const std::string address = absl::StrCat("127.0.0.1:", testing::FreePort());
    ASSERT_TRUE(planning_.Start(
        {XUNCHA_PLANNING_BIN, "--listen=" + address, "--db_url=" + db_.url(),
         "--redis=" + testing::RedisAddress(), "--token_public_key_file=" + keys->public_key_file,
         "--directory_addr=" + dir_address, "--event_stream_prefix=" + prefix_},
        tmp_ + "/planning.log"));
    ASSERT_TRUE(testing::WaitForServing(address, 20000))
        << testing::ReadFile(tmp_ + "/planning.log");
    dir_ = dir::DirectoryService::NewStub(
        grpc::CreateChannel(dir_address, grpc::InsecureChannelCredentials()));
    plan_ = v1::PlanningService::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    admin_ = Login("admin", admin_password_);
  }

  void TearDown() override {
    plan_.reset();
    dir_.reset();
    planning_.Stop(SIGTERM);
    directory_.Stop(SIGTERM);
  }

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
    auto c = std::make_unique<grpc::ClientContext>();
    c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    if (!token.empty()) c->AddMetadata("authorization", "Bearer " + token);
    return c;
  }

  std::string Login(const std::string& user, const std::string& password) {
    dir::IssueTokenRequest req;
    req.set_username(user);
    req.set_password(password);
    dir::IssueTokenResponse out;
    grpc::Status s = dir_->IssueToken(Ctx("").get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.access_token();
  }

  dir::OrgUnit Unit(const std::string& token, const std::string& parent, const std::string& name,
                    dir::OrgUnit::Kind kind, const std::string& category = "") {
    dir::CreateOrgUnitRequest req;
    req.mutable_org_unit()->set_parent(parent);
    req.mutable_org_unit()->set_name(name);
    req.mutable_org_unit()->set_kind(kind);
    req.mutable_org_unit()->set_category(category);
    dir::OrgUnit out;
    grpc::Status s = dir_->CreateOrgUnit(Ctx(token).get(), req, &out);
    EXPECT_TRUE(s.ok()) << name << ": " << s.error_message();
    return out;
  }

  dir::Office Office(const std::string& unit, const std::string& name) {
    dir::CreateOfficeRequest req;
    req.mutable_office()->set_org_unit_id(unit);
    req.mutable_office()->set_name(name);
    dir::Office out;
    grpc::Status s = dir_->CreateOffice(Ctx(admin_).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  dir::Person Person(const std::string& token, const std::string& name, const std::string& employer,
                     std::vector<std::string> expertise = {"纪检"}) {
    dir::CreatePersonRequest req;
    req.mutable_person()->set_name(name);
    req.mutable_person()->set_employer_unit_id(employer);
    for (auto& e : expertise) req.mutable_person()->add_expertise(e);
    dir::Person out;
    grpc::Status s = dir_->CreatePerson(Ctx(token).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  // Creates an account (as the platform admin) and returns its token.
  std::string User(const std::string& username, const std::string& office,
                   std::vector<dir::User::Role> roles, const std::string& person = "") {
    dir::CreateUserRequest req;
    req.mutable_user()->set_username(username);
    req.mutable_user()->set_office_id(office);
    req.mutable_user()->set_person_id(person);
    for (auto r : roles) req.mutable_user()->add_roles(r);
    req.set_password("password-of-" + username);
    dir::User out;
    grpc::Status s = dir_->CreateUser(Ctx(admin_).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return Login(username, "password-of-" + username);
  }

  // A city with three counties; each county has two departments to inspect.
  struct County {
    dir::OrgUnit unit, finance, education;
    dir::Office office;
    std::string admin;
  };
  struct City {
    dir::OrgUnit unit;
    dir::Office office;
    std::string admin, leading;
    County a, b, c;
  };
  City MakeCity() {
    City city;
    city.unit = Unit(admin_, "", "某市委", dir::OrgUnit::CITY_COMMITTEE);
    city.office = Office(city.unit.id(), "某市委巡察办");
    city.admin = User("city-admin", city.office.id(), {dir::User::OFFICE_ADMIN});
    city.leading = User("city-leading", city.office.id(), {dir::User::LEADING_GROUP});
    int n = 0;
    for (County* c : {&city.a, &city.b, &city.c}) {
      const std::string label = std::string(1, static_cast<char>('a' + n++));
      c->unit = Unit(admin_, city.unit.id(), "县委" + label, dir::OrgUnit::COUNTY_COMMITTEE);
      c->office = Office(c->unit.id(), "县委巡察办" + label);
      c->admin = User("admin-" + label, c->office.id(), {dir::User::OFFICE_ADMIN});
      c->finance =
          Unit(c->admin, c->unit.id(), "财政局" + label, dir::OrgUnit::DEPARTMENT, "机关部门");
      c->education =
          Unit(c->admin, c->unit.id(), "教育局" + label, dir::OrgUnit::DEPARTMENT, "服务单位");
    }
    return city;
  }

  // An annual plan of the caller's office, approved by `leading`.
  v1::Plan ApprovedAnnualPlan(const std::string& token, const std::string& leading) {
    v1::CreatePlanRequest req;
    req.mutable_plan()->set_kind(v1::Plan::ANNUAL);
    req.mutable_plan()->set_title("年度巡察工作安排");
    req.mutable_plan()->set_start_year(TodayInChina().year());
    v1::Plan plan;
    grpc::Status s = plan_->CreatePlan(Ctx(token).get(), req, &plan);
    EXPECT_TRUE(s.ok()) << s.error_message();
    v1::ApprovePlanRequest approve;
    approve.set_id(plan.id());
    s = plan_->ApprovePlan(Ctx(leading).get(), approve, &plan);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return plan;
  }

  grpc::Status CreateRound(const std::string& token, const std::string& plan_id,
                           v1::Round::Kind kind, const std::string& start, const std::string& end,
                           v1::Round* out) {
    v1::CreateRoundRequest req;
    req.mutable_round()->set_plan_id(plan_id);
    req.mutable_round()->set_kind(kind);
    req.mutable_round()->set_title(absl::StrCat(v1::Round::Kind_Name(kind), "轮"));
    req.mutable_round()->set_station_start(start);
    req.mutable_round()->set_station_end(end);
    return plan_->CreateRound(Ctx(token).get(), req, out);
  }

  // A REGULAR round, stationed from `start_days` to `end_days` from today, in a new annual plan of
  // the caller's office approved by `leading`.
  v1::Round RegularRound(const std::string& token, const std::string& leading, int start_days,
                         int end_days) {
    v1::Plan annual = ApprovedAnnualPlan(token, leading);
    v1::Round round;
    grpc::Status s = CreateRound(token, annual.id(), v1::Round::REGULAR, DaysFromToday(start_days),
                                 DaysFromToday(end_days), &round);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return round;
  }

  grpc::Status CreateGroup(const std::string& token, const std::string& round,
                           const std::string& name, const std::string& source_office,
                           const std::vector<std::string>& targets,
                           const std::vector<std::pair<std::string, Member::Role>>& members,
                           v1::Group* out) {
    v1::CreateGroupRequest req;
    req.set_round_id(round);
    req.mutable_group()->set_name(name);
    req.mutable_group()->set_source_office_id(source_office);
    for (const auto& t : targets) req.mutable_group()->add_targets()->set_unit_id(t);
    for (const auto& [person, role] : members) {
      auto* m = req.mutable_group()->add_members();
      m->set_person_id(person);
      m->set_role(role);
    }
    return plan_->CreateGroup(Ctx(token).get(), req, out);
  }

  grpc::Status GetEngagement(const std::string& token, const std::string& id,
                             EngagementSnapshot* out = nullptr) {
    v1::GetEngagementRequest req;
    req.set_id(id);
    EngagementSnapshot tmp;
    return plan_->GetEngagement(Ctx(token).get(), req, out ? out : &tmp);
  }

  int Count(const std::string& sql) {
    PgPoolOptions o;
    o.url = db_.url();
    o.schema = "planning";
    PgPool pool(o);
    return pool
        .TransactWith<int>(
            [&](pqxx::work& tx) -> absl::StatusOr<int> { return tx.exec1(sql)[0].as<int>(); })
        .value_or(-1);
  }

  // planning.engagement.changed snapshots of one engagement, in stream order; waits until at
  // least `at_least` have been published and, when `last_state` is given, the last one is of a
  // round in that state (the relay publishes after the commit, so a count alone can be reached
  // before the last change's snapshot is in).
  std::vector<EngagementSnapshot> PublishedSnapshots(const std::string& engagement_id,
                                                     std::size_t at_least,
                                                     const std::string& last_state = "") {
    RedisClient redis(*ParseRedisAddress(testing::RedisAddress()));
    std::vector<EngagementSnapshot> out;
    for (int attempt = 0; attempt < 100; ++attempt) {
      out.clear();
      auto range = redis.Command({"XRANGE", prefix_ + ":planning", "-", "+"});
      if (range.ok()) {
        for (std::size_t i = 0; i < range->size(); ++i) {
          RedisReply fields = range->element(i).element(1);
          std::string type, aggregate, payload;
          for (std::size_t k = 0; k + 1 < fields.size(); k += 2) {
            const std::string key(fields.element(k).str());
            const std::string value(fields.element(k + 1).str());
            if (key == "type") type = value;
            if (key == "aggregate_id") aggregate = value;
            if (key == "payload") payload = value;
          }
          if (type != kEngagementChangedEvent || aggregate != engagement_id) continue;
          EngagementSnapshot s;
          EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(payload, &s).ok()) << payload;
          out.push_back(s);
        }
      }
      if (out.size() >= at_least &&
          (last_state.empty() || out.back().round_state() == last_state)) {
        break;
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
    return out;
  }

  testing::TestDatabase db_;
  std::string tmp_, admin_password_, prefix_, admin_;
  ChildProcess directory_, planning_;
  std::unique_ptr<dir::DirectoryService::Stub> dir_;
  std::unique_ptr<v1::PlanningService::Stub> plan_;
};

TEST_F(PlanningTest, CrossRoundThreeCountiesAccessEndsWithStationing) {
  City city = MakeCity();
  // One inspector from each county, each with an account linked to the person.
  dir::Person ins_a = Person(city.a.admin, "甲巡察员", city.a.unit.id());
  dir::Person ins_b = Person(city.b.admin, "乙巡察员", city.b.unit.id());
  dir::Person ins_c = Person(city.c.admin, "丙巡察员", city.c.unit.id());
  const std::string user_a =
      User("inspector-a", city.a.office.id(), {dir::User::OFFICE_STAFF}, ins_a.id());
  v1::Plan plan = ApprovedAnnualPlan(city.admin, city.leading);
  v1::Round round;
  ASSERT_TRUE(CreateRound(city.admin, plan.id(), v1::Round::CROSS, DaysFromToday(-10),
                          DaysFromToday(20), &round)
                  .ok());
  EXPECT_EQ(round.state(), v1::Round::DRAFT);

  // A→B, B→C, C→A.
  v1::Group ga, gb, gc;
  grpc::Status s = CreateGroup(city.admin, round.id(), "交叉第一组", city.a.office.id(),
                               {city.b.finance.id()}, {{ins_a.id(), Member::LEADER}}, &ga);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_TRUE(CreateGroup(city.admin, round.id(), "交叉第二组", city.b.office.id(),
                          {city.c.finance.id()}, {{ins_b.id(), Member::LEADER}}, &gb)
                  .ok());
  ASSERT_TRUE(CreateGroup(city.admin, round.id(), "交叉第三组", city.c.office.id(),
                          {city.a.finance.id()}, {{ins_c.id(), Member::LEADER}}, &gc)
                  .ok());
  ASSERT_EQ(ga.targets_size(), 1);
  EXPECT_EQ(ga.targets(0).unit_path(), city.b.finance.path());
  EXPECT_EQ(ga.members(0).home_office_id(), city.a.office.id());
  const std::string engagement_a = ga.targets(0).engagement_id();

  // Bad input, each refused with the field named and nothing stored.
  const int targets_before = Count("SELECT count(*) FROM group_targets");
  const int members_before = Count("SELECT count(*) FROM group_members");
  v1::AddGroupTargetsRequest add;
  add.set_group_id(ga.id());
  add.add_unit_ids(city.a.education.id());  // county A inspecting itself
  add.add_unit_ids(city.b.education.id());
  v1::Group out;
  s = plan_->AddGroupTargets(Ctx(city.admin).get(), add, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "never inspects itself")) << s.error_message();
  add.clear_unit_ids();
  add.add_unit_ids(city.b.education.id());
  add.add_unit_ids(city.c.finance.id());  // already group B's target in this round
  s = plan_->AddGroupTargets(Ctx(city.admin).get(), add, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "unit_ids[1]:")) << s.error_message();
  dir::OrgUnit elsewhere = Unit(admin_, "", "另一市委", dir::OrgUnit::CITY_COMMITTEE);
  add.clear_unit_ids();
  add.add_unit_ids(elsewhere.id());  // outside the organiser's tree
  s = plan_->AddGroupTargets(Ctx(city.admin).get(), add, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "outside the organising office's tree"))
      << s.error_message();
  // One person in two groups of overlapping dates.
  v1::SetGroupMembersRequest members;
  members.set_group_id(gb.id());
  auto* leader = members.add_members();
  leader->set_person_id(ins_b.id());
  leader->set_role(Member::LEADER);
  auto* twice = members.add_members();
  twice->set_person_id(ins_a.id());
  twice->set_role(Member::MEMBER);
  s = plan_->SetGroupMembers(Ctx(city.admin).get(), members, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "members[1].person_id:")) << s.error_message();
  // A county admin cannot staff the city's round.
  EXPECT_EQ(plan_->SetGroupMembers(Ctx(city.b.admin).get(), members, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Count("SELECT count(*) FROM group_targets"), targets_before);
  EXPECT_EQ(Count("SELECT count(*) FROM group_members"), members_before);

  // The county-A inspector reads its engagement while stationed, nothing of the other groups.
  EngagementSnapshot snap;
  s = GetEngagement(user_a, engagement_a, &snap);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(snap.round_kind(), "CROSS");
  EXPECT_EQ(snap.target_unit_id(), city.b.finance.id());
  EXPECT_EQ(snap.access_end(), DaysFromToday(20));
  EXPECT_EQ(GetEngagement(user_a, gb.targets(0).engagement_id()).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::ListEngagementsRequest list;
  list.set_round(round.id());
  v1::ListEngagementsResponse listed;
  ASSERT_TRUE(plan_->ListEngagements(Ctx(user_a).get(), list, &listed).ok());
  ASSERT_EQ(listed.engagements_size(), 1);
  EXPECT_EQ(listed.engagements(0).id(), engagement_a);
  ASSERT_TRUE(plan_->ListEngagements(Ctx(city.admin).get(), list, &listed).ok());
  EXPECT_EQ(listed.engagements_size(), 3);
  // County B's office is not the organiser: the round's engagements are not its data.
  EXPECT_EQ(GetEngagement(city.b.admin, engagement_a).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(plan_->ListEngagements(Ctx(city.b.admin).get(), list, &listed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // Stationing over (dates moved to end yesterday): the cross group loses access.
  v1::UpdateRoundRequest update;
  update.set_id(round.id());
  update.set_station_end(DaysFromToday(-1));
  v1::Round updated;
  ASSERT_TRUE(plan_->UpdateRound(Ctx(city.admin).get(), update, &updated).ok());
  EXPECT_EQ(GetEngagement(user_a, engagement_a).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(plan_->ListEngagements(Ctx(user_a).get(), {}, &listed).ok());
  EXPECT_EQ(listed.engagements_size(), 0);
  EXPECT_TRUE(GetEngagement(city.admin, engagement_a).ok());  // the organiser always reads

  // The events carry the same story, with versions strictly increasing.
  auto published = PublishedSnapshots(engagement_a, 2);
  ASSERT_GE(published.size(), 2u);
  for (std::size_t i = 1; i < published.size(); ++i) {
    EXPECT_GT(published[i].version(), published[i - 1].version());
  }
  const EngagementSnapshot& last = published.back();
  EXPECT_EQ(last.access_end(), DaysFromToday(-1));
  EXPECT_EQ(last.office_id(), city.office.id());
  ASSERT_EQ(last.members_size(), 1);
  EXPECT_EQ(last.members(0).person_id(), ins_a.id());
  EXPECT_EQ(last.members(0).role(), Member::LEADER);
  EXPECT_EQ(last.members(0).home_office_id(), city.a.office.id());
  Principal inspector;
  inspector.kind = TokenClaims::USER;
  inspector.person_id = ins_a.id();
  inspector.office_id = city.a.office.id();
  inspector.office_path = city.a.unit.path();
  inspector.roles = {"OFFICE_STAFF"};
  EXPECT_TRUE(AccessTo(inspector, published.front(), TodayInChina()).member);
  EXPECT_FALSE(AccessTo(inspector, last, TodayInChina()).member);
  EXPECT_TRUE(AccessTo(inspector, last, TodayInChina() - 2).member);

  // The round moves through its states; a skipped step is refused naming both states.
  v1::RoundTransitionRequest step;
  step.set_id(round.id());
  s = plan_->StartFieldwork(Ctx(city.admin).get(), step, &updated);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "DRAFT")) << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "IN_FIELD")) << s.error_message();
  EXPECT_EQ(plan_->ApproveRound(Ctx(city.admin).get(), step, &updated).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);  // approval is the leading group's
  ASSERT_TRUE(plan_->ApproveRound(Ctx(city.leading).get(), step, &updated).ok());
  ASSERT_TRUE(plan_->StartFieldwork(Ctx(city.admin).get(), step, &updated).ok());
  EXPECT_EQ(updated.state(), v1::Round::IN_FIELD);
  ASSERT_TRUE(plan_->StartReporting(Ctx(city.admin).get(), step, &updated).ok());
  ASSERT_TRUE(plan_->StartFeedback(Ctx(city.admin).get(), step, &updated).ok());
  ASSERT_TRUE(plan_->StartRectification(Ctx(city.admin).get(), step, &updated).ok());
  ASSERT_TRUE(plan_->CloseRound(Ctx(city.admin).get(), step, &updated).ok());
  EXPECT_EQ(updated.closed_on(), DaysFromToday(0));
  EXPECT_EQ(plan_->CloseRound(Ctx(city.admin).get(), step, &updated).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  published = PublishedSnapshots(engagement_a, 7, "CLOSED");
  ASSERT_GE(published.size(), 7u);
  EXPECT_EQ(published.back().round_state(), "CLOSED");
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE event_type = 'planning.round.approved'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE event_type = 'planning.round.closed'"), 1);
}

TEST_F(PlanningTest, LinkedRoundWithSecondedCityInspector) {
  City city = MakeCity();
  dir::Person county_leader = Person(city.a.admin, "县组长", city.a.unit.id());
  dir::Person city_inspector = Person(city.admin, "市巡察员", city.unit.id());
  const std::string leader_token =
      User("county-leader", city.a.office.id(), {dir::User::OFFICE_STAFF}, county_leader.id());
  v1::Plan plan = ApprovedAnnualPlan(city.admin, city.leading);
  v1::Round round;
  ASSERT_TRUE(CreateRound(city.admin, plan.id(), v1::Round::LINKED, DaysFromToday(-5),
                          DaysFromToday(30), &round)
                  .ok());
  v1::Group group;
  grpc::Status s = CreateGroup(
      city.admin, round.id(), "联动组", city.a.office.id(), {city.a.education.id()},
      {{county_leader.id(), Member::LEADER}, {city_inspector.id(), Member::MEMBER}}, &group);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EngagementSnapshot snap;
  s = GetEngagement(leader_token, group.targets(0).engagement_id(), &snap);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(snap.round_kind(), "LINKED");
  EXPECT_EQ(snap.office_id(), city.office.id());
  EXPECT_EQ(snap.access_end(), "");  // not a cross round: access lasts until the round closes
  ASSERT_EQ(snap.members_size(), 2);
  EXPECT_EQ(snap.members(0).home_office_id(), city.a.office.id());
  EXPECT_EQ(snap.members(1).home_office_id(), city.office.id());  // seconded from the city
  // County A's own admin is not in the group and the round is the city's.
  EXPECT_EQ(GetEngagement(city.a.admin, snap.id()).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // The group leader publishes the announcement; anyone reads it once the round is approved.
  v1::PublishAnnouncementRequest announce;
  announce.set_engagement_id(snap.id());
  announce.mutable_announcement()->set_scope("教育局领导班子及其成员");
  announce.mutable_announcement()->set_phone("0000-12345678");
  announce.mutable_announcement()->set_mailbox("某市邮政信箱100号");
  v1::Announcement published;
  s = plan_->PublishAnnouncement(Ctx(leader_token).get(), announce, &published);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(published.station_start(), DaysFromToday(-5));
  v1::GetAnnouncementRequest get;
  get.set_engagement_id(snap.id());
  v1::Announcement read;
  EXPECT_EQ(plan_->GetAnnouncement(Ctx("").get(), get, &read).error_code(),
            grpc::StatusCode::NOT_FOUND);  // draft round: not public yet
  v1::RoundTransitionRequest step;
  step.set_id(round.id());
  v1::Round approved;
  ASSERT_TRUE(plan_->ApproveRound(Ctx(city.leading).get(), step, &approved).ok());
  ASSERT_TRUE(plan_->GetAnnouncement(Ctx("").get(), get, &read).ok());
  EXPECT_EQ(read.mailbox(), "某市邮政信箱100号");
  EXPECT_EQ(read.target_unit_name(), city.a.education.name());
  // A county admin may not publish for the city's engagement.
  EXPECT_EQ(plan_->PublishAnnouncement(Ctx(city.a.admin).get(), announce, &published).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(PlanningTest, PlansAreVisibleToTheirOfficeAndTheCityOnlyAndCoverageRollsUp) {
  City city = MakeCity();
  const std::string leading_a = User("leading-a", city.a.office.id(), {dir::User::LEADING_GROUP});
  v1::CreatePlanRequest term;
  term.mutable_plan()->set_kind(v1::Plan::TERM);
  term.mutable_plan()->set_title("县委a五年巡察规划");
  term.mutable_plan()->set_start_year(TodayInChina().year());
  term.mutable_plan()->add_unit_ids(city.a.finance.id());
  term.mutable_plan()->add_unit_ids(city.a.education.id());
  dir::OrgUnit health =
      Unit(city.a.admin, city.a.unit.id(), "卫健局a", dir::OrgUnit::DEPARTMENT, "机关部门");
  term.mutable_plan()->add_unit_ids(health.id());
  v1::Plan plan_a;
  grpc::Status s = plan_->CreatePlan(Ctx(city.a.admin).get(), term, &plan_a);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(plan_a.end_year(), plan_a.start_year() + 4);

  // County B cannot read county A's plans; the city can, read-only.
  v1::GetPlanRequest get;
  get.set_id(plan_a.id());
  v1::Plan read;
  EXPECT_EQ(plan_->GetPlan(Ctx(city.b.admin).get(), get, &read).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::ListPlansRequest list;
  list.set_office(city.a.office.id());
  v1::ListPlansResponse listed;
  EXPECT_EQ(plan_->ListPlans(Ctx(city.b.admin).get(), list, &listed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(plan_->GetPlan(Ctx(city.admin).get(), get, &read).ok());
  ASSERT_TRUE(plan_->ListPlans(Ctx(city.admin).get(), list, &listed).ok());
  EXPECT_EQ(listed.plans_size(), 1);
  v1::ApprovePlanRequest approve;
  approve.set_id(plan_a.id());
  EXPECT_EQ(plan_->ApprovePlan(Ctx(city.leading).get(), approve, &read).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(plan_->ApprovePlan(Ctx(city.a.admin).get(), approve, &read).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(plan_->ApprovePlan(Ctx(leading_a).get(), approve, &read).ok());
  EXPECT_EQ(read.state(), v1::Plan::APPROVED);
  s = plan_->ApprovePlan(Ctx(leading_a).get(), approve, &read);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "APPROVED")) << s.error_message();

  // A term plan naming another county's unit is refused, nothing stored.
  const int plans_before = Count("SELECT count(*) FROM plans");
  term.mutable_plan()->add_unit_ids(city.b.finance.id());
  s = plan_->CreatePlan(Ctx(city.a.admin).get(), term, &read);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "unit_ids[3]:")) << s.error_message();
  EXPECT_EQ(Count("SELECT count(*) FROM plans"), plans_before);

  // A regular round in the field covers the finance bureau.
  v1::Round round = RegularRound(city.a.admin, leading_a, 1, 40);
  ASSERT_FALSE(round.id().empty());
  v1::Group group;
  ASSERT_TRUE(
      CreateGroup(city.a.admin, round.id(), "第一组", "", {city.a.finance.id()}, {}, &group).ok());
  v1::GetCoverageRequest coverage_req;
  coverage_req.set_id(plan_a.id());
  v1::Coverage coverage;
  ASSERT_TRUE(plan_->GetCoverage(Ctx(city.a.admin).get(), coverage_req, &coverage).ok());
  EXPECT_EQ(coverage.covered(), 0);  // a draft round has inspected nothing yet
  v1::RoundTransitionRequest step;
  step.set_id(round.id());
  v1::Round moved;
  ASSERT_TRUE(plan_->ApproveRound(Ctx(leading_a).get(), step, &moved).ok());
  ASSERT_TRUE(plan_->StartFieldwork(Ctx(city.a.admin).get(), step, &moved).ok());
  ASSERT_TRUE(plan_->GetCoverage(Ctx(city.a.admin).get(), coverage_req, &coverage).ok());
  EXPECT_EQ(coverage.total(), 3);
  EXPECT_EQ(coverage.covered(), 1);
  EXPECT_NEAR(coverage.rate(), 1.0 / 3, 1e-9);
  ASSERT_EQ(coverage.by_category_size(), 2);
  for (const auto& c : coverage.by_category()) {
    if (c.category() == "机关部门") {
      EXPECT_EQ(c.total(), 2);
      EXPECT_EQ(c.covered(), 1);
    } else {
      EXPECT_EQ(c.category(), "服务单位");
      EXPECT_EQ(c.covered(), 0);
    }
  }
  EXPECT_EQ(coverage.remaining_units_size(), 2);
  // County B may not see it; the city's term plan rolls county A up.
  EXPECT_EQ(plan_->GetCoverage(Ctx(city.b.admin).get(), coverage_req, &coverage).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::CreatePlanRequest city_term;
  city_term.mutable_plan()->set_kind(v1::Plan::TERM);
  city_term.mutable_plan()->set_title("市委五年巡察规划");
  city_term.mutable_plan()->set_start_year(TodayInChina().year());
  city_term.mutable_plan()->add_unit_ids(city.a.unit.id());
  city_term.mutable_plan()->add_unit_ids(city.b.unit.id());
  v1::Plan city_plan;
  ASSERT_TRUE(plan_->CreatePlan(Ctx(city.admin).get(), city_term, &city_plan).ok());
  coverage_req.set_id(city_plan.id());
  ASSERT_TRUE(plan_->GetCoverage(Ctx(city.admin).get(), coverage_req, &coverage).ok());
  EXPECT_EQ(coverage.total(), 2);
  EXPECT_EQ(coverage.covered(), 0);
  ASSERT_EQ(coverage.offices_below_size(), 1);
  EXPECT_EQ(coverage.offices_below(0).office_id(), city.a.office.id());
  EXPECT_EQ(coverage.rolled_up_total(), 5);
  EXPECT_EQ(coverage.rolled_up_covered(), 1);
}

TEST_F(PlanningTest, DrawRespectsRecusalIsLoggedAndInfeasibleDrawWritesNothing) {
  City city = MakeCity();
  const std::string leading_a = User("leading-a", city.a.office.id(), {dir::User::LEADING_GROUP});
  // Twelve clean candidates and three with recusal ties to the finance bureau.
  std::vector<std::string> clean;
  for (int i = 0; i < 12; ++i) {
    clean.push_back(Person(city.a.admin, absl::StrCat("候选人", i), city.a.unit.id(),
                           {i % 3 == 0 ? "财务" : "纪检"})
                        .id());
  }
  const std::string employed = Person(city.a.admin, "财政局干部", city.a.finance.id()).id();
  dir::CreatePersonRequest tied;
  tied.mutable_person()->set_name("曾任财政局副局长");
  tied.mutable_person()->set_employer_unit_id(city.a.unit.id());
  auto* post = tied.mutable_person()->add_posts();
  post->set_org_unit_id(city.a.finance.id());
  post->set_title("副局长");
  post->set_start_date("2018-01-01");
  post->set_end_date(DaysFromToday(-400));
  dir::Person former;
  ASSERT_TRUE(dir_->CreatePerson(Ctx(city.a.admin).get(), tied, &former).ok());
  tied.mutable_person()->clear_posts();
  tied.mutable_person()->set_name("配偶在财政局");
  auto* rel = tied.mutable_person()->add_relatives();
  rel->set_org_unit_id(city.a.finance.id());
  rel->set_relation("配偶");
  dir::Person related;
  ASSERT_TRUE(dir_->CreatePerson(Ctx(city.a.admin).get(), tied, &related).ok());
  std::vector<std::string> everyone = clean;
  everyone.insert(everyone.end(), {employed, former.id(), related.id()});
  for (const auto& id : everyone) {
    v1::EnrolTalentRequest enrol;
    enrol.set_person_id(id);
    v1::TalentPoolEntry entry;
    grpc::Status s = plan_->EnrolTalent(Ctx(city.a.admin).get(), enrol, &entry);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  v1::ListTalentPoolResponse pool;
  ASSERT_TRUE(plan_->ListTalentPool(Ctx(city.a.admin).get(), {}, &pool).ok());
  EXPECT_EQ(pool.entries_size(), 15);
  v1::ListTalentPoolRequest other_pool;
  other_pool.set_office(city.a.office.id());
  EXPECT_EQ(plan_->ListTalentPool(Ctx(city.b.admin).get(), other_pool, &pool).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  v1::Round round = RegularRound(city.a.admin, leading_a, 10, 60);
  ASSERT_FALSE(round.id().empty());
  v1::Group finance_group, education_group;
  ASSERT_TRUE(
      CreateGroup(city.a.admin, round.id(), "财政组", "", {city.a.finance.id()}, {}, &finance_group)
          .ok());
  ASSERT_TRUE(CreateGroup(city.a.admin, round.id(), "教育组", "", {city.a.education.id()}, {},
                          &education_group)
                  .ok());

  // Infeasible: the finance group asks for more than the clean candidates can give.
  v1::DrawMembersRequest draw;
  draw.set_id(round.id());
  draw.set_seed(42);
  auto* spec = draw.add_groups();
  spec->set_group_id(finance_group.id());
  spec->set_size(13);
  v1::Draw result;
  grpc::Status s = plan_->DrawMembers(Ctx(city.a.admin).get(), draw, &result);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "财政组")) << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "EMPLOYER 1")) << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "PAST_POST 1")) << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "RELATIVE 1")) << s.error_message();
  EXPECT_EQ(Count("SELECT count(*) FROM draws"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM group_members"), 0);

  // Feasible: every candidate is drawn, and the tied ones only into the education group.
  spec->set_size(9);
  auto* need = spec->add_required_expertise();
  need->set_tag("财务");
  need->set_count(2);
  auto* edu = draw.add_groups();
  edu->set_group_id(education_group.id());
  edu->set_size(6);
  s = plan_->DrawMembers(Ctx(city.a.admin).get(), draw, &result);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(result.seed(), 42u);
  EXPECT_EQ(result.candidates(), 15);
  ASSERT_EQ(result.groups_size(), 2);
  std::set<std::string> finance_members(result.groups(0).person_ids().begin(),
                                        result.groups(0).person_ids().end());
  EXPECT_EQ(finance_members.size(), 9u);
  for (const auto& id : {employed, former.id(), related.id()}) {
    EXPECT_FALSE(finance_members.contains(id)) << id;
  }
  EXPECT_EQ(result.groups(1).person_ids_size(), 6);
  std::map<std::string, v1::Exclusion::Rule> why;
  for (const auto& e : result.excluded()) {
    if (e.group_id() == finance_group.id()) why[e.person_id()] = e.rule();
  }
  EXPECT_EQ(why[employed], v1::Exclusion::EMPLOYER);
  EXPECT_EQ(why[former.id()], v1::Exclusion::PAST_POST);
  EXPECT_EQ(why[related.id()], v1::Exclusion::RELATIVE);
  v1::ListDrawsRequest draws_req;
  draws_req.set_round_id(round.id());
  v1::ListDrawsResponse draws;
  ASSERT_TRUE(plan_->ListDraws(Ctx(city.a.admin).get(), draws_req, &draws).ok());
  ASSERT_EQ(draws.draws_size(), 1);
  EXPECT_EQ(draws.draws(0).seed(), 42u);
  EXPECT_TRUE(absl::StartsWith(draws.draws(0).requested_by(), "user:"));
  EXPECT_EQ(draws.draws(0).excluded_size(), result.excluded_size());
  // The engagement snapshots now carry the drawn members.
  EngagementSnapshot snap;
  ASSERT_TRUE(GetEngagement(city.a.admin, finance_group.targets(0).engagement_id(), &snap).ok());
  EXPECT_EQ(snap.members_size(), 9);
  // A second draw finds nobody free: everyone is already in this round.
  draw.clear_groups();
  spec = draw.add_groups();
  spec->set_group_id(education_group.id());
  spec->set_size(1);
  s = plan_->DrawMembers(Ctx(city.a.admin).get(), draw, &result);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "OVERLAP")) << s.error_message();
}

// Directory moves a unit (units holding an office cannot move, see directory): planning re-roots
// the paths it keeps for the unit and for units below it, and publishes their engagements again,
// so that every service's replica checks liaisons and rolls up statistics by the new place.
TEST_F(PlanningTest, EngagementTargetsFollowTheirOrgUnitWhenItMoves) {
  City city = MakeCity();
  const std::string leading = User("leading-a", city.a.office.id(), {dir::User::LEADING_GROUP});
  dir::OrgUnit section =
      Unit(city.a.admin, city.a.finance.id(), "预算股", dir::OrgUnit::DEPARTMENT);
  v1::Round round = RegularRound(city.a.admin, leading, 1, 40);
  ASSERT_FALSE(round.id().empty());
  v1::Group group;
  ASSERT_TRUE(CreateGroup(city.a.admin, round.id(), "第一组", "",
                          {section.id(), city.a.finance.id(), city.a.education.id()}, {}, &group)
                  .ok());
  std::map<std::string, std::string> engagement;  // unit id → engagement id
  for (const auto& t : group.targets()) engagement[t.unit_id()] = t.engagement_id();
  ASSERT_EQ(engagement.size(), 3u);
  for (const auto& [unit, id] : engagement) ASSERT_EQ(PublishedSnapshots(id, 1).size(), 1u);

  // The finance bureau, with its section, moves under the education bureau.
  dir::MoveOrgUnitRequest move;
  move.set_id(city.a.finance.id());
  move.set_new_parent(city.a.education.id());
  dir::OrgUnit moved;
  grpc::Status s = dir_->MoveOrgUnit(Ctx(city.a.admin).get(), move, &moved);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const std::string finance_path = moved.path();
  const std::string section_path =
      finance_path + section.path().substr(city.a.finance.path().size());
  ASSERT_TRUE(absl::StartsWith(finance_path, city.a.education.path() + ".")) << finance_path;

  for (const auto& [unit, path] :
       {std::pair{city.a.finance.id(), finance_path}, std::pair{section.id(), section_path}}) {
    std::vector<EngagementSnapshot> published = PublishedSnapshots(engagement[unit], 2);
    ASSERT_EQ(published.size(), 2u) << unit;
    EXPECT_EQ(published.back().target_unit_path(), path);
    EXPECT_GT(published.back().version(), published.front().version());
    EngagementSnapshot read;
    ASSERT_TRUE(GetEngagement(city.a.admin, engagement[unit], &read).ok());
    EXPECT_EQ(read.target_unit_path(), path);
  }
  // The education bureau did not move: its engagement is not published again.
  EngagementSnapshot education;
  ASSERT_TRUE(GetEngagement(city.a.admin, engagement[city.a.education.id()], &education).ok());
  EXPECT_EQ(education.target_unit_path(), city.a.education.path());
  EXPECT_EQ(PublishedSnapshots(engagement[city.a.education.id()], 1).size(), 1u);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM group_targets WHERE unit_path = '",
                               section_path, "'")),
            1);
}

TEST_F(PlanningTest, BadRoundInputIsRefusedAndNothingIsStored) {
  City city = MakeCity();
  v1::Plan plan = ApprovedAnnualPlan(city.admin, city.leading);
  const int before = Count("SELECT count(*) FROM rounds");
  v1::Round round;
  grpc::Status s = CreateRound(city.admin, plan.id(), v1::Round::REGULAR, DaysFromToday(10),
                               DaysFromToday(5), &round);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "station_end: must not be before station_start");
  s = CreateRound(city.admin, plan.id(), v1::Round::SPECIAL, DaysFromToday(1), DaysFromToday(5),
                  &round);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "topic:")) << s.error_message();
  s = CreateRound(city.admin, "6f1c0a52-0000-4000-8000-000000000000", v1::Round::REGULAR,
                  DaysFromToday(1), DaysFromToday(5), &round);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "plan_id:")) << s.error_message();
  // A county cannot hang a round on the city's plan.
  s = CreateRound(city.a.admin, plan.id(), v1::Round::REGULAR, DaysFromToday(1), DaysFromToday(5),
                  &round);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Count("SELECT count(*) FROM rounds"), before);
  // A retried create with the same Idempotency-Key has one effect and the same answer.
  v1::CreateRoundRequest retried;
  retried.mutable_round()->set_plan_id(plan.id());
  retried.mutable_round()->set_kind(v1::Round::REGULAR);
  retried.mutable_round()->set_title("重试的轮次");
  retried.mutable_round()->set_station_start(DaysFromToday(1));
  retried.mutable_round()->set_station_end(DaysFromToday(5));
  v1::Round first, second;
  auto keyed = [&] {
    auto c = Ctx(city.admin);
    c->AddMetadata("idempotency-key", "round-create-1");
    return c;
  };
  ASSERT_TRUE(plan_->CreateRound(keyed().get(), retried, &first).ok());
  ASSERT_TRUE(plan_->CreateRound(keyed().get(), retried, &second).ok());
  EXPECT_EQ(first.id(), second.id());
  EXPECT_EQ(Count("SELECT count(*) FROM rounds"), before + 1);
  retried.mutable_round()->set_title("另一个请求");
  EXPECT_EQ(plan_->CreateRound(keyed().get(), retried, &second).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  // A CROSS group must come from an office below the organiser.
  ASSERT_TRUE(CreateRound(city.admin, plan.id(), v1::Round::CROSS, DaysFromToday(1),
                          DaysFromToday(5), &round)
                  .ok());
  v1::Group group;
  s = CreateGroup(city.admin, round.id(), "组", "", {city.b.finance.id()}, {}, &group);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "group.source_office_id:"));
  s = CreateGroup(city.admin, round.id(), "组", city.a.office.id(),
                  {city.b.finance.id(), city.b.finance.id()}, {}, &group);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "group.targets[1].unit_id:"));
  EXPECT_EQ(Count("SELECT count(*) FROM groups"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE event_type = 'planning.engagement.changed'"),
            0);
}

}  // namespace
}  // namespace xuncha::planning
