// Rectification use cases: one method per RPC, each one transaction (change + audit row + outbox
// event), with the access rules from domain.h applied on data read in that same transaction.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "domain.h"
#include "repository.h"
#include "xuncha/calendar.h"
#include "xuncha/common/v1/file.pb.h"
#include "xuncha/embedded.h"
#include "xuncha/outbox.h"
#include "xuncha/pg.h"
#include "xuncha/rpc.h"

namespace xuncha::rectification {

class RectificationApp {
 public:
  // `relay` may be null (events wait in the outbox until a relay runs).
  RectificationApp(PgPool& pool, OutboxRelay* relay);

  // Stores the years of the shipped calendar file(s) that the replica does not hold yet (a year
  // already there may be directory's correction and stays). At startup, after migrations.
  absl::Status SeedCalendar(const EmbeddedFileList& files);

  // EventHandler for the one consumer on the issues, planning, directory and fieldwork streams.
  absl::Status HandleEvent(pqxx::work& tx, const ConsumedEvent& event);

  absl::StatusOr<v1::ListRectificationCasesResponse> ListCases(
      const RequestContext& rc, const v1::ListRectificationCasesRequest& request);
  // The report due date comes from the local calendar replica.
  absl::StatusOr<Case> GetCase(const RequestContext& rc, const std::string& id);
  absl::StatusOr<v1::SupervisionVisit> AddSupervisionVisit(
      const RequestContext& rc, const v1::AddSupervisionVisitRequest& request);
  absl::StatusOr<v1::CaseReport> AddCaseReport(const RequestContext& rc,
                                               const v1::AddCaseReportRequest& request);
  absl::StatusOr<v1::Disclosure> AddDisclosure(const RequestContext& rc,
                                               const v1::AddDisclosureRequest& request);
  absl::StatusOr<v1::RuleMade> AddRuleMade(const RequestContext& rc,
                                           const v1::AddRuleMadeRequest& request);
  absl::StatusOr<v1::Recheck> DrawRecheck(const RequestContext& rc,
                                          const v1::DrawRecheckRequest& request);
  absl::StatusOr<v1::Recheck> RecordRecheckResult(const RequestContext& rc,
                                                  const v1::RecordRecheckResultRequest& request);
  absl::StatusOr<Case> AcceptCase(const RequestContext& rc,
                                  const v1::AcceptRectificationCaseRequest& request);

  absl::StatusOr<Item> GetItem(const RequestContext& rc, const std::string& id);
  absl::StatusOr<Item> UpdatePlan(const RequestContext& rc,
                                  const v1::UpdateRectificationPlanRequest& request);
  absl::StatusOr<Item> StartItem(const RequestContext& rc,
                                 const v1::StartRectificationItemRequest& request);
  absl::StatusOr<Item> ReturnPlan(const RequestContext& rc,
                                  const v1::ReturnRectificationPlanRequest& request);
  absl::StatusOr<Item> CompleteItem(const RequestContext& rc,
                                    const v1::CompleteRectificationItemRequest& request);
  absl::StatusOr<Item> AcceptItem(const RequestContext& rc,
                                  const v1::AcceptRectificationItemRequest& request);
  absl::StatusOr<Item> RejectItem(const RequestContext& rc,
                                  const v1::RejectRectificationItemRequest& request);
  absl::StatusOr<Item> ReopenItem(const RequestContext& rc,
                                  const v1::ReopenRectificationItemRequest& request);

  // One reminder scan: rectification.item.due_soon / .overdue once per item, state and
  // reopening, and rectification.report.due_soon / .overdue once per case and due date. Returns
  // how many were emitted; 0 without scanning when another replica holds the scan lock.
  absl::StatusOr<int> ScanReminders(absl::CivilDay today);
  // Folds the statistics deltas into the summary and moves its overdue counts to `today`
  // (migration 0003); returns how many delta rows were folded, 0 without folding when another
  // replica holds the fold lock.
  absl::StatusOr<int> FoldStats(absl::CivilDay today);

  absl::StatusOr<::xuncha::common::v1::FileContent> Export(
      const RequestContext& rc, const v1::ExportRectificationItemsRequest& request);
  absl::StatusOr<v1::RectificationStats> Stats(const RequestContext& rc,
                                               const v1::GetRectificationStatsRequest& request);
  absl::StatusOr<v1::RectificationSettings> GetSettings(const RequestContext& rc);
  absl::StatusOr<v1::RectificationSettings> UpdateSettings(
      const RequestContext& rc, const v1::RectificationSettings& settings);

 private:
  absl::Status ApplyFeedback(pqxx::work& tx, const ConsumedEvent& event);
  absl::Status ApplyCalendarYear(pqxx::work& tx, const ConsumedEvent& event);
  absl::Status ApplyEvidence(pqxx::work& tx, const ConsumedEvent& event);
  // The replica's calendar, reloaded when another transaction (this replica's consumer or
  // another replica's) has stored a year since it was last read.
  absl::StatusOr<std::shared_ptr<const WorkingCalendar>> Calendar(pqxx::work& tx);
  // INVALID_ARGUMENT naming `field[i]` for the first id fieldwork has not linked to the
  // engagement.
  absl::Status CheckEvidenceExists(pqxx::work& tx, absl::string_view field,
                                   const std::string& engagement_id,
                                   const std::vector<std::string>& ids);
  // One kind of item reminder for items due in [from, to].
  absl::StatusOr<int> RemindItems(pqxx::work& tx, const RequestContext& system, ReminderKind kind,
                                  std::optional<absl::CivilDay> from, absl::CivilDay to);
  // Who the caller is on the case's engagement: the replica when it has the engagement (members,
  // access window), else the case's own office and unit paths.
  CaseAccess Access(pqxx::transaction_base& tx, const RequestContext& rc, const CaseScope& scope);
  // IdempotentTransact, then a nudge to the relay.
  absl::Status Write(const RequestContext& rc, absl::string_view method,
                     const google::protobuf::Message& request, google::protobuf::Message& response,
                     const std::function<absl::Status(pqxx::work&)>& change);
  // A follow-up finding (回头看, a failed 抽查) takes an accepted case back to OPEN.
  absl::Status ReopenCaseIfAccepted(pqxx::work& tx, const RequestContext& rc,
                                    const std::string& case_id);
  // Loads the case for a unit-or-office record (reports, disclosures, rules) and checks the date
  // against the feedback date.
  absl::StatusOr<StoredCase> CaseForRecord(pqxx::work& tx, const RequestContext& rc,
                                           const std::string& case_id, absl::string_view what,
                                           absl::string_view date_field, const std::string& date);
  enum class Actor { kOffice, kUnit };
  // The shared path of every item transition: load for update, check who may, move, record.
  absl::StatusOr<Item> TransitionItem(const RequestContext& rc, absl::string_view method,
                                      const google::protobuf::Message& request,
                                      const std::string& id, ItemAction action, Actor actor,
                                      Repository::Transition transition);

  PgPool& pool_;
  OutboxRelay* relay_;
  std::mutex calendar_mu_;
  std::shared_ptr<const WorkingCalendar> calendar_;
  int64_t calendar_version_ = -1;
};

}  // namespace xuncha::rectification
