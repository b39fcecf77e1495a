-- The backlog as counts kept beside the clues, instead of counted at each call. Counting grouped
-- 18,400 open clues per call for the city (an index-only scan, migration 0005), and that plan
-- needs a vacuumed table: after migration 0006 rewrote clues while other services' migrations
-- were running, the vacuum of migration 0007 could not mark its pages all-visible, the planner
-- took a sequential scan and a sort, and the full-scale backlog took 86-91 ms at p50
-- (tests/bench/RESULTS.md). Here a trigger keeps one row per group, in the transaction that
-- changes the clue; the city's backlog reads about a dozen rows. Clues change rarely, so the
-- row locks this takes on a group's count are not contended.
CREATE TABLE clue_backlog_counts (
  office_path         ltree NOT NULL,
  state               text NOT NULL,
  office_id           text NOT NULL,
  has_referral        boolean NOT NULL,
  receiving_unit_id   text NOT NULL,
  receiving_unit_name text NOT NULL,
  referral_date       text NOT NULL,
  feedback_deadline   text NOT NULL,
  n                   int NOT NULL,  -- 0 once the group's clues moved on; left for reuse
  PRIMARY KEY (office_path, state, office_id, has_referral, receiving_unit_id,
               receiving_unit_name, referral_date, feedback_deadline)
);

CREATE FUNCTION clue_backlog_count() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND
     (OLD.office_path, OLD.state, OLD.office_id, OLD.has_referral, OLD.receiving_unit_id,
      OLD.receiving_unit_name, OLD.referral_date, OLD.feedback_deadline) IS NOT DISTINCT FROM
     (NEW.office_path, NEW.state, NEW.office_id, NEW.has_referral, NEW.receiving_unit_id,
      NEW.receiving_unit_name, NEW.referral_date, NEW.feedback_deadline) THEN
    RETURN NULL;  -- the clue stays in its group
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE clue_backlog_counts SET n = n - 1
    WHERE office_path = OLD.office_path AND state = OLD.state AND office_id = OLD.office_id
      AND has_referral = OLD.has_referral AND receiving_unit_id = OLD.receiving_unit_id
      AND receiving_unit_name = OLD.receiving_unit_name AND referral_date = OLD.referral_date
      AND feedback_deadline = OLD.feedback_deadline;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO clue_backlog_counts AS c VALUES
      (NEW.office_path, NEW.state, NEW.office_id, NEW.has_referral, NEW.receiving_unit_id,
       NEW.receiving_unit_name, NEW.referral_date, NEW.feedback_deadline, 1)
    ON CONFLICT (office_path, state, office_id, has_referral, receiving_unit_id,
                 receiving_unit_name, referral_date, feedback_deadline)
    DO UPDATE SET n = c.n + 1;
  END IF;
  RETURN NULL;
END $$;

-- No clue changes between the count below and the trigger taking over.
LOCK TABLE clues IN SHARE ROW EXCLUSIVE MODE;
CREATE TRIGGER clue_backlog_count AFTER INSERT OR UPDATE OR DELETE ON clues
  FOR EACH ROW EXECUTE FUNCTION clue_backlog_count();
INSERT INTO clue_backlog_counts
SELECT office_path, state, office_id, has_referral, receiving_unit_id, receiving_unit_name,
       referral_date, feedback_deadline, count(*)
FROM clues
GROUP BY office_path, state, office_id, has_referral, receiving_unit_id, receiving_unit_name,
         referral_date, feedback_deadline;

-- Only the count by groups read this index (migrations 0005, 0006).
DROP INDEX clues_backlog;
