// Authorisation matrix over every routed RPC, taken from the live OpenAPI document so that a new
// RPC is covered (or must be exempted here with a reason) without anyone remembering to add it.
// Real objects of county office A are created through the gateway first; then every route is
// called, addressed to those objects, as principals who must not reach them:
//   (a) no token                       → 401 on every non-public route;
//   (b) the admin of county office B   → denied on every route (B is unrelated to A);
//   (c) the unit liaison of A's target → denied on interviews, petitions, surveys, clues and
//                                        reporter identity;
//   (d) receivers                      → only the clue referred to their own body.
// "Denied" is 403 or 404. A 400 (refused by validation before authorisation) is tolerated and
// listed, but only if it reveals nothing about A's objects; a 2xx is accepted only from a query
// route without path variables whose answer contains none of A's confidential strings. 5xx is
// always a failure.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <functional>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "platform.h"
#include "service_harness.h"
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
        const Struct& schema = b->second.struct_value()
                                   .fields()
                                   .at("content")
                                   .struct_value()
                                   .fields()
                                   .at("application/json")
                                   .struct_value()
                                   .fields()
                                   .at("schema")
                                   .struct_value();
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

struct Outcome {
  int status = 0;
  std::string body;
};

enum class Verdict { kDenied, kRefused, kEmptyQuery, kHole };

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
    for (const auto& name : route.query) {
      auto it = address_.find(Normalise(name));
      if (it != address_.end()) query.push_back(absl::StrCat(name, "=", it->second));
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

  Verdict Judge(const Route& route, const Outcome& o, const std::vector<std::string>& secret,
                const std::string& request) {
    // Echoing what the caller sent (an id in the path, say) reveals nothing.
    auto leaks = [&] {
      for (const auto& s : secret) {
        if (!s.empty() && absl::StrContains(o.body, s) && !absl::StrContains(request, s)) {
          return true;
        }
      }
      return false;
    };
    if ((o.status == 403 || o.status == 404) && !leaks()) return Verdict::kDenied;
    if (o.status == 400 && !leaks()) return Verdict::kRefused;
    if (o.status == 200 && route.method == "GET" && !route.has_path_variables() && !leaks()) {
      return Verdict::kEmptyQuery;
    }
    return Verdict::kHole;
  }

  // Calls every route in `selected` as `token`; returns the number of cells.
  int Row(const std::string& principal, const std::string& token,
          const std::function<bool(const Route&)>& selected,
          const std::map<std::string, std::string>& ids, const std::vector<std::string>& secret) {
    int cells = 0;
    std::map<Verdict, int> counts;
    for (const Route& route : routes_) {
      if (route.is_public || Exempt().count(route.operation) > 0 || !selected(route)) continue;
      std::string target, body;
      if (!Target(route, ids, &target, &body)) continue;
      auto r = p_.Call(route.method, target, token, body);
      Outcome o{r.status, r.body};
      Verdict v = Judge(route, o, secret, target + " " + body);
      ++counts[v];
      ++cells;
      exercised_.insert(route.operation);
      if (v == Verdict::kRefused) {
        refused_.push_back(absl::StrCat(principal, " ", route.label(), " → 400 ", o.body));
      }
      if (v == Verdict::kHole) {
        holes_.push_back(absl::StrCat(principal, " ", route.label(), " → ", o.status, " ",
                                      o.body.substr(0, 300), "\n    request: ", route.method, " ",
                                      target, " ", body));
      }
    }
    std::printf("[authz] %-22s cells=%d denied=%d refused-400=%d query-without-A=%d holes=%d\n",
                principal.c_str(), cells, counts[Verdict::kDenied], counts[Verdict::kRefused],
                counts[Verdict::kEmptyQuery], counts[Verdict::kHole]);
    return cells;
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
        holes_.push_back(
            absl::StrCat("no token ", route.label(), " → ", r.status, " ", r.body.substr(0, 200)));
      }
    }
    std::printf("[authz] %-22s cells=%d\n", "no token", cells);
    return cells;
  }

  std::map<std::string, std::string> overrides_;
  std::set<std::string> exercised_;
  std::vector<std::string> holes_, refused_;

 private:
  Platform& p_;
  World& w_;
  std::vector<Route> routes_;
  std::map<std::string, std::string> address_;
};

bool LiaisonMustNotSee(const Route& r) {
  for (const char* word : {"Interview", "Petition", "Survey", "Reporter"}) {
    if (absl::StrContains(r.operation, word)) return true;
  }
  return absl::StartsWith(r.operation, "CluesService_");
}

TEST(AuthzMatrixTest, EveryRouteDeniesPrincipalsWithoutAccessToTheObjects) {
  testing::TestDatabase db;
  Platform platform(db.url());
  ASSERT_TRUE(platform.Start());
  World w;
  ASSERT_TRUE(BuildWorld(platform, w));

  auto openapi = platform.Call("GET", "/api/v1/openapi.json", "");
  ASSERT_EQ(openapi.status, 200);
  std::vector<Route> routes = RoutesFromOpenApi(openapi.body);
  ASSERT_GT(routes.size(), 100u) << "the OpenAPI document lists too few routes";
  // A route whose operation the table does not know is still exercised (generic body); an
  // exemption naming an operation that no longer exists is stale.
  std::set<std::string> operations;
  for (const auto& r : routes) operations.insert(r.operation);
  for (const auto& [operation, reason] : Exempt()) {
    EXPECT_TRUE(operations.count(operation)) << "stale exemption " << operation;
  }

  std::map<std::string, std::string> ids = w.ids;
  // No recheck exists before a case is accepted; authorisation must not depend on existence.
  ids["rectificationRechecks"] = testing::NewUuid();

  Matrix m(platform, w, routes);
  // Requests that name A explicitly where the owner's own request relied on "my office".
  m.overrides_["CluesService_SetReferralRules"] =
      absl::StrCat(R"({"officeId":")", w.a_office, R"(","rules":[]})");
  m.overrides_["DirectoryService_CreateOrgUnit"] =
      absl::StrCat(R"({"parent":")", w.a_unit, R"(","name":"越权单位","kind":"DEPARTMENT"})");
  m.overrides_["DirectoryService_CreateOffice"] =
      absl::StrCat(R"({"orgUnitId":")", w.target_unit, R"(","name":"越权巡察办"})");
  m.overrides_["DirectoryService_CreateUser"] =
      absl::StrCat(R"({"user":{"username":"intruder","officeId":")", w.a_office,
                   R"(","roles":["OFFICE_ADMIN"]},"password":"intruder-password-123"})");
  m.overrides_["DirectoryService_UpdateOrgUnit"] = R"({"name":"越权改名"})";
  m.overrides_["DirectoryService_MoveOrgUnit"] = absl::StrCat(R"({"newParent":")", w.b_unit, "\"}");

  int cells = m.Unauthenticated(ids);
  cells += m.Row(
      "other county admin", w.b_admin, [](const Route&) { return true; }, ids, w.confidential);
  cells += m.Row("unit liaison", w.liaison, LiaisonMustNotSee, ids, w.confidential);
  // Receivers: every route but the clue routes is out of their reach; on the clue routes the
  // draft clue (never referred) must stay invisible.
  std::map<std::string, std::string> draft_ids = ids;
  draft_ids["clues"] = w.ids.at("draft clue");
  // What the commission may see: the clue referred to it, as it reads it, and its own office
  // (receivers are accounts of office A).
  const std::string referred =
      platform.Call("GET", "/api/v1/clues/" + w.ids.at("clues"), w.jw_receiver).body;
  std::vector<std::string> receiver_secret, org_dept_secret;
  for (const auto& s : w.confidential) {
    if (s == w.a_office) continue;
    org_dept_secret.push_back(s);
    if (!absl::StrContains(referred, s)) receiver_secret.push_back(s);
  }
  cells += m.Row(
      "commission receiver", w.jw_receiver, [](const Route&) { return true; }, draft_ids,
      receiver_secret);
  cells += m.Row(
      "org-dept receiver", w.zzb_receiver, [](const Route&) { return true; }, ids, org_dept_secret);

  // (d) positively: the commission reads and lists the clue referred to it; the organisation
  // department does not.
  auto read = platform.Call("GET", "/api/v1/clues/" + w.ids.at("clues"), w.jw_receiver);
  EXPECT_EQ(read.status, 200) << read.body;
  EXPECT_TRUE(absl::StrContains(read.body, "机密被反映人甲")) << read.body;
  auto inbox = platform.Call("GET", "/api/v1/clues", w.jw_receiver);
  EXPECT_EQ(inbox.status, 200) << inbox.body;
  EXPECT_TRUE(absl::StrContains(inbox.body, w.ids.at("clues"))) << inbox.body;
  EXPECT_FALSE(absl::StrContains(inbox.body, w.ids.at("draft clue"))) << inbox.body;
  auto other = platform.Call("GET", "/api/v1/clues/" + w.ids.at("clues"), w.zzb_receiver);
  EXPECT_TRUE(other.status == 403 || other.status == 404) << other.status << " " << other.body;
  cells += 4;

  std::vector<std::string> missing;
  for (const auto& r : routes) {
    if (!r.is_public && !Exempt().count(r.operation) && !m.exercised_.count(r.operation)) {
      missing.push_back(r.label());
    }
    if (r.is_public && !Exempt().count(r.operation)) {
      missing.push_back(r.label() + " (public but not exempted with a reason)");
    }
  }
  std::printf("[authz] routes=%zu exempt=%zu matrix cells=%d refused-400=%zu holes=%zu\n",
              routes.size(), Exempt().size(), cells, m.refused_.size(), m.holes_.size());
  for (const auto& line : m.refused_) std::printf("[authz] refused: %s\n", line.c_str());
  EXPECT_TRUE(missing.empty()) << "routes neither exercised nor exempt:\n"
                               << absl::StrJoin(missing, "\n");
  EXPECT_TRUE(m.holes_.empty()) << m.holes_.size() << " authorisation holes:\n"
                                << absl::StrJoin(m.holes_, "\n");
  EXPECT_TRUE(platform.AllAlive());
}

}  // namespace
}  // namespace xuncha::e2e
