// Schema migrations: `NNNN_title.sql` files applied in order at start-up, each in its own
// transaction, under one advisory lock so that replicas starting together do not race, and
// recorded with a checksum in `<schema>.schema_migrations`.
//
// A line `-- vacuum after commit: <table>[, <table>…]` in a file has the runner VACUUM (ANALYZE)
// those tables of the schema once the file is committed (VACUUM cannot run inside its
// transaction). For migrations that rewrite a table (ALTER TABLE … ADD COLUMN … STORED, a
// column type change): the rewritten table has an empty visibility map until vacuumed, so the
// planner gives up index-only scans, and autovacuum may not get to a rarely written table for
// a long time. Best effort only: VACUUM marks a page all-visible only when no older transaction
// is still open, and services migrating at the same moment keep theirs open (the clue backlog's
// index-only count most likely stayed slow for that reason, tests/bench/RESULTS.md). A query must
// not need a vacuumed table to be fast.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "xuncha/embedded.h"
#include "xuncha/pg.h"

namespace xuncha {

struct Migration {
  int version = 0;
  std::string name;
  absl::string_view sql;
  std::vector<std::string> vacuum_after_commit;  // table names, from the directive above
};

// Parses and orders the files; INVALID_ARGUMENT for a bad name or a repeated version.
absl::StatusOr<std::vector<Migration>> ParseMigrations(const EmbeddedFileList& files);

// The shared tables every service schema carries (outbox, audit log, processed events,
// idempotency records), applied as component "common" before the service's own files.
const EmbeddedFileList& CommonMigrations();

// Applies `component`'s migrations to `schema` (created when missing). Returns the number of
// files applied now. FAILED_PRECONDITION when an applied file has since been edited.
absl::StatusOr<int> ApplyMigrations(PgPool& pool, absl::string_view schema,
                                    absl::string_view component, const EmbeddedFileList& files);

// Common first, then the service's own.
absl::Status MigrateServiceSchema(PgPool& pool, absl::string_view schema,
                                  const EmbeddedFileList& service_files);

}  // namespace xuncha
