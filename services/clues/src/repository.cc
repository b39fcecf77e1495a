#include "repository.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "xuncha/change.h"
#include "xuncha/pg.h"

namespace xuncha::clues {
namespace {

constexpr char kClueColumns[] = "body";

absl::StatusOr<Clue> ParseClue(const pqxx::row& row) {
  Clue clue;
  if (!google::protobuf::util::JsonStringToMessage(row[0].as<std::string>(), &clue).ok()) {
    return absl::DataLossError("stored clue does not parse");
  }
  return clue;
}

absl::StatusOr<std::vector<Clue>> ParseClues(const pqxx::result& r) {
  std::vector<Clue> out;
  out.reserve(r.size());
  for (const auto& row : r) {
    auto clue = ParseClue(row);
    if (!clue.ok()) return clue.status();
    out.push_back(std::move(*clue));
  }
  return out;
}

void Touch(Clue& clue, bool created) {
  const int64_t now = absl::ToUnixMicros(absl::Now());
  if (created) SetTimestampMicros(clue.mutable_create_time(), now);
  SetTimestampMicros(clue.mutable_update_time(), now);
}

}  // namespace

absl::StatusOr<std::optional<Clue>> Repository::InsertClueIfNew(pqxx::work& tx, Clue clue) {
  clue.set_id(tx.exec1("SELECT gen_random_uuid()::text")[0].as<std::string>());
  Touch(clue, true);
  pqxx::result r = PgExec(
      tx,
      "INSERT INTO clues (id, engagement_id, office_id, office_path, source, source_id, state, "
      "body, receiving_unit_id, receiving_unit_path) VALUES ($1::uuid, $2, $3, $4::ltree, $5, "
      "$6, $7, $8, $9, $10) "
      "ON CONFLICT (source, source_id) DO NOTHING RETURNING id",
      clue.id(), clue.engagement_id(), clue.office_id(), clue.office_path(),
      Clue::Source_Name(clue.source()), clue.source_id(), Clue::State_Name(clue.state()),
      ToJson(clue), clue.referral().receiving_unit_id(), clue.referral().receiving_unit_path());
  if (r.empty()) return std::nullopt;
  return clue;
}

absl::StatusOr<Clue> Repository::InsertClue(pqxx::work& tx, Clue clue) {
  auto inserted = InsertClueIfNew(tx, clue);
  if (!inserted.ok()) return inserted.status();
  if (!inserted->has_value()) {
    // The existing clue's id is not named: it may belong to a group the caller is not in.
    return absl::AlreadyExistsError(absl::StrCat("source_id: ", Clue::Source_Name(clue.source()),
                                                 " ", clue.source_id(), " already has a clue"));
  }
  return **inserted;
}

absl::StatusOr<std::optional<Clue>> Repository::FindClue(pqxx::transaction_base& tx,
                                                         const std::string& id, bool for_update) {
  pqxx::result r = PgExec(tx,
                          absl::StrCat("SELECT ", kClueColumns, " FROM clues WHERE id = $1::uuid",
                                       for_update ? " FOR UPDATE" : ""),
                          id);
  if (r.empty()) return std::nullopt;
  auto clue = ParseClue(r[0]);
  if (!clue.ok()) return clue.status();
  return *clue;
}

absl::StatusOr<Clue> Repository::SaveClue(pqxx::work& tx, Clue clue) {
  Touch(clue, false);
  PgExec(
      tx,
      "UPDATE clues SET state = $2, receiving_unit_id = $3, receiving_unit_path = $4, body = $5, "
      "updated_at = now() WHERE id = $1::uuid",
      clue.id(), Clue::State_Name(clue.state()), clue.referral().receiving_unit_id(),
      clue.referral().receiving_unit_path(), ToJson(clue));
  return clue;
}

absl::StatusOr<std::vector<ListedClue>> Repository::ListClues(pqxx::transaction_base& tx,
                                                              const ClueListScope& scope,
                                                              const Page& page) {
  const auto [after_micros, after_id] = SplitPageKey(page.after);
  int64_t micros = -1;
  if (!page.after.empty() && !absl::SimpleAtoi(after_micros, &micros)) {
    return absl::InvalidArgumentError("page_token: not a token of this list");
  }
  // Only candidate rows come back: the caller's office (leadership), its engagements (group)
  // or its receiving body. The domain rules then decide the view of each.
  const std::string sql = absl::StrCat(
      "SELECT body, ", SqlMicros("created_at"),
      ", id::text FROM clues "
      "WHERE ($1 = '' OR engagement_id = $1) AND ($2 = '' OR state = $2) "
      "AND (($3 <> '' AND office_id = $3) "
      "OR ($4 <> '' AND engagement_id IN (SELECT engagement_id FROM engagement_members "
      "WHERE person_id = $4)) "
      "OR ($5 <> '' AND receiving_unit_id = $5) OR ($6 <> '' AND receiving_unit_path = $6)) "
      "AND ($7::bigint < 0 OR (",
      SqlMicros("created_at"), ", id::text) > ($7::bigint, $8)) ORDER BY ", SqlMicros("created_at"),
      ", id::text LIMIT $9");
  pqxx::result r = PgExec(tx, sql, scope.engagement_id, scope.state, scope.leadership_office_id,
                          scope.member_person_id, scope.receiver_unit_id, scope.receiver_unit_path,
                          micros, after_id, page.size + 1);
  std::vector<ListedClue> out;
  for (const auto& row : r) {
    auto clue = ParseClue(row);
    if (!clue.ok()) return clue.status();
    out.push_back({std::move(*clue), PageKey(row[1].as<std::string>(), row[2].as<std::string>())});
  }
  return out;
}

absl::StatusOr<std::vector<Clue>> Repository::CluesOfOffice(pqxx::transaction_base& tx,
                                                            const std::string& office_id) {
  return ParseClues(
      PgExec(tx, "SELECT body FROM clues WHERE office_id = $1 ORDER BY created_at, id", office_id));
}

std::vector<BacklogGroup> Repository::OpenClueGroupsUnder(pqxx::transaction_base& tx,
                                                          const std::string& org_path) {
  // The counts a trigger keeps per group (migration 0008): about a dozen rows for a city, where
  // counting its 18,400 open clues at each call took 14-90 ms depending on the table's vacuum.
  // The groups of clues that moved on stay at 0.
  pqxx::result rows =
      PgExec(tx,
             "SELECT state, office_id, office_path::text, has_referral, receiving_unit_id, "
             "receiving_unit_name, referral_date, feedback_deadline, n FROM clue_backlog_counts "
             "WHERE office_path <@ $1::ltree AND state <> 'DISPOSED' AND n > 0",
             org_path);
  std::vector<BacklogGroup> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    BacklogGroup g;
    Clue::State state = Clue::STATE_UNSPECIFIED;
    Clue::State_Parse(r[0].as<std::string>(), &state);
    g.clue.set_state(state);
    g.clue.set_office_id(r[1].as<std::string>());
    g.clue.set_office_path(r[2].as<std::string>());
    if (r[3].as<bool>()) {
      auto* ref = g.clue.mutable_referral();
      ref->set_receiving_unit_id(r[4].as<std::string>());
      ref->set_receiving_unit_name(r[5].as<std::string>());
      ref->set_referral_date(r[6].as<std::string>());
      ref->set_feedback_deadline(r[7].as<std::string>());
    }
    g.count = r[8].as<int>();
    out.push_back(std::move(g));
  }
  return out;
}

absl::StatusOr<std::vector<Clue>> Repository::UndisposedReferredClues(pqxx::transaction_base& tx,
                                                                      int limit) {
  return ParseClues(
      PgExec(tx,
             "SELECT body FROM clues WHERE state IN ('REFERRED', 'ACKNOWLEDGED') "
             // An overdue reminder is the last one a clue gets: leave those out of the scan.
             "AND NOT EXISTS (SELECT 1 FROM clue_reminders r WHERE r.clue_id = clues.id "
             "AND r.kind = 'overdue') ORDER BY created_at, id LIMIT $1",
             limit));
}

bool Repository::ClaimReminder(pqxx::work& tx, const std::string& clue_id,
                               const std::string& kind) {
  return !PgExec(tx,
                 "INSERT INTO clue_reminders (clue_id, kind) VALUES ($1::uuid, $2) "
                 "ON CONFLICT DO NOTHING RETURNING clue_id",
                 clue_id, kind)
              .empty();
}

std::vector<AccessLogRow> Repository::ClueReads(pqxx::transaction_base& tx,
                                                const std::string& resource, int64_t after_entry,
                                                int limit) {
  std::vector<AccessLogRow> out;
  // By entry id, not chain position: a read is listed as soon as it commits, before sealing.
  for (const auto& row : PgExec(
           tx,
           "SELECT entry_id, actor, at, request_id FROM audit_log WHERE resource = $1 AND action = "
           "'clue.read' AND entry_id > $2 ORDER BY entry_id LIMIT $3",
           resource, after_entry, limit)) {
    out.push_back({row[0].as<int64_t>(), row[1].as<std::string>(), row[2].as<std::string>(),
                   row[3].as<std::string>()});
  }
  return out;
}

absl::StatusOr<std::optional<v1::ReferralRules>> Repository::FindReferralRules(
    pqxx::transaction_base& tx, const std::string& office_id) {
  pqxx::result r = PgExec(tx, "SELECT body FROM referral_rules WHERE office_id = $1", office_id);
  if (r.empty()) return std::nullopt;
  v1::ReferralRules rules;
  if (!google::protobuf::util::JsonStringToMessage(r[0][0].as<std::string>(), &rules).ok()) {
    return absl::DataLossError("stored referral rules do not parse");
  }
  return rules;
}

std::optional<std::string> Repository::ReferralRulesOfficePath(pqxx::transaction_base& tx,
                                                               const std::string& office_id) {
  pqxx::result r =
      PgExec(tx,
             "SELECT office_path::text FROM referral_rules WHERE office_id = $1 AND office_path IS "
             "NOT NULL",
             office_id);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::string>();
}

absl::StatusOr<v1::ReferralRules> Repository::SaveReferralRules(pqxx::work& tx,
                                                                v1::ReferralRules rules,
                                                                const std::string& office_path) {
  SetTimestampMicros(rules.mutable_update_time(), absl::ToUnixMicros(absl::Now()));
  PgExec(tx,
         "INSERT INTO referral_rules (office_id, body, office_path) VALUES ($1, $2, $3::ltree) "
         "ON CONFLICT (office_id) DO UPDATE SET body = EXCLUDED.body, "
         "office_path = EXCLUDED.office_path, updated_at = now()",
         rules.office_id(), ToJson(rules), office_path);
  return rules;
}

}  // namespace xuncha::clues
