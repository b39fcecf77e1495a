// Webhook use cases: one method per RPC (each one transaction with its audit row and event), the
// event handler that queues deliveries, and the delivery worker's round.
#pragma once

#include <mutex>
#include <string>

#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "domain.h"
#include "http_sender.h"
#include "repository.h"
#include "xuncha/outbox.h"
#include "xuncha/pg.h"
#include "xuncha/rpc.h"

namespace xuncha::webhooks {

struct WebhookSettings {
  RetryPolicy retry;
  absl::Duration timeout = absl::Seconds(10);  // per attempt
  int batch = 20;                              // deliveries claimed per round
  // A claimed delivery is not claimed again before timeout + this: its attempt has ended by
  // then, or its worker died and the delivery is tried again.
  absl::Duration lease_margin = absl::Seconds(30);
};

class WebhooksApp {
 public:
  // `relay` may be null (events wait in the outbox until a relay runs).
  WebhooksApp(PgPool& pool, OutboxRelay* relay, WebhookSettings settings)
      : pool_(pool), relay_(relay), settings_(settings) {}

  absl::StatusOr<v1::CreatedWebhookSubscription> CreateSubscription(
      const RequestContext& rc, const v1::CreateWebhookSubscriptionRequest& request);
  absl::StatusOr<v1::ListWebhookSubscriptionsResponse> ListSubscriptions(
      const RequestContext& rc, const v1::ListWebhookSubscriptionsRequest& request);
  absl::StatusOr<WebhookSubscription> GetSubscription(const RequestContext& rc,
                                                      const std::string& id);
  absl::StatusOr<WebhookSubscription> DeleteSubscription(
      const RequestContext& rc, const v1::DeleteWebhookSubscriptionRequest& request);
  absl::StatusOr<WebhookSubscription> EnableSubscription(
      const RequestContext& rc, const v1::EnableWebhookSubscriptionRequest& request);
  absl::StatusOr<v1::ListWebhookDeliveriesResponse> ListDeliveries(
      const RequestContext& rc, const v1::ListWebhookDeliveriesRequest& request);

  // EventHandler of the consumer on every service's stream: keeps the engagement, office and
  // API-client replicas, and queues one delivery per receiving subscription, in the consumer's
  // transaction (so a redelivered event queues nothing twice).
  absl::Status HandleEvent(pqxx::work& tx, const ConsumedEvent& event);

  // The worker's round: claims due deliveries, makes one attempt each, records it. Returns the
  // number of attempts made.
  absl::StatusOr<int> DeliverDue(HttpSender& sender);

 private:
  // NOT_FOUND unless the caller manages the subscription (its existence is not disclosed).
  absl::StatusOr<StoredSubscription> Load(pqxx::transaction_base& tx, const RequestContext& rc,
                                          const std::string& id, bool for_update);
  // The event's office path, or "" when it cannot be determined.
  absl::StatusOr<std::string> EventOfficePath(pqxx::work& tx, const ConsumedEvent& event);
  absl::Status RecordOutcome(const DueDelivery& delivery, absl::Time started,
                             const HttpResult& result);
  double Jitter();

  PgPool& pool_;
  OutboxRelay* relay_;
  WebhookSettings settings_;
  std::mutex random_mu_;
  absl::BitGen random_;
};

}  // namespace xuncha::webhooks
