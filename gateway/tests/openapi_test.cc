#include "openapi.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "route_table.h"
#include "xuncha/common/v1/annotations.pb.h"
#include "xuncha/directory/v1/directory.pb.h"

namespace xuncha::gateway {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

class OpenApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto table = RouteTable::FromGeneratedPool();
    ASSERT_TRUE(table.ok()) << table.status();
    text_ = BuildOpenApiDocument(*table);
    auto status = google::protobuf::util::JsonStringToMessage(text_, &doc_);
    ASSERT_TRUE(status.ok()) << status.ToString() << "\n" << text_;
  }

  const Struct& Object(const Struct& parent, const std::string& key) {
    auto it = parent.fields().find(key);
    EXPECT_NE(it, parent.fields().end()) << key;
    static const Struct empty;
    return it == parent.fields().end() ? empty : it->second.struct_value();
  }

  std::string text_;
  Struct doc_;
};

TEST_F(OpenApiTest, IsOpenApi3WithBearerAuth) {
  EXPECT_EQ(doc_.fields().at("openapi").string_value().substr(0, 2), "3.");
  const Struct& schemes = Object(Object(doc_, "components"), "securitySchemes");
  EXPECT_EQ(Object(schemes, "bearerAuth").fields().at("scheme").string_value(), "bearer");
  EXPECT_EQ(doc_.fields().at("security").list_value().values_size(), 1);
}

TEST_F(OpenApiTest, ListsEveryRoutedDirectoryRpc) {
  const auto* service = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
      "xuncha.directory.v1.DirectoryService");
  const Struct& paths = Object(doc_, "paths");
  for (int i = 0; i < service->method_count(); ++i) {
    const auto* method = service->method(i);
    const auto& option = method->options().GetExtension(xuncha::common::v1::http);
    std::string verb;
    std::string path;
    if (option.has_get()) verb = "get", path = option.get();
    if (option.has_post()) verb = "post", path = option.post();
    if (option.has_put()) verb = "put", path = option.put();
    if (option.has_patch()) verb = "patch", path = option.patch();
    if (option.has_delete_()) verb = "delete", path = option.delete_();
    ASSERT_FALSE(verb.empty()) << method->full_name();
    const Struct& operation = Object(Object(paths, path), verb);
    EXPECT_EQ(operation.fields().at("operationId").string_value(),
              "DirectoryService_" + method->name());
    // Public operations drop the document-wide security requirement.
    bool has_empty_security = operation.fields().count("security") > 0 &&
                              operation.fields().at("security").list_value().values_size() == 0;
    EXPECT_EQ(has_empty_security, option.public_()) << method->full_name();
  }
}

TEST_F(OpenApiTest, ParametersAndSchemas) {
  const Struct& paths = Object(doc_, "paths");
  const Struct& get_org = Object(Object(paths, "/api/v1/orgs/{id}"), "get");
  const auto& parameters = get_org.fields().at("parameters").list_value();
  ASSERT_EQ(parameters.values_size(), 1);
  EXPECT_EQ(parameters.values(0).struct_value().fields().at("in").string_value(), "path");

  const Struct& list_orgs = Object(Object(paths, "/api/v1/orgs"), "get");
  std::vector<std::string> names;
  for (const Value& p : list_orgs.fields().at("parameters").list_value().values()) {
    names.push_back(p.struct_value().fields().at("name").string_value());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"parent", "pageSize", "pageToken"}));

  const Struct& create_org = Object(Object(paths, "/api/v1/orgs"), "post");
  EXPECT_TRUE(create_org.fields().count("requestBody"));

  const Struct& schemas = Object(Object(doc_, "components"), "schemas");
  const Struct& kind = Object(schemas, "xuncha.directory.v1.OrgUnit.Kind");
  EXPECT_EQ(kind.fields().at("type").string_value(), "string");
  EXPECT_EQ(kind.fields().at("enum").list_value().values_size(), 9);
  const Struct& org = Object(Object(schemas, "xuncha.directory.v1.OrgUnit"), "properties");
  EXPECT_EQ(Object(org, "createTime").fields().at("format").string_value(), "date-time");
  // Nested messages (Person.Post) are components too.
  EXPECT_TRUE(schemas.fields().count("xuncha.directory.v1.Person.Post"));
  EXPECT_TRUE(schemas.fields().count("xuncha.gateway.Error"));
}

}  // namespace
}  // namespace xuncha::gateway
