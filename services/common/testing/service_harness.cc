#include "service_harness.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "xuncha/crypto.h"

namespace xuncha::testing {

std::string NewUuid() {
  const std::string h = RandomHex(16);
  return absl::StrCat(h.substr(0, 8), "-", h.substr(8, 4), "-4", h.substr(13, 3), "-8",
                      h.substr(17, 3), "-", h.substr(20, 12));
}

std::string SignUserToken(const TokenSigner& signer, const std::string& office_id,
                          const std::string& office_path, const std::vector<std::string>& roles,
                          const std::string& person_id, const std::string& unit_path) {
  TokenClaims c;
  c.set_sub(NewUuid());
  c.set_kind(TokenClaims::USER);
  c.set_office_id(office_id);
  c.set_office_path(office_path);
  for (const auto& r : roles) c.add_roles(r);
  c.set_person_id(person_id);
  if (!unit_path.empty()) {
    c.set_unit_id(NewUuid());
    c.set_unit_path(unit_path);
  }
  auto token = signer.Sign(c, absl::Now(), absl::Hours(1));
  return token.ok() ? *token : "";
}

std::unique_ptr<grpc::ClientContext> CallContext(const std::string& token,
                                                 const std::string& idempotency_key) {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  if (!token.empty()) c->AddMetadata("authorization", "Bearer " + token);
  if (!idempotency_key.empty()) c->AddMetadata("idempotency-key", idempotency_key);
  return c;
}

absl::Status PublishEvent(RedisClient& redis, const std::string& stream_prefix,
                          const std::string& source, const std::string& type,
                          const std::string& aggregate_id, const google::protobuf::Message& payload,
                          const std::string& event_id) {
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(payload, &json).ok()) {
    return absl::InternalError("event payload does not serialise");
  }
  return redis
      .Command({"XADD", absl::StrCat(stream_prefix, ":", source), "*", "event_id",
                event_id.empty() ? NewUuid() : event_id, "type", type, "aggregate_id", aggregate_id,
                "payload", json, "source", source, "occurred_at", "2025-06-01T00:00:00Z"})
      .status();
}

EngagementSnapshot TestEngagement(const std::string& office_id, const std::string& office_path,
                                  const std::string& target_path, const std::string& target_name,
                                  const std::string& round_id,
                                  const std::vector<std::pair<std::string, int>>& members) {
  EngagementSnapshot e;
  e.set_id(NewUuid());
  e.set_round_id(round_id);
  e.set_round_kind("REGULAR");
  e.set_round_state("IN_FIELD");
  e.set_office_id(office_id);
  e.set_office_path(office_path);
  e.set_group_id(NewUuid());
  e.set_target_unit_id(NewUuid());
  e.set_target_unit_path(target_path);
  e.set_target_unit_name(target_name);
  for (const auto& [person, role] : members) {
    auto* m = e.add_members();
    m->set_person_id(person);
    m->set_role(static_cast<EngagementSnapshot::Member::Role>(role));
  }
  e.set_version(1);
  return e;
}

}  // namespace xuncha::testing
