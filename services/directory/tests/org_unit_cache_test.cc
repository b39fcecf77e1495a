#include "org_unit_cache.h"

#include <gtest/gtest.h>

namespace xuncha::directory {
namespace {

StoredOrgUnit Unit(const std::string& id, const std::string& name) {
  StoredOrgUnit s;
  s.unit.set_id(id);
  s.unit.set_name(name);
  s.owner = {"office-1", "u1"};
  return s;
}

TEST(OrgUnitCache, ServesNothingUntilTheListenerListens) {
  OrgUnitCache cache(10);
  cache.Put(cache.generation(), Unit("a", "A"));
  EXPECT_FALSE(cache.Get("a"));
  cache.Reset(/*trusted=*/true);
  cache.Put(cache.generation(), Unit("a", "A"));
  ASSERT_TRUE(cache.Get("a"));
  EXPECT_EQ(cache.Get("a")->unit.name(), "A");
  EXPECT_EQ(cache.Get("a")->owner.id, "office-1");
}

TEST(OrgUnitCache, AReadFromBeforeAChangeIsNotStored) {
  OrgUnitCache cache(10);
  cache.Reset(true);
  const uint64_t before = cache.generation();
  cache.Clear();  // a commit between the generation read and the database read
  cache.Put(before, Unit("a", "old name"));
  EXPECT_FALSE(cache.Get("a"));
  cache.Put(cache.generation(), Unit("a", "new name"));
  EXPECT_EQ(cache.Get("a")->unit.name(), "new name");
}

TEST(OrgUnitCache, ChangesDropEverythingAndALostListenerStopsServing) {
  OrgUnitCache cache(10);
  cache.Reset(true);
  cache.Put(cache.generation(), Unit("a", "A"));
  cache.Put(cache.generation(), Unit("b", "B"));
  EXPECT_EQ(cache.size(), 2u);
  cache.Reset(true);  // a notification
  EXPECT_EQ(cache.size(), 0u);
  cache.Put(cache.generation(), Unit("a", "A"));
  cache.Reset(false);  // the listener's session was lost
  EXPECT_FALSE(cache.Get("a"));
  cache.Put(cache.generation(), Unit("a", "A"));
  EXPECT_EQ(cache.size(), 0u);
  cache.Clear();  // a local commit keeps it untrusted
  cache.Put(cache.generation(), Unit("a", "A"));
  EXPECT_FALSE(cache.Get("a"));
}

TEST(OrgUnitCache, BoundedAndDisabledByZero) {
  OrgUnitCache cache(2);
  cache.Reset(true);
  cache.Put(cache.generation(), Unit("a", "A"));
  cache.Put(cache.generation(), Unit("b", "B"));
  cache.Put(cache.generation(), Unit("c", "C"));  // full: dropped, then stored
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_TRUE(cache.Get("c"));
  OrgUnitCache off(0);
  off.Reset(true);
  off.Put(off.generation(), Unit("a", "A"));
  EXPECT_FALSE(off.Get("a"));
}

}  // namespace
}  // namespace xuncha::directory
