#include "repository.h"

#include <limits>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "xuncha/pg.h"

namespace xuncha::issues {
namespace {

// A nullable parameter: "" is sent as NULL (libpqxx 6 treats a null const char* as NULL).
const char* NullIfEmpty(const std::string& value) {
  return value.empty() ? nullptr : value.c_str();
}

// An issue as read back: its row `i` with the names of its category and heading. The row may
// be the table's or one just inserted (InsertIssue), hence the FROM apart.
const std::string kIssueSelect =
    "SELECT i.id::text, i.engagement_id, i.title, i.description, i.category_id::text, c.name, "
    "i.heading_id::text, h.name, h.position, i.discipline_type, i.four_winds, i.major_decisions, "
    "i.severity, i.source, i.source_record_id, i.evidence_ids::text, i.responsible_post, "
    "i.responsible_person, i.immediate, i.clue_material, i.state, i.signer_name, i.signer_post, "
    "coalesce(i.signed_on::text, ''), i.sign_statement, i.unit_explanation, i.dismissal_reason, "
    "coalesce(i.report_id::text, ''), coalesce(i.fed_back_on::text, ''), i.office_id, "
    "i.round_id, i.target_unit_id, " +
    SqlMicros("i.created_at") + ", " + SqlMicros("i.updated_at") +
    ", i.office_path::text, i.target_unit_path::text ";
const std::string kIssueNames =
    "JOIN taxonomy_entries c ON c.id = i.category_id "
    "JOIN taxonomy_entries h ON h.id = i.heading_id ";
const std::string kIssueColumns = kIssueSelect + "FROM issues i " + kIssueNames;

StoredIssue IssueFromRow(const pqxx::row& r) {
  StoredIssue s;
  Issue& i = s.issue;
  i.set_id(r[0].as<std::string>());
  i.set_engagement_id(r[1].as<std::string>());
  i.set_title(r[2].as<std::string>());
  i.set_description(r[3].as<std::string>());
  i.set_category_id(r[4].as<std::string>());
  i.set_category_name(r[5].as<std::string>());
  i.set_heading_id(r[6].as<std::string>());
  i.set_heading_name(r[7].as<std::string>());
  s.heading_position = r[8].as<int>();
  Issue::DisciplineType discipline = Issue::DISCIPLINE_TYPE_UNSPECIFIED;
  Issue::DisciplineType_Parse(r[9].as<std::string>(), &discipline);
  i.set_discipline_type(discipline);
  i.set_four_winds(r[10].as<bool>());
  i.set_major_decisions(r[11].as<bool>());
  Issue::Severity severity = Issue::SEVERITY_UNSPECIFIED;
  Issue::Severity_Parse(r[12].as<std::string>(), &severity);
  i.set_severity(severity);
  Issue::Source source = Issue::SOURCE_UNSPECIFIED;
  Issue::Source_Parse(r[13].as<std::string>(), &source);
  i.set_source(source);
  i.set_source_record_id(r[14].as<std::string>());
  for (auto& e : ParsePgTextArray(r[15].as<std::string>())) i.add_evidence_ids(e);
  i.set_responsible_post(r[16].as<std::string>());
  i.set_responsible_person(r[17].as<std::string>());
  i.set_immediate(r[18].as<bool>());
  i.set_clue_material(r[19].as<bool>());
  Issue::State state = Issue::STATE_UNSPECIFIED;
  Issue::State_Parse(r[20].as<std::string>(), &state);
  i.set_state(state);
  if (!r[21].as<std::string>().empty()) {
    i.mutable_sign_off()->set_signer_name(r[21].as<std::string>());
    i.mutable_sign_off()->set_signer_post(r[22].as<std::string>());
    i.mutable_sign_off()->set_signed_on(r[23].as<std::string>());
    i.mutable_sign_off()->set_statement(r[24].as<std::string>());
  }
  if (!r[26].as<std::string>().empty()) {
    i.mutable_dismissal()->set_unit_explanation(r[25].as<std::string>());
    i.mutable_dismissal()->set_group_reason(r[26].as<std::string>());
  }
  i.set_report_id(r[27].as<std::string>());
  i.set_fed_back_on(r[28].as<std::string>());
  i.set_office_id(r[29].as<std::string>());
  i.set_round_id(r[30].as<std::string>());
  i.set_target_unit_id(r[31].as<std::string>());
  SetTimestampMicros(i.mutable_create_time(), r[32].as<int64_t>());
  SetTimestampMicros(i.mutable_update_time(), r[33].as<int64_t>());
  s.office_path = r[34].as<std::string>();
  s.target_unit_path = r[35].as<std::string>();
  return s;
}

const std::string kTaxonomyColumns =
    "SELECT t.id::text, coalesce(t.office_id, ''), coalesce(t.parent_id::text, ''), t.name, "
    "t.position, " +
    SqlMicros("t.created_at") +
    ", coalesce(t.office_path::text, ''), t.heading_id::text, h.name, h.position "
    "FROM taxonomy_entries t JOIN taxonomy_entries h ON h.id = t.heading_id ";

StoredTaxonomyEntry TaxonomyFromRow(const pqxx::row& r) {
  StoredTaxonomyEntry s;
  s.entry.set_id(r[0].as<std::string>());
  s.entry.set_office_id(r[1].as<std::string>());
  s.entry.set_parent_id(r[2].as<std::string>());
  s.entry.set_name(r[3].as<std::string>());
  s.entry.set_position(r[4].as<int>());
  SetTimestampMicros(s.entry.mutable_create_time(), r[5].as<int64_t>());
  s.entry.set_standard(s.entry.office_id().empty());
  s.office_path = r[6].as<std::string>();
  s.heading_id = r[7].as<std::string>();
  s.heading_name = r[8].as<std::string>();
  s.heading_position = r[9].as<int>();
  return s;
}

v1::Question QuestionFromRow(const pqxx::row& r) {
  v1::Question q;
  q.set_id(r[0].as<std::string>());
  q.set_issue_id(r[1].as<std::string>());
  q.set_text(r[2].as<std::string>());
  q.set_asked_by(r[3].as<std::string>());
  SetTimestampMicros(q.mutable_ask_time(), r[4].as<int64_t>());
  q.set_answer(r[5].as<std::string>());
  q.set_answered_by(r[6].as<std::string>());
  if (!r[7].is_null()) SetTimestampMicros(q.mutable_answer_time(), r[7].as<int64_t>());
  return q;
}

const std::string kQuestionColumns = "SELECT id::text, issue_id::text, text, asked_by, " +
                                     SqlMicros("asked_at") + ", answer, answered_by, " +
                                     SqlMicros("answered_at") + " FROM questions ";

}  // namespace

// ---------------------------------------------------------------------------------------------
// Taxonomy

std::vector<v1::TaxonomyEntry> Repository::ListTaxonomy(pqxx::transaction_base& tx,
                                                        const std::string& office_path) {
  // Depth-first order would need the whole tree in memory; ordering by depth is enough for
  // "parents before children".
  pqxx::result rows = PgExec(
      tx,
      "WITH RECURSIVE visible AS ("
      "  SELECT * FROM taxonomy_entries WHERE office_path IS NULL "
      "  OR ($1 <> '' AND office_path @> $1::ltree)), "
      "tree AS (SELECT v.id, 0 AS depth FROM visible v WHERE v.parent_id IS NULL "
      "  UNION ALL SELECT v.id, t.depth + 1 FROM visible v JOIN tree t ON v.parent_id = t.id) " +
          kTaxonomyColumns +
          "JOIN tree ON tree.id = t.id ORDER BY tree.depth, h.position, t.position, t.name",
      office_path);
  std::vector<v1::TaxonomyEntry> out;
  for (const auto& r : rows) out.push_back(TaxonomyFromRow(r).entry);
  return out;
}

absl::StatusOr<StoredTaxonomyEntry> Repository::GetTaxonomyEntry(pqxx::transaction_base& tx,
                                                                 const std::string& id,
                                                                 absl::string_view field) {
  pqxx::result r = PgExec(tx, kTaxonomyColumns + "WHERE t.id = $1::uuid", id);
  if (r.empty()) {
    return absl::NotFoundError(absl::StrCat(field, ": taxonomy entry ", id, " not found"));
  }
  return TaxonomyFromRow(r[0]);
}

v1::TaxonomyEntry Repository::InsertTaxonomyEntry(pqxx::work& tx, const v1::TaxonomyEntry& entry,
                                                  const std::string& office_id,
                                                  const std::string& office_path,
                                                  const std::string& heading_id) {
  // A heading is its own heading: its id is generated first so heading_id can refer to it.
  pqxx::row r = PgExec1(
      tx,
      "WITH new_id AS (SELECT gen_random_uuid() AS id) "
      "INSERT INTO taxonomy_entries (id, office_id, office_path, parent_id, heading_id, name, "
      "position) SELECT id, $1, $2::ltree, $3::uuid, coalesce($4::uuid, id), $5, $6 FROM new_id "
      "RETURNING id::text",
      office_id, office_path, NullIfEmpty(entry.parent_id()), NullIfEmpty(heading_id), entry.name(),
      entry.position());
  auto stored = GetTaxonomyEntry(tx, r[0].as<std::string>(), "id");
  return stored->entry;
}

// ---------------------------------------------------------------------------------------------
// Issues

StoredIssue Repository::InsertIssue(pqxx::work& tx, const Issue& issue,
                                    const EngagementSnapshot& engagement,
                                    const std::string& heading_id, const std::string& created_by) {
  std::vector<std::string> evidence(issue.evidence_ids().begin(), issue.evidence_ids().end());
  const std::string discipline = issue.discipline_type() == Issue::DISCIPLINE_TYPE_UNSPECIFIED
                                     ? ""
                                     : Issue::DisciplineType_Name(issue.discipline_type());
  // Inserted and read back in one round trip (the create path's statements are its cost).
  pqxx::row r = PgExec1(
      tx,
      "WITH i AS (INSERT INTO issues (engagement_id, office_id, office_path, round_id, "
      "target_unit_id, "
      "target_unit_path, title, description, category_id, heading_id, discipline_type, "
      "four_winds, major_decisions, severity, source, source_record_id, evidence_ids, "
      "responsible_post, responsible_person, immediate, clue_material, created_by) VALUES "
      "($1, $2, $3::ltree, $4, $5, $6::ltree, $7, $8, $9::uuid, $10::uuid, $11, $12, $13, $14, "
      "$15, $16, $17::text[], $18, $19, $20, $21, $22) RETURNING *) " +
          kIssueSelect + "FROM i " + kIssueNames,
      engagement.id(), engagement.office_id(), engagement.office_path(), engagement.round_id(),
      engagement.target_unit_id(), engagement.target_unit_path(), issue.title(),
      issue.description(), issue.category_id(), heading_id, discipline, issue.four_winds(),
      issue.major_decisions(), Issue::Severity_Name(issue.severity()),
      Issue::Source_Name(issue.source()), issue.source_record_id(), PgTextArray(evidence),
      issue.responsible_post(), issue.responsible_person(), issue.immediate(),
      issue.clue_material(), created_by);
  return IssueFromRow(r);
}

absl::StatusOr<StoredIssue> Repository::GetIssue(pqxx::transaction_base& tx, const std::string& id,
                                                 bool for_update, absl::string_view field) {
  pqxx::result r = PgExec(
      tx, kIssueColumns + "WHERE i.id = $1::uuid" + (for_update ? " FOR UPDATE OF i" : ""), id);
  if (r.empty()) return absl::NotFoundError(absl::StrCat(field, ": issue ", id, " not found"));
  return IssueFromRow(r[0]);
}

std::vector<StoredIssue> Repository::ListIssues(pqxx::transaction_base& tx, const IssueFilter& f,
                                                const std::string& after, int limit) {
  pqxx::result rows =
      PgExec(tx,
             kIssueColumns +
                 "WHERE ($1 = '' OR i.engagement_id = $1) AND ($2 = '' OR i.round_id = $2) "
                 "AND ($3 = '' OR i.state = $3) "
                 "AND ($4 = '' OR i.office_path <@ $4::ltree) "
                 "AND ($5 OR ($6 <> '' AND i.office_path <@ $6::ltree) "
                 "  OR ($7 <> '' AND i.engagement_id IN "
                 "      (SELECT engagement_id FROM engagement_members WHERE person_id = $7)) "
                 "  OR ($8 <> '' AND i.state <> 'DRAFT' AND i.target_unit_path <@ $8::ltree)) "
                 "AND ($9 = '' OR i.id > $9::uuid) ORDER BY i.id LIMIT $10",
             f.engagement_id, f.round_id, f.state, f.within_path, f.all, f.office_path, f.person_id,
             f.unit_path, after, limit > 0 ? limit : std::numeric_limits<int>::max());
  std::vector<StoredIssue> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(IssueFromRow(r));
  return out;
}

void Repository::SetIssueState(pqxx::work& tx, const std::string& id, Issue::State state) {
  PgExec(tx, "UPDATE issues SET state = $2, updated_at = now() WHERE id = $1::uuid", id,
         Issue::State_Name(state));
}

void Repository::SetSignOff(pqxx::work& tx, const std::string& id, const v1::SignOff& s) {
  PgExec(tx,
         "UPDATE issues SET signer_name = $2, signer_post = $3, signed_on = $4::date, "
         "sign_statement = $5, updated_at = now() WHERE id = $1::uuid",
         id, s.signer_name(), s.signer_post(), s.signed_on(), s.statement());
}

void Repository::SetDismissal(pqxx::work& tx, const std::string& id, const v1::Dismissal& d) {
  PgExec(tx,
         "UPDATE issues SET unit_explanation = $2, dismissal_reason = $3, updated_at = now() "
         "WHERE id = $1::uuid",
         id, d.unit_explanation(), d.group_reason());
}

void Repository::SetReported(pqxx::work& tx, const std::vector<std::string>& ids,
                             const std::string& report_id) {
  PgExec(tx,
         "UPDATE issues SET state = 'REPORTED', report_id = $2::uuid, updated_at = now() "
         "WHERE id = ANY($1::uuid[])",
         PgTextArray(ids), report_id);
}

void Repository::SetFedBack(pqxx::work& tx, const std::vector<std::string>& ids,
                            const std::string& date) {
  PgExec(tx,
         "UPDATE issues SET state = 'FED_BACK', fed_back_on = $2::date, updated_at = now() "
         "WHERE id = ANY($1::uuid[])",
         PgTextArray(ids), date);
}

void Repository::SetClueMaterial(pqxx::work& tx, const std::string& id) {
  PgExec(tx, "UPDATE issues SET clue_material = true, updated_at = now() WHERE id = $1::uuid", id);
}

std::vector<std::string> Repository::IssueIdsInState(pqxx::transaction_base& tx,
                                                     const std::string& engagement_id,
                                                     Issue::State state) {
  pqxx::result rows = PgExec(
      tx,
      "SELECT id::text FROM issues WHERE engagement_id = $1 AND state = $2 ORDER BY id FOR UPDATE",
      engagement_id, Issue::State_Name(state));
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r[0].as<std::string>());
  return out;
}

// ---------------------------------------------------------------------------------------------
// Questions

v1::Question Repository::InsertQuestion(pqxx::work& tx, const std::string& issue_id,
                                        const std::string& text, const std::string& asked_by) {
  pqxx::row r =
      PgExec1(tx,
              "INSERT INTO questions (issue_id, text, asked_by) VALUES ($1::uuid, $2, $3) "
              "RETURNING id::text",
              issue_id, text, asked_by);
  return *GetQuestion(tx, issue_id, r[0].as<std::string>(), false);
}

absl::StatusOr<v1::Question> Repository::GetQuestion(pqxx::transaction_base& tx,
                                                     const std::string& issue_id,
                                                     const std::string& id, bool for_update) {
  pqxx::result r = PgExec(tx,
                          kQuestionColumns + "WHERE id = $1::uuid AND issue_id = $2::uuid" +
                              (for_update ? " FOR UPDATE" : ""),
                          id, issue_id);
  if (r.empty()) return absl::NotFoundError(absl::StrCat("id: question ", id, " not found"));
  return QuestionFromRow(r[0]);
}

void Repository::AnswerQuestion(pqxx::work& tx, const std::string& id, const std::string& answer,
                                const std::string& answered_by) {
  PgExec(tx,
         "UPDATE questions SET answer = $2, answered_by = $3, answered_at = now() "
         "WHERE id = $1::uuid",
         id, answer, answered_by);
}

std::vector<v1::Question> Repository::ListQuestions(pqxx::transaction_base& tx,
                                                    const std::string& issue_id) {
  pqxx::result rows =
      PgExec(tx, kQuestionColumns + "WHERE issue_id = $1::uuid ORDER BY asked_at, id", issue_id);
  std::vector<v1::Question> out;
  for (const auto& r : rows) out.push_back(QuestionFromRow(r));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reports

absl::StatusOr<std::string> Repository::InsertReport(pqxx::work& tx,
                                                     const std::string& engagement_id,
                                                     const EngagementSnapshot& engagement,
                                                     const std::string& summary,
                                                     const std::string& special_reports_json) {
  pqxx::result r = PgExec(
      tx,
      "INSERT INTO reports (engagement_id, office_id, office_path, summary, special_reports) "
      "VALUES ($1, $2, $3::ltree, $4, $5) ON CONFLICT (engagement_id) DO NOTHING "
      "RETURNING id::text",
      engagement_id, engagement.office_id(), engagement.office_path(), summary,
      special_reports_json);
  if (r.empty()) {
    return absl::AlreadyExistsError(
        absl::StrCat("engagement_id: engagement ", engagement_id, " already has a report"));
  }
  return r[0][0].as<std::string>();
}

std::string Repository::ReportIdOf(pqxx::transaction_base& tx, const std::string& engagement_id) {
  pqxx::result r =
      PgExec(tx, "SELECT id::text FROM reports WHERE engagement_id = $1", engagement_id);
  return r.empty() ? "" : r[0][0].as<std::string>();
}

absl::StatusOr<StoredReport> Repository::GetReport(pqxx::transaction_base& tx,
                                                   const std::string& id, bool for_update) {
  pqxx::result r = PgExec(
      tx,
      "SELECT id::text, engagement_id, office_id, office_path::text, summary, special_reports, "
      "state, approved_by, coalesce(feedback_date::text, ''), requirements, "
      "coalesce(rectification_plan_due::text, ''), " +
          SqlMicros("created_at") + ", " + SqlMicros("updated_at") +
          " FROM reports WHERE id = $1::uuid" + (for_update ? " FOR UPDATE" : ""),
      id);
  if (r.empty()) return absl::NotFoundError(absl::StrCat("id: report ", id, " not found"));
  const pqxx::row& row = r[0];
  StoredReport s;
  Report& rep = s.report;
  rep.set_id(row[0].as<std::string>());
  rep.set_engagement_id(row[1].as<std::string>());
  rep.set_office_id(row[2].as<std::string>());
  s.office_path = row[3].as<std::string>();
  rep.set_summary(row[4].as<std::string>());
  // Stored by this service from validated messages; parsed back with the message itself.
  v1::CreateReportRequest holder;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (google::protobuf::util::JsonStringToMessage(
          absl::StrCat("{\"specialReports\":", row[5].as<std::string>(), "}"), &holder, options)
          .ok()) {
    *rep.mutable_special_reports() = holder.special_reports();
  }
  Report::State state = Report::STATE_UNSPECIFIED;
  Report::State_Parse(row[6].as<std::string>(), &state);
  rep.set_state(state);
  rep.set_approved_by(row[7].as<std::string>());
  if (!row[8].as<std::string>().empty()) {
    rep.mutable_feedback_sheet()->set_feedback_date(row[8].as<std::string>());
    rep.mutable_feedback_sheet()->set_requirements(row[9].as<std::string>());
    rep.mutable_feedback_sheet()->set_rectification_plan_due(row[10].as<std::string>());
  }
  SetTimestampMicros(rep.mutable_create_time(), row[11].as<int64_t>());
  SetTimestampMicros(rep.mutable_update_time(), row[12].as<int64_t>());
  return s;
}

std::vector<StoredIssue> Repository::ReportIssues(pqxx::transaction_base& tx,
                                                  const std::string& report_id) {
  pqxx::result rows =
      PgExec(tx, kIssueColumns + "WHERE i.report_id = $1::uuid ORDER BY i.id", report_id);
  std::vector<StoredIssue> out;
  for (const auto& r : rows) out.push_back(IssueFromRow(r));
  return out;
}

void Repository::SetReportState(pqxx::work& tx, const std::string& id, Report::State state) {
  PgExec(tx, "UPDATE reports SET state = $2, updated_at = now() WHERE id = $1::uuid", id,
         Report::State_Name(state));
}

void Repository::SetReportApproved(pqxx::work& tx, const std::string& id,
                                   const std::string& approved_by) {
  PgExec(tx,
         "UPDATE reports SET state = 'APPROVED', approved_by = $2, updated_at = now() "
         "WHERE id = $1::uuid",
         id, approved_by);
}

void Repository::SetReportFedBack(pqxx::work& tx, const std::string& id, const std::string& date,
                                  const std::string& requirements, const std::string& plan_due) {
  PgExec(tx,
         "UPDATE reports SET state = 'FED_BACK', feedback_date = $2::date, requirements = $3, "
         "rectification_plan_due = $4::date, updated_at = now() WHERE id = $1::uuid",
         id, date, requirements, plan_due);
}

// ---------------------------------------------------------------------------------------------
// Statistics

std::string Repository::OfficePath(pqxx::transaction_base& tx, const std::string& office_id) {
  pqxx::result r = PgExec(
      tx, "SELECT office_path::text FROM engagements WHERE office_id = $1 LIMIT 1", office_id);
  return r.empty() ? "" : r[0][0].as<std::string>();
}

std::vector<CountRow> Repository::CountRows(pqxx::transaction_base& tx,
                                            const std::string& within_path,
                                            const std::string& round_id,
                                            const std::string& engagement_id) {
  // One engagement is read at the engagement grain; anything wider at the office-and-round
  // grain, a few dozen rows per round however many issues and engagements there are. The
  // pending deltas (few: they are folded every second) are read either way. Heading names are
  // joined after summing.
  const bool one_engagement = !engagement_id.empty();
  const std::string where =
      " WHERE office_path <@ $1::ltree AND ($2 = '' OR round_id = $2) "
      "AND ($3 = '' OR engagement_id = $3)";
  const std::string round_where =
      " WHERE office_path <@ $1::ltree AND ($2 = '' OR round_id = $2) AND $3 = ''";
  pqxx::result rows = PgExec(
      tx,
      "WITH counted AS ("
      "  SELECT office_id, office_path, dimension, key, n FROM " +
          (one_engagement ? "issue_counts" + where : "issue_round_counts" + round_where) +
          "  UNION ALL "
          "  SELECT office_id, office_path, dimension, key, n FROM issue_count_deltas" +
          where +
          "), summed AS ("
          "  SELECT office_id, office_path::text AS office_path, dimension, key, sum(n) AS n "
          "  FROM counted GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0) "
          "SELECT s.office_id, s.office_path, s.dimension, s.key, coalesce(h.name, ''), "
          "s.n::bigint FROM summed s "
          "LEFT JOIN taxonomy_entries h ON s.dimension = 'heading' AND h.id::text = s.key",
      within_path, round_id, engagement_id);
  std::vector<CountRow> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
                   r[3].as<std::string>(), r[4].as<std::string>(), r[5].as<int64_t>()});
  }
  return out;
}

int Repository::CompactCounts(pqxx::work& tx) {
  // The DELETE takes the deltas committed before it started; a delta still uncommitted stays
  // for the next run. Deleting and adding in one transaction means a reader sees each delta
  // exactly once. Keys whose count falls to zero are dropped (a state everyone has left).
  pqxx::row r = PgExec1(
      tx,
      "WITH moved AS (DELETE FROM issue_count_deltas RETURNING *), "
      "summed AS (SELECT office_id, office_path, round_id, engagement_id, dimension, key, "
      "  sum(n) AS n, count(*) AS rows FROM moved GROUP BY 1, 2, 3, 4, 5, 6), "
      "by_engagement AS (INSERT INTO issue_counts AS c (office_id, office_path, round_id, "
      "  engagement_id, dimension, key, n) "
      "  SELECT office_id, office_path, round_id, engagement_id, dimension, key, n FROM summed "
      "  WHERE n <> 0 "
      "  ON CONFLICT (engagement_id, dimension, key, office_id, office_path, round_id) "
      "  DO UPDATE SET n = c.n + excluded.n RETURNING 1), "
      "by_round AS (INSERT INTO issue_round_counts AS c (office_id, office_path, round_id, "
      "  dimension, key, n) "
      "  SELECT office_id, office_path, round_id, dimension, key, sum(n) FROM summed "
      "  GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0 "
      "  ON CONFLICT (office_id, office_path, round_id, dimension, key) "
      "  DO UPDATE SET n = c.n + excluded.n RETURNING 1) "
      "SELECT coalesce(sum(rows), 0)::int, (SELECT count(*) FROM by_engagement), "
      "(SELECT count(*) FROM by_round) FROM summed");
  const int moved = r[0].as<int>();
  if (moved > 0) {
    PgExec(tx, "DELETE FROM issue_counts WHERE n = 0");
    PgExec(tx, "DELETE FROM issue_round_counts WHERE n = 0");
  }
  return moved;
}

std::vector<StatsRow> Repository::StatsRows(pqxx::transaction_base& tx,
                                            const std::string& within_path,
                                            const std::string& round_id,
                                            const std::string& engagement_id) {
  pqxx::result rows = PgExec(
      tx,
      "SELECT i.office_id, i.office_path::text, i.heading_id::text, h.name, i.discipline_type, "
      "i.severity, i.source, i.state, count(*) FROM issues i "
      "JOIN taxonomy_entries h ON h.id = i.heading_id "
      "WHERE i.office_path <@ $1::ltree AND ($2 = '' OR i.round_id = $2) "
      "AND ($3 = '' OR i.engagement_id = $3) "
      "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8",
      within_path, round_id, engagement_id);
  std::vector<StatsRow> out;
  for (const auto& r : rows) {
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
                   r[3].as<std::string>(), r[4].as<std::string>(), r[5].as<std::string>(),
                   r[6].as<std::string>(), r[7].as<std::string>(), r[8].as<int64_t>()});
  }
  return out;
}

}  // namespace xuncha::issues
