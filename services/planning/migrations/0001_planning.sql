-- Planning's own tables. Org units, offices and people belong to directory: planning keeps
-- the snapshot of them it needs (paths for scope checks, names for announcements, recusal data)
-- fetched from directory when a target is added or a person is enrolled.

CREATE TABLE plans (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  office_id    text NOT NULL,
  office_path  ltree NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('TERM', 'ANNUAL')),
  title        text NOT NULL,
  start_year   int NOT NULL,
  end_year     int NOT NULL CHECK (end_year >= start_year),
  term_plan_id uuid REFERENCES plans (id),
  state        text NOT NULL DEFAULT 'DRAFT',
  created_at   timestamptz NOT NULL DEFAULT now(),
  approved_at  timestamptz
);
CREATE INDEX plans_office_path ON plans USING gist (office_path);
CREATE INDEX plans_office ON plans (office_id, created_at);

-- Units a term plan must cover, with the directory data coverage reports group by.
CREATE TABLE plan_units (
  plan_id   uuid NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
  unit_id   text NOT NULL,
  unit_path ltree NOT NULL,
  name      text NOT NULL,
  category  text NOT NULL DEFAULT '',
  PRIMARY KEY (plan_id, unit_id)
);

CREATE TABLE rounds (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  plan_id           uuid NOT NULL REFERENCES plans (id),
  office_id         text NOT NULL,
  office_path       ltree NOT NULL,
  kind              text NOT NULL,
  title             text NOT NULL,
  topic             text NOT NULL DEFAULT '',
  follow_up_of      uuid REFERENCES rounds (id),
  mobilisation_date date,
  station_start     date NOT NULL,
  station_end       date NOT NULL CHECK (station_end >= station_start),
  feedback_due      date,
  state             text NOT NULL DEFAULT 'DRAFT',
  closed_on         date,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rounds_office_path ON rounds USING gist (office_path);
CREATE INDEX rounds_plan ON rounds (plan_id);

CREATE TABLE groups (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  round_id           uuid NOT NULL REFERENCES rounds (id),
  name               text NOT NULL,
  source_office_id   text NOT NULL DEFAULT '',
  source_office_path text NOT NULL DEFAULT '',
  created_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
  UNIQUE (round_id, name)
);

CREATE TABLE group_members (
  group_id       uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  round_id       uuid NOT NULL REFERENCES rounds (id),
  person_id      text NOT NULL,
  role           text NOT NULL,
  home_office_id text NOT NULL DEFAULT '',
  name           text NOT NULL DEFAULT '',
  position       int NOT NULL,
  PRIMARY KEY (group_id, person_id),
  -- One person, one group per round.
  UNIQUE (round_id, person_id)
);
CREATE INDEX group_members_person ON group_members (person_id);

-- One row per group × target: the engagement. Its id is the engagement id other services key
-- their data by; version rises with every published change.
CREATE SEQUENCE engagement_versions;
CREATE TABLE group_targets (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  group_id      uuid NOT NULL REFERENCES groups (id),
  round_id      uuid NOT NULL REFERENCES rounds (id),
  unit_id       text NOT NULL,
  unit_path     ltree NOT NULL,
  unit_name     text NOT NULL,
  unit_category text NOT NULL DEFAULT '',
  version       bigint NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- A unit is inspected by one group per round.
  UNIQUE (round_id, unit_id)
);
CREATE INDEX group_targets_group ON group_targets (group_id);
CREATE INDEX group_targets_unit ON group_targets (unit_id);

-- The talent pool of an office: the person's recusal data as planning last fetched it.
CREATE TABLE talent_pool (
  office_id      text NOT NULL,
  person_id      text NOT NULL,
  name           text NOT NULL,
  home_office_id text NOT NULL,
  expertise      text[] NOT NULL DEFAULT '{}',
  entry          text NOT NULL,  -- TalentPoolEntry as proto3 JSON
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (office_id, person_id)
);
CREATE INDEX talent_pool_expertise ON talent_pool USING gin (expertise);

-- Every draw that was carried out: who asked, the seed, what was drawn and who was excluded why.
CREATE TABLE draws (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  round_id     uuid NOT NULL REFERENCES rounds (id),
  requested_by text NOT NULL,
  seed         numeric(20, 0) NOT NULL,
  draw         text NOT NULL,  -- Draw as proto3 JSON
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX draws_round ON draws (round_id, created_at);

CREATE TABLE announcements (
  engagement_id uuid PRIMARY KEY REFERENCES group_targets (id),
  scope         text NOT NULL,
  phone         text NOT NULL,
  mailbox       text NOT NULL,
  address       text NOT NULL DEFAULT '',
  published_at  timestamptz NOT NULL DEFAULT now()
);
