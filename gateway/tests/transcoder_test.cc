#include "transcoder.h"

#include <gtest/gtest.h>

#include "xuncha/common/v1/file.pb.h"
#include "xuncha/directory/v1/directory.pb.h"

namespace xuncha::gateway {
namespace {

namespace dir = xuncha::directory::v1;

class TranscoderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto table = RouteTable::FromGeneratedPool();
    ASSERT_TRUE(table.ok()) << table.status();
    table_ = std::move(*table);
  }

  template <typename T>
  absl::StatusOr<T> Build(const std::string& method, const std::string& path,
                          const std::string& query, const std::string& body) {
    RouteMatch match = table_.Match(method, path);
    if (match.kind != RouteMatch::Kind::kFound) return absl::NotFoundError(path);
    auto message = BuildRequest(*match.route, match.bindings, query, body);
    if (!message.ok()) return message.status();
    T typed;
    typed.CopyFrom(**message);
    return typed;
  }

  RouteTable table_;
};

TEST_F(TranscoderTest, PercentEncodedBytesMustBeUtf8) {
  // %FF decodes to a byte that is not UTF-8: refused with the field named, never forwarded.
  auto bad = Build<dir::GetOrgUnitRequest>("GET", "/api/v1/orgs/%FF%FE", "", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "id: must be valid UTF-8");
  auto query = Build<dir::ListOrgUnitsRequest>("GET", "/api/v1/orgs", "parent=%C0", "");
  EXPECT_EQ(query.status().code(), absl::StatusCode::kInvalidArgument);
  auto han = Build<dir::GetOrgUnitRequest>("GET", "/api/v1/orgs/%E5%B7%A1", "", "");
  ASSERT_TRUE(han.ok()) << han.status();
  EXPECT_EQ(han->id(), "巡");
}

TEST_F(TranscoderTest, NamedBodyField) {
  auto request = Build<dir::CreateOrgUnitRequest>(
      "POST", "/api/v1/orgs", "", R"({"name":"某市委","kind":"CITY_COMMITTEE","parent":"u1"})");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->org_unit().name(), "某市委");
  EXPECT_EQ(request->org_unit().kind(), dir::OrgUnit::CITY_COMMITTEE);
  EXPECT_EQ(request->org_unit().parent(), "u1");
}

TEST_F(TranscoderTest, UnknownJsonFieldIsRejectedByName) {
  auto request = Build<dir::CreateOrgUnitRequest>("POST", "/api/v1/orgs", "",
                                                  R"({"name":"x","colour":"red"})");
  ASSERT_FALSE(request.ok());
  EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(request.status().message().find("colour"), absl::string_view::npos) << request.status();
}

TEST_F(TranscoderTest, WrongTypeAndMalformedJsonAreInvalidArgument) {
  EXPECT_EQ(Build<dir::CreateOrgUnitRequest>("POST", "/api/v1/orgs", "", R"({"name":12})")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      Build<dir::CreateOrgUnitRequest>("POST", "/api/v1/orgs", "", R"({"name":)").status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      Build<dir::CreateOrgUnitRequest>("POST", "/api/v1/orgs", "", R"({"kind":"NO_SUCH_KIND"})")
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
}

TEST_F(TranscoderTest, WholeBodyWithPathOverride) {
  auto request = Build<dir::UpdateOrgUnitRequest>("PATCH", "/api/v1/orgs/u7", "",
                                                  R"({"id":"other","name":"新名"})");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->id(), "u7");
  EXPECT_EQ(request->name(), "新名");
}

TEST_F(TranscoderTest, WholeBodyRefusesQueryParameters) {
  EXPECT_FALSE(Build<dir::UpdateOrgUnitRequest>("PATCH", "/api/v1/orgs/u7", "name=x", "{}").ok());
}

TEST_F(TranscoderTest, EmptyBodyIsAnEmptyMessage) {
  auto request = Build<dir::IssueTokenRequest>("POST", "/api/v1/auth/token", "", "");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->username(), "");
}

TEST_F(TranscoderTest, IntegerPathVariable) {
  auto request = Build<dir::GetCalendarYearRequest>("GET", "/api/v1/calendar/2025", "", "");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->year(), 2025);
  auto bad = Build<dir::GetCalendarYearRequest>("GET", "/api/v1/calendar/abc", "", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("year"), absl::string_view::npos);
}

TEST_F(TranscoderTest, QueryScalarsByJsonOrProtoName) {
  auto request = Build<dir::ListOrgUnitsRequest>("GET", "/api/v1/orgs",
                                                 "parent=u1&pageSize=20&pageToken=a%2Bb", "");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->parent(), "u1");
  EXPECT_EQ(request->page_size(), 20);
  EXPECT_EQ(request->page_token(), "a+b");
  auto snake = Build<dir::ListOrgUnitsRequest>("GET", "/api/v1/orgs", "page_size=5", "");
  ASSERT_TRUE(snake.ok());
  EXPECT_EQ(snake->page_size(), 5);
}

TEST_F(TranscoderTest, QueryErrors) {
  EXPECT_FALSE(Build<dir::ListOrgUnitsRequest>("GET", "/api/v1/orgs", "pageSize=x", "").ok());
  EXPECT_FALSE(Build<dir::ListOrgUnitsRequest>("GET", "/api/v1/orgs", "bogus=1", "").ok());
  EXPECT_FALSE(
      Build<dir::ListOrgUnitsRequest>("GET", "/api/v1/orgs", "pageSize=1&pageSize=2", "").ok());
  // A field bound by the path cannot be given again in the query.
  EXPECT_FALSE(Build<dir::GetOrgUnitRequest>("GET", "/api/v1/orgs/u1", "id=u2", "").ok());
}

TEST_F(TranscoderTest, QueryOnNamedBodyRouteBindsOtherFields) {
  auto request = Build<dir::CountWorkingDaysRequest>("GET", "/api/v1/calendar:countWorkingDays",
                                                     "start=2025-01-01&end=2025-02-01", "");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->start(), "2025-01-01");
  EXPECT_EQ(request->end(), "2025-02-01");
}

TEST(BindQueryTest, EnumsRepeatedAndBooleans) {
  dir::User user;
  ASSERT_TRUE(BindQuery(user, "roles=OFFICE_ADMIN&roles=VIEWER&roles=3&locked=true", {}).ok());
  ASSERT_EQ(user.roles_size(), 3);
  EXPECT_EQ(user.roles(0), dir::User::OFFICE_ADMIN);
  EXPECT_EQ(user.roles(1), dir::User::VIEWER);
  EXPECT_EQ(user.roles(2), dir::User::OFFICE_STAFF);
  EXPECT_TRUE(user.locked());
  dir::User bad;
  auto status = BindQuery(bad, "roles=KING", {});
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("roles"), absl::string_view::npos);
  EXPECT_FALSE(BindQuery(bad, "locked=maybe", {}).ok());
}

TEST(BindQueryTest, RepeatedStringsAndNestedFields) {
  dir::Person person;
  ASSERT_TRUE(BindQuery(person, "expertise=%E5%AE%A1%E8%AE%A1&expertise=law+firm", {}).ok());
  EXPECT_EQ(person.expertise_size(), 2);
  EXPECT_EQ(person.expertise(0), "审计");
  EXPECT_EQ(person.expertise(1), "law firm");
  dir::CreateOrgUnitRequest create;
  ASSERT_TRUE(BindQuery(create, "orgUnit.name=x&org_unit.kind=VILLAGE", {}).ok());
  EXPECT_EQ(create.org_unit().name(), "x");
  EXPECT_EQ(create.org_unit().kind(), dir::OrgUnit::VILLAGE);
  // Repeated messages cannot be addressed from a URL.
  EXPECT_FALSE(BindQuery(person, "posts.title=x", {}).ok());
}

TEST(MessageToJsonTest, CamelCaseEnumsAsStringsAndDefaults) {
  dir::OrgUnit unit;
  unit.set_office_id("o1");
  unit.set_kind(dir::OrgUnit::TOWNSHIP);
  auto json = MessageToJson(unit);
  ASSERT_TRUE(json.ok());
  EXPECT_NE(json->find("\"officeId\":\"o1\""), std::string::npos) << *json;
  EXPECT_NE(json->find("\"kind\":\"TOWNSHIP\""), std::string::npos) << *json;
  EXPECT_NE(json->find("\"name\":\"\""), std::string::npos) << *json;
}

// Responses are rendered from the backend's bytes (no parse): exactly what rendering the parsed
// message gives, and a clear error for bytes that are not the method's response.
TEST_F(TranscoderTest, ResponseFromBytesIsTheMessagesJson) {
  RouteMatch match = table_.Match("GET", "/api/v1/orgs/u1");
  ASSERT_EQ(match.kind, RouteMatch::Kind::kFound);
  dir::OrgUnit unit;
  unit.set_id("u1");
  unit.set_name("某镇 \"引号\"");
  unit.set_kind(dir::OrgUnit::TOWNSHIP);
  unit.set_path("u1.u2");
  unit.mutable_create_time()->set_seconds(1'700'000'000);
  unit.mutable_create_time()->set_nanos(123'000);
  auto from_bytes = ResponseToJson(*match.route, unit.SerializeAsString());
  auto from_message = MessageToJson(unit);
  ASSERT_TRUE(from_bytes.ok()) << from_bytes.status();
  ASSERT_TRUE(from_message.ok());
  EXPECT_EQ(*from_bytes, *from_message);
  EXPECT_EQ(*ResponseToJson(*match.route, ""), *MessageToJson(dir::OrgUnit()));
  // Bytes that are not a well-formed message (a truncated varint, a length past the end).
  for (const std::string& bad : {std::string("\xff\xff\xff", 3), std::string("\x0a\x05"
                                                                             "ab",
                                                                             4)}) {
    EXPECT_EQ(ResponseToJson(*match.route, bad).status().code(), absl::StatusCode::kInternal);
  }
}

TEST(ErrorBodyTest, Shape) {
  EXPECT_EQ(ErrorBody(5, "no \"x\""), R"({"code":5,"message":"no \"x\"","details":[]})");
}

TEST(FileResponseTest, KeepsItsBytesAndName) {
  xuncha::common::v1::FileContent file;
  file.set_content(std::string("PK\x03\x04\x00binary", 11));
  file.set_content_type("text/csv; charset=utf-8");
  file.set_filename("问题清单 2026.csv");
  auto body = ResponseToFile(file.SerializeAsString());
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(body->content, file.content());
  EXPECT_EQ(body->content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(body->content_disposition,
            "attachment; filename*=UTF-8''%E9%97%AE%E9%A2%98%E6%B8%85%E5%8D%95%202026.csv");
  EXPECT_FALSE(ResponseToFile("\xff\xff").ok());
}

}  // namespace
}  // namespace xuncha::gateway

namespace xuncha::gateway {
namespace {

// The fieldwork upload route, as the generated pool declares it.
const Route* UploadRoute(const RouteTable& table) {
  for (const auto& route : table.routes()) {
    if (route->is_upload() &&
        route->grpc_method == "/xuncha.fieldwork.v1.FieldworkService/UploadEvidenceStream") {
      return route.get();
    }
  }
  return nullptr;
}

TEST(UploadTranscodingTest, MetadataFromQueryAndPiecesAsBytesField) {
  auto table = RouteTable::FromGeneratedPool();
  ASSERT_TRUE(table.ok()) << table.status();
  const Route* route = UploadRoute(*table);
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->http_method, "POST");
  EXPECT_EQ(route->path.pattern(), "/api/v1/evidence:upload");

  auto first = BuildUploadMetadata(
      *route, {}, "engagementId=e1&filename=%E8%B0%88.bin&attachTo.kind=INTERVIEW&attachTo.id=i1");
  ASSERT_TRUE(first.ok()) << first.status();
  auto parsed = NewMessage(route->method->input_type());
  ASSERT_TRUE(parsed->ParseFromString(*first));
  auto json = MessageToJson(*parsed);
  ASSERT_TRUE(json.ok());
  EXPECT_NE(json->find("\"engagementId\":\"e1\""), std::string::npos) << *json;
  EXPECT_NE(json->find("\"filename\":\"谈.bin\""), std::string::npos) << *json;
  EXPECT_NE(json->find("\"kind\":\"INTERVIEW\""), std::string::npos) << *json;

  // A piece decodes as the `data` member of the stream message, byte for byte (including NULs
  // and a length that needs a multi-byte varint).
  std::string piece(300, '\0');
  for (std::size_t i = 0; i < piece.size(); ++i) piece[i] = static_cast<char>(i);
  auto message = NewMessage(route->method->input_type());
  ASSERT_TRUE(message->ParseFromString(BuildUploadPiece(*route, piece)));
  const auto* data = message->GetDescriptor()->FindFieldByName("data");
  EXPECT_EQ(message->GetReflection()->GetString(*message, data), piece);

  // Unknown parameters are named; the metadata's own fields only.
  auto bad = BuildUploadMetadata(*route, {}, "engagementId=e1&data=abc");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("data"), std::string::npos) << bad.status();
}

}  // namespace
}  // namespace xuncha::gateway
