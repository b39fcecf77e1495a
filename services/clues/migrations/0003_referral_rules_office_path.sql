-- Offices above read a lower office's referral rules (DESIGN.md §3): the rules row keeps the
-- owning office's path so the read can decide that without asking directory. Rows saved before
-- this take the path from that office's clues; an office with neither is readable by its own
-- staff only until it saves its rules again.
ALTER TABLE referral_rules ADD COLUMN office_path ltree;
UPDATE referral_rules r
   SET office_path = (SELECT c.office_path FROM clues c WHERE c.office_id = r.office_id LIMIT 1);
