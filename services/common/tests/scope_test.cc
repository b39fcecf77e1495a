#include "xuncha/scope.h"

#include <gtest/gtest.h>

#include <string>

namespace xuncha {
namespace {

TEST(ScopeTest, LtreePathsAsPostgres15TakesThem) {
  EXPECT_TRUE(IsLtreePath("c1"));
  EXPECT_TRUE(IsLtreePath("c1.x3.t_9"));
  // '-' is a label character only from PostgreSQL 16 on; 15 would refuse the cast.
  for (const char* bad :
       {"", ".", "c1.", ".c1", "c1..x3", "c1.x 3", "c1;drop", "c1.*", "c1.a-b", "审计"}) {
    EXPECT_FALSE(IsLtreePath(bad)) << bad;
  }
  EXPECT_FALSE(IsLtreePath(std::string(256, 'a')));
  EXPECT_TRUE(IsLtreePath(std::string(255, 'a')));
}

TEST(ScopeTest, PathWithinIsLabelWise) {
  EXPECT_TRUE(PathWithin("u1.u3.u17", "u1"));
  EXPECT_TRUE(PathWithin("u1.u3.u17", "u1.u3"));
  EXPECT_TRUE(PathWithin("u1.u3", "u1.u3"));
  EXPECT_FALSE(PathWithin("u1.u31", "u1.u3"));  // a prefix of a label is not an ancestor
  EXPECT_FALSE(PathWithin("u1", "u1.u3"));
  EXPECT_FALSE(PathWithin("u2.u3", "u1"));
  EXPECT_FALSE(PathWithin("u1", ""));
}

Principal Staff(std::string office_id, std::string path) {
  Principal p;
  p.kind = TokenClaims::USER;
  p.office_id = std::move(office_id);
  p.office_path = std::move(path);
  p.roles = {"OFFICE_STAFF"};
  return p;
}

TEST(ScopeTest, CityReadsCountiesButCountiesNotEachOther) {
  Principal city = Staff("city", "u1");
  Principal county_a = Staff("a", "u1.u2");
  EXPECT_TRUE(CanReadOfficeData(city, "u1.u2"));
  EXPECT_TRUE(CanReadOfficeData(city, "u1.u3.u9"));
  EXPECT_TRUE(CanReadOfficeData(county_a, "u1.u2.u5"));
  EXPECT_FALSE(CanReadOfficeData(county_a, "u1.u3"));
  EXPECT_FALSE(CanReadOfficeData(county_a, "u1"));  // not upwards
}

TEST(ScopeTest, WritesOnlyInTheOwningOffice) {
  Principal city = Staff("city", "u1");
  EXPECT_TRUE(CanWriteOfficeData(city, "city"));
  EXPECT_FALSE(CanWriteOfficeData(city, "a"));  // read-only below
  Principal admin;
  admin.roles = {"PLATFORM_ADMIN"};
  EXPECT_TRUE(CanWriteOfficeData(admin, "a"));
  EXPECT_TRUE(CanReadOfficeData(admin, "u7"));
}

}  // namespace
}  // namespace xuncha
