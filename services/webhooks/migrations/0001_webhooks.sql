-- Webhooks: subscriptions of API clients, one delivery per (subscription, event), and every
-- attempt made to deliver it.

-- Replicas from directory's events: the office of an API client (when an office admin manages
-- its subscriptions) and office paths (for events that name only an office id).
CREATE TABLE api_clients (
  id         text PRIMARY KEY,
  office_id  text NOT NULL,
  scopes     text[] NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE offices (
  id         text PRIMARY KEY,
  path       ltree NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE subscriptions (
  id                   uuid PRIMARY KEY,
  api_client_id        text NOT NULL,
  office_id            text NOT NULL,
  office_path          ltree NOT NULL,
  -- The client's scopes when the subscription was made; events of services outside them are
  -- not sent.
  scopes               text[] NOT NULL,
  event_types          text[] NOT NULL,
  url                  text NOT NULL,
  -- The HMAC key. Kept readable because signing needs it; never returned after creation.
  secret               text NOT NULL,
  state                text NOT NULL,  -- ACTIVE | DISABLED
  disabled_reason      text NOT NULL DEFAULT '',
  consecutive_failures integer NOT NULL DEFAULT 0,
  created_by           text NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscriptions_client ON subscriptions (api_client_id, created_at, id);
CREATE INDEX subscriptions_office ON subscriptions (office_id, created_at, id);
CREATE INDEX subscriptions_active ON subscriptions USING gist (office_path) WHERE state = 'ACTIVE';

CREATE TABLE deliveries (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  subscription_id uuid NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
  event_id        text NOT NULL,
  event_type      text NOT NULL,
  body            text NOT NULL,  -- the exact bytes that are signed and sent
  state           text NOT NULL DEFAULT 'PENDING',  -- PENDING | DELIVERED | FAILED
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz,
  failure_reason  text NOT NULL DEFAULT '',
  created_at      timestamptz NOT NULL DEFAULT now(),
  -- A redelivered event must not queue a second delivery.
  UNIQUE (subscription_id, event_id)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'PENDING';
CREATE INDEX deliveries_subscription ON deliveries (subscription_id, created_at, id);

CREATE TABLE delivery_attempts (
  delivery_id uuid NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  number      integer NOT NULL,
  started_at  timestamptz NOT NULL,
  http_status integer NOT NULL,  -- 0: no HTTP answer
  error       text NOT NULL DEFAULT '',
  duration_ms integer NOT NULL,
  PRIMARY KEY (delivery_id, number)
);
