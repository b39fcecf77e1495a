// Directory rules with no gRPC or SQL in them: input validation, who may see and change what,
// login lockout, password hashing. The repository and the gRPC adapter call these.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "xuncha/auth.h"
#include "xuncha/directory/v1/directory.pb.h"
#include "xuncha/validation.h"

namespace xuncha::directory {

namespace v1 = ::xuncha::directory::v1;

// --- Validation (INVALID_ARGUMENT naming the field and the rule) ----------------------------

absl::Status ValidateNewOrgUnit(const v1::OrgUnit& unit);
absl::Status ValidateNewOffice(const v1::Office& office);
absl::Status ValidateNewPerson(const v1::Person& person);
absl::Status ValidateNewUser(const v1::User& user, absl::string_view password);
absl::Status ValidateNewApiClient(const v1::ApiClient& client);
absl::Status ValidateScope(absl::string_view field, absl::string_view scope);

// --- Access ----------------------------------------------------------------------------------

// The office that owns a record: the nearest office at or above an org unit.
struct OfficeRef {
  std::string id;    // empty when no office sits above (only the platform admin manages those)
  std::string path;  // ltree path of the office's org unit
};

// Reading the org tree, offices and people: office roles read their office's subtree; a unit
// liaison or receiver reads their own unit only; API clients need scope directory:read.
bool CanReadDirectory(const Principal& principal, const OfficeRef& owner,
                      absl::string_view unit_path);
// Changing them: OFFICE_ADMIN of the owning office (or the platform admin). API clients need
// directory:write and their own office.
bool CanManageDirectory(const Principal& principal, const OfficeRef& owner);

// PERMISSION_DENIED with a message that says what was refused.
absl::Status Denied(absl::string_view action, absl::string_view resource);

// Who may create an account with these roles in this office.
absl::Status CheckCanCreateUser(const Principal& principal, const v1::User& user);

// --- Login lockout ---------------------------------------------------------------------------

struct LoginPolicy {
  int max_failures = 5;
  absl::Duration lockout = absl::Minutes(15);
};

struct LoginState {
  int failed_logins = 0;
  std::optional<absl::Time> locked_until;
};

bool IsLocked(const LoginState& state, absl::Time now);
// The state after one more wrong password: the Nth failure locks the account and resets the
// count, so the next window starts afresh.
LoginState AfterFailedLogin(const LoginState& state, const LoginPolicy& policy, absl::Time now);

// --- Passwords (argon2id, libsodium) ---------------------------------------------------------

enum class HashStrength {
  kInteractive,  // libsodium's interactive limits: the production default
  kModerate,
  kFast,  // minimum limits, for tests only (a config switch, never a default)
};
absl::StatusOr<HashStrength> ParseHashStrength(absl::string_view name);
absl::StatusOr<std::string> HashPassword(absl::string_view password, HashStrength strength);
bool VerifyPassword(absl::string_view stored_hash, absl::string_view password);

}  // namespace xuncha::directory
