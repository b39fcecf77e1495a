// Issues use cases: one method per RPC, each one transaction (change + audit row + outbox event),
// with the access rules from domain.h applied on data read in that same transaction.
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "domain.h"
#include "repository.h"
#include "xuncha/common/v1/file.pb.h"
#include "xuncha/outbox.h"
#include "xuncha/pg.h"
#include "xuncha/rpc.h"

namespace xuncha::issues {

inline constexpr char kReportFedBackEvent[] = "issues.report.fed_back";
inline constexpr char kClueSuggestedEvent[] = "issues.issue.clue_suggested";

class IssuesApp {
 public:
  // `relay` may be null (events wait in the outbox).
  IssuesApp(PgPool& pool, OutboxRelay* relay);

  absl::StatusOr<v1::ListTaxonomyResponse> ListTaxonomy(const RequestContext& rc);
  absl::StatusOr<v1::TaxonomyEntry> CreateTaxonomyEntry(const RequestContext& rc,
                                                        const v1::TaxonomyEntry& entry);

  absl::StatusOr<Issue> CreateIssue(const RequestContext& rc, const Issue& issue);
  absl::StatusOr<Issue> GetIssue(const RequestContext& rc, const std::string& id);
  absl::StatusOr<v1::ListIssuesResponse> ListIssues(const RequestContext& rc,
                                                    const v1::ListIssuesRequest& request);
  absl::StatusOr<Issue> StartVerification(const RequestContext& rc, const std::string& id);
  absl::StatusOr<Issue> ConfirmIssue(const RequestContext& rc,
                                     const v1::ConfirmIssueRequest& request);
  absl::StatusOr<Issue> DismissIssue(const RequestContext& rc,
                                     const v1::DismissIssueRequest& request);
  absl::StatusOr<Issue> FeedBackIssue(const RequestContext& rc,
                                      const v1::FeedBackIssueRequest& request);
  absl::StatusOr<Issue> SuggestClue(const RequestContext& rc,
                                    const v1::SuggestClueRequest& request);

  absl::StatusOr<v1::Question> AskQuestion(const RequestContext& rc,
                                           const v1::AskQuestionRequest& request);
  absl::StatusOr<v1::ListQuestionsResponse> ListQuestions(const RequestContext& rc,
                                                          const std::string& issue_id);
  absl::StatusOr<v1::Question> AnswerQuestion(const RequestContext& rc,
                                              const v1::AnswerQuestionRequest& request);

  absl::StatusOr<Report> CreateReport(const RequestContext& rc,
                                      const v1::CreateReportRequest& request);
  absl::StatusOr<Report> GetReport(const RequestContext& rc, const std::string& id);
  absl::StatusOr<Report> SubmitReport(const RequestContext& rc, const std::string& id);
  absl::StatusOr<Report> ApproveReport(const RequestContext& rc, const std::string& id);
  absl::StatusOr<Report> FeedBackReport(const RequestContext& rc,
                                        const v1::FeedBackReportRequest& request);

  absl::StatusOr<::xuncha::common::v1::FileContent> ExportIssues(
      const RequestContext& rc, const v1::ExportIssuesRequest& request);
  absl::StatusOr<v1::IssueStats> GetIssueStats(const RequestContext& rc,
                                               const v1::GetIssueStatsRequest& request);
  // Folds the statistics summary's pending deltas (run periodically; see migration 0002).
  // Returns how many delta rows were folded; 0 when another replica holds the scan.
  absl::StatusOr<int> CompactCounts();

 private:
  // Runs `body` in a transaction and, after a successful commit, nudges the outbox relay.
  absl::Status Write(const std::function<absl::Status(pqxx::work&)>& body);

  // The issue (locked when `for_update`), its engagement and the caller's access to it.
  struct IssueInContext {
    StoredIssue stored;
    EngagementSnapshot engagement;
    EngagementAccess access;
  };
  absl::StatusOr<IssueInContext> LoadIssue(pqxx::transaction_base& tx, const RequestContext& rc,
                                           const std::string& id, bool for_update);
  // Loads for a write by the group: PERMISSION_DENIED unless CanWriteIssues.
  absl::StatusOr<IssueInContext> LoadIssueForWrite(pqxx::transaction_base& tx,
                                                   const RequestContext& rc, const std::string& id);
  // Moves the issue to `to` (after CheckIssueTransition), audited and published.
  absl::Status Transition(pqxx::work& tx, const RequestContext& rc, const IssueInContext& ctx,
                          Issue::State to, absl::string_view action, absl::string_view event);

  struct ReportInContext {
    StoredReport stored;
    std::vector<StoredIssue> issues;
    EngagementSnapshot engagement;
    EngagementAccess access;
  };
  absl::StatusOr<ReportInContext> LoadReport(pqxx::transaction_base& tx, const RequestContext& rc,
                                             const std::string& id, bool for_update);
  static Report Assemble(const ReportInContext& ctx);
  v1::ReportFedBack FedBackPayload(const EngagementSnapshot& engagement,
                                   const std::string& report_id,
                                   const std::vector<StoredIssue>& issues,
                                   const v1::FeedbackSheet& sheet);

  // Issues the caller may read in full, in id order; visibility checked row by row.
  std::vector<StoredIssue> ReadableIssues(pqxx::transaction_base& tx, const RequestContext& rc,
                                          IssueFilter filter, const std::string& after, int limit,
                                          std::map<std::string, EngagementSnapshot>& engagements,
                                          std::string* last_candidate, bool* more,
                                          bool include_liaison);

  PgPool& pool_;
  OutboxRelay* relay_;
};

}  // namespace xuncha::issues
