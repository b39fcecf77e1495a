// Pieces every service's end-to-end test needs: ids, tokens for test principals signed with a
// key made for the test, call contexts, and events published the way a service's relay
// publishes them (so the service under test consumes them through its real consumer).
#pragma once

#include <grpcpp/client_context.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "xuncha/auth.h"
#include "xuncha/engagements.h"
#include "xuncha/redis.h"

namespace xuncha::testing {

std::string NewUuid();

// A user token: subject (a fresh uuid), office and its path, roles, person id (group members),
// and for UNIT_LIAISON/RECEIVER the unit path (with a fresh unit id).
std::string SignUserToken(const TokenSigner& signer, const std::string& office_id,
                          const std::string& office_path, const std::vector<std::string>& roles,
                          const std::string& person_id = "", const std::string& unit_path = "");

// Deadline 30 s, bearer token (when given), idempotency key (when given).
std::unique_ptr<grpc::ClientContext> CallContext(const std::string& token,
                                                 const std::string& idempotency_key = "");

// XADD to "<prefix>:<source>" with the fields OutboxRelay writes; `event_id` "" makes one up.
absl::Status PublishEvent(RedisClient& redis, const std::string& stream_prefix,
                          const std::string& source, const std::string& type,
                          const std::string& aggregate_id, const google::protobuf::Message& payload,
                          const std::string& event_id = "");

// An engagement as planning would publish it (REGULAR round, IN_FIELD, version 1): a fresh id
// and group, the owning office, the target unit, and members as (person id, Member::Role).
EngagementSnapshot TestEngagement(const std::string& office_id, const std::string& office_path,
                                  const std::string& target_path, const std::string& target_name,
                                  const std::string& round_id,
                                  const std::vector<std::pair<std::string, int>>& members);

}  // namespace xuncha::testing
