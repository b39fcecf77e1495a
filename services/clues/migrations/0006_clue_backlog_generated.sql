-- The backlog's columns (migration 0004) are what the JSON body says: generated from it, they
-- cannot disagree with it, and no write path has to remember to set them. Proto3 JSON leaves
-- empty strings out, hence the coalesce; a referral with every field empty is still written
-- as "referral": {}, so its presence is the key's.
DROP INDEX clues_backlog;
ALTER TABLE clues
  DROP COLUMN has_referral,
  DROP COLUMN receiving_unit_name,
  DROP COLUMN referral_date,
  DROP COLUMN feedback_deadline;
ALTER TABLE clues
  ADD COLUMN has_referral boolean NOT NULL
    GENERATED ALWAYS AS ((body::json -> 'referral') IS NOT NULL) STORED,
  ADD COLUMN receiving_unit_name text NOT NULL
    GENERATED ALWAYS AS (coalesce(body::json -> 'referral' ->> 'receivingUnitName', '')) STORED,
  ADD COLUMN referral_date text NOT NULL  -- YYYY-MM-DD, as in the body
    GENERATED ALWAYS AS (coalesce(body::json -> 'referral' ->> 'referralDate', '')) STORED,
  ADD COLUMN feedback_deadline text NOT NULL  -- YYYY-MM-DD, as in the body
    GENERATED ALWAYS AS (coalesce(body::json -> 'referral' ->> 'feedbackDeadline', '')) STORED;
-- As in migration 0005: every column the backlog reads, in the order it groups by.
CREATE INDEX clues_backlog ON clues (office_path, state, office_id, has_referral,
  receiving_unit_id, receiving_unit_name, referral_date, feedback_deadline);
