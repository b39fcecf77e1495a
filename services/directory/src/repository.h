// Directory's SQL, one named function per query, all inside the caller's transaction.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "domain.h"
#include "xuncha/calendar.h"
#include "xuncha/paging.h"

namespace xuncha::directory {

struct StoredOrgUnit {
  v1::OrgUnit unit;  // path and office_id (owner) filled
  OfficeRef owner;
};

struct StoredOffice {
  v1::Office office;  // path and parent_office_id filled
  OfficeRef ref() const { return {office.id(), office.path()}; }
};

struct LoginRecord {
  std::string user_id;
  std::string password_hash;
  LoginState state;
  TokenClaims claims;  // subject fields, office and unit paths, roles (no iss/iat/exp/jti)
};

struct ClientRecord {
  std::string secret_hash;
  TokenClaims claims;
};

class Repository {
 public:
  // --- org tree
  static absl::StatusOr<StoredOrgUnit> GetOrgUnit(pqxx::transaction_base& tx, const std::string& id,
                                                  absl::string_view field = "id");
  static OfficeRef OwningOffice(pqxx::transaction_base& tx, const std::string& path);
  // An office seated at `path` or below it (the shallowest; id empty when there is none).
  static OfficeRef OfficeWithin(pqxx::transaction_base& tx, const std::string& path);
  static v1::OrgUnit InsertOrgUnit(pqxx::work& tx, const v1::OrgUnit& unit,
                                   const std::string& parent_path);
  static void UpdateOrgUnit(pqxx::work& tx, const std::string& id, const std::string& name,
                            const std::string& category);
  static void MoveSubtree(pqxx::work& tx, const std::string& id, const std::string& old_path,
                          const std::string& new_parent_id, const std::string& new_parent_path);
  // Children of `parent_id`, or (parent_id empty) the top units among `visible_paths`
  // (every root when `all_roots`).
  static std::vector<v1::OrgUnit> ListOrgUnits(pqxx::transaction_base& tx,
                                               const std::string& parent_id,
                                               const std::vector<std::string>& visible_paths,
                                               bool all_roots, const Page& page);

  // --- offices
  static v1::Office InsertOffice(pqxx::work& tx, const v1::Office& office);
  static absl::StatusOr<StoredOffice> GetOffice(pqxx::transaction_base& tx, const std::string& id,
                                                absl::string_view field = "id");
  // Offices whose path lies under `within` (all when empty); with `parent_office_id`, only
  // those whose nearest office above is that one.
  static std::vector<v1::Office> ListOffices(pqxx::transaction_base& tx, const std::string& within,
                                             const std::string& parent_office_id, const Page& page);

  // --- people
  static v1::Person InsertPerson(pqxx::work& tx, const v1::Person& person);
  static absl::StatusOr<v1::Person> GetPerson(pqxx::transaction_base& tx, const std::string& id);
  static std::vector<v1::Person> ListPeople(pqxx::transaction_base& tx,
                                            const std::string& office_id,
                                            const std::string& expertise, const Page& page);
  // NOT_FOUND naming `field` when a referenced unit does not exist.
  static absl::Status CheckOrgUnitExists(pqxx::transaction_base& tx, const std::string& id,
                                         absl::string_view field);

  // --- accounts
  static bool AnyUserExists(pqxx::transaction_base& tx);
  static absl::StatusOr<v1::User> InsertUser(pqxx::work& tx, const v1::User& user,
                                             const std::string& password_hash);
  static absl::StatusOr<v1::User> GetUser(pqxx::transaction_base& tx, const std::string& id);
  static std::optional<LoginRecord> FindLogin(pqxx::transaction_base& tx,
                                              const std::string& username, bool for_update);
  static std::optional<LoginRecord> FindLoginById(pqxx::transaction_base& tx,
                                                  const std::string& user_id);
  static void SaveLoginState(pqxx::work& tx, const std::string& user_id, const LoginState& state);
  static v1::ApiClient InsertApiClient(pqxx::work& tx, const v1::ApiClient& client,
                                       const std::string& secret_hash);
  static std::optional<ClientRecord> FindClient(pqxx::transaction_base& tx,
                                                const std::string& client_id);
  static std::optional<ClientRecord> FindClientById(pqxx::transaction_base& tx,
                                                    const std::string& id) {
    return FindClient(tx, id);
  }

  // --- refresh tokens (only hashes are stored)
  static void InsertRefreshToken(pqxx::work& tx, const std::string& token_hash,
                                 TokenClaims::SubjectKind kind, const std::string& subject_id,
                                 absl::Time expires_at);
  struct RefreshRecord {
    TokenClaims::SubjectKind kind;
    std::string subject_id;
    bool active = false;
  };
  // Locks the row so that two concurrent refreshes with one token cannot both succeed.
  static std::optional<RefreshRecord> FindRefreshToken(pqxx::transaction_base& tx,
                                                       const std::string& token_hash);
  static void RevokeRefreshToken(pqxx::work& tx, const std::string& token_hash);

  // --- calendar
  static std::string CalendarVersion(pqxx::transaction_base& tx);
  static absl::StatusOr<WorkingCalendar> LoadCalendar(pqxx::transaction_base& tx);
  static void ReplaceCalendarYear(pqxx::work& tx, int year, const std::vector<CalendarEntry>& e,
                                  const std::string& source);
  static bool CalendarYearExists(pqxx::transaction_base& tx, int year);
};

}  // namespace xuncha::directory
