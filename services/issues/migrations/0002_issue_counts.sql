-- Issue statistics from a summary instead of a scan of `issues` (issue 11: ~310 ms at 20,000
-- issues; the city dashboard must answer at 1,000,000 in ≤ 50 ms p50).
--
-- What GetIssueStats reports are marginal counts — per heading, discipline type, severity,
-- source and state, and per office — filtered by an office subtree, a round or an engagement.
-- So the summary holds one count per (dimension, key): each issue counts once in each of the
-- five dimensions, and an office's own total is the sum of its `state` rows. It is kept at two
-- grains: per engagement (`issue_counts`, some 30 rows per engagement, read when one
-- engagement is asked for) and per office and round (`issue_round_counts`, some 30 rows per
-- round, read for an office subtree or a round) — a city's three years of rounds are a couple
-- of thousand rows, where its engagements would be tens of thousands.
--
-- Contention: a single counter row per key would make every concurrent create of one office
-- wait on the same row lock until commit. Instead every change APPENDS signed deltas to
-- `issue_count_deltas` (no unique key, no updates: inserts never wait on each other); the read
-- sums `issue_counts` plus the pending deltas; a periodic task in the service (one replica at a
-- time, TryScanLock) folds the committed deltas into `issue_counts` in one transaction, so a
-- reader's snapshot sees every delta exactly once, either still pending or already folded.
--
-- The deltas are written by statement-level triggers on `issues` in the transaction of the
-- change itself: every write path (the RPCs, bulk state changes of a report, and loads straight
-- into the table such as tests' and benchmarks') is covered without each having to remember,
-- and a bulk statement appends one row per distinct key rather than one per issue. An UPDATE
-- that changes no counted column appends nothing (the +1 and -1 cancel).
CREATE TABLE issue_counts (
  office_id     text NOT NULL,
  office_path   ltree NOT NULL,
  round_id      text NOT NULL,
  engagement_id text NOT NULL,
  dimension     text NOT NULL CHECK (dimension IN ('heading', 'discipline', 'severity', 'source',
                                                   'state')),
  key           text NOT NULL,
  n             bigint NOT NULL,
  PRIMARY KEY (engagement_id, dimension, key, office_id, office_path, round_id)
);
CREATE INDEX issue_counts_round ON issue_counts (round_id);
CREATE INDEX issue_counts_office_path ON issue_counts USING gist (office_path);
-- The fold drops keys that fell to zero; these keep that from scanning the summary each time.
CREATE INDEX issue_counts_zero ON issue_counts (engagement_id) WHERE n = 0;

CREATE TABLE issue_round_counts (
  office_id     text NOT NULL,
  office_path   ltree NOT NULL,
  round_id      text NOT NULL,
  dimension     text NOT NULL CHECK (dimension IN ('heading', 'discipline', 'severity', 'source',
                                                   'state')),
  key           text NOT NULL,
  n             bigint NOT NULL,
  PRIMARY KEY (office_id, office_path, round_id, dimension, key)
);
CREATE INDEX issue_round_counts_zero ON issue_round_counts (round_id) WHERE n = 0;

-- Folded into both tables above; pending deltas are read with either.
CREATE TABLE issue_count_deltas (
  office_id     text NOT NULL,
  office_path   ltree NOT NULL,
  round_id      text NOT NULL,
  engagement_id text NOT NULL,
  dimension     text NOT NULL,
  key           text NOT NULL,
  n             bigint NOT NULL
);

-- No change to issues may slip between the back-fill and the triggers.
LOCK TABLE issues IN SHARE ROW EXCLUSIVE MODE;

INSERT INTO issue_counts (office_id, office_path, round_id, engagement_id, dimension, key, n)
SELECT i.office_id, i.office_path, i.round_id, i.engagement_id, d.dimension, d.key, count(*)
FROM issues i
CROSS JOIN LATERAL (VALUES ('heading', i.heading_id::text), ('discipline', i.discipline_type),
                           ('severity', i.severity), ('source', i.source), ('state', i.state))
  AS d (dimension, key)
GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO issue_round_counts (office_id, office_path, round_id, dimension, key, n)
SELECT office_id, office_path, round_id, dimension, key, sum(n)
FROM issue_counts GROUP BY 1, 2, 3, 4, 5;

-- One function for the three triggers; the transition tables are named alike in each. Only the
-- branch of TG_OP is planned, so the tables a trigger does not have are never referenced.
CREATE FUNCTION issue_counts_track() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO issue_count_deltas (office_id, office_path, round_id, engagement_id, dimension,
                                    key, n)
    SELECT r.office_id, r.office_path, r.round_id, r.engagement_id, d.dimension, d.key, count(*)
    FROM new_rows r
    CROSS JOIN LATERAL (VALUES ('heading', r.heading_id::text), ('discipline', r.discipline_type),
                               ('severity', r.severity), ('source', r.source), ('state', r.state))
      AS d (dimension, key)
    GROUP BY 1, 2, 3, 4, 5, 6;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO issue_count_deltas (office_id, office_path, round_id, engagement_id, dimension,
                                    key, n)
    SELECT r.office_id, r.office_path, r.round_id, r.engagement_id, d.dimension, d.key, sum(r.n)
    FROM (SELECT office_id, office_path, round_id, engagement_id, heading_id, discipline_type,
                 severity, source, state, -1 AS n FROM old_rows
          UNION ALL
          SELECT office_id, office_path, round_id, engagement_id, heading_id, discipline_type,
                 severity, source, state, 1 AS n FROM new_rows) r
    CROSS JOIN LATERAL (VALUES ('heading', r.heading_id::text), ('discipline', r.discipline_type),
                               ('severity', r.severity), ('source', r.source), ('state', r.state))
      AS d (dimension, key)
    GROUP BY 1, 2, 3, 4, 5, 6
    HAVING sum(r.n) <> 0;
  ELSE
    INSERT INTO issue_count_deltas (office_id, office_path, round_id, engagement_id, dimension,
                                    key, n)
    SELECT r.office_id, r.office_path, r.round_id, r.engagement_id, d.dimension, d.key, -count(*)
    FROM old_rows r
    CROSS JOIN LATERAL (VALUES ('heading', r.heading_id::text), ('discipline', r.discipline_type),
                               ('severity', r.severity), ('source', r.source), ('state', r.state))
      AS d (dimension, key)
    GROUP BY 1, 2, 3, 4, 5, 6;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER issue_counts_insert AFTER INSERT ON issues
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION issue_counts_track();
CREATE TRIGGER issue_counts_update AFTER UPDATE ON issues
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION issue_counts_track();
CREATE TRIGGER issue_counts_delete AFTER DELETE ON issues
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION issue_counts_track();
