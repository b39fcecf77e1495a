-- The backlog's GROUP BY (Repository::OpenClueGroupsUnder) read every clue row, JSON body and
-- all: 1,822 pages for 20,000 clues, ~15-17 ms warm for a city of 18,400 open clues. This index
-- holds every column it reads, in the order it groups by, so the read is an index-only scan of a
-- fraction of the pages, grouped as it streams (no hash table): ~9.5 ms on the same data.
-- Clues are written far less often than the backlog is read.
CREATE INDEX clues_backlog ON clues (office_path, state, office_id, has_referral,
  receiving_unit_id, receiving_unit_name, referral_date, feedback_deadline);
