-- A report's issues are read on every report call (create, get, submit, approve, feed back), by
-- `report_id`, which had no index: each call scanned the whole `issues` table. Seeding the
-- 1,000,000-issue benchmark province showed it (parallel sequential scans of `issues` as the
-- busiest statement). Only reported issues have a report, so the index leaves the rest out.
--
-- Built in the migration's transaction (not CONCURRENTLY, which cannot run in one): on a
-- 1,000,000-issue table it holds writes to `issues` for a few seconds during the upgrade.
-- IF NOT EXISTS: the full-scale benchmark data set being seeded when this was found got the same
-- index by hand (CONCURRENTLY) half-way, and must still take this migration.
CREATE INDEX IF NOT EXISTS issues_report ON issues (report_id, id) WHERE report_id IS NOT NULL;
