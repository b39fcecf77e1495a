#include "domain.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace xuncha::directory {
namespace {

constexpr char kId[] = "0b8f4c1e-3d2a-4f5b-9c6d-7e8f9a0b1c2d";
constexpr char kOther[] = "1b8f4c1e-3d2a-4f5b-9c6d-7e8f9a0b1c2d";

void ExpectInvalid(const absl::Status& s, absl::string_view field) {
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_TRUE(absl::StartsWith(s.message(), absl::StrCat(field, ":"))) << s;
}

TEST(DomainTest, OrgUnitValidationNamesTheField) {
  v1::OrgUnit u;
  u.set_kind(v1::OrgUnit::COUNTY_COMMITTEE);
  ExpectInvalid(ValidateNewOrgUnit(u), "name");
  u.set_name("   ");
  ExpectInvalid(ValidateNewOrgUnit(u), "name");
  u.set_name(std::string(201, 'x'));
  ExpectInvalid(ValidateNewOrgUnit(u), "name");
  // 200 Chinese characters are 600 bytes but within the limit.
  std::string han;
  for (int i = 0; i < 200; ++i) han += "县";
  u.set_name(han);
  EXPECT_TRUE(ValidateNewOrgUnit(u).ok());
  u.set_name("\xff\xfe");
  ExpectInvalid(ValidateNewOrgUnit(u), "name");
  u.set_name("某县委");
  u.set_kind(static_cast<v1::OrgUnit::Kind>(42));
  ExpectInvalid(ValidateNewOrgUnit(u), "kind");
  u.set_kind(v1::OrgUnit::KIND_UNSPECIFIED);
  ExpectInvalid(ValidateNewOrgUnit(u), "kind");
  u.set_kind(v1::OrgUnit::TOWNSHIP);
  u.set_parent("not-a-uuid");
  ExpectInvalid(ValidateNewOrgUnit(u), "parent");
  u.set_parent(kId);
  EXPECT_TRUE(ValidateNewOrgUnit(u).ok());
}

TEST(DomainTest, PersonValidation) {
  v1::Person p;
  p.set_name("张三");
  auto* post = p.add_posts();
  post->set_org_unit_id(kId);
  post->set_title("副局长");
  post->set_start_date("2019-02-30");
  ExpectInvalid(ValidateNewPerson(p), "posts[0].start_date");
  post->set_start_date("2019-03-01");
  post->set_end_date("2018-01-01");
  ExpectInvalid(ValidateNewPerson(p), "posts[0].end_date");
  post->set_end_date("");
  EXPECT_TRUE(ValidateNewPerson(p).ok());
  p.add_relatives()->set_org_unit_id(kId);
  ExpectInvalid(ValidateNewPerson(p), "relatives[0].relation");
}

TEST(DomainTest, UserValidation) {
  v1::User u;
  u.set_username("Zhang San");
  u.add_roles(v1::User::OFFICE_STAFF);
  u.set_office_id(kId);
  ExpectInvalid(ValidateNewUser(u, "a-long-enough-password"), "user.username");
  u.set_username("zhangsan");
  ExpectInvalid(ValidateNewUser(u, "short"), "password");
  EXPECT_TRUE(ValidateNewUser(u, "a-long-enough-password").ok());
  u.add_roles(v1::User::UNIT_LIAISON);
  ExpectInvalid(ValidateNewUser(u, "a-long-enough-password"), "user.unit_id");
  u.set_unit_id(kOther);
  EXPECT_TRUE(ValidateNewUser(u, "a-long-enough-password").ok());
  u.add_roles(static_cast<v1::User::Role>(99));
  ExpectInvalid(ValidateNewUser(u, "a-long-enough-password"), "user.roles[2]");
}

TEST(DomainTest, ScopesHaveAreaAndAction) {
  EXPECT_TRUE(ValidateScope("scopes[0]", "clues:disposition").ok());
  ExpectInvalid(ValidateScope("scopes[0]", "clues"), "scopes[0]");
  ExpectInvalid(ValidateScope("scopes[0]", "Clues:Read"), "scopes[0]");
  ExpectInvalid(ValidateScope("scopes[0]", ":read"), "scopes[0]");
}

Principal OfficeUser(std::string office, std::string path, std::vector<std::string> roles) {
  Principal p;
  p.kind = TokenClaims::USER;
  p.subject_id = "user";
  p.office_id = std::move(office);
  p.office_path = std::move(path);
  p.roles = std::move(roles);
  return p;
}

TEST(DomainTest, CountyAdminNeitherReadsNorManagesAnotherCounty) {
  Principal county_a = OfficeUser("A", "u1.u2", {"OFFICE_ADMIN"});
  OfficeRef a{"A", "u1.u2"}, b{"B", "u1.u3"}, city{"C", "u1"};
  EXPECT_TRUE(CanReadDirectory(county_a, a, "u1.u2.u7"));
  EXPECT_TRUE(CanManageDirectory(county_a, a));
  EXPECT_FALSE(CanReadDirectory(county_a, b, "u1.u3.u9"));
  EXPECT_FALSE(CanManageDirectory(county_a, b));
  EXPECT_FALSE(CanReadDirectory(county_a, city, "u1"));
}

TEST(DomainTest, CityReadsCountiesReadOnly) {
  Principal city_admin = OfficeUser("C", "u1", {"OFFICE_ADMIN"});
  OfficeRef a{"A", "u1.u2"};
  EXPECT_TRUE(CanReadDirectory(city_admin, a, "u1.u2.u7"));
  EXPECT_FALSE(CanManageDirectory(city_admin, a));
  Principal staff = OfficeUser("A", "u1.u2", {"OFFICE_STAFF"});
  EXPECT_FALSE(CanManageDirectory(staff, a));  // staff record people, admins shape the tree
}

TEST(DomainTest, LiaisonSeesOnlyTheirUnit) {
  Principal liaison = OfficeUser("A", "u1.u2", {"UNIT_LIAISON"});
  liaison.unit_path = "u1.u2.u7";
  OfficeRef a{"A", "u1.u2"};
  EXPECT_TRUE(CanReadDirectory(liaison, a, "u1.u2.u7"));
  EXPECT_FALSE(CanReadDirectory(liaison, a, "u1.u2.u8"));
  EXPECT_FALSE(CanReadDirectory(liaison, a, "u1.u2"));
  EXPECT_FALSE(CanManageDirectory(liaison, a));
}

TEST(DomainTest, ApiClientsNeedScopes) {
  Principal client;
  client.kind = TokenClaims::API_CLIENT;
  client.office_id = "A";
  client.office_path = "u1.u2";
  OfficeRef a{"A", "u1.u2"};
  EXPECT_FALSE(CanReadDirectory(client, a, "u1.u2"));
  client.scopes = {"directory:read"};
  EXPECT_TRUE(CanReadDirectory(client, a, "u1.u2"));
  EXPECT_FALSE(CanManageDirectory(client, a));
  client.scopes.push_back("directory:write");
  EXPECT_TRUE(CanManageDirectory(client, a));
}

TEST(DomainTest, OnlyPlatformAdminsGrantPlatformAdmin) {
  Principal office_admin = OfficeUser("A", "u1.u2", {"OFFICE_ADMIN"});
  v1::User u;
  u.set_office_id("A");
  u.add_roles(v1::User::OFFICE_STAFF);
  EXPECT_TRUE(CheckCanCreateUser(office_admin, u).ok());
  u.set_office_id("B");
  EXPECT_EQ(CheckCanCreateUser(office_admin, u).code(), absl::StatusCode::kPermissionDenied);
  u.set_office_id("A");
  u.add_roles(v1::User::PLATFORM_ADMIN);
  EXPECT_EQ(CheckCanCreateUser(office_admin, u).code(), absl::StatusCode::kPermissionDenied);
  Principal root;
  root.roles = {"PLATFORM_ADMIN"};
  EXPECT_TRUE(CheckCanCreateUser(root, u).ok());
}

TEST(DomainTest, LockoutAfterRepeatedFailures) {
  LoginPolicy policy{3, absl::Minutes(15)};
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  LoginState s;
  s = AfterFailedLogin(s, policy, now);
  s = AfterFailedLogin(s, policy, now);
  EXPECT_FALSE(IsLocked(s, now));
  s = AfterFailedLogin(s, policy, now);
  EXPECT_TRUE(IsLocked(s, now));
  EXPECT_TRUE(IsLocked(s, now + absl::Minutes(14)));
  EXPECT_FALSE(IsLocked(s, now + absl::Minutes(15)));
  EXPECT_EQ(s.failed_logins, 0);
}

TEST(DomainTest, PasswordsHashWithArgon2id) {
  auto hash = HashPassword("correct horse battery", HashStrength::kFast);
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(absl::StartsWith(*hash, "$argon2id$"));
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse battery"));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horse batterY"));
  EXPECT_NE(*HashPassword("correct horse battery", HashStrength::kFast), *hash);  // salted
  EXPECT_FALSE(ParseHashStrength("weak").ok());
}

}  // namespace
}  // namespace xuncha::directory
