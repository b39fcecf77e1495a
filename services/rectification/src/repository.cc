#include "repository.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "xuncha/calendar.h"
#include "xuncha/change.h"
#include "xuncha/paging.h"
#include "xuncha/periodic.h"
#include "xuncha/pg.h"
#include "xuncha/status.h"

namespace xuncha::rectification {
namespace {

const std::string kCaseColumns = absl::StrCat(
    "c.id, c.engagement_id, c.office_id, c.office_path::text, c.round_id, c.target_unit_id, "
    "c.target_unit_path::text, c.target_unit_name, c.report_id, c.feedback_date::text, "
    "coalesce(c.rectification_plan_due::text, ''), c.requirements, c.state, "
    "coalesce(",
    SqlMicros("c.accepted_at"),
    ", 0), "
    "(SELECT count(*) FROM items i WHERE i.case_id = c.id), "
    "(SELECT count(*) FROM items i WHERE i.case_id = c.id AND i.state = 'ACCEPTED')");

StoredCase CaseFromRow(const pqxx::row& r) {
  StoredCase s;
  Case& c = s.c;
  c.set_id(r[0].c_str());
  c.set_engagement_id(r[1].c_str());
  c.set_office_id(r[2].c_str());
  c.set_round_id(r[4].c_str());
  c.set_target_unit_id(r[5].c_str());
  c.set_target_unit_name(r[7].c_str());
  c.set_report_id(r[8].c_str());
  c.set_feedback_date(r[9].c_str());
  c.set_rectification_plan_due(r[10].c_str());
  c.set_requirements(r[11].c_str());
  Case::State state = Case::STATE_UNSPECIFIED;
  Case::State_Parse(r[12].c_str(), &state);
  c.set_state(state);
  if (const int64_t micros = r[13].as<int64_t>(); micros != 0) {
    SetTimestampMicros(c.mutable_accepted_at(), micros);
  }
  c.set_item_count(r[14].as<int>());
  c.set_accepted_count(r[15].as<int>());
  s.scope = {c.engagement_id(),  c.office_id(), r[3].c_str(),
             c.target_unit_id(), r[6].c_str(),  c.round_id()};
  return s;
}

const std::string kItemColumns = absl::StrCat(
    "i.id, i.case_id, i.issue_id, i.engagement_id, i.title, i.category_id, i.category_name, "
    "i.heading_name, i.severity, i.discipline_type, i.immediate, i.feedback_date::text, i.state, "
    "i.measures, i.owner, i.goal, coalesce(i.deadline::text, ''), i.long_term, "
    "i.milestones::text, i.plan_comments, i.evidence_ids::text, i.completion_note, "
    "i.last_reason, i.reopen_count, coalesce(",
    SqlMicros("i.accepted_at"), ", 0), ", SqlMicros("i.updated_at"),
    ", c.target_unit_name, c.office_id, c.office_path::text, c.target_unit_id, "
    "c.target_unit_path::text, c.round_id");
const std::string kItemFrom = " FROM items i JOIN cases c ON c.id = i.case_id ";

StoredItem ItemFromRow(const pqxx::row& r) {
  StoredItem s;
  Item& i = s.item;
  i.set_id(r[0].c_str());
  i.set_case_id(r[1].c_str());
  i.set_issue_id(r[2].c_str());
  i.set_engagement_id(r[3].c_str());
  i.set_title(r[4].c_str());
  i.set_category_id(r[5].c_str());
  i.set_category_name(r[6].c_str());
  i.set_heading_name(r[7].c_str());
  i.set_severity(r[8].c_str());
  i.set_discipline_type(r[9].c_str());
  i.set_immediate(r[10].as<bool>());
  i.set_feedback_date(r[11].c_str());
  i.set_state(ParseItemState(r[12].c_str()));
  v1::RectificationPlan* plan = i.mutable_plan();
  plan->set_measures(r[13].c_str());
  plan->set_owner(r[14].c_str());
  plan->set_goal(r[15].c_str());
  plan->set_deadline(r[16].c_str());
  plan->set_long_term(r[17].as<bool>());
  v1::RectificationPlan milestones;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (google::protobuf::util::JsonStringToMessage(r[18].c_str(), &milestones, options).ok()) {
    *plan->mutable_milestones() = milestones.milestones();
  }
  i.set_plan_comments(r[19].c_str());
  for (auto& e : ParsePgTextArray(r[20].c_str())) i.add_evidence_ids(std::move(e));
  i.set_completion_note(r[21].c_str());
  i.set_last_reason(r[22].c_str());
  i.set_reopen_count(r[23].as<int>());
  if (const int64_t micros = r[24].as<int64_t>(); micros != 0) {
    SetTimestampMicros(i.mutable_accepted_at(), micros);
  }
  SetTimestampMicros(i.mutable_updated_at(), r[25].as<int64_t>());
  i.set_target_unit_name(r[26].c_str());
  s.scope = {i.engagement_id(), r[27].c_str(), r[28].c_str(),
             r[29].c_str(),     r[30].c_str(), r[31].c_str()};
  return s;
}

std::string MilestonesJson(const v1::RectificationPlan& plan) {
  v1::RectificationPlan only;
  *only.mutable_milestones() = plan.milestones();
  return ToJson(only);
}

}  // namespace

std::pair<std::string, bool> Repository::UpsertCase(pqxx::work& tx, const FedBack& f) {
  // xmax = 0 only on a freshly inserted row: tells "created" from "already there".
  pqxx::row r = PgExec1(
      tx,
      "INSERT INTO cases (engagement_id, office_id, office_path, round_id, target_unit_id, "
      "target_unit_path, report_id, feedback_date, rectification_plan_due, requirements) "
      "VALUES ($1, $2, $3::ltree, $4, $5, $6::ltree, $7, $8::date, NULLIF($9, '')::date, $10) "
      "ON CONFLICT (engagement_id) DO UPDATE SET "
      "report_id = EXCLUDED.report_id, feedback_date = EXCLUDED.feedback_date, "
      "rectification_plan_due = EXCLUDED.rectification_plan_due, "
      "requirements = EXCLUDED.requirements "
      "WHERE cases.report_id = '' AND EXCLUDED.report_id <> '' "
      "RETURNING id, (xmax = 0)",
      f.engagement_id(), f.office_id(), f.office_path(), f.round_id(), f.target_unit_id(),
      f.target_unit_path(), f.report_id(), f.feedback_date(), f.rectification_plan_due(),
      f.requirements());
  return {r[0].c_str(), r[1].as<bool>()};
}

std::optional<std::string> Repository::InsertItemIfAbsent(pqxx::work& tx,
                                                          const std::string& case_id,
                                                          const FedBack& f,
                                                          const FedBack::FedBackIssue& issue) {
  pqxx::result r = PgExec(
      tx,
      "INSERT INTO items (case_id, issue_id, engagement_id, office_id, office_path, round_id, "
      "target_unit_path, title, category_id, category_name, heading_name, severity, "
      "discipline_type, immediate, feedback_date) "
      "VALUES ($1, $2, $3, $4, $5::ltree, $6, $7::ltree, $8, $9, $10, $11, $12, $13, $14, "
      "$15::date) ON CONFLICT (issue_id) DO NOTHING RETURNING id",
      case_id, issue.id(), f.engagement_id(), f.office_id(), f.office_path(), f.round_id(),
      f.target_unit_path(), issue.title(), issue.category_id(), issue.category_name(),
      issue.heading_name(), ::xuncha::issues::v1::Issue::Severity_Name(issue.severity()),
      ::xuncha::issues::v1::Issue::DisciplineType_Name(issue.discipline_type()), issue.immediate(),
      f.feedback_date());
  if (r.empty()) return std::nullopt;
  return std::string(r[0][0].c_str());
}

absl::StatusOr<StoredCase> Repository::GetCase(pqxx::transaction_base& tx, const std::string& id,
                                               bool for_update, absl::string_view field) {
  pqxx::result r =
      PgExec(tx,
             absl::StrCat("SELECT ", kCaseColumns, " FROM cases c WHERE c.id = $1::uuid",
                          for_update ? " FOR UPDATE" : ""),
             id);
  if (r.empty()) {
    return absl::NotFoundError(absl::StrCat(field, ": rectification case ", id, " not found"));
  }
  return CaseFromRow(r[0]);
}

std::vector<StoredCase> Repository::ListCases(pqxx::transaction_base& tx, const CaseFilter& f) {
  pqxx::result r =
      PgExec(tx,
             absl::StrCat("SELECT ", kCaseColumns,
                          " FROM cases c WHERE ($1 = '' OR c.engagement_id = $1) "
                          "AND ($2 = '' OR c.round_id = $2) "
                          "AND ($7 OR ($3 <> '' AND c.office_path <@ NULLIF($3, '')::ltree) OR "
                          "     ($4 <> '' AND c.target_unit_path <@ NULLIF($4, '')::ltree)) "
                          "AND ($5 = '' OR c.id > NULLIF($5, '')::uuid) ORDER BY c.id LIMIT $6"),
             f.engagement_id, f.round_id, f.office_path, f.unit_path, f.after_id, f.limit, f.all);
  std::vector<StoredCase> out;
  for (const auto& row : r) out.push_back(CaseFromRow(row));
  return out;
}

void Repository::SetCaseAccepted(pqxx::work& tx, const std::string& id, const std::string& actor) {
  PgExec(tx,
         "UPDATE cases SET state = 'ACCEPTED', accepted_at = now(), accepted_by = $2 "
         "WHERE id = $1::uuid",
         id, actor);
}

void Repository::ReopenCase(pqxx::work& tx, const std::string& id) {
  PgExec(tx,
         "UPDATE cases SET state = 'OPEN', accepted_at = NULL, accepted_by = NULL "
         "WHERE id = $1::uuid",
         id);
}

std::vector<Item> Repository::ListItems(pqxx::transaction_base& tx, const std::string& case_id) {
  pqxx::result r = PgExec(tx,
                          absl::StrCat("SELECT ", kItemColumns, kItemFrom,
                                       "WHERE i.case_id = $1::uuid ORDER BY i.created_at, i.id"),
                          case_id);
  std::vector<Item> out;
  for (const auto& row : r) out.push_back(ItemFromRow(row).item);
  return out;
}

absl::StatusOr<StoredItem> Repository::GetItem(pqxx::transaction_base& tx, const std::string& id,
                                               bool for_update) {
  pqxx::result r = PgExec(tx,
                          absl::StrCat("SELECT ", kItemColumns, kItemFrom, "WHERE i.id = $1::uuid",
                                       for_update ? " FOR UPDATE OF i" : ""),
                          id);
  if (r.empty()) {
    return absl::NotFoundError(absl::StrCat("id: rectification item ", id, " not found"));
  }
  return ItemFromRow(r[0]);
}

void Repository::UpdatePlan(pqxx::work& tx, const std::string& id,
                            const v1::RectificationPlan& plan) {
  PgExec(tx,
         "UPDATE items SET measures = $2, owner = $3, goal = $4, deadline = NULLIF($5, '')::date, "
         "long_term = $6, milestones = $7::jsonb, updated_at = now() WHERE id = $1::uuid",
         id, plan.measures(), plan.owner(), plan.goal(), plan.deadline(), plan.long_term(),
         MilestonesJson(plan));
}

void Repository::ApplyTransition(pqxx::work& tx, const std::string& id, const Transition& t) {
  PgExec(tx,
         "UPDATE items SET state = $2, updated_at = now(), "
         "accepted_at = CASE WHEN $3 THEN now() WHEN $2 = 'ACCEPTED' THEN accepted_at END, "
         "reopen_count = reopen_count + CASE WHEN $4 THEN 1 ELSE 0 END WHERE id = $1::uuid",
         id, ItemStateName(t.to), t.accepted, t.reopened);
  if (t.evidence_ids) {
    PgExec(tx, "UPDATE items SET evidence_ids = $2::text[] WHERE id = $1::uuid", id,
           PgTextArray(*t.evidence_ids));
  }
  if (t.completion_note) {
    PgExec(tx, "UPDATE items SET completion_note = $2 WHERE id = $1::uuid", id, *t.completion_note);
  }
  if (t.reason) {
    PgExec(tx, "UPDATE items SET last_reason = $2 WHERE id = $1::uuid", id, *t.reason);
  }
  if (t.plan_comments) {
    PgExec(tx, "UPDATE items SET plan_comments = $2 WHERE id = $1::uuid", id, *t.plan_comments);
  }
}

v1::SupervisionVisit Repository::InsertVisit(pqxx::work& tx, const std::string& case_id,
                                             const v1::SupervisionVisit& visit,
                                             const std::string& actor) {
  pqxx::row r = PgExec1(
      tx,
      absl::StrCat("INSERT INTO supervision_visits (case_id, visit_date, supervisors, findings, "
                   "recorded_by) VALUES ($1::uuid, $2::date, $3, $4, $5) RETURNING id, ",
                   SqlMicros("created_at")),
      case_id, visit.visit_date(), visit.supervisors(), visit.findings(), actor);
  v1::SupervisionVisit out = visit;
  out.set_id(r[0].c_str());
  out.set_case_id(case_id);
  SetTimestampMicros(out.mutable_created_at(), r[1].as<int64_t>());
  return out;
}

std::vector<v1::SupervisionVisit> Repository::ListVisits(pqxx::transaction_base& tx,
                                                         const std::string& case_id) {
  pqxx::result r = PgExec(
      tx,
      absl::StrCat("SELECT id, visit_date::text, supervisors, findings, ", SqlMicros("created_at"),
                   " FROM supervision_visits WHERE case_id = $1::uuid ORDER BY visit_date, id"),
      case_id);
  std::vector<v1::SupervisionVisit> out;
  for (const auto& row : r) {
    v1::SupervisionVisit& v = out.emplace_back();
    v.set_id(row[0].c_str());
    v.set_case_id(case_id);
    v.set_visit_date(row[1].c_str());
    v.set_supervisors(row[2].c_str());
    v.set_findings(row[3].c_str());
    SetTimestampMicros(v.mutable_created_at(), row[4].as<int64_t>());
  }
  return out;
}

v1::CaseReport Repository::InsertReport(pqxx::work& tx, const std::string& case_id,
                                        const v1::CaseReport& report, const std::string& actor) {
  std::vector<std::string> evidence(report.evidence_ids().begin(), report.evidence_ids().end());
  pqxx::row r =
      PgExec1(tx,
              absl::StrCat("INSERT INTO case_reports (case_id, kind, title, submitted_on, summary, "
                           "evidence_ids, recorded_by) VALUES ($1::uuid, $2, $3, $4::date, $5, "
                           "$6::text[], $7) RETURNING id, ",
                           SqlMicros("created_at")),
              case_id, v1::CaseReport::Kind_Name(report.kind()), report.title(),
              report.submitted_on(), report.summary(), PgTextArray(evidence), actor);
  v1::CaseReport out = report;
  out.set_id(r[0].c_str());
  out.set_case_id(case_id);
  SetTimestampMicros(out.mutable_created_at(), r[1].as<int64_t>());
  return out;
}

std::vector<v1::CaseReport> Repository::ListReports(pqxx::transaction_base& tx,
                                                    const std::string& case_id) {
  pqxx::result r = PgExec(
      tx,
      absl::StrCat("SELECT id, kind, title, submitted_on::text, summary, evidence_ids::text, ",
                   SqlMicros("created_at"),
                   " FROM case_reports WHERE case_id = $1::uuid ORDER BY submitted_on, id"),
      case_id);
  std::vector<v1::CaseReport> out;
  for (const auto& row : r) {
    v1::CaseReport& c = out.emplace_back();
    c.set_id(row[0].c_str());
    c.set_case_id(case_id);
    v1::CaseReport::Kind kind = v1::CaseReport::KIND_UNSPECIFIED;
    v1::CaseReport::Kind_Parse(row[1].c_str(), &kind);
    c.set_kind(kind);
    c.set_title(row[2].c_str());
    c.set_submitted_on(row[3].c_str());
    c.set_summary(row[4].c_str());
    for (auto& e : ParsePgTextArray(row[5].c_str())) c.add_evidence_ids(std::move(e));
    SetTimestampMicros(c.mutable_created_at(), row[6].as<int64_t>());
  }
  return out;
}

v1::Disclosure Repository::InsertDisclosure(pqxx::work& tx, const std::string& case_id,
                                            const v1::Disclosure& d, const std::string& actor) {
  pqxx::row r =
      PgExec1(tx,
              absl::StrCat("INSERT INTO disclosures (case_id, channel, published_on, summary, "
                           "recorded_by) VALUES ($1::uuid, $2, $3::date, $4, $5) RETURNING id, ",
                           SqlMicros("created_at")),
              case_id, d.channel(), d.published_on(), d.summary(), actor);
  v1::Disclosure out = d;
  out.set_id(r[0].c_str());
  out.set_case_id(case_id);
  SetTimestampMicros(out.mutable_created_at(), r[1].as<int64_t>());
  return out;
}

std::vector<v1::Disclosure> Repository::ListDisclosures(pqxx::transaction_base& tx,
                                                        const std::string& case_id) {
  pqxx::result r = PgExec(
      tx,
      absl::StrCat("SELECT id, channel, published_on::text, summary, ", SqlMicros("created_at"),
                   " FROM disclosures WHERE case_id = $1::uuid ORDER BY published_on, id"),
      case_id);
  std::vector<v1::Disclosure> out;
  for (const auto& row : r) {
    v1::Disclosure& d = out.emplace_back();
    d.set_id(row[0].c_str());
    d.set_case_id(case_id);
    d.set_channel(row[1].c_str());
    d.set_published_on(row[2].c_str());
    d.set_summary(row[3].c_str());
    SetTimestampMicros(d.mutable_created_at(), row[4].as<int64_t>());
  }
  return out;
}

v1::RuleMade Repository::InsertRule(pqxx::work& tx, const std::string& case_id,
                                    const v1::RuleMade& rule, const std::string& actor) {
  pqxx::row r =
      PgExec1(tx,
              absl::StrCat("INSERT INTO rules_made (case_id, title, issued_on, recorded_by) "
                           "VALUES ($1::uuid, $2, $3::date, $4) RETURNING id, ",
                           SqlMicros("created_at")),
              case_id, rule.title(), rule.issued_on(), actor);
  v1::RuleMade out = rule;
  out.set_id(r[0].c_str());
  out.set_case_id(case_id);
  SetTimestampMicros(out.mutable_created_at(), r[1].as<int64_t>());
  return out;
}

std::vector<v1::RuleMade> Repository::ListRules(pqxx::transaction_base& tx,
                                                const std::string& case_id) {
  pqxx::result r =
      PgExec(tx,
             absl::StrCat("SELECT id, title, issued_on::text, ", SqlMicros("created_at"),
                          " FROM rules_made WHERE case_id = $1::uuid ORDER BY issued_on, id"),
             case_id);
  std::vector<v1::RuleMade> out;
  for (const auto& row : r) {
    v1::RuleMade& m = out.emplace_back();
    m.set_id(row[0].c_str());
    m.set_case_id(case_id);
    m.set_title(row[1].c_str());
    m.set_issued_on(row[2].c_str());
    SetTimestampMicros(m.mutable_created_at(), row[3].as<int64_t>());
  }
  return out;
}

std::vector<std::string> Repository::AcceptedItemIds(pqxx::transaction_base& tx,
                                                     const std::string& case_id) {
  pqxx::result r = PgExec(
      tx, "SELECT id::text FROM items WHERE case_id = $1::uuid AND state = 'ACCEPTED'", case_id);
  std::vector<std::string> out;
  for (const auto& row : r) out.emplace_back(row[0].c_str());
  return out;
}

std::string Repository::InsertRecheck(pqxx::work& tx, const std::string& case_id, int percent,
                                      int64_t seed, const std::vector<std::string>& item_ids,
                                      const std::string& actor) {
  const std::string id = PgExec1(tx,
                                 "INSERT INTO rechecks (case_id, percent, seed, drawn_by) "
                                 "VALUES ($1::uuid, $2, $3, $4) RETURNING id",
                                 case_id, percent, seed, actor)[0]
                             .c_str();
  for (size_t i = 0; i < item_ids.size(); ++i) {
    PgExec(tx,
           "INSERT INTO recheck_items (recheck_id, position, item_id) VALUES ($1::uuid, $2, "
           "$3::uuid)",
           id, static_cast<int>(i), item_ids[i]);
  }
  return id;
}

namespace {
const std::string kRecheckColumns = absl::StrCat(
    "r.id, r.case_id, r.percent, r.seed, r.drawn_by, ", SqlMicros("r.created_at"),
    ", (SELECT coalesce(json_agg(json_build_object('itemId', ri.item_id, 'checked', ri.checked, "
    "'passed', ri.passed, 'note', ri.note) ORDER BY ri.position), '[]') "
    "FROM recheck_items ri WHERE ri.recheck_id = r.id)::text");

v1::Recheck RecheckFromRow(const pqxx::row& row) {
  v1::Recheck out;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  // The results come back as the JSON of the message's own `results` field.
  (void)google::protobuf::util::JsonStringToMessage(
      absl::StrCat("{\"results\":", row[6].c_str(), "}"), &out, options);
  out.set_id(row[0].c_str());
  out.set_case_id(row[1].c_str());
  out.set_percent(row[2].as<int>());
  out.set_seed(row[3].as<int64_t>());
  out.set_drawn_by(row[4].c_str());
  SetTimestampMicros(out.mutable_created_at(), row[5].as<int64_t>());
  return out;
}
}  // namespace

absl::StatusOr<v1::Recheck> Repository::GetRecheck(pqxx::transaction_base& tx,
                                                   const std::string& id, bool for_update) {
  pqxx::result r =
      PgExec(tx,
             absl::StrCat("SELECT ", kRecheckColumns, " FROM rechecks r WHERE r.id = $1::uuid",
                          for_update ? " FOR UPDATE" : ""),
             id);
  if (r.empty()) {
    return absl::NotFoundError(absl::StrCat("recheck_id: recheck ", id, " not found"));
  }
  return RecheckFromRow(r[0]);
}

std::vector<v1::Recheck> Repository::ListRechecks(pqxx::transaction_base& tx,
                                                  const std::string& case_id) {
  pqxx::result r = PgExec(
      tx,
      absl::StrCat("SELECT ", kRecheckColumns,
                   " FROM rechecks r WHERE r.case_id = $1::uuid ORDER BY r.created_at, r.id"),
      case_id);
  std::vector<v1::Recheck> out;
  for (const auto& row : r) out.push_back(RecheckFromRow(row));
  return out;
}

void Repository::SetRecheckResult(pqxx::work& tx, const std::string& recheck_id,
                                  const std::string& item_id, bool passed,
                                  const std::string& note) {
  PgExec(tx,
         "UPDATE recheck_items SET checked = true, passed = $3, note = $4 "
         "WHERE recheck_id = $1::uuid AND item_id = $2::uuid",
         recheck_id, item_id, passed, note);
}

RectificationRules Repository::GetRules(pqxx::transaction_base& tx, const std::string& office_id) {
  pqxx::result r = PgExec(tx,
                          "SELECT report_due_working_days, period_months, min_supervision_visits "
                          "FROM office_settings WHERE office_id = $1",
                          office_id);
  RectificationRules rules;
  if (!r.empty()) {
    rules.report_due_working_days = r[0][0].as<int>();
    rules.period_months = r[0][1].as<int>();
    rules.min_supervision_visits = r[0][2].as<int>();
  }
  return rules;
}

void Repository::UpsertRules(pqxx::work& tx, const std::string& office_id,
                             const RectificationRules& rules) {
  PgExec(tx,
         "INSERT INTO office_settings (office_id, report_due_working_days, period_months, "
         "min_supervision_visits) VALUES ($1, $2, $3, $4) ON CONFLICT (office_id) DO UPDATE SET "
         "report_due_working_days = EXCLUDED.report_due_working_days, "
         "period_months = EXCLUDED.period_months, "
         "min_supervision_visits = EXCLUDED.min_supervision_visits, updated_at = now()",
         office_id, rules.report_due_working_days, rules.period_months,
         rules.min_supervision_visits);
}

bool Repository::TryLockReminderScan(pqxx::work& tx) { return TryScanLock(tx, "reminder_scan"); }

std::vector<Item> Repository::ItemsDueWithoutReminder(pqxx::work& tx, absl::string_view kind,
                                                      std::optional<absl::CivilDay> from,
                                                      absl::CivilDay to, int limit) {
  // items_open_deadline (partial, open states) serves the deadline range.
  pqxx::result r = PgExec(
      tx,
      absl::StrCat("SELECT ", kItemColumns, kItemFrom,
                   "WHERE i.state IN ('PLANNED', 'IN_PROGRESS') "
                   "AND ($1 = '' OR i.deadline >= NULLIF($1, '')::date) AND i.deadline <= $2::date "
                   "AND NOT EXISTS (SELECT 1 FROM reminders m WHERE m.item_id = i.id "
                   "AND m.kind = $3 AND m.state = i.state "
                   "AND m.reopen_count = i.reopen_count) ORDER BY i.deadline, i.id LIMIT $4"),
      from ? FormatDate(*from) : std::string(), FormatDate(to), std::string(kind), limit);
  std::vector<Item> out;
  for (const auto& row : r) out.push_back(ItemFromRow(row).item);
  return out;
}

bool Repository::InsertReminder(pqxx::work& tx, const Item& item, absl::string_view kind) {
  return !PgExec(tx,
                 "INSERT INTO reminders (item_id, kind, state, reopen_count) "
                 "VALUES ($1::uuid, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING item_id",
                 item.id(), std::string(kind), ItemStateName(item.state()), item.reopen_count())
              .empty();
}

std::vector<Repository::AwaitingReport> Repository::CasesAwaitingReport(pqxx::work& tx, int limit) {
  pqxx::result r =
      PgExec(tx,
             absl::StrCat("SELECT ", kCaseColumns,
                          ", coalesce(s.report_due_working_days, 0), coalesce(s.period_months, 0), "
                          "coalesce(s.min_supervision_visits, -1) "
                          "FROM cases c LEFT JOIN office_settings s ON s.office_id = c.office_id "
                          "WHERE c.state = 'OPEN' AND NOT EXISTS (SELECT 1 FROM case_reports p "
                          "WHERE p.case_id = c.id AND p.kind = 'RECTIFICATION_REPORT') "
                          "AND NOT EXISTS (SELECT 1 FROM report_reminders m WHERE m.case_id = c.id "
                          "AND m.kind = 'overdue') ORDER BY c.feedback_date, c.id LIMIT $1"),
             limit);
  std::vector<AwaitingReport> out;
  for (const auto& row : r) {
    AwaitingReport& a = out.emplace_back();
    a.c = CaseFromRow(row);
    // No settings row: the defaults (GetRules' rule).
    if (row[18].as<int>() >= 0) {
      a.rules = {row[16].as<int>(), row[17].as<int>(), row[18].as<int>()};
    }
  }
  return out;
}

bool Repository::InsertReportReminder(pqxx::work& tx, const std::string& case_id,
                                      absl::string_view kind, absl::CivilDay due) {
  return !PgExec(tx,
                 "INSERT INTO report_reminders (case_id, kind, due_date) "
                 "VALUES ($1::uuid, $2, $3::date) ON CONFLICT DO NOTHING RETURNING case_id",
                 case_id, std::string(kind), FormatDate(due))
              .empty();
}

int64_t Repository::CalendarVersion(pqxx::transaction_base& tx) {
  return tx.exec1("SELECT coalesce(max(version), 0) FROM calendar_years")[0].as<int64_t>();
}

absl::StatusOr<WorkingCalendar> Repository::LoadCalendar(pqxx::transaction_base& tx) {
  std::map<int, std::vector<CalendarEntry>> years;
  for (const auto& row : tx.exec("SELECT year FROM calendar_years")) years[row[0].as<int>()];
  for (const auto& row : tx.exec("SELECT year, day::text, kind, name FROM calendar_days")) {
    ASSIGN_OR_RETURN(absl::CivilDay day, ParseDate(row[1].c_str(), "calendar_days.day"));
    years[row[0].as<int>()].push_back({day,
                                       std::string(row[2].c_str()) == "WORKDAY"
                                           ? CalendarEntry::Kind::kWorkday
                                           : CalendarEntry::Kind::kHoliday,
                                       row[3].c_str()});
  }
  WorkingCalendar calendar;
  for (const auto& [year, entries] : years) RETURN_IF_ERROR(calendar.SetYear(year, entries));
  return calendar;
}

void Repository::StoreCalendarYear(pqxx::work& tx, int year,
                                   const std::vector<CalendarEntry>& entries,
                                   const std::string& source, bool replace) {
  const bool stored =
      !PgExec(tx,
              replace ? "INSERT INTO calendar_years (year, source) VALUES ($1, $2) "
                        "ON CONFLICT (year) DO UPDATE SET source = EXCLUDED.source, "
                        "version = nextval('calendar_version'), updated_at = now() RETURNING year"
                      : "INSERT INTO calendar_years (year, source) VALUES ($1, $2) "
                        "ON CONFLICT (year) DO NOTHING RETURNING year",
              year, source)
           .empty();
  if (!stored) return;
  PgExec(tx, "DELETE FROM calendar_days WHERE year = $1", year);
  for (const CalendarEntry& e : entries) {
    PgExec(tx, "INSERT INTO calendar_days (year, day, kind, name) VALUES ($1, $2::date, $3, $4)",
           year, FormatDate(e.day), e.kind == CalendarEntry::Kind::kWorkday ? "WORKDAY" : "HOLIDAY",
           e.name);
  }
}

void Repository::LinkEvidence(pqxx::work& tx, const std::string& engagement_id,
                              const std::string& sha256) {
  PgExec(tx, "INSERT INTO evidence (engagement_id, sha256) VALUES ($1, $2) ON CONFLICT DO NOTHING",
         engagement_id, sha256);
}

std::optional<int> Repository::FirstUnknownEvidence(pqxx::transaction_base& tx,
                                                    const std::string& engagement_id,
                                                    const std::vector<std::string>& ids) {
  if (ids.empty()) return std::nullopt;
  pqxx::result r =
      PgExec(tx,
             "SELECT min(u.n - 1) FROM unnest($2::text[]) WITH ORDINALITY AS u(sha256, n) "
             "WHERE NOT EXISTS (SELECT 1 FROM evidence e WHERE e.engagement_id = $1 "
             "AND e.sha256 = u.sha256)",
             engagement_id, PgTextArray(ids));
  if (r[0][0].is_null()) return std::nullopt;
  return r[0][0].as<int>();
}

namespace {

// Every statistics query decides the scope (office, org, round) on the cases — a few thousand
// rows, gist-indexed paths — and then needs two sets of sums: `by_case` (one row per case: total,
// accepted, overdue), from which the unit, round and office sums and the totals are added up, and
// `by_category`. The queries differ only in where those two come from; the roll-up is shared. Each
// sum is a hash aggregate on text or uuid (GROUPING SETS sorted all rows by ltree paths). A
// category or a case whose items add up to none has no row, as a GROUP BY over items has no group
// for it. The office roll-up is an ltree join of the per-office sums (a few dozen rows). An item's
// office, unit and round are its case's (copied from the same feedback).
const std::string kStatsScope =
    "WITH sc AS ("
    "  SELECT c.id, c.office_path, c.target_unit_path, c.round_id, c.target_unit_name "
    "  FROM cases c WHERE c.office_path <@ $1::ltree "
    "  AND ($2 = '' OR c.target_unit_path <@ NULLIF($2, '')::ltree) "
    "  AND ($3 = '' OR c.round_id = $3)), ";
const std::string kStatsRollUp =
    "per_case AS ("
    "  SELECT sc.office_path, sc.target_unit_path::text AS unit, sc.round_id, "
    "    sc.target_unit_name, f.total, f.accepted, f.overdue "
    "  FROM by_case f JOIN sc ON sc.id = f.case_id), "
    "offices AS ("
    "  SELECT office_path, sum(total) AS total, sum(accepted) AS accepted, "
    "    sum(overdue) AS overdue FROM per_case GROUP BY office_path), "
    "roots AS (SELECT office_path FROM offices "
    "  UNION SELECT NULLIF($1, '')::ltree WHERE $1 <> '') "
    "SELECT 'category', category_name, '', total::bigint, accepted::bigint, overdue::bigint "
    "FROM by_category "
    "UNION ALL "
    "SELECT 'unit', unit, max(target_unit_name), sum(total)::bigint, sum(accepted)::bigint, "
    "  sum(overdue)::bigint FROM per_case GROUP BY unit "
    "UNION ALL "
    "SELECT 'round', round_id, '', sum(total)::bigint, sum(accepted)::bigint, "
    "  sum(overdue)::bigint FROM per_case GROUP BY round_id "
    "UNION ALL "
    "SELECT 'total', '', '', coalesce(sum(total), 0)::bigint, "
    "  coalesce(sum(accepted), 0)::bigint, coalesce(sum(overdue), 0)::bigint FROM per_case "
    "UNION ALL "
    "SELECT 'office', r.office_path::text, '', coalesce(sum(o.total), 0)::bigint, "
    "  coalesce(sum(o.accepted), 0)::bigint, coalesce(sum(o.overdue), 0)::bigint "
    "FROM roots r LEFT JOIN offices o ON o.office_path <@ r.office_path "
    "GROUP BY r.office_path";

// From the summaries (migrations 0003 and 0004), whose overdue counts are as of the summaries'
// day: `pending` is what they do not hold yet, per (case, category) of the cases in scope — the
// open items with a deadline between that day and the day asked about (added when it is later,
// taken off when earlier; none when it is the same day), and the pending deltas, whose open items
// are overdue when their deadline is before the day asked about. `by_case` adds it to
// case_tallies.
const std::string kStatsPendingAndCases =
    "pending AS ("
    "  SELECT d.case_id, d.category_name, 0 AS total, 0 AS accepted, "
    "    CASE WHEN d.deadline < $4::date THEN d.n ELSE -d.n END AS overdue "
    "  FROM item_open_deadlines d JOIN sc ON sc.id = d.case_id "
    "  WHERE d.deadline >= least($4::date, (SELECT day FROM item_tally_day)) "
    "  AND d.deadline < greatest($4::date, (SELECT day FROM item_tally_day)) "
    "  UNION ALL "
    "  SELECT p.case_id, p.category_name, p.total, p.accepted, "
    "    CASE WHEN p.deadline < $4::date THEN p.open ELSE 0 END "
    "  FROM item_tally_deltas p JOIN sc ON sc.id = p.case_id), "
    "by_case AS ("
    "  SELECT case_id, sum(total) AS total, sum(accepted) AS accepted, sum(overdue) AS overdue "
    "  FROM (SELECT t.case_id, t.total, t.accepted, t.overdue "
    "    FROM case_tallies t JOIN sc ON sc.id = t.case_id "
    "    UNION ALL SELECT case_id, total, accepted, overdue FROM pending) x "
    "  GROUP BY case_id HAVING sum(total) <> 0), ";

// The categories: from category_tallies when the scope holds every case of its office subtree
// and round — no org filter, or one that leaves none of them out, such as the city's whole org
// tree on the city's dashboard — since that summary is kept by exactly those (about 2,300 rows
// for a city at full data, where its (case, category) rows are 36,000); otherwise from
// item_tallies, over the cases in scope only. `whole` decides once (an InitPlan), and the branch
// not taken is never run.
const std::string kStatsFromSummary = absl::StrCat(
    kStatsScope,
    "whole AS ("
    "  SELECT (SELECT count(*) FROM sc) = (SELECT count(*) FROM cases c "
    "    WHERE c.office_path <@ $1::ltree AND ($3 = '' OR c.round_id = $3)) AS yes), ",
    kStatsPendingAndCases,
    "by_category AS ("
    "  SELECT category_name, sum(total) AS total, sum(accepted) AS accepted, "
    "    sum(overdue) AS overdue "
    "  FROM (SELECT category_name, total, accepted, overdue FROM category_tallies "
    "    WHERE (SELECT yes FROM whole) AND office_path <@ $1::ltree "
    "    AND ($3 = '' OR round_id = $3) "
    "    UNION ALL SELECT t.category_name, t.total, t.accepted, t.overdue "
    "    FROM item_tallies t JOIN sc ON sc.id = t.case_id WHERE NOT (SELECT yes FROM whole) "
    "    UNION ALL SELECT category_name, total, accepted, overdue FROM pending) x "
    "  GROUP BY category_name HAVING sum(total) <> 0), ",
    kStatsRollUp);

// From the items themselves through items_case_tally (index-only, in group order): the query
// before the summaries, kept as the reference they are tested against. Overdue mirrors
// IsItemOverdue.
const std::string kStatsFromItems = absl::StrCat(
    kStatsScope,
    "counted AS ("
    "  SELECT sc.id AS case_id, t.* FROM sc CROSS JOIN LATERAL ("
    "    SELECT i.category_name, count(*) AS total, "
    "      count(*) FILTER (WHERE i.state = 'ACCEPTED') AS accepted, "
    "      count(*) FILTER (WHERE i.state IN ('PLANNED', 'IN_PROGRESS') "
    "        AND i.deadline < $4::date) AS overdue "
    "    FROM items i WHERE i.case_id = sc.id GROUP BY i.category_name) t), "
    "by_case AS ("
    "  SELECT case_id, sum(total) AS total, sum(accepted) AS accepted, sum(overdue) AS overdue "
    "  FROM counted GROUP BY case_id HAVING sum(total) <> 0), "
    "by_category AS ("
    "  SELECT category_name, sum(total) AS total, sum(accepted) AS accepted, "
    "    sum(overdue) AS overdue FROM counted GROUP BY category_name HAVING sum(total) <> 0), ",
    kStatsRollUp);

StatsTallies TalliesFromRows(const pqxx::result& r) {
  StatsTallies out;
  for (const auto& row : r) {
    const std::string kind = row[0].c_str();
    const std::string key = row[1].c_str();
    const Tally t{row[3].as<int64_t>(), row[4].as<int64_t>(), row[5].as<int64_t>()};
    if (kind == "category") {
      out.by_category[key] = t;
    } else if (kind == "unit") {
      out.by_unit[key] = t;
      out.unit_names[key] = row[2].c_str();
    } else if (kind == "round") {
      out.by_round[key] = t;
    } else if (kind == "office") {
      out.by_office[key] = t;
    } else {
      out.totals = t;
    }
  }
  return out;
}

}  // namespace

StatsTallies Repository::Stats(pqxx::transaction_base& tx, const StatsFilter& f,
                               absl::CivilDay today) {
  // One statement, so one snapshot: each delta is counted once, pending or folded.
  return TalliesFromRows(PgExecPlannedPerCall(tx, kStatsFromSummary, f.office_path, f.org_path,
                                              f.round_id, FormatDate(today)));
}

StatsTallies Repository::StatsFromItems(pqxx::transaction_base& tx, const StatsFilter& f,
                                        absl::CivilDay today) {
  return TalliesFromRows(PgExecPlannedPerCall(tx, kStatsFromItems, f.office_path, f.org_path,
                                              f.round_id, FormatDate(today)));
}

int Repository::FoldTallies(pqxx::work& tx, absl::CivilDay today) {
  const std::string day = FormatDate(today);
  // First the summaries' day moves to `today`: the open items whose deadline lies between the two
  // days become overdue (or, moving back, not yet), in each of the three summaries. This counts
  // the folded items only, before the deltas join them below under the new day. A case's office
  // and round are read from `cases`, where they never change.
  PgExec(
      tx,
      "WITH was AS (SELECT day FROM item_tally_day), "
      "moved AS (SELECT d.case_id, d.category_name, "
      "  sum(CASE WHEN d.deadline < $1::date THEN d.n ELSE -d.n END) AS n "
      "  FROM item_open_deadlines d, was "
      "  WHERE d.deadline >= least($1::date, was.day) AND d.deadline < greatest($1::date, was.day) "
      "  GROUP BY 1, 2), "
      "shifted AS (UPDATE item_tallies t SET overdue = t.overdue + m.n FROM moved m "
      "  WHERE t.case_id = m.case_id AND t.category_name = m.category_name RETURNING 1), "
      "shifted_cases AS (UPDATE case_tallies t SET overdue = t.overdue + m.n "
      "  FROM (SELECT case_id, sum(n) AS n FROM moved GROUP BY 1) m "
      "  WHERE t.case_id = m.case_id RETURNING 1), "
      "shifted_categories AS (UPDATE category_tallies t SET overdue = t.overdue + m.n "
      "  FROM (SELECT c.office_path, c.round_id, moved.category_name, sum(moved.n) AS n "
      "    FROM moved JOIN cases c ON c.id = moved.case_id GROUP BY 1, 2, 3) m "
      "  WHERE t.office_path = m.office_path AND t.round_id = m.round_id "
      "  AND t.category_name = m.category_name RETURNING 1) "
      "UPDATE item_tally_day SET day = $1::date WHERE day <> $1::date",
      day);
  // The DELETE takes the deltas committed before it started; a delta still uncommitted stays
  // for the next run. Deleting and adding in one transaction means a reader sees each delta
  // exactly once. Keys that fell to zero are dropped (a category or a deadline every item left).
  pqxx::row r = PgExec1(
      tx,
      "WITH moved AS (DELETE FROM item_tally_deltas RETURNING *), "
      "summed AS (SELECT case_id, category_name, sum(total) AS total, sum(accepted) AS accepted, "
      "  sum(CASE WHEN deadline < $1::date THEN open ELSE 0 END) AS overdue FROM moved "
      "  GROUP BY 1, 2), "
      "tallies AS (INSERT INTO item_tallies AS t (case_id, category_name, total, accepted, "
      "  overdue) "
      "  SELECT case_id, category_name, total, accepted, overdue FROM summed "
      "  WHERE total <> 0 OR accepted <> 0 OR overdue <> 0 "
      "  ON CONFLICT (case_id, category_name) DO UPDATE SET total = t.total + excluded.total, "
      "  accepted = t.accepted + excluded.accepted, overdue = t.overdue + excluded.overdue "
      "  RETURNING 1), "
      "cases_summed AS (INSERT INTO case_tallies AS t (case_id, total, accepted, overdue) "
      "  SELECT case_id, sum(total), sum(accepted), sum(overdue) FROM summed GROUP BY 1 "
      "  HAVING sum(total) <> 0 OR sum(accepted) <> 0 OR sum(overdue) <> 0 "
      "  ON CONFLICT (case_id) DO UPDATE SET total = t.total + excluded.total, "
      "  accepted = t.accepted + excluded.accepted, overdue = t.overdue + excluded.overdue "
      "  RETURNING 1), "
      "categories_summed AS (INSERT INTO category_tallies AS t (office_path, round_id, "
      "  category_name, total, accepted, overdue) "
      "  SELECT c.office_path, c.round_id, s.category_name, sum(s.total), sum(s.accepted), "
      "  sum(s.overdue) FROM summed s JOIN cases c ON c.id = s.case_id GROUP BY 1, 2, 3 "
      "  HAVING sum(s.total) <> 0 OR sum(s.accepted) <> 0 OR sum(s.overdue) <> 0 "
      "  ON CONFLICT (office_path, round_id, category_name) DO UPDATE SET "
      "  total = t.total + excluded.total, accepted = t.accepted + excluded.accepted, "
      "  overdue = t.overdue + excluded.overdue "
      "  RETURNING 1), "
      "deadlines AS (INSERT INTO item_open_deadlines AS d (case_id, category_name, deadline, n) "
      "  SELECT case_id, category_name, deadline, sum(open) FROM moved "
      "  WHERE deadline IS NOT NULL GROUP BY 1, 2, 3 HAVING sum(open) <> 0 "
      "  ON CONFLICT (case_id, category_name, deadline) DO UPDATE SET n = d.n + excluded.n "
      "  RETURNING 1) "
      "SELECT (SELECT count(*) FROM moved)::int, (SELECT count(*) FROM tallies), "
      "(SELECT count(*) FROM cases_summed), (SELECT count(*) FROM categories_summed), "
      "(SELECT count(*) FROM deadlines)",
      day);
  const int moved = r[0].as<int>();
  if (moved > 0) {
    // The two coarser summaries are a few thousand rows each: no index for their zeros.
    PgExec(tx, "DELETE FROM item_tallies WHERE total = 0");
    PgExec(tx, "DELETE FROM case_tallies WHERE total = 0");
    PgExec(tx, "DELETE FROM category_tallies WHERE total = 0");
    PgExec(tx, "DELETE FROM item_open_deadlines WHERE n = 0");
  }
  return moved;
}

std::vector<Item> Repository::LedgerItems(pqxx::transaction_base& tx,
                                          const std::string& office_path,
                                          const std::string& round_id,
                                          const std::string& engagement_id) {
  pqxx::result r =
      PgExec(tx,
             absl::StrCat("SELECT ", kItemColumns, kItemFrom,
                          "WHERE i.office_path <@ $1::ltree AND ($2 = '' OR i.round_id = $2) "
                          "AND ($3 = '' OR i.engagement_id = $3) "
                          "ORDER BY c.target_unit_path, i.created_at, i.id"),
             office_path, round_id, engagement_id);
  std::vector<Item> out;
  for (const auto& row : r) out.push_back(ItemFromRow(row).item);
  return out;
}

}  // namespace xuncha::rectification
