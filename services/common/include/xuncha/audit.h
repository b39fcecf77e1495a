// Tamper-evident audit log: every state change (and every read of a confidential record) appends
// a row in the same transaction, chained by SHA-256 over the previous row's hash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "xuncha/pg.h"

namespace xuncha {

struct AuditEntry {
  std::string actor;     // Principal::ActorLabel()
  std::string action;    // "org_unit.create", "clue.read"
  std::string resource;  // "orgs/<id>"
  std::string request_id;
};

struct AuditRow {
  int64_t seq = 0;
  AuditEntry entry;
  std::string at;  // RFC 3339 UTC with microseconds, exactly as hashed
  std::string prev_hash;
  std::string hash;
};

// The chain hash of one row (hex SHA-256). Pure, so tests can recompute it.
std::string AuditHash(const AuditRow& row);

// Appends to `<schema>.audit_log` in the caller's transaction. Appends are serialised by a
// transaction-scoped advisory lock so the chain stays linear.
absl::StatusOr<int64_t> AppendAudit(pqxx::work& tx, const AuditEntry& entry,
                                    absl::Time now = absl::Now());

struct AuditVerification {
  bool ok = true;
  int64_t rows = 0;
  int64_t first_bad_seq = 0;
  std::string reason;
};

// Walks the chain and reports the first row that was edited, removed or inserted out of band.
absl::StatusOr<AuditVerification> VerifyAuditChain(pqxx::work& tx);

}  // namespace xuncha
