-- Interview outlines (谈话提纲): reusable question lists. office_id NULL marks a built-in
-- outline every office may use; the others belong to one office. Every edit writes a new
-- version, so an interview can name exactly the wording it followed.
CREATE TABLE interview_outlines (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  office_id       text,
  office_path     ltree,
  current_version int NOT NULL DEFAULT 1,
  archived        boolean NOT NULL DEFAULT false,
  created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  CHECK ((office_id IS NULL) = (office_path IS NULL))
);
CREATE INDEX interview_outlines_office_path ON interview_outlines USING gist (office_path);

CREATE TABLE interview_outline_versions (
  outline_id uuid NOT NULL REFERENCES interview_outlines (id),
  version    int NOT NULL CHECK (version >= 1),
  title      text NOT NULL,
  category   text NOT NULL,
  questions  text[] NOT NULL CHECK (cardinality(questions) >= 1),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (outline_id, version)
);

ALTER TABLE interviews
  ADD COLUMN outline_id uuid,
  ADD COLUMN outline_version int,
  ADD FOREIGN KEY (outline_id, outline_version)
    REFERENCES interview_outline_versions (outline_id, version),
  ADD CHECK ((outline_id IS NULL) = (outline_version IS NULL));

-- The built-in outlines, one per category of the 三必谈 practice (一把手, 班子成员, 中层,
-- 普通员工), with the questions inspection groups ask in individual talks.
WITH built_in (title, category, questions) AS (
  VALUES
  ('“一把手”谈话提纲', 'TOP_LEADER', ARRAY[
    '请介绍本单位贯彻落实党中央决策部署和上级党组织工作要求的情况，有无打折扣、搞变通的问题？',
    '您本人履行全面从严治党第一责任人职责的情况如何？如何管好班子、带好队伍？',
    '本单位“三重一大”事项是如何决策的？有无个人说了算、会前定调或先定后议的情况？',
    '近年来干部选拔任用工作是如何开展的？有无违反程序、带病提拔、突击提拔的情况？',
    '上次巡视巡察、审计发现问题的整改情况如何？哪些问题还没有整改到位？',
    '您对班子成员和中层干部的廉洁情况怎么看？是否发现苗头性、倾向性问题？',
    '您本人在落实中央八项规定精神、廉洁自律方面有哪些需要向巡察组说明的情况？',
    '您认为本单位目前最突出的问题和风险点是什么？对巡察工作有何意见建议？']),
  ('领导班子成员谈话提纲', 'LEADERSHIP_MEMBER', ARRAY[
    '请谈谈对本单位党组织领导核心作用发挥情况的看法。',
    '您履行“一岗双责”、抓分管领域党风廉政建设的情况如何？',
    '班子执行民主集中制情况如何？议事决策中能否充分发表意见？“一把手”是否听取不同意见？',
    '分管领域的重大项目、大额资金使用和物资采购是否规范？有无廉洁风险？',
    '对“一把手”和其他班子成员在履职、作风、廉洁方面有何反映？',
    '对本单位选人用人工作有何看法？',
    '分管领域存在哪些突出问题？整改的打算是什么？']),
  ('中层干部谈话提纲', 'MIDDLE_MANAGER', ARRAY[
    '请介绍本部门的主要职责和近年来的工作情况。',
    '上级决策部署在本部门是如何落实的？有无落实不力、推诿扯皮的情况？',
    '本部门的内部管理制度是否健全、执行是否到位？财务报销、公务接待、公车使用是否规范？',
    '对领导班子及其成员在作风、廉洁、民主决策方面有何反映？',
    '您对本单位干部选拔任用、考核评价工作的公平公正有何看法？',
    '本部门存在哪些廉洁风险点？有无群众反映强烈的问题？',
    '您对巡察工作还有什么需要反映的问题和建议？']),
  ('普通员工谈话提纲', 'STAFF', ARRAY[
    '请谈谈您对本单位领导班子和党组织工作的总体评价。',
    '本单位党组织生活（“三会一课”、主题党日等）开展情况如何？是否流于形式？',
    '您身边是否存在形式主义、官僚主义或享乐主义、奢靡之风的现象？',
    '单位在职工切身利益（薪酬、福利、评先评优、晋升）方面是否公开公平？',
    '您是否了解领导干部和关键岗位人员有违规违纪的问题？',
    '您对本单位有哪些意见和建议？'])
), inserted AS (
  INSERT INTO interview_outlines (id)
  SELECT gen_random_uuid() FROM built_in
  RETURNING id
), numbered_outlines AS (
  SELECT id, row_number() OVER (ORDER BY id) AS n FROM inserted
), numbered_built_in AS (
  SELECT title, category, questions, row_number() OVER (ORDER BY category) AS n FROM built_in
)
INSERT INTO interview_outline_versions (outline_id, version, title, category, questions, created_by)
SELECT o.id, 1, b.title, b.category, b.questions, 'system'
FROM numbered_outlines o JOIN numbered_built_in b USING (n);

-- Questions the office asks an anonymous reporter and the reporter's replies, sent with the
-- receipt code. A reply row carries nothing about who sent it and only the day it came.
CREATE TABLE petition_messages (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  petition_id uuid NOT NULL REFERENCES petitions (id),
  kind        text NOT NULL CHECK (kind IN ('QUESTION', 'REPLY')),
  body        text NOT NULL,
  in_reply_to uuid REFERENCES petition_messages (id),
  posted_on   date NOT NULL,
  -- Orders the thread; never returned to anyone.
  seq         bigserial NOT NULL,
  CHECK ((kind = 'REPLY') = (in_reply_to IS NOT NULL))
);
CREATE INDEX petition_messages_petition ON petition_messages (petition_id, seq);
-- One reply per question: a second one (or a race of two) is refused by the index.
CREATE UNIQUE INDEX petition_messages_one_reply ON petition_messages (in_reply_to);

-- Evidence attached to a record of an engagement: an interview, a document request or a
-- petition. The file must already be linked to that engagement.
CREATE TABLE evidence_attachments (
  sha256        text NOT NULL,
  engagement_id uuid NOT NULL,
  object_kind   text NOT NULL CHECK (object_kind IN ('INTERVIEW', 'DOCUMENT_REQUEST', 'PETITION')),
  object_id     uuid NOT NULL,
  attached_by   text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (object_kind, object_id, sha256),
  FOREIGN KEY (sha256, engagement_id) REFERENCES evidence_links (sha256, engagement_id)
);
CREATE INDEX evidence_attachments_sha256 ON evidence_attachments (sha256, engagement_id);

-- Files cited by earlier reviews become attachments of their document requests.
INSERT INTO evidence_attachments (sha256, engagement_id, object_kind, object_id, attached_by)
SELECT DISTINCT s.sha256, d.engagement_id, 'DOCUMENT_REQUEST', d.id, 'migration'
FROM document_requests d CROSS JOIN LATERAL unnest(d.evidence_sha256) AS s (sha256)
WHERE EXISTS (SELECT 1 FROM evidence_links l
              WHERE l.sha256 = s.sha256 AND l.engagement_id = d.engagement_id)
ON CONFLICT DO NOTHING;
