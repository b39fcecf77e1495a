#include "repository.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"
#include "xuncha/change.h"
#include "xuncha/pg.h"
#include "xuncha/validation.h"

namespace xuncha::fieldwork {
namespace {

// A timestamptz parameter from microseconds, exact (no float round trip).
const char kFromMicros[] = "('epoch'::timestamptz + $%d::bigint * interval '1 microsecond')";

int64_t Micros(const google::protobuf::Timestamp& ts) {
  return ts.seconds() * 1000000 + ts.nanos() / 1000;
}

template <typename M>
M FromJson(const std::string& json) {
  M m;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  (void)google::protobuf::util::JsonStringToMessage(json, &m, options);
  return m;
}

// The files attached to a record, with the name and type they were uploaded under on the
// record's engagement.
void FillAttachedEvidence(pqxx::transaction_base& tx, v1::EvidenceTarget::Kind kind,
                          const std::string& id,
                          google::protobuf::RepeatedPtrField<v1::Evidence>* out) {
  for (const auto& r :
       PgExec(tx,
              "SELECT a.sha256, a.engagement_id::text, l.filename, l.content_type, f.size "
              "FROM evidence_attachments a "
              "JOIN evidence_links l ON l.sha256 = a.sha256 AND l.engagement_id = a.engagement_id "
              "JOIN evidence_files f ON f.sha256 = a.sha256 "
              "WHERE a.object_kind = $1 AND a.object_id = $2 ORDER BY a.created_at, a.sha256",
              v1::EvidenceTarget::Kind_Name(kind), id)) {
    v1::Evidence* e = out->Add();
    e->set_sha256(r[0].as<std::string>());
    e->set_engagement_id(r[1].as<std::string>());
    e->set_filename(r[2].as<std::string>());
    e->set_content_type(r[3].as<std::string>());
    e->set_size(r[4].as<int64_t>());
  }
}

const std::string kInterviewColumns =
    "SELECT id::text, engagement_id::text, kind, interviewee_name, interviewee_post, category, "
    "interviewers, " +
    SqlMicros("start_time") + ", place, notes, created_by, " + SqlMicros("created_at") +
    ", coalesce(outline_id::text, ''), coalesce(outline_version, 0) FROM interviews ";

v1::Interview InterviewFromRow(pqxx::transaction_base& tx, const pqxx::row& r) {
  v1::Interview i;
  i.set_id(r[0].as<std::string>());
  i.set_engagement_id(r[1].as<std::string>());
  v1::Interview::Kind kind = v1::Interview::KIND_UNSPECIFIED;
  v1::Interview::Kind_Parse(r[2].as<std::string>(), &kind);
  i.set_kind(kind);
  i.set_interviewee_name(r[3].as<std::string>());
  i.set_interviewee_post(r[4].as<std::string>());
  v1::Interview::Category category = v1::Interview::CATEGORY_UNSPECIFIED;
  v1::Interview::Category_Parse(r[5].as<std::string>(), &category);
  i.set_category(category);
  for (auto& p : ParsePgTextArray(r[6].as<std::string>())) i.add_interviewer_person_ids(p);
  SetTimestampMicros(i.mutable_start_time(), r[7].as<int64_t>());
  i.set_place(r[8].as<std::string>());
  i.set_notes(r[9].as<std::string>());
  i.set_created_by(r[10].as<std::string>());
  SetTimestampMicros(i.mutable_create_time(), r[11].as<int64_t>());
  i.set_outline_id(r[12].as<std::string>());
  i.set_outline_version(r[13].as<int>());
  FillAttachedEvidence(tx, v1::EvidenceTarget::INTERVIEW, i.id(), i.mutable_evidence());
  for (const auto& p :
       PgExec(tx,
              "SELECT id::text, summary FROM interview_problems WHERE interview_id = $1 "
              "ORDER BY position",
              i.id())) {
    auto* problem = i.add_problems();
    problem->set_id(p[0].as<std::string>());
    problem->set_summary(p[1].as<std::string>());
  }
  return i;
}

const std::string kSurveyColumns =
    "SELECT s.id::text, s.engagement_id::text, s.title, s.kind, s.min_responses, "
    "s.current_version, s.codes_issued, " +
    SqlMicros("s.created_at") +
    ", v.questionnaire::text FROM surveys s JOIN survey_versions v "
    "ON v.survey_id = s.id AND v.version = s.current_version ";

v1::Survey SurveyFromRow(const pqxx::row& r) {
  v1::Survey s;
  s.set_id(r[0].as<std::string>());
  s.set_engagement_id(r[1].as<std::string>());
  s.set_title(r[2].as<std::string>());
  v1::Survey::Kind kind = v1::Survey::KIND_UNSPECIFIED;
  v1::Survey::Kind_Parse(r[3].as<std::string>(), &kind);
  s.set_kind(kind);
  s.set_min_responses(r[4].as<int>());
  s.set_codes_issued(r[6].as<int>());
  SetTimestampMicros(s.mutable_create_time(), r[7].as<int64_t>());
  *s.mutable_questionnaire() = FromJson<v1::Questionnaire>(r[8].as<std::string>());
  s.mutable_questionnaire()->set_version(r[5].as<int>());
  return s;
}

const char kPetitionColumns[] =
    "SELECT id::text, engagement_id::text, channel, subject, content, sealed_reporter IS NOT NULL, "
    "state, triage_reason, received_on::text FROM petitions ";

v1::Petition PetitionFromRow(const pqxx::row& r) {
  v1::Petition p;
  p.set_id(r[0].as<std::string>());
  p.set_engagement_id(r[1].as<std::string>());
  v1::Petition::Channel channel = v1::Petition::CHANNEL_UNSPECIFIED;
  v1::Petition::Channel_Parse(r[2].as<std::string>(), &channel);
  p.set_channel(channel);
  p.set_subject(r[3].as<std::string>());
  p.set_content(r[4].as<std::string>());
  p.set_has_reporter(r[5].as<bool>());
  v1::Petition::State state = v1::Petition::STATE_UNSPECIFIED;
  v1::Petition::State_Parse(r[6].as<std::string>(), &state);
  p.set_state(state);
  p.set_triage_reason(r[7].as<std::string>());
  p.set_received_on(r[8].as<std::string>());
  return p;
}

std::string Param(int n) { return absl::StrFormat(kFromMicros, n); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Interviews

v1::Interview Repository::InsertInterview(pqxx::work& tx, const v1::Interview& interview,
                                          const std::string& created_by) {
  std::vector<std::string> interviewers(interview.interviewer_person_ids().begin(),
                                        interview.interviewer_person_ids().end());
  const std::string id =
      PgExec1(tx,
              "INSERT INTO interviews (engagement_id, kind, interviewee_name, interviewee_post, "
              "category, interviewers, start_time, place, notes, created_by, outline_id, "
              "outline_version) VALUES ($1, $2, $3, $4, $5, $6::text[], " +
                  Param(7) +
                  ", $8, $9, $10, nullif($11, '')::uuid, nullif($12, 0)) RETURNING id::text",
              interview.engagement_id(), v1::Interview::Kind_Name(interview.kind()),
              interview.interviewee_name(), interview.interviewee_post(),
              v1::Interview::Category_Name(interview.category()), PgTextArray(interviewers),
              Micros(interview.start_time()), interview.place(), interview.notes(), created_by,
              interview.outline_id(), interview.outline_version())[0]
          .as<std::string>();
  for (int i = 0; i < interview.problems_size(); ++i) {
    PgExec(tx,
           "INSERT INTO interview_problems (interview_id, position, summary) VALUES ($1, $2, $3)",
           id, i, interview.problems(i).summary());
  }
  return *GetInterview(tx, id);
}

absl::StatusOr<v1::Interview> Repository::GetInterview(pqxx::transaction_base& tx,
                                                       const std::string& id) {
  auto rows = PgExec(tx, kInterviewColumns + "WHERE id = $1", id);
  if (rows.empty()) return absl::NotFoundError(absl::StrCat("id: interview ", id, " not found"));
  return InterviewFromRow(tx, rows[0]);
}

std::string Repository::InterviewPageKey(const v1::Interview& interview) {
  return PageKey(absl::StrCat(Micros(interview.create_time())), interview.id());
}

std::vector<v1::Interview> Repository::ListInterviews(pqxx::transaction_base& tx,
                                                      const std::string& engagement_id,
                                                      const Page& page) {
  pqxx::result rows;
  if (page.after.empty()) {
    rows = PgExec(
        tx,
        kInterviewColumns + "WHERE engagement_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        engagement_id, page.size + 1);
  } else {
    auto [micros, id] = SplitPageKey(page.after);
    rows = PgExec(tx,
                  kInterviewColumns + "WHERE engagement_id = $1 AND (" + SqlMicros("created_at") +
                      ", id) < ($3::bigint, $4::uuid) ORDER BY created_at DESC, id DESC "
                      "LIMIT $2",
                  engagement_id, page.size + 1, micros, id);
  }
  std::vector<v1::Interview> out;
  for (const auto& r : rows) out.push_back(InterviewFromRow(tx, r));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Interview outlines

namespace {

const std::string kOutlineColumns =
    "SELECT o.id::text, coalesce(o.office_id, ''), coalesce(o.office_path::text, ''), "
    "o.current_version, o.archived, v.version, v.title, v.category, v.questions, v.created_by, " +
    SqlMicros("v.created_at") + ", " + SqlMicros("o.created_at") +
    " FROM interview_outlines o JOIN interview_outline_versions v ON v.outline_id = o.id ";

StoredOutline OutlineFromRow(const pqxx::row& r) {
  StoredOutline s;
  v1::InterviewOutline& o = s.outline;
  o.set_id(r[0].as<std::string>());
  s.owner.office_id = r[1].as<std::string>();
  s.owner.office_path = r[2].as<std::string>();
  o.set_office_id(s.owner.office_id);
  o.set_built_in(s.owner.built_in());
  o.set_current_version(r[3].as<int>());
  o.set_archived(r[4].as<bool>());
  o.set_version(r[5].as<int>());
  o.set_title(r[6].as<std::string>());
  v1::Interview::Category category = v1::Interview::CATEGORY_UNSPECIFIED;
  v1::Interview::Category_Parse(r[7].as<std::string>(), &category);
  o.set_category(category);
  for (auto& q : ParsePgTextArray(r[8].as<std::string>())) o.add_questions(q);
  o.set_updated_by(r[9].as<std::string>());
  SetTimestampMicros(o.mutable_update_time(), r[10].as<int64_t>());
  s.created_micros = r[11].as<int64_t>();
  return s;
}

}  // namespace

StoredOutline Repository::InsertOutline(pqxx::work& tx, const v1::InterviewOutline& outline,
                                        const OutlineOwner& owner, const std::string& by) {
  const std::string id =
      PgExec1(tx,
              "INSERT INTO interview_outlines (office_id, office_path) VALUES ($1, $2::ltree) "
              "RETURNING id::text",
              owner.office_id, owner.office_path)[0]
          .as<std::string>();
  std::vector<std::string> questions(outline.questions().begin(), outline.questions().end());
  PgExec(tx,
         "INSERT INTO interview_outline_versions (outline_id, version, title, category, questions, "
         "created_by) VALUES ($1, 1, $2, $3, $4::text[], $5)",
         id, outline.title(), v1::Interview::Category_Name(outline.category()),
         PgTextArray(questions), by);
  return *GetOutline(tx, id, 0, false);
}

absl::StatusOr<StoredOutline> Repository::GetOutline(pqxx::transaction_base& tx,
                                                     const std::string& id, int version,
                                                     bool for_update, absl::string_view field) {
  auto rows = PgExec(
      tx,
      kOutlineColumns +
          "WHERE o.id = $1 AND v.version = CASE WHEN $2 = 0 THEN o.current_version ELSE $2 END" +
          (for_update ? " FOR UPDATE OF o" : ""),
      id, version);
  if (rows.empty()) {
    if (version != 0 && !PgExec(tx, "SELECT 1 FROM interview_outlines WHERE id = $1", id).empty()) {
      return absl::NotFoundError(
          absl::StrCat("version: interview outline ", id, " has no version ", version));
    }
    return absl::NotFoundError(absl::StrCat(field, ": interview outline ", id, " not found"));
  }
  return OutlineFromRow(rows[0]);
}

void Repository::AddOutlineVersion(pqxx::work& tx, const std::string& id, int version,
                                   const v1::UpdateInterviewOutlineRequest& update,
                                   const std::string& by) {
  std::vector<std::string> questions(update.questions().begin(), update.questions().end());
  PgExec(tx,
         "INSERT INTO interview_outline_versions (outline_id, version, title, category, questions, "
         "created_by) VALUES ($1, $2, $3, $4, $5::text[], $6)",
         id, version, update.title(), v1::Interview::Category_Name(update.category()),
         PgTextArray(questions), by);
  PgExec(tx, "UPDATE interview_outlines SET current_version = $2 WHERE id = $1", id, version);
}

void Repository::ArchiveOutline(pqxx::work& tx, const std::string& id) {
  PgExec(tx, "UPDATE interview_outlines SET archived = true WHERE id = $1", id);
}

std::string Repository::OutlinePageKey(const StoredOutline& outline) {
  return PageKey(absl::StrCat(outline.created_micros), outline.outline.id());
}

std::vector<StoredOutline> Repository::ListOutlines(pqxx::transaction_base& tx,
                                                    const OutlineFilter& filter, const Page& page) {
  std::string after_micros, after_id;
  if (!page.after.empty()) {
    auto [micros, id] = SplitPageKey(page.after);
    after_micros = micros;
    after_id = id;
  }
  const std::string category = filter.category == v1::Interview::CATEGORY_UNSPECIFIED
                                   ? ""
                                   : v1::Interview::Category_Name(filter.category);
  std::vector<StoredOutline> out;
  for (const auto& r :
       PgExec(tx,
              kOutlineColumns +
                  "WHERE v.version = o.current_version "
                  "AND (o.office_id IS NULL OR $1 OR o.office_path <@ nullif($2, '')::ltree "
                  "     OR o.office_id = nullif($3, '')) "
                  "AND ($4 = '' OR v.category IN ($4, 'CATEGORY_UNSPECIFIED')) "
                  "AND ($5 OR NOT o.archived) "
                  "AND ($7 = '' OR (" +
                  SqlMicros("o.created_at") +
                  ", o.id) > (nullif($7, '')::bigint, nullif($8, '')::uuid)) "
                  "ORDER BY o.created_at, o.id LIMIT $6",
              filter.all_offices, filter.within_path, filter.office_id, category,
              filter.include_archived, page.size + 1, after_micros, after_id)) {
    out.push_back(OutlineFromRow(r));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Surveys

v1::Survey Repository::InsertSurvey(pqxx::work& tx, const v1::Survey& survey) {
  const std::string id = PgExec1(tx,
                                 "INSERT INTO surveys (engagement_id, title, kind, min_responses) "
                                 "VALUES ($1, $2, $3, $4) RETURNING id::text",
                                 survey.engagement_id(), survey.title(),
                                 v1::Survey::Kind_Name(survey.kind()), survey.min_responses())[0]
                             .as<std::string>();
  InsertVersion(tx, id, survey.questionnaire());
  return *GetSurvey(tx, id, false);
}

absl::StatusOr<v1::Survey> Repository::GetSurvey(pqxx::transaction_base& tx, const std::string& id,
                                                 bool for_update, absl::string_view field) {
  auto rows =
      PgExec(tx, kSurveyColumns + "WHERE s.id = $1" + (for_update ? " FOR UPDATE OF s" : ""), id);
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat(field, ": survey ", id, " not found"));
  }
  return SurveyFromRow(rows[0]);
}

void Repository::InsertVersion(pqxx::work& tx, const std::string& survey_id,
                               const v1::Questionnaire& questionnaire) {
  PgExec(
      tx,
      "INSERT INTO survey_versions (survey_id, version, questionnaire) VALUES ($1, $2, $3::jsonb)",
      survey_id, questionnaire.version(), ToJson(questionnaire));
}

void Repository::ReplaceVersion(pqxx::work& tx, const std::string& survey_id,
                                const v1::Questionnaire& questionnaire) {
  PgExec(
      tx,
      "UPDATE survey_versions SET questionnaire = $3::jsonb WHERE survey_id = $1 AND version = $2",
      survey_id, questionnaire.version(), ToJson(questionnaire));
}

void Repository::SetCurrentVersion(pqxx::work& tx, const std::string& survey_id, int version) {
  PgExec(tx, "UPDATE surveys SET current_version = $2 WHERE id = $1", survey_id, version);
}

int64_t Repository::CountAnswers(pqxx::transaction_base& tx, const std::string& survey_id,
                                 int version) {
  return tx
      .exec_params1("SELECT count(*) FROM survey_answers WHERE survey_id = $1 AND version = $2",
                    survey_id, version)[0]
      .as<int64_t>();
}

void Repository::InsertCodeHashes(pqxx::work& tx, const std::string& survey_id,
                                  const std::vector<std::string>& hashes) {
  PgExec(tx, "INSERT INTO survey_codes (code_hash, survey_id) SELECT unnest($2::text[]), $1::uuid",
         survey_id, PgTextArray(hashes));
  PgExec(tx, "UPDATE surveys SET codes_issued = codes_issued + $2 WHERE id = $1", survey_id,
         static_cast<int>(hashes.size()));
}

std::optional<std::string> Repository::UseCode(pqxx::work& tx, const std::string& code_hash) {
  auto rows = PgExec(tx,
                     "UPDATE survey_codes SET used = true WHERE code_hash = $1 AND NOT used "
                     "RETURNING survey_id::text",
                     code_hash);
  if (rows.empty()) return std::nullopt;
  return rows[0][0].as<std::string>();
}

bool Repository::CodeExists(pqxx::transaction_base& tx, const std::string& code_hash) {
  return !PgExec(tx, "SELECT 1 FROM survey_codes WHERE code_hash = $1", code_hash).empty();
}

std::optional<std::string> Repository::UnusedCodeSurvey(pqxx::transaction_base& tx,
                                                        const std::string& code_hash) {
  auto rows = PgExec(
      tx, "SELECT survey_id::text FROM survey_codes WHERE code_hash = $1 AND NOT used", code_hash);
  if (rows.empty()) return std::nullopt;
  return rows[0][0].as<std::string>();
}

std::string Repository::SurveyPageKey(const v1::Survey& survey) {
  return PageKey(absl::StrCat(Micros(survey.create_time())), survey.id());
}

std::vector<v1::Survey> Repository::ListSurveys(pqxx::transaction_base& tx,
                                                const std::string& engagement_id,
                                                const Page& page) {
  pqxx::result rows;
  if (page.after.empty()) {
    rows = PgExec(tx,
                  kSurveyColumns +
                      "WHERE s.engagement_id = $1 ORDER BY s.created_at DESC, s.id DESC LIMIT $2",
                  engagement_id, page.size + 1);
  } else {
    auto [micros, id] = SplitPageKey(page.after);
    rows = PgExec(tx,
                  kSurveyColumns + "WHERE s.engagement_id = $1 AND (" + SqlMicros("s.created_at") +
                      ", s.id) < ($3::bigint, $4::uuid) ORDER BY s.created_at DESC, s.id DESC "
                      "LIMIT $2",
                  engagement_id, page.size + 1, micros, id);
  }
  std::vector<v1::Survey> out;
  for (const auto& r : rows) out.push_back(SurveyFromRow(r));
  return out;
}

void Repository::InsertAnswers(pqxx::work& tx, const std::string& survey_id, int version,
                               const std::vector<v1::Answer>& answers) {
  v1::SubmitSurveyResponseRequest stored;  // the answers only: the code field stays empty
  for (const auto& a : answers) *stored.add_answers() = a;
  // The day in China, and no finer: a time of answering could be matched against who was
  // seen filling in the form.
  PgExec(tx,
         "INSERT INTO survey_answers (survey_id, version, answered_on, answers) VALUES ($1, $2, "
         "(now() AT TIME ZONE 'Asia/Shanghai')::date, $3::jsonb)",
         survey_id, version, ToJson(stored));
}

std::vector<v1::Questionnaire> Repository::ListVersions(pqxx::transaction_base& tx,
                                                        const std::string& survey_id) {
  std::vector<v1::Questionnaire> out;
  for (const auto& r : PgExec(tx,
                              "SELECT version, questionnaire::text FROM survey_versions "
                              "WHERE survey_id = $1 ORDER BY version",
                              survey_id)) {
    out.push_back(FromJson<v1::Questionnaire>(r[1].as<std::string>()));
    out.back().set_version(r[0].as<int>());
  }
  return out;
}

std::vector<StoredAnswers> Repository::ListAnswers(pqxx::transaction_base& tx,
                                                   const std::string& survey_id) {
  std::vector<StoredAnswers> out;
  for (const auto& r :
       PgExec(tx, "SELECT version, answers::text FROM survey_answers WHERE survey_id = $1",
              survey_id)) {
    StoredAnswers s;
    s.version = r[0].as<int>();
    auto parsed = FromJson<v1::SubmitSurveyResponseRequest>(r[1].as<std::string>());
    s.answers.assign(parsed.answers().begin(), parsed.answers().end());
    out.push_back(std::move(s));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Petitions

v1::Petition Repository::InsertPetition(pqxx::work& tx, const v1::SubmitPetitionRequest& request,
                                        const std::string& receipt_hash,
                                        const std::string& sealed_reporter,
                                        const std::string& received_on) {
  const std::string id =
      PgExec1(
          tx,
          "INSERT INTO petitions (engagement_id, channel, subject, content, receipt_hash, "
          "sealed_reporter, received_on) VALUES ($1, $2, $3, $4, $5, CASE WHEN $6 = '' THEN NULL "
          "ELSE decode($6, 'hex') END, $7::date) "
          "RETURNING id::text",
          request.engagement_id(), v1::Petition::Channel_Name(request.channel()), request.subject(),
          request.content(), receipt_hash, absl::BytesToHexString(sealed_reporter), received_on)[0]
          .as<std::string>();
  return GetPetition(tx, id, false)->petition;
}

absl::StatusOr<StoredPetition> Repository::GetPetition(pqxx::transaction_base& tx,
                                                       const std::string& id, bool for_update) {
  auto rows = PgExec(
      tx, std::string(kPetitionColumns) + "WHERE id = $1" + (for_update ? " FOR UPDATE" : ""), id);
  if (rows.empty()) return absl::NotFoundError(absl::StrCat("id: petition ", id, " not found"));
  StoredPetition out;
  out.petition = PetitionFromRow(rows[0]);
  FillAttachedEvidence(tx, v1::EvidenceTarget::PETITION, id, out.petition.mutable_evidence());
  out.sealed_reporter = absl::HexStringToBytes(
      PgExec1(tx,
              "SELECT coalesce(encode(sealed_reporter, 'hex'), '') FROM petitions "
              "WHERE id = $1",
              id)[0]
          .as<std::string>());
  return out;
}

std::optional<v1::Petition> Repository::FindPetitionByReceiptHash(pqxx::transaction_base& tx,
                                                                  const std::string& receipt_hash) {
  auto rows = PgExec(tx, std::string(kPetitionColumns) + "WHERE receipt_hash = $1", receipt_hash);
  if (rows.empty()) return std::nullopt;
  return PetitionFromRow(rows[0]);
}

std::vector<v1::Petition> Repository::ListPetitions(pqxx::transaction_base& tx,
                                                    const std::string& engagement_id,
                                                    const Page& page) {
  pqxx::result rows;
  if (page.after.empty()) {
    rows = PgExec(tx,
                  std::string(kPetitionColumns) +
                      "WHERE engagement_id = $1 ORDER BY received_on DESC, id LIMIT $2",
                  engagement_id, page.size + 1);
  } else {
    auto [day, id] = SplitPageKey(page.after);
    rows = PgExec(tx,
                  std::string(kPetitionColumns) +
                      "WHERE engagement_id = $1 AND (received_on < $3::date OR "
                      "(received_on = $3::date AND id > $4::uuid)) "
                      "ORDER BY received_on DESC, id LIMIT $2",
                  engagement_id, page.size + 1, day, id);
  }
  std::vector<v1::Petition> out;
  for (const auto& r : rows) {
    out.push_back(PetitionFromRow(r));
    FillAttachedEvidence(tx, v1::EvidenceTarget::PETITION, out.back().id(),
                         out.back().mutable_evidence());
  }
  return out;
}

namespace {

const char kMessageColumns[] =
    "SELECT m.id::text, m.kind, m.body, coalesce(m.in_reply_to::text, ''), m.posted_on::text, "
    "EXISTS (SELECT 1 FROM petition_messages r WHERE r.in_reply_to = m.id) "
    "FROM petition_messages m ";

v1::PetitionMessage MessageFromRow(const pqxx::row& r) {
  v1::PetitionMessage m;
  m.set_id(r[0].as<std::string>());
  v1::PetitionMessage::Kind kind = v1::PetitionMessage::KIND_UNSPECIFIED;
  v1::PetitionMessage::Kind_Parse(r[1].as<std::string>(), &kind);
  m.set_kind(kind);
  m.set_text(r[2].as<std::string>());
  m.set_in_reply_to(r[3].as<std::string>());
  m.set_posted_on(r[4].as<std::string>());
  m.set_answered(kind == v1::PetitionMessage::QUESTION && r[5].as<bool>());
  return m;
}

}  // namespace

v1::PetitionMessage Repository::InsertPetitionQuestion(pqxx::work& tx,
                                                       const std::string& petition_id,
                                                       const std::string& text,
                                                       const std::string& day) {
  const std::string id =
      PgExec1(tx,
              "INSERT INTO petition_messages (petition_id, kind, body, posted_on) "
              "VALUES ($1, 'QUESTION', $2, $3::date) RETURNING id::text",
              petition_id, text, day)[0]
          .as<std::string>();
  return MessageFromRow(PgExec1(tx, std::string(kMessageColumns) + "WHERE m.id = $1", id));
}

std::optional<v1::PetitionMessage> Repository::GetPetitionQuestion(pqxx::transaction_base& tx,
                                                                   const std::string& petition_id,
                                                                   const std::string& question_id) {
  auto rows = PgExec(tx,
                     std::string(kMessageColumns) +
                         "WHERE m.id = $1 AND m.petition_id = $2 AND m.kind = 'QUESTION' "
                         "FOR UPDATE OF m",
                     question_id, petition_id);
  if (rows.empty()) return std::nullopt;
  return MessageFromRow(rows[0]);
}

std::optional<v1::PetitionMessage> Repository::InsertPetitionReply(pqxx::work& tx,
                                                                   const std::string& petition_id,
                                                                   const std::string& question_id,
                                                                   const std::string& text,
                                                                   const std::string& day) {
  auto rows =
      PgExec(tx,
             "INSERT INTO petition_messages (petition_id, kind, body, in_reply_to, posted_on) "
             "VALUES ($1, 'REPLY', $2, $3, $4::date) ON CONFLICT (in_reply_to) DO NOTHING "
             "RETURNING id::text",
             petition_id, text, question_id, day);
  if (rows.empty()) return std::nullopt;
  return MessageFromRow(
      PgExec1(tx, std::string(kMessageColumns) + "WHERE m.id = $1", rows[0][0].as<std::string>()));
}

std::vector<v1::PetitionMessage> Repository::ListPetitionMessages(pqxx::transaction_base& tx,
                                                                  const std::string& petition_id) {
  std::vector<v1::PetitionMessage> out;
  for (const auto& r :
       PgExec(tx, std::string(kMessageColumns) + "WHERE m.petition_id = $1 ORDER BY m.seq",
              petition_id)) {
    out.push_back(MessageFromRow(r));
  }
  return out;
}

void Repository::SetPetitionState(pqxx::work& tx, const std::string& id, v1::Petition::State state,
                                  const std::string& reason) {
  PgExec(tx, "UPDATE petitions SET state = $2, triage_reason = $3 WHERE id = $1", id,
         v1::Petition::State_Name(state), reason);
}

// ---------------------------------------------------------------------------------------------
// Document review

namespace {

const std::string kDocumentColumns =
    "SELECT id::text, engagement_id::text, title, description, coalesce(due_date::text, ''), "
    "state, provided_note, coalesce(provided_on::text, ''), review_notes, findings, "
    "evidence_sha256, " +
    SqlMicros("created_at") + " FROM document_requests ";

v1::DocumentRequest DocumentFromRow(const pqxx::row& r) {
  v1::DocumentRequest d;
  d.set_id(r[0].as<std::string>());
  d.set_engagement_id(r[1].as<std::string>());
  d.set_title(r[2].as<std::string>());
  d.set_description(r[3].as<std::string>());
  d.set_due_date(r[4].as<std::string>());
  v1::DocumentRequest::State state = v1::DocumentRequest::STATE_UNSPECIFIED;
  v1::DocumentRequest::State_Parse(r[5].as<std::string>(), &state);
  d.set_state(state);
  d.set_provided_note(r[6].as<std::string>());
  d.set_provided_on(r[7].as<std::string>());
  d.set_review_notes(r[8].as<std::string>());
  d.set_findings(r[9].as<std::string>());
  for (auto& sha : ParsePgTextArray(r[10].as<std::string>())) d.add_evidence_sha256(sha);
  SetTimestampMicros(d.mutable_create_time(), r[11].as<int64_t>());
  return d;
}

}  // namespace

v1::DocumentRequest Repository::InsertDocumentRequest(pqxx::work& tx,
                                                      const v1::DocumentRequest& request) {
  const std::string id =
      PgExec1(tx,
              "INSERT INTO document_requests (engagement_id, title, description, "
              "due_date) VALUES ($1, $2, $3, nullif($4, '')::date) RETURNING id::text",
              request.engagement_id(), request.title(), request.description(),
              request.due_date())[0]
          .as<std::string>();
  return *GetDocumentRequest(tx, id, false);
}

absl::StatusOr<v1::DocumentRequest> Repository::GetDocumentRequest(pqxx::transaction_base& tx,
                                                                   const std::string& id,
                                                                   bool for_update) {
  auto rows =
      PgExec(tx, kDocumentColumns + "WHERE id = $1" + (for_update ? " FOR UPDATE" : ""), id);
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat("id: document request ", id, " not found"));
  }
  v1::DocumentRequest d = DocumentFromRow(rows[0]);
  FillAttachedEvidence(tx, v1::EvidenceTarget::DOCUMENT_REQUEST, d.id(), d.mutable_evidence());
  return d;
}

std::string Repository::DocumentRequestPageKey(const v1::DocumentRequest& request) {
  return PageKey(absl::StrCat(Micros(request.create_time())), request.id());
}

std::vector<v1::DocumentRequest> Repository::ListDocumentRequests(pqxx::transaction_base& tx,
                                                                  const std::string& engagement_id,
                                                                  const Page& page) {
  pqxx::result rows;
  if (page.after.empty()) {
    rows =
        PgExec(tx, kDocumentColumns + "WHERE engagement_id = $1 ORDER BY created_at, id LIMIT $2",
               engagement_id, page.size + 1);
  } else {
    auto [micros, id] = SplitPageKey(page.after);
    rows = PgExec(tx,
                  kDocumentColumns + "WHERE engagement_id = $1 AND (" + SqlMicros("created_at") +
                      ", id) > ($3::bigint, $4::uuid) ORDER BY created_at, id LIMIT $2",
                  engagement_id, page.size + 1, micros, id);
  }
  std::vector<v1::DocumentRequest> out;
  for (const auto& r : rows) {
    out.push_back(DocumentFromRow(r));
    FillAttachedEvidence(tx, v1::EvidenceTarget::DOCUMENT_REQUEST, out.back().id(),
                         out.back().mutable_evidence());
  }
  return out;
}

void Repository::MarkDocumentProvided(pqxx::work& tx, const std::string& id,
                                      const std::string& note, const std::string& day) {
  PgExec(tx,
         "UPDATE document_requests SET state = 'PROVIDED', provided_note = $2, provided_on = "
         "$3::date WHERE id = $1",
         id, note, day);
}

void Repository::ReviewDocument(pqxx::work& tx, const v1::ReviewDocumentRequest& review) {
  std::vector<std::string> shas(review.evidence_sha256().begin(), review.evidence_sha256().end());
  PgExec(tx,
         "UPDATE document_requests SET state = 'REVIEWED', review_notes = $2, findings = $3, "
         "evidence_sha256 = $4::text[] WHERE id = $1",
         review.id(), review.review_notes(), review.findings(), PgTextArray(shas));
}

// ---------------------------------------------------------------------------------------------
// Evidence

bool Repository::LinkEvidence(pqxx::work& tx, const std::string& sha256, int64_t size,
                              const v1::UploadEvidenceRequest& request, const std::string& by) {
  PgExec(
      tx,
      "INSERT INTO evidence_files (sha256, size) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING",
      sha256, size);
  return !PgExec(tx,
                 "INSERT INTO evidence_links (sha256, engagement_id, filename, "
                 "content_type, uploaded_by) VALUES ($1, $2, $3, $4, $5) "
                 "ON CONFLICT (sha256, engagement_id) DO NOTHING RETURNING 1",
                 sha256, request.engagement_id(), request.filename(), request.content_type(), by)
              .empty();
}

bool Repository::EvidenceFileExists(pqxx::transaction_base& tx, const std::string& sha256) {
  return !PgExec(tx, "SELECT 1 FROM evidence_files WHERE sha256 = $1", sha256).empty();
}

std::vector<v1::Evidence> Repository::EvidenceLinks(pqxx::transaction_base& tx,
                                                    const std::string& sha256) {
  std::vector<v1::Evidence> out;
  for (const auto& r : PgExec(
           tx,
           "SELECT l.engagement_id::text, l.filename, l.content_type, f.size FROM evidence_links l "
           "JOIN evidence_files f USING (sha256) WHERE l.sha256 = $1 ORDER BY l.created_at",
           sha256)) {
    v1::Evidence e;
    e.set_sha256(sha256);
    e.set_engagement_id(r[0].as<std::string>());
    e.set_filename(r[1].as<std::string>());
    e.set_content_type(r[2].as<std::string>());
    e.set_size(r[3].as<int64_t>());
    out.push_back(std::move(e));
  }
  return out;
}

bool Repository::EvidenceOnEngagement(pqxx::transaction_base& tx, const std::string& sha256,
                                      const std::string& engagement_id) {
  return !PgExec(tx, "SELECT 1 FROM evidence_links WHERE sha256 = $1 AND engagement_id = $2",
                 sha256, engagement_id)
              .empty();
}

bool Repository::AttachEvidence(pqxx::work& tx, const std::string& sha256,
                                const std::string& engagement_id, const v1::EvidenceTarget& target,
                                const std::string& by) {
  return !PgExec(tx,
                 "INSERT INTO evidence_attachments (sha256, engagement_id, object_kind, object_id, "
                 "attached_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING 1",
                 sha256, engagement_id, v1::EvidenceTarget::Kind_Name(target.kind()), target.id(),
                 by)
              .empty();
}

std::vector<v1::EvidenceTarget::Kind> Repository::AttachmentKinds(
    pqxx::transaction_base& tx, const std::string& sha256, const std::string& engagement_id) {
  std::vector<v1::EvidenceTarget::Kind> out;
  for (const auto& r : PgExec(tx,
                              "SELECT object_kind FROM evidence_attachments WHERE sha256 = $1 AND "
                              "engagement_id = $2",
                              sha256, engagement_id)) {
    v1::EvidenceTarget::Kind kind = v1::EvidenceTarget::KIND_UNSPECIFIED;
    v1::EvidenceTarget::Kind_Parse(r[0].as<std::string>(), &kind);
    out.push_back(kind);
  }
  return out;
}

absl::StatusOr<std::string> Repository::RecordEngagement(pqxx::transaction_base& tx,
                                                         const v1::EvidenceTarget& target,
                                                         absl::string_view field) {
  const char* table = nullptr;
  const char* noun = nullptr;
  switch (target.kind()) {
    case v1::EvidenceTarget::INTERVIEW:
      table = "interviews";
      noun = "interview";
      break;
    case v1::EvidenceTarget::DOCUMENT_REQUEST:
      table = "document_requests";
      noun = "document request";
      break;
    case v1::EvidenceTarget::PETITION:
      table = "petitions";
      noun = "petition";
      break;
    default:
      return InvalidField(absl::StrCat(field, ".kind"), "must be set");
  }
  // The table name is one of three constants above, never input.
  auto rows = PgExec(tx, absl::StrCat("SELECT engagement_id::text FROM ", table, " WHERE id = $1"),
                     target.id());
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat(field, ".id: ", noun, " ", target.id(), " not found"));
  }
  return rows[0][0].as<std::string>();
}

// ---------------------------------------------------------------------------------------------
// Work log

namespace {

const std::string kWorkLogColumns =
    "SELECT id::text, engagement_id::text, day::text, content, author, " + SqlMicros("created_at") +
    " FROM work_log_entries ";

v1::WorkLogEntry WorkLogFromRow(const pqxx::row& r) {
  v1::WorkLogEntry e;
  e.set_id(r[0].as<std::string>());
  e.set_engagement_id(r[1].as<std::string>());
  e.set_day(r[2].as<std::string>());
  e.set_content(r[3].as<std::string>());
  e.set_author_person_id(r[4].as<std::string>());
  SetTimestampMicros(e.mutable_create_time(), r[5].as<int64_t>());
  return e;
}

}  // namespace

v1::WorkLogEntry Repository::InsertWorkLogEntry(pqxx::work& tx, const v1::WorkLogEntry& entry,
                                                const std::string& created_by) {
  const std::string id =
      PgExec1(tx,
              "INSERT INTO work_log_entries (engagement_id, day, content, author, "
              "created_by) VALUES ($1, $2::date, $3, $4, $5) RETURNING id::text",
              entry.engagement_id(), entry.day(), entry.content(), entry.author_person_id(),
              created_by)[0]
          .as<std::string>();
  return WorkLogFromRow(PgExec1(tx, kWorkLogColumns + "WHERE id = $1", id));
}

std::vector<v1::WorkLogEntry> Repository::ListWorkLog(pqxx::transaction_base& tx,
                                                      const std::string& engagement_id,
                                                      const std::string& day) {
  std::vector<v1::WorkLogEntry> out;
  for (const auto& r : PgExec(tx,
                              kWorkLogColumns + "WHERE engagement_id = $1 AND day = $2::date "
                                                "ORDER BY created_at, id",
                              engagement_id, day)) {
    out.push_back(WorkLogFromRow(r));
  }
  return out;
}

}  // namespace xuncha::fieldwork
