-- The backlog (GetClueBacklog) parsed every open clue's JSON body to count it: ~1 s for a city
-- with 18,000 open clues (the full-scale benchmark province). What it counts by is now kept in
-- columns beside the body, written with it, and the backlog is a GROUP BY over them.
ALTER TABLE clues
  ADD COLUMN has_referral boolean NOT NULL DEFAULT false,
  ADD COLUMN receiving_unit_name text NOT NULL DEFAULT '',
  ADD COLUMN referral_date text NOT NULL DEFAULT '',      -- YYYY-MM-DD, as in the body
  ADD COLUMN feedback_deadline text NOT NULL DEFAULT '';  -- YYYY-MM-DD, as in the body

-- Existing clues: from their bodies (proto3 JSON, lowerCamelCase; a referral with every field
-- empty is still written as "referral": {}).
UPDATE clues c
SET has_referral = true,
    receiving_unit_name = coalesce(r."receivingUnitName", ''),
    referral_date = coalesce(r."referralDate", ''),
    feedback_deadline = coalesce(r."feedbackDeadline", '')
FROM clues b
CROSS JOIN LATERAL json_to_record(b.body::json -> 'referral')
  AS r("receivingUnitName" text, "referralDate" text, "feedbackDeadline" text)
WHERE b.id = c.id AND b.body::json -> 'referral' IS NOT NULL;
