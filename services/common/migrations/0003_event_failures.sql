-- Events a consumer group failed to apply. After `max_failures` attempts an event is
-- dead-lettered: kept here with the last error (dead = true) and acknowledged, so one poisoned
-- event cannot block or loop a consumer forever, and an operator can see and replay it.
CREATE TABLE event_failures (
  consumer_group text NOT NULL,
  event_id       text NOT NULL,
  stream         text NOT NULL,
  event_type     text NOT NULL,
  payload        text NOT NULL,
  failures       int NOT NULL,
  last_error     text NOT NULL,
  dead           boolean NOT NULL DEFAULT false,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, event_id)
);
CREATE INDEX event_failures_dead ON event_failures (consumer_group) WHERE dead;
