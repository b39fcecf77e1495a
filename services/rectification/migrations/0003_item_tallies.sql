-- Rectification statistics from a summary instead of a scan of `items` (issue 11: ~100 ms p50
-- for the city at 300,000 items through items_case_tally; the dashboard must answer in ≤ 50 ms).
--
-- GetRectificationStats reports total, accepted and overdue per category, unit, round and office
-- (rolled up), filtered by an office subtree, an org path and a round. The unit, round and office
-- of an item are its case's, and the filters are decided on `cases` (a few thousand rows), so
-- the summary is kept per case and category: `item_tallies`, one row per (case, category). The
-- read joins it to the cases in scope exactly as the per-item query joined the items, so every
-- filter and roll-up means what it meant before.
--
-- Overdue depends on the day asked about (PLANNED or IN_PROGRESS and deadline < today,
-- IsItemOverdue), so the open items are also counted per deadline in `item_open_deadlines` (an
-- open item without a deadline under 'infinity', which is never before any day: a missing
-- deadline is never overdue). Reading every open item's deadline would cost as much as the items
-- where deadlines differ, so `item_tallies.overdue` holds the overdue count as of one day, the
-- one in `item_tally_day`, which the fold moves to the service's today. A read for `today` then
-- adds the open items whose deadline lies in [that day, today) — none once the fold has moved
-- the day, one day's deadlines just after midnight — or subtracts those in [today, that day) when
-- asked about an earlier day. Exact for any day, cheap for today.
--
-- Contention: as issue_counts (issues 0002), every change APPENDS signed deltas to
-- `item_tally_deltas` (no unique key, no updates: concurrent writers never wait on each other);
-- the read sums the summary plus the pending deltas in one statement (one snapshot); a periodic
-- task in the service (one replica at a time, TryScanLock) folds the committed deltas into the
-- summary, and moves its day, in one transaction, so a reader sees every delta exactly once and
-- the overdue counts always with the day they are for.
--
-- The deltas are written by statement-level triggers on `items` in the transaction of the change
-- itself: every write path (feedback opening items, plan and state changes, loads straight into
-- the table such as the benchmark's) is covered, a bulk statement appends one row per distinct
-- key, and an UPDATE that changes no counted column (state, deadline, category) appends nothing.
CREATE TABLE item_tallies (
  case_id       uuid NOT NULL,
  category_name text NOT NULL,
  -- int: summed over thousands of rows per read, and sum(int) adds in bigint where sum(bigint)
  -- adds in numeric.
  total         int NOT NULL,
  accepted      int NOT NULL,
  overdue       int NOT NULL,  -- open with deadline < item_tally_day.day
  PRIMARY KEY (case_id, category_name)
);
-- The fold drops keys that fell to zero; this keeps that from scanning the summary each time.
CREATE INDEX item_tallies_zero ON item_tallies (case_id) WHERE total = 0;

CREATE TABLE item_open_deadlines (
  case_id       uuid NOT NULL,
  category_name text NOT NULL,
  deadline      date NOT NULL,  -- 'infinity': open without a deadline (never overdue)
  n             int NOT NULL,
  PRIMARY KEY (case_id, category_name, deadline)
);
-- The deadlines between the summary's day and the day asked about (read and fold).
CREATE INDEX item_open_deadlines_deadline ON item_open_deadlines (deadline);
CREATE INDEX item_open_deadlines_zero ON item_open_deadlines (case_id) WHERE n = 0;

-- The day item_tallies.overdue is counted for: one row.
CREATE TABLE item_tally_day (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  day date NOT NULL
);

-- Folded into both tables above. `deadline` is set on the open items' deltas only (their key in
-- item_open_deadlines; there `open` = `total`) and NULL for the others.
CREATE TABLE item_tally_deltas (
  case_id       uuid NOT NULL,
  category_name text NOT NULL,
  deadline      date,
  total         int NOT NULL,
  accepted      int NOT NULL,
  open          int NOT NULL
);

-- No change to items may slip between the back-fill and the triggers.
LOCK TABLE items IN SHARE ROW EXCLUSIVE MODE;

-- Any day is exact; the service's first fold moves it to its today.
INSERT INTO item_tally_day (day) VALUES (current_date);

INSERT INTO item_tallies (case_id, category_name, total, accepted, overdue)
SELECT case_id, category_name, count(*), count(*) FILTER (WHERE state = 'ACCEPTED'),
       count(*) FILTER (WHERE state IN ('PLANNED', 'IN_PROGRESS') AND deadline < current_date)
FROM items GROUP BY 1, 2;

INSERT INTO item_open_deadlines (case_id, category_name, deadline, n)
SELECT case_id, category_name, coalesce(deadline, 'infinity'), count(*)
FROM items WHERE state IN ('PLANNED', 'IN_PROGRESS') GROUP BY 1, 2, 3;

-- One function for the three triggers; the transition tables are named alike in each. Only the
-- branch of TG_OP is planned, so the tables a trigger does not have are never referenced. Each
-- item counts in total, in accepted when ACCEPTED, and in open under its deadline when PLANNED or
-- IN_PROGRESS (the states IsItemOverdue looks at); the fold decides which open ones are overdue.
CREATE FUNCTION item_tallies_track() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO item_tally_deltas (case_id, category_name, deadline, total, accepted, open)
    SELECT case_id, category_name,
           CASE WHEN state IN ('PLANNED', 'IN_PROGRESS') THEN coalesce(deadline, 'infinity') END,
           count(*), count(*) FILTER (WHERE state = 'ACCEPTED'),
           count(*) FILTER (WHERE state IN ('PLANNED', 'IN_PROGRESS'))
    FROM new_rows GROUP BY 1, 2, 3;
  ELSIF TG_OP = 'UPDATE' THEN
    -- Old rows count -1 and new rows +1 under their own keys: what did not change cancels.
    INSERT INTO item_tally_deltas (case_id, category_name, deadline, total, accepted, open)
    SELECT case_id, category_name, dl, sum(s), sum(a), sum(o)
    FROM (SELECT case_id, category_name, s,
                 CASE WHEN state IN ('PLANNED', 'IN_PROGRESS')
                      THEN coalesce(deadline, 'infinity') END AS dl,
                 CASE WHEN state = 'ACCEPTED' THEN s ELSE 0 END AS a,
                 CASE WHEN state IN ('PLANNED', 'IN_PROGRESS') THEN s ELSE 0 END AS o
          FROM (SELECT case_id, category_name, state, deadline, -1 AS s FROM old_rows
                UNION ALL
                SELECT case_id, category_name, state, deadline, 1 AS s FROM new_rows) r) k
    GROUP BY case_id, category_name, dl
    HAVING sum(s) <> 0 OR sum(a) <> 0 OR sum(o) <> 0;
  ELSE
    INSERT INTO item_tally_deltas (case_id, category_name, deadline, total, accepted, open)
    SELECT case_id, category_name,
           CASE WHEN state IN ('PLANNED', 'IN_PROGRESS') THEN coalesce(deadline, 'infinity') END,
           -count(*), -count(*) FILTER (WHERE state = 'ACCEPTED'),
           -count(*) FILTER (WHERE state IN ('PLANNED', 'IN_PROGRESS'))
    FROM old_rows GROUP BY 1, 2, 3;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER item_tallies_insert AFTER INSERT ON items
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION item_tallies_track();
CREATE TRIGGER item_tallies_update AFTER UPDATE ON items
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION item_tallies_track();
CREATE TRIGGER item_tallies_delete AFTER DELETE ON items
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION item_tallies_track();
