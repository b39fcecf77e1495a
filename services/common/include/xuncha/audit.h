// Tamper-evident audit log: every state change (and every read of a confidential record) appends
// a row in the same transaction; committed rows are then sealed into a chain, each hashed with
// SHA-256 over the previous row's hash. Sealing after commit keeps appends from serialising on
// one lock held until commit (which capped each service at one commit's fsync per write).
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
  int64_t seq = 0;  // position in the chain, given when sealed
  AuditEntry entry;
  std::string at;  // RFC 3339 UTC with microseconds, exactly as hashed
  std::string prev_hash;
  std::string hash;
};

// The chain hash of one row (hex SHA-256). Pure, so tests can recompute it.
std::string AuditHash(const AuditRow& row);

// Appends to `<schema>.audit_log` in the caller's transaction, unsealed; returns the row's
// entry id (insertion order, not the chain position).
absl::StatusOr<int64_t> AppendAudit(pqxx::work& tx, const AuditEntry& entry,
                                    absl::Time now = absl::Now());

// Seals up to `limit` committed, unsealed rows: the next chain positions in entry order, with
// their hashes. Returns how many. With `wait` false it returns 0 at once when another replica is
// sealing (one sealer per schema at a time, by a transaction-scoped advisory lock).
absl::StatusOr<int> SealAudit(pqxx::work& tx, int limit = 1000, bool wait = false);

struct AuditVerification {
  bool ok = true;
  int64_t rows = 0;
  int64_t first_bad_seq = 0;
  std::string reason;
};

// Seals what is committed, then walks the chain and reports the first row that was edited,
// removed or inserted out of band. A row is tamper-evident from its sealing on: sealers run
// every audit_seal_interval (default 200 ms), so the window is that long.
absl::StatusOr<AuditVerification> VerifyAuditChain(pqxx::work& tx);

}  // namespace xuncha
