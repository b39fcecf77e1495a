// Clue rules with no gRPC or SQL in them: input validation, the state machine, who may see and
// do what (need-to-know), referral routing, feedback deadlines, backlog arithmetic and the CSV
// ledger. The repository and the gRPC adapter call these.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "xuncha/auth.h"
#include "xuncha/clues/v1/clues.pb.h"
#include "xuncha/engagements.h"
#include "xuncha/table_export.h"
#include "xuncha/validation.h"

namespace xuncha::clues {

namespace v1 = ::xuncha::clues::v1;
using v1::Clue;

inline constexpr int kDefaultFeedbackMonths = 3;
// DUE_SOON this many days before the feedback deadline: the reminder window.
inline constexpr int kReminderDays = 14;

// --- Validation (INVALID_ARGUMENT naming the field and the rule) ----------------------------

// The descriptive fields a group may set on a new or DRAFT clue. Missing subject/level/matter are
// allowed on a draft (issues suggests clues without them) but not on approval.
absl::Status ValidateClueFields(const Clue& clue);
absl::Status ValidateNewClue(const Clue& clue);
// What approval needs: a clue that can be routed and understood by the receiver.
absl::Status CheckReadyForApproval(const Clue& clue);
absl::Status ValidateReferral(const v1::ReferClueRequest& request);
absl::Status ValidateDisposal(const v1::DisposeClueRequest& request);
absl::Status ValidateReferralRules(const v1::ReferralRules& rules);

// The cadre level named in an issue's clue suggestion ("市管", "CITY_MANAGED"); UNSPECIFIED when
// unknown, so the group completes it before approval.
Clue::CadreLevel ParseCadreLevel(absl::string_view text);

// --- State machine ---------------------------------------------------------------------------

// OK when `to` directly follows `from` (DRAFT → APPROVED → REFERRED → ACKNOWLEDGED → DISPOSED);
// otherwise FAILED_PRECONDITION naming both states.
absl::Status CheckTransition(Clue::State from, Clue::State to);

// --- Need-to-know access ---------------------------------------------------------------------

// What a caller is to one clue. Unit liaisons are none of these, ever.
struct ClueAccess {
  bool group = false;       // member of the registering group, within its access window
  bool leadership = false;  // OFFICE_ADMIN / LEADING_GROUP of the owning office
  bool receiver = false;    // the receiving body (RECEIVER user or case-system API client)
};

enum class ClueView { kNone, kReceipt, kFull };

// True for callers that never see a clue, whatever else they hold (DESIGN.md §3).
bool IsUnitLiaison(const Principal& principal);
// The receiving body of a referral: a RECEIVER user of that unit, or an API client with scope
// clues:read or clues:disposition whose unit (or office org unit) is that body. Acting on a clue
// additionally needs clues:disposition for API clients (CheckCanActAsReceiver).
bool IsReceiverOf(const Principal& principal, absl::string_view unit_id,
                  absl::string_view unit_path);
// `group_member`: AccessTo(...).member on the clue's engagement (the window is planning's rule).
ClueAccess AccessToClue(const Principal& principal, bool group_member, const Clue& clue);
bool IsOfficeLeadership(const Principal& principal, absl::string_view office_id);
// PERMISSION_DENIED unless the receiver may record acknowledgement/disposal.
absl::Status CheckCanActAsReceiver(const Principal& principal, const ClueAccess& access);
// The group needs the details until the handover; leadership keeps them unless the clue went to
// a body outside its own tree (a county's 市管 clue goes to the city commission, and the county
// keeps the receipt); the receiver sees what was referred to it.
ClueView ViewOf(const ClueAccess& access, const Clue& clue);
// The referral receipt: which body got it, when and under which document number; no details.
Clue ReceiptOf(const Clue& clue);
// True when the receiving body lies outside the office's own org subtree.
bool ReferredOutsideOffice(const Clue& clue);

// --- Referral routing ------------------------------------------------------------------------

// The receiving body for a clue: the most specific rule wins (level+matter, then level, then
// matter, then the catch-all). FAILED_PRECONDITION when no rule matches.
absl::StatusOr<v1::ReferralRule> RouteClue(const std::vector<v1::ReferralRule>& rules,
                                           Clue::CadreLevel level, Clue::MatterType matter);

// --- Deadlines and backlog -------------------------------------------------------------------

// `months` calendar months after `day`, clamped to the end of a shorter month (11-30 + 3 →
// 02-28).
absl::CivilDay AddMonths(absl::CivilDay day, int months);
absl::StatusOr<absl::CivilDay> ParseDay(absl::string_view field, absl::string_view value);
std::string FormatDay(absl::CivilDay day);
Clue::DeadlineStatus DeadlineStatusOf(const Clue& clue, absl::CivilDay today);

// Counts `n` clues like `clue` into `counts` (only undisposed ones count; `cleared` follows
// `overdue`).
void AddToBacklog(v1::BacklogCounts& counts, const Clue& clue, absl::CivilDay today, int n = 1);
// Clues that count alike in the backlog (same state, office, receiver and referral dates), and
// how many there are: the repository groups them so a city's backlog is not built clue by clue.
struct BacklogGroup {
  Clue clue;  // only state, office, referral receiver and dates are read
  int count = 1;
};
// The whole backlog under `org`: per office (own and rolled-up subtree), per receiving body.
v1::ClueBacklog BuildBacklog(absl::string_view org, const std::vector<BacklogGroup>& groups,
                             absl::CivilDay today);

// --- Ledger (线索台账) -----------------------------------------------------------------------

// UTF-8 with BOM (so Excel reads the Chinese), CRLF lines, Chinese headers. Receipt-only clues
// show only their referral columns.
// The clue ledger (线索台账): receipt rows carry no details, kNone rows are left out.
Table ClueLedgerTable(const std::vector<std::pair<Clue, ClueView>>& rows, absl::CivilDay today);

// Chinese names for the ledger.
std::string StateLabel(Clue::State state);
std::string CadreLevelLabel(Clue::CadreLevel level);
std::string MatterTypeLabel(Clue::MatterType matter);
std::string DisposalLabel(v1::Disposal::Type type);

}  // namespace xuncha::clues
