-- Reminders sent about a clue's feedback deadline: one per clue and kind (due_soon, overdue), so
-- a scan that runs again, or on another replica, sends nothing twice.
CREATE TABLE clue_reminders (
  clue_id uuid NOT NULL REFERENCES clues (id),
  kind    text NOT NULL,
  sent_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (clue_id, kind)
);
CREATE INDEX clues_undisposed ON clues (state) WHERE state IN ('REFERRED', 'ACKNOWLEDGED');
