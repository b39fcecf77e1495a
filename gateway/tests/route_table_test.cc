#include "route_table.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "google/protobuf/descriptor.h"
#include "xuncha/directory/v1/directory.pb.h"

namespace xuncha::gateway {
namespace {

const google::protobuf::MethodDescriptor* Method(const std::string& name) {
  return google::protobuf::DescriptorPool::generated_pool()
      ->FindServiceByName("xuncha.directory.v1.DirectoryService")
      ->FindMethodByName(name);
}

Route MakeRoute(const std::string& http_method, const std::string& pattern,
                const std::string& rpc = "GetOrgUnit") {
  Route route;
  route.http_method = http_method;
  route.path = *PathTemplate::Parse(pattern);
  route.method = Method(rpc);
  route.label = http_method + " " + pattern;
  return route;
}

TEST(PathTemplateTest, ParsesLiteralsVariablesAndVerb) {
  auto parsed = PathTemplate::Parse("/api/v1/orgs/{id}:move");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->segments().size(), 4u);
  EXPECT_FALSE(parsed->segments()[2].is_variable);
  EXPECT_TRUE(parsed->segments()[3].is_variable);
  EXPECT_EQ(parsed->segments()[3].text, "id");
  EXPECT_EQ(parsed->verb(), "move");
  EXPECT_EQ(parsed->VariableNames(), std::vector<std::string>{"id"});
}

TEST(PathTemplateTest, VerbOnLiteralSegment) {
  auto parsed = PathTemplate::Parse("/api/v1/auth/token:revoke");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->segments().back().text, "token");
  EXPECT_EQ(parsed->verb(), "revoke");
}

TEST(PathTemplateTest, RejectsMalformedTemplates) {
  EXPECT_FALSE(PathTemplate::Parse("api/v1").ok());
  EXPECT_FALSE(PathTemplate::Parse("/api//v1").ok());
  EXPECT_FALSE(PathTemplate::Parse("/api/{id").ok());
  EXPECT_FALSE(PathTemplate::Parse("/api/x{id}").ok());
  EXPECT_FALSE(PathTemplate::Parse("/api/{id=**}").ok());
  EXPECT_FALSE(PathTemplate::Parse("/api/{}").ok());
  EXPECT_FALSE(PathTemplate::Parse("/api/x:").ok());
  EXPECT_TRUE(PathTemplate::Parse("/api/{org_unit.id=*}").ok());
}

TEST(SplitRequestPathTest, DecodesSegmentsAndSplitsVerbBeforeDecoding) {
  auto split = SplitRequestPath("/a/b%20c/d%3Ae:verb");
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(split->segments, (std::vector<std::string>{"a", "b c", "d:e"}));
  EXPECT_EQ(split->verb, "verb");
  EXPECT_EQ(split->last_segment_with_verb, "d:e:verb");
}

TEST(SplitRequestPathTest, RejectsBadInput) {
  EXPECT_FALSE(SplitRequestPath("").ok());
  EXPECT_FALSE(SplitRequestPath("a/b").ok());
  EXPECT_FALSE(SplitRequestPath("/a//b").ok());
  EXPECT_FALSE(SplitRequestPath("/a/%zz").ok());
  EXPECT_FALSE(SplitRequestPath("/a/%2").ok());
}

TEST(PercentDecodeTest, PlusIsSpaceOnlyInQueries) {
  EXPECT_EQ(*PercentDecode("a+b%2Bc", true), "a b+c");
  EXPECT_EQ(*PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(*PercentDecode("%E5%B8%82", false), "市");
}

class RouteTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(table_.Add(MakeRoute("GET", "/api/v1/orgs/{id}")).ok());
    ASSERT_TRUE(table_.Add(MakeRoute("PATCH", "/api/v1/orgs/{id}", "UpdateOrgUnit")).ok());
    ASSERT_TRUE(table_.Add(MakeRoute("POST", "/api/v1/orgs/{id}:move", "MoveOrgUnit")).ok());
    ASSERT_TRUE(table_.Add(MakeRoute("GET", "/api/v1/orgs", "ListOrgUnits")).ok());
    ASSERT_TRUE(table_.Add(MakeRoute("POST", "/api/v1/orgs/special", "CreateOrgUnit")).ok());
    ASSERT_TRUE(table_.Add(MakeRoute("POST", "/api/v1/auth/token:revoke", "RevokeToken")).ok());
    ASSERT_TRUE(table_.Add(MakeRoute("POST", "/api/v1/auth/token", "IssueToken")).ok());
  }
  RouteTable table_;
};

TEST_F(RouteTableTest, MatchesVariable) {
  RouteMatch match = table_.Match("GET", "/api/v1/orgs/u42");
  ASSERT_EQ(match.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(match.route->method->name(), "GetOrgUnit");
  EXPECT_EQ(match.bindings, (PathBindings{{"id", "u42"}}));
}

TEST_F(RouteTableTest, PercentEncodedVariableIsDecoded) {
  RouteMatch match = table_.Match("GET", "/api/v1/orgs/a%2Fb%3Ac");
  ASSERT_EQ(match.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(match.bindings, (PathBindings{{"id", "a/b:c"}}));
}

TEST_F(RouteTableTest, CustomVerbOnVariable) {
  RouteMatch match = table_.Match("POST", "/api/v1/orgs/u42:move");
  ASSERT_EQ(match.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(match.route->method->name(), "MoveOrgUnit");
  EXPECT_EQ(match.bindings, (PathBindings{{"id", "u42"}}));
}

TEST_F(RouteTableTest, CustomVerbOnLiteral) {
  RouteMatch revoke = table_.Match("POST", "/api/v1/auth/token:revoke");
  ASSERT_EQ(revoke.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(revoke.route->method->name(), "RevokeToken");
  RouteMatch issue = table_.Match("POST", "/api/v1/auth/token");
  ASSERT_EQ(issue.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(issue.route->method->name(), "IssueToken");
  EXPECT_EQ(table_.Match("POST", "/api/v1/auth/token:other").kind, RouteMatch::Kind::kNotFound);
}

TEST_F(RouteTableTest, VerbPathWithWrongMethodIsMethodNotAllowed) {
  RouteMatch match = table_.Match("GET", "/api/v1/orgs/u42:move");
  EXPECT_EQ(match.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(match.allowed_methods, "POST");
}

TEST_F(RouteTableTest, WrongMethodListsAllowed) {
  RouteMatch match = table_.Match("DELETE", "/api/v1/orgs/u42");
  EXPECT_EQ(match.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(match.allowed_methods, "GET, PATCH");
}

TEST_F(RouteTableTest, LiteralBeatsVariable) {
  RouteMatch match = table_.Match("POST", "/api/v1/orgs/special");
  ASSERT_EQ(match.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(match.route->method->name(), "CreateOrgUnit");
  // GET on the same path falls back to the variable route.
  EXPECT_EQ(table_.Match("GET", "/api/v1/orgs/special").route->method->name(), "GetOrgUnit");
}

TEST_F(RouteTableTest, TrailingSlashIsIgnored) {
  EXPECT_EQ(table_.Match("GET", "/api/v1/orgs/").kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(table_.Match("GET", "/api/v1/orgs/u1/").route->method->name(), "GetOrgUnit");
}

TEST_F(RouteTableTest, UnknownAndMalformedPaths) {
  EXPECT_EQ(table_.Match("GET", "/api/v1/nothing").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(table_.Match("GET", "/api/v1/orgs/u1/extra").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(table_.Match("GET", "/api/v1//orgs").kind, RouteMatch::Kind::kBadPath);
  EXPECT_EQ(table_.Match("GET", "/api/v1/orgs/%G1").kind, RouteMatch::Kind::kBadPath);
}

TEST_F(RouteTableTest, RejectsDuplicatesAndUnknownFields) {
  EXPECT_FALSE(table_.Add(MakeRoute("GET", "/api/v1/orgs/{id}")).ok());
  EXPECT_FALSE(table_.Add(MakeRoute("GET", "/api/v1/x/{nope}")).ok());
  Route bad_body = MakeRoute("POST", "/api/v1/y");
  bad_body.body = "missing";
  EXPECT_FALSE(table_.Add(std::move(bad_body)).ok());
}

TEST(GeneratedRouteTableTest, HasEveryDirectoryRoute) {
  auto table = RouteTable::FromGeneratedPool();
  ASSERT_TRUE(table.ok()) << table.status();
  const auto* service = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
      "xuncha.directory.v1.DirectoryService");
  int routed = 0;
  for (const auto& route : table->routes()) {
    if (route->method->service() != service) continue;  // other services' protos are linked too
    ++routed;
    EXPECT_EQ(route->backend, "directory");
  }
  EXPECT_EQ(routed, service->method_count());
  RouteMatch token = table->Match("POST", "/api/v1/auth/token");
  ASSERT_EQ(token.kind, RouteMatch::Kind::kFound);
  EXPECT_TRUE(token.route->is_public);
  EXPECT_EQ(token.route->grpc_method, "/xuncha.directory.v1.DirectoryService/IssueToken");
  RouteMatch add_days = table->Match("GET", "/api/v1/calendar:addWorkingDays");
  ASSERT_EQ(add_days.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(add_days.route->method->name(), "AddWorkingDays");
  RouteMatch year = table->Match("PUT", "/api/v1/calendar/2025");
  ASSERT_EQ(year.kind, RouteMatch::Kind::kFound);
  EXPECT_FALSE(year.route->is_public);
  const auto backends = table->Backends();
  EXPECT_NE(std::find(backends.begin(), backends.end(), "directory"), backends.end());
}

TEST(BackendForPackageTest, Names) {
  EXPECT_EQ(BackendForPackage("xuncha.directory.v1"), "directory");
  EXPECT_EQ(BackendForPackage("xuncha.clues.v1"), "clues");
  EXPECT_EQ(BackendForPackage("xuncha.clues.v2"), "");
  EXPECT_EQ(BackendForPackage("google.protobuf"), "");
}

}  // namespace
}  // namespace xuncha::gateway
