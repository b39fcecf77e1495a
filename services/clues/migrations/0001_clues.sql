-- Clues. The clue itself is stored as proto3 JSON (it is read and written whole, always through
-- the domain rules); the columns beside it are what lists, uniqueness and the backlog query on.
CREATE TABLE clues (
  id                  uuid PRIMARY KEY,
  engagement_id       text NOT NULL,
  office_id           text NOT NULL,
  office_path         ltree NOT NULL,
  source              text NOT NULL,  -- ISSUE | PETITION
  source_id           text NOT NULL,
  state               text NOT NULL,
  receiving_unit_id   text NOT NULL DEFAULT '',
  receiving_unit_path text NOT NULL DEFAULT '',
  body                text NOT NULL,  -- Clue as proto3 JSON
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  -- One clue per issue or petition: a repeated suggestion must not register a second one.
  UNIQUE (source, source_id)
);
CREATE INDEX clues_office_path ON clues USING gist (office_path);
CREATE INDEX clues_engagement ON clues (engagement_id, created_at, id);
CREATE INDEX clues_receiver ON clues (receiving_unit_id, created_at, id);
CREATE INDEX clues_office ON clues (office_id, created_at, id);

-- Referral rules and the feedback period, one row per office (ReferralRules as proto3 JSON).
CREATE TABLE referral_rules (
  office_id  text PRIMARY KEY,
  body       text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
