// Clues' SQL, one named function per query, all inside the caller's transaction.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "domain.h"
#include "xuncha/paging.h"

namespace xuncha::clues {

// Who is asking for a list: the candidate rows a caller might see (domain rules then decide).
struct ClueListScope {
  std::string leadership_office_id;  // office whose clues leadership sees ("" = none)
  std::string member_person_id;      // clues of engagements this person is a member of
  std::string receiver_unit_id;      // clues referred to this unit
  std::string receiver_unit_path;    // … or to this org path
  std::string engagement_id;         // optional filter
  std::string state;                 // optional filter (state name)
};

struct ListedClue {
  Clue clue;
  std::string page_key;
};

struct AccessLogRow {
  int64_t entry_id = 0;
  std::string actor;
  std::string at;  // RFC 3339
  std::string request_id;
};

class Repository {
 public:
  // ALREADY_EXISTS when the source (issue/petition) already has a clue. Fills id and times.
  static absl::StatusOr<Clue> InsertClue(pqxx::work& tx, Clue clue);
  // Same, but returns nullopt instead of an error on a duplicate source (event replays).
  static absl::StatusOr<std::optional<Clue>> InsertClueIfNew(pqxx::work& tx, Clue clue);
  // Locks the row when `for_update` so concurrent transitions serialise.
  static absl::StatusOr<std::optional<Clue>> FindClue(pqxx::transaction_base& tx,
                                                      const std::string& id, bool for_update);
  static absl::StatusOr<Clue> SaveClue(pqxx::work& tx, Clue clue);
  // Ordered by (created_at, id); `page.after` is a PageKey(micros, id) as in ListedClue.
  static absl::StatusOr<std::vector<ListedClue>> ListClues(pqxx::transaction_base& tx,
                                                           const ClueListScope& scope,
                                                           const Page& page);
  static absl::StatusOr<std::vector<Clue>> CluesOfOffice(pqxx::transaction_base& tx,
                                                         const std::string& office_id);
  // Undisposed clues of offices at or below `org_path`, grouped as the backlog counts them.
  static std::vector<BacklogGroup> OpenClueGroupsUnder(pqxx::transaction_base& tx,
                                                       const std::string& org_path);

  // "clue.read" audit rows of a clue, oldest first, after entry `after_entry`.
  // Referred clues not yet disposed (the ones a feedback deadline applies to), oldest first.
  static absl::StatusOr<std::vector<Clue>> UndisposedReferredClues(pqxx::transaction_base& tx,
                                                                   int limit);
  // Records a reminder; false when this clue already had one of this kind.
  static bool ClaimReminder(pqxx::work& tx, const std::string& clue_id, const std::string& kind);
  static std::vector<AccessLogRow> ClueReads(pqxx::transaction_base& tx,
                                             const std::string& resource, int64_t after_entry,
                                             int limit);

  static absl::StatusOr<std::optional<v1::ReferralRules>> FindReferralRules(
      pqxx::transaction_base& tx, const std::string& office_id);
  // The path of the office the rules belong to (kept with them), when known.
  static std::optional<std::string> ReferralRulesOfficePath(pqxx::transaction_base& tx,
                                                            const std::string& office_id);
  static absl::StatusOr<v1::ReferralRules> SaveReferralRules(pqxx::work& tx,
                                                             v1::ReferralRules rules,
                                                             const std::string& office_path);
};

}  // namespace xuncha::clues
