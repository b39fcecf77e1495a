// Clue use cases: one method per RPC, each one transaction (change + audit row + outbox event, or
// read + "clue.read" audit row), with the need-to-know rules from domain.h applied on data read in
// that same transaction.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "domain.h"
#include "repository.h"
#include "xuncha/common/v1/file.pb.h"
#include "xuncha/outbox.h"
#include "xuncha/pg.h"
#include "xuncha/rpc.h"

namespace xuncha::clues {

inline constexpr char kClueSuggestedEvent[] = "issues.issue.clue_suggested";
inline constexpr char kClueReferredEvent[] = "clues.clue.referred";

class CluesApp {
 public:
  // `relay` may be null (events wait in the outbox until a relay runs).
  CluesApp(PgPool& pool, OutboxRelay* relay) : pool_(pool), relay_(relay) {}

  absl::StatusOr<Clue> CreateClue(const RequestContext& rc, const v1::CreateClueRequest& request);
  absl::StatusOr<v1::ListCluesResponse> ListClues(const RequestContext& rc,
                                                  const v1::ListCluesRequest& request);
  absl::StatusOr<Clue> GetClue(const RequestContext& rc, const std::string& id);
  absl::StatusOr<Clue> UpdateClue(const RequestContext& rc, const v1::UpdateClueRequest& request);
  absl::StatusOr<Clue> ApproveClue(const RequestContext& rc, const v1::ApproveClueRequest& request);
  absl::StatusOr<Clue> ReferClue(const RequestContext& rc, const v1::ReferClueRequest& request);
  absl::StatusOr<Clue> AcknowledgeClue(const RequestContext& rc,
                                       const v1::AcknowledgeClueRequest& request);
  absl::StatusOr<Clue> DisposeClue(const RequestContext& rc, const v1::DisposeClueRequest& request);
  absl::StatusOr<v1::ListClueAccessLogResponse> ListClueAccessLog(
      const RequestContext& rc, const v1::ListClueAccessLogRequest& request);
  absl::StatusOr<common::v1::FileContent> ExportClueLedger(
      const RequestContext& rc, const v1::ExportClueLedgerRequest& request);
  absl::StatusOr<v1::ClueBacklog> GetClueBacklog(const RequestContext& rc,
                                                 const v1::GetClueBacklogRequest& request);
  absl::StatusOr<v1::ReferralRules> GetReferralRules(const RequestContext& rc,
                                                     const v1::GetReferralRulesRequest& request);
  absl::StatusOr<v1::ReferralRules> SetReferralRules(const RequestContext& rc,
                                                     const v1::ReferralRules& request);

  // EventHandler for the one consumer on issues' and planning's streams: engagement snapshots
  // keep the replica; clue suggestions register a DRAFT clue, once per issue.
  absl::Status HandleEvent(pqxx::work& tx, const ConsumedEvent& event);

  // Scheduled: `clues.clue.due_soon` / `clues.clue.overdue` once per clue each, for referred
  // clues whose feedback deadline is near or past (one replica scans at a time).
  absl::StatusOr<int> ScanReminders(absl::CivilDay today);

 private:
  // A clue with what the caller is to it, loaded in the caller's transaction.
  struct Loaded {
    Clue clue;
    ClueAccess access;
    ClueView view = ClueView::kNone;
  };
  // NOT_FOUND when the clue does not exist or the caller may not know it does.
  absl::StatusOr<Loaded> Load(pqxx::work& tx, const RequestContext& rc, const std::string& id,
                              bool for_update);
  // A transition: validate → load (locked) → check who and which state → change → save → record.
  absl::StatusOr<Clue> Transition(const RequestContext& rc, absl::string_view method,
                                  const google::protobuf::Message& request, const std::string& id,
                                  const std::function<absl::Status(pqxx::work&, Loaded&)>& change);
  absl::Status WriteOnce(const RequestContext& rc, absl::string_view method,
                         const google::protobuf::Message& request,
                         google::protobuf::Message& response,
                         const std::function<absl::Status(pqxx::work&)>& body);
  absl::Status RegisterSuggestedClue(pqxx::work& tx, const ConsumedEvent& event);

  PgPool& pool_;
  OutboxRelay* relay_;
};

// The clue as this caller may see it, with the deadline status of today.
Clue Present(const Clue& clue, ClueView view, absl::CivilDay today);

}  // namespace xuncha::clues
