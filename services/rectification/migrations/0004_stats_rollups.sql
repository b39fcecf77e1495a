-- Two coarser summaries beside item_tallies (issue 11). At full data a city's statistics read
-- 36,281 (case, category) rows of item_tallies — 1,728 cases × about 21 categories — and the
-- statement took about 60 ms on one core, twice that with four dashboards on two cores, against
-- a target of 50 ms p50. The answer needs much less:
--   * the unit, round and office sums and the totals need one row per case: `case_tallies`;
--   * the category sums need one row per (office, round, category): `category_tallies`, about
--     2,300 rows for the city, since the office and round filters are the case's own.
-- A read filtered by an org subtree cannot use category_tallies (a unit is below the office and
-- round), so it still sums item_tallies, over the subtree's cases only.
--
-- Both hold what item_tallies holds (migration 0003), added up: overdue as of item_tally_day.day,
-- folded by the same task in the same transaction from the same deltas, so the three always agree;
-- a read adds the pending deltas and the deadlines between that day and the day asked about, per
-- (case, category), as before. A case's office, round and unit never change once it is opened,
-- so the fold takes them from `cases`.
CREATE TABLE case_tallies (
  case_id  uuid PRIMARY KEY,
  total    int NOT NULL,
  accepted int NOT NULL,
  overdue  int NOT NULL
);

CREATE TABLE category_tallies (
  office_path   ltree NOT NULL,
  round_id      text NOT NULL,
  category_name text NOT NULL,
  total         int NOT NULL,
  accepted      int NOT NULL,
  overdue       int NOT NULL,
  PRIMARY KEY (office_path, round_id, category_name)
);

-- The fold writes item_tallies and reads nothing else for these; holding it still while both are
-- filled keeps a replica still on the old code from folding in between.
LOCK TABLE item_tallies IN EXCLUSIVE MODE;

INSERT INTO case_tallies (case_id, total, accepted, overdue)
SELECT case_id, sum(total), sum(accepted), sum(overdue) FROM item_tallies GROUP BY 1;

INSERT INTO category_tallies (office_path, round_id, category_name, total, accepted, overdue)
SELECT c.office_path, c.round_id, t.category_name, sum(t.total), sum(t.accepted), sum(t.overdue)
FROM item_tallies t JOIN cases c ON c.id = t.case_id GROUP BY 1, 2, 3;
