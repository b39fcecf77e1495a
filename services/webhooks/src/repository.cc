#include "repository.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "xuncha/pg.h"

namespace xuncha::webhooks {
namespace {

// A timestamptz parameter from microseconds since the epoch, exact.
std::string MicrosParam(absl::Time t) { return absl::StrCat(absl::ToUnixMicros(t)); }
std::string At(int param) {
  return absl::StrCat("('epoch'::timestamptz + ($", param, ")::bigint * interval '1 microsecond')");
}

std::string SubscriptionColumns() {
  return absl::StrCat(
      "id::text, api_client_id, office_id, office_path::text, scopes::text, event_types::text, "
      "url, secret, state, disabled_reason, consecutive_failures, created_by, ",
      SqlMicros("created_at"), ", ", SqlMicros("updated_at"));
}

StoredSubscription ParseSubscription(const pqxx::row& row) {
  StoredSubscription s;
  WebhookSubscription& sub = s.subscription;
  sub.set_id(row[0].as<std::string>());
  sub.set_api_client_id(row[1].as<std::string>());
  sub.set_office_id(row[2].as<std::string>());
  s.office_path = row[3].as<std::string>();
  s.scopes = ParsePgTextArray(row[4].as<std::string>());
  for (auto& t : ParsePgTextArray(row[5].as<std::string>())) sub.add_event_types(t);
  sub.set_url(row[6].as<std::string>());
  s.secret = row[7].as<std::string>();
  WebhookSubscription::State state = WebhookSubscription::STATE_UNSPECIFIED;
  WebhookSubscription::State_Parse(row[8].as<std::string>(), &state);
  sub.set_state(state);
  sub.set_disabled_reason(row[9].as<std::string>());
  sub.set_consecutive_failures(row[10].as<int>());
  sub.set_created_by(row[11].as<std::string>());
  SetTimestampMicros(sub.mutable_create_time(), row[12].as<int64_t>());
  SetTimestampMicros(sub.mutable_update_time(), row[13].as<int64_t>());
  return s;
}

absl::StatusOr<int64_t> AfterMicros(const std::string& after) {
  if (after.empty()) return -1;
  int64_t micros = -1;
  if (!absl::SimpleAtoi(after, &micros)) {
    return absl::InvalidArgumentError("page_token: not a token of this list");
  }
  return micros;
}

}  // namespace

absl::Status Repository::UpsertApiClient(pqxx::work& tx, const std::string& id,
                                         const std::string& office_id,
                                         const std::vector<std::string>& scopes) {
  PgExec(tx,
         "INSERT INTO api_clients (id, office_id, scopes) VALUES ($1, $2, $3::text[]) "
         "ON CONFLICT (id) DO UPDATE SET office_id = EXCLUDED.office_id, scopes = EXCLUDED.scopes, "
         "updated_at = now()",
         id, office_id, PgTextArray(scopes));
  return absl::OkStatus();
}

absl::Status Repository::UpsertOffice(pqxx::work& tx, const std::string& id,
                                      const std::string& path) {
  PgExec(tx,
         "INSERT INTO offices (id, path) VALUES ($1, $2::ltree) "
         "ON CONFLICT (id) DO UPDATE SET path = EXCLUDED.path, updated_at = now()",
         id, path);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ReplicatedApiClient>> Repository::FindApiClient(
    pqxx::transaction_base& tx, const std::string& id) {
  pqxx::result r = PgExec(tx, "SELECT office_id, scopes::text FROM api_clients WHERE id = $1", id);
  if (r.empty()) return std::nullopt;
  return ReplicatedApiClient{r[0][0].as<std::string>(),
                             ParsePgTextArray(r[0][1].as<std::string>())};
}

absl::StatusOr<std::string> Repository::OfficePath(pqxx::transaction_base& tx,
                                                   const std::string& office_id) {
  pqxx::result r = PgExec(tx, "SELECT path::text FROM offices WHERE id = $1", office_id);
  return r.empty() ? std::string() : r[0][0].as<std::string>();
}

absl::StatusOr<WebhookSubscription> Repository::InsertSubscription(pqxx::work& tx,
                                                                   const StoredSubscription& s) {
  const WebhookSubscription& sub = s.subscription;
  std::vector<std::string> types(sub.event_types().begin(), sub.event_types().end());
  pqxx::result r = PgExec(
      tx,
      absl::StrCat("INSERT INTO subscriptions (id, api_client_id, office_id, office_path, scopes, "
                   "event_types, url, secret, state, created_by) VALUES (gen_random_uuid(), $1, "
                   "$2, $3::ltree, $4::text[], $5::text[], $6, $7, 'ACTIVE', $8) RETURNING ",
                   SubscriptionColumns()),
      sub.api_client_id(), sub.office_id(), s.office_path, PgTextArray(s.scopes),
      PgTextArray(types), sub.url(), s.secret, sub.created_by());
  return ParseSubscription(r[0]).subscription;
}

absl::StatusOr<std::optional<StoredSubscription>> Repository::FindSubscription(
    pqxx::transaction_base& tx, const std::string& id, bool for_update) {
  pqxx::result r = PgExec(
      tx,
      absl::StrCat("SELECT ", SubscriptionColumns(), " FROM subscriptions WHERE id = $1::uuid",
                   for_update ? " FOR UPDATE" : ""),
      id);
  if (r.empty()) return std::nullopt;
  return ParseSubscription(r[0]);
}

absl::StatusOr<std::vector<ListedSubscription>> Repository::ListSubscriptions(
    pqxx::transaction_base& tx, const std::string& api_client_id, const std::string& office_id,
    const Page& page) {
  const auto [after_micros, after_id] = SplitPageKey(page.after);
  absl::StatusOr<int64_t> micros = AfterMicros(after_micros);
  if (!micros.ok()) return micros.status();
  pqxx::result r =
      PgExec(tx,
             absl::StrCat("SELECT ", SubscriptionColumns(),
                          " FROM subscriptions WHERE ($1 = '' OR api_client_id = $1) "
                          "AND ($2 = '' OR office_id = $2) AND ($3::bigint < 0 OR (",
                          SqlMicros("created_at"), ", id::text) > ($3::bigint, $4)) ORDER BY ",
                          SqlMicros("created_at"), ", id::text LIMIT $5"),
             api_client_id, office_id, *micros, after_id, page.size + 1);
  std::vector<ListedSubscription> out;
  for (const auto& row : r) {
    StoredSubscription s = ParseSubscription(row);
    out.push_back({s.subscription, PageKey(row[12].as<std::string>(), row[0].as<std::string>())});
  }
  return out;
}

absl::StatusOr<std::vector<StoredSubscription>> Repository::ActiveSubscriptionsOver(
    pqxx::work& tx, const std::string& path) {
  pqxx::result r = PgExec(
      tx,
      absl::StrCat("SELECT ", SubscriptionColumns(),
                   " FROM subscriptions WHERE state = 'ACTIVE' AND office_path @> $1::ltree"),
      path);
  std::vector<StoredSubscription> out;
  for (const auto& row : r) out.push_back(ParseSubscription(row));
  return out;
}

absl::StatusOr<WebhookSubscription> Repository::SetSubscriptionState(
    pqxx::work& tx, const std::string& id, WebhookSubscription::State state,
    const std::string& reason, int consecutive_failures) {
  pqxx::result r = PgExec(
      tx,
      absl::StrCat("UPDATE subscriptions SET state = $2, disabled_reason = $3, "
                   "consecutive_failures = $4, updated_at = now() WHERE id = $1::uuid RETURNING ",
                   SubscriptionColumns()),
      id, WebhookSubscription::State_Name(state), reason, consecutive_failures);
  if (r.empty()) return absl::NotFoundError(absl::StrCat("id: no subscription ", id));
  return ParseSubscription(r[0]).subscription;
}

absl::Status Repository::DeleteSubscription(pqxx::work& tx, const std::string& id) {
  PgExec(tx, "DELETE FROM subscriptions WHERE id = $1::uuid", id);
  return absl::OkStatus();
}

absl::StatusOr<bool> Repository::InsertDelivery(pqxx::work& tx, const std::string& subscription_id,
                                                const std::string& event_id,
                                                const std::string& event_type,
                                                const std::string& body) {
  pqxx::result r =
      PgExec(tx,
             "INSERT INTO deliveries (subscription_id, event_id, event_type, body) "
             "VALUES ($1::uuid, $2, $3, $4) ON CONFLICT (subscription_id, event_id) DO NOTHING "
             "RETURNING id",
             subscription_id, event_id, event_type, body);
  return !r.empty();
}

absl::StatusOr<std::vector<DueDelivery>> Repository::ClaimDueDeliveries(pqxx::work& tx, int limit,
                                                                        absl::Duration lease) {
  pqxx::result r = PgExec(
      tx,
      "WITH due AS (SELECT d.id FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id "
      "WHERE d.state = 'PENDING' AND d.next_attempt_at <= now() AND s.state = 'ACTIVE' "
      "ORDER BY d.next_attempt_at LIMIT $1 FOR UPDATE OF d SKIP LOCKED) "
      "UPDATE deliveries d SET next_attempt_at = now() + ($2)::bigint * interval '1 millisecond' "
      "FROM due, subscriptions s WHERE d.id = due.id AND s.id = d.subscription_id "
      "RETURNING d.id::text, d.subscription_id::text, d.event_id, d.event_type, d.body, s.url, "
      "s.secret",
      limit, absl::ToInt64Milliseconds(lease));
  std::vector<DueDelivery> out;
  for (const auto& row : r) {
    out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                   row[3].as<std::string>(), row[4].as<std::string>(), row[5].as<std::string>(),
                   row[6].as<std::string>()});
  }
  return out;
}

absl::StatusOr<std::optional<DeliveryForUpdate>> Repository::LockDelivery(pqxx::work& tx,
                                                                          const std::string& id) {
  pqxx::result r = PgExec(
      tx,
      absl::StrCat("SELECT subscription_id::text, state, attempts, ", SqlMicros("created_at"),
                   " FROM deliveries WHERE id = $1::uuid FOR UPDATE"),
      id);
  if (r.empty()) return std::nullopt;
  return DeliveryForUpdate{r[0][0].as<std::string>(), r[0][1].as<std::string>(), r[0][2].as<int>(),
                           absl::FromUnixMicros(r[0][3].as<int64_t>())};
}

absl::Status Repository::RecordAttempt(pqxx::work& tx, const std::string& delivery_id, int number,
                                       absl::Time started, int http_status,
                                       const std::string& error, absl::Duration duration) {
  PgExec(tx,
         absl::StrCat("INSERT INTO delivery_attempts (delivery_id, number, started_at, "
                      "http_status, error, duration_ms) VALUES ($1::uuid, $2, ",
                      At(3), ", $4, $5, $6)"),
         delivery_id, number, MicrosParam(started), http_status, error,
         absl::ToInt64Milliseconds(duration));
  return absl::OkStatus();
}

absl::Status Repository::MarkDelivered(pqxx::work& tx, const std::string& id, int attempts) {
  PgExec(tx,
         "UPDATE deliveries SET state = 'DELIVERED', attempts = $2, finished_at = now() "
         "WHERE id = $1::uuid",
         id, attempts);
  return absl::OkStatus();
}

absl::Status Repository::MarkFailed(pqxx::work& tx, const std::string& id, int attempts,
                                    const std::string& reason) {
  PgExec(tx,
         "UPDATE deliveries SET state = 'FAILED', attempts = $2, finished_at = now(), "
         "failure_reason = $3 WHERE id = $1::uuid",
         id, attempts, reason);
  return absl::OkStatus();
}

absl::Status Repository::Reschedule(pqxx::work& tx, const std::string& id, int attempts,
                                    absl::Time next) {
  PgExec(tx,
         absl::StrCat("UPDATE deliveries SET attempts = $2, next_attempt_at = ", At(3),
                      " WHERE id = $1::uuid"),
         id, attempts, MicrosParam(next));
  return absl::OkStatus();
}

absl::StatusOr<int> Repository::FailPending(pqxx::work& tx, const std::string& subscription_id,
                                            const std::string& reason) {
  pqxx::result r =
      PgExec(tx,
             "UPDATE deliveries SET state = 'FAILED', finished_at = now(), failure_reason = $2 "
             "WHERE subscription_id = $1::uuid AND state = 'PENDING' RETURNING id",
             subscription_id, reason);
  return static_cast<int>(r.size());
}

absl::StatusOr<std::vector<std::pair<WebhookDelivery, std::string>>> Repository::ListDeliveries(
    pqxx::transaction_base& tx, const std::string& subscription_id, const Page& page) {
  const auto [after_micros, after_id] = SplitPageKey(page.after);
  absl::StatusOr<int64_t> micros = AfterMicros(after_micros);
  if (!micros.ok()) return micros.status();
  pqxx::result r = PgExec(
      tx,
      absl::StrCat("SELECT id::text, event_id, event_type, state, ", SqlMicros("created_at"), ", ",
                   SqlMicros("next_attempt_at"), ", coalesce(", SqlMicros("finished_at"),
                   ", 0), failure_reason FROM deliveries WHERE subscription_id = $1::uuid "
                   "AND ($2::bigint < 0 OR (",
                   SqlMicros("created_at"), ", id::text) < ($2::bigint, $3)) ORDER BY ",
                   SqlMicros("created_at"), " DESC, id::text DESC LIMIT $4"),
      subscription_id, *micros, after_id, page.size + 1);
  std::vector<std::pair<WebhookDelivery, std::string>> out;
  std::vector<std::string> ids;
  for (const auto& row : r) {
    WebhookDelivery d;
    d.set_id(row[0].as<std::string>());
    d.set_event_id(row[1].as<std::string>());
    d.set_event_type(row[2].as<std::string>());
    WebhookDelivery::State state = WebhookDelivery::STATE_UNSPECIFIED;
    WebhookDelivery::State_Parse(row[3].as<std::string>(), &state);
    d.set_state(state);
    SetTimestampMicros(d.mutable_create_time(), row[4].as<int64_t>());
    if (state == WebhookDelivery::PENDING) {
      SetTimestampMicros(d.mutable_next_attempt_time(), row[5].as<int64_t>());
    } else {
      SetTimestampMicros(d.mutable_finish_time(), row[6].as<int64_t>());
    }
    d.set_failure_reason(row[7].as<std::string>());
    ids.push_back(d.id());
    out.emplace_back(std::move(d), PageKey(row[4].as<std::string>(), row[0].as<std::string>()));
  }
  if (ids.empty()) return out;
  pqxx::result a =
      PgExec(tx,
             absl::StrCat("SELECT delivery_id::text, number, ", SqlMicros("started_at"),
                          ", http_status, error, duration_ms FROM delivery_attempts "
                          "WHERE delivery_id::text = ANY($1::text[]) ORDER BY delivery_id, number"),
             PgTextArray(ids));
  for (const auto& row : a) {
    const std::string delivery_id = row[0].as<std::string>();
    for (auto& [d, key] : out) {
      if (d.id() != delivery_id) continue;
      WebhookDelivery::Attempt* attempt = d.add_attempts();
      attempt->set_number(row[1].as<int>());
      SetTimestampMicros(attempt->mutable_time(), row[2].as<int64_t>());
      attempt->set_http_status(row[3].as<int>());
      attempt->set_error(row[4].as<std::string>());
      attempt->set_duration_ms(row[5].as<int>());
    }
  }
  return out;
}

}  // namespace xuncha::webhooks
