#include "xuncha/audit.h"

#include "absl/strings/str_cat.h"
#include "xuncha/crypto.h"

namespace xuncha {
namespace {

// Transaction-scoped advisory lock that serialises appends within one schema's chain.
constexpr absl::string_view kAuditLockSql =
    "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.audit_log'))";
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
  tx.exec(std::string(kAuditLockSql));
  pqxx::result last = tx.exec("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  AuditRow row;
  row.entry = entry;
  row.seq = last.empty() ? 1 : last[0][0].as<int64_t>() + 1;
  row.prev_hash = last.empty() ? std::string(kGenesisHash) : last[0][1].as<std::string>();
  row.at = absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", now, absl::UTCTimeZone());
  row.hash = AuditHash(row);
  tx.exec_params(
      "INSERT INTO audit_log (seq, actor, action, resource, at, request_id, prev_hash, hash) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      row.seq, row.entry.actor, row.entry.action, row.entry.resource, row.at, row.entry.request_id,
      row.prev_hash, row.hash);
  return row.seq;
}

absl::StatusOr<AuditVerification> VerifyAuditChain(pqxx::work& tx) {
  AuditVerification out;
  std::string prev(kGenesisHash);
  int64_t expected_seq = 1;
  pqxx::result rows = tx.exec(
      "SELECT seq, actor, action, resource, at, request_id, prev_hash, hash FROM audit_log "
      "ORDER BY seq");
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
