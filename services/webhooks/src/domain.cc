#include "domain.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "xuncha/crypto.h"
#include "xuncha/log.h"
#include "xuncha/scope.h"
#include "xuncha/status.h"
#include "xuncha/validation.h"

namespace xuncha::webhooks {
namespace {

constexpr int kMaxEventTypes = 20;
constexpr int kMaxUrlLength = 2048;

// Reviewed event families that may leave the platform (see IsDeliverableEventType).
constexpr absl::string_view kDeliverablePrefixes[] = {
    "directory.org_unit.", "directory.office.",      "planning.plan.",
    "planning.round.",     "planning.announcement.", "fieldwork.document_request.",
    "issues.issue.",       "issues.report.",         "issues.question.",
    "issues.taxonomy.",    "rectification.",
};
// Inside an allowed family, still never out: a clue suggestion is clue material.
constexpr absl::string_view kNeverDelivered[] = {"issues.issue.clue_suggested"};

bool ValidSegment(absl::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

absl::string_view ServiceOf(absl::string_view type) {
  const std::size_t dot = type.find('.');
  return dot == absl::string_view::npos ? type : type.substr(0, dot);
}

std::string JsonQuote(absl::string_view s) {
  std::string out;
  log::AppendJsonString(out, s);
  return out;
}

std::string StringField(const google::protobuf::Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  if (it == s.fields().end() || !it->second.has_string_value()) return "";
  return it->second.string_value();
}

void FillHints(const google::protobuf::Struct& s, ScopeHints& hints) {
  if (hints.engagement_id.empty()) hints.engagement_id = StringField(s, "engagementId");
  if (hints.office_path.empty()) hints.office_path = StringField(s, "officePath");
  if (hints.office_id.empty()) hints.office_id = StringField(s, "officeId");
}

}  // namespace

const std::vector<std::string>& SourceServices() {
  static const auto* services = new std::vector<std::string>{
      "directory", "planning", "fieldwork", "issues", "rectification", "clues"};
  return *services;
}

bool IsDeliverableEventType(absl::string_view type) {
  for (absl::string_view never : kNeverDelivered) {
    if (type == never) return false;
  }
  for (absl::string_view prefix : kDeliverablePrefixes) {
    if (absl::StartsWith(type, prefix) && type.size() > prefix.size()) return true;
  }
  return false;
}

absl::Status ValidateEventTypePattern(absl::string_view field, absl::string_view pattern) {
  if (pattern == "*") return absl::OkStatus();
  absl::string_view body = pattern;
  const bool prefix = absl::ConsumeSuffix(&body, ".*");
  const std::vector<absl::string_view> segments = absl::StrSplit(body, '.');
  for (absl::string_view segment : segments) {
    if (!ValidSegment(segment)) {
      return InvalidField(field, absl::StrCat("\"", pattern,
                                              "\" is not an event type (a.b.c), a prefix pattern "
                                              "(a.*, a.b.*) or *"));
    }
  }
  if (std::find(SourceServices().begin(), SourceServices().end(), std::string(segments[0])) ==
      SourceServices().end()) {
    return InvalidField(field, absl::StrCat("\"", pattern, "\" names no service's events"));
  }
  if (!prefix && !IsDeliverableEventType(pattern)) {
    return InvalidField(field, absl::StrCat("\"", pattern,
                                            "\" is never delivered by webhooks (confidential or "
                                            "internal event type)"));
  }
  return absl::OkStatus();
}

bool EventTypeMatches(absl::string_view pattern, absl::string_view type) {
  if (pattern == "*") return true;
  absl::string_view body = pattern;
  if (absl::ConsumeSuffix(&body, ".*")) {
    return type.size() > body.size() + 1 && absl::StartsWith(type, body) &&
           type[body.size()] == '.';
  }
  return pattern == type;
}

std::string RequiredScope(absl::string_view type) { return absl::StrCat(ServiceOf(type), ":read"); }

absl::Status CheckPatternScopes(absl::string_view field, absl::string_view pattern,
                                const std::vector<std::string>& scopes) {
  // "*" only reaches the services the scopes cover, so it needs no particular one.
  if (pattern == "*") return absl::OkStatus();
  const std::string needed = RequiredScope(pattern);
  if (std::find(scopes.begin(), scopes.end(), needed) != scopes.end()) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat(field, ": \"", pattern, "\" needs the API client scope ", needed));
}

absl::Status ValidateWebhookUrl(absl::string_view field, absl::string_view url) {
  if (url.empty()) return InvalidField(field, "must be set");
  if (url.size() > kMaxUrlLength) {
    return InvalidField(field, absl::StrCat("must be at most ", kMaxUrlLength, " characters"));
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      return InvalidField(field, "must not contain spaces, control or non-ASCII characters");
    }
  }
  absl::string_view rest = url;
  const std::string lower = absl::AsciiStrToLower(url.substr(0, 8));
  if (absl::StartsWith(lower, "https://")) {
    rest.remove_prefix(8);
  } else if (absl::StartsWith(lower, "http://")) {
    rest.remove_prefix(7);
  } else {
    return InvalidField(field, "must be an absolute http:// or https:// URL");
  }
  const std::size_t end = rest.find_first_of("/?#");
  const absl::string_view authority = rest.substr(0, end);
  if (absl::StrContains(authority, "@")) {
    return InvalidField(field, "must not carry credentials (user information before @)");
  }
  absl::string_view host = authority;
  if (absl::StartsWith(host, "[")) {
    const std::size_t close = host.find(']');
    if (close == absl::string_view::npos || close == 1) return InvalidField(field, "has no host");
    host = host.substr(0, close + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  if (host.empty()) return InvalidField(field, "has no host");
  if (host.size() < authority.size() && authority[host.size()] == ':') {
    const absl::string_view port = authority.substr(host.size() + 1);
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return InvalidField(field, "has a bad port");
    }
  }
  // The fragment never reaches the server; a URL with one is a mistake worth naming.
  if (absl::StrContains(rest, "#")) {
    return InvalidField(field, "must not have a fragment");
  }
  return absl::OkStatus();
}

absl::Status ValidateNewSubscription(const WebhookSubscription& subscription) {
  if (subscription.event_types().empty())
    return InvalidField("event_types", "must name at least one");
  if (subscription.event_types_size() > kMaxEventTypes) {
    return InvalidField("event_types", absl::StrCat("at most ", kMaxEventTypes, " entries"));
  }
  for (int i = 0; i < subscription.event_types_size(); ++i) {
    RETURN_IF_ERROR(ValidateEventTypePattern(absl::StrCat("event_types[", i, "]"),
                                             subscription.event_types(i)));
  }
  return ValidateWebhookUrl("url", subscription.url());
}

ScopeHints ScopeHintsOf(absl::string_view type, absl::string_view payload_json) {
  ScopeHints hints;
  google::protobuf::Struct root;
  if (!google::protobuf::util::JsonStringToMessage(std::string(payload_json), &root).ok()) {
    return hints;
  }
  if (absl::StartsWith(type, "directory.office.") ||
      absl::StartsWith(type, "directory.org_unit.")) {
    hints.office_path = StringField(root, "path");
    return hints;
  }
  FillHints(root, hints);
  for (const auto& [key, value] : root.fields()) {
    if (value.has_struct_value()) FillHints(value.struct_value(), hints);
  }
  return hints;
}

bool SubscriptionReceives(const SubscriptionTarget& target, absl::string_view type,
                          absl::string_view event_office_path) {
  if (event_office_path.empty() || !IsDeliverableEventType(type)) return false;
  if (!PathWithin(event_office_path, target.office_path)) return false;
  if (std::find(target.scopes.begin(), target.scopes.end(), RequiredScope(type)) ==
      target.scopes.end()) {
    return false;
  }
  return std::any_of(target.event_types.begin(), target.event_types.end(),
                     [&](const std::string& p) { return EventTypeMatches(p, type); });
}

bool CanManageSubscription(const Principal& principal, const std::string& api_client_id,
                           const std::string& office_id) {
  if (principal.IsApiClient()) return principal.subject_id == api_client_id;
  return principal.HasRole("OFFICE_ADMIN") && !office_id.empty() &&
         principal.office_id == office_id;
}

std::string DeliveryBody(absl::string_view event_id, absl::string_view type,
                         absl::string_view occurred_at, absl::string_view payload_json) {
  return absl::StrCat("{\"id\":", JsonQuote(event_id), ",\"type\":", JsonQuote(type),
                      ",\"occurredAt\":", JsonQuote(occurred_at),
                      ",\"payload\":", payload_json.empty() ? "{}" : payload_json, "}");
}

std::string SignatureHeaderValue(absl::string_view secret, absl::string_view timestamp,
                                 absl::string_view body) {
  const std::string message = absl::StrCat(timestamp, ".", body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &length);
  return absl::StrCat(
      "v1=", absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(mac), length)));
}

bool VerifySignature(absl::string_view secret, absl::string_view timestamp, absl::string_view body,
                     absl::string_view header_value) {
  return SecureEquals(SignatureHeaderValue(secret, timestamp, body), header_value);
}

absl::Duration BackoffDelay(int attempt, const RetryPolicy& policy, double unit) {
  absl::Duration cap = policy.base;
  for (int i = 1; i < attempt && cap < policy.max; ++i) cap *= 2;
  cap = std::min(cap, policy.max);
  unit = std::clamp(unit, 0.0, 1.0);
  return absl::Milliseconds(std::floor(absl::ToDoubleMilliseconds(cap) * unit));
}

std::optional<absl::Time> NextAttemptTime(absl::Time created, absl::Time now, int attempt,
                                          const RetryPolicy& policy, double unit) {
  const absl::Time next = now + BackoffDelay(attempt, policy, unit);
  if (next > created + policy.window) return std::nullopt;
  return next;
}

bool IsDelivered(int http_status) { return http_status >= 200 && http_status < 300; }

std::string DisabledReason(int failures, absl::string_view last_error) {
  return absl::StrCat("disabled after ", failures,
                      " consecutive failed deliveries; last error: ", last_error);
}

}  // namespace xuncha::webhooks
