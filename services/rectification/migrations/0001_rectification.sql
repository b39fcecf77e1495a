-- Rectification cases (one per engagement) and items (one per fed-back issue). The unique
-- constraints are what make a redelivered `issues.report.fed_back` harmless even if the
-- processed_events dedupe were bypassed. Overdue is never stored: it is computed from the
-- deadline (items) or the calendar (case report) when read.
CREATE TABLE cases (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  engagement_id          text NOT NULL UNIQUE,
  office_id              text NOT NULL,
  office_path            ltree NOT NULL,
  round_id               text NOT NULL DEFAULT '',
  target_unit_id         text NOT NULL DEFAULT '',
  target_unit_path       ltree NOT NULL,
  target_unit_name       text NOT NULL DEFAULT '',
  report_id              text NOT NULL DEFAULT '',
  feedback_date          date NOT NULL,
  rectification_plan_due date,
  requirements           text NOT NULL DEFAULT '',
  state                  text NOT NULL DEFAULT 'OPEN',
  accepted_at            timestamptz,
  accepted_by            text,
  created_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cases_office_path ON cases USING gist (office_path);
CREATE INDEX cases_target_unit_path ON cases USING gist (target_unit_path);

CREATE TABLE items (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id          uuid NOT NULL REFERENCES cases (id),
  issue_id         text NOT NULL UNIQUE,
  engagement_id    text NOT NULL,
  office_id        text NOT NULL,
  office_path      ltree NOT NULL,
  round_id         text NOT NULL DEFAULT '',
  target_unit_path ltree NOT NULL,
  title            text NOT NULL,
  category_id      text NOT NULL DEFAULT '',
  category_name    text NOT NULL DEFAULT '',
  heading_name     text NOT NULL DEFAULT '',
  severity         text NOT NULL DEFAULT '',
  discipline_type  text NOT NULL DEFAULT '',
  immediate        boolean NOT NULL DEFAULT false,
  feedback_date    date NOT NULL,
  state            text NOT NULL DEFAULT 'PLANNED',
  measures         text NOT NULL DEFAULT '',
  owner            text NOT NULL DEFAULT '',
  goal             text NOT NULL DEFAULT '',
  deadline         date,
  long_term        boolean NOT NULL DEFAULT false,
  milestones       jsonb NOT NULL DEFAULT '{}',  -- RectificationPlan JSON holding only milestones
  plan_comments    text NOT NULL DEFAULT '',
  evidence_ids     text[] NOT NULL DEFAULT '{}',
  completion_note  text NOT NULL DEFAULT '',
  last_reason      text NOT NULL DEFAULT '',
  reopen_count     int NOT NULL DEFAULT 0,
  accepted_at      timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK (deadline IS NULL OR deadline >= feedback_date)
);
CREATE INDEX items_case ON items (case_id);
CREATE INDEX items_office_path ON items USING gist (office_path);
CREATE INDEX items_round ON items (round_id);

CREATE TABLE supervision_visits (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id     uuid NOT NULL REFERENCES cases (id),
  visit_date  date NOT NULL,
  supervisors text NOT NULL,
  findings    text NOT NULL DEFAULT '',
  recorded_by text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX supervision_visits_case ON supervision_visits (case_id);

CREATE TABLE case_reports (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id      uuid NOT NULL REFERENCES cases (id),
  kind         text NOT NULL,
  title        text NOT NULL,
  submitted_on date NOT NULL,
  summary      text NOT NULL DEFAULT '',
  evidence_ids text[] NOT NULL DEFAULT '{}',
  recorded_by  text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_reports_case ON case_reports (case_id);

CREATE TABLE disclosures (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id      uuid NOT NULL REFERENCES cases (id),
  channel      text NOT NULL,
  published_on date NOT NULL,
  summary      text NOT NULL DEFAULT '',
  recorded_by  text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX disclosures_case ON disclosures (case_id);

CREATE TABLE rules_made (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id     uuid NOT NULL REFERENCES cases (id),
  title       text NOT NULL,
  issued_on   date NOT NULL,
  recorded_by text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rules_made_case ON rules_made (case_id);

-- 抽查: the draw (percent, seed, the items in draw order) is its own log; results fill in later.
CREATE TABLE rechecks (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id    uuid NOT NULL REFERENCES cases (id),
  percent    int NOT NULL CHECK (percent BETWEEN 1 AND 100),
  seed       bigint NOT NULL,
  drawn_by   text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rechecks_case ON rechecks (case_id);
CREATE TABLE recheck_items (
  recheck_id uuid NOT NULL REFERENCES rechecks (id),
  position   int NOT NULL,
  item_id    uuid NOT NULL REFERENCES items (id),
  checked    boolean NOT NULL DEFAULT false,
  passed     boolean NOT NULL DEFAULT false,
  note       text NOT NULL DEFAULT '',
  PRIMARY KEY (recheck_id, item_id)
);

CREATE TABLE office_settings (
  office_id               text PRIMARY KEY,
  report_due_working_days int NOT NULL CHECK (report_due_working_days BETWEEN 1 AND 60),
  period_months           int NOT NULL CHECK (period_months BETWEEN 1 AND 24),
  min_supervision_visits  int NOT NULL CHECK (min_supervision_visits BETWEEN 0 AND 20),
  updated_at              timestamptz NOT NULL DEFAULT now()
);

-- Reminders already sent: one per item, kind and state (a reopened item counts as a new state),
-- so repeated scans, and scans on several replicas, emit each reminder once.
CREATE TABLE reminders (
  item_id      uuid NOT NULL REFERENCES items (id),
  kind         text NOT NULL,
  state        text NOT NULL,
  reopen_count int NOT NULL,
  sent_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (item_id, kind, state, reopen_count)
);
