#include "xuncha/change.h"

#include "google/protobuf/util/json_util.h"
#include "xuncha/audit.h"
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

}  // namespace xuncha
