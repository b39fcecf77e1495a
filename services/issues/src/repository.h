// Issues' SQL, one named function per query, all inside the caller's transaction.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "domain.h"
#include "xuncha/paging.h"

namespace xuncha::issues {

struct StoredTaxonomyEntry {
  v1::TaxonomyEntry entry;
  std::string office_path;  // "" for the standard entries
  std::string heading_id;
  std::string heading_name;
  int heading_position = 0;
};

struct StoredIssue {
  Issue issue;  // every field, names of category and heading filled
  std::string office_path;
  std::string target_unit_path;
  int heading_position = 0;
};

struct StoredReport {
  Report report;  // without groups and issue_count (assembled from the issues)
  std::string office_path;
};

// What a caller could possibly see in a list; rows are then checked one by one with AccessTo.
struct IssueFilter {
  std::string engagement_id;
  std::string round_id;
  std::string state;        // Issue::State name, "" for any
  std::string within_path;  // an office subtree ("" for no such restriction)
  // Visibility: rows of offices under office_path, of engagements where person_id is a member,
  // of units under unit_path (not DRAFT), or everything when all.
  std::string office_path;
  std::string person_id;
  std::string unit_path;
  bool all = false;
};

class Repository {
 public:
  // --- taxonomy
  // The effective tree of the office at `office_path`, parents before children.
  static std::vector<v1::TaxonomyEntry> ListTaxonomy(pqxx::transaction_base& tx,
                                                     const std::string& office_path);
  static absl::StatusOr<StoredTaxonomyEntry> GetTaxonomyEntry(pqxx::transaction_base& tx,
                                                              const std::string& id,
                                                              absl::string_view field);
  static v1::TaxonomyEntry InsertTaxonomyEntry(pqxx::work& tx, const v1::TaxonomyEntry& entry,
                                               const std::string& office_id,
                                               const std::string& office_path,
                                               const std::string& heading_id);

  // --- issues
  // The issue as stored (as GetIssue reads it).
  static StoredIssue InsertIssue(pqxx::work& tx, const Issue& issue,
                                 const EngagementSnapshot& engagement,
                                 const std::string& heading_id, const std::string& created_by);
  static absl::StatusOr<StoredIssue> GetIssue(pqxx::transaction_base& tx, const std::string& id,
                                              bool for_update, absl::string_view field = "id");
  // Candidates in id order after `after`, at most `limit`; `limit` 0 means no limit.
  static std::vector<StoredIssue> ListIssues(pqxx::transaction_base& tx, const IssueFilter& filter,
                                             const std::string& after, int limit);
  static void SetIssueState(pqxx::work& tx, const std::string& id, Issue::State state);
  static void SetSignOff(pqxx::work& tx, const std::string& id, const v1::SignOff& sign_off);
  static void SetDismissal(pqxx::work& tx, const std::string& id, const v1::Dismissal& dismissal);
  static void SetReported(pqxx::work& tx, const std::vector<std::string>& ids,
                          const std::string& report_id);
  static void SetFedBack(pqxx::work& tx, const std::vector<std::string>& ids,
                         const std::string& date);
  static void SetClueMaterial(pqxx::work& tx, const std::string& id);
  // Issues of an engagement in one state, locked for the change about to be made.
  static std::vector<std::string> IssueIdsInState(pqxx::transaction_base& tx,
                                                  const std::string& engagement_id,
                                                  Issue::State state);

  // --- questions
  static v1::Question InsertQuestion(pqxx::work& tx, const std::string& issue_id,
                                     const std::string& text, const std::string& asked_by);
  static absl::StatusOr<v1::Question> GetQuestion(pqxx::transaction_base& tx,
                                                  const std::string& issue_id,
                                                  const std::string& id, bool for_update);
  static void AnswerQuestion(pqxx::work& tx, const std::string& id, const std::string& answer,
                             const std::string& answered_by);
  static std::vector<v1::Question> ListQuestions(pqxx::transaction_base& tx,
                                                 const std::string& issue_id);

  // --- reports
  static absl::StatusOr<std::string> InsertReport(pqxx::work& tx, const std::string& engagement_id,
                                                  const EngagementSnapshot& engagement,
                                                  const std::string& summary,
                                                  const std::string& special_reports_json);
  // The engagement's report id, "" when it has none yet.
  static std::string ReportIdOf(pqxx::transaction_base& tx, const std::string& engagement_id);
  static absl::StatusOr<StoredReport> GetReport(pqxx::transaction_base& tx, const std::string& id,
                                                bool for_update);
  static std::vector<StoredIssue> ReportIssues(pqxx::transaction_base& tx,
                                               const std::string& report_id);
  static void SetReportState(pqxx::work& tx, const std::string& id, Report::State state);
  static void SetReportApproved(pqxx::work& tx, const std::string& id,
                                const std::string& approved_by);
  static void SetReportFedBack(pqxx::work& tx, const std::string& id, const std::string& date,
                               const std::string& requirements, const std::string& plan_due);

  // --- statistics
  // The path of an office known from the engagement replica ("" when none).
  static std::string OfficePath(pqxx::transaction_base& tx, const std::string& office_id);
  // The summary's counts (folded plus pending deltas, migration 0002) of the offices within
  // `within_path`, optionally of one round or one engagement; zero sums left out.
  static std::vector<CountRow> CountRows(pqxx::transaction_base& tx, const std::string& within_path,
                                         const std::string& round_id,
                                         const std::string& engagement_id);
  // Folds the committed deltas into the summary; returns how many delta rows were folded.
  // The caller holds the scan lock: one folder at a time.
  static int CompactCounts(pqxx::work& tx);
  // The same figures recounted from the issues themselves (a full scan): what the summary
  // must always agree with; tests and benchmarks check it.
  static std::vector<StatsRow> StatsRows(pqxx::transaction_base& tx, const std::string& within_path,
                                         const std::string& round_id,
                                         const std::string& engagement_id);
};

}  // namespace xuncha::issues
