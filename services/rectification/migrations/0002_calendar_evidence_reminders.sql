-- The working-day calendar replica: the years rectification's date math runs on. Seeded from the
-- data file directory ships (compiled in) and replaced whenever directory publishes
-- `directory.calendar.updated`; kept here so that a restart (or a background scan, which has no
-- caller token to ask directory with) finds the admin's corrections.
CREATE SEQUENCE calendar_version;
CREATE TABLE calendar_years (
  year       int PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
  source     text NOT NULL,  -- the embedded file's name, or the directory event id
  -- Bumped on every replacement: replicas reload their in-memory calendar when max(version) moves.
  version    bigint NOT NULL DEFAULT nextval('calendar_version'),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE calendar_days (
  year int NOT NULL REFERENCES calendar_years (year) ON DELETE CASCADE,
  day  date PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('HOLIDAY', 'WORKDAY')),
  name text NOT NULL DEFAULT ''
);
CREATE INDEX calendar_days_year ON calendar_days (year);

-- Evidence replica from fieldwork's `fieldwork.evidence.linked`: which stored files (by SHA-256)
-- belong to which engagement, so that completion claims cite evidence that exists without a call
-- to fieldwork per request.
CREATE TABLE evidence (
  sha256        text NOT NULL,
  engagement_id text NOT NULL,
  linked_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (engagement_id, sha256)
);

-- Reminders about the case's first rectification report: one per case, kind and due date (a due
-- date moved by new office rules or a corrected calendar is a new deadline and reminds again).
CREATE TABLE report_reminders (
  case_id  uuid NOT NULL REFERENCES cases (id),
  kind     text NOT NULL,
  due_date date NOT NULL,
  sent_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (case_id, kind, due_date)
);

-- Statistics: the scope is decided on cases (gist paths), then each case's items are tallied by
-- category straight from this index (index-only, already in group order). It covers what
-- items_case served, so that one goes.
CREATE INDEX items_case_tally ON items (case_id, category_name) INCLUDE (state, deadline);
DROP INDEX items_case;
-- The reminder scan's open-items-by-deadline range.
CREATE INDEX items_open_deadline ON items (deadline) WHERE state IN ('PLANNED', 'IN_PROGRESS');
