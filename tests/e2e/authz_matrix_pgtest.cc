// Authorisation matrix over every routed RPC (issue 9), taken from the live OpenAPI document and
// checked against ONE table (authz_table.cc): a row per operation id, a cell per principal kind
// (office admin, staff, leading group, group member, seconded member, unit liaison, liaison of
// another unit, the two receivers, API clients with and without scope, the city office above A,
// the admin of another county). Real objects of county office A are created through the gateway
// first; every route is then called, addressed to those objects, as every principal:
//   allowed  → 2xx, or 400/409/412 (refused on the request or the object's state after
//              authorisation let the caller through, e.g. a transition in the wrong state);
//   denied   → 401/403/404 whose answer leaks none of A's confidential strings, or an empty 200
//              from a query route without path variables that leaks nothing (a list filtered to
//              nothing; counted apart). A 400 is not a denial: validation ran first, and the row
//              needs a valid body so that authorisation decides;
//   5xx      → always a mismatch. Every non-public route must also answer 401 without a token.
// Within a row the denied principals go first, so that they meet the object as it was; allowed
// writes then move it on (the later ones meet a state refusal, still "allowed"); rows that move
// A's shared objects on for good come last in the table, and a deletion gets a fresh object per
// call. The summary prints the counts per principal and every mismatch as
// "OP principal: expected X [rule] got HTTP N body".
// A routed operation with neither a row nor an exemption (public/self routes, with a reason) fails
// the test, as does a row or exemption naming an operation the gateway no longer routes.
#include <gtest/gtest.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <functional>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "authz_table.h"
#include "platform.h"
#include "service_harness.h"
#include "xuncha/calendar.h"
#include "xuncha/engagements.h"

namespace xuncha::e2e {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

struct Route {
  std::string method;     // upper case
  std::string path;       // template, e.g. /api/v1/issues/{id}:confirm
  std::string operation;  // "IssuesService_ConfirmIssue"
  bool is_public = false;
  std::vector<std::string> query;      // query parameter names (JSON names)
  std::vector<std::string> body_keys;  // top-level properties of the request body, if any
  bool has_body = false;
  std::string label() const { return method + " " + path; }
  bool has_path_variables() const { return path.find('{') != std::string::npos; }
};

// Routes no principal check applies to, each with the reason. A route missing from both the
// exercised set and this table fails the test.
const std::map<std::string, std::string>& Exempt() {
  static const auto* exempt = new std::map<std::string, std::string>{
      {"DirectoryService_IssueToken", "public: credentials are the request itself"},
      {"DirectoryService_RevokeToken", "acts only on the refresh token presented"},
      {"DirectoryService_GetCurrentUser", "answers with the caller's own identity"},
      {"DirectoryService_GetCalendarYear", "the national working-day calendar, one for all"},
      {"DirectoryService_AddWorkingDays", "arithmetic on the national calendar"},
      {"DirectoryService_CountWorkingDays", "arithmetic on the national calendar"},
      {"FieldworkService_SubmitPetition", "public intake: anyone may petition"},
      {"FieldworkService_GetPetitionStatus", "public: the receipt code is the credential"},
      {"FieldworkService_SubmitSurveyResponse", "public: the single-use code is the credential"},
      {"FieldworkService_GetSurveyQuestionnaire", "public: the single-use code is the credential"},
      {"PlanningService_CreatePlan", "creates in the caller's own office; addresses nothing of A"},
      {"FieldworkService_CreateInterviewOutline",
       "creates in the caller's own office; addresses nothing of A"},
      {"PlanningService_GetAnnouncement", "public: the announcement is published to the unit"},
      {"FieldworkService_LookupPetitionStatus", "public: the receipt code is the credential"},
      {"FieldworkService_ReplyToPetitionQuestion", "public: the receipt code is the credential"},
      {"IssuesService_CreateTaxonomyEntry",
       "creates in the caller's own office under shared standard headings"},
  };
  return *exempt;
}

std::string Normalise(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (c != '_') out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

std::vector<Route> RoutesFromOpenApi(const std::string& json) {
  Struct doc = ParseJson(json);
  std::vector<Route> routes;
  const auto& schemas =
      doc.fields().at("components").struct_value().fields().at("schemas").struct_value().fields();
  for (const auto& [path, operations] : doc.fields().at("paths").struct_value().fields()) {
    for (const auto& [method, op_value] : operations.struct_value().fields()) {
      const Struct& op = op_value.struct_value();
      Route r;
      r.method = absl::AsciiStrToUpper(method);
      r.path = path;
      r.operation = op.fields().at("operationId").string_value();
      auto security = op.fields().find("security");
      r.is_public =
          security != op.fields().end() && security->second.list_value().values_size() == 0;
      if (auto p = op.fields().find("parameters"); p != op.fields().end()) {
        for (const Value& param : p->second.list_value().values()) {
          const auto& f = param.struct_value().fields();
          if (f.at("in").string_value() == "query") r.query.push_back(f.at("name").string_value());
        }
      }
      if (auto b = op.fields().find("requestBody"); b != op.fields().end()) {
        r.has_body = true;
        // A streamed upload declares a raw body (not JSON): no properties to address.
        const auto& content = b->second.struct_value().fields().at("content").struct_value();
        auto json = content.fields().find("application/json");
        static const Struct kNoSchema;
        const Struct& schema =
            json == content.fields().end()
                ? kNoSchema
                : json->second.struct_value().fields().at("schema").struct_value();
        const Struct* resolved = &schema;
        if (auto ref = schema.fields().find("$ref"); ref != schema.fields().end()) {
          std::string name(absl::StripPrefix(ref->second.string_value(), "#/components/schemas/"));
          auto it = schemas.find(name);
          resolved = it == schemas.end() ? nullptr : &it->second.struct_value();
        }
        if (resolved != nullptr) {
          if (auto props = resolved->fields().find("properties");
              props != resolved->fields().end()) {
            for (const auto& [key, unused] : props->second.struct_value().fields()) {
              r.body_keys.push_back(key);
            }
          }
        }
      }
      routes.push_back(std::move(r));
    }
  }
  return routes;
}

// Values that address A's objects, by normalised field or variable name.
std::map<std::string, std::string> AddressValues(const World& w) {
  const std::map<std::string, std::string>& ids = w.ids;
  return {{"engagementid", ids.at("engagement")},
          {"officeid", w.a_office},
          {"office", w.a_office},
          {"roundid", ids.at("rounds")},
          {"round", ids.at("rounds")},
          {"planid", ids.at("plans")},
          {"groupid", ids.at("groups")},
          {"issueid", ids.at("issues")},
          {"caseid", ids.at("rectificationCases")},
          {"orgunitid", w.target_unit},
          {"parent", w.a_unit},
          {"unitid", w.target_unit},
          {"personid", w.leader_person},
          {"org", w.a_path},
          {"format", "csv"}};
}

// The value of a path variable of `path`, or "" when the test does not know one.
std::string PathValue(const std::string& path, const std::string& var, const World& w,
                      const std::map<std::string, std::string>& ids) {
  if (var == "sha256") return ids.at("evidence");
  if (var == "day") return ids.at("workLog");
  if (var == "year") return absl::StrCat(TodayInChina().year());
  std::string collection;
  if (var == "id") {
    // The collection segment right before "/{id}".
    std::size_t at = path.find("/{id}");
    std::size_t start = path.rfind('/', at - 1);
    collection = path.substr(start + 1, at - start - 1);
  } else if (absl::EndsWith(var, "_id")) {
    static const std::map<std::string, std::string> kCollections = {
        {"engagement", "engagement"},
        {"issue", "issues"},
        {"case", "rectificationCases"},
        {"round", "rounds"},
        {"group", "groups"},
        {"recheck", "rectificationRechecks"},
        {"plan", "plans"},
        {"report", "reports"},
        {"clue", "clues"}};
    auto it = kCollections.find(var.substr(0, var.size() - 3));
    if (it != kCollections.end()) collection = it->second;
  }
  auto it = ids.find(collection);
  (void)w;
  return it == ids.end() ? "" : it->second;
}

class Matrix {
 public:
  Matrix(Platform& p, World& w, std::vector<Route> routes)
      : p_(p), w_(w), routes_(std::move(routes)), address_(AddressValues(w)) {}

  // Builds the request of `route` addressed to A's objects; false (with a failure) when a path
  // variable has no known value.
  bool Target(const Route& route, const std::map<std::string, std::string>& ids,
              std::string* target, std::string* body) {
    std::string path = route.path;
    for (std::size_t open = path.find('{'); open != std::string::npos; open = path.find('{')) {
      std::size_t close = path.find('}', open);
      const std::string var = path.substr(open + 1, close - open - 1);
      const std::string value = PathValue(route.path, var, w_, ids);
      if (value.empty()) {
        ADD_FAILURE() << route.label() << ": no value for {" << var
                      << "}: create such an object in BuildWorld or exempt the route with a "
                         "reason";
        return false;
      }
      path.replace(open, close - open + 1, value);
    }
    std::vector<std::string> query;
    if (auto it = query_overrides_.find(route.operation); it != query_overrides_.end()) {
      query.push_back(it->second);
    } else {
      for (const auto& name : route.query) {
        auto it = address_.find(Normalise(name));
        if (it != address_.end()) query.push_back(absl::StrCat(name, "=", it->second));
      }
    }
    *target = query.empty() ? path : absl::StrCat(path, "?", absl::StrJoin(query, "&"));
    body->clear();
    if (!route.has_body) return true;
    if (auto it = overrides_.find(route.operation); it != overrides_.end()) {
      *body = it->second;
    } else if (auto valid = w_.valid_bodies.find(route.operation); valid != w_.valid_bodies.end()) {
      *body = valid->second;
    } else {
      std::vector<std::string> fields;
      for (const auto& key : route.body_keys) {
        auto it = address_.find(Normalise(key));
        if (it != address_.end() && key != "format") {
          fields.push_back(absl::StrCat("\"", key, "\":\"", it->second, "\""));
        }
        if (key == "unitIds")
          fields.push_back(absl::StrCat("\"unitIds\":[\"", w_.target_unit, "\"]"));
      }
      *body = absl::StrCat("{", absl::StrJoin(fields, ","), "}");
    }
    return true;
  }

  // An answer that contains one of `secret` the caller did not send itself.
  static bool Leaks(const std::string& answer, const std::vector<std::string>& secret,
                    const std::string& request) {
    for (const auto& s : secret) {
      if (!s.empty() && absl::StrContains(answer, s) && !absl::StrContains(request, s)) {
        return true;
      }
    }
    return false;
  }

  // The verdict on one cell; "" when the answer matches the expectation.
  //   allowed: 2xx, or 400/409/412 — a refusal on the request or the object's state (e.g.
  //            FAILED_PRECONDITION on a transition in the wrong state) that the service only
  //            gives after authorisation let the caller through;
  //            counted apart and listed, with a sample, so that a row whose allowed calls all
  //            end in refusals is visible;
  //   denied:  401/403/404 whose body leaks none of A's secret strings; also (counted apart) a
  //            200 from a query route without path variables that leaks nothing: a list filtered
  //            to nothing. A 400 is NOT a denial: validation ran before authorisation, so the row
  //            needs a valid request body (Matrix::overrides_) for authorisation to decide.
  std::string Judge(const Route& route, Expect expect, int status, const std::string& answer,
                    const std::vector<std::string>& secret, const std::string& request) {
    if (status >= 500 || status == 0) return "server error";
    if (expect == Expect::kAllow) {
      if (status >= 200 && status < 300) return "";
      if (status == 400 || status == 409 || status == 412) {
        if (++allowed_by_refusal_[route.operation] == 1) {
          refusal_sample_[route.operation] = answer.substr(0, 160);
        }
        return "";
      }
      return "allow";
    }
    if (Leaks(answer, secret, request)) return "deny (answer leaks A's secrets)";
    if (status == 401 || status == 403 || status == 404) return "";
    if (status == 200 && route.method == "GET" && !route.has_path_variables()) {
      ++empty_answers_[route.operation];
      return "";
    }
    return status == 400 ? "deny (400: validation before authorisation; give the row a valid body)"
                         : "deny";
  }

  int Unauthenticated(const std::map<std::string, std::string>& ids) {
    int cells = 0;
    for (const Route& route : routes_) {
      if (route.is_public) continue;
      std::string target, body;
      if (!Target(route, ids, &target, &body)) continue;
      auto r = p_.Call(route.method, target, "", body);
      ++cells;
      if (r.status != 401) {
        mismatches_.push_back(absl::StrCat(route.operation, " no token: expected 401 got HTTP ",
                                           r.status, " ", r.body.substr(0, 200)));
      }
    }
    std::printf("[authz] %-22s cells=%d\n", "no token", cells);
    return cells;
  }

  std::map<std::string, std::string> overrides_;        // request bodies by operation
  std::map<std::string, std::string> query_overrides_;  // query strings by operation
  // Operations whose allowed calls would consume the object (a deletion): each call gets a
  // fresh one, made by this function, in place of the shared ids.
  std::map<std::string, std::function<std::map<std::string, std::string>()>> fresh_;
  std::vector<std::string> mismatches_;
  std::map<std::string, int> allowed_by_refusal_;      // by operation
  std::map<std::string, std::string> refusal_sample_;  // the first such answer, by operation
  std::map<std::string, int> empty_answers_;           // by operation

 private:
  Platform& p_;
  World& w_;
  std::vector<Route> routes_;
  std::map<std::string, std::string> address_;
};

// The service of an operation id ("IssuesService_GetIssue" → "IssuesService").
std::string ServiceOf(const std::string& operation) {
  return operation.substr(0, operation.find('_'));
}

TEST(AuthzMatrixTest, EveryRoutedRpcMatchesTheTableForEveryPrincipal) {
  auto table = AuthzTable();
  ASSERT_TRUE(table.ok()) << table.status();

  testing::TestDatabase db;
  Platform platform(db.url());
  ASSERT_TRUE(platform.Start());
  World w;
  ASSERT_TRUE(BuildWorld(platform, w));

  auto openapi = platform.Call("GET", "/api/v1/openapi.json", "");
  ASSERT_EQ(openapi.status, 200);
  std::vector<Route> routes = RoutesFromOpenApi(openapi.body);
  ASSERT_GT(routes.size(), 100u) << "the OpenAPI document lists too few routes";

  // Completeness: every routed operation has a row or an exemption, never both; every row and
  // exemption names a routed operation (a service this build leaves out excuses its rows).
  std::map<std::string, const Route*> by_operation;
  std::set<std::string> services;
  for (const auto& r : routes) {
    by_operation[r.operation] = &r;
    services.insert(ServiceOf(r.operation));
  }
  std::set<std::string> in_table;
  std::vector<std::string> problems;
  for (const AuthzRow& row : *table) {
    if (!in_table.insert(row.operation).second)
      problems.push_back("duplicate row " + row.operation);
    if (Exempt().count(row.operation)) problems.push_back("row for exempt " + row.operation);
    if (!by_operation.count(row.operation) && services.count(ServiceOf(row.operation))) {
      problems.push_back("stale row " + row.operation + " (not routed)");
    }
  }
  for (const auto& [operation, reason] : Exempt()) {
    if (!by_operation.count(operation) && services.count(ServiceOf(operation))) {
      problems.push_back("stale exemption " + operation);
    }
  }
  for (const auto& r : routes) {
    if (r.is_public && !Exempt().count(r.operation)) {
      problems.push_back(r.label() + " " + r.operation +
                         " is public but not exempted with a reason");
    }
    if (!r.is_public && !Exempt().count(r.operation) && !in_table.count(r.operation)) {
      problems.push_back(r.label() + " " + r.operation +
                         " is missing from the authorisation table (authz_table.cc)");
    }
  }
  EXPECT_TRUE(problems.empty()) << absl::StrJoin(problems, "\n");

  std::map<std::string, std::string> ids = w.ids;
  // No recheck exists before a case is accepted; authorisation must not depend on existence.
  ids["rectificationRechecks"] = testing::NewUuid();

  Matrix m(platform, w, routes);
  // Requests that name A explicitly where the owner's own request relied on "my office", and
  // requests whose allowed call must leave A's world as it was.
  {
    std::string rules = w.valid_bodies["CluesService_SetReferralRules"];
    m.overrides_["CluesService_SetReferralRules"] =
        rules.empty() ? absl::StrCat(R"({"officeId":")", w.a_office, R"(","rules":[]})")
                      : absl::StrCat(R"({"officeId":")", w.a_office, "\",", rules.substr(1));
  }
  m.overrides_["DirectoryService_CreateOrgUnit"] =
      absl::StrCat(R"({"parent":")", w.a_unit, R"(","name":"越权单位","kind":"DEPARTMENT"})");
  m.overrides_["DirectoryService_CreateOffice"] =
      absl::StrCat(R"({"orgUnitId":")", w.target_unit, R"(","name":"越权巡察办"})");
  m.overrides_["DirectoryService_CreateUser"] =
      absl::StrCat(R"({"user":{"username":"intruder","officeId":")", w.a_office,
                   R"(","roles":["OFFICE_ADMIN"]},"password":"intruder-password-123"})");
  m.overrides_["DirectoryService_UpdateOrgUnit"] = R"({"name":"甲县财政局"})";
  // Moving the target under its own parent again: allowed callers change nothing.
  m.overrides_["DirectoryService_MoveOrgUnit"] = absl::StrCat(R"({"newParent":")", w.a_unit, "\"}");
  m.overrides_["PlanningService_SetGroupMembers"] = absl::StrCat(
      R"({"members":[{"personId":")", w.leader_person, R"(","role":"LEADER"},{"personId":")",
      w.member_person, R"(","role":"MEMBER"},{"personId":")", w.seconded_person,
      R"(","role":"MEMBER"}]})");
  // Valid requests where the owner's own call is not in the world, so that authorisation (not
  // validation of a made-up body) decides; the allowed calls leave the objects usable.
  const std::string today = FormatDate(TodayInChina());
  m.overrides_["CluesService_DisposeClue"] = absl::StrCat(
      R"({"type":"TALK_AND_INQUIRY","outcome":"谈话提醒","disposalDate":")", today, "\"}");
  m.overrides_["CluesService_ReferClue"] =
      absl::StrCat(R"({"documentNumber":"甲巡移〔2025〕2号","referralDate":")", today, "\"}");
  m.overrides_["FieldworkService_AttachEvidence"] = absl::StrCat(
      R"({"target":{"kind":"DOCUMENT_REQUEST","id":")", w.ids.at("documentRequests"), "\"}}");
  m.overrides_["FieldworkService_IssueSurveyCodes"] = R"({"count":3})";
  m.overrides_["FieldworkService_PostPetitionQuestion"] = R"({"text":"请补充具体时间"})";
  m.overrides_["FieldworkService_RevealPetitionReporter"] =
      absl::StrCat(R"({"privateKey":")", platform.petition_secret_hex(), "\"}");
  m.overrides_["FieldworkService_ReviewDocument"] = R"({"reviewNotes":"已查阅","findings":"无"})";
  m.overrides_["FieldworkService_UpdateInterviewOutline"] =
      R"({"expectedVersion":1,"title":"机密谈话提纲","category":"MIDDLE_MANAGER",)"
      R"("questions":["请谈谈班子情况"]})";
  m.overrides_["FieldworkService_UpdateQuestionnaire"] =
      R"({"questions":[{"id":"q1","text":"总体评价","kind":"RATING","ratingMin":1,"ratingMax":5}]})";
  m.query_overrides_["FieldworkService_UploadEvidenceStream"] = absl::StrCat(
      "engagementId=", w.ids.at("engagement"), "&filename=b.txt&contentType=text/plain");
  m.overrides_["IssuesService_AnswerQuestion"] = R"({"answer":"依据县政府文件发放"})";
  m.overrides_["IssuesService_ConfirmIssue"] =
      R"({"signOff":{"signerName":"王局长","signerPost":"局长","signedOn":"2025-05-20",)"
      R"("statement":"对反馈问题无异议"}})";
  m.overrides_["IssuesService_DismissIssue"] =
      R"({"dismissal":{"unitExplanation":"有文件依据","groupReason":"经核实不属实"}})";
  m.overrides_["IssuesService_FeedBackReport"] =
      absl::StrCat(R"({"requirements":"限期整改","rectificationPlanDue":")",
                   FormatDate(TodayInChina() + 30), "\"}");
  m.overrides_["PlanningService_DrawMembers"] =
      absl::StrCat(R"({"seed":1,"groups":[{"groupId":")", w.ids.at("groups"), R"(","size":1}]})");
  m.overrides_["IssuesService_SuggestClue"] =
      R"({"subjectPerson":"某某","subjectPosition":"科长","cadreLevel":"县管","summary":"建议"})";
  m.query_overrides_["IssuesService_ExportIssues"] =
      absl::StrCat("engagementId=", w.ids.at("engagement"), "&format=csv");
  m.query_overrides_["IssuesService_GetIssueStats"] = "org=" + w.a_office;
  m.overrides_["RectificationService_AddCaseReport"] =
      absl::StrCat(R"({"kind":"RECTIFICATION_REPORT","title":"整改报告","submittedOn":")", today,
                   R"(","summary":"已整改"})");
  m.overrides_["RectificationService_AddDisclosure"] =
      absl::StrCat(R"({"channel":"门户网站","publishedOn":")", today, R"(","summary":"公示"})");
  m.overrides_["RectificationService_AddRuleMade"] =
      absl::StrCat(R"({"title":"公务用车管理办法","issuedOn":")", today, "\"}");
  m.overrides_["RectificationService_AddSupervisionVisit"] =
      absl::StrCat(R"({"visitDate":")", today, R"(","supervisors":"甲组长","findings":"推进中"})");
  m.overrides_["RectificationService_CompleteRectificationItem"] = R"({"note":"已完成"})";
  m.overrides_["RectificationService_DrawRecheck"] = R"({"percent":50})";
  m.overrides_["RectificationService_RecordRecheckResult"] = absl::StrCat(
      R"({"itemId":")", w.ids.at("rectificationItems"), R"(","passed":true,"note":"已核"})");
  m.overrides_["RectificationService_RejectRectificationItem"] = R"({"reason":"证据不足"})";
  m.overrides_["RectificationService_ReopenRectificationItem"] = R"({"reason":"回头看发现反弹"})";
  m.overrides_["RectificationService_ReturnRectificationPlan"] = R"({"comments":"措施不具体"})";
  m.overrides_["RectificationService_UpdateRectificationSettings"] =
      R"({"reportDueWorkingDays":10,"periodMonths":2,"minSupervisionVisits":2})";
  if (w.ids.count("webhookSubscriptions") > 0) {
    m.fresh_["WebhooksService_DeleteWebhookSubscription"] = [&] {
      std::map<std::string, std::string> fresh = ids;
      auto r = platform.Call("POST", "/api/v1/webhookSubscriptions", w.a_admin,
                             w.valid_bodies["WebhooksService_CreateWebhookSubscription"]);
      std::string id;
      google::protobuf::Struct created = ParseJson(r.body);
      auto sub = created.fields().find("subscription");
      if (sub != created.fields().end()) {
        auto f = sub->second.struct_value().fields().find("id");
        if (f != sub->second.struct_value().fields().end()) id = f->second.string_value();
      }
      EXPECT_FALSE(id.empty()) << "fresh webhook subscription: " << r.status << " " << r.body;
      fresh["webhookSubscriptions"] = id;
      return fresh;
    };
  }

  int cells = m.Unauthenticated(ids);

  // Principals in the table's column order, with the strings a denied answer must not contain.
  const std::array<std::string, kPrincipalCount> tokens = {w.a_office_admin,
                                                           w.a_staff,
                                                           w.a_leading_group,
                                                           w.a_member,
                                                           w.seconded,
                                                           w.liaison,
                                                           w.other_liaison,
                                                           w.jw_receiver,
                                                           w.zzb_receiver,
                                                           w.api_client_token,
                                                           w.api_client_without_scope,
                                                           w.city_admin,
                                                           w.b_admin};
  for (int i = 0; i < kPrincipalCount; ++i) {
    ASSERT_FALSE(tokens[i].empty()) << "no token for " << PrincipalNames()[i];
  }
  // Receivers are accounts of office A: its id is not a secret to them.
  std::vector<std::string> receiver_secret;
  for (const auto& s : w.confidential) {
    if (s != w.a_office) receiver_secret.push_back(s);
  }

  std::array<int, kPrincipalCount> allowed{}, denied{}, wrong{};
  int rows_run = 0;
  for (const AuthzRow& row : *table) {
    auto found = by_operation.find(row.operation);
    if (found == by_operation.end()) continue;
    const Route& route = *found->second;
    ++rows_run;
    // Denied principals first: an allowed call may move the object on (a transition) or use it
    // up, and what the denied ones must not see is the object as it was.
    std::vector<int> order;
    for (int pass = 0; pass < 2; ++pass) {
      for (int i = 0; i < kPrincipalCount; ++i) {
        if ((row.cells[i] == Expect::kDeny) == (pass == 0)) order.push_back(i);
      }
    }
    for (int i : order) {
      std::map<std::string, std::string> call_ids = ids;
      if (auto f = m.fresh_.find(row.operation); f != m.fresh_.end()) call_ids = f->second();
      std::string target, body;
      if (!m.Target(route, call_ids, &target, &body)) break;
      auto r = platform.Call(route.method, target, tokens[i], body);
      ++cells;
      const Expect expect = row.cells[i];
      const auto principal = static_cast<PrincipalKind>(i);
      const bool receiver =
          principal == PrincipalKind::kReceiver || principal == PrincipalKind::kOtherReceiver;
      const std::string verdict =
          m.Judge(route, expect, r.status, r.body, receiver ? receiver_secret : w.confidential,
                  target + " " + body);
      if (verdict.empty()) {
        ++(expect == Expect::kAllow ? allowed : denied)[i];
        continue;
      }
      ++wrong[i];
      m.mismatches_.push_back(absl::StrCat(
          row.operation, " ", ColumnNames()[i], " (", PrincipalNames()[i], "): expected ", verdict,
          " [", row.why, "] got HTTP ", r.status, " ", r.body.substr(0, 240),
          "\n    request: ", route.method, " ", target, " ", body.substr(0, 200)));
    }
  }

  // The receivers positively: the commission reads and lists the clue referred to it (and not the
  // draft); the organisation department does not read it.
  auto read = platform.Call("GET", "/api/v1/clues/" + w.ids.at("clues"), w.jw_receiver);
  EXPECT_EQ(read.status, 200) << read.body;
  EXPECT_TRUE(absl::StrContains(read.body, "机密被反映人甲")) << read.body;
  auto inbox = platform.Call("GET", "/api/v1/clues", w.jw_receiver);
  EXPECT_EQ(inbox.status, 200) << inbox.body;
  EXPECT_TRUE(absl::StrContains(inbox.body, w.ids.at("clues"))) << inbox.body;
  EXPECT_FALSE(absl::StrContains(inbox.body, w.ids.at("draft clue"))) << inbox.body;
  auto draft = platform.Call("GET", "/api/v1/clues/" + w.ids.at("draft clue"), w.jw_receiver);
  EXPECT_TRUE(draft.status == 403 || draft.status == 404) << draft.status << " " << draft.body;
  auto other = platform.Call("GET", "/api/v1/clues/" + w.ids.at("clues"), w.zzb_receiver);
  EXPECT_TRUE(other.status == 403 || other.status == 404) << other.status << " " << other.body;
  cells += 4;

  std::printf("[authz] %-24s %7s %7s %9s\n", "principal", "allowed", "denied", "mismatch");
  for (int i = 0; i < kPrincipalCount; ++i) {
    std::printf("[authz] %s %-20s %7d %7d %9d\n", ColumnNames()[i], PrincipalNames()[i], allowed[i],
                denied[i], wrong[i]);
  }
  int refused = 0, empty = 0;
  for (const auto& [operation, count] : m.allowed_by_refusal_) refused += count;
  for (const auto& [operation, count] : m.empty_answers_) empty += count;
  std::printf(
      "[authz] routes=%zu exempt=%zu table rows=%zu rows run=%d principals=%d cells=%d "
      "allowed-by-refusal=%d denied-by-empty-answer=%d mismatches=%zu\n",
      routes.size(), Exempt().size(), table->size(), rows_run, kPrincipalCount, cells, refused,
      empty, m.mismatches_.size());
  for (const auto& [operation, count] : m.empty_answers_) {
    std::printf("[authz] denied-by-empty-answer %s: %d principals\n", operation.c_str(), count);
  }
  for (const auto& [operation, count] : m.allowed_by_refusal_) {
    std::printf("[authz] allowed-by-refusal %s: %d principals, e.g. %s\n", operation.c_str(), count,
                m.refusal_sample_[operation].c_str());
  }
  for (const auto& line : m.mismatches_) std::printf("[authz] MISMATCH %s\n", line.c_str());
  EXPECT_TRUE(m.mismatches_.empty()) << m.mismatches_.size() << " cells differ from the table:\n"
                                     << absl::StrJoin(m.mismatches_, "\n");
  EXPECT_TRUE(platform.AllAlive());
}

}  // namespace
}  // namespace xuncha::e2e
