// End-to-end tests of the real xuncha-directory binary against the harness's PostgreSQL and
// Redis: every call goes over gRPC, exactly as the gateway and other services make it.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <functional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "process.h"
#include "test_env.h"
#include "xuncha/audit.h"
#include "xuncha/auth.h"
#include "xuncha/directory/v1/directory.grpc.pb.h"
#include "xuncha/pg.h"
#include "xuncha/redis.h"

namespace xuncha::directory {
namespace {

namespace v1 = ::xuncha::directory::v1;
using testing::ChildProcess;

class DirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir();
    auto keys = testing::WriteTokenKeys(dir_);
    ASSERT_TRUE(keys.ok()) << keys.status();
    keys_ = *std::move(keys);
    admin_password_ = testing::UniqueName("admin-password-");
    stream_prefix_ = testing::UniqueName("test:");
    StartService();
  }

  void StartService() {
    address_ = absl::StrCat("127.0.0.1:", testing::FreePort());
    ASSERT_TRUE(process_.Start(
        {XUNCHA_DIRECTORY_BIN, "--listen=" + address_, "--db_url=" + db_.url(),
         "--redis=" + testing::RedisAddress(), "--token_private_key_file=" + keys_.private_key_file,
         "--admin_password=" + admin_password_, "--password_hash=fast", "--login_max_failures=3",
         "--event_stream_prefix=" + stream_prefix_},
        dir_ + "/directory.log"));
    ASSERT_TRUE(testing::WaitForServing(address_, 20000))
        << testing::ReadFile(dir_ + "/directory.log");
    stub_ = v1::DirectoryService::NewStub(
        grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    stub_.reset();
    process_.Stop(SIGTERM);
  }

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
    auto c = std::make_unique<grpc::ClientContext>();
    c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!token.empty()) c->AddMetadata("authorization", "Bearer " + token);
    return c;
  }

  grpc::Status Login(const std::string& user, const std::string& password,
                     v1::IssueTokenResponse* out) {
    v1::IssueTokenRequest req;
    req.set_username(user);
    req.set_password(password);
    return stub_->IssueToken(Ctx("").get(), req, out);
  }

  std::string Token(const std::string& user, const std::string& password) {
    v1::IssueTokenResponse out;
    grpc::Status s = Login(user, password, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.access_token();
  }
  std::string AdminToken() { return Token("admin", admin_password_); }

  v1::OrgUnit CreateUnit(const std::string& token, const std::string& parent,
                         const std::string& name, v1::OrgUnit::Kind kind) {
    v1::CreateOrgUnitRequest req;
    req.mutable_org_unit()->set_parent(parent);
    req.mutable_org_unit()->set_name(name);
    req.mutable_org_unit()->set_kind(kind);
    v1::OrgUnit out;
    grpc::Status s = stub_->CreateOrgUnit(Ctx(token).get(), req, &out);
    EXPECT_TRUE(s.ok()) << name << ": " << s.error_message();
    return out;
  }

  v1::Office CreateOffice(const std::string& token, const std::string& unit,
                          const std::string& name) {
    v1::CreateOfficeRequest req;
    req.mutable_office()->set_org_unit_id(unit);
    req.mutable_office()->set_name(name);
    v1::Office out;
    grpc::Status s = stub_->CreateOffice(Ctx(token).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  // Creates an account with `role` in `office` as the platform admin; returns its token.
  std::string UserToken(const std::string& username, const std::string& office, v1::User::Role role,
                        const std::string& unit = "") {
    v1::CreateUserRequest req;
    req.mutable_user()->set_username(username);
    req.mutable_user()->set_office_id(office);
    req.mutable_user()->add_roles(role);
    req.mutable_user()->set_unit_id(unit);
    req.set_password("password-of-" + username);
    v1::User out;
    grpc::Status s = stub_->CreateUser(Ctx(AdminToken()).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return Token(username, "password-of-" + username);
  }

  // A city with two counties, each with an office and an admin.
  struct City {
    v1::OrgUnit city, county_a, county_b;
    v1::Office city_office, office_a, office_b;
    std::string city_admin, admin_a, admin_b;
  };
  City MakeCity() {
    City c;
    const std::string admin = AdminToken();
    c.city = CreateUnit(admin, "", "某市委", v1::OrgUnit::CITY_COMMITTEE);
    c.city_office = CreateOffice(admin, c.city.id(), "某市委巡察办");
    c.county_a = CreateUnit(admin, c.city.id(), "甲县委", v1::OrgUnit::COUNTY_COMMITTEE);
    c.county_b = CreateUnit(admin, c.city.id(), "乙县委", v1::OrgUnit::COUNTY_COMMITTEE);
    c.office_a = CreateOffice(admin, c.county_a.id(), "甲县委巡察办");
    c.office_b = CreateOffice(admin, c.county_b.id(), "乙县委巡察办");
    c.city_admin = UserToken("city-admin", c.city_office.id(), v1::User::OFFICE_ADMIN);
    c.admin_a = UserToken("admin-a", c.office_a.id(), v1::User::OFFICE_ADMIN);
    c.admin_b = UserToken("admin-b", c.office_b.id(), v1::User::OFFICE_ADMIN);
    return c;
  }

  int CountRows(const std::string& sql) {
    PgPoolOptions o;
    o.url = db_.url();
    o.schema = "directory";
    PgPool pool(o);
    return pool
        .TransactWith<int>(
            [&](pqxx::work& tx) -> absl::StatusOr<int> { return tx.exec1(sql)[0].as<int>(); })
        .value_or(-1);
  }

  testing::TestDatabase db_;
  std::string dir_, admin_password_, stream_prefix_, address_;
  testing::TokenKeys keys_;
  ChildProcess process_;
  std::unique_ptr<v1::DirectoryService::Stub> stub_;
};

TEST_F(DirectoryTest, LoginCreateOrgAndReadItBack) {
  const std::string admin = AdminToken();
  v1::OrgUnit city = CreateUnit(admin, "", "某市委", v1::OrgUnit::CITY_COMMITTEE);
  EXPECT_FALSE(city.id().empty());
  EXPECT_TRUE(absl::StartsWith(city.path(), "u"));
  v1::GetOrgUnitRequest get;
  get.set_id(city.id());
  v1::OrgUnit back;
  ASSERT_TRUE(stub_->GetOrgUnit(Ctx(admin).get(), get, &back).ok());
  EXPECT_EQ(back.name(), "某市委");
  EXPECT_EQ(back.kind(), v1::OrgUnit::CITY_COMMITTEE);
  // No token, a garbage token: UNAUTHENTICATED.
  EXPECT_EQ(stub_->GetOrgUnit(Ctx("").get(), get, &back).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(stub_->GetOrgUnit(Ctx("a.b.c").get(), get, &back).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // A sibling of the same name: ALREADY_EXISTS naming the field and the rule, not the
  // database's text.
  CreateUnit(admin, city.id(), "某县委", v1::OrgUnit::COUNTY_COMMITTEE);
  v1::CreateOrgUnitRequest twin;
  twin.mutable_org_unit()->set_parent(city.id());
  twin.mutable_org_unit()->set_name("某县委");
  twin.mutable_org_unit()->set_kind(v1::OrgUnit::COUNTY_COMMITTEE);
  v1::OrgUnit out;
  grpc::Status s = stub_->CreateOrgUnit(Ctx(admin).get(), twin, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(s.error_message(), "org_unit.name: another unit under the same parent has this name");
}

TEST_F(DirectoryTest, CountyAdminIsDeniedOnAnotherCounty) {
  City c = MakeCity();
  v1::OrgUnit town_b = CreateUnit(c.admin_b, c.county_b.id(), "乙县某镇", v1::OrgUnit::TOWNSHIP);
  v1::GetOrgUnitRequest get;
  get.set_id(town_b.id());
  v1::OrgUnit out;
  grpc::Status s = stub_->GetOrgUnit(Ctx(c.admin_a).get(), get, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();

  const int before = CountRows("SELECT count(*) FROM org_units");
  v1::CreateOrgUnitRequest create;
  create.mutable_org_unit()->set_parent(c.county_b.id());
  create.mutable_org_unit()->set_name("甲县越权建的单位");
  create.mutable_org_unit()->set_kind(v1::OrgUnit::TOWNSHIP);
  EXPECT_EQ(stub_->CreateOrgUnit(Ctx(c.admin_a).get(), create, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(CountRows("SELECT count(*) FROM org_units"), before);  // nothing half-written

  v1::GetOfficeRequest office;
  office.set_id(c.office_b.id());
  v1::Office o;
  EXPECT_EQ(stub_->GetOffice(Ctx(c.admin_a).get(), office, &o).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::ListOrgUnitsRequest list;
  list.set_parent(c.county_b.id());
  v1::ListOrgUnitsResponse listed;
  EXPECT_EQ(stub_->ListOrgUnits(Ctx(c.admin_a).get(), list, &listed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(DirectoryTest, CityReadsItsCountiesButDoesNotChangeThem) {
  City c = MakeCity();
  v1::OrgUnit town_a = CreateUnit(c.admin_a, c.county_a.id(), "甲县某镇", v1::OrgUnit::TOWNSHIP);
  v1::GetOrgUnitRequest get;
  get.set_id(town_a.id());
  v1::OrgUnit out;
  ASSERT_TRUE(stub_->GetOrgUnit(Ctx(c.city_admin).get(), get, &out).ok());
  EXPECT_EQ(out.office_id(), c.office_a.id());
  v1::UpdateOrgUnitRequest update;
  update.set_id(town_a.id());
  update.set_name("改名");
  EXPECT_EQ(stub_->UpdateOrgUnit(Ctx(c.city_admin).get(), update, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // County A cannot read the city above it either.
  get.set_id(c.city.id());
  EXPECT_EQ(stub_->GetOrgUnit(Ctx(c.admin_a).get(), get, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Listing without a parent starts at the top the caller can see.
  v1::ListOrgUnitsResponse tops;
  ASSERT_TRUE(stub_->ListOrgUnits(Ctx(AdminToken()).get(), {}, &tops).ok());
  ASSERT_EQ(tops.org_units_size(), 1);
  EXPECT_EQ(tops.org_units(0).id(), c.city.id());
  ASSERT_TRUE(stub_->ListOrgUnits(Ctx(c.admin_a).get(), {}, &tops).ok());
  ASSERT_EQ(tops.org_units_size(), 1);
  EXPECT_EQ(tops.org_units(0).id(), c.county_a.id());
  // Children page by page.
  for (int i = 0; i < 5; ++i) {
    CreateUnit(c.admin_a, c.county_a.id(), absl::StrCat("镇", i), v1::OrgUnit::TOWNSHIP);
  }
  v1::ListOrgUnitsRequest page_req;
  page_req.set_parent(c.county_a.id());
  page_req.set_page_size(2);
  std::vector<std::string> seen;
  for (int pages = 0; pages < 10; ++pages) {
    v1::ListOrgUnitsResponse page;
    ASSERT_TRUE(stub_->ListOrgUnits(Ctx(c.city_admin).get(), page_req, &page).ok());
    for (const auto& u : page.org_units()) seen.push_back(u.name());
    if (page.next_page_token().empty()) break;
    page_req.set_page_token(page.next_page_token());
  }
  // 甲县某镇 from above plus 镇0..镇4, each once, in name order.
  EXPECT_EQ(seen.size(), 6u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  // Listing offices: the city sees three, county A only itself.
  v1::ListOfficesResponse offices;
  ASSERT_TRUE(stub_->ListOffices(Ctx(c.city_admin).get(), {}, &offices).ok());
  EXPECT_EQ(offices.offices_size(), 3);
  ASSERT_TRUE(stub_->ListOffices(Ctx(c.admin_a).get(), {}, &offices).ok());
  ASSERT_EQ(offices.offices_size(), 1);
  EXPECT_EQ(offices.offices(0).parent_office_id(), c.city_office.id());
}

TEST_F(DirectoryTest, BadInputIsRefusedWithTheFieldAndNothingIsWritten) {
  const std::string admin = AdminToken();
  v1::OrgUnit city = CreateUnit(admin, "", "某市委", v1::OrgUnit::CITY_COMMITTEE);
  const int before = CountRows("SELECT count(*) FROM org_units");
  auto create = [&](const std::string& parent, const std::string& name, int kind) {
    v1::CreateOrgUnitRequest req;
    req.mutable_org_unit()->set_parent(parent);
    req.mutable_org_unit()->set_name(name);
    req.mutable_org_unit()->set_kind(static_cast<v1::OrgUnit::Kind>(kind));
    v1::OrgUnit out;
    return stub_->CreateOrgUnit(Ctx(admin).get(), req, &out);
  };
  grpc::Status s = create(city.id(), "", v1::OrgUnit::TOWNSHIP);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "name: must be set");
  s = create(city.id(), std::string(201, 'x'), v1::OrgUnit::TOWNSHIP);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "name:"));
  s = create(city.id(), "某镇", 77);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "kind:"));
  s = create("6f1c0a52-0000-4000-8000-000000000000", "某镇", v1::OrgUnit::TOWNSHIP);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "parent:"));
  s = create("x", "某镇", v1::OrgUnit::TOWNSHIP);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(CountRows("SELECT count(*) FROM org_units"), before);
  EXPECT_EQ(CountRows("SELECT count(*) FROM audit_log WHERE action = 'org_unit.create'"), before);

  // A cycle: the city cannot move under its own township.
  v1::OrgUnit town = CreateUnit(admin, city.id(), "某镇", v1::OrgUnit::TOWNSHIP);
  v1::OrgUnit village = CreateUnit(admin, town.id(), "某村", v1::OrgUnit::VILLAGE);
  v1::MoveOrgUnitRequest move;
  move.set_id(city.id());
  move.set_new_parent(village.id());
  v1::OrgUnit out;
  s = stub_->MoveOrgUnit(Ctx(admin).get(), move, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "new_parent:"));
  move.set_id(town.id());
  move.set_new_parent(town.id());
  EXPECT_EQ(stub_->MoveOrgUnit(Ctx(admin).get(), move, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // A legal move re-roots the whole subtree.
  v1::OrgUnit other = CreateUnit(admin, city.id(), "另一镇", v1::OrgUnit::TOWNSHIP);
  move.set_id(town.id());
  move.set_new_parent(other.id());
  ASSERT_TRUE(stub_->MoveOrgUnit(Ctx(admin).get(), move, &out).ok());
  EXPECT_TRUE(absl::StartsWith(out.path(), other.path() + "."));
  v1::GetOrgUnitRequest get;
  get.set_id(village.id());
  ASSERT_TRUE(stub_->GetOrgUnit(Ctx(admin).get(), get, &out).ok());
  EXPECT_EQ(out.path(), absl::StrCat(other.path(), ".", town.path().substr(city.path().size() + 1),
                                     ".", village.path().substr(town.path().size() + 1)));
  // Duplicate sibling name.
  s = create(city.id(), "另一镇", v1::OrgUnit::TOWNSHIP);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

// Every service keeps the owning office's path with its records; an office that moved would leave
// them readable by its old superior and hidden from its new one. So units holding an office stay.
TEST_F(DirectoryTest, UnitsHoldingAnOfficeCannotMove) {
  City c = MakeCity();
  const std::string admin = AdminToken();
  v1::OrgUnit dept = CreateUnit(admin, c.county_a.id(), "甲县财政局", v1::OrgUnit::DEPARTMENT);
  v1::OrgUnit group = CreateUnit(admin, c.city.id(), "某集团", v1::OrgUnit::ENTERPRISE_GROUP);
  v1::OrgUnit sub = CreateUnit(admin, group.id(), "某子公司", v1::OrgUnit::SUBSIDIARY);
  v1::Office sub_office = CreateOffice(admin, sub.id(), "某子公司巡察办");
  const int moves_before =
      CountRows("SELECT count(*) FROM audit_log WHERE action = 'org_unit.move'");

  auto move = [&](const std::string& id, const std::string& new_parent) {
    v1::MoveOrgUnitRequest req;
    req.set_id(id);
    req.set_new_parent(new_parent);
    v1::OrgUnit out;
    return stub_->MoveOrgUnit(Ctx(admin).get(), req, &out);
  };
  auto path_of = [&](const std::string& id) {
    v1::GetOrgUnitRequest get;
    get.set_id(id);
    v1::OrgUnit out;
    EXPECT_TRUE(stub_->GetOrgUnit(Ctx(admin).get(), get, &out).ok());
    return out.path();
  };
  // The office's own seat, and a unit with an office further down.
  for (const auto& [unit, office] :
       {std::pair{c.county_a.id(), c.office_a.id()}, std::pair{group.id(), sub_office.id()}}) {
    const std::string before = path_of(unit);
    grpc::Status s = move(unit, c.county_b.id());
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
    EXPECT_TRUE(absl::StartsWith(s.error_message(), "id: org unit " + unit)) << s.error_message();
    EXPECT_TRUE(absl::StrContains(s.error_message(), office)) << s.error_message();
    EXPECT_EQ(path_of(unit), before);
  }
  EXPECT_EQ(path_of(sub.id()), sub.path());
  EXPECT_EQ(CountRows("SELECT count(*) FROM audit_log WHERE action = 'org_unit.move'"),
            moves_before);

  // Under the parent it already has: nothing changes, allowed.
  grpc::Status s = move(c.county_a.id(), c.city.id());
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(path_of(c.county_a.id()), c.county_a.path());
  // A unit without an office moves, into another county's tree.
  s = move(dept.id(), c.county_b.id());
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(absl::StartsWith(path_of(dept.id()), c.county_b.path() + ".")) << path_of(dept.id());
}

TEST_F(DirectoryTest, IdempotencyKeyMakesARetryHarmless) {
  const std::string admin = AdminToken();
  v1::CreateOrgUnitRequest req;
  req.mutable_org_unit()->set_name("某市委");
  req.mutable_org_unit()->set_kind(v1::OrgUnit::CITY_COMMITTEE);
  auto call = [&](const v1::CreateOrgUnitRequest& r, v1::OrgUnit* out) {
    auto ctx = Ctx(admin);
    ctx->AddMetadata("idempotency-key", "create-city-1");
    return stub_->CreateOrgUnit(ctx.get(), r, out);
  };
  v1::OrgUnit first, second;
  ASSERT_TRUE(call(req, &first).ok());
  ASSERT_TRUE(call(req, &second).ok());
  EXPECT_EQ(second.id(), first.id());
  EXPECT_EQ(CountRows("SELECT count(*) FROM org_units"), 1);
  EXPECT_EQ(
      CountRows("SELECT count(*) FROM outbox WHERE event_type = 'directory.org_unit.created'"), 1);
  req.mutable_org_unit()->set_name("另一个市委");
  grpc::Status s = call(req, &second);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(CountRows("SELECT count(*) FROM org_units"), 1);
}

TEST_F(DirectoryTest, LoginLockoutAfterRepeatedFailures) {
  v1::IssueTokenResponse out;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Login("admin", "wrong-password", &out).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  // Locked now: even the right password is refused.
  grpc::Status s = Login("admin", admin_password_, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(s.error_message().find("locked"), std::string::npos);
  EXPECT_EQ(CountRows("SELECT count(*) FROM audit_log WHERE action = 'user.locked'"), 1);
  // Unknown users get the same answer as wrong passwords.
  s = Login("nobody", "whatever-password", &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(s.error_message(), "invalid username or password");
}

TEST_F(DirectoryTest, RefreshRotatesAndRevokeTakesEffect) {
  v1::IssueTokenResponse first;
  ASSERT_TRUE(Login("admin", admin_password_, &first).ok());
  EXPECT_EQ(first.token_type(), "Bearer");
  EXPECT_EQ(first.expires_in(), 900);
  v1::IssueTokenRequest refresh;
  refresh.set_refresh_token(first.refresh_token());
  v1::IssueTokenResponse second;
  ASSERT_TRUE(stub_->IssueToken(Ctx("").get(), refresh, &second).ok());
  // A refresh token works once.
  EXPECT_EQ(stub_->IssueToken(Ctx("").get(), refresh, &second).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  v1::CurrentUser me;
  ASSERT_TRUE(stub_->GetCurrentUser(Ctx(first.access_token()).get(), {}, &me).ok());
  EXPECT_EQ(me.username(), "admin");
  v1::RevokeTokenResponse revoked;
  ASSERT_TRUE(stub_->RevokeToken(Ctx(first.access_token()).get(), {}, &revoked).ok());
  grpc::Status s = stub_->GetCurrentUser(Ctx(first.access_token()).get(), {}, &me);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(s.error_message(), "token has been revoked");
}

TEST_F(DirectoryTest, ApiClientCredentialsCarryScopes) {
  City c = MakeCity();
  v1::CreateApiClientRequest req;
  req.mutable_api_client()->set_name("纪委案件系统");
  req.mutable_api_client()->add_scopes("clues:disposition");
  req.mutable_api_client()->add_scopes("directory:read");
  v1::CreateApiClientResponse created;
  ASSERT_TRUE(stub_->CreateApiClient(Ctx(c.admin_a).get(), req, &created).ok());
  EXPECT_EQ(created.api_client().office_id(), c.office_a.id());
  EXPECT_EQ(created.client_secret().size(), 64u);
  v1::IssueTokenRequest token_req;
  token_req.set_client_id(created.api_client().id());
  token_req.set_client_secret(created.client_secret());
  v1::IssueTokenResponse token;
  ASSERT_TRUE(stub_->IssueToken(Ctx("").get(), token_req, &token).ok());
  v1::CurrentUser me;
  ASSERT_TRUE(stub_->GetCurrentUser(Ctx(token.access_token()).get(), {}, &me).ok());
  EXPECT_EQ(me.kind(), "API_CLIENT");
  ASSERT_EQ(me.scopes_size(), 2);
  // directory:read lets it read its own office's tree, not another county's.
  v1::GetOrgUnitRequest get;
  get.set_id(c.county_a.id());
  v1::OrgUnit unit;
  EXPECT_TRUE(stub_->GetOrgUnit(Ctx(token.access_token()).get(), get, &unit).ok());
  get.set_id(c.county_b.id());
  EXPECT_EQ(stub_->GetOrgUnit(Ctx(token.access_token()).get(), get, &unit).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  token_req.set_client_secret("wrong");
  EXPECT_EQ(stub_->IssueToken(Ctx("").get(), token_req, &token).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(DirectoryTest, PeopleWithPostsAndRelatives) {
  City c = MakeCity();
  v1::OrgUnit bureau =
      CreateUnit(c.admin_a, c.county_a.id(), "甲县财政局", v1::OrgUnit::DEPARTMENT);
  v1::CreatePersonRequest req;
  auto* p = req.mutable_person();
  p->set_name("李四");
  p->add_expertise("财务");
  p->add_expertise("审计");
  auto* post = p->add_posts();
  post->set_org_unit_id(bureau.id());
  post->set_title("副局长");
  post->set_start_date("2018-03-01");
  post->set_end_date("2022-06-30");
  auto* rel = p->add_relatives();
  rel->set_org_unit_id(bureau.id());
  rel->set_relation("配偶");
  v1::Person person;
  ASSERT_TRUE(stub_->CreatePerson(Ctx(c.admin_a).get(), req, &person).ok());
  EXPECT_EQ(person.office_id(), c.office_a.id());
  ASSERT_EQ(person.posts_size(), 1);
  EXPECT_EQ(person.posts(0).end_date(), "2022-06-30");
  v1::ListPeopleRequest list;
  list.set_expertise("审计");
  v1::ListPeopleResponse people;
  ASSERT_TRUE(stub_->ListPeople(Ctx(c.admin_a).get(), list, &people).ok());
  EXPECT_EQ(people.people_size(), 1);
  v1::GetPersonRequest get;
  get.set_id(person.id());
  EXPECT_EQ(stub_->GetPerson(Ctx(c.admin_b).get(), get, &person).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // A post in a unit that does not exist names the field.
  post->set_org_unit_id("6f1c0a52-0000-4000-8000-000000000000");
  grpc::Status s = stub_->CreatePerson(Ctx(c.admin_a).get(), req, &person);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "posts[0].org_unit_id:"));
  EXPECT_EQ(CountRows("SELECT count(*) FROM people"), 1);
}

TEST_F(DirectoryTest, WorkingDayCalendarOverRpc) {
  const std::string admin = AdminToken();
  v1::AddWorkingDaysRequest add;
  add.set_start("2025-09-30");
  add.set_days(1);
  v1::AddWorkingDaysResponse added;
  ASSERT_TRUE(stub_->AddWorkingDays(Ctx(admin).get(), add, &added).ok());
  EXPECT_EQ(added.date(), "2025-10-09");
  add.set_start("2025-09-31");
  grpc::Status s = stub_->AddWorkingDays(Ctx(admin).get(), add, &added);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "start:"));
  add.set_start("2031-01-01");
  EXPECT_EQ(stub_->AddWorkingDays(Ctx(admin).get(), add, &added).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  // Loading a year makes it usable; only the platform admin may.
  City c = MakeCity();
  v1::CalendarYear year;
  year.set_year(2031);
  auto* day = year.add_days();
  day->set_date("2031-01-01");
  day->set_kind(v1::CalendarDay::HOLIDAY);
  day->set_name("元旦");
  v1::CalendarYear stored;
  EXPECT_EQ(stub_->SetCalendarYear(Ctx(c.admin_a).get(), year, &stored).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->SetCalendarYear(Ctx(admin).get(), year, &stored).ok());
  add.set_start("2030-12-30");
  EXPECT_EQ(stub_->AddWorkingDays(Ctx(admin).get(), add, &added).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);  // 2030 itself is not loaded
  add.set_start("2031-01-01");
  ASSERT_TRUE(stub_->AddWorkingDays(Ctx(admin).get(), add, &added).ok());
  EXPECT_EQ(added.date(), "2031-01-02");
  v1::CountWorkingDaysRequest count;
  count.set_start("2025-09-26");
  count.set_end("2025-10-12");
  v1::CountWorkingDaysResponse counted;
  ASSERT_TRUE(stub_->CountWorkingDays(Ctx(c.admin_a).get(), count, &counted).ok());
  EXPECT_EQ(counted.days(), 6);
}

TEST_F(DirectoryTest, ChangesAreAuditedAndPublished) {
  MakeCity();
  EXPECT_GT(CountRows("SELECT count(*) FROM audit_log"), 8);
  PgPoolOptions o;
  o.url = db_.url();
  o.schema = "directory";
  PgPool pool(o);
  auto verified =
      pool.TransactWith<AuditVerification>([](pqxx::work& tx) { return VerifyAuditChain(tx); });
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok) << verified->reason;
  // The relay publishes the outbox to the stream.
  RedisClient redis(*ParseRedisAddress(testing::RedisAddress()));
  const std::string stream = stream_prefix_ + ":directory";
  long long length = 0;
  for (int i = 0; i < 100 && length < 9; ++i) {
    length = redis.Command({"XLEN", stream})->integer();
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(length, CountRows("SELECT count(*) FROM outbox"));
  EXPECT_EQ(CountRows("SELECT count(*) FROM outbox WHERE published_at IS NULL"), 0);
}

// Units are cached in each replica (src/org_unit_cache.h). A change must reach the replica that
// made it at once and every other replica as soon as PostgreSQL delivers the notification,
// whatever made the change.
TEST_F(DirectoryTest, OrgUnitChangesReachEveryReplica) {
  const std::string admin = AdminToken();
  v1::OrgUnit city = CreateUnit(admin, "", "某市委", v1::OrgUnit::CITY_COMMITTEE);
  v1::OrgUnit town = CreateUnit(admin, city.id(), "某镇", v1::OrgUnit::TOWNSHIP);

  ChildProcess replica;
  const std::string replica_address = absl::StrCat("127.0.0.1:", testing::FreePort());
  ASSERT_TRUE(replica.Start(
      {XUNCHA_DIRECTORY_BIN, "--listen=" + replica_address, "--db_url=" + db_.url(),
       "--redis=" + testing::RedisAddress(), "--token_private_key_file=" + keys_.private_key_file,
       "--password_hash=fast", "--event_stream_prefix=" + stream_prefix_},
      dir_ + "/replica.log"));
  ASSERT_TRUE(testing::WaitForServing(replica_address, 20000))
      << testing::ReadFile(dir_ + "/replica.log");
  auto other = v1::DirectoryService::NewStub(
      grpc::CreateChannel(replica_address, grpc::InsecureChannelCredentials()));

  auto read = [&](v1::DirectoryService::Stub& stub) {
    v1::GetOrgUnitRequest get;
    get.set_id(town.id());
    v1::OrgUnit out;
    grpc::Status s = stub.GetOrgUnit(Ctx(admin).get(), get, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  };
  // Polls the other replica until `done` holds (the notification travels asynchronously).
  auto eventually = [&](const std::function<bool(const v1::OrgUnit&)>& done) {
    for (int i = 0; i < 250; ++i) {
      if (done(read(*other))) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  };
  EXPECT_EQ(read(*other).name(), "某镇");
  EXPECT_EQ(read(*other).name(), "某镇");  // now from the replica's cache

  // A change through this replica.
  v1::UpdateOrgUnitRequest rename;
  rename.set_id(town.id());
  rename.set_name("某镇（更名）");
  v1::OrgUnit renamed;
  ASSERT_TRUE(stub_->UpdateOrgUnit(Ctx(admin).get(), rename, &renamed).ok());
  EXPECT_TRUE(eventually([](const v1::OrgUnit& u) { return u.name() == "某镇（更名）"; }))
      << read(*other).name();

  // An office over the unit changes the unit's owner.
  v1::Office office = CreateOffice(admin, town.id(), "某镇巡察办");
  EXPECT_TRUE(eventually([&](const v1::OrgUnit& u) { return u.office_id() == office.id(); }))
      << read(*other).office_id();

  // SQL behind both replicas' backs.
  CountRows(absl::StrCat("WITH u AS (UPDATE org_units SET name = '手工改名' WHERE id = '",
                         town.id(), "' RETURNING 1) SELECT count(*) FROM u"));
  EXPECT_TRUE(eventually([](const v1::OrgUnit& u) { return u.name() == "手工改名"; }))
      << read(*other).name();

  // The replica that makes a change reads it back at once: no waiting on the notification.
  for (int i = 0; i < 5; ++i) {
    rename.set_name(absl::StrCat("第", i, "次更名"));
    ASSERT_TRUE(other->UpdateOrgUnit(Ctx(admin).get(), rename, &renamed).ok());
    EXPECT_EQ(read(*other).name(), rename.name());
  }
  replica.Stop(SIGTERM);
}

TEST_F(DirectoryTest, RestartKeepsDataAndBootstrapsOnce) {
  const std::string admin = AdminToken();
  CreateUnit(admin, "", "某市委", v1::OrgUnit::CITY_COMMITTEE);
  process_.Stop(SIGTERM);
  admin_password_ = "a-different-password";  // ignored: the admin already exists
  StartService();
  EXPECT_EQ(CountRows("SELECT count(*) FROM users"), 1);
  v1::IssueTokenResponse out;
  EXPECT_EQ(Login("admin", admin_password_, &out).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(CountRows("SELECT count(*) FROM org_units"), 1);
}

}  // namespace
}  // namespace xuncha::directory
