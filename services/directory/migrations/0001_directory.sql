-- Org tree. `path` is an ltree of per-unit labels ("u1.u3.u17") so "everything under X" is one
-- indexed predicate (path <@ X).
CREATE SEQUENCE org_unit_labels;
CREATE TABLE org_units (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  parent_id  uuid REFERENCES org_units (id),
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  kind       text NOT NULL,
  category   text NOT NULL DEFAULT '',
  path       ltree NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX org_units_path ON org_units USING gist (path);
-- Two siblings with one name would be indistinguishable to the people who pick them.
CREATE UNIQUE INDEX org_units_sibling_name
  ON org_units (coalesce(parent_id, '00000000-0000-0000-0000-000000000000'::uuid), name);

-- An office (巡察办) serves one org unit; it owns the units from there down to the next office.
CREATE TABLE offices (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_unit_id uuid NOT NULL UNIQUE REFERENCES org_units (id),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE people (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  office_id        uuid NOT NULL REFERENCES offices (id),
  name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  employer_unit_id uuid REFERENCES org_units (id),
  expertise        text[] NOT NULL DEFAULT '{}',
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX people_office ON people (office_id, name);
CREATE INDEX people_expertise ON people USING gin (expertise);

CREATE TABLE person_posts (
  person_id   uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  position    int NOT NULL,
  org_unit_id uuid NOT NULL REFERENCES org_units (id),
  title       text NOT NULL,
  start_date  date NOT NULL,
  end_date    date CHECK (end_date IS NULL OR end_date >= start_date),
  PRIMARY KEY (person_id, position)
);
CREATE INDEX person_posts_unit ON person_posts (org_unit_id);

CREATE TABLE person_relatives (
  person_id   uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  position    int NOT NULL,
  org_unit_id uuid NOT NULL REFERENCES org_units (id),
  relation    text NOT NULL,
  name        text NOT NULL DEFAULT '',
  PRIMARY KEY (person_id, position)
);
CREATE INDEX person_relatives_unit ON person_relatives (org_unit_id);

CREATE TABLE users (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username      text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  person_id     uuid REFERENCES people (id),
  office_id     uuid REFERENCES offices (id),
  roles         text[] NOT NULL,
  unit_id       uuid REFERENCES org_units (id),
  failed_logins int NOT NULL DEFAULT 0,
  locked_until  timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_office ON users (office_id);

CREATE TABLE api_clients (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  office_id   uuid NOT NULL REFERENCES offices (id),
  scopes      text[] NOT NULL,
  secret_hash text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Only a hash of each refresh token is kept; a stolen table cannot mint sessions.
CREATE TABLE refresh_tokens (
  token_hash   text PRIMARY KEY,
  subject_kind text NOT NULL,
  subject_id   uuid NOT NULL,
  expires_at   timestamptz NOT NULL,
  revoked_at   timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_subject ON refresh_tokens (subject_id);

CREATE TABLE calendar_years (
  year       int PRIMARY KEY,
  source     text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE calendar_days (
  day  date PRIMARY KEY,
  year int NOT NULL REFERENCES calendar_years (year) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('HOLIDAY', 'WORKDAY')),
  name text NOT NULL DEFAULT ''
);
