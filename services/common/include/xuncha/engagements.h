// Engagements (one inspection group × one target unit) as every service sees them: a local
// replica kept from planning's `planning.engagement.changed` events, and the one rule for who
// may do what on an engagement (DESIGN.md §3). Services build their own, finer rules on top of
// EngagementAccess; they never call planning per request.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "xuncha/auth.h"
#include "xuncha/common/v1/engagement.pb.h"
#include "xuncha/outbox.h"
#include "xuncha/pg.h"

namespace xuncha {

using EngagementSnapshot = ::xuncha::common::v1::EngagementSnapshot;

inline constexpr char kEngagementChangedEvent[] = "planning.engagement.changed";

struct EngagementAccess {
  bool office = false;      // staff of the owning office (OFFICE_ADMIN/STAFF/LEADING_GROUP/VIEWER)
  bool leadership = false;  // OFFICE_ADMIN or LEADING_GROUP of the owning office
  bool office_above = false;  // staff of an office above the owner: read-only
  bool member = false;        // in the group, within the access window (also when seconded)
  bool leader = false;        // 组长 or 副组长, within the access window
  bool liaison = false;       // UNIT_LIAISON of the target unit
  bool api_client = false;    // an API client of the owning office (scopes checked by the caller)

  // An API client of the owning office holding `scope`: the one way services decide an API
  // client's reads (DESIGN.md §3: "their office and their scopes"), each naming its own scope.
  bool ApiClientHolds(const Principal& principal, absl::string_view scope) const {
    return api_client && principal.HasScope(scope);
  }

  // May read the engagement's inspection records (not liaison-only material).
  bool CanReadRecords() const { return office || office_above || member || api_client; }
  // May write inspection records (group work) on it.
  bool CanWriteRecords() const { return member || office; }
};

// `today` bounds the member access window (cross inspections lose access after stationing).
EngagementAccess AccessTo(const Principal& principal, const EngagementSnapshot& engagement,
                          absl::CivilDay today);

// Upserts the snapshot unless the replica already holds the same or a newer version.
absl::Status ApplyEngagementSnapshot(pqxx::work& tx, const EngagementSnapshot& engagement);

// NOT_FOUND naming `field` when the replica has no such engagement (yet).
absl::StatusOr<EngagementSnapshot> LoadEngagement(pqxx::transaction_base& tx, const std::string& id,
                                                  absl::string_view field = "engagement_id");

// EventHandler for an EventConsumer on planning's stream: applies engagement events and ignores
// the others.
absl::Status HandleEngagementEvent(pqxx::work& tx, const ConsumedEvent& event);

// Today's date in China (UTC+8), the calendar the offices work by.
absl::CivilDay TodayInChina();

}  // namespace xuncha
