#include "app.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "xuncha/audit.h"
#include "xuncha/change.h"
#include "xuncha/crypto.h"
#include "xuncha/idempotency.h"
#include "xuncha/log.h"
#include "xuncha/scope.h"
#include "xuncha/status.h"

namespace xuncha::directory {
namespace {

absl::Status BadLogin() { return absl::UnauthenticatedError("invalid username or password"); }

bool CanEditPeople(const Principal& p, const OfficeRef& office) {
  if (p.IsPlatformAdmin()) return true;
  if (p.office_id != office.id) return false;
  if (p.IsApiClient()) return p.HasScope("directory:write");
  return p.HasAnyRole({"OFFICE_ADMIN", "OFFICE_STAFF"});
}

}  // namespace

DirectoryApp::DirectoryApp(PgPool& pool, const Authenticator& auth, OutboxRelay* relay,
                           TokenSigner signer, DirectorySettings settings)
    : pool_(pool),
      auth_(auth),
      relay_(relay),
      signer_(std::move(signer)),
      settings_(settings),
      org_units_(settings.org_unit_cache_size) {
  // The unique rules of directory's schema, in the words of the API (field: rule).
  DescribeUniqueViolation("org_units_sibling_name",
                          "org_unit.name: another unit under the same parent has this name");
  DescribeUniqueViolation("org_units_path_key",
                          "org_unit: a unit already has this place in the tree");
  DescribeUniqueViolation("offices_org_unit_id_key",
                          "office.org_unit_id: this org unit already has an inspection office");
  DescribeUniqueViolation("users_username_key", "user.username: already taken");
}

// After any committed write the cache is dropped, whatever the write touched: the notification
// of the same change reaches this replica's listener too, but not necessarily before the
// client's next read, which must see its own change.
absl::Status DirectoryApp::Write(const std::function<absl::Status(pqxx::work&)>& body) {
  absl::Status status = CommitChange(pool_, relay_, body);
  org_units_.Clear();
  return status;
}

absl::Status DirectoryApp::WriteOnce(const RequestContext& rc, absl::string_view method,
                                     const google::protobuf::Message& request,
                                     google::protobuf::Message& response,
                                     const std::function<absl::Status(pqxx::work&)>& body) {
  absl::Status status = CommitChangeOnce(pool_, relay_, rc, method, request, response, body);
  org_units_.Clear();
  return status;
}

// ---------------------------------------------------------------------------------------------
// Bootstrap

absl::StatusOr<std::string> DirectoryApp::Bootstrap(const std::string& admin_password) {
  std::string password = admin_password;
  const bool generated = password.empty();
  if (generated) password = RandomHex(12);
  v1::User admin;
  admin.set_username("admin");
  admin.add_roles(v1::User::PLATFORM_ADMIN);
  RETURN_IF_ERROR(ValidateNewUser(admin, password));
  bool created = false;
  RETURN_IF_ERROR(Write([&](pqxx::work& tx) -> absl::Status {
    if (Repository::AnyUserExists(tx)) return absl::OkStatus();
    ASSIGN_OR_RETURN(std::string hash, HashPassword(password, settings_.password_hash));
    auto user = Repository::InsertUser(tx, admin, hash);
    if (absl::IsAlreadyExists(user.status())) return absl::OkStatus();  // another replica won
    RETURN_IF_ERROR(user.status());
    created = true;
    RequestContext system;
    system.request_id = "bootstrap";
    return RecordChange(tx, system, "user.create", absl::StrCat("users/", user->id()),
                        "directory.user.created", *user);
  }));
  return created && generated ? password : "";
}

absl::Status DirectoryApp::SeedCalendar(const EmbeddedFileList& files) {
  ASSIGN_OR_RETURN(std::vector<ShippedCalendarYear> years, ShippedCalendarYears(files));
  for (const ShippedCalendarYear& y : years) {
    RETURN_IF_ERROR(Write([&](pqxx::work& tx) -> absl::Status {
      if (Repository::CalendarYearExists(tx, y.year)) return absl::OkStatus();
      Repository::ReplaceCalendarYear(tx, y.year, y.entries, y.source);
      return absl::OkStatus();
    }));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Tokens

absl::StatusOr<v1::IssueTokenResponse> DirectoryApp::Mint(pqxx::work& tx,
                                                          const TokenClaims& claims) {
  const absl::Time now = absl::Now();
  ASSIGN_OR_RETURN(std::string access, signer_.Sign(claims, now, settings_.access_token_ttl));
  const std::string refresh = RandomHex(32);
  Repository::InsertRefreshToken(tx, Sha256Hex(refresh), claims.kind(), claims.sub(),
                                 now + settings_.refresh_token_ttl);
  v1::IssueTokenResponse out;
  out.set_access_token(access);
  out.set_token_type("Bearer");
  out.set_expires_in(static_cast<int32_t>(absl::ToInt64Seconds(settings_.access_token_ttl)));
  out.set_refresh_token(refresh);
  return out;
}

absl::StatusOr<v1::IssueTokenResponse> DirectoryApp::IssueToken(
    const v1::IssueTokenRequest& request) {
  const int grants =
      !request.username().empty() + !request.client_id().empty() + !request.refresh_token().empty();
  if (grants != 1) {
    return absl::InvalidArgumentError(
        "give exactly one of {username, password}, {clientId, clientSecret} or {refreshToken}");
  }
  v1::IssueTokenResponse response;
  // A failed login must still commit its failure count, so the outcome travels beside the
  // transaction's own status.
  absl::Status outcome;
  RETURN_IF_ERROR(Write([&](pqxx::work& tx) -> absl::Status {
    const absl::Time now = absl::Now();
    RequestContext system;
    if (!request.username().empty()) {
      auto login = Repository::FindLogin(tx, request.username(), /*for_update=*/true);
      if (!login) {
        outcome = BadLogin();
        return absl::OkStatus();
      }
      if (IsLocked(login->state, now)) {
        outcome = absl::ResourceExhaustedError(
            absl::StrCat("account locked after repeated failed logins; try again after ",
                         absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", *login->state.locked_until,
                                          absl::UTCTimeZone())));
        return absl::OkStatus();
      }
      system.principal.subject_id = login->user_id;
      if (!VerifyPassword(login->password_hash, request.password())) {
        LoginState next = AfterFailedLogin(login->state, settings_.login, now);
        Repository::SaveLoginState(tx, login->user_id, next);
        RETURN_IF_ERROR(AppendAudit(tx, {absl::StrCat("user:", login->user_id),
                                         IsLocked(next, now) ? "user.locked" : "user.login_failed",
                                         absl::StrCat("users/", login->user_id), ""})
                            .status());
        outcome = BadLogin();
        return absl::OkStatus();
      }
      if (login->state.failed_logins != 0) Repository::SaveLoginState(tx, login->user_id, {});
      ASSIGN_OR_RETURN(response, Mint(tx, login->claims));
      return absl::OkStatus();
    }
    if (!request.client_id().empty()) {
      std::optional<ClientRecord> client;
      if (ValidateId("client_id", request.client_id()).ok()) {
        client = Repository::FindClient(tx, request.client_id());
      }
      if (!client || !SecureEquals(client->secret_hash, Sha256Hex(request.client_secret()))) {
        outcome = absl::UnauthenticatedError("invalid client id or secret");
        return absl::OkStatus();
      }
      ASSIGN_OR_RETURN(response, Mint(tx, client->claims));
      return absl::OkStatus();
    }
    auto refresh = Repository::FindRefreshToken(tx, Sha256Hex(request.refresh_token()));
    if (!refresh || !refresh->active) {
      outcome = absl::UnauthenticatedError("refresh token is not valid");
      return absl::OkStatus();
    }
    // Rotation: a refresh token works once. Claims are rebuilt so role changes take effect.
    Repository::RevokeRefreshToken(tx, Sha256Hex(request.refresh_token()));
    std::optional<TokenClaims> claims;
    if (refresh->kind == TokenClaims::USER) {
      auto login = Repository::FindLoginById(tx, refresh->subject_id);
      if (login && !IsLocked(login->state, now)) claims = login->claims;
    } else if (auto client = Repository::FindClientById(tx, refresh->subject_id)) {
      claims = client->claims;
    }
    if (!claims) {
      outcome = absl::UnauthenticatedError("refresh token is not valid");
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(response, Mint(tx, *claims));
    return absl::OkStatus();
  }));
  RETURN_IF_ERROR(outcome);
  return response;
}

absl::Status DirectoryApp::RevokeToken(const RequestContext& rc,
                                       const v1::RevokeTokenRequest& request) {
  const Principal& p = rc.principal;
  if (!request.refresh_token().empty()) {
    RETURN_IF_ERROR(Write([&](pqxx::work& tx) -> absl::Status {
      const std::string hash = Sha256Hex(request.refresh_token());
      auto refresh = Repository::FindRefreshToken(tx, hash);
      if (!refresh) return absl::NotFoundError("refresh_token: not a token this service issued");
      if (refresh->subject_id != p.subject_id && !p.IsPlatformAdmin()) {
        return Denied("revoke", "another subject's token");
      }
      Repository::RevokeRefreshToken(tx, hash);
      return AppendAudit(tx, {p.ActorLabel(), "token.revoke",
                              absl::StrCat("subjects/", refresh->subject_id), rc.request_id})
          .status();
    }));
  }
  // The access token presented with this call stops working everywhere at once.
  absl::Status revoked = auth_.Revoke(p.token_id, p.expires_at);
  if (!revoked.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "refresh token revoked, but the access token could not be: ", revoked.message(),
        "; retry"));
  }
  return absl::OkStatus();
}

v1::CurrentUser DirectoryApp::GetCurrentUser(const RequestContext& rc) {
  const Principal& p = rc.principal;
  v1::CurrentUser out;
  out.set_subject_id(p.subject_id);
  out.set_kind(p.IsApiClient() ? "API_CLIENT" : "USER");
  out.set_username(p.username);
  out.set_person_id(p.person_id);
  out.set_office_id(p.office_id);
  for (const auto& r : p.roles) out.add_roles(r);
  for (const auto& s : p.scopes) out.add_scopes(s);
  out.set_unit_id(p.unit_id);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Org tree

absl::StatusOr<v1::OrgUnit> DirectoryApp::CreateOrgUnit(const RequestContext& rc,
                                                        const v1::OrgUnit& unit) {
  RETURN_IF_ERROR(ValidateNewOrgUnit(unit));
  v1::OrgUnit created;
  RETURN_IF_ERROR(
      WriteOnce(rc, "CreateOrgUnit", unit, created, [&](pqxx::work& tx) -> absl::Status {
        std::string parent_path;
        if (unit.parent().empty()) {
          if (!rc.principal.IsPlatformAdmin()) return Denied("create", "top-level org units");
        } else {
          ASSIGN_OR_RETURN(StoredOrgUnit parent,
                           Repository::GetOrgUnit(tx, unit.parent(), "parent"));
          if (!CanManageDirectory(rc.principal, parent.owner)) {
            return Denied("create units under", absl::StrCat("orgs/", unit.parent()));
          }
          parent_path = parent.unit.path();
        }
        created = Repository::InsertOrgUnit(tx, unit, parent_path);
        return RecordChange(tx, rc, "org_unit.create", absl::StrCat("orgs/", created.id()),
                            "directory.org_unit.created", created);
      }));
  return created;
}

absl::StatusOr<v1::OrgUnit> DirectoryApp::GetOrgUnit(const RequestContext& rc,
                                                     const std::string& id) {
  RETURN_IF_ERROR(ValidateId("id", id));
  // The generation is taken before the database is read: a change committed in between makes
  // the cache refuse what was read.
  const uint64_t generation = org_units_.generation();
  std::optional<StoredOrgUnit> s = org_units_.Get(id);
  if (!s) {
    ASSIGN_OR_RETURN(s, pool_.ReadWith<StoredOrgUnit>([&](pqxx::transaction_base& tx) {
      return Repository::GetOrgUnit(tx, id);
    }));
    org_units_.Put(generation, *s);
  }
  if (!CanReadDirectory(rc.principal, s->owner, s->unit.path())) {
    return Denied("read", absl::StrCat("orgs/", id));
  }
  return std::move(s->unit);
}

void DirectoryApp::OrgUnitsChanged(bool listening) { org_units_.Reset(listening); }

absl::StatusOr<v1::ListOrgUnitsResponse> DirectoryApp::ListOrgUnits(
    const RequestContext& rc, const v1::ListOrgUnitsRequest& request) {
  RETURN_IF_ERROR(ValidateId("parent", request.parent(), false));
  ASSIGN_OR_RETURN(Page page, DecodePage(request.page_size(), request.page_token()));
  const Principal& p = rc.principal;
  return pool_.ReadWith<v1::ListOrgUnitsResponse>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::ListOrgUnitsResponse> {
        std::vector<v1::OrgUnit> units;
        if (!request.parent().empty()) {
          ASSIGN_OR_RETURN(StoredOrgUnit parent,
                           Repository::GetOrgUnit(tx, request.parent(), "parent"));
          if (!CanReadDirectory(p, parent.owner, parent.unit.path())) {
            return Denied("list units under", absl::StrCat("orgs/", request.parent()));
          }
          units = Repository::ListOrgUnits(tx, request.parent(), {}, false, page);
        } else {
          // Without a parent: the top of what the caller can see.
          std::vector<std::string> tops;
          if (!p.office_path.empty()) tops.push_back(p.office_path);
          if (!p.unit_path.empty()) tops.push_back(p.unit_path);
          units = Repository::ListOrgUnits(tx, "", tops, p.IsPlatformAdmin(), page);
        }
        v1::ListOrgUnitsResponse out;
        out.set_next_page_token(NextToken<v1::OrgUnit>(
            units, page.size, [](const auto& u) { return PageKey(u.name(), u.id()); }));
        for (auto& u : units) *out.add_org_units() = std::move(u);
        return out;
      });
}

absl::StatusOr<v1::OrgUnit> DirectoryApp::UpdateOrgUnit(const RequestContext& rc,
                                                        const v1::UpdateOrgUnitRequest& request) {
  RETURN_IF_ERROR(ValidateId("id", request.id()));
  RETURN_IF_ERROR(ValidateText("name", request.name(), 200, false));
  RETURN_IF_ERROR(ValidateText("category", request.category(), 50, false));
  v1::OrgUnit updated;
  RETURN_IF_ERROR(Write([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(StoredOrgUnit s, Repository::GetOrgUnit(tx, request.id()));
    if (!CanManageDirectory(rc.principal, s.owner)) {
      return Denied("change", absl::StrCat("orgs/", request.id()));
    }
    Repository::UpdateOrgUnit(tx, request.id(), request.name(), request.category());
    ASSIGN_OR_RETURN(StoredOrgUnit after, Repository::GetOrgUnit(tx, request.id()));
    updated = after.unit;
    return RecordChange(tx, rc, "org_unit.update", absl::StrCat("orgs/", updated.id()),
                        "directory.org_unit.updated", updated);
  }));
  return updated;
}

absl::StatusOr<v1::OrgUnit> DirectoryApp::MoveOrgUnit(const RequestContext& rc,
                                                      const v1::MoveOrgUnitRequest& request) {
  RETURN_IF_ERROR(ValidateId("id", request.id()));
  RETURN_IF_ERROR(ValidateId("new_parent", request.new_parent()));
  v1::OrgUnit moved;
  RETURN_IF_ERROR(WriteOnce(rc, "MoveOrgUnit", request, moved, [&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(StoredOrgUnit unit, Repository::GetOrgUnit(tx, request.id()));
    ASSIGN_OR_RETURN(StoredOrgUnit parent,
                     Repository::GetOrgUnit(tx, request.new_parent(), "new_parent"));
    if (!CanManageDirectory(rc.principal, unit.owner) ||
        !CanManageDirectory(rc.principal, parent.owner)) {
      return Denied("move", absl::StrCat("orgs/", request.id(), " there"));
    }
    if (PathWithin(parent.unit.path(), unit.unit.path())) {
      return absl::InvalidArgumentError(
          absl::StrCat("new_parent: org unit ", request.new_parent(),
                       " is the unit itself or lies inside it; the tree cannot contain a cycle"));
    }
    // Every service keeps the path of the office that owns a record with the record (DESIGN.md
    // §3: an office above reads what offices below it own, by path). Moving an office would
    // leave those copies pointing at its old place: the old superior office would keep reading
    // its records and the new one would not see them. Offices therefore stay where they are;
    // a unit without an office in its subtree moves freely. Putting a unit back under the
    // parent it has changes nothing and stays allowed.
    if (request.new_parent() != unit.unit.parent()) {
      if (OfficeRef office = Repository::OfficeWithin(tx, unit.unit.path()); !office.id.empty()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "id: org unit ", request.id(), " is or contains the seat of office ", office.id,
            "; units holding an office cannot move, because the records of every service keep "
            "the office's place in the tree, which decides who above may read them"));
      }
    }
    Repository::MoveSubtree(tx, request.id(), unit.unit.path(), request.new_parent(),
                            parent.unit.path());
    ASSIGN_OR_RETURN(StoredOrgUnit after, Repository::GetOrgUnit(tx, request.id()));
    moved = after.unit;
    return RecordChange(tx, rc, "org_unit.move", absl::StrCat("orgs/", moved.id()),
                        "directory.org_unit.moved", moved);
  }));
  return moved;
}

// ---------------------------------------------------------------------------------------------
// Offices

absl::StatusOr<v1::Office> DirectoryApp::CreateOffice(const RequestContext& rc,
                                                      const v1::Office& office) {
  RETURN_IF_ERROR(ValidateNewOffice(office));
  v1::Office created;
  RETURN_IF_ERROR(
      WriteOnce(rc, "CreateOffice", office, created, [&](pqxx::work& tx) -> absl::Status {
        ASSIGN_OR_RETURN(StoredOrgUnit unit,
                         Repository::GetOrgUnit(tx, office.org_unit_id(), "org_unit_id"));
        if (!CanManageDirectory(rc.principal, unit.owner) || rc.principal.IsApiClient()) {
          return Denied("create an office at", absl::StrCat("orgs/", office.org_unit_id()));
        }
        if (unit.owner.path == unit.unit.path()) {
          return absl::AlreadyExistsError(absl::StrCat("org_unit_id: org unit ",
                                                       office.org_unit_id(), " already has office ",
                                                       unit.owner.id));
        }
        created = Repository::InsertOffice(tx, office);
        return RecordChange(tx, rc, "office.create", absl::StrCat("offices/", created.id()),
                            "directory.office.created", created);
      }));
  return created;
}

absl::StatusOr<v1::Office> DirectoryApp::GetOffice(const RequestContext& rc,
                                                   const std::string& id) {
  RETURN_IF_ERROR(ValidateId("id", id));
  return pool_.ReadWith<v1::Office>([&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::Office> {
    ASSIGN_OR_RETURN(StoredOffice s, Repository::GetOffice(tx, id));
    if (!CanReadDirectory(rc.principal, s.ref(), s.office.path())) {
      return Denied("read", absl::StrCat("offices/", id));
    }
    return s.office;
  });
}

absl::StatusOr<v1::ListOfficesResponse> DirectoryApp::ListOffices(
    const RequestContext& rc, const v1::ListOfficesRequest& request) {
  RETURN_IF_ERROR(ValidateId("parent_office", request.parent_office(), false));
  ASSIGN_OR_RETURN(Page page, DecodePage(request.page_size(), request.page_token()));
  const Principal& p = rc.principal;
  if (!p.IsPlatformAdmin() && p.office_path.empty()) return Denied("list", "offices");
  return pool_.ReadWith<v1::ListOfficesResponse>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::ListOfficesResponse> {
        if (!request.parent_office().empty()) {
          ASSIGN_OR_RETURN(StoredOffice parent,
                           Repository::GetOffice(tx, request.parent_office(), "parent_office"));
          if (!CanReadDirectory(p, parent.ref(), parent.office.path())) {
            return Denied("list offices under", absl::StrCat("offices/", request.parent_office()));
          }
        }
        if (!p.IsPlatformAdmin() && !CanReadDirectory(p, {p.office_id, p.office_path}, "")) {
          return Denied("list", "offices");
        }
        auto offices = Repository::ListOffices(tx, p.IsPlatformAdmin() ? "" : p.office_path,
                                               request.parent_office(), page);
        v1::ListOfficesResponse out;
        out.set_next_page_token(NextToken<v1::Office>(
            offices, page.size, [](const auto& o) { return PageKey(o.name(), o.id()); }));
        for (auto& o : offices) *out.add_offices() = std::move(o);
        return out;
      });
}

// ---------------------------------------------------------------------------------------------
// People

absl::StatusOr<v1::Person> DirectoryApp::CreatePerson(const RequestContext& rc, v1::Person person) {
  if (person.office_id().empty()) person.set_office_id(rc.principal.office_id);
  if (person.office_id().empty()) {
    return absl::InvalidArgumentError("office_id: must be set (the caller has no office)");
  }
  RETURN_IF_ERROR(ValidateNewPerson(person));
  v1::Person created;
  RETURN_IF_ERROR(
      WriteOnce(rc, "CreatePerson", person, created, [&](pqxx::work& tx) -> absl::Status {
        ASSIGN_OR_RETURN(StoredOffice office,
                         Repository::GetOffice(tx, person.office_id(), "office_id"));
        if (!CanEditPeople(rc.principal, office.ref())) {
          return Denied("record people for", absl::StrCat("offices/", person.office_id()));
        }
        if (!person.employer_unit_id().empty()) {
          RETURN_IF_ERROR(
              Repository::CheckOrgUnitExists(tx, person.employer_unit_id(), "employer_unit_id"));
        }
        for (int i = 0; i < person.posts_size(); ++i) {
          RETURN_IF_ERROR(Repository::CheckOrgUnitExists(
              tx, person.posts(i).org_unit_id(), absl::StrCat("posts[", i, "].org_unit_id")));
        }
        for (int i = 0; i < person.relatives_size(); ++i) {
          RETURN_IF_ERROR(
              Repository::CheckOrgUnitExists(tx, person.relatives(i).org_unit_id(),
                                             absl::StrCat("relatives[", i, "].org_unit_id")));
        }
        created = Repository::InsertPerson(tx, person);
        return RecordChange(tx, rc, "person.create", absl::StrCat("people/", created.id()),
                            "directory.person.created", created);
      }));
  return created;
}

absl::StatusOr<v1::Person> DirectoryApp::GetPerson(const RequestContext& rc,
                                                   const std::string& id) {
  RETURN_IF_ERROR(ValidateId("id", id));
  return pool_.ReadWith<v1::Person>([&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::Person> {
    ASSIGN_OR_RETURN(v1::Person person, Repository::GetPerson(tx, id));
    ASSIGN_OR_RETURN(StoredOffice office, Repository::GetOffice(tx, person.office_id()));
    if (!CanReadDirectory(rc.principal, office.ref(), office.office.path())) {
      return Denied("read", absl::StrCat("people/", id));
    }
    return person;
  });
}

absl::StatusOr<v1::ListPeopleResponse> DirectoryApp::ListPeople(
    const RequestContext& rc, const v1::ListPeopleRequest& request) {
  const std::string office_id =
      request.office().empty() ? rc.principal.office_id : request.office();
  RETURN_IF_ERROR(ValidateId("office", office_id));
  ASSIGN_OR_RETURN(Page page, DecodePage(request.page_size(), request.page_token()));
  return pool_.ReadWith<v1::ListPeopleResponse>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::ListPeopleResponse> {
        ASSIGN_OR_RETURN(StoredOffice office, Repository::GetOffice(tx, office_id, "office"));
        if (!CanReadDirectory(rc.principal, office.ref(), office.office.path())) {
          return Denied("list people of", absl::StrCat("offices/", office_id));
        }
        auto people = Repository::ListPeople(tx, office_id, request.expertise(), page);
        v1::ListPeopleResponse out;
        out.set_next_page_token(NextToken<v1::Person>(
            people, page.size, [](const auto& p) { return PageKey(p.name(), p.id()); }));
        for (auto& p : people) *out.add_people() = std::move(p);
        return out;
      });
}

// ---------------------------------------------------------------------------------------------
// Accounts

absl::StatusOr<v1::User> DirectoryApp::CreateUser(const RequestContext& rc,
                                                  const v1::CreateUserRequest& request) {
  const v1::User& user = request.user();
  RETURN_IF_ERROR(ValidateNewUser(user, request.password()));
  RETURN_IF_ERROR(CheckCanCreateUser(rc.principal, user));
  // Hashing is deliberately slow: do it before taking a connection.
  ASSIGN_OR_RETURN(std::string hash, HashPassword(request.password(), settings_.password_hash));
  v1::User created;
  RETURN_IF_ERROR(
      WriteOnce(rc, "CreateUser", request, created, [&](pqxx::work& tx) -> absl::Status {
        if (!user.office_id().empty()) {
          RETURN_IF_ERROR(Repository::GetOffice(tx, user.office_id(), "user.office_id").status());
        }
        if (!user.unit_id().empty()) {
          RETURN_IF_ERROR(Repository::CheckOrgUnitExists(tx, user.unit_id(), "user.unit_id"));
        }
        if (!user.person_id().empty()) {
          auto person = Repository::GetPerson(tx, user.person_id());
          if (!person.ok()) {
            return absl::NotFoundError(
                absl::StrCat("user.person_id: person ", user.person_id(), " not found"));
          }
        }
        ASSIGN_OR_RETURN(created, Repository::InsertUser(tx, user, hash));
        return RecordChange(tx, rc, "user.create", absl::StrCat("users/", created.id()),
                            "directory.user.created", created);
      }));
  return created;
}

absl::StatusOr<v1::User> DirectoryApp::GetUser(const RequestContext& rc, const std::string& id) {
  RETURN_IF_ERROR(ValidateId("id", id));
  const Principal& p = rc.principal;
  return pool_.ReadWith<v1::User>([&](pqxx::transaction_base& tx) -> absl::StatusOr<v1::User> {
    ASSIGN_OR_RETURN(v1::User user, Repository::GetUser(tx, id));
    bool allowed = p.IsPlatformAdmin() || (!p.IsApiClient() && p.subject_id == id);
    if (!allowed && !user.office_id().empty() && p.HasRole("OFFICE_ADMIN")) {
      ASSIGN_OR_RETURN(StoredOffice office, Repository::GetOffice(tx, user.office_id()));
      allowed = PathWithin(office.office.path(), p.office_path);
    }
    if (!allowed) return Denied("read", absl::StrCat("users/", id));
    return user;
  });
}

absl::StatusOr<v1::CreateApiClientResponse> DirectoryApp::CreateApiClient(const RequestContext& rc,
                                                                          v1::ApiClient client) {
  if (client.office_id().empty()) client.set_office_id(rc.principal.office_id);
  RETURN_IF_ERROR(ValidateNewApiClient(client));
  v1::CreateApiClientResponse out;
  RETURN_IF_ERROR(Write([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(StoredOffice office,
                     Repository::GetOffice(tx, client.office_id(), "office_id"));
    if (rc.principal.IsApiClient() || !CanManageDirectory(rc.principal, office.ref())) {
      return Denied("register API clients for", absl::StrCat("offices/", client.office_id()));
    }
    // 256 random bits cannot be guessed, so a fast hash is enough (unlike passwords).
    const std::string secret = RandomHex(32);
    *out.mutable_api_client() = Repository::InsertApiClient(tx, client, Sha256Hex(secret));
    out.set_client_secret(secret);
    return RecordChange(tx, rc, "api_client.create",
                        absl::StrCat("apiClients/", out.api_client().id()),
                        "directory.api_client.created", out.api_client());
  }));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Calendar

absl::StatusOr<std::shared_ptr<const WorkingCalendar>> DirectoryApp::Calendar() {
  return pool_.TransactWith<std::shared_ptr<const WorkingCalendar>>(
      [&](pqxx::work& tx) -> absl::StatusOr<std::shared_ptr<const WorkingCalendar>> {
        const std::string version = Repository::CalendarVersion(tx);
        {
          std::lock_guard lock(calendar_mu_);
          if (calendar_ != nullptr && version == calendar_version_) return calendar_;
        }
        ASSIGN_OR_RETURN(WorkingCalendar loaded, Repository::LoadCalendar(tx));
        auto fresh = std::make_shared<const WorkingCalendar>(std::move(loaded));
        std::lock_guard lock(calendar_mu_);
        calendar_ = fresh;
        calendar_version_ = version;
        return fresh;
      },
      {.isolation = Isolation::kRepeatableRead, .read_only = true});
}

absl::StatusOr<v1::CalendarYear> DirectoryApp::GetCalendarYear(const RequestContext&, int year) {
  ASSIGN_OR_RETURN(auto calendar, Calendar());
  if (!calendar->HasYear(year)) {
    return absl::NotFoundError(absl::StrCat("year: the calendar for ", year, " is not loaded"));
  }
  v1::CalendarYear out;
  out.set_year(year);
  for (const auto& e : calendar->Entries(year)) {
    auto* day = out.add_days();
    day->set_date(FormatDate(e.day));
    day->set_kind(e.kind == CalendarEntry::Kind::kWorkday ? v1::CalendarDay::WORKDAY
                                                          : v1::CalendarDay::HOLIDAY);
    day->set_name(e.name);
  }
  return out;
}

absl::StatusOr<v1::CalendarYear> DirectoryApp::SetCalendarYear(const RequestContext& rc,
                                                               const v1::CalendarYear& year) {
  if (!rc.principal.IsPlatformAdmin()) return Denied("change", "the working-day calendar");
  if (year.year() < 2000 || year.year() > 2100) {
    return absl::InvalidArgumentError("year: must be between 2000 and 2100");
  }
  std::vector<CalendarEntry> entries;
  for (int i = 0; i < year.days_size(); ++i) {
    const auto& d = year.days(i);
    const std::string field = absl::StrCat("days[", i, "]");
    ASSIGN_OR_RETURN(absl::CivilDay day, ParseDate(d.date(), field + ".date"));
    if (d.kind() != v1::CalendarDay::HOLIDAY && d.kind() != v1::CalendarDay::WORKDAY) {
      return absl::InvalidArgumentError(field + ".kind: must be HOLIDAY or WORKDAY");
    }
    RETURN_IF_ERROR(ValidateText(field + ".name", d.name(), 50, false));
    entries.push_back({day,
                       d.kind() == v1::CalendarDay::WORKDAY ? CalendarEntry::Kind::kWorkday
                                                            : CalendarEntry::Kind::kHoliday,
                       d.name()});
  }
  WorkingCalendar check;
  RETURN_IF_ERROR(check.SetYear(year.year(), entries));
  RETURN_IF_ERROR(Write([&](pqxx::work& tx) -> absl::Status {
    Repository::ReplaceCalendarYear(tx, year.year(), entries, rc.principal.ActorLabel());
    return RecordChange(tx, rc, "calendar.set", absl::StrCat("calendar/", year.year()),
                        "directory.calendar.updated", year);
  }));
  return GetCalendarYear(rc, year.year());
}

absl::StatusOr<std::string> DirectoryApp::AddWorkingDays(const std::string& start, int days) {
  ASSIGN_OR_RETURN(absl::CivilDay day, ParseDate(start, "start"));
  ASSIGN_OR_RETURN(auto calendar, Calendar());
  ASSIGN_OR_RETURN(absl::CivilDay result, calendar->AddWorkingDays(day, days));
  return FormatDate(result);
}

absl::StatusOr<int> DirectoryApp::CountWorkingDays(const std::string& start,
                                                   const std::string& end) {
  ASSIGN_OR_RETURN(absl::CivilDay from, ParseDate(start, "start"));
  ASSIGN_OR_RETURN(absl::CivilDay to, ParseDate(end, "end"));
  ASSIGN_OR_RETURN(auto calendar, Calendar());
  return calendar->CountWorkingDays(from, to);
}

}  // namespace xuncha::directory
