// Unit tests of the pure webhook rules: deliverable types, patterns, scopes, URLs, visibility,
// payload office hints, back-off schedule and signatures.
#include "domain.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace xuncha::webhooks {
namespace {

TEST(DeliverableTypes, ConfidentialFamiliesNeverLeave) {
  EXPECT_TRUE(IsDeliverableEventType("issues.report.fed_back"));
  EXPECT_TRUE(IsDeliverableEventType("rectification.item.accepted"));
  EXPECT_TRUE(IsDeliverableEventType("planning.round.approved"));
  EXPECT_TRUE(IsDeliverableEventType("fieldwork.document_request.created"));
  for (const char* type :
       {"fieldwork.petition.received", "fieldwork.petition.reporter_revealed",
        "fieldwork.interview.recorded", "fieldwork.survey.codes_issued",
        "fieldwork.work_log.entry_added", "clues.clue.referred", "clues.clue.overdue",
        "issues.issue.clue_suggested", "planning.engagement.changed", "planning.talent.enrolled",
        "planning.draw.completed", "planning.group.members_changed", "directory.user.created",
        "directory.person.created", "directory.api_client.created", "webhooks.subscription.created",
        "rectification"}) {
    EXPECT_FALSE(IsDeliverableEventType(type)) << type;
  }
}

TEST(Patterns, ValidationNamesTheField) {
  EXPECT_TRUE(ValidateEventTypePattern("event_types[0]", "issues.*").ok());
  EXPECT_TRUE(ValidateEventTypePattern("event_types[0]", "issues.report.*").ok());
  EXPECT_TRUE(ValidateEventTypePattern("event_types[0]", "issues.report.fed_back").ok());
  EXPECT_TRUE(ValidateEventTypePattern("event_types[0]", "*").ok());
  for (const char* bad : {"", "issues.", "issues*", "Issues.report", "issues..x", "*.report",
                          "nosuch.thing", "issues.report.*.x"}) {
    absl::Status s = ValidateEventTypePattern("event_types[2]", bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(absl::StartsWith(s.message(), "event_types[2]: ")) << s;
  }
  absl::Status sensitive =
      ValidateEventTypePattern("event_types[0]", "fieldwork.petition.received");
  EXPECT_EQ(sensitive.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(sensitive.message(), "never delivered")) << sensitive;
}

TEST(Patterns, MatchExactPrefixAndStar) {
  EXPECT_TRUE(EventTypeMatches("issues.*", "issues.report.fed_back"));
  EXPECT_TRUE(EventTypeMatches("issues.report.*", "issues.report.fed_back"));
  EXPECT_FALSE(EventTypeMatches("issues.report.*", "issues.reports.x"));
  EXPECT_FALSE(EventTypeMatches("issues.*", "issuesx.report.y"));
  EXPECT_FALSE(EventTypeMatches("issues.*", "issues"));
  EXPECT_TRUE(EventTypeMatches("issues.report.fed_back", "issues.report.fed_back"));
  EXPECT_FALSE(EventTypeMatches("issues.report.fed_back", "issues.report.fed_back_x"));
  EXPECT_TRUE(EventTypeMatches("*", "rectification.item.accepted"));
}

TEST(Scopes, PatternNeedsTheServiceReadScope) {
  EXPECT_EQ(RequiredScope("issues.report.fed_back"), "issues:read");
  EXPECT_TRUE(CheckPatternScopes("event_types[0]", "issues.*", {"issues:read"}).ok());
  absl::Status s = CheckPatternScopes("event_types[1]", "rectification.*", {"issues:read"});
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(absl::StrContains(s.message(), "rectification:read")) << s;
  EXPECT_TRUE(CheckPatternScopes("event_types[0]", "*", {}).ok());
}

TEST(Url, AbsoluteHttpWithoutCredentials) {
  for (const char* ok : {"https://example.org/hook", "http://127.0.0.1:8443/a?b=c",
                         "https://[::1]:9000/x", "HTTPS://EXAMPLE.ORG"}) {
    EXPECT_TRUE(ValidateWebhookUrl("url", ok).ok()) << ok;
  }
  for (const char* bad :
       {"", "ftp://example.org", "example.org/hook", "/relative", "https://user:pw@example.org/",
        "https://token@example.org", "https:///path", "https://host:99999999/", "https://host:x/",
        "https://exa mple.org", "https://example.org/#frag", "https://[]/"}) {
    absl::Status s = ValidateWebhookUrl("url", bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(absl::StartsWith(s.message(), "url: ")) << s;
  }
}

TEST(Subscription, NewNeedsTypesAndUrl) {
  WebhookSubscription s;
  s.set_url("https://example.org/hook");
  EXPECT_TRUE(absl::StartsWith(ValidateNewSubscription(s).message(), "event_types"));
  s.add_event_types("issues.*");
  EXPECT_TRUE(ValidateNewSubscription(s).ok());
  s.add_event_types("clues.clue.referred");
  EXPECT_TRUE(absl::StartsWith(ValidateNewSubscription(s).message(), "event_types[1]"));
}

TEST(Visibility, OfficeAndBelowOnlyWithScopeAndPattern) {
  const SubscriptionTarget county{"c1.x3", {"issues.*"}, {"issues:read"}};
  EXPECT_TRUE(SubscriptionReceives(county, "issues.report.fed_back", "c1.x3"));
  EXPECT_TRUE(SubscriptionReceives(county, "issues.report.fed_back", "c1.x3.t9"));
  EXPECT_FALSE(SubscriptionReceives(county, "issues.report.fed_back", "c1"));      // above
  EXPECT_FALSE(SubscriptionReceives(county, "issues.report.fed_back", "c1.x4"));   // sibling
  EXPECT_FALSE(SubscriptionReceives(county, "issues.report.fed_back", "c1.x33"));  // label-wise
  EXPECT_FALSE(SubscriptionReceives(county, "issues.report.fed_back", ""));        // office unknown
  EXPECT_FALSE(SubscriptionReceives(county, "issues.issue.clue_suggested", "c1.x3"));
  const SubscriptionTarget all{"c1", {"*"}, {"issues:read"}};
  EXPECT_TRUE(SubscriptionReceives(all, "issues.issue.confirmed", "c1.x3"));
  EXPECT_FALSE(SubscriptionReceives(all, "rectification.item.accepted", "c1.x3"));  // no scope
  EXPECT_FALSE(SubscriptionReceives(all, "clues.clue.referred", "c1.x3"));
}

TEST(Visibility, WhoManagesASubscription) {
  Principal client;
  client.kind = TokenClaims::API_CLIENT;
  client.subject_id = "client-1";
  client.office_id = "office-1";
  EXPECT_TRUE(CanManageSubscription(client, "client-1", "office-1"));
  EXPECT_FALSE(CanManageSubscription(client, "client-2", "office-1"));
  Principal admin;
  admin.kind = TokenClaims::USER;
  admin.office_id = "office-1";
  admin.roles = {"OFFICE_ADMIN"};
  EXPECT_TRUE(CanManageSubscription(admin, "client-2", "office-1"));
  EXPECT_FALSE(CanManageSubscription(admin, "client-2", "office-2"));
  Principal staff = admin;
  staff.roles = {"OFFICE_STAFF"};
  EXPECT_FALSE(CanManageSubscription(staff, "client-2", "office-1"));
}

TEST(ScopeHints, TopLevelNestedAndDirectoryPaths) {
  ScopeHints h = ScopeHintsOf("fieldwork.document_request.created",
                              R"({"documentRequestId":"d","engagementId":"e1"})");
  EXPECT_EQ(h.engagement_id, "e1");
  h = ScopeHintsOf("issues.issue.confirmed", R"({"issue":{"engagementId":"e2","officeId":"o2"}})");
  EXPECT_EQ(h.engagement_id, "e2");
  EXPECT_EQ(h.office_id, "o2");
  h = ScopeHintsOf("planning.round.approved", R"({"officePath":"c1.x3","officeId":"o3"})");
  EXPECT_EQ(h.office_path, "c1.x3");
  h = ScopeHintsOf("directory.office.created", R"({"id":"o","path":"c1.x7","officePath":"zz"})");
  EXPECT_EQ(h.office_path, "c1.x7");
  h = ScopeHintsOf("directory.calendar.updated", R"({"year":2026})");
  EXPECT_TRUE(h.engagement_id.empty() && h.office_path.empty() && h.office_id.empty());
  h = ScopeHintsOf("issues.issue.created", "not json");
  EXPECT_TRUE(h.engagement_id.empty() && h.office_path.empty() && h.office_id.empty());
}

TEST(Backoff, ExponentialCappedFullJitter) {
  RetryPolicy p;
  p.base = absl::Seconds(10);
  p.max = absl::Seconds(60);
  EXPECT_EQ(BackoffDelay(1, p, 0.999999), absl::Milliseconds(9999));
  EXPECT_EQ(BackoffDelay(2, p, 0.5), absl::Seconds(10));
  EXPECT_EQ(BackoffDelay(3, p, 0.5), absl::Seconds(20));
  EXPECT_EQ(BackoffDelay(4, p, 0.5), absl::Seconds(30));  // cap 60
  EXPECT_EQ(BackoffDelay(40, p, 0.5), absl::Seconds(30));
  EXPECT_EQ(BackoffDelay(3, p, 0.0), absl::ZeroDuration());
}

TEST(Backoff, GivesUpOutsideTheWindow) {
  RetryPolicy p;
  p.base = absl::Seconds(10);
  p.max = absl::Seconds(60);
  p.window = absl::Minutes(5);
  const absl::Time created = absl::FromUnixSeconds(1000);
  auto next = NextAttemptTime(created, created + absl::Minutes(1), 1, p, 0.5);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(*next, created + absl::Minutes(1) + absl::Seconds(5));
  EXPECT_FALSE(NextAttemptTime(created, created + absl::Seconds(299), 5, p, 0.5).has_value());
  EXPECT_TRUE(NextAttemptTime(created, created + absl::Seconds(299), 5, p, 0.0).has_value());
}

TEST(Signature, HmacSha256OverTimestampDotBody) {
  // Expected value from an independent implementation:
  // printf '%s' '1700000000.{"id":"ev-1"}' | openssl dgst -sha256 -hmac Jefe
  EXPECT_EQ(SignatureHeaderValue("Jefe", "1700000000", R"({"id":"ev-1"})"),
            "v1=0ac2f6eab3c4d557a265c538c216481aea562efe6c3e9fc129f98c66ae72435d");
  const std::string body =
      DeliveryBody("ev-1", "issues.report.fed_back", "2026-01-01T00:00:00Z", R"({"a":1})");
  EXPECT_EQ(
      body,
      R"({"id":"ev-1","type":"issues.report.fed_back","occurredAt":"2026-01-01T00:00:00Z","payload":{"a":1}})");
  const std::string sig = SignatureHeaderValue("secret", "1700000000", body);
  EXPECT_TRUE(VerifySignature("secret", "1700000000", body, sig));
  EXPECT_FALSE(VerifySignature("secret", "1700000001", body, sig));
  EXPECT_FALSE(VerifySignature("other", "1700000000", body, sig));
  EXPECT_FALSE(VerifySignature("secret", "1700000000", body + " ", sig));
}

TEST(Delivery, StatusAndReason) {
  EXPECT_TRUE(IsDelivered(200));
  EXPECT_TRUE(IsDelivered(204));
  EXPECT_FALSE(IsDelivered(301));
  EXPECT_FALSE(IsDelivered(500));
  EXPECT_FALSE(IsDelivered(0));
  EXPECT_TRUE(absl::StrContains(DisabledReason(5, "HTTP 500"), "5 consecutive failed deliveries"));
}

}  // namespace
}  // namespace xuncha::webhooks
