-- Audit rows are sealed into the hash chain after commit instead of while appending. Appending
-- used to take one lock per schema held until commit, so every write of a service waited for the
-- previous one's commit (fsync): ~150 writes/s whatever the hardware (tests/bench/RESULTS.md).
-- Now a write only inserts its row (entry_id from a sequence, seq/prev_hash/hash empty); the
-- sealer (SealAudit, run every few hundred ms by each service, one replica at a time) gives
-- committed rows the next chain position in the order it finds them and hashes them.
ALTER TABLE audit_log ADD COLUMN entry_id bigint;
CREATE SEQUENCE audit_log_entry_id OWNED BY audit_log.entry_id;
UPDATE audit_log SET entry_id = seq;
SELECT setval('audit_log_entry_id', COALESCE(max(seq), 0) + 1, false) FROM audit_log;
ALTER TABLE audit_log
  ALTER COLUMN entry_id SET DEFAULT nextval('audit_log_entry_id'),
  ALTER COLUMN entry_id SET NOT NULL,
  DROP CONSTRAINT audit_log_pkey,
  ADD PRIMARY KEY (entry_id),
  ALTER COLUMN seq DROP NOT NULL,
  ALTER COLUMN prev_hash DROP NOT NULL,
  ALTER COLUMN hash DROP NOT NULL,
  -- Sealed rows are whole; unsealed rows have none of the three.
  ADD CONSTRAINT audit_log_sealed_whole CHECK (
    (seq IS NULL AND prev_hash IS NULL AND hash IS NULL) OR
    (seq IS NOT NULL AND prev_hash IS NOT NULL AND hash IS NOT NULL));
CREATE UNIQUE INDEX audit_log_seq ON audit_log (seq);
CREATE INDEX audit_log_unsealed ON audit_log (entry_id) WHERE seq IS NULL;
DROP INDEX audit_log_resource;
CREATE INDEX audit_log_resource ON audit_log (resource, entry_id);
