// End-to-end tests of the real xuncha-webhooks binary against the harness's PostgreSQL and
// Redis: who may manage subscriptions, which events reach which subscription (office tree,
// scopes, confidential types, unknown office), and disabling after persistent failure.
#include <set>

#include "absl/strings/match.h"
#include "fixture.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "receiver.h"
#include "xuncha/directory/v1/directory.pb.h"

namespace xuncha::webhooks {
namespace {

using grpc::StatusCode;
using xuncha::testing::NewUuid;

google::protobuf::Struct Json(const std::string& json) {
  google::protobuf::Struct s;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &s).ok()) << json;
  return s;
}

class WebhooksTest : public WebhooksFixture {
 protected:
  void SetUp() override {
    WebhooksFixture::SetUp();
    office_ = NewUuid();
    client_id_ = NewUuid();
    client_ = Client(client_id_, office_, "c1.x3", {"issues:read", "fieldwork:read"});
  }
  std::string office_, client_id_, client_;
};

TEST_F(WebhooksTest, ApiClientManagesItsOwnSubscriptions) {
  StartService();
  v1::CreatedWebhookSubscription created =
      Subscribe(client_, "https://example.org/hook", {"issues.*"});
  const v1::WebhookSubscription& sub = created.subscription();
  EXPECT_EQ(created.secret().size(), 64u);
  EXPECT_EQ(sub.api_client_id(), client_id_);
  EXPECT_EQ(sub.office_id(), office_);
  EXPECT_EQ(sub.state(), v1::WebhookSubscription::ACTIVE);

  v1::GetWebhookSubscriptionRequest get;
  get.set_id(sub.id());
  v1::WebhookSubscription got;
  ASSERT_TRUE(stub_->GetWebhookSubscription(Ctx(client_).get(), get, &got).ok());
  EXPECT_EQ(got.url(), "https://example.org/hook");
  // The secret is not part of the resource: it was shown once, on creation.
  EXPECT_FALSE(absl::StrContains(got.DebugString(), created.secret()));

  v1::ListWebhookSubscriptionsResponse list;
  ASSERT_TRUE(stub_->ListWebhookSubscriptions(Ctx(client_).get(), {}, &list).ok());
  ASSERT_EQ(list.subscriptions_size(), 1);

  // Another client of the same office learns nothing about it.
  const std::string other = Client(NewUuid(), office_, "c1.x3", {"issues:read"});
  EXPECT_EQ(stub_->GetWebhookSubscription(Ctx(other).get(), get, &got).error_code(),
            StatusCode::NOT_FOUND);
  v1::ListWebhookDeliveriesRequest deliveries;
  deliveries.set_id(sub.id());
  v1::ListWebhookDeliveriesResponse dl;
  EXPECT_EQ(stub_->ListWebhookDeliveries(Ctx(other).get(), deliveries, &dl).error_code(),
            StatusCode::NOT_FOUND);
  v1::DeleteWebhookSubscriptionRequest del;
  del.set_id(sub.id());
  EXPECT_EQ(stub_->DeleteWebhookSubscription(Ctx(other).get(), del, &got).error_code(),
            StatusCode::NOT_FOUND);
  ASSERT_TRUE(stub_->ListWebhookSubscriptions(Ctx(other).get(), {}, &list).ok());
  EXPECT_EQ(list.subscriptions_size(), 0);
  // Nor may it act for the first client.
  v1::CreateWebhookSubscriptionRequest req;
  req.mutable_subscription()->set_api_client_id(client_id_);
  req.mutable_subscription()->set_url("https://example.org/x");
  req.mutable_subscription()->add_event_types("issues.*");
  v1::CreatedWebhookSubscription out;
  EXPECT_EQ(stub_->CreateWebhookSubscription(Ctx(other).get(), req, &out).error_code(),
            StatusCode::PERMISSION_DENIED);

  // Office staff (not admin) manage none; a different office's admin does not see it.
  const std::string staff = User(office_, "c1.x3", {"OFFICE_STAFF"});
  EXPECT_EQ(stub_->GetWebhookSubscription(Ctx(staff).get(), get, &got).error_code(),
            StatusCode::PERMISSION_DENIED);
  const std::string foreign_admin = User(NewUuid(), "c1.x4", {"OFFICE_ADMIN"});
  EXPECT_EQ(stub_->GetWebhookSubscription(Ctx(foreign_admin).get(), get, &got).error_code(),
            StatusCode::NOT_FOUND);
  // The admin of the client's office does.
  const std::string admin = User(office_, "c1.x3", {"OFFICE_ADMIN"});
  EXPECT_TRUE(stub_->GetWebhookSubscription(Ctx(admin).get(), get, &got).ok());

  // Enabling an active subscription names both states.
  v1::EnableWebhookSubscriptionRequest enable;
  enable.set_id(sub.id());
  grpc::Status s = stub_->EnableWebhookSubscription(Ctx(client_).get(), enable, &got);
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "ACTIVE")) << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "DISABLED")) << s.error_message();

  ASSERT_TRUE(stub_->DeleteWebhookSubscription(Ctx(client_).get(), del, &got).ok());
  EXPECT_EQ(stub_->GetWebhookSubscription(Ctx(client_).get(), get, &got).error_code(),
            StatusCode::NOT_FOUND);
}

TEST_F(WebhooksTest, BadSubscriptionsNameTheFieldAndRule) {
  StartService();
  struct Case {
    std::string url;
    std::vector<std::string> types;
    StatusCode code;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"ftp://example.org", {"issues.*"}, StatusCode::INVALID_ARGUMENT, "url"},
      {"https://user:pw@example.org/", {"issues.*"}, StatusCode::INVALID_ARGUMENT, "url"},
      {"https://example.org", {}, StatusCode::INVALID_ARGUMENT, "event_types"},
      {"https://example.org",
       {"issues.*", "fieldwork.petition.received"},
       StatusCode::INVALID_ARGUMENT,
       "event_types[1]"},
      {"https://example.org",
       {"clues.clue.referred"},
       StatusCode::INVALID_ARGUMENT,
       "event_types[0]"},
      // Scopes: issues:read and fieldwork:read only.
      {"https://example.org", {"rectification.*"}, StatusCode::PERMISSION_DENIED, "event_types[0]"},
  };
  for (const Case& c : cases) {
    v1::CreateWebhookSubscriptionRequest req;
    req.mutable_subscription()->set_url(c.url);
    for (const auto& t : c.types) req.mutable_subscription()->add_event_types(t);
    v1::CreatedWebhookSubscription out;
    grpc::Status s = stub_->CreateWebhookSubscription(Ctx(client_).get(), req, &out);
    EXPECT_EQ(s.error_code(), c.code) << c.url << " " << s.error_message();
    EXPECT_TRUE(absl::StartsWith(s.error_message(), c.field + ":")) << s.error_message();
  }
  EXPECT_EQ(Count("SELECT count(*) FROM webhooks.subscriptions"), 0);
}

TEST_F(WebhooksTest, OfficeAdminManagesForTheClientsOfTheirOffice) {
  StartService();
  directory::v1::ApiClient client;
  client.set_id(NewUuid());
  client.set_office_id(office_);
  client.add_scopes("issues:read");
  const std::string created_event = Publish("directory", "directory.api_client.created", client);
  ASSERT_TRUE(Eventually([&] { return AllConsumed({created_event}); })) << Log();

  const std::string admin = User(office_, "c1.x3", {"OFFICE_ADMIN"});
  v1::CreatedWebhookSubscription made =
      Subscribe(admin, "https://example.org/hook", {"issues.report.*"}, client.id());
  EXPECT_EQ(made.subscription().api_client_id(), client.id());
  EXPECT_EQ(made.subscription().office_id(), office_);

  // The client's scopes bound what the admin may subscribe it to.
  v1::CreateWebhookSubscriptionRequest req;
  req.mutable_subscription()->set_api_client_id(client.id());
  req.mutable_subscription()->set_url("https://example.org/x");
  req.mutable_subscription()->add_event_types("fieldwork.*");
  v1::CreatedWebhookSubscription out;
  EXPECT_EQ(stub_->CreateWebhookSubscription(Ctx(admin).get(), req, &out).error_code(),
            StatusCode::PERMISSION_DENIED);
  // Another office's admin cannot act for this client, nor for an unknown one.
  const std::string other_admin = User(NewUuid(), "c1.x4", {"OFFICE_ADMIN"});
  req.mutable_subscription()->set_event_types(0, "issues.*");
  EXPECT_EQ(stub_->CreateWebhookSubscription(Ctx(other_admin).get(), req, &out).error_code(),
            StatusCode::NOT_FOUND);
  req.mutable_subscription()->set_api_client_id(NewUuid());
  EXPECT_EQ(stub_->CreateWebhookSubscription(Ctx(admin).get(), req, &out).error_code(),
            StatusCode::NOT_FOUND);

  v1::ListWebhookSubscriptionsResponse list;
  ASSERT_TRUE(stub_->ListWebhookSubscriptions(Ctx(admin).get(), {}, &list).ok());
  EXPECT_EQ(list.subscriptions_size(), 1);
  ASSERT_TRUE(stub_->ListWebhookSubscriptions(Ctx(other_admin).get(), {}, &list).ok());
  EXPECT_EQ(list.subscriptions_size(), 0);
}

// Which events are queued for whom: the office and below, the client's scopes, never the
// confidential types, never an event whose office is unknown.
TEST_F(WebhooksTest, DeliversOnlyVisibleAndDeliverableEvents) {
  testing::Receiver receiver({});
  ASSERT_TRUE(receiver.Start());
  StartService();
  v1::CreatedWebhookSubscription county = Subscribe(client_, receiver.Url(), {"*"});
  receiver.SetSecret(county.secret());

  const EngagementSnapshot own = PublishEngagement(office_, "c1.x3");
  const EngagementSnapshot below = PublishEngagement(NewUuid(), "c1.x3.z7");
  const EngagementSnapshot sibling = PublishEngagement(NewUuid(), "c1.x4");
  const EngagementSnapshot above = PublishEngagement(NewUuid(), "c1");
  directory::v1::Office known_office;
  known_office.set_id(NewUuid());
  known_office.set_path("c1.x3.k2");
  std::vector<std::string> all = {Publish("directory", "directory.office.created", known_office)};
  ASSERT_TRUE(Eventually([&] { return AllConsumed(all); })) << Log();
  ASSERT_TRUE(Eventually([&] { return Count("SELECT count(*) FROM webhooks.engagements") == 4; }))
      << Log();

  auto fed_back = [&](const EngagementSnapshot& e) {
    return Json(absl::StrCat(R"({"engagementId":")", e.id(), R"(","reportId":"r"})"));
  };
  std::set<std::string> expected;
  auto yes = [&](const std::string& id) {
    expected.insert(id);
    all.push_back(id);
  };
  auto no = [&](const std::string& id) { all.push_back(id); };
  yes(Publish("issues", "issues.report.fed_back", fed_back(own)));
  yes(Publish("issues", "issues.report.fed_back", fed_back(below)));
  no(Publish("issues", "issues.report.fed_back", fed_back(sibling)));
  no(Publish("issues", "issues.report.fed_back", fed_back(above)));
  // Nested record with only an office id, resolved through the office replica.
  yes(Publish("issues", "issues.issue.confirmed",
              Json(absl::StrCat(R"({"issue":{"officeId":")", known_office.id(), R"("}})"))));
  yes(Publish("fieldwork", "fieldwork.document_request.created", fed_back(own)));
  // Confidential, although visible and in scope.
  no(Publish("fieldwork", "fieldwork.petition.received", fed_back(own)));
  no(Publish("fieldwork", "fieldwork.interview.recorded", fed_back(own)));
  no(Publish("issues", "issues.issue.clue_suggested", fed_back(own)));
  no(Publish("clues", "clues.clue.referred", fed_back(own)));
  // Outside the client's scopes.
  no(Publish("rectification", "rectification.item.accepted", fed_back(own)));
  // No office to be told (and an engagement nobody has heard of).
  no(Publish("directory", "directory.calendar.updated", Json(R"({"year":2026})")));
  no(Publish("issues", "issues.report.fed_back", Json(R"({"engagementId":"nope"})")));
  // A malformed office path is no office either, and does not fail the event.
  no(Publish("issues", "issues.report.fed_back", Json(R"({"officePath":"c1.x3;drop"})")));
  // The same event delivered twice on the stream queues it once.
  const std::string repeated = Publish("issues", "issues.report.submitted", fed_back(own));
  Publish("issues", "issues.report.submitted", fed_back(own), repeated);
  yes(repeated);

  ASSERT_TRUE(Eventually([&] { return AllConsumed(all); })) << Log();
  ASSERT_TRUE(Eventually([&] { return receiver.processed().size() >= expected.size(); })) << Log();
  EXPECT_EQ(receiver.processed(), expected);
  EXPECT_EQ(receiver.bad_signatures(), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM webhooks.deliveries"),
            static_cast<long long>(expected.size()));
  EXPECT_TRUE(Eventually([&] {
    return Count("SELECT count(*) FROM webhooks.deliveries WHERE state = 'DELIVERED'") ==
           static_cast<long long>(expected.size());
  }));
  for (const auto& r : receiver.log()) {
    EXPECT_TRUE(absl::StrContains(r.body, R"("type":")" + r.event_type + "\"")) << r.body;
  }

  // The attempt history is listed per delivery.
  v1::ListWebhookDeliveriesRequest req;
  req.set_id(county.subscription().id());
  v1::ListWebhookDeliveriesResponse resp;
  ASSERT_TRUE(stub_->ListWebhookDeliveries(Ctx(client_).get(), req, &resp).ok());
  ASSERT_EQ(resp.deliveries_size(), static_cast<int>(expected.size()));
  for (const auto& d : resp.deliveries()) {
    EXPECT_EQ(d.state(), v1::WebhookDelivery::DELIVERED);
    ASSERT_EQ(d.attempts_size(), 1);
    EXPECT_EQ(d.attempts(0).http_status(), 200);
    EXPECT_TRUE(d.attempts(0).error().empty());
  }
}

TEST_F(WebhooksTest, PersistentFailureDisablesWithAVisibleReason) {
  testing::ReceiverBehaviour failing;
  failing.status = 500;
  testing::Receiver receiver(failing);
  ASSERT_TRUE(receiver.Start());
  StartService({"--webhook_retry_window=1500ms", "--webhook_disable_after=2"});
  v1::CreatedWebhookSubscription sub = Subscribe(client_, receiver.Url(), {"issues.*"});
  receiver.SetSecret(sub.secret());
  const EngagementSnapshot own = PublishEngagement(office_, "c1.x3");
  ASSERT_TRUE(Eventually([&] { return Count("SELECT count(*) FROM webhooks.engagements") == 1; }))
      << Log();
  for (int i = 0; i < 3; ++i) {
    Publish("issues", "issues.issue.created",
            Json(absl::StrCat(R"({"issue":{"engagementId":")", own.id(), R"("}})")));
  }

  v1::GetWebhookSubscriptionRequest get;
  get.set_id(sub.subscription().id());
  v1::WebhookSubscription got;
  ASSERT_TRUE(Eventually([&] {
    return stub_->GetWebhookSubscription(Ctx(client_).get(), get, &got).ok() &&
           got.state() == v1::WebhookSubscription::DISABLED;
  })) << Log();
  EXPECT_TRUE(absl::StrContains(got.disabled_reason(), "2 consecutive failed deliveries"))
      << got.disabled_reason();
  EXPECT_TRUE(absl::StrContains(got.disabled_reason(), "HTTP 500")) << got.disabled_reason();

  // Every delivery ended FAILED (two by the window, the rest when the subscription was
  // disabled), and every attempt made is on the record with its status.
  v1::ListWebhookDeliveriesRequest req;
  req.set_id(sub.subscription().id());
  v1::ListWebhookDeliveriesResponse resp;
  ASSERT_TRUE(Eventually([&] {
    return stub_->ListWebhookDeliveries(Ctx(client_).get(), req, &resp).ok() &&
           resp.deliveries_size() == 3 &&
           std::all_of(resp.deliveries().begin(), resp.deliveries().end(),
                       [](const auto& d) { return d.state() == v1::WebhookDelivery::FAILED; });
  }));
  int attempts = 0;
  for (const auto& d : resp.deliveries()) {
    EXPECT_FALSE(d.failure_reason().empty());
    for (const auto& a : d.attempts()) {
      ++attempts;
      EXPECT_EQ(a.http_status(), 500);
      EXPECT_EQ(a.error(), "HTTP 500");
      EXPECT_GE(a.duration_ms(), 0);
    }
  }
  EXPECT_EQ(attempts, receiver.requests());
  EXPECT_GE(attempts, 2);

  // Re-enabled: active again, failures start afresh, and new events are queued again.
  v1::EnableWebhookSubscriptionRequest enable;
  enable.set_id(sub.subscription().id());
  ASSERT_TRUE(stub_->EnableWebhookSubscription(Ctx(client_).get(), enable, &got).ok());
  EXPECT_EQ(got.state(), v1::WebhookSubscription::ACTIVE);
  EXPECT_EQ(got.consecutive_failures(), 0);
  EXPECT_TRUE(got.disabled_reason().empty());
  Publish("issues", "issues.issue.created",
          Json(absl::StrCat(R"({"issue":{"engagementId":")", own.id(), R"("}})")));
  EXPECT_TRUE(Eventually([&] { return Count("SELECT count(*) FROM webhooks.deliveries") == 4; }));
}

}  // namespace
}  // namespace xuncha::webhooks
