#include "domain.h"

#include <sodium.h>

#include <algorithm>
#include <semaphore>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "xuncha/scope.h"

namespace xuncha::directory {
namespace {

bool IsOfficeRole(const Principal& p) {
  return p.HasAnyRole({"OFFICE_ADMIN", "OFFICE_STAFF", "LEADING_GROUP", "VIEWER"});
}

}  // namespace

absl::Status ValidateNewOrgUnit(const v1::OrgUnit& unit) {
  if (auto s = ValidateText("name", unit.name(), 200); !s.ok()) return s;
  if (unit.kind() == v1::OrgUnit::KIND_UNSPECIFIED || !v1::OrgUnit::Kind_IsValid(unit.kind())) {
    return InvalidField(
        "kind",
        "must be one of CITY_COMMITTEE, COUNTY_COMMITTEE, DEPARTMENT, ENTERPRISE_GROUP, "
        "SUBSIDIARY, TOWNSHIP, VILLAGE, PARTY_BRANCH");
  }
  if (auto s = ValidateText("category", unit.category(), 50, false); !s.ok()) return s;
  return ValidateId("parent", unit.parent(), false);
}

absl::Status ValidateNewOffice(const v1::Office& office) {
  if (auto s = ValidateText("name", office.name(), 200); !s.ok()) return s;
  return ValidateId("org_unit_id", office.org_unit_id());
}

absl::Status ValidateNewPerson(const v1::Person& person) {
  if (auto s = ValidateText("name", person.name(), 100); !s.ok()) return s;
  if (auto s = ValidateId("office_id", person.office_id(), false); !s.ok()) return s;
  if (auto s = ValidateId("employer_unit_id", person.employer_unit_id(), false); !s.ok()) return s;
  if (person.expertise_size() > 20) return InvalidField("expertise", "at most 20 tags");
  for (int i = 0; i < person.expertise_size(); ++i) {
    if (auto s = ValidateText(absl::StrCat("expertise[", i, "]"), person.expertise(i), 20);
        !s.ok()) {
      return s;
    }
  }
  if (person.posts_size() > 100) return InvalidField("posts", "at most 100 posts");
  for (int i = 0; i < person.posts_size(); ++i) {
    const auto& post = person.posts(i);
    const std::string f = absl::StrCat("posts[", i, "]");
    if (auto s = ValidateId(f + ".org_unit_id", post.org_unit_id()); !s.ok()) return s;
    if (auto s = ValidateText(f + ".title", post.title(), 100); !s.ok()) return s;
    absl::CivilDay start, end;
    if (!absl::ParseCivilTime(post.start_date(), &start)) {
      return InvalidField(f + ".start_date", "must be a date YYYY-MM-DD");
    }
    if (!post.end_date().empty()) {
      if (!absl::ParseCivilTime(post.end_date(), &end)) {
        return InvalidField(f + ".end_date", "must be a date YYYY-MM-DD or empty");
      }
      if (end < start) return InvalidField(f + ".end_date", "must not be before start_date");
    }
  }
  if (person.relatives_size() > 100) return InvalidField("relatives", "at most 100 relatives");
  for (int i = 0; i < person.relatives_size(); ++i) {
    const auto& r = person.relatives(i);
    const std::string f = absl::StrCat("relatives[", i, "]");
    if (auto s = ValidateId(f + ".org_unit_id", r.org_unit_id()); !s.ok()) return s;
    if (auto s = ValidateText(f + ".relation", r.relation(), 20); !s.ok()) return s;
    if (auto s = ValidateText(f + ".name", r.name(), 100, false); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ValidateNewUser(const v1::User& user, absl::string_view password) {
  const std::string& name = user.username();
  const bool name_ok =
      name.size() >= 3 && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '.' || c == '_' || c == '-';
      });
  if (!name_ok) {
    return InvalidField("user.username", "3-64 characters of a-z, 0-9, '.', '_' or '-'");
  }
  if (Utf8Length(password) < 12 || Utf8Length(password) > 128) {
    return InvalidField("password", "must be 12 to 128 characters");
  }
  if (user.roles_size() == 0) return InvalidField("user.roles", "at least one role");
  bool needs_unit = false;
  bool platform = false;
  for (int i = 0; i < user.roles_size(); ++i) {
    const auto role = user.roles(i);
    if (role == v1::User::ROLE_UNSPECIFIED || !v1::User::Role_IsValid(role)) {
      return InvalidField(absl::StrCat("user.roles[", i, "]"), "unknown role");
    }
    needs_unit |= role == v1::User::UNIT_LIAISON || role == v1::User::RECEIVER;
    platform |= role == v1::User::PLATFORM_ADMIN;
  }
  if (auto s = ValidateId("user.office_id", user.office_id(), !platform); !s.ok()) return s;
  if (auto s = ValidateId("user.person_id", user.person_id(), false); !s.ok()) return s;
  if (auto s = ValidateId("user.unit_id", user.unit_id(), needs_unit); !s.ok()) {
    return needs_unit && user.unit_id().empty()
               ? InvalidField("user.unit_id", "must be set for UNIT_LIAISON and RECEIVER")
               : s;
  }
  return absl::OkStatus();
}

absl::Status ValidateScope(absl::string_view field, absl::string_view scope) {
  std::size_t colon = scope.find(':');
  bool ok = colon != absl::string_view::npos && colon > 0 && colon + 1 < scope.size() &&
            scope.size() <= 64;
  for (std::size_t i = 0; ok && i < scope.size(); ++i) {
    char c = scope[i];
    ok = i == colon || absl::ascii_islower(c) || c == '_';
  }
  if (!ok) return InvalidField(field, absl::StrCat("'", scope, "' is not of the form area:action"));
  return absl::OkStatus();
}

absl::Status ValidateNewApiClient(const v1::ApiClient& client) {
  if (auto s = ValidateText("name", client.name(), 200); !s.ok()) return s;
  if (auto s = ValidateId("office_id", client.office_id()); !s.ok()) return s;
  if (client.scopes_size() == 0) return InvalidField("scopes", "at least one scope");
  for (int i = 0; i < client.scopes_size(); ++i) {
    if (auto s = ValidateScope(absl::StrCat("scopes[", i, "]"), client.scopes(i)); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

bool CanReadDirectory(const Principal& principal, const OfficeRef& owner,
                      absl::string_view unit_path) {
  if (principal.IsPlatformAdmin()) return true;
  if (principal.IsApiClient()) {
    return principal.HasScope("directory:read") && !owner.path.empty() &&
           PathWithin(owner.path, principal.office_path);
  }
  if (IsOfficeRole(principal) && !owner.path.empty() &&
      PathWithin(owner.path, principal.office_path)) {
    return true;
  }
  // Liaisons and receivers see the unit they act for, nothing around it.
  return principal.HasAnyRole({"UNIT_LIAISON", "RECEIVER"}) && !principal.unit_path.empty() &&
         unit_path == principal.unit_path;
}

bool CanManageDirectory(const Principal& principal, const OfficeRef& owner) {
  if (principal.IsPlatformAdmin()) return true;
  if (owner.id.empty() || principal.office_id != owner.id) return false;
  if (principal.IsApiClient()) return principal.HasScope("directory:write");
  return principal.HasRole("OFFICE_ADMIN");
}

absl::Status Denied(absl::string_view action, absl::string_view resource) {
  return absl::PermissionDeniedError(absl::StrCat("not allowed to ", action, " ", resource));
}

absl::Status CheckCanCreateUser(const Principal& principal, const v1::User& user) {
  if (principal.IsPlatformAdmin()) return absl::OkStatus();
  for (int role : user.roles()) {
    if (role == v1::User::PLATFORM_ADMIN) {
      return Denied("grant", "PLATFORM_ADMIN (platform admins only)");
    }
  }
  if (principal.IsApiClient() || !principal.HasRole("OFFICE_ADMIN") ||
      principal.office_id != user.office_id()) {
    return Denied("create accounts in office", user.office_id());
  }
  return absl::OkStatus();
}

bool IsLocked(const LoginState& state, absl::Time now) {
  return state.locked_until.has_value() && *state.locked_until > now;
}

LoginState AfterFailedLogin(const LoginState& state, const LoginPolicy& policy, absl::Time now) {
  LoginState next = state;
  next.failed_logins += 1;
  if (next.failed_logins >= policy.max_failures) {
    next.failed_logins = 0;
    next.locked_until = now + policy.lockout;
  }
  return next;
}

absl::StatusOr<HashStrength> ParseHashStrength(absl::string_view name) {
  if (name.empty() || name == "interactive") return HashStrength::kInteractive;
  if (name == "moderate") return HashStrength::kModerate;
  if (name == "fast") return HashStrength::kFast;
  return absl::InvalidArgumentError(
      absl::StrCat("password_hash: '", name, "' must be interactive, moderate or fast"));
}

namespace {

// Each argon2id run takes tens of MiB (64 MiB at the interactive limits) and a core for ~0.2 s;
// with 128 handler threads a login burst could exhaust memory. At most this many run at once,
// the rest wait their turn.
std::counting_semaphore<4> g_password_hash_slots(4);

struct HashSlot {
  HashSlot() { g_password_hash_slots.acquire(); }
  ~HashSlot() { g_password_hash_slots.release(); }
};

}  // namespace

absl::StatusOr<std::string> HashPassword(absl::string_view password, HashStrength strength) {
  static const bool sodium_ready = sodium_init() >= 0;
  if (!sodium_ready) return absl::InternalError("libsodium failed to initialise");
  unsigned long long ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
  size_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
  if (strength == HashStrength::kModerate) {
    ops = crypto_pwhash_OPSLIMIT_MODERATE;
    mem = crypto_pwhash_MEMLIMIT_MODERATE;
  } else if (strength == HashStrength::kFast) {
    ops = crypto_pwhash_OPSLIMIT_MIN;
    mem = crypto_pwhash_MEMLIMIT_MIN;
  }
  char out[crypto_pwhash_STRBYTES];
  HashSlot slot;
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), ops, mem,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError("password hashing ran out of memory");
  }
  return std::string(out);
}

bool VerifyPassword(absl::string_view stored_hash, absl::string_view password) {
  std::string hash(stored_hash);  // libsodium wants a NUL-terminated string
  HashSlot slot;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

}  // namespace xuncha::directory
