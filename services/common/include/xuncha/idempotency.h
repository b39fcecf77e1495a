// Idempotent writes: a create/transition RPC carrying an Idempotency-Key stores (principal, key,
// method, request hash, response) in the service's own schema, in the same transaction as the
// change. The same key with the same request returns the stored response without running the
// change again; the same key with a different request is refused.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "xuncha/pg.h"
#include "xuncha/rpc.h"

namespace xuncha {

struct IdempotencyOptions {
  // Keys older than this are forgotten (a retry after that runs the change again).
  absl::Duration ttl = absl::Hours(24);
};

// Hex SHA-256 of the method and the deterministic serialisation of the request.
std::string IdempotencyRequestHash(absl::string_view method,
                                   const google::protobuf::Message& request);

// Runs `change` in one transaction unless the key was already used for the same request, in
// which case `response` is filled from the stored copy. ALREADY_EXISTS (HTTP 409) when the key
// was used for a different request. Without a key this is a plain transaction.
absl::Status IdempotentTransact(PgPool& pool, const RequestContext& rc, absl::string_view method,
                                const google::protobuf::Message& request,
                                google::protobuf::Message& response,
                                const std::function<absl::Status(pqxx::work&)>& change,
                                IdempotencyOptions options = {});

// Deletes expired keys; services call it now and then (it is cheap with the created_at index).
absl::StatusOr<int> PurgeExpiredIdempotencyKeys(PgPool& pool, IdempotencyOptions options = {});

}  // namespace xuncha
