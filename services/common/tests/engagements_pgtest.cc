#include <gtest/gtest.h>

#include "google/protobuf/util/json_util.h"
#include "test_env.h"
#include "xuncha/engagements.h"
#include "xuncha/migrations.h"

namespace xuncha {
namespace {

TEST(EngagementsPgTest, ReplicaKeepsTheNewestVersion) {
  testing::TestDatabase db;
  PgPoolOptions o;
  o.url = db.url();
  o.schema = "svc";
  PgPool pool(o);
  ASSERT_TRUE(MigrateServiceSchema(pool, "svc", {nullptr, 0}).ok());
  EngagementSnapshot v2;
  v2.set_id("e1");
  v2.set_office_id("o1");
  v2.set_office_path("u1");
  v2.set_target_unit_path("u1.u5");
  v2.set_target_unit_name("第二版");
  v2.set_version(2);
  v2.add_members()->set_person_id("p1");
  EngagementSnapshot v1 = v2;
  v1.set_version(1);
  v1.set_target_unit_name("第一版");
  auto apply = [&](const EngagementSnapshot& e) {
    ConsumedEvent event;
    event.type = kEngagementChangedEvent;
    google::protobuf::util::MessageToJsonString(e, &event.payload_json);
    return pool.Transact([&](pqxx::work& tx) { return HandleEngagementEvent(tx, event); });
  };
  ASSERT_TRUE(apply(v2).ok());
  ASSERT_TRUE(apply(v1).ok());  // late, older delivery
  ASSERT_TRUE(apply(v2).ok());  // repeated delivery
  auto loaded = pool.TransactWith<EngagementSnapshot>(
      [](pqxx::work& tx) { return LoadEngagement(tx, "e1"); });
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->target_unit_name(), "第二版");
  EXPECT_EQ(loaded->members_size(), 1);
  auto missing = pool.TransactWith<EngagementSnapshot>(
      [](pqxx::work& tx) { return LoadEngagement(tx, "nope"); });
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace xuncha
