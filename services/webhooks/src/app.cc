#include "app.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "xuncha/change.h"
#include "xuncha/crypto.h"
#include "xuncha/directory/v1/directory.pb.h"
#include "xuncha/engagements.h"
#include "xuncha/log.h"
#include "xuncha/paging.h"
#include "xuncha/scope.h"
#include "xuncha/status.h"
#include "xuncha/validation.h"

namespace xuncha::webhooks {
namespace {

constexpr char kOfficeCreatedEvent[] = "directory.office.created";
constexpr char kApiClientCreatedEvent[] = "directory.api_client.created";
// Rounds of claiming per worker run, so one run drains a backlog without running forever.
constexpr int kMaxRoundsPerRun = 10;

std::string Resource(const std::string& id) { return absl::StrCat("webhookSubscriptions/", id); }

absl::Status NoSuchSubscription(const std::string& id) {
  return absl::NotFoundError(absl::StrCat("id: no webhook subscription ", id));
}

bool IsManager(const Principal& p) { return p.IsApiClient() || p.HasRole("OFFICE_ADMIN"); }

absl::Status NotAManager() {
  return absl::PermissionDeniedError(
      "webhook subscriptions are managed by the API client itself or an office admin");
}

template <typename M>
bool ParsePayload(const std::string& json, M* message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  return google::protobuf::util::JsonStringToMessage(json, message, options).ok();
}

}  // namespace

absl::StatusOr<StoredSubscription> WebhooksApp::Load(pqxx::transaction_base& tx,
                                                     const RequestContext& rc,
                                                     const std::string& id, bool for_update) {
  if (!IsManager(rc.principal)) return NotAManager();
  RETURN_IF_ERROR(ValidateId("id", id));
  ASSIGN_OR_RETURN(std::optional<StoredSubscription> s,
                   Repository::FindSubscription(tx, id, for_update));
  // Other clients' subscriptions (and their URLs) are not disclosed, not even that they exist.
  if (!s || !CanManageSubscription(rc.principal, s->subscription.api_client_id(),
                                   s->subscription.office_id())) {
    return NoSuchSubscription(id);
  }
  return std::move(*s);
}

absl::StatusOr<v1::CreatedWebhookSubscription> WebhooksApp::CreateSubscription(
    const RequestContext& rc, const v1::CreateWebhookSubscriptionRequest& request) {
  const Principal& p = rc.principal;
  if (!IsManager(p)) return NotAManager();
  const WebhookSubscription& wanted = request.subscription();
  RETURN_IF_ERROR(ValidateNewSubscription(wanted));
  if (p.IsApiClient()) {
    if (!wanted.api_client_id().empty() && wanted.api_client_id() != p.subject_id) {
      return absl::PermissionDeniedError(
          "api_client_id: an API client manages only its own subscriptions");
    }
  } else {
    RETURN_IF_ERROR(ValidateText("api_client_id", wanted.api_client_id(), 100));
  }
  v1::CreatedWebhookSubscription response;
  RETURN_IF_ERROR(CommitChangeOnce(
      pool_, relay_, rc, "CreateWebhookSubscription", request, response,
      [&](pqxx::work& tx) -> absl::Status {
        StoredSubscription s;
        s.subscription.set_url(wanted.url());
        *s.subscription.mutable_event_types() = wanted.event_types();
        s.subscription.set_created_by(p.ActorLabel());
        if (p.IsApiClient()) {
          s.subscription.set_api_client_id(p.subject_id);
          s.scopes = p.scopes;
        } else {
          ASSIGN_OR_RETURN(std::optional<ReplicatedApiClient> client,
                           Repository::FindApiClient(tx, wanted.api_client_id()));
          // An office admin acts for the clients of their own office only.
          if (!client || client->office_id != p.office_id) {
            return absl::NotFoundError(absl::StrCat("api_client_id: no API client ",
                                                    wanted.api_client_id(), " in your office"));
          }
          s.subscription.set_api_client_id(wanted.api_client_id());
          s.scopes = client->scopes;
        }
        // The client's office is the caller's: a client's token, or the admin of its office.
        s.subscription.set_office_id(p.office_id);
        s.office_path = p.office_path;
        if (p.office_id.empty() || p.office_path.empty()) {
          return absl::FailedPreconditionError(
              "api_client_id: the API client belongs to no office, so no event is visible to it");
        }
        for (int i = 0; i < wanted.event_types_size(); ++i) {
          RETURN_IF_ERROR(CheckPatternScopes(absl::StrCat("event_types[", i, "]"),
                                             wanted.event_types(i), s.scopes));
        }
        s.secret = RandomHex(32);
        ASSIGN_OR_RETURN(WebhookSubscription created, Repository::InsertSubscription(tx, s));
        RETURN_IF_ERROR(RecordChange(tx, rc, "webhook_subscription.create", Resource(created.id()),
                                     "webhooks.subscription.created", created));
        *response.mutable_subscription() = created;
        response.set_secret(s.secret);
        return absl::OkStatus();
      }));
  return response;
}

absl::StatusOr<v1::ListWebhookSubscriptionsResponse> WebhooksApp::ListSubscriptions(
    const RequestContext& rc, const v1::ListWebhookSubscriptionsRequest& request) {
  const Principal& p = rc.principal;
  if (!IsManager(p)) return NotAManager();
  ASSIGN_OR_RETURN(Page page, DecodePage(request.page_size(), request.page_token()));
  std::string client_filter = request.api_client_id();
  std::string office_filter;
  if (p.IsApiClient()) {
    if (!client_filter.empty() && client_filter != p.subject_id) {
      return absl::PermissionDeniedError(
          "api_client_id: an API client sees only its own subscriptions");
    }
    client_filter = p.subject_id;
  } else {
    if (p.office_id.empty()) return NotAManager();
    office_filter = p.office_id;
  }
  return pool_.ReadWith<v1::ListWebhookSubscriptionsResponse>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::ListWebhookSubscriptionsResponse> {
        ASSIGN_OR_RETURN(std::vector<ListedSubscription> rows,
                         Repository::ListSubscriptions(tx, client_filter, office_filter, page));
        const bool more = static_cast<int>(rows.size()) > page.size;
        if (more) rows.resize(page.size);
        v1::ListWebhookSubscriptionsResponse out;
        for (auto& row : rows) *out.add_subscriptions() = std::move(row.subscription);
        if (more && !rows.empty()) out.set_next_page_token(EncodePageToken(rows.back().page_key));
        return out;
      });
}

absl::StatusOr<WebhookSubscription> WebhooksApp::GetSubscription(const RequestContext& rc,
                                                                 const std::string& id) {
  return pool_.ReadWith<WebhookSubscription>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<WebhookSubscription> {
        ASSIGN_OR_RETURN(StoredSubscription s, Load(tx, rc, id, false));
        return s.subscription;
      });
}

absl::StatusOr<WebhookSubscription> WebhooksApp::DeleteSubscription(
    const RequestContext& rc, const v1::DeleteWebhookSubscriptionRequest& request) {
  WebhookSubscription response;
  RETURN_IF_ERROR(CommitChangeOnce(
      pool_, relay_, rc, "DeleteWebhookSubscription", request, response,
      [&](pqxx::work& tx) -> absl::Status {
        ASSIGN_OR_RETURN(StoredSubscription s, Load(tx, rc, request.id(), true));
        // Pending deliveries and the attempt history go with it (ON DELETE CASCADE): nothing is
        // sent for a subscription that no longer exists.
        RETURN_IF_ERROR(Repository::DeleteSubscription(tx, request.id()));
        RETURN_IF_ERROR(RecordChange(tx, rc, "webhook_subscription.delete", Resource(request.id()),
                                     "webhooks.subscription.deleted", s.subscription));
        response = s.subscription;
        return absl::OkStatus();
      }));
  return response;
}

absl::StatusOr<WebhookSubscription> WebhooksApp::EnableSubscription(
    const RequestContext& rc, const v1::EnableWebhookSubscriptionRequest& request) {
  WebhookSubscription response;
  RETURN_IF_ERROR(CommitChangeOnce(
      pool_, relay_, rc, "EnableWebhookSubscription", request, response,
      [&](pqxx::work& tx) -> absl::Status {
        ASSIGN_OR_RETURN(StoredSubscription s, Load(tx, rc, request.id(), true));
        if (s.subscription.state() != WebhookSubscription::DISABLED) {
          return absl::FailedPreconditionError(absl::StrCat(
              "state: the subscription is ",
              WebhookSubscription::State_Name(s.subscription.state()), "; enable needs DISABLED"));
        }
        ASSIGN_OR_RETURN(response, Repository::SetSubscriptionState(
                                       tx, request.id(), WebhookSubscription::ACTIVE, "", 0));
        return RecordChange(tx, rc, "webhook_subscription.enable", Resource(request.id()),
                            "webhooks.subscription.enabled", response);
      }));
  return response;
}

absl::StatusOr<v1::ListWebhookDeliveriesResponse> WebhooksApp::ListDeliveries(
    const RequestContext& rc, const v1::ListWebhookDeliveriesRequest& request) {
  ASSIGN_OR_RETURN(Page page, DecodePage(request.page_size(), request.page_token()));
  return pool_.ReadWith<v1::ListWebhookDeliveriesResponse>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::ListWebhookDeliveriesResponse> {
        ASSIGN_OR_RETURN(StoredSubscription s, Load(tx, rc, request.id(), false));
        ASSIGN_OR_RETURN(auto rows, Repository::ListDeliveries(tx, request.id(), page));
        const bool more = static_cast<int>(rows.size()) > page.size;
        if (more) rows.resize(page.size);
        v1::ListWebhookDeliveriesResponse out;
        for (auto& [delivery, key] : rows) *out.add_deliveries() = std::move(delivery);
        if (more && !rows.empty()) out.set_next_page_token(EncodePageToken(rows.back().second));
        return out;
      });
}

absl::StatusOr<std::string> WebhooksApp::EventOfficePath(pqxx::work& tx,
                                                         const ConsumedEvent& event) {
  const ScopeHints hints = ScopeHintsOf(event.type, event.payload_json);
  if (!hints.engagement_id.empty()) {
    absl::StatusOr<EngagementSnapshot> engagement = LoadEngagement(tx, hints.engagement_id);
    if (engagement.ok()) return engagement->office_path();
    if (!absl::IsNotFound(engagement.status())) return engagement.status();
    // Not replicated (yet): fall through to what else the payload names.
  }
  if (!hints.office_path.empty()) return hints.office_path;
  if (!hints.office_id.empty()) return Repository::OfficePath(tx, hints.office_id);
  return std::string();
}

absl::Status WebhooksApp::HandleEvent(pqxx::work& tx, const ConsumedEvent& event) {
  if (event.type == kEngagementChangedEvent) return HandleEngagementEvent(tx, event);
  if (event.type == kOfficeCreatedEvent) {
    directory::v1::Office office;
    if (ParsePayload(event.payload_json, &office) && !office.id().empty() &&
        IsLtreePath(office.path())) {
      RETURN_IF_ERROR(Repository::UpsertOffice(tx, office.id(), office.path()));
    }
  } else if (event.type == kApiClientCreatedEvent) {
    directory::v1::ApiClient client;
    if (ParsePayload(event.payload_json, &client) && !client.id().empty()) {
      RETURN_IF_ERROR(Repository::UpsertApiClient(
          tx, client.id(), client.office_id(),
          std::vector<std::string>(client.scopes().begin(), client.scopes().end())));
    }
  }
  if (!IsDeliverableEventType(event.type)) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::string office_path, EventOfficePath(tx, event));
  // An event whose office cannot be told (no engagement, office path or known office id in its
  // payload, e.g. the calendar) goes to no subscription: every subscription is an office's, and
  // sending an event whose visibility is unknown could disclose another office's data.
  // A malformed path in a payload is treated the same way (and must not fail the event).
  if (!IsLtreePath(office_path)) return absl::OkStatus();
  // The index narrows to the offices above; SubscriptionReceives decides (PathWithin, types,
  // scopes).
  ASSIGN_OR_RETURN(std::vector<StoredSubscription> subscriptions,
                   Repository::ActiveSubscriptionsOver(tx, office_path));
  std::string body;
  for (const StoredSubscription& s : subscriptions) {
    const SubscriptionTarget target{s.office_path,
                                    std::vector<std::string>(s.subscription.event_types().begin(),
                                                             s.subscription.event_types().end()),
                                    s.scopes};
    if (!SubscriptionReceives(target, event.type, office_path)) continue;
    if (body.empty()) {
      body = DeliveryBody(event.event_id, event.type, event.occurred_at, event.payload_json);
    }
    RETURN_IF_ERROR(
        Repository::InsertDelivery(tx, s.subscription.id(), event.event_id, event.type, body)
            .status());
  }
  return absl::OkStatus();
}

double WebhooksApp::Jitter() {
  std::lock_guard lock(random_mu_);
  return absl::Uniform(random_, 0.0, 1.0);
}

absl::StatusOr<int> WebhooksApp::DeliverDue(HttpSender& sender) {
  int attempts = 0;
  for (int round = 0; round < kMaxRoundsPerRun; ++round) {
    ASSIGN_OR_RETURN(std::vector<DueDelivery> claimed,
                     pool_.TransactWith<std::vector<DueDelivery>>(
                         [&](pqxx::work& tx) -> absl::StatusOr<std::vector<DueDelivery>> {
                           return Repository::ClaimDueDeliveries(
                               tx, settings_.batch, settings_.timeout + settings_.lease_margin);
                         }));
    for (const DueDelivery& d : claimed) {
      const std::string timestamp = absl::StrCat(absl::ToUnixSeconds(absl::Now()));
      const std::vector<std::pair<std::string, std::string>> headers = {
          {kEventIdHeader, d.event_id},
          {kEventTypeHeader, d.event_type},
          {kTimestampHeader, timestamp},
          {kSignatureHeader, SignatureHeaderValue(d.secret, timestamp, d.body)},
      };
      const absl::Time started = absl::Now();
      const HttpResult result = sender.Post(d.url, headers, d.body, settings_.timeout);
      // A failure to record leaves the delivery claimed until its lease ends; it is then tried
      // again (receivers dedup by event id).
      RETURN_IF_ERROR(RecordOutcome(d, started, result));
      ++attempts;
    }
    if (static_cast<int>(claimed.size()) < settings_.batch) break;
  }
  return attempts;
}

absl::Status WebhooksApp::RecordOutcome(const DueDelivery& d, absl::Time started,
                                        const HttpResult& result) {
  const bool delivered = result.error.empty() && IsDelivered(result.status);
  const std::string error = !result.error.empty()
                                ? result.error
                                : (delivered ? "" : absl::StrCat("HTTP ", result.status));
  const double unit = Jitter();
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<DeliveryForUpdate> locked, Repository::LockDelivery(tx, d.id));
    // Deleted with its subscription meanwhile: nothing left to record on.
    if (!locked) return absl::OkStatus();
    const int number = locked->attempts + 1;
    RETURN_IF_ERROR(Repository::RecordAttempt(tx, d.id, number, started, result.status, error,
                                              result.duration));
    // Failed meanwhile because the subscription was disabled: the attempt is on the record, the
    // outcome stands.
    if (locked->state != "PENDING") {
      return Repository::Reschedule(tx, d.id, number, absl::Now());  // keeps the count
    }
    ASSIGN_OR_RETURN(std::optional<StoredSubscription> sub,
                     Repository::FindSubscription(tx, locked->subscription_id, true));
    if (!sub) return absl::OkStatus();
    const WebhookSubscription& s = sub->subscription;
    if (delivered) {
      RETURN_IF_ERROR(Repository::MarkDelivered(tx, d.id, number));
      if (s.consecutive_failures() > 0) {
        RETURN_IF_ERROR(
            Repository::SetSubscriptionState(tx, s.id(), s.state(), s.disabled_reason(), 0)
                .status());
      }
      return absl::OkStatus();
    }
    const std::optional<absl::Time> next =
        NextAttemptTime(locked->created, absl::Now(), number, settings_.retry, unit);
    if (next) return Repository::Reschedule(tx, d.id, number, *next);
    RETURN_IF_ERROR(Repository::MarkFailed(
        tx, d.id, number,
        absl::StrCat("retry window of ", absl::FormatDuration(settings_.retry.window),
                     " exceeded after ", number, " attempts; last error: ", error)));
    const int failures = s.consecutive_failures() + 1;
    if (s.state() != WebhookSubscription::ACTIVE || failures < settings_.retry.disable_after) {
      return Repository::SetSubscriptionState(tx, s.id(), s.state(), s.disabled_reason(), failures)
          .status();
    }
    const std::string reason = DisabledReason(failures, error);
    ASSIGN_OR_RETURN(WebhookSubscription disabled,
                     Repository::SetSubscriptionState(tx, s.id(), WebhookSubscription::DISABLED,
                                                      reason, failures));
    ASSIGN_OR_RETURN(int dropped,
                     Repository::FailPending(tx, s.id(), "subscription disabled: " + reason));
    log::Warning("webhook subscription disabled",
                 {{"subscription", s.id()}, {"pending_failed", absl::StrCat(dropped)}});
    RequestContext system;
    return RecordChange(tx, system, "webhook_subscription.disable", Resource(s.id()),
                        "webhooks.subscription.disabled", disabled);
  });
}

}  // namespace xuncha::webhooks
