#include "xuncha/change.h"

#include "google/protobuf/util/json_util.h"
#include "xuncha/audit.h"
#include "xuncha/idempotency.h"
#include "xuncha/outbox.h"
#include "xuncha/status.h"

namespace xuncha {

std::string ToJson(const google::protobuf::Message& message) {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(message, &out);
  return out;
}

absl::Status RecordChange(pqxx::work& tx, const RequestContext& rc, absl::string_view action,
                          const std::string& resource, absl::string_view event_type,
                          const google::protobuf::Message& payload) {
  const std::string actor = rc.principal.subject_id.empty() ? "system" : rc.principal.ActorLabel();
  RETURN_IF_ERROR(AppendAudit(tx, {actor, std::string(action), resource, rc.request_id}).status());
  return AppendOutbox(tx, {std::string(event_type), resource, ToJson(payload)}).status();
}

absl::Status CommitChange(PgPool& pool, OutboxRelay* relay,
                          const std::function<absl::Status(pqxx::work&)>& body) {
  RETURN_IF_ERROR(pool.Transact(body));
  if (relay != nullptr) relay->Wake();
  return absl::OkStatus();
}

absl::Status CommitChangeOnce(PgPool& pool, OutboxRelay* relay, const RequestContext& rc,
                              absl::string_view method, const google::protobuf::Message& request,
                              google::protobuf::Message& response,
                              const std::function<absl::Status(pqxx::work&)>& body) {
  RETURN_IF_ERROR(IdempotentTransact(pool, rc, method, request, response, body));
  if (relay != nullptr) relay->Wake();
  return absl::OkStatus();
}

}  // namespace xuncha
