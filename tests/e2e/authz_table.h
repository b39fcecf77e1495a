// The expected outcome of every routed RPC for every kind of principal (issue 9, "Security
// checks"): one row per operation id, one cell per principal kind. The matrix test calls each
// route as each principal against county office A's real objects and compares; an RPC the
// gateway routes that has no row here (and no exemption) fails the test, so a new RPC must be
// added to this table.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace xuncha::e2e {

// The principal kinds, in the column order of the table. The relation to A's objects is part of
// the kind: own office (admin … member, the API clients), lower office (city), other county
// (other, and the seconded member as far as anything but A's engagement goes), other unit
// (other liaison, the organisation department as receiver).
enum class PrincipalKind {
  kAdmin,          // adm: OFFICE_ADMIN of A only
  kStaff,          // stf: OFFICE_STAFF of A, not in the inspection group
  kLeadingGroup,   // led: LEADING_GROUP of A only (approves)
  kMember,         // mem: OFFICE_STAFF of A, member of the group inspecting A's target
  kSeconded,       // sec: OFFICE_STAFF of county B, seconded into that group
  kLiaison,        // lia: UNIT_LIAISON of A's inspected unit
  kOtherLiaison,   // xli: UNIT_LIAISON of another unit of A that is not inspected
  kReceiver,       // rcv: RECEIVER of the commission the clue was referred to
  kOtherReceiver,  // xrc: RECEIVER of the organisation department (nothing referred to it)
  kApiScoped,      // ap+: API client of A holding every scope the services check
  kApiUnscoped,    // ap-: API client of A whose only scope no route asks for
  kCity,           // cty: OFFICE_ADMIN + LEADING_GROUP of the city office above A
  kOtherCounty,    // oth: OFFICE_ADMIN + LEADING_GROUP of county office B
};
inline constexpr int kPrincipalCount = 13;
// Short column names as written in the table ("adm", "stf", …).
const std::array<const char*, kPrincipalCount>& ColumnNames();
// Longer names for messages.
const std::array<const char*, kPrincipalCount>& PrincipalNames();

enum class Expect { kAllow, kDeny };

struct AuthzRow {
  std::string operation;  // "IssuesService_GetIssue"
  std::array<Expect, kPrincipalCount> cells;
  std::string why;  // the rule, in a few words
};

// The parsed table; an error names the malformed row.
absl::StatusOr<std::vector<AuthzRow>> AuthzTable();

}  // namespace xuncha::e2e
