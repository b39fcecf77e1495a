// Directory use cases: one method per RPC, each one transaction (change + audit row + outbox
// event), with the access rules from domain.h applied on data read in that same transaction.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "domain.h"
#include "org_unit_cache.h"
#include "repository.h"
#include "xuncha/auth.h"
#include "xuncha/calendar.h"
#include "xuncha/embedded.h"
#include "xuncha/outbox.h"
#include "xuncha/pg.h"
#include "xuncha/redis.h"
#include "xuncha/rpc.h"

namespace xuncha::directory {

struct DirectorySettings {
  absl::Duration access_token_ttl = absl::Minutes(15);
  absl::Duration refresh_token_ttl = absl::Hours(24 * 7);
  LoginPolicy login;
  HashStrength password_hash = HashStrength::kInteractive;
  std::size_t org_unit_cache_size = 100'000;  // 0: no cache
};

class DirectoryApp {
 public:
  // `auth` revokes access tokens; `relay` may be null (events wait in the outbox).
  DirectoryApp(PgPool& pool, const Authenticator& auth, OutboxRelay* relay, TokenSigner signer,
               DirectorySettings settings);

  // First start on an empty database: create the platform admin. Returns the password when it
  // was generated (to be printed once), "" when one was given or an account already exists.
  absl::StatusOr<std::string> Bootstrap(const std::string& admin_password);
  // Loads shipped calendar years that the database does not have yet.
  absl::Status SeedCalendar(const EmbeddedFileList& files);

  absl::StatusOr<v1::IssueTokenResponse> IssueToken(const v1::IssueTokenRequest& request);
  absl::Status RevokeToken(const RequestContext& rc, const v1::RevokeTokenRequest& request);
  v1::CurrentUser GetCurrentUser(const RequestContext& rc);

  absl::StatusOr<v1::OrgUnit> CreateOrgUnit(const RequestContext& rc, const v1::OrgUnit& unit);
  absl::StatusOr<v1::OrgUnit> GetOrgUnit(const RequestContext& rc, const std::string& id);
  absl::StatusOr<v1::ListOrgUnitsResponse> ListOrgUnits(const RequestContext& rc,
                                                        const v1::ListOrgUnitsRequest& request);
  absl::StatusOr<v1::OrgUnit> UpdateOrgUnit(const RequestContext& rc,
                                            const v1::UpdateOrgUnitRequest& request);
  absl::StatusOr<v1::OrgUnit> MoveOrgUnit(const RequestContext& rc,
                                          const v1::MoveOrgUnitRequest& request);

  absl::StatusOr<v1::Office> CreateOffice(const RequestContext& rc, const v1::Office& office);
  absl::StatusOr<v1::Office> GetOffice(const RequestContext& rc, const std::string& id);
  absl::StatusOr<v1::ListOfficesResponse> ListOffices(const RequestContext& rc,
                                                      const v1::ListOfficesRequest& request);

  absl::StatusOr<v1::Person> CreatePerson(const RequestContext& rc, v1::Person person);
  absl::StatusOr<v1::Person> GetPerson(const RequestContext& rc, const std::string& id);
  absl::StatusOr<v1::ListPeopleResponse> ListPeople(const RequestContext& rc,
                                                    const v1::ListPeopleRequest& request);

  absl::StatusOr<v1::User> CreateUser(const RequestContext& rc,
                                      const v1::CreateUserRequest& request);
  absl::StatusOr<v1::User> GetUser(const RequestContext& rc, const std::string& id);
  absl::StatusOr<v1::CreateApiClientResponse> CreateApiClient(const RequestContext& rc,
                                                              v1::ApiClient client);

  absl::StatusOr<v1::CalendarYear> GetCalendarYear(const RequestContext& rc, int year);
  absl::StatusOr<v1::CalendarYear> SetCalendarYear(const RequestContext& rc,
                                                   const v1::CalendarYear& year);
  absl::StatusOr<std::string> AddWorkingDays(const std::string& start, int days);
  absl::StatusOr<int> CountWorkingDays(const std::string& start, const std::string& end);

  // Org units or offices changed somewhere, or the listener that says so lost (false) or
  // regained (true) its session: drop cached units (org_unit_cache.h). Channel:
  inline static constexpr char kOrgUnitsChannel[] = "xuncha_directory_org_units";
  void OrgUnitsChanged(bool listening);

 private:
  // Runs `body` in a transaction and, after a successful commit, nudges the outbox relay.
  absl::Status Write(const std::function<absl::Status(pqxx::work&)>& body);
  // Write, honouring the caller's Idempotency-Key: a retry of the same request returns the
  // stored `response` instead of changing anything again.
  absl::Status WriteOnce(const RequestContext& rc, absl::string_view method,
                         const google::protobuf::Message& request,
                         google::protobuf::Message& response,
                         const std::function<absl::Status(pqxx::work&)>& body);
  absl::StatusOr<v1::IssueTokenResponse> Mint(pqxx::work& tx, const TokenClaims& claims);
  // The calendar as of the database now (reloaded only when another replica changed it).
  absl::StatusOr<std::shared_ptr<const WorkingCalendar>> Calendar();

  PgPool& pool_;
  const Authenticator& auth_;
  OutboxRelay* relay_;
  TokenSigner signer_;
  DirectorySettings settings_;

  OrgUnitCache org_units_;

  std::mutex calendar_mu_;
  std::string calendar_version_;
  std::shared_ptr<const WorkingCalendar> calendar_;
};

}  // namespace xuncha::directory
