-- Issue taxonomy: the standard entries (office_id NULL) every office starts from, plus the
-- entries offices add. An office's tree is the standard entries and the entries of every office
-- at or above it (office_path @> its path), so a city's additions reach its counties.
CREATE TABLE taxonomy_entries (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  office_id   text,
  office_path ltree,
  parent_id   uuid REFERENCES taxonomy_entries (id),
  -- The top-level heading above the entry (itself for a heading): reports group by it.
  heading_id  uuid NOT NULL,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  position    int NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CHECK ((office_id IS NULL) = (office_path IS NULL))
);
CREATE INDEX taxonomy_entries_office_path ON taxonomy_entries USING gist (office_path);
-- Two siblings with one name in one office's tree would be indistinguishable.
CREATE UNIQUE INDEX taxonomy_entries_sibling_name ON taxonomy_entries
  (coalesce(office_id, ''), coalesce(parent_id, '00000000-0000-0000-0000-000000000000'::uuid), name);

-- The standard headings and their problem manifestations (问题表现).
WITH headings (name, position) AS (
  VALUES ('党的领导', 1), ('党的建设', 2), ('全面从严治党', 3), ('选人用人', 4),
         ('巡视巡察整改落实', 5), ('意识形态', 6)
), inserted AS (
  INSERT INTO taxonomy_entries (id, heading_id, name, position)
  SELECT id, id, name, position FROM (SELECT gen_random_uuid() AS id, name, position FROM headings) h
  RETURNING id, name
)
INSERT INTO taxonomy_entries (parent_id, heading_id, name, position)
SELECT i.id, i.id, m.name, m.position
FROM inserted i JOIN (VALUES
  ('党的领导', '学习贯彻习近平新时代中国特色社会主义思想不深入', 1),
  ('党的领导', '贯彻落实党中央决策部署和上级要求打折扣、搞变通', 2),
  ('党的领导', '履行职能责任有偏差，服务发展大局不力', 3),
  ('党的领导', '落实“三重一大”决策制度不严格', 4),
  ('党的建设', '基层党组织建设薄弱，政治功能发挥不充分', 1),
  ('党的建设', '组织生活制度落实不严格', 2),
  ('党的建设', '民主集中制执行不到位', 3),
  ('党的建设', '党员教育管理监督不规范', 4),
  ('全面从严治党', '管党治党主体责任落实不到位', 1),
  ('全面从严治党', '监督责任履行不力', 2),
  ('全面从严治党', '违反中央八项规定精神，“四风”问题禁而未绝', 3),
  ('全面从严治党', '形式主义、官僚主义问题突出', 4),
  ('全面从严治党', '重点领域和关键环节廉洁风险突出', 5),
  ('选人用人', '干部选拔任用程序不规范', 1),
  ('选人用人', '干部监督管理不严格', 2),
  ('选人用人', '干部队伍和人才队伍建设滞后', 3),
  ('巡视巡察整改落实', '整改主体责任落实不到位', 1),
  ('巡视巡察整改落实', '整改措施不具体、敷衍整改', 2),
  ('巡视巡察整改落实', '整改成效不明显，问题反弹回潮', 3),
  ('意识形态', '意识形态工作责任制落实不到位', 1),
  ('意识形态', '意识形态阵地管理不严格', 2)
) AS m (heading, name, position) ON m.heading = i.name;

-- Issues. Engagement facts (office, round, target) are copied from the engagement replica at
-- creation so that lists, exports and statistics need no join with a snapshot blob.
CREATE TABLE issues (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  engagement_id        text NOT NULL,
  office_id            text NOT NULL,
  office_path          ltree NOT NULL,
  round_id             text NOT NULL DEFAULT '',
  target_unit_id       text NOT NULL,
  target_unit_path     ltree NOT NULL,
  title                text NOT NULL,
  description          text NOT NULL,
  category_id          uuid NOT NULL REFERENCES taxonomy_entries (id),
  heading_id           uuid NOT NULL REFERENCES taxonomy_entries (id),
  discipline_type      text NOT NULL DEFAULT '',
  four_winds           boolean NOT NULL DEFAULT false,
  major_decisions      boolean NOT NULL DEFAULT false,
  severity             text NOT NULL,
  source               text NOT NULL,
  source_record_id     text NOT NULL DEFAULT '',
  evidence_ids         text[] NOT NULL DEFAULT '{}',
  responsible_post     text NOT NULL DEFAULT '',
  responsible_person   text NOT NULL DEFAULT '',
  immediate            boolean NOT NULL DEFAULT false,
  clue_material        boolean NOT NULL DEFAULT false,
  state                text NOT NULL DEFAULT 'DRAFT',
  signer_name          text NOT NULL DEFAULT '',
  signer_post          text NOT NULL DEFAULT '',
  signed_on            date,
  sign_statement       text NOT NULL DEFAULT '',
  unit_explanation     text NOT NULL DEFAULT '',
  dismissal_reason     text NOT NULL DEFAULT '',
  report_id            uuid,
  fed_back_on          date,
  created_by           text NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX issues_engagement ON issues (engagement_id, id);
CREATE INDEX issues_round ON issues (round_id, id);
CREATE INDEX issues_office_path ON issues USING gist (office_path);
CREATE INDEX issues_target_path ON issues USING gist (target_unit_path);

-- 疑点 dialogue with the unit during verification.
CREATE TABLE questions (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  issue_id    uuid NOT NULL REFERENCES issues (id),
  text        text NOT NULL,
  asked_by    text NOT NULL,
  asked_at    timestamptz NOT NULL DEFAULT now(),
  answer      text NOT NULL DEFAULT '',
  answered_by text NOT NULL DEFAULT '',
  answered_at timestamptz
);
CREATE INDEX questions_issue ON questions (issue_id, asked_at);

-- One report (巡察报告) per engagement.
CREATE TABLE reports (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  engagement_id          text NOT NULL UNIQUE,
  office_id              text NOT NULL,
  office_path            ltree NOT NULL,
  summary                text NOT NULL DEFAULT '',
  special_reports        text NOT NULL DEFAULT '[]',  -- JSON array of SpecialReport
  state                  text NOT NULL DEFAULT 'DRAFT',
  approved_by            text NOT NULL DEFAULT '',
  feedback_date          date,
  requirements           text NOT NULL DEFAULT '',
  rectification_plan_due date,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE issues ADD CONSTRAINT issues_report FOREIGN KEY (report_id) REFERENCES reports (id);
