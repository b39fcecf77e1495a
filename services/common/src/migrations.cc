#include "xuncha/migrations.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "xuncha/crypto.h"
#include "xuncha/log.h"
#include "xuncha/pg.h"
#include "xuncha/status.h"

namespace xuncha {

extern const EmbeddedFileList common_migrations;

const EmbeddedFileList& CommonMigrations() { return common_migrations; }

namespace {

// One lock for every schema: migrations also create shared extensions (ltree), and two
// services creating the same extension at once would race.
constexpr int64_t kMigrationLockKey = 0x78756e636861;  // "xuncha"

constexpr absl::string_view kVacuumDirective = "-- vacuum after commit:";

// The tables named by `kVacuumDirective` lines; each must be a plain lower-case identifier.
absl::StatusOr<std::vector<std::string>> VacuumDirectives(absl::string_view name,
                                                          absl::string_view sql) {
  std::vector<std::string> tables;
  for (absl::string_view line : absl::StrSplit(sql, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (!absl::ConsumePrefix(&line, kVacuumDirective)) continue;
    for (absl::string_view table : absl::StrSplit(line, ',')) {
      table = absl::StripAsciiWhitespace(table);
      if (table.empty() || !std::all_of(table.begin(), table.end(), [](char ch) {
            return absl::ascii_islower(ch) || absl::ascii_isdigit(ch) || ch == '_';
          })) {
        return absl::InvalidArgumentError(
            absl::StrCat("migration file '", name, "': '", kVacuumDirective,
                         "' must list table names (lower case, digits, _), separated by commas"));
      }
      tables.emplace_back(table);
    }
  }
  return tables;
}

}  // namespace

absl::StatusOr<std::vector<Migration>> ParseMigrations(const EmbeddedFileList& files) {
  std::vector<Migration> out;
  std::set<int> seen;
  for (const EmbeddedFile& file : files) {
    absl::string_view name = file.name;
    if (name.size() < 10 || name[4] != '_' || !absl::EndsWith(name, ".sql") ||
        !std::all_of(name.begin(), name.begin() + 4, absl::ascii_isdigit)) {
      return absl::InvalidArgumentError(
          absl::StrCat("migration file '", name, "': name must be NNNN_title.sql"));
    }
    Migration m;
    if (!absl::SimpleAtoi(name.substr(0, 4), &m.version) || m.version == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("migration file '", name, "': version must be 0001 or above"));
    }
    if (!seen.insert(m.version).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("migration file '", name, "': version ", m.version, " appears twice"));
    }
    m.name = std::string(name);
    m.sql = file.content;
    ASSIGN_OR_RETURN(m.vacuum_after_commit, VacuumDirectives(name, m.sql));
    out.push_back(std::move(m));
  }
  std::sort(out.begin(), out.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  return out;
}

absl::StatusOr<int> ApplyMigrations(PgPool& pool, absl::string_view schema,
                                    absl::string_view component, const EmbeddedFileList& files) {
  ASSIGN_OR_RETURN(std::vector<Migration> migrations, ParseMigrations(files));
  ASSIGN_OR_RETURN(PgConnection conn, pool.Acquire());
  pqxx::connection& c = conn.get();
  // libpqxx allows one transaction object at a time per connection, so each step below opens
  // its own; the advisory lock is session-level and spans them all.
  auto exec = [&c](const std::string& sql) {
    pqxx::nontransaction tx(c);
    pqxx::result r = tx.exec(sql);
    tx.commit();
    return r;
  };
  try {
    pqxx::nontransaction lock_tx(c);
    lock_tx.exec_params("SELECT pg_advisory_lock($1)", kMigrationLockKey);
    lock_tx.commit();
  } catch (const std::exception& e) {
    conn.MarkBroken();
    return StatusFromPgException(e);
  }
  int applied = 0;
  absl::Status status;
  try {
    const std::string qschema = c.quote_name(std::string(schema));
    exec(absl::StrCat("CREATE SCHEMA IF NOT EXISTS ", qschema));
    // In public, whatever the search_path: every service schema shares one type.
    exec("CREATE EXTENSION IF NOT EXISTS ltree SCHEMA public");
    // Databases migrated by early builds created ltree in the first service's schema, where the
    // other services cannot see it; ltree is relocatable, so move it (columns follow by OID).
    exec(
        "DO $$ BEGIN IF (SELECT extnamespace::regnamespace::text FROM pg_extension WHERE "
        "extname = 'ltree') <> 'public' THEN ALTER EXTENSION ltree SET SCHEMA public; END IF; "
        "END $$");
    exec(absl::StrCat("CREATE TABLE IF NOT EXISTS ", qschema,
                      ".schema_migrations (component text NOT NULL, version int NOT NULL, name "
                      "text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL "
                      "DEFAULT now(), PRIMARY KEY (component, version))"));
    std::map<int, std::string> done;  // version -> checksum
    {
      pqxx::nontransaction tx(c);
      for (const auto& row : PgExec(tx,
                                    absl::StrCat("SELECT version, checksum FROM ", qschema,
                                                 ".schema_migrations WHERE component = $1"),
                                    std::string(component))) {
        done[row[0].as<int>()] = row[1].as<std::string>();
      }
    }
    for (const Migration& m : migrations) {
      const std::string checksum = Sha256Hex(m.sql);
      if (auto it = done.find(m.version); it != done.end()) {
        if (it->second != checksum) {
          status = absl::FailedPreconditionError(
              absl::StrCat("migration ", component, "/", m.name,
                           " was edited after it was applied; add a new migration instead"));
          break;
        }
        continue;
      }
      pqxx::work tx(c);
      tx.exec(absl::StrCat("SET LOCAL search_path = ", qschema, ", public"));
      tx.exec(std::string(m.sql));
      PgExec(tx,
             absl::StrCat("INSERT INTO ", qschema,
                          ".schema_migrations (component, version, name, checksum) "
                          "VALUES ($1, $2, $3, $4)"),
             std::string(component), m.version, m.name, checksum);
      tx.commit();
      ++applied;
      log::Info("migration applied", {{"schema", schema}, {"migration", m.name}});
      // An error here (a misspelt table) fails the start as a failed migration would, but the
      // migration itself stays applied; its table is then as autovacuum leaves it.
      for (const std::string& table : m.vacuum_after_commit) {
        exec(absl::StrCat("VACUUM (ANALYZE) ", qschema, ".", c.quote_name(table)));
        log::Info("table vacuumed after migration",
                  {{"schema", schema}, {"migration", m.name}, {"table", table}});
      }
    }
  } catch (const std::exception& e) {
    status = StatusFromPgException(e);
    status =
        absl::Status(status.code(), absl::StrCat("migrating ", schema, ": ", status.message()));
  }
  try {
    exec(absl::StrCat("SELECT pg_advisory_unlock(", kMigrationLockKey, ")"));
  } catch (const std::exception&) {
    conn.MarkBroken();  // closing the session releases the lock
  }
  if (!status.ok()) return status;
  return applied;
}

absl::Status MigrateServiceSchema(PgPool& pool, absl::string_view schema,
                                  const EmbeddedFileList& service_files) {
  RETURN_IF_ERROR(ApplyMigrations(pool, schema, "common", CommonMigrations()).status());
  return ApplyMigrations(pool, schema, std::string(schema), service_files).status();
}

}  // namespace xuncha
