-- Shared tables every service schema carries. search_path is the service schema.

-- Events written in the same transaction as the change they describe (transactional outbox).
CREATE TABLE outbox (
  seq          bigserial PRIMARY KEY,
  event_id     uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  event_type   text NOT NULL,
  aggregate_id text NOT NULL,
  payload      text NOT NULL,
  request_id   text NOT NULL DEFAULT '',
  occurred_at  timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);
-- The relay only ever looks for what is still unpublished.
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;

-- Event ids a consumer group has already applied, so a redelivery has no second effect.
CREATE TABLE processed_events (
  consumer_group text NOT NULL,
  event_id       text NOT NULL,
  processed_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, event_id)
);

-- Hash-chained audit log; seq is dense so a removed row shows as a gap.
CREATE TABLE audit_log (
  seq        bigint PRIMARY KEY,
  actor      text NOT NULL,
  action     text NOT NULL,
  resource   text NOT NULL,
  at         text NOT NULL,
  request_id text NOT NULL,
  prev_hash  text NOT NULL,
  hash       text NOT NULL
);
CREATE INDEX audit_log_resource ON audit_log (resource, seq);

-- Responses of writes made with an Idempotency-Key, stored with the write itself.
CREATE TABLE idempotency_keys (
  principal    text NOT NULL,
  key          text NOT NULL,
  method       text NOT NULL,
  request_hash text NOT NULL,
  response     bytea NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
