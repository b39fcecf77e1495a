#include "xuncha/engagements.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "xuncha/calendar.h"
#include "xuncha/log.h"
#include "xuncha/pg.h"
#include "xuncha/scope.h"

namespace xuncha {

EngagementAccess AccessTo(const Principal& principal, const EngagementSnapshot& engagement,
                          absl::CivilDay today) {
  EngagementAccess access;
  const bool staff =
      principal.HasAnyRole({"OFFICE_ADMIN", "OFFICE_STAFF", "LEADING_GROUP", "VIEWER"});
  if (principal.IsPlatformAdmin()) {
    access.office_above = true;  // the platform admin reads for support, never writes records
  }
  if (principal.IsApiClient() && principal.office_id == engagement.office_id()) {
    access.api_client = true;
  }
  if (staff && !principal.office_id.empty()) {
    if (principal.office_id == engagement.office_id()) {
      access.office = true;
      access.leadership = principal.HasAnyRole({"OFFICE_ADMIN", "LEADING_GROUP"});
    } else if (PathWithin(engagement.office_path(), principal.office_path)) {
      access.office_above = true;
    }
  }
  if (!principal.person_id.empty() && !principal.IsApiClient()) {
    for (const auto& m : engagement.members()) {
      if (m.person_id() != principal.person_id) continue;
      absl::CivilDay start, end;
      const bool started =
          engagement.access_start().empty() ||
          (absl::ParseCivilTime(engagement.access_start(), &start) && today >= start);
      const bool not_ended = engagement.access_end().empty() ||
                             (absl::ParseCivilTime(engagement.access_end(), &end) && today <= end);
      if (started && not_ended) {
        access.member = true;
        access.leader = m.role() == EngagementSnapshot::Member::LEADER ||
                        m.role() == EngagementSnapshot::Member::DEPUTY;
      }
    }
  }
  if (principal.HasRole("UNIT_LIAISON") && !principal.unit_path.empty() &&
      PathWithin(engagement.target_unit_path(), principal.unit_path)) {
    access.liaison = true;
  }
  return access;
}

absl::Status ApplyEngagementSnapshot(pqxx::work& tx, const EngagementSnapshot& engagement) {
  if (engagement.id().empty()) return absl::InvalidArgumentError("engagement: id is empty");
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(engagement, &json).ok()) {
    return absl::InternalError("engagement snapshot does not serialise");
  }
  // The WHERE on the conflict branch keeps an older or repeated delivery from rolling back.
  pqxx::result r = PgExec(
      tx,
      "INSERT INTO engagements (id, version, office_id, office_path, target_unit_id, "
      "target_unit_path, snapshot) VALUES ($1, $2, $3, $4::ltree, $5, $6::ltree, $7) "
      "ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, office_id = EXCLUDED.office_id, "
      "office_path = EXCLUDED.office_path, target_unit_id = EXCLUDED.target_unit_id, "
      "target_unit_path = EXCLUDED.target_unit_path, snapshot = EXCLUDED.snapshot, "
      "updated_at = now() WHERE engagements.version < EXCLUDED.version RETURNING id",
      engagement.id(), engagement.version(), engagement.office_id(), engagement.office_path(),
      engagement.target_unit_id(), engagement.target_unit_path(), json);
  if (r.empty()) return absl::OkStatus();  // we already had this version or a newer one
  PgExec(tx, "DELETE FROM engagement_members WHERE engagement_id = $1", engagement.id());
  for (const auto& m : engagement.members()) {
    PgExec(tx,
           "INSERT INTO engagement_members (engagement_id, person_id, role) VALUES ($1, $2, $3) "
           "ON CONFLICT DO NOTHING",
           engagement.id(), m.person_id(), EngagementSnapshot::Member::Role_Name(m.role()));
  }
  return absl::OkStatus();
}

absl::StatusOr<EngagementSnapshot> LoadEngagement(pqxx::transaction_base& tx, const std::string& id,
                                                  absl::string_view field) {
  pqxx::result r = PgExec(tx, "SELECT snapshot FROM engagements WHERE id = $1", id);
  if (r.empty()) {
    return absl::NotFoundError(absl::StrCat(field, ": engagement ", id, " not found"));
  }
  EngagementSnapshot out;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(r[0][0].as<std::string>(), &out, options).ok()) {
    return absl::InternalError(absl::StrCat("engagement ", id, ": stored snapshot unreadable"));
  }
  return out;
}

absl::Status HandleEngagementEvent(pqxx::work& tx, const ConsumedEvent& event) {
  if (event.type != kEngagementChangedEvent) return absl::OkStatus();
  EngagementSnapshot snapshot;
  if (!ParseEventPayload(event, &snapshot)) {
    // A malformed event will never parse: record it as processed rather than retry forever.
    log::Error("engagement event unreadable, skipped", {{"event_id", event.event_id}});
    return absl::OkStatus();
  }
  return ApplyEngagementSnapshot(tx, snapshot);
}

absl::CivilDay TodayInChina() {
  static const absl::TimeZone kChina = absl::FixedTimeZone(8 * 3600);
  return absl::ToCivilDay(absl::Now(), kChina);
}

}  // namespace xuncha
