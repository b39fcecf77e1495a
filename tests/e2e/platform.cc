#include "platform.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sodium.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "xuncha/auth.h"
#include "xuncha/calendar.h"
#include "xuncha/engagements.h"
#include "xuncha/pg.h"

namespace xuncha::e2e {

using gateway::testing::ClientResponse;
using gateway::testing::Request;

google::protobuf::Struct ParseJson(const std::string& json) {
  google::protobuf::Struct value;
  if (!google::protobuf::util::JsonStringToMessage(json, &value).ok()) value.Clear();
  return value;
}

std::string JsonString(const std::string& json, const std::string& key) {
  google::protobuf::Struct value = ParseJson(json);
  auto it = value.fields().find(key);
  return it == value.fields().end() ? "" : it->second.string_value();
}

namespace {

// The first element of a top-level array field of a JSON object, as an object.
google::protobuf::Struct FirstOf(const std::string& json, const std::string& key) {
  google::protobuf::Struct value = ParseJson(json);
  auto it = value.fields().find(key);
  if (it == value.fields().end() || it->second.list_value().values_size() == 0) return {};
  return it->second.list_value().values(0).struct_value();
}

std::string StringOf(const google::protobuf::Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  return it == s.fields().end() ? "" : it->second.string_value();
}

google::protobuf::Struct StructOf(const google::protobuf::Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  return it == s.fields().end() ? google::protobuf::Struct() : it->second.struct_value();
}

}  // namespace

Platform::Platform(std::string db_url) : db_url_(std::move(db_url)) {
  dir_ = testing::MakeTempDir();
  prefix_ = testing::UniqueName("e2e:");
  // Made up per run: the secrets test looks for it in the logs.
  admin_password_ = testing::UniqueName("admin-pw-");
}

Platform::~Platform() {
  // Gateway first so that nothing new reaches the services while they stop.
  if (processes_.count("gateway")) processes_["gateway"].Stop(SIGTERM);
  for (auto& [name, process] : processes_) process.Stop(SIGTERM);
}

bool Platform::StartService(const std::string& name, std::vector<std::string> extra) {
  const std::string address = absl::StrCat("127.0.0.1:", testing::FreePort());
  addresses_[name] = address;
  std::vector<std::string> argv = {
      absl::StrCat(XUNCHA_BIN_DIR, "/services/", name, "/xuncha-", name), "--listen=" + address,
      "--db_url=" + db_url_, "--redis=" + testing::RedisAddress(),
      "--event_stream_prefix=" + prefix_};
  argv.insert(argv.end(), extra.begin(), extra.end());
  if (!processes_[name].Start(argv, dir_ + "/" + name + ".log")) return false;
  if (!testing::WaitForServing(address, 60000)) {
    ADD_FAILURE() << name << " did not start:\n" << testing::ReadFile(dir_ + "/" + name + ".log");
    return false;
  }
  return true;
}

bool Platform::Start() {
  auto keys = testing::WriteTokenKeys(dir_);
  if (!keys.ok()) return false;
  if (sodium_init() < 0) return false;
  std::string petition_public(crypto_box_PUBLICKEYBYTES, '\0');
  std::string petition_secret(crypto_box_SECRETKEYBYTES, '\0');
  crypto_box_keypair(reinterpret_cast<unsigned char*>(petition_public.data()),
                     reinterpret_cast<unsigned char*>(petition_secret.data()));
  testing::WriteFile(dir_ + "/petition.pub", absl::BytesToHexString(petition_public) + "\n");
  petition_secret_hex_ = absl::BytesToHexString(petition_secret);

  // The services share one database, as in production; ltree must live in public so that every
  // service's schema sees the type.
  {
    PgPoolOptions o;
    o.url = db_url_;
    PgPool pool(o);
    if (!pool.Transact([](pqxx::work& tx) {
               tx.exec("CREATE EXTENSION IF NOT EXISTS ltree SCHEMA public");
               return absl::OkStatus();
             })
             .ok()) {
      return false;
    }
  }
  const std::string verify = "--token_public_key_file=" + keys->public_key_file;
  if (!StartService("directory", {"--token_private_key_file=" + keys->private_key_file,
                                  "--admin_password=" + admin_password_, "--password_hash=fast"})) {
    return false;
  }
  const std::string directory = "--directory_addr=" + addresses_["directory"];
  // Every domain service of this build tree (a new one joins without a change here); the
  // settings beyond the common ones are those of the services that need more.
  const std::map<std::string, std::vector<std::string>> extra = {
      {"planning", {directory}},
      {"rectification", {directory}},
      {"fieldwork",
       {"--petition_public_key_file=" + dir_ + "/petition.pub",
        "--evidence_dir=" + dir_ + "/evidence"}},
  };
  for (absl::string_view service : absl::StrSplit(XUNCHA_E2E_SERVICES, ',')) {
    std::vector<std::string> args = {verify};
    if (auto it = extra.find(std::string(service)); it != extra.end()) {
      args.insert(args.end(), it->second.begin(), it->second.end());
    }
    if (!StartService(std::string(service), args)) return false;
  }

  http_port_ = testing::FreePort();
  std::vector<std::string> argv = {absl::StrCat(XUNCHA_BIN_DIR, "/gateway/xuncha-gateway"),
                                   absl::StrCat("--http_listen=127.0.0.1:", http_port_), verify,
                                   "--redis=" + testing::RedisAddress(),
                                   "--rate_limit_address_rps=0", "--rate_limit_principal_rps=0",
                                   "--default_deadline=15s",
                                   // Small enough for a test to cross it quickly.
                                   "--upload_max_bytes=8388608"};
  for (const auto& [name, address] : addresses_) {
    argv.push_back(absl::StrCat("--", name, "_addr=", address));
  }
  if (!processes_["gateway"].Start(argv, dir_ + "/gateway.log")) return false;
  for (int i = 0; i < 500; ++i) {
    if (Request(http_port_, "GET", "/readyz").status == 200) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  ADD_FAILURE() << "gateway not ready:\n" << testing::ReadFile(dir_ + "/gateway.log");
  return false;
}

ClientResponse Platform::Call(const std::string& method, const std::string& target,
                              const std::string& token, const std::string& body,
                              const Headers& extra) const {
  Headers headers = extra;
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
  if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
  return Request(http_port_, method, target, body, headers);
}

std::map<std::string, std::string> Platform::Logs() const {
  std::map<std::string, std::string> logs;
  for (const auto& [name, process] : processes_) {
    logs[name] = testing::ReadFile(dir_ + "/" + name + ".log");
  }
  return logs;
}

bool Platform::AllAlive() const {
  for (const auto& [name, process] : processes_) {
    if (!process.running()) return false;
    // A crashed child stays a zombie until reaped: kill(pid, 0) would still succeed.
    const std::string stat = testing::ReadFile(absl::StrCat("/proc/", process.pid(), "/stat"));
    const std::size_t paren = stat.rfind(')');
    if (paren == std::string::npos || paren + 2 >= stat.size() || stat[paren + 2] == 'Z') {
      return false;
    }
  }
  return true;
}

namespace {

// Every scope a service checks, so that the API client holding them is refused only where its
// office or the object (not a missing scope) rules it out.
constexpr char kEveryScope[] =
    R"("directory:read","directory:write","planning:read","planning:write","issues:read",)"
    R"("issues:write","clues:read","clues:disposition","fieldwork:read","rectification:read")";

// Calls the gateway and reports anything but 200 as a test failure.
class Client {
 public:
  Client(Platform& p, World& w) : p_(p), w_(w) {}

  std::string Do(const std::string& method, const std::string& target, const std::string& token,
                 const std::string& body = "", const std::string& operation = "") {
    ClientResponse r = p_.Call(method, target, token, body);
    if (r.status != 200) {
      ADD_FAILURE() << method << " " << target << " → " << r.status << " " << r.body
                    << "\nbody: " << body;
      ok_ = false;
      return "";
    }
    if (!operation.empty()) w_.valid_bodies[operation] = body;
    return r.body;
  }
  // Polls until `target` answers 200 (an event must reach another service first).
  std::string Eventually(const std::string& target, const std::string& token,
                         const std::string& must_contain = "") {
    ClientResponse r;
    for (int i = 0; i < 300; ++i) {
      r = p_.Call("GET", target, token);
      if (r.status == 200 && r.body.find(must_contain) != std::string::npos) return r.body;
      absl::SleepFor(absl::Milliseconds(100));
    }
    ADD_FAILURE() << "GET " << target << " never answered with " << must_contain << ": " << r.status
                  << " " << r.body;
    ok_ = false;
    return "";
  }
  bool ok() const { return ok_; }

 private:
  Platform& p_;
  World& w_;
  bool ok_ = true;
};

std::string Login(Client& c, const std::string& username, const std::string& password,
                  std::string* refresh = nullptr) {
  std::string body =
      c.Do("POST", "/api/v1/auth/token", "",
           absl::StrCat(R"({"username":")", username, R"(","password":")", password, "\"}"));
  if (refresh != nullptr) *refresh = JsonString(body, "refreshToken");
  return JsonString(body, "accessToken");
}

std::string UnitPath(Platform& p, const std::string& token, const std::string& unit) {
  return JsonString(p.Call("GET", "/api/v1/orgs/" + unit, token).body, "path");
}

}  // namespace

bool BuildWorld(Platform& p, World& w) {
  Client c(p, w);
  std::string admin_refresh;
  w.admin_token = Login(c, "admin", p.admin_password(), &admin_refresh);
  w.secrets["admin password"] = p.admin_password();
  w.secrets["admin access token"] = w.admin_token;
  w.secrets["admin refresh token"] = admin_refresh;
  if (w.admin_token.empty()) return false;
  const std::string& admin = w.admin_token;

  auto unit = [&](const std::string& parent, const std::string& name, const std::string& kind) {
    return JsonString(c.Do("POST", "/api/v1/orgs", admin,
                           absl::StrCat(R"({"parent":")", parent, R"(","name":")", name,
                                        R"(","kind":")", kind, "\"}")),
                      "id");
  };
  w.city_unit = unit("", "某市委", "CITY_COMMITTEE");
  w.a_unit = unit(w.city_unit, "甲县委", "COUNTY_COMMITTEE");
  w.b_unit = unit(w.city_unit, "乙县委", "COUNTY_COMMITTEE");
  w.target_unit = unit(w.a_unit, "甲县财政局", "DEPARTMENT");
  w.jw_unit = unit(w.a_unit, "甲县纪委监委", "DEPARTMENT");
  w.zzb_unit = unit(w.a_unit, "甲县委组织部", "DEPARTMENT");
  w.other_unit = unit(w.a_unit, "甲县住建局", "DEPARTMENT");
  w.ids["orgs"] = w.target_unit;
  w.a_path = JsonString(c.Do("GET", "/api/v1/orgs/" + w.a_unit, admin), "path");
  auto office = [&](const std::string& unit_id, const std::string& name) {
    return JsonString(
        c.Do("POST", "/api/v1/offices", admin,
             absl::StrCat(R"({"orgUnitId":")", unit_id, R"(","name":")", name, "\"}")),
        "id");
  };
  w.a_office = office(w.a_unit, "甲县委巡察办");
  w.b_office = office(w.b_unit, "乙县委巡察办");
  w.city_office = office(w.city_unit, "某市委巡察办");
  w.ids["offices"] = w.a_office;
  if (!c.ok()) return false;

  auto person = [&](const std::string& name) {
    return JsonString(
        c.Do("POST", "/api/v1/people", admin,
             absl::StrCat(R"({"officeId":")", w.a_office, R"(","name":")", name,
                          R"(","employerUnitId":")", w.a_unit, R"(","expertise":["纪检"]})"),
             "DirectoryService_CreatePerson"),
        "id");
  };
  w.leader_person = person("甲组长");
  w.member_person = person("甲组员");
  // Seconded (借调) from county B into A's group: employed by B and working from B's account,
  // registered in A's people so that A may put them in a group (planning resolves members with
  // the caller's rights, and B's register is not A's to read).
  w.seconded_person = JsonString(c.Do("POST", "/api/v1/people", admin,
                                      absl::StrCat(R"({"officeId":")", w.a_office,
                                                   R"(","name":"乙借调组员","employerUnitId":")",
                                                   w.b_unit, R"(","expertise":["审计"]})")),
                                 "id");
  w.ids["people"] = w.leader_person;

  // Accounts with made-up passwords (the secrets test looks for them in the logs).
  auto user = [&](const std::string& username, const std::string& office_id,
                  const std::string& roles, const std::string& person_id,
                  const std::string& unit_id, std::string* user_id) {
    const std::string password = testing::UniqueName("pw-" + username + "-");
    w.secrets["password of " + username] = password;
    std::string body =
        c.Do("POST", "/api/v1/users", admin,
             absl::StrCat(R"({"user":{"username":")", username, R"(","officeId":")", office_id,
                          R"(","roles":[)", roles, R"(],"personId":")", person_id,
                          R"(","unitId":")", unit_id, R"("},"password":")", password, "\"}"));
    if (user_id != nullptr) *user_id = JsonString(body, "id");
    std::string refresh;
    std::string token = Login(c, username, password, &refresh);
    w.secrets["access token of " + username] = token;
    w.secrets["refresh token of " + username] = refresh;
    return token;
  };
  w.a_admin =
      user("a-admin", w.a_office, R"("OFFICE_ADMIN","LEADING_GROUP")", "", "", &w.a_admin_user);
  w.a_leader = user("a-leader", w.a_office, R"("OFFICE_STAFF")", w.leader_person, "", nullptr);
  w.a_member =
      user("a-member", w.a_office, R"("OFFICE_STAFF")", w.member_person, "", &w.member_user);
  w.b_admin = user("b-admin", w.b_office, R"("OFFICE_ADMIN","LEADING_GROUP")", "", "", nullptr);
  w.liaison = user("a-liaison", w.a_office, R"("UNIT_LIAISON")", "", w.target_unit, nullptr);
  w.jw_receiver = user("jw-receiver", w.a_office, R"("RECEIVER")", "", w.jw_unit, nullptr);
  w.zzb_receiver = user("zzb-receiver", w.a_office, R"("RECEIVER")", "", w.zzb_unit, nullptr);
  w.a_office_admin = user("a-office-admin", w.a_office, R"("OFFICE_ADMIN")", "", "", nullptr);
  w.a_staff = user("a-staff", w.a_office, R"("OFFICE_STAFF")", "", "", nullptr);
  w.a_leading_group = user("a-leading-group", w.a_office, R"("LEADING_GROUP")", "", "", nullptr);
  w.seconded = user("b-seconded", w.b_office, R"("OFFICE_STAFF")", w.seconded_person, "", nullptr);
  w.other_liaison =
      user("a-other-liaison", w.a_office, R"("UNIT_LIAISON")", "", w.other_unit, nullptr);
  w.city_admin =
      user("city-admin", w.city_office, R"("OFFICE_ADMIN","LEADING_GROUP")", "", "", nullptr);
  w.ids["users"] = w.member_user;
  if (!c.ok()) return false;

  // An API client of A with its secret, and a token issued with the client credentials.
  {
    std::string body = c.Do("POST", "/api/v1/apiClients", w.a_admin,
                            absl::StrCat(R"({"name":"案件系统","officeId":")", w.a_office,
                                         R"(","scopes":[)", kEveryScope, "]}"),
                            "DirectoryService_CreateApiClient");
    google::protobuf::Struct created = ParseJson(body);
    const std::string client_secret = StringOf(created, "clientSecret");
    const std::string client_id = StringOf(StructOf(created, "apiClient"), "id");
    w.secrets["API client secret"] = client_secret;
    w.ids["apiClients"] = client_id;
    std::string token_body = c.Do(
        "POST", "/api/v1/auth/token", "",
        absl::StrCat(R"({"clientId":")", client_id, R"(","clientSecret":")", client_secret, "\"}"));
    w.api_client_token = JsonString(token_body, "accessToken");
    w.secrets["API client access token"] = w.api_client_token;
    // A second client of A whose only scope no route asks for.
    google::protobuf::Struct unscoped =
        ParseJson(c.Do("POST", "/api/v1/apiClients", w.a_admin,
                       absl::StrCat(R"({"name":"无关系统","officeId":")", w.a_office,
                                    R"(","scopes":["unrelated:read"]})")));
    const std::string unscoped_secret = StringOf(unscoped, "clientSecret");
    w.secrets["unscoped API client secret"] = unscoped_secret;
    w.api_client_without_scope = JsonString(
        c.Do("POST", "/api/v1/auth/token", "",
             absl::StrCat(R"({"clientId":")", StringOf(StructOf(unscoped, "apiClient"), "id"),
                          R"(","clientSecret":")", unscoped_secret, "\"}")),
        "accessToken");
    w.secrets["unscoped API client access token"] = w.api_client_without_scope;
    // A refresh and a revocation carry the refresh token through the gateway too.
    std::string refreshed = c.Do("POST", "/api/v1/auth/token", "",
                                 absl::StrCat(R"({"refreshToken":")", admin_refresh, "\"}"));
    w.secrets["refreshed access token"] = JsonString(refreshed, "accessToken");
    const std::string new_refresh = JsonString(refreshed, "refreshToken");
    if (!new_refresh.empty()) {
      w.secrets["second refresh token"] = new_refresh;
      c.Do("POST", "/api/v1/auth/token:revoke", w.admin_token,
           absl::StrCat(R"({"refreshToken":")", new_refresh, "\"}"));
    }
  }
  if (!c.ok()) return false;

  // Planning: an approved annual plan, a regular round with one group inspecting the unit, in
  // the field.
  const int year = TodayInChina().year();
  w.ids["plans"] =
      JsonString(c.Do("POST", "/api/v1/plans", w.a_admin,
                      absl::StrCat(R"({"kind":"ANNUAL","title":"年度巡察工作安排","startYear":)",
                                   year, R"(,"endYear":)", year, "}"),
                      "PlanningService_CreatePlan"),
                 "id");
  c.Do("POST", absl::StrCat("/api/v1/plans/", w.ids["plans"], ":approve"), w.a_admin, "{}");
  w.ids["rounds"] =
      JsonString(c.Do("POST", "/api/v1/rounds", w.a_admin,
                      absl::StrCat(R"({"planId":")", w.ids["plans"],
                                   R"(","kind":"REGULAR","title":"第一轮巡察","stationStart":")",
                                   FormatDate(TodayInChina() - 5), R"(","stationEnd":")",
                                   FormatDate(TodayInChina() + 30), "\"}"),
                      "PlanningService_CreateRound"),
                 "id");
  const std::string group_body = absl::StrCat(
      R"({"name":"第一巡察组","members":[{"personId":")", w.leader_person,
      R"(","role":"LEADER"},{"personId":")", w.member_person, R"(","role":"MEMBER"},{"personId":")",
      w.seconded_person, R"(","role":"MEMBER"}],"targets":[{"unitId":")", w.target_unit, "\"}]}");
  std::string group = c.Do("POST", absl::StrCat("/api/v1/rounds/", w.ids["rounds"], "/groups"),
                           w.a_admin, group_body, "PlanningService_CreateGroup");
  w.ids["groups"] = JsonString(group, "id");
  c.Do("POST", absl::StrCat("/api/v1/rounds/", w.ids["rounds"], ":approve"), w.a_admin, "{}");
  c.Do("POST", absl::StrCat("/api/v1/rounds/", w.ids["rounds"], ":startFieldwork"), w.a_admin,
       "{}");
  if (!c.ok()) return false;
  std::string engagements =
      c.Do("GET", absl::StrCat("/api/v1/engagements?round=", w.ids["rounds"]), w.a_admin);
  const std::string engagement = StringOf(FirstOf(engagements, "engagements"), "id");
  w.ids["engagement"] = engagement;
  w.ids["engagements"] = engagement;
  if (engagement.empty()) {
    ADD_FAILURE() << "no engagement: " << engagements;
    return false;
  }
  const std::string e_path = "/api/v1/engagements/" + engagement;
  // Every service learns of the engagement from planning's event.
  c.Eventually(e_path + "/interviews", w.a_leader);
  c.Eventually("/api/v1/issues?engagementId=" + engagement, w.a_leader);
  c.Eventually("/api/v1/clues?engagementId=" + engagement, w.a_leader);
  c.Eventually("/api/v1/rectificationCases?engagementId=" + engagement, w.a_admin);
  if (!c.ok()) return false;
  c.Do(
      "POST", e_path + "/announcement", w.a_admin,
      R"({"scope":"全面从严治党","phone":"0000-12345678","mailbox":"甲县某信箱","address":"某路1号"})",
      "PlanningService_PublishAnnouncement");
  c.ok();

  // Fieldwork: an interview, a petition with the reporter's identity, a survey, a document
  // request, evidence and a work log entry.
  const std::string interview_body = absl::StrCat(
      R"({"kind":"INDIVIDUAL","intervieweeName":"李某某","intervieweePost":"办公室主任",)",
      R"("category":"MIDDLE_MANAGER","interviewerPersonIds":[")", w.leader_person, R"(",")",
      w.member_person,
      R"("],"startTime":"2025-05-01T02:20:00Z","place":"谈话室","notes":"机密谈话记录-公车私用",)",
      R"("problems":[{"summary":"公车私用"}]})");
  w.ids["interviews"] = JsonString(c.Do("POST", e_path + "/interviews", w.a_member, interview_body,
                                        "FieldworkService_CreateInterview"),
                                   "id");
  w.confidential.push_back("机密谈话记录-公车私用");
  const std::string reporter_name = testing::UniqueName("实名举报人");
  const std::string reporter_phone =
      absl::StrCat("139", absl::ToUnixMicros(absl::Now()) % 100000000);
  w.secrets["reporter name"] = reporter_name;
  w.secrets["reporter phone"] = reporter_phone;
  std::string receipt = c.Do(
      "POST", "/api/v1/petitions", "",
      absl::StrCat(
          R"({"engagementId":")", engagement,
          R"(","channel":"ONLINE","subject":"反映某科长收受礼金","content":"机密举报内容-购物卡",)",
          R"("reporter":{"name":")", reporter_name, R"(","phone":")", reporter_phone, "\"}}"));
  w.petition_receipt = JsonString(receipt, "receipt");
  w.secrets["petition receipt code"] = w.petition_receipt;
  c.Do("GET", "/api/v1/petitions:status?receipt=" + w.petition_receipt, "");
  w.confidential.push_back("机密举报内容-购物卡");
  w.ids["petitions"] =
      StringOf(FirstOf(c.Do("GET", e_path + "/petitions", w.a_leader), "petitions"), "id");
  std::string survey =
      c.Do("POST", "/api/v1/surveys", w.a_member,
           absl::StrCat(R"({"engagementId":")", engagement,
                        R"(","title":"领导班子民主测评","kind":"DEMOCRATIC_EVALUATION"})"),
           "FieldworkService_CreateSurvey");
  w.ids["surveys"] = JsonString(survey, "id");
  w.ids["documentRequests"] = JsonString(
      c.Do("POST", e_path + "/documentRequests", w.a_member,
           R"({"title":"三重一大会议记录","description":"近三年","dueDate":"2030-01-10"})",
           "FieldworkService_CreateDocumentRequest"),
      "id");
  const std::string evidence_body =
      absl::StrCat(R"({"engagementId":")", engagement,
                   R"(","filename":"a.txt","contentType":"text/plain","content":")",
                   absl::Base64Escape(testing::UniqueName("evidence-")), "\"}");
  w.ids["evidence"] = JsonString(c.Do("POST", "/api/v1/evidence", w.a_member, evidence_body,
                                      "FieldworkService_UploadEvidence"),
                                 "sha256");
  w.ids["interviewOutlines"] = JsonString(
      c.Do("POST", "/api/v1/interviewOutlines", w.a_admin,
           R"({"title":"机密谈话提纲","category":"MIDDLE_MANAGER","questions":["请谈谈班子情况"]})",
           "FieldworkService_CreateInterviewOutline"),
      "id");
  const std::string today = FormatDate(TodayInChina());
  w.ids["workLog"] = today;
  c.Do("POST", e_path + "/workLog", w.a_member,
       absl::StrCat(R"({"day":")", today, R"(","content":"今日谈话三人"})"),
       "FieldworkService_AddWorkLogEntry");

  // Issues: an immediate issue fed back at once (which opens rectification), and a second one in
  // verification with a question to the unit.
  std::string taxonomy = c.Do("GET", "/api/v1/taxonomy", w.a_member);
  std::string category;
  {
    google::protobuf::Struct t = ParseJson(taxonomy);
    auto entries = t.fields().find("entries");
    if (entries == t.fields().end()) {
      ADD_FAILURE() << "no taxonomy: " << taxonomy;
      return false;
    }
    for (const auto& e : entries->second.list_value().values()) {
      if (!StringOf(e.struct_value(), "parentId").empty()) {
        category = StringOf(e.struct_value(), "id");
        break;
      }
    }
  }
  auto issue_body = [&](const std::string& title, bool immediate) {
    return absl::StrCat(
        R"({"engagementId":")", engagement, R"(","title":")", title,
        R"(","description":"经查阅凭证发现","categoryId":")", category,
        R"(","disciplineType":"INTEGRITY","severity":"SERIOUS","source":"INTERVIEW",)",
        R"("sourceRecordId":")", w.ids["interviews"], R"(","responsiblePost":"财务科长")",
        immediate ? R"(,"immediate":true)" : "", "}");
  };
  const std::string immediate_body = issue_body("机密问题-办公用房超标", true);
  std::string immediate = c.Do("POST", "/api/v1/issues", w.a_member, immediate_body);
  w.confidential.push_back(JsonString(immediate, "id"));
  c.Do("POST", absl::StrCat("/api/v1/issues/", JsonString(immediate, "id"), ":feedBack"),
       w.a_member, R"({"requirements":"立即腾退"})");
  const std::string ordinary_body = issue_body("机密问题-违规发放津补贴", false);
  w.ids["issues"] = JsonString(
      c.Do("POST", "/api/v1/issues", w.a_member, ordinary_body, "IssuesService_CreateIssue"), "id");
  w.confidential.push_back("机密问题-违规发放津补贴");
  c.Do("POST", absl::StrCat("/api/v1/issues/", w.ids["issues"], ":startVerification"), w.a_member,
       "{}");
  w.ids["questions"] = JsonString(
      c.Do("POST", absl::StrCat("/api/v1/issues/", w.ids["issues"], "/questions"), w.a_member,
           R"({"text":"请说明津补贴发放依据"})", "IssuesService_AskQuestion"),
      "id");
  // A report needs a confirmed issue.
  std::string confirmed =
      c.Do("POST", "/api/v1/issues", w.a_member, issue_body("机密问题-超标准接待", false));
  const std::string confirmed_id = JsonString(confirmed, "id");
  w.confidential.push_back(confirmed_id);
  c.Do("POST", absl::StrCat("/api/v1/issues/", confirmed_id, ":startVerification"), w.a_member,
       "{}");
  c.Do("POST", absl::StrCat("/api/v1/issues/", confirmed_id, ":confirm"), w.a_member,
       R"({"signOff":{"signerName":"王局长","signerPost":"局长","signedOn":"2025-05-20",)"
       R"("statement":"对反馈问题无异议"}})");
  w.ids["reports"] = JsonString(
      c.Do("POST", "/api/v1/reports", w.a_leader,
           absl::StrCat(R"({"engagementId":")", engagement, R"(","summary":"机密报告摘要"})"),
           "IssuesService_CreateReport"),
      "id");
  w.confidential.push_back("机密报告摘要");

  // Rectification opened the case from the fed-back immediate issue.
  std::string cases =
      c.Eventually("/api/v1/rectificationCases?engagementId=" + engagement, w.a_admin, "\"id\"");
  w.ids["rectificationCases"] = StringOf(FirstOf(cases, "cases"), "id");
  std::string rc =
      c.Do("GET", "/api/v1/rectificationCases/" + w.ids["rectificationCases"], w.a_admin);
  w.ids["rectificationItems"] = StringOf(FirstOf(rc, "items"), "id");
  // A recheck needs an accepted case; its id is only resolvable when the flow gets there, so
  // the recheck route uses a fresh id (authorisation must not depend on the object existing).

  // Clues: referral rules, one clue referred to the commission and one kept as a draft.
  c.Do("PUT", "/api/v1/referralRules", w.a_admin,
       absl::StrCat(R"({"rules":[{"cadreLevel":"COUNTY_MANAGED","receivingUnitId":")", w.jw_unit,
                    R"(","receivingUnitPath":")", UnitPath(p, w.a_admin, w.jw_unit),
                    R"(","receivingUnitName":"甲县纪委监委"},{"matterType":"APPOINTMENT",)",
                    R"("receivingUnitId":")", w.zzb_unit, R"(","receivingUnitPath":")",
                    UnitPath(p, w.a_admin, w.zzb_unit),
                    R"(","receivingUnitName":"甲县委组织部"}]})"),
       "CluesService_SetReferralRules");
  auto clue_body = [&](const std::string& person, const std::string& summary,
                       const std::string& source, const std::string& source_id) {
    return absl::StrCat(R"({"engagementId":")", engagement, R"(","source":")", source,
                        R"(","sourceId":")", source_id, R"(","subjectPerson":")", person,
                        R"(","subjectPosition":"财务科科长","cadreLevel":"COUNTY_MANAGED",)",
                        R"("matterType":"DISCIPLINE","category":"廉洁纪律","summary":")", summary,
                        "\"}");
  };
  std::string referred =
      c.Do("POST", "/api/v1/clues", w.a_member,
           clue_body("机密被反映人甲", "机密线索摘要甲", "ISSUE", w.ids["issues"]),
           "CluesService_CreateClue");
  w.ids["clues"] = JsonString(referred, "id");
  c.Do("POST", absl::StrCat("/api/v1/clues/", w.ids["clues"], ":approve"), w.a_admin, "{}");
  c.Do("POST", absl::StrCat("/api/v1/clues/", w.ids["clues"], ":refer"), w.a_admin,
       absl::StrCat(R"({"documentNumber":"甲巡移〔2025〕1号","referralDate":")", today, "\"}"));
  w.ids["draft clue"] = JsonString(
      c.Do("POST", "/api/v1/clues", w.a_member,
           clue_body("机密被反映人乙", "机密线索摘要乙", "PETITION", w.ids["petitions"])),
      "id");
  w.confidential.push_back("机密被反映人甲");
  w.confidential.push_back("机密被反映人乙");
  w.confidential.push_back("机密线索摘要甲");
  w.confidential.push_back("机密线索摘要乙");

  // A webhook subscription of A's API client, when this build has the webhooks service (which
  // learns of API clients from directory's events, hence the retries). Its URL answers nothing:
  // deliveries fail and are retried, as they would be.
  if (!p.address("webhooks").empty()) {
    const std::string body =
        absl::StrCat(R"({"apiClientId":")", w.ids["apiClients"],
                     R"(","eventTypes":["clues.*"],"url":"http://127.0.0.1:9/hook"})");
    ClientResponse r;
    for (int i = 0; i < 300; ++i) {
      r = p.Call("POST", "/api/v1/webhookSubscriptions", w.a_admin, body);
      if (r.status != 404) break;
      absl::SleepFor(absl::Milliseconds(100));
    }
    if (r.status != 200) {
      ADD_FAILURE() << "webhook subscription: " << r.status << " " << r.body;
      return false;
    }
    w.valid_bodies["WebhooksService_CreateWebhookSubscription"] = body;
    google::protobuf::Struct created = ParseJson(r.body);
    w.ids["webhookSubscriptions"] = StringOf(StructOf(created, "subscription"), "id");
    w.secrets["webhook signing secret"] = StringOf(created, "secret");
  }

  // Ids are confidential too: a principal who may not see an object must not learn its id.
  for (const auto& [collection, id] : w.ids) {
    if (collection != "workLog" && collection != "orgs" && !id.empty()) {
      w.confidential.push_back(id);
    }
  }
  for (const auto& [collection, id] : w.ids) {
    if (id.empty() && collection != "workLog") {
      ADD_FAILURE() << "no id for " << collection;
      return false;
    }
  }
  return true;
}

}  // namespace xuncha::e2e
