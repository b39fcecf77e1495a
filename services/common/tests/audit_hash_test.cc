#include <gtest/gtest.h>

#include "xuncha/audit.h"

namespace xuncha {
namespace {

AuditRow Row() {
  AuditRow row;
  row.seq = 7;
  row.entry = {"user:1", "org_unit.create", "orgs/abc", "req-1"};
  row.at = "2026-11-21T10:00:00.000001Z";
  row.prev_hash = std::string(64, '0');
  return row;
}

TEST(AuditHashTest, EveryFieldIsCovered) {
  const std::string base = AuditHash(Row());
  EXPECT_EQ(base.size(), 64u);
  EXPECT_EQ(AuditHash(Row()), base);  // deterministic
  auto changed = [&](auto mutate) {
    AuditRow r = Row();
    mutate(r);
    return AuditHash(r) != base;
  };
  EXPECT_TRUE(changed([](AuditRow& r) { r.seq = 8; }));
  EXPECT_TRUE(changed([](AuditRow& r) { r.entry.actor = "user:2"; }));
  EXPECT_TRUE(changed([](AuditRow& r) { r.entry.action = "org_unit.delete"; }));
  EXPECT_TRUE(changed([](AuditRow& r) { r.entry.resource = "orgs/abd"; }));
  EXPECT_TRUE(changed([](AuditRow& r) { r.entry.request_id = "req-2"; }));
  EXPECT_TRUE(changed([](AuditRow& r) { r.at = "2026-11-21T10:00:00.000002Z"; }));
  EXPECT_TRUE(changed([](AuditRow& r) { r.prev_hash[0] = '1'; }));
}

TEST(AuditHashTest, FieldBoundariesCannotBeShifted) {
  AuditRow a = Row();
  AuditRow b = Row();
  a.entry.actor = "user:1";
  a.entry.action = "x";
  b.entry.actor = "user:1x";
  b.entry.action = "";
  EXPECT_NE(AuditHash(a), AuditHash(b));
}

}  // namespace
}  // namespace xuncha
