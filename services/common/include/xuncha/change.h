// Recording a change: the audit row and the outbox event that go with every write, in the
// transaction of the write itself.
#pragma once

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "xuncha/outbox.h"
#include "xuncha/pg.h"
#include "xuncha/rpc.h"

namespace xuncha {

// proto3 JSON (lowerCamelCase, enums as names) of a message, as event payloads carry it.
std::string ToJson(const google::protobuf::Message& message);

// Appends the audit row {actor, action, resource, request id} and the outbox event
// {event_type, aggregate_id = resource, payload = ToJson(payload)}.
absl::Status RecordChange(pqxx::work& tx, const RequestContext& rc, absl::string_view action,
                          const std::string& resource, absl::string_view event_type,
                          const google::protobuf::Message& payload);

// Runs `body` as one transaction and, once it has committed, nudges the outbox relay (may be
// null) so that the change's events go out now rather than at the next poll.
absl::Status CommitChange(PgPool& pool, OutboxRelay* relay,
                          const std::function<absl::Status(pqxx::work&)>& body);

// The same, honouring the caller's Idempotency-Key (see idempotency.h): a retried request gets
// the stored `response` and changes nothing.
absl::Status CommitChangeOnce(PgPool& pool, OutboxRelay* relay, const RequestContext& rc,
                              absl::string_view method, const google::protobuf::Message& request,
                              google::protobuf::Message& response,
                              const std::function<absl::Status(pqxx::work&)>& body);

}  // namespace xuncha
