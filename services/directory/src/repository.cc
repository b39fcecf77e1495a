#include "repository.h"

#include <map>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "xuncha/pg.h"

namespace xuncha::directory {
namespace {

// The owning office of a unit: the office sitting at the nearest ancestor-or-self.
const std::string kOwnerJoin =
    "LEFT JOIN LATERAL (SELECT o.id AS office_id, ou.path AS office_path FROM offices o "
    "JOIN org_units ou ON ou.id = o.org_unit_id WHERE ou.path @> u.path "
    "ORDER BY nlevel(ou.path) DESC LIMIT 1) owner ON true ";

const std::string kOrgColumns =
    "SELECT u.id::text, coalesce(u.parent_id::text, ''), u.name, u.kind, u.category, "
    "u.path::text, " +
    SqlMicros("u.created_at") +
    ", coalesce(owner.office_id::text, ''), coalesce(owner.office_path::text, '') "
    "FROM org_units u " +
    kOwnerJoin;

StoredOrgUnit OrgFromRow(const pqxx::row& r) {
  StoredOrgUnit s;
  s.unit.set_id(r[0].as<std::string>());
  s.unit.set_parent(r[1].as<std::string>());
  s.unit.set_name(r[2].as<std::string>());
  v1::OrgUnit::Kind kind = v1::OrgUnit::KIND_UNSPECIFIED;
  v1::OrgUnit::Kind_Parse(r[3].as<std::string>(), &kind);
  s.unit.set_kind(kind);
  s.unit.set_category(r[4].as<std::string>());
  s.unit.set_path(r[5].as<std::string>());
  SetTimestampMicros(s.unit.mutable_create_time(), r[6].as<int64_t>());
  s.owner.id = r[7].as<std::string>();
  s.owner.path = r[8].as<std::string>();
  s.unit.set_office_id(s.owner.id);
  return s;
}

// Office plus its path and the nearest office above it.
const std::string kOfficeColumns =
    "SELECT o.id::text, o.org_unit_id::text, o.name, u.path::text, " + SqlMicros("o.created_at") +
    ", coalesce((SELECT po.id::text FROM offices po JOIN org_units pu ON pu.id = po.org_unit_id "
    "WHERE pu.path @> u.path AND pu.path <> u.path ORDER BY nlevel(pu.path) DESC LIMIT 1), '') "
    "FROM offices o JOIN org_units u ON u.id = o.org_unit_id ";

v1::Office OfficeFromRow(const pqxx::row& r) {
  v1::Office o;
  o.set_id(r[0].as<std::string>());
  o.set_org_unit_id(r[1].as<std::string>());
  o.set_name(r[2].as<std::string>());
  o.set_path(r[3].as<std::string>());
  SetTimestampMicros(o.mutable_create_time(), r[4].as<int64_t>());
  o.set_parent_office_id(r[5].as<std::string>());
  return o;
}

std::string RolesArray(const v1::User& user) {
  std::vector<std::string> roles;
  for (int role : user.roles()) roles.push_back(v1::User::Role_Name(role));
  return PgTextArray(roles);
}

const std::string kLoginColumns =
    "SELECT us.id::text, us.password_hash, us.failed_logins, "
    "coalesce(" +
    SqlMicros("us.locked_until") +
    ", 0), us.username, "
    "coalesce(us.person_id::text, ''), coalesce(us.office_id::text, ''), "
    "coalesce(ou.path::text, ''), us.roles::text, coalesce(us.unit_id::text, ''), "
    "coalesce(uu.path::text, '') FROM users us "
    "LEFT JOIN offices o ON o.id = us.office_id LEFT JOIN org_units ou ON ou.id = o.org_unit_id "
    "LEFT JOIN org_units uu ON uu.id = us.unit_id ";

LoginRecord LoginFromRow(const pqxx::row& r) {
  LoginRecord rec;
  rec.user_id = r[0].as<std::string>();
  rec.password_hash = r[1].as<std::string>();
  rec.state.failed_logins = r[2].as<int>();
  if (int64_t locked = r[3].as<int64_t>(); locked > 0) {
    rec.state.locked_until = absl::FromUnixMicros(locked);
  }
  rec.claims.set_kind(TokenClaims::USER);
  rec.claims.set_sub(rec.user_id);
  rec.claims.set_username(r[4].as<std::string>());
  rec.claims.set_person_id(r[5].as<std::string>());
  rec.claims.set_office_id(r[6].as<std::string>());
  rec.claims.set_office_path(r[7].as<std::string>());
  for (auto& role : ParsePgTextArray(r[8].as<std::string>())) rec.claims.add_roles(role);
  rec.claims.set_unit_id(r[9].as<std::string>());
  rec.claims.set_unit_path(r[10].as<std::string>());
  return rec;
}

}  // namespace

absl::StatusOr<StoredOrgUnit> Repository::GetOrgUnit(pqxx::transaction_base& tx,
                                                     const std::string& id,
                                                     absl::string_view field) {
  pqxx::result r = PgExec(tx, kOrgColumns + "WHERE u.id = $1::uuid", id);
  if (r.empty()) {
    return absl::NotFoundError(absl::StrCat(field, ": org unit ", id, " not found"));
  }
  return OrgFromRow(r[0]);
}

namespace {

// The first office (its id and its seat's path) in the order `where_and_order` gives, over
// offices joined to their seats; `path` is $1.
OfficeRef FirstOffice(pqxx::transaction_base& tx, const char* where_and_order,
                      const std::string& path) {
  pqxx::result r = PgExec(tx,
                          absl::StrCat("SELECT o.id::text, ou.path::text FROM offices o "
                                       "JOIN org_units ou ON ou.id = o.org_unit_id WHERE ",
                                       where_and_order, " LIMIT 1"),
                          path);
  if (r.empty()) return {};
  return {r[0][0].as<std::string>(), r[0][1].as<std::string>()};
}

}  // namespace

OfficeRef Repository::OwningOffice(pqxx::transaction_base& tx, const std::string& path) {
  return FirstOffice(tx, "ou.path @> $1::ltree ORDER BY nlevel(ou.path) DESC", path);
}

OfficeRef Repository::OfficeWithin(pqxx::transaction_base& tx, const std::string& path) {
  return FirstOffice(tx, "ou.path <@ $1::ltree ORDER BY nlevel(ou.path), ou.path", path);
}

v1::OrgUnit Repository::InsertOrgUnit(pqxx::work& tx, const v1::OrgUnit& unit,
                                      const std::string& parent_path) {
  std::optional<std::string> parent;
  if (!unit.parent().empty()) parent = unit.parent();
  pqxx::row r = PgExec1(tx,
                        "INSERT INTO org_units (parent_id, name, kind, category, path) "
                        "VALUES ($1::uuid, $2, $3, $4, "
                        "CASE WHEN $5 = '' THEN text2ltree('u' || nextval('org_unit_labels')) "
                        "ELSE $5::ltree || text2ltree('u' || nextval('org_unit_labels')) END) "
                        "RETURNING id::text",
                        parent, unit.name(), v1::OrgUnit::Kind_Name(unit.kind()), unit.category(),
                        parent_path);
  return GetOrgUnit(tx, r[0].as<std::string>())->unit;
}

void Repository::UpdateOrgUnit(pqxx::work& tx, const std::string& id, const std::string& name,
                               const std::string& category) {
  PgExec(tx,
         "UPDATE org_units SET name = CASE WHEN $2 = '' THEN name ELSE $2 END, "
         "category = CASE WHEN $3 = '' THEN category ELSE $3 END WHERE id = $1::uuid",
         id, name, category);
}

void Repository::MoveSubtree(pqxx::work& tx, const std::string& id, const std::string& old_path,
                             const std::string& new_parent_id, const std::string& new_parent_path) {
  PgExec(tx, "UPDATE org_units SET parent_id = $2::uuid WHERE id = $1::uuid", id, new_parent_id);
  // The unit keeps its own label; everything under it is re-rooted in one statement.
  PgExec(tx,
         "UPDATE org_units SET path = $2::ltree || subpath(path, nlevel($1::ltree) - 1) "
         "WHERE path <@ $1::ltree",
         old_path, new_parent_path);
}

std::vector<v1::OrgUnit> Repository::ListOrgUnits(pqxx::transaction_base& tx,
                                                  const std::string& parent_id,
                                                  const std::vector<std::string>& visible_paths,
                                                  bool all_roots, const Page& page) {
  auto [after_name, after_id] = SplitPageKey(page.after);
  // Always present (and typed) so every branch binds the same four parameters.
  const std::string keyset = " AND ($2::text = '' OR (u.name, u.id::text) > ($2::text, $3::text))";
  pqxx::result r;
  const std::string order = " ORDER BY u.name, u.id LIMIT $4";
  if (!parent_id.empty()) {
    r = PgExec(tx, kOrgColumns + "WHERE u.parent_id = $1::uuid" + keyset + order, parent_id,
               after_name, after_id, page.size + 1);
  } else if (all_roots) {
    r = PgExec(tx, kOrgColumns + "WHERE u.parent_id IS NULL AND $1::text = ''" + keyset + order,
               std::string(), after_name, after_id, page.size + 1);
  } else {
    r = PgExec(tx, kOrgColumns + "WHERE u.path = ANY($1::ltree[])" + keyset + order,
               PgTextArray(visible_paths), after_name, after_id, page.size + 1);
  }
  std::vector<v1::OrgUnit> out;
  for (const auto& row : r) out.push_back(OrgFromRow(row).unit);
  return out;
}

v1::Office Repository::InsertOffice(pqxx::work& tx, const v1::Office& office) {
  pqxx::row r = PgExec1(
      tx, "INSERT INTO offices (org_unit_id, name) VALUES ($1::uuid, $2) RETURNING id::text",
      office.org_unit_id(), office.name());
  return GetOffice(tx, r[0].as<std::string>())->office;
}

absl::StatusOr<StoredOffice> Repository::GetOffice(pqxx::transaction_base& tx,
                                                   const std::string& id, absl::string_view field) {
  pqxx::result r = PgExec(tx, kOfficeColumns + "WHERE o.id = $1::uuid", id);
  if (r.empty()) return absl::NotFoundError(absl::StrCat(field, ": office ", id, " not found"));
  return StoredOffice{OfficeFromRow(r[0])};
}

std::vector<v1::Office> Repository::ListOffices(pqxx::transaction_base& tx,
                                                const std::string& within,
                                                const std::string& parent_office_id,
                                                const Page& page) {
  auto [after_name, after_id] = SplitPageKey(page.after);
  pqxx::result r =
      PgExec(tx,
             "SELECT * FROM (" + kOfficeColumns +
                 "WHERE ($1 = '' OR u.path <@ $1::ltree)) x(id, org_unit_id, name, path, created, "
                 "parent) WHERE ($2 = '' OR parent = $2) AND ($3 = '' OR (name, id) > ($3, $4)) "
                 "ORDER BY name, id LIMIT $5",
             within, parent_office_id, after_name, after_id, page.size + 1);
  std::vector<v1::Office> out;
  for (const auto& row : r) out.push_back(OfficeFromRow(row));
  return out;
}

absl::Status Repository::CheckOrgUnitExists(pqxx::transaction_base& tx, const std::string& id,
                                            absl::string_view field) {
  if (PgExec(tx, "SELECT 1 FROM org_units WHERE id = $1::uuid", id).empty()) {
    return absl::NotFoundError(absl::StrCat(field, ": org unit ", id, " not found"));
  }
  return absl::OkStatus();
}

v1::Person Repository::InsertPerson(pqxx::work& tx, const v1::Person& person) {
  std::optional<std::string> employer;
  if (!person.employer_unit_id().empty()) employer = person.employer_unit_id();
  std::vector<std::string> expertise(person.expertise().begin(), person.expertise().end());
  pqxx::row r = PgExec1(tx,
                        "INSERT INTO people (office_id, name, employer_unit_id, expertise) "
                        "VALUES ($1::uuid, $2, $3::uuid, $4::text[]) RETURNING id::text",
                        person.office_id(), person.name(), employer, PgTextArray(expertise));
  const std::string id = r[0].as<std::string>();
  for (int i = 0; i < person.posts_size(); ++i) {
    const auto& p = person.posts(i);
    std::optional<std::string> end;
    if (!p.end_date().empty()) end = p.end_date();
    PgExec(tx,
           "INSERT INTO person_posts (person_id, position, org_unit_id, title, start_date, "
           "end_date) VALUES ($1::uuid, $2, $3::uuid, $4, $5::date, $6::date)",
           id, i, p.org_unit_id(), p.title(), p.start_date(), end);
  }
  for (int i = 0; i < person.relatives_size(); ++i) {
    const auto& rel = person.relatives(i);
    PgExec(tx,
           "INSERT INTO person_relatives (person_id, position, org_unit_id, relation, name) "
           "VALUES ($1::uuid, $2, $3::uuid, $4, $5)",
           id, i, rel.org_unit_id(), rel.relation(), rel.name());
  }
  return *GetPerson(tx, id);
}

namespace {

// People with their posts and relatives in three queries, whatever the number of people.
std::vector<v1::Person> LoadPeople(pqxx::transaction_base& tx,
                                   const std::vector<std::string>& ids) {
  std::vector<v1::Person> people;
  if (ids.empty()) return people;
  const std::string id_array = PgTextArray(ids);
  std::map<std::string, std::size_t> index;
  for (const auto& row :
       PgExec(tx,
              "SELECT id::text, office_id::text, name, coalesce(employer_unit_id::text, ''), "
              "expertise::text, " +
                  SqlMicros("created_at") +
                  " FROM people WHERE id = ANY($1::uuid[]) ORDER BY name, id",
              id_array)) {
    v1::Person p;
    p.set_id(row[0].as<std::string>());
    p.set_office_id(row[1].as<std::string>());
    p.set_name(row[2].as<std::string>());
    p.set_employer_unit_id(row[3].as<std::string>());
    for (auto& tag : ParsePgTextArray(row[4].as<std::string>())) p.add_expertise(tag);
    SetTimestampMicros(p.mutable_create_time(), row[5].as<int64_t>());
    index[p.id()] = people.size();
    people.push_back(std::move(p));
  }
  for (const auto& row :
       PgExec(tx,
              "SELECT person_id::text, org_unit_id::text, title, start_date::text, "
              "coalesce(end_date::text, '') FROM person_posts WHERE person_id = ANY($1::uuid[]) "
              "ORDER BY person_id, position",
              id_array)) {
    auto* post = people[index.at(row[0].as<std::string>())].add_posts();
    post->set_org_unit_id(row[1].as<std::string>());
    post->set_title(row[2].as<std::string>());
    post->set_start_date(row[3].as<std::string>());
    post->set_end_date(row[4].as<std::string>());
  }
  for (const auto& row :
       PgExec(tx,
              "SELECT person_id::text, org_unit_id::text, relation, name FROM person_relatives "
              "WHERE person_id = ANY($1::uuid[]) ORDER BY person_id, position",
              id_array)) {
    auto* rel = people[index.at(row[0].as<std::string>())].add_relatives();
    rel->set_org_unit_id(row[1].as<std::string>());
    rel->set_relation(row[2].as<std::string>());
    rel->set_name(row[3].as<std::string>());
  }
  return people;
}

}  // namespace

absl::StatusOr<v1::Person> Repository::GetPerson(pqxx::transaction_base& tx,
                                                 const std::string& id) {
  std::vector<v1::Person> people = LoadPeople(tx, {id});
  if (people.empty()) return absl::NotFoundError(absl::StrCat("id: person ", id, " not found"));
  return std::move(people.front());
}

std::vector<v1::Person> Repository::ListPeople(pqxx::transaction_base& tx,
                                               const std::string& office_id,
                                               const std::string& expertise, const Page& page) {
  auto [after_name, after_id] = SplitPageKey(page.after);
  pqxx::result r =
      PgExec(tx,
             "SELECT id::text FROM people WHERE office_id = $1::uuid "
             "AND ($2 = '' OR expertise @> ARRAY[$2]) AND ($3 = '' OR (name, id::text) > ($3, $4)) "
             "ORDER BY name, id LIMIT $5",
             office_id, expertise, after_name, after_id, page.size + 1);
  std::vector<std::string> ids;
  for (const auto& row : r) ids.push_back(row[0].as<std::string>());
  return LoadPeople(tx, ids);
}

bool Repository::AnyUserExists(pqxx::transaction_base& tx) {
  return !tx.exec("SELECT 1 FROM users LIMIT 1").empty();
}

absl::StatusOr<v1::User> Repository::InsertUser(pqxx::work& tx, const v1::User& user,
                                                const std::string& password_hash) {
  auto opt = [](const std::string& s) {
    return s.empty() ? std::optional<std::string>() : std::optional<std::string>(s);
  };
  pqxx::result r =
      PgExec(tx,
             "INSERT INTO users (username, password_hash, person_id, office_id, roles, unit_id) "
             "VALUES ($1, $2, $3::uuid, $4::uuid, $5::text[], $6::uuid) "
             "ON CONFLICT (username) DO NOTHING RETURNING id::text",
             user.username(), password_hash, opt(user.person_id()), opt(user.office_id()),
             RolesArray(user), opt(user.unit_id()));
  if (r.empty()) {
    return absl::AlreadyExistsError(
        absl::StrCat("user.username: '", user.username(), "' is taken"));
  }
  return GetUser(tx, r[0][0].as<std::string>());
}

absl::StatusOr<v1::User> Repository::GetUser(pqxx::transaction_base& tx, const std::string& id) {
  pqxx::result r = PgExec(
      tx,
      "SELECT id::text, username, coalesce(person_id::text, ''), coalesce(office_id::text, ''), "
      "roles::text, coalesce(unit_id::text, ''), coalesce(locked_until > now(), false), " +
          SqlMicros("created_at") + " FROM users WHERE id = $1::uuid",
      id);
  if (r.empty()) return absl::NotFoundError(absl::StrCat("id: user ", id, " not found"));
  v1::User u;
  u.set_id(r[0][0].as<std::string>());
  u.set_username(r[0][1].as<std::string>());
  u.set_person_id(r[0][2].as<std::string>());
  u.set_office_id(r[0][3].as<std::string>());
  for (auto& name : ParsePgTextArray(r[0][4].as<std::string>())) {
    v1::User::Role role;
    if (v1::User::Role_Parse(name, &role)) u.add_roles(role);
  }
  u.set_unit_id(r[0][5].as<std::string>());
  u.set_locked(r[0][6].as<bool>());
  SetTimestampMicros(u.mutable_create_time(), r[0][7].as<int64_t>());
  return u;
}

std::optional<LoginRecord> Repository::FindLogin(pqxx::transaction_base& tx,
                                                 const std::string& username, bool for_update) {
  pqxx::result r =
      PgExec(tx, kLoginColumns + "WHERE us.username = $1" + (for_update ? " FOR UPDATE OF us" : ""),
             username);
  if (r.empty()) return std::nullopt;
  return LoginFromRow(r[0]);
}

std::optional<LoginRecord> Repository::FindLoginById(pqxx::transaction_base& tx,
                                                     const std::string& user_id) {
  pqxx::result r = PgExec(tx, kLoginColumns + "WHERE us.id = $1::uuid", user_id);
  if (r.empty()) return std::nullopt;
  return LoginFromRow(r[0]);
}

void Repository::SaveLoginState(pqxx::work& tx, const std::string& user_id,
                                const LoginState& state) {
  std::optional<int64_t> locked;
  if (state.locked_until) locked = absl::ToUnixMicros(*state.locked_until);
  PgExec(tx,
         "UPDATE users SET failed_logins = $2, "
         "locked_until = CASE WHEN $3::bigint IS NULL THEN NULL "
         "ELSE to_timestamp($3::bigint / 1000000.0) END WHERE id = $1::uuid",
         user_id, state.failed_logins, locked);
}

v1::ApiClient Repository::InsertApiClient(pqxx::work& tx, const v1::ApiClient& client,
                                          const std::string& secret_hash) {
  std::vector<std::string> scopes(client.scopes().begin(), client.scopes().end());
  pqxx::row r = PgExec1(tx,
                        "INSERT INTO api_clients (name, office_id, scopes, secret_hash) "
                        "VALUES ($1, $2::uuid, $3::text[], $4) RETURNING id::text, " +
                            SqlMicros("created_at"),
                        client.name(), client.office_id(), PgTextArray(scopes), secret_hash);
  v1::ApiClient out = client;
  out.set_id(r[0].as<std::string>());
  SetTimestampMicros(out.mutable_create_time(), r[1].as<int64_t>());
  return out;
}

std::optional<ClientRecord> Repository::FindClient(pqxx::transaction_base& tx,
                                                   const std::string& client_id) {
  pqxx::result r =
      PgExec(tx,
             "SELECT c.id::text, c.secret_hash, c.office_id::text, u.path::text, c.scopes::text "
             "FROM api_clients c JOIN offices o ON o.id = c.office_id "
             "JOIN org_units u ON u.id = o.org_unit_id WHERE c.id = $1::uuid",
             client_id);
  if (r.empty()) return std::nullopt;
  ClientRecord rec;
  rec.secret_hash = r[0][1].as<std::string>();
  rec.claims.set_kind(TokenClaims::API_CLIENT);
  rec.claims.set_sub(r[0][0].as<std::string>());
  rec.claims.set_office_id(r[0][2].as<std::string>());
  rec.claims.set_office_path(r[0][3].as<std::string>());
  for (auto& s : ParsePgTextArray(r[0][4].as<std::string>())) rec.claims.add_scopes(s);
  return rec;
}

void Repository::InsertRefreshToken(pqxx::work& tx, const std::string& token_hash,
                                    TokenClaims::SubjectKind kind, const std::string& subject_id,
                                    absl::Time expires_at) {
  PgExec(tx,
         "INSERT INTO refresh_tokens (token_hash, subject_kind, subject_id, expires_at) "
         "VALUES ($1, $2, $3::uuid, to_timestamp($4::bigint))",
         token_hash, TokenClaims::SubjectKind_Name(kind), subject_id,
         absl::ToUnixSeconds(expires_at));
}

std::optional<Repository::RefreshRecord> Repository::FindRefreshToken(
    pqxx::transaction_base& tx, const std::string& token_hash) {
  pqxx::result r =
      PgExec(tx,
             "SELECT subject_kind, subject_id::text, revoked_at IS NULL AND expires_at > now() "
             "FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE",
             token_hash);
  if (r.empty()) return std::nullopt;
  RefreshRecord rec;
  TokenClaims::SubjectKind_Parse(r[0][0].as<std::string>(), &rec.kind);
  rec.subject_id = r[0][1].as<std::string>();
  rec.active = r[0][2].as<bool>();
  return rec;
}

void Repository::RevokeRefreshToken(pqxx::work& tx, const std::string& token_hash) {
  PgExec(
      tx,
      "UPDATE refresh_tokens SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL",
      token_hash);
}

std::string Repository::CalendarVersion(pqxx::transaction_base& tx) {
  return tx
      .exec(
          "SELECT coalesce(max(updated_at)::text, '') || ':' || count(*) FROM calendar_years")[0][0]
      .as<std::string>();
}

absl::StatusOr<WorkingCalendar> Repository::LoadCalendar(pqxx::transaction_base& tx) {
  std::map<int, std::vector<CalendarEntry>> years;
  for (const auto& row : tx.exec("SELECT year FROM calendar_years")) {
    years[row[0].as<int>()];
  }
  for (const auto& row : tx.exec("SELECT day::text, year, kind, name FROM calendar_days")) {
    CalendarEntry e;
    auto day = ParseDate(row[0].as<std::string>(), "calendar_days.day");
    if (!day.ok()) return day.status();
    e.day = *day;
    e.kind = row[2].as<std::string>() == "WORKDAY" ? CalendarEntry::Kind::kWorkday
                                                   : CalendarEntry::Kind::kHoliday;
    e.name = row[3].as<std::string>();
    years[row[1].as<int>()].push_back(std::move(e));
  }
  WorkingCalendar calendar;
  for (const auto& [year, entries] : years) {
    if (auto s = calendar.SetYear(year, entries); !s.ok()) return s;
  }
  return calendar;
}

void Repository::ReplaceCalendarYear(pqxx::work& tx, int year,
                                     const std::vector<CalendarEntry>& entries,
                                     const std::string& source) {
  PgExec(tx,
         "INSERT INTO calendar_years (year, source) VALUES ($1, $2) ON CONFLICT (year) DO UPDATE "
         "SET source = EXCLUDED.source, updated_at = clock_timestamp()",
         year, source);
  PgExec(tx, "DELETE FROM calendar_days WHERE year = $1", year);
  for (const auto& e : entries) {
    PgExec(tx, "INSERT INTO calendar_days (day, year, kind, name) VALUES ($1::date, $2, $3, $4)",
           FormatDate(e.day), year, e.kind == CalendarEntry::Kind::kWorkday ? "WORKDAY" : "HOLIDAY",
           e.name);
  }
}

bool Repository::CalendarYearExists(pqxx::transaction_base& tx, int year) {
  return !PgExec(tx, "SELECT 1 FROM calendar_years WHERE year = $1", year).empty();
}

}  // namespace xuncha::directory
