#include "openapi.h"

#include <map>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "route_table.h"
#include "xuncha/log.h"

namespace xuncha::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;

std::string Quote(absl::string_view text) {
  std::string out;
  xuncha::log::AppendJsonString(out, text);
  return out;
}

std::string Ref(absl::string_view full_name) {
  return absl::StrCat("{\"$ref\":", Quote(absl::StrCat("#/components/schemas/", full_name)), "}");
}

// Collects the component schemas that the paths refer to, transitively.
class SchemaCollector {
 public:
  // Schema of a message used as a request/response: a $ref, or inline for well-known types.
  std::string MessageSchema(const Descriptor* type) {
    if (std::string wkt = WellKnown(type); !wkt.empty()) return wkt;
    AddMessage(type);
    return Ref(type->full_name());
  }

  std::string FieldSchema(const FieldDescriptor* field) {
    if (field->is_map()) {
      const FieldDescriptor* value = field->message_type()->map_value();
      return absl::StrCat("{\"type\":\"object\",\"additionalProperties\":", SingleSchema(value),
                          "}");
    }
    if (field->is_repeated()) {
      return absl::StrCat("{\"type\":\"array\",\"items\":", SingleSchema(field), "}");
    }
    return SingleSchema(field);
  }

  // "schemas": {...} members, sorted by name.
  std::string Render() const {
    std::vector<std::string> members;
    for (const auto& [name, schema] : schemas_) {
      members.push_back(absl::StrCat(Quote(name), ":", schema));
    }
    return absl::StrJoin(members, ",");
  }

 private:
  std::string SingleSchema(const FieldDescriptor* field) {
    switch (field->type()) {
      case FieldDescriptor::TYPE_INT32:
      case FieldDescriptor::TYPE_SINT32:
      case FieldDescriptor::TYPE_SFIXED32:
        return R"({"type":"integer","format":"int32"})";
      case FieldDescriptor::TYPE_UINT32:
      case FieldDescriptor::TYPE_FIXED32:
        return R"({"type":"integer","format":"int64","minimum":0})";
      // proto3 JSON writes 64-bit integers as strings (JavaScript numbers cannot hold them).
      case FieldDescriptor::TYPE_INT64:
      case FieldDescriptor::TYPE_SINT64:
      case FieldDescriptor::TYPE_SFIXED64:
        return R"({"type":"string","format":"int64"})";
      case FieldDescriptor::TYPE_UINT64:
      case FieldDescriptor::TYPE_FIXED64:
        return R"({"type":"string","format":"uint64"})";
      case FieldDescriptor::TYPE_DOUBLE:
        return R"({"type":"number","format":"double"})";
      case FieldDescriptor::TYPE_FLOAT:
        return R"({"type":"number","format":"float"})";
      case FieldDescriptor::TYPE_BOOL:
        return R"({"type":"boolean"})";
      case FieldDescriptor::TYPE_STRING:
        return R"({"type":"string"})";
      case FieldDescriptor::TYPE_BYTES:
        return R"({"type":"string","format":"byte"})";
      case FieldDescriptor::TYPE_ENUM:
        AddEnum(field->enum_type());
        return Ref(field->enum_type()->full_name());
      case FieldDescriptor::TYPE_MESSAGE:
      case FieldDescriptor::TYPE_GROUP:
        return MessageSchema(field->message_type());
    }
    return "{}";
  }

  static std::string WellKnown(const Descriptor* type) {
    const std::string& name = type->full_name();
    if (name == "google.protobuf.Timestamp") return R"({"type":"string","format":"date-time"})";
    if (name == "google.protobuf.Duration") return R"({"type":"string","example":"1.5s"})";
    if (name == "google.protobuf.FieldMask") return R"({"type":"string"})";
    if (name == "google.protobuf.Empty") return R"({"type":"object"})";
    if (name == "google.protobuf.Struct") return R"({"type":"object","additionalProperties":{}})";
    if (name == "google.protobuf.Value") return "{}";
    if (name == "google.protobuf.ListValue") return R"({"type":"array","items":{}})";
    if (name == "google.protobuf.Any") {
      return R"({"type":"object","properties":{"@type":{"type":"string"}},)"
             R"("additionalProperties":{}})";
    }
    if (name == "google.protobuf.StringValue") return R"({"type":"string","nullable":true})";
    if (name == "google.protobuf.BytesValue") {
      return R"({"type":"string","format":"byte","nullable":true})";
    }
    if (name == "google.protobuf.BoolValue") return R"({"type":"boolean","nullable":true})";
    if (name == "google.protobuf.Int32Value" || name == "google.protobuf.UInt32Value") {
      return R"({"type":"integer","nullable":true})";
    }
    if (name == "google.protobuf.Int64Value" || name == "google.protobuf.UInt64Value") {
      return R"({"type":"string","format":"int64","nullable":true})";
    }
    if (name == "google.protobuf.DoubleValue" || name == "google.protobuf.FloatValue") {
      return R"({"type":"number","nullable":true})";
    }
    return "";
  }

  void AddEnum(const EnumDescriptor* type) {
    if (schemas_.count(type->full_name()) > 0) return;
    std::vector<std::string> values;
    for (int i = 0; i < type->value_count(); ++i) values.push_back(Quote(type->value(i)->name()));
    schemas_[type->full_name()] =
        absl::StrCat("{\"type\":\"string\",\"enum\":[", absl::StrJoin(values, ","), "]}");
  }

  void AddMessage(const Descriptor* type) {
    if (schemas_.count(type->full_name()) > 0) return;
    schemas_[type->full_name()] = "{}";  // placeholder: recursive types terminate here
    std::vector<std::string> properties;
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      properties.push_back(absl::StrCat(Quote(field->json_name()), ":", FieldSchema(field)));
    }
    schemas_[type->full_name()] =
        absl::StrCat("{\"type\":\"object\",\"properties\":{", absl::StrJoin(properties, ","), "}}");
  }

  std::map<std::string, std::string> schemas_;
};

// Query parameters of `type` not bound elsewhere: scalars, enums and repeated scalars, plus the
// fields of nested singular messages under dotted names.
void CollectQueryParameters(const Descriptor* type, const std::string& prefix,
                            const std::set<std::string>& excluded, int depth,
                            SchemaCollector& schemas, std::vector<std::string>& out) {
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (prefix.empty() && excluded.count(field->name()) > 0) continue;
    if (field->is_map()) continue;
    std::string name = absl::StrCat(prefix, field->json_name());
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      bool well_known = field->message_type()->file()->package() == "google.protobuf";
      if (!field->is_repeated() && !well_known && depth < 3) {
        CollectQueryParameters(field->message_type(), name + ".", excluded, depth + 1, schemas,
                               out);
      }
      continue;
    }
    out.push_back(absl::StrCat(
        "{\"name\":", Quote(name),
        ",\"in\":\"query\",\"required\":false,\"schema\":", schemas.FieldSchema(field), "}"));
  }
}

std::string Lower(absl::string_view method) {
  std::string out(method);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string BuildOpenApiDocument(const RouteTable& routes) {
  SchemaCollector schemas;
  // path → operations in declaration order
  std::map<std::string, std::vector<std::string>> paths;
  for (const auto& route_ptr : routes.routes()) {
    const Route& route = *route_ptr;
    // Upload routes take their parameters from the metadata message of the first stream message.
    const Descriptor* input =
        route.is_upload()
            ? route.method->input_type()->FindFieldByName(route.upload_metadata)->message_type()
            : route.method->input_type();
    std::vector<std::string> parameters;
    std::set<std::string> excluded;
    for (const auto& variable : route.path.VariableNames()) {
      excluded.insert(variable.substr(0, variable.find('.')));
      // Path variables are singular scalars (checked when the table is built).
      const Descriptor* holder = input;
      const FieldDescriptor* field = nullptr;
      absl::string_view rest = variable;
      while (true) {
        std::size_t dot = rest.find('.');
        field = holder->FindFieldByName(std::string(rest.substr(0, dot)));
        if (dot == absl::string_view::npos || field == nullptr) break;
        holder = field->message_type();
        rest = rest.substr(dot + 1);
      }
      parameters.push_back(absl::StrCat(
          "{\"name\":", Quote(variable), ",\"in\":\"path\",\"required\":true,\"schema\":",
          field != nullptr ? schemas.FieldSchema(field) : R"({"type":"string"})", "}"));
    }
    std::string request_body;
    if (route.is_upload()) {
      // Filled below as raw bytes; every field of the metadata is a query parameter.
    } else if (route.body == "*") {
      request_body = schemas.MessageSchema(input);
    } else if (!route.body.empty()) {
      excluded.insert(route.body);
      request_body = schemas.FieldSchema(input->FindFieldByName(route.body));
    }
    if (route.body != "*") CollectQueryParameters(input, "", excluded, 0, schemas, parameters);

    const std::string error_ref = Ref("xuncha.gateway.Error");
    std::string operation = absl::StrCat(
        "{\"operationId\":",
        Quote(absl::StrCat(route.method->service()->name(), "_", route.method->name())),
        ",\"tags\":[", Quote(route.method->service()->name()), "]",
        ",\"summary\":", Quote(route.method->full_name()));
    if (!parameters.empty()) {
      absl::StrAppend(&operation, ",\"parameters\":[", absl::StrJoin(parameters, ","), "]");
    }
    if (route.is_upload()) {
      absl::StrAppend(&operation,
                      ",\"requestBody\":{\"required\":true,\"description\":\"The file itself, "
                      "streamed to the service (limit: the gateway's upload_max_bytes)\","
                      "\"content\":{\"application/octet-stream\":{\"schema\":{\"type\":"
                      "\"string\",\"format\":\"binary\"}}}}");
    } else if (!request_body.empty()) {
      absl::StrAppend(&operation,
                      ",\"requestBody\":{\"required\":true,\"content\":{\"application/json\":"
                      "{\"schema\":",
                      request_body, "}}}");
    }
    absl::StrAppend(&operation,
                    ",\"responses\":{\"200\":{\"description\":\"OK\",\"content\":{"
                    "\"application/json\":{\"schema\":",
                    schemas.MessageSchema(route.method->output_type()),
                    "}}},\"default\":{\"description\":\"Error (HTTP status from the gRPC code)\","
                    "\"content\":{\"application/json\":{\"schema\":",
                    error_ref, "}}}}");
    // Public routes override the document-wide bearer requirement with "none".
    if (route.is_public) absl::StrAppend(&operation, ",\"security\":[]");
    operation += "}";
    paths[route.path.pattern()].push_back(
        absl::StrCat(Quote(Lower(route.http_method)), ":", operation));
  }

  std::string doc =
      "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"Xuncha API\",\"version\":\"v1\","
      "\"description\":\"REST/JSON API of the Xuncha platform, transcoded to gRPC by the "
      "gateway.\"},\"security\":[{\"bearerAuth\":[]}],\"paths\":{";
  std::vector<std::string> path_members;
  for (const auto& [path, operations] : paths) {
    path_members.push_back(absl::StrCat(Quote(path), ":{", absl::StrJoin(operations, ","), "}"));
  }
  doc += absl::StrJoin(path_members, ",");
  doc +=
      "},\"components\":{\"securitySchemes\":{\"bearerAuth\":{\"type\":\"http\",\"scheme\":"
      "\"bearer\",\"bearerFormat\":\"JWT\"}},\"schemas\":{"
      "\"xuncha.gateway.Error\":{\"type\":\"object\",\"required\":[\"code\",\"message\"],"
      "\"properties\":{\"code\":{\"type\":\"integer\",\"description\":\"gRPC status code\"},"
      "\"message\":{\"type\":\"string\"},\"details\":{\"type\":\"array\",\"items\":{\"type\":"
      "\"object\"}}}}";
  std::string collected = schemas.Render();
  if (!collected.empty()) doc += "," + collected;
  doc += "}}}";
  return doc;
}

}  // namespace xuncha::gateway
