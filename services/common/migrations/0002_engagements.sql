-- Local replica of planning's engagements (see engagements.h): lets a service authorise group
-- members and liaisons without calling planning on every request.
CREATE TABLE engagements (
  id               text PRIMARY KEY,
  version          bigint NOT NULL,
  office_id        text NOT NULL,
  office_path      ltree NOT NULL,
  target_unit_id   text NOT NULL,
  target_unit_path ltree NOT NULL,
  snapshot         text NOT NULL,  -- EngagementSnapshot as proto3 JSON
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX engagements_office_path ON engagements USING gist (office_path);
CREATE INDEX engagements_target_path ON engagements USING gist (target_unit_path);

-- Person ids of group members, for "my engagements" lookups.
CREATE TABLE engagement_members (
  engagement_id text NOT NULL REFERENCES engagements (id) ON DELETE CASCADE,
  person_id     text NOT NULL,
  role          text NOT NULL,
  PRIMARY KEY (engagement_id, person_id)
);
CREATE INDEX engagement_members_person ON engagement_members (person_id);
