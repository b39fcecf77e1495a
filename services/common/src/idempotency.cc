#include "xuncha/idempotency.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "xuncha/crypto.h"
#include "xuncha/pg.h"
#include "xuncha/status.h"

namespace xuncha {

std::string IdempotencyRequestHash(absl::string_view method,
                                   const google::protobuf::Message& request) {
  std::string bytes;
  (void)request.ByteSizeLong();  // computes the cached sizes the serialiser below relies on
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    // Deterministic so that a retried request hashes the same whatever the map order.
    coded.SetSerializationDeterministic(true);
    request.SerializeWithCachedSizes(&coded);
  }
  return Sha256Hex(absl::StrCat(method, "\n", bytes));
}

absl::Status IdempotentTransact(PgPool& pool, const RequestContext& rc, absl::string_view method,
                                const google::protobuf::Message& request,
                                google::protobuf::Message& response,
                                const std::function<absl::Status(pqxx::work&)>& change,
                                IdempotencyOptions options) {
  if (rc.idempotency_key.empty()) return pool.Transact(change);
  if (rc.idempotency_key.size() > 200) {
    return absl::InvalidArgumentError("Idempotency-Key: at most 200 characters");
  }
  const std::string principal =
      rc.principal.subject_id.empty() ? "anonymous" : rc.principal.ActorLabel();
  const std::string hash = IdempotencyRequestHash(method, request);
  const int64_t ttl_seconds = absl::ToInt64Seconds(options.ttl);
  return pool.Transact([&](pqxx::work& tx) -> absl::Status {
    // Claim the key first: a concurrent request with the same key waits here on the row lock
    // until this transaction ends, then sees the stored response.
    PgExec(tx,
           "DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2 "
           "AND created_at < now() - make_interval(secs => $3)",
           principal, rc.idempotency_key, ttl_seconds);
    pqxx::result claimed =
        PgExec(tx,
               "INSERT INTO idempotency_keys (principal, key, method, request_hash, response) "
               "VALUES ($1, $2, $3, $4, ''::bytea) ON CONFLICT DO NOTHING RETURNING key",
               principal, rc.idempotency_key, std::string(method), hash);
    if (claimed.empty()) {
      pqxx::row stored = PgExec1(tx,
                                 "SELECT method, request_hash, response FROM idempotency_keys "
                                 "WHERE principal = $1 AND key = $2",
                                 principal, rc.idempotency_key);
      if (stored[0].as<std::string>() != method || stored[1].as<std::string>() != hash) {
        return absl::AlreadyExistsError(absl::StrCat(
            "Idempotency-Key '", rc.idempotency_key,
            "' was already used for a different request; use a new key for a new request"));
      }
      pqxx::binarystring bytes(stored[2]);
      if (!response.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
        return absl::InternalError("stored idempotent response is unreadable");
      }
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(change(tx));
    const std::string serialized = response.SerializeAsString();
    PgExec(tx, "UPDATE idempotency_keys SET response = $3 WHERE principal = $1 AND key = $2",
           principal, rc.idempotency_key, pqxx::binarystring(serialized.data(), serialized.size()));
    return absl::OkStatus();
  });
}

absl::StatusOr<int> PurgeExpiredIdempotencyKeys(PgPool& pool, IdempotencyOptions options) {
  return pool.TransactWith<int>([&](pqxx::work& tx) -> absl::StatusOr<int> {
    pqxx::result r = PgExec(
        tx, "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => $1)",
        absl::ToInt64Seconds(options.ttl));
    return static_cast<int>(r.affected_rows());
  });
}

}  // namespace xuncha
