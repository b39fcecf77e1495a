-- Migration 0006 rewrote this table. A rewritten table has an empty visibility map until it is
-- vacuumed, and autovacuum seldom gets to a table written as rarely as this one: the planner
-- then took a sequential scan and a sort for the backlog, 76 ms for the city on the full data
-- set, instead of the index-only scan of migration 0005, 15 ms (tests/bench/RESULTS.md).
-- Statistics now; the runner vacuums after commit, as VACUUM cannot run in a transaction.
ANALYZE clues;
-- vacuum after commit: clues
