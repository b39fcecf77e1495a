// SQL of the webhooks schema. Parameterised statements only; no rules here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "domain.h"
#include "xuncha/paging.h"
#include "xuncha/pg.h"

namespace xuncha::webhooks {

struct StoredSubscription {
  WebhookSubscription subscription;  // without secret
  std::string office_path;
  std::vector<std::string> scopes;
  std::string secret;
};

struct ReplicatedApiClient {
  std::string office_id;
  std::vector<std::string> scopes;
};

// A delivery taken by this worker for one attempt.
struct DueDelivery {
  std::string id;
  std::string subscription_id;
  std::string event_id;
  std::string event_type;
  std::string body;
  std::string url;
  std::string secret;
};

// A delivery locked for recording an attempt's outcome.
struct DeliveryForUpdate {
  std::string subscription_id;
  std::string state;
  int attempts = 0;
  absl::Time created;
};

struct ListedSubscription {
  WebhookSubscription subscription;
  std::string page_key;
};

class Repository {
 public:
  // Replicas (directory events).
  static absl::Status UpsertApiClient(pqxx::work& tx, const std::string& id,
                                      const std::string& office_id,
                                      const std::vector<std::string>& scopes);
  static absl::Status UpsertOffice(pqxx::work& tx, const std::string& id, const std::string& path);
  static absl::StatusOr<std::optional<ReplicatedApiClient>> FindApiClient(
      pqxx::transaction_base& tx, const std::string& id);
  static absl::StatusOr<std::string> OfficePath(pqxx::transaction_base& tx,
                                                const std::string& office_id);

  // Subscriptions.
  static absl::StatusOr<WebhookSubscription> InsertSubscription(pqxx::work& tx,
                                                                const StoredSubscription& s);
  static absl::StatusOr<std::optional<StoredSubscription>> FindSubscription(
      pqxx::transaction_base& tx, const std::string& id, bool for_update);
  // `api_client_id` or `office_id` ("" = no filter on it).
  static absl::StatusOr<std::vector<ListedSubscription>> ListSubscriptions(
      pqxx::transaction_base& tx, const std::string& api_client_id, const std::string& office_id,
      const Page& page);
  // ACTIVE subscriptions of the office at `path` and of the offices above it (`path` must be a
  // well-formed ltree path).
  static absl::StatusOr<std::vector<StoredSubscription>> ActiveSubscriptionsOver(
      pqxx::work& tx, const std::string& path);
  static absl::StatusOr<WebhookSubscription> SetSubscriptionState(pqxx::work& tx,
                                                                  const std::string& id,
                                                                  WebhookSubscription::State state,
                                                                  const std::string& reason,
                                                                  int consecutive_failures);
  static absl::Status DeleteSubscription(pqxx::work& tx, const std::string& id);

  // Deliveries. Returns false when the (subscription, event) pair was already queued.
  static absl::StatusOr<bool> InsertDelivery(pqxx::work& tx, const std::string& subscription_id,
                                             const std::string& event_id,
                                             const std::string& event_type,
                                             const std::string& body);
  // Locks up to `limit` due PENDING deliveries of ACTIVE subscriptions (SKIP LOCKED, so replicas
  // take different ones) and pushes their next attempt `lease` ahead: a worker that dies
  // mid-attempt leaves them to be tried again after the lease.
  static absl::StatusOr<std::vector<DueDelivery>> ClaimDueDeliveries(pqxx::work& tx, int limit,
                                                                     absl::Duration lease);
  static absl::StatusOr<std::optional<DeliveryForUpdate>> LockDelivery(pqxx::work& tx,
                                                                       const std::string& id);
  static absl::Status RecordAttempt(pqxx::work& tx, const std::string& delivery_id, int number,
                                    absl::Time started, int http_status, const std::string& error,
                                    absl::Duration duration);
  static absl::Status MarkDelivered(pqxx::work& tx, const std::string& id, int attempts);
  static absl::Status MarkFailed(pqxx::work& tx, const std::string& id, int attempts,
                                 const std::string& reason);
  static absl::Status Reschedule(pqxx::work& tx, const std::string& id, int attempts,
                                 absl::Time next);
  // Fails every PENDING delivery of the subscription with `reason`; returns how many.
  static absl::StatusOr<int> FailPending(pqxx::work& tx, const std::string& subscription_id,
                                         const std::string& reason);
  // Newest first, attempts included; page key = created micros + id.
  static absl::StatusOr<std::vector<std::pair<WebhookDelivery, std::string>>> ListDeliveries(
      pqxx::transaction_base& tx, const std::string& subscription_id, const Page& page);
};

}  // namespace xuncha::webhooks
