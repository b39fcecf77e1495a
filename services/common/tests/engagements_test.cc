#include "xuncha/engagements.h"

#include <gtest/gtest.h>

namespace xuncha {
namespace {

using Member = EngagementSnapshot::Member;

EngagementSnapshot Cross() {
  // County A's group inspects a unit of county B in a city-organised cross round.
  EngagementSnapshot e;
  e.set_id("e1");
  e.set_office_id("city");
  e.set_office_path("u1");
  e.set_target_unit_id("b-unit");
  e.set_target_unit_path("u1.u3.u9");
  e.set_access_start("2026-03-01");
  e.set_access_end("2026-04-15");
  auto* leader = e.add_members();
  leader->set_person_id("p-leader");
  leader->set_role(Member::LEADER);
  leader->set_home_office_id("a");
  auto* member = e.add_members();
  member->set_person_id("p-member");
  member->set_role(Member::MEMBER);
  return e;
}

Principal User(std::string office, std::string path, std::vector<std::string> roles,
               std::string person = "") {
  Principal p;
  p.kind = TokenClaims::USER;
  p.office_id = std::move(office);
  p.office_path = std::move(path);
  p.roles = std::move(roles);
  p.person_id = std::move(person);
  return p;
}

TEST(EngagementsTest, MembersOnlyWithinTheAccessWindow) {
  Principal seconded = User("a", "u1.u2", {"OFFICE_STAFF"}, "p-leader");
  EngagementAccess during = AccessTo(seconded, Cross(), absl::CivilDay(2026, 3, 10));
  EXPECT_TRUE(during.member);
  EXPECT_TRUE(during.leader);
  EXPECT_TRUE(during.CanWriteRecords());
  EXPECT_FALSE(during.office);  // county A does not own the city's round
  EngagementAccess after = AccessTo(seconded, Cross(), absl::CivilDay(2026, 4, 16));
  EXPECT_FALSE(after.member);
  EXPECT_FALSE(after.CanReadRecords());
  EXPECT_FALSE(AccessTo(seconded, Cross(), absl::CivilDay(2026, 2, 28)).member);
}

TEST(EngagementsTest, OfficeOwnsAndOfficesAboveRead) {
  EngagementSnapshot e = Cross();
  EngagementAccess city_staff = AccessTo(User("city", "u1", {"OFFICE_STAFF"}), e, {});
  EXPECT_TRUE(city_staff.office);
  EXPECT_FALSE(city_staff.leadership);
  EXPECT_TRUE(AccessTo(User("city", "u1", {"LEADING_GROUP"}), e, {}).leadership);
  e.set_office_id("b");
  e.set_office_path("u1.u3");
  EngagementAccess city_above = AccessTo(User("city", "u1", {"OFFICE_STAFF"}), e, {});
  EXPECT_TRUE(city_above.office_above);
  EXPECT_TRUE(city_above.CanReadRecords());
  EXPECT_FALSE(city_above.CanWriteRecords());
  EngagementAccess other_county = AccessTo(User("a", "u1.u2", {"OFFICE_ADMIN"}), e, {});
  EXPECT_FALSE(other_county.CanReadRecords());
}

TEST(EngagementsTest, LiaisonOfTheTargetOnly) {
  Principal liaison = User("b", "u1.u3", {"UNIT_LIAISON"});
  liaison.unit_path = "u1.u3.u9";
  EngagementAccess a = AccessTo(liaison, Cross(), absl::CivilDay(2026, 3, 10));
  EXPECT_TRUE(a.liaison);
  EXPECT_FALSE(a.CanReadRecords());  // never interviews, petitions, surveys
  liaison.unit_path = "u1.u3.u8";
  EXPECT_FALSE(AccessTo(liaison, Cross(), {}).liaison);
}

}  // namespace
}  // namespace xuncha
