// Webhook rules with no I/O: which events may leave the platform at all, which subscription
// receives which event, URL and pattern checks, the retry schedule and the body signature.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "xuncha/auth.h"
#include "xuncha/webhooks/v1/webhooks.pb.h"

namespace xuncha::webhooks {

namespace v1 = ::xuncha::webhooks::v1;
using v1::WebhookDelivery;
using v1::WebhookSubscription;

inline constexpr char kSignatureHeader[] = "X-Xuncha-Signature";
inline constexpr char kTimestampHeader[] = "X-Xuncha-Timestamp";
inline constexpr char kEventIdHeader[] = "X-Xuncha-Event-Id";
inline constexpr char kEventTypeHeader[] = "X-Xuncha-Event-Type";

// The services whose streams feed webhooks (the first segment of every event type).
const std::vector<std::string>& SourceServices();

// Whether events of this type may ever be sent to an external system. An allow-list, so that a
// new event type stays inside until someone has looked at what it carries. Never delivered:
// fieldwork interviews, petitions (reporter protection, incl. `reporter_revealed`), surveys
// (anonymity) and the work log; every `clues.*` event and `issues.issue.clue_suggested` (clues
// are need-to-know); planning's engagement snapshots, talent pool and draws (people and recusal
// reasons) and groups (who inspects whom is announced by the office, not by a feed); directory
// users, people and API clients (personal data, credentials).
bool IsDeliverableEventType(absl::string_view type);

// "issues.report.fed_back" (exact), "issues.*" / "issues.report.*" (prefix) or "*" (every
// deliverable type the client's scopes allow). INVALID_ARGUMENT naming `field` otherwise, also
// for an exact type that is never delivered.
absl::Status ValidateEventTypePattern(absl::string_view field, absl::string_view pattern);
bool EventTypeMatches(absl::string_view pattern, absl::string_view type);

// Scope an API client needs for events of `type`: "<service>:read".
std::string RequiredScope(absl::string_view type);
// PERMISSION_DENIED naming `field` when the pattern reaches a service the scopes do not cover.
absl::Status CheckPatternScopes(absl::string_view field, absl::string_view pattern,
                                const std::vector<std::string>& scopes);

// Absolute http:// or https:// URL with a host, no user information (credentials belong in the
// signature, not in URLs that end up in logs), no whitespace, at most 2048 characters.
absl::Status ValidateWebhookUrl(absl::string_view field, absl::string_view url);

// Fields of a new subscription (event types, URL).
absl::Status ValidateNewSubscription(const WebhookSubscription& subscription);

// Where an event belongs in the org tree, as far as its payload tells: an engagement (resolved
// by the caller through the engagement replica), an office path, or an office id (resolved
// through the office replica). All empty: the office cannot be determined.
struct ScopeHints {
  std::string engagement_id;
  std::string office_path;
  std::string office_id;
};
// Looks at the top level of the payload and one level down (issues and rectification wrap their
// record: {"issue": {...}}). Directory's office and org-unit events carry the unit's `path`.
ScopeHints ScopeHintsOf(absl::string_view type, absl::string_view payload_json);

// What the delivery decision needs of a subscription.
struct SubscriptionTarget {
  std::string office_path;
  std::vector<std::string> event_types;
  std::vector<std::string> scopes;  // of the API client
};
// The event goes to the subscription: deliverable type, matching pattern, scope held, and the
// event's office is the subscription's office or below it. An empty `event_office_path` (office
// unknown) never matches.
bool SubscriptionReceives(const SubscriptionTarget& target, absl::string_view type,
                          absl::string_view event_office_path);

// Who may manage (and read) a subscription: the API client it belongs to, or an office admin of
// that client's office.
bool CanManageSubscription(const Principal& principal, const std::string& api_client_id,
                           const std::string& office_id);

// The JSON body sent: {"id","type","occurredAt","payload"}; `payload_json` is inserted as is.
std::string DeliveryBody(absl::string_view event_id, absl::string_view type,
                         absl::string_view occurred_at, absl::string_view payload_json);

// "v1=" + hex HMAC-SHA256(secret, timestamp + "." + body).
std::string SignatureHeaderValue(absl::string_view secret, absl::string_view timestamp,
                                 absl::string_view body);
// Constant-time check of a header value, as a receiver does it.
bool VerifySignature(absl::string_view secret, absl::string_view timestamp, absl::string_view body,
                     absl::string_view header_value);

struct RetryPolicy {
  absl::Duration base = absl::Seconds(10);
  absl::Duration max = absl::Hours(1);
  absl::Duration window = absl::Hours(24);  // from the delivery's creation
  int disable_after = 5;                    // consecutive failed deliveries
};

// Full jitter: uniform in [0, min(max, base * 2^(attempt-1))]; `unit` is a uniform draw in
// [0, 1). `attempt` counts from 1 (the attempt that just failed).
absl::Duration BackoffDelay(int attempt, const RetryPolicy& policy, double unit);

// After a failed attempt: the time of the next one, or nullopt when it would fall outside the
// retry window (the delivery has failed).
std::optional<absl::Time> NextAttemptTime(absl::Time created, absl::Time now, int attempt,
                                          const RetryPolicy& policy, double unit);

// 2xx.
bool IsDelivered(int http_status);

// The reason shown on a subscription disabled after `failures` failed deliveries in a row.
std::string DisabledReason(int failures, absl::string_view last_error);

}  // namespace xuncha::webhooks
