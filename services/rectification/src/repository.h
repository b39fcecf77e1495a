// Rectification SQL: static functions on the caller's transaction, parameterised, no rules.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "domain.h"
#include "xuncha/issues/v1/issues.pb.h"
#include "xuncha/pg.h"

namespace xuncha::rectification {

// What the access rules need besides the case itself.
struct CaseScope {
  std::string engagement_id;
  std::string office_id;
  std::string office_path;
  std::string target_unit_id;
  std::string target_unit_path;
  std::string round_id;
};

struct StoredCase {
  Case c;
  CaseScope scope;
};

struct StoredItem {
  Item item;
  CaseScope scope;
};

struct CaseFilter {
  std::string engagement_id;
  std::string round_id;
  std::string office_path;  // office staff: this office and below
  std::string unit_path;    // liaison: target units at or below
  bool all = false;         // platform admin
  std::string after_id;
  int limit = 50;
};

struct StatsFilter {
  std::string office_path;  // required: the caller's scope
  std::string org_path;     // optional: target units at or below
  std::string round_id;
};

struct StatsTallies {
  Tally totals;
  std::map<std::string, Tally> by_category;
  std::map<std::string, Tally> by_unit;
  std::map<std::string, std::string> unit_names;
  std::map<std::string, Tally> by_round;
  std::map<std::string, Tally> by_office;
  // The summary and a recount from the items are compared whole (tests, benchmark).
  bool operator==(const StatsTallies&) const = default;
};

class Repository {
 public:
  using FedBack = ::xuncha::issues::v1::ReportFedBack;

  // Creates the engagement's case unless it exists; a case opened by immediate issues takes the
  // report and its feedback date when the report's feedback arrives. Returns the case id and
  // whether it was created now.
  static std::pair<std::string, bool> UpsertCase(pqxx::work& tx, const FedBack& feedback);
  // Inserts the issue's item unless one exists; returns the new item's id.
  static std::optional<std::string> InsertItemIfAbsent(pqxx::work& tx, const std::string& case_id,
                                                       const FedBack& feedback,
                                                       const FedBack::FedBackIssue& issue);

  static absl::StatusOr<StoredCase> GetCase(pqxx::transaction_base& tx, const std::string& id,
                                            bool for_update, absl::string_view field = "id");
  static std::vector<StoredCase> ListCases(pqxx::transaction_base& tx, const CaseFilter& filter);
  static void SetCaseAccepted(pqxx::work& tx, const std::string& id, const std::string& actor);
  static void ReopenCase(pqxx::work& tx, const std::string& id);

  static std::vector<Item> ListItems(pqxx::transaction_base& tx, const std::string& case_id);
  static absl::StatusOr<StoredItem> GetItem(pqxx::transaction_base& tx, const std::string& id,
                                            bool for_update);
  static void UpdatePlan(pqxx::work& tx, const std::string& id, const v1::RectificationPlan& plan);
  // The state plus whatever the transition records (empty strings leave a field unchanged).
  struct Transition {
    Item::State to = Item::STATE_UNSPECIFIED;
    std::optional<std::vector<std::string>> evidence_ids;
    std::optional<std::string> completion_note;
    std::optional<std::string> reason;
    std::optional<std::string> plan_comments;
    bool accepted = false;
    bool reopened = false;
  };
  static void ApplyTransition(pqxx::work& tx, const std::string& id, const Transition& t);

  static v1::SupervisionVisit InsertVisit(pqxx::work& tx, const std::string& case_id,
                                          const v1::SupervisionVisit& visit,
                                          const std::string& actor);
  static std::vector<v1::SupervisionVisit> ListVisits(pqxx::transaction_base& tx,
                                                      const std::string& case_id);
  static v1::CaseReport InsertReport(pqxx::work& tx, const std::string& case_id,
                                     const v1::CaseReport& report, const std::string& actor);
  static std::vector<v1::CaseReport> ListReports(pqxx::transaction_base& tx,
                                                 const std::string& case_id);

  static v1::Disclosure InsertDisclosure(pqxx::work& tx, const std::string& case_id,
                                         const v1::Disclosure& disclosure,
                                         const std::string& actor);
  static std::vector<v1::Disclosure> ListDisclosures(pqxx::transaction_base& tx,
                                                     const std::string& case_id);
  static v1::RuleMade InsertRule(pqxx::work& tx, const std::string& case_id,
                                 const v1::RuleMade& rule, const std::string& actor);
  static std::vector<v1::RuleMade> ListRules(pqxx::transaction_base& tx,
                                             const std::string& case_id);

  static std::vector<std::string> AcceptedItemIds(pqxx::transaction_base& tx,
                                                  const std::string& case_id);
  static std::string InsertRecheck(pqxx::work& tx, const std::string& case_id, int percent,
                                   int64_t seed, const std::vector<std::string>& item_ids,
                                   const std::string& actor);
  static absl::StatusOr<v1::Recheck> GetRecheck(pqxx::transaction_base& tx, const std::string& id,
                                                bool for_update);
  static std::vector<v1::Recheck> ListRechecks(pqxx::transaction_base& tx,
                                               const std::string& case_id);
  static void SetRecheckResult(pqxx::work& tx, const std::string& recheck_id,
                               const std::string& item_id, bool passed, const std::string& note);

  // The office's rules, or the defaults when it has set none.
  static RectificationRules GetRules(pqxx::transaction_base& tx, const std::string& office_id);
  static void UpsertRules(pqxx::work& tx, const std::string& office_id,
                          const RectificationRules& rules);

  // Reminder scan: a transaction-scoped advisory lock so that one replica scans at a time.
  static bool TryLockReminderScan(pqxx::work& tx);
  // PLANNED or IN_PROGRESS items whose deadline is in [from, to] (from unset: no lower bound)
  // and that have no `kind` reminder yet in their state and reopening.
  static std::vector<Item> ItemsDueWithoutReminder(pqxx::work& tx, absl::string_view kind,
                                                   std::optional<absl::CivilDay> from,
                                                   absl::CivilDay to, int limit);
  static bool InsertReminder(pqxx::work& tx, const Item& item, absl::string_view kind);
  // OPEN cases without a RECTIFICATION_REPORT and not yet reminded as overdue, with their
  // office's rules: the due date needs the calendar, so the scan computes it.
  struct AwaitingReport {
    StoredCase c;
    RectificationRules rules;
  };
  static std::vector<AwaitingReport> CasesAwaitingReport(pqxx::work& tx, int limit);
  static bool InsertReportReminder(pqxx::work& tx, const std::string& case_id,
                                   absl::string_view kind, absl::CivilDay due);

  // Calendar replica. The version moves whenever a year is stored or replaced.
  static int64_t CalendarVersion(pqxx::transaction_base& tx);
  static absl::StatusOr<WorkingCalendar> LoadCalendar(pqxx::transaction_base& tx);
  // `replace` false: only when the year is absent (the shipped default never overrides a
  // correction received from directory).
  static void StoreCalendarYear(pqxx::work& tx, int year, const std::vector<CalendarEntry>& entries,
                                const std::string& source, bool replace);

  // Evidence replica (fieldwork.evidence.linked).
  static void LinkEvidence(pqxx::work& tx, const std::string& engagement_id,
                           const std::string& sha256);
  // Index of the first id not linked to the engagement, if any.
  static std::optional<int> FirstUnknownEvidence(pqxx::transaction_base& tx,
                                                 const std::string& engagement_id,
                                                 const std::vector<std::string>& ids);

  // Statistics from the summaries (folded plus pending deltas, migrations 0003 and 0004): per
  // (office, round, category) and per case, or per (case, category) when filtered by an org
  // subtree. `today` decides overdue (the same rule as IsItemOverdue, in SQL).
  static StatsTallies Stats(pqxx::transaction_base& tx, const StatsFilter& filter,
                            absl::CivilDay today);
  // The same figures recounted from the items themselves (a scan of every item in scope): what
  // the summary must always agree with; tests and the benchmark check it.
  static StatsTallies StatsFromItems(pqxx::transaction_base& tx, const StatsFilter& filter,
                                     absl::CivilDay today);
  // Moves the summaries' overdue counts to `today` and folds the committed deltas into them;
  // returns how many delta rows were folded. The caller holds the scan lock: one folder at a
  // time.
  static int FoldTallies(pqxx::work& tx, absl::CivilDay today);
  static std::vector<Item> LedgerItems(pqxx::transaction_base& tx, const std::string& office_path,
                                       const std::string& round_id,
                                       const std::string& engagement_id);
};

}  // namespace xuncha::rectification
