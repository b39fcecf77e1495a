#include "xuncha/audit.h"

#include "absl/strings/str_cat.h"
#include "xuncha/crypto.h"
#include "xuncha/pg.h"
#include "xuncha/status.h"

namespace xuncha {
namespace {

// Transaction-scoped advisory lock: one sealer per schema's chain at a time.
constexpr absl::string_view kAuditLockSql =
    "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.audit_log'))";
constexpr absl::string_view kAuditTryLockSql =
    "SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || '.audit_log'))";
constexpr absl::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

void AppendField(std::string& out, absl::string_view value) {
  // Length-prefixed so that no choice of field contents can collide with another.
  absl::StrAppend(&out, value.size(), ":", value, ";");
}

}  // namespace

std::string AuditHash(const AuditRow& row) {
  std::string material;
  AppendField(material, absl::StrCat(row.seq));
  AppendField(material, row.entry.actor);
  AppendField(material, row.entry.action);
  AppendField(material, row.entry.resource);
  AppendField(material, row.at);
  AppendField(material, row.entry.request_id);
  AppendField(material, row.prev_hash);
  return Sha256Hex(material);
}

absl::StatusOr<int64_t> AppendAudit(pqxx::work& tx, const AuditEntry& entry, absl::Time now) {
  const std::string at = absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", now, absl::UTCTimeZone());
  pqxx::row r = PgExec1(tx,
                        "INSERT INTO audit_log (actor, action, resource, at, request_id) "
                        "VALUES ($1, $2, $3, $4, $5) RETURNING entry_id",
                        entry.actor, entry.action, entry.resource, at, entry.request_id);
  return r[0].as<int64_t>();
}

absl::StatusOr<int> SealAudit(pqxx::work& tx, int limit, bool wait) {
  if (wait) {
    tx.exec(std::string(kAuditLockSql));
  } else if (!tx.exec1(std::string(kAuditTryLockSql))[0].as<bool>()) {
    return 0;
  }
  pqxx::result last =
      tx.exec("SELECT seq, hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1");
  int64_t seq = last.empty() ? 0 : last[0][0].as<int64_t>();
  std::string prev = last.empty() ? std::string(kGenesisHash) : last[0][1].as<std::string>();
  pqxx::result pending =
      PgExec(tx,
             "SELECT entry_id, actor, action, resource, at, request_id FROM audit_log "
             "WHERE seq IS NULL ORDER BY entry_id LIMIT $1",
             limit);
  if (pending.empty()) return 0;
  std::vector<std::string> ids, seqs, prevs, hashes;
  for (const auto& r : pending) {
    AuditRow row;
    row.seq = ++seq;
    row.entry.actor = r[1].as<std::string>();
    row.entry.action = r[2].as<std::string>();
    row.entry.resource = r[3].as<std::string>();
    row.at = r[4].as<std::string>();
    row.entry.request_id = r[5].as<std::string>();
    row.prev_hash = prev;
    row.hash = AuditHash(row);
    ids.push_back(r[0].as<std::string>());
    seqs.push_back(absl::StrCat(row.seq));
    prevs.push_back(row.prev_hash);
    hashes.push_back(row.hash);
    prev = row.hash;
  }
  // One statement for the batch: a round trip per row would make sealing the slow part.
  PgExec(tx,
         "UPDATE audit_log a SET seq = s.seq, prev_hash = s.prev_hash, hash = s.hash "
         "FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) "
         "AS s(entry_id, seq, prev_hash, hash) WHERE a.entry_id = s.entry_id",
         PgTextArray(ids), PgTextArray(seqs), PgTextArray(prevs), PgTextArray(hashes));
  return static_cast<int>(pending.size());
}

absl::StatusOr<AuditVerification> VerifyAuditChain(pqxx::work& tx) {
  for (;;) {
    ASSIGN_OR_RETURN(int sealed, SealAudit(tx, 10000, /*wait=*/true));
    if (sealed == 0) break;
  }
  AuditVerification out;
  std::string prev(kGenesisHash);
  int64_t expected_seq = 1;
  pqxx::result rows = tx.exec(
      "SELECT seq, actor, action, resource, at, request_id, prev_hash, hash FROM audit_log "
      "WHERE seq IS NOT NULL ORDER BY seq");
  for (const auto& r : rows) {
    AuditRow row;
    row.seq = r[0].as<int64_t>();
    row.entry.actor = r[1].as<std::string>();
    row.entry.action = r[2].as<std::string>();
    row.entry.resource = r[3].as<std::string>();
    row.at = r[4].as<std::string>();
    row.entry.request_id = r[5].as<std::string>();
    row.prev_hash = r[6].as<std::string>();
    row.hash = r[7].as<std::string>();
    ++out.rows;
    auto fail = [&](std::string reason) {
      out.ok = false;
      out.first_bad_seq = row.seq;
      out.reason = std::move(reason);
      return out;
    };
    if (row.seq != expected_seq) {
      return fail(absl::StrCat("row ", expected_seq, " is missing (next row is ", row.seq, ")"));
    }
    if (row.prev_hash != prev) {
      return fail(absl::StrCat("row ", row.seq, " does not follow the row before it"));
    }
    if (AuditHash(row) != row.hash) {
      return fail(absl::StrCat("row ", row.seq, " was changed after it was written"));
    }
    prev = row.hash;
    ++expected_seq;
  }
  return out;
}

}  // namespace xuncha
