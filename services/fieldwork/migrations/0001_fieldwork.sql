-- Interviews (个别谈话/座谈). Interviewers are person ids from the engagement replica.
CREATE TABLE interviews (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  engagement_id    uuid NOT NULL,
  kind             text NOT NULL,
  interviewee_name text NOT NULL,
  interviewee_post text NOT NULL DEFAULT '',
  category         text NOT NULL,
  interviewers     text[] NOT NULL CHECK (cardinality(interviewers) >= 2),
  start_time       timestamptz NOT NULL,
  place            text NOT NULL,
  notes            text NOT NULL DEFAULT '',
  created_by       text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX interviews_engagement ON interviews (engagement_id, created_at DESC, id DESC);

-- Problems raised in an interview; the issues service links an issue back by this id.
CREATE TABLE interview_problems (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  interview_id uuid NOT NULL REFERENCES interviews (id),
  position     int NOT NULL,
  summary      text NOT NULL,
  UNIQUE (interview_id, position)
);

-- Surveys and their questionnaire versions (Questionnaire as proto3 JSON).
CREATE TABLE surveys (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  engagement_id   uuid NOT NULL,
  title           text NOT NULL,
  kind            text NOT NULL,
  min_responses   int NOT NULL CHECK (min_responses >= 1),
  current_version int NOT NULL DEFAULT 1,
  codes_issued    int NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX surveys_engagement ON surveys (engagement_id);

CREATE TABLE survey_versions (
  survey_id     uuid NOT NULL REFERENCES surveys (id),
  version       int NOT NULL,
  questionnaire jsonb NOT NULL,
  PRIMARY KEY (survey_id, version)
);

-- Single-use codes: only a hash, and nothing that says who holds a code or which answer it gave.
CREATE TABLE survey_codes (
  code_hash text PRIMARY KEY,
  survey_id uuid NOT NULL REFERENCES surveys (id),
  used      boolean NOT NULL DEFAULT false
);

-- Answers: no code, no reference to survey_codes, and only the day (not the time) of answering.
CREATE TABLE survey_answers (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  survey_id   uuid NOT NULL REFERENCES surveys (id),
  version     int NOT NULL,
  answered_on date NOT NULL,
  answers     jsonb NOT NULL,
  FOREIGN KEY (survey_id, version) REFERENCES survey_versions (survey_id, version)
);
CREATE INDEX survey_answers_survey ON survey_answers (survey_id, version);

-- Petitions (信访举报). The receipt is kept only as a hash; the reporter's identity only as a
-- libsodium sealed box to the office's public key (the private key is never here).
CREATE TABLE petitions (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  engagement_id   uuid NOT NULL,
  channel         text NOT NULL,
  subject         text NOT NULL,
  content         text NOT NULL,
  receipt_hash    text NOT NULL UNIQUE,
  sealed_reporter bytea,
  state           text NOT NULL DEFAULT 'RECEIVED',
  triage_reason   text NOT NULL DEFAULT '',
  received_on     date NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX petitions_engagement ON petitions (engagement_id, created_at DESC, id DESC);

-- Document review (查阅资料): what the group asked the unit for, what the unit handed over and
-- what the group found in it.
CREATE TABLE document_requests (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  engagement_id   uuid NOT NULL,
  title           text NOT NULL,
  description     text NOT NULL DEFAULT '',
  due_date        date,
  state           text NOT NULL DEFAULT 'REQUESTED',
  provided_note   text NOT NULL DEFAULT '',
  provided_on     date,
  review_notes    text NOT NULL DEFAULT '',
  findings        text NOT NULL DEFAULT '',
  evidence_sha256 text[] NOT NULL DEFAULT '{}',
  -- clock_timestamp, not now(): a checklist inserted in one transaction keeps its order.
  created_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX document_requests_engagement ON document_requests (engagement_id, created_at, id);

-- Evidence files: the bytes live on disk under evidence_dir named by their SHA-256; one row per
-- distinct content and one link per engagement it belongs to.
CREATE TABLE evidence_files (
  sha256     text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size       bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE evidence_links (
  sha256        text NOT NULL REFERENCES evidence_files (sha256),
  engagement_id uuid NOT NULL,
  filename      text NOT NULL,
  content_type  text NOT NULL,
  uploaded_by   text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sha256, engagement_id)
);

-- Work log (工作日志): entries per engagement and day.
CREATE TABLE work_log_entries (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  engagement_id uuid NOT NULL,
  day           date NOT NULL,
  content       text NOT NULL,
  author        text NOT NULL,
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX work_log_entries_day ON work_log_entries (engagement_id, day, created_at);
