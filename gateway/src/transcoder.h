// HTTP request → protobuf request message (path variables, query parameters, JSON body) and
// protobuf response → JSON, following the route's http option. No HTTP library here.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "route_table.h"

namespace google::protobuf {
class Message;
class Descriptor;
}  // namespace google::protobuf

namespace xuncha::gateway {

// Builds the request message for `route`. Order: JSON body (per `route.body`), then path
// variables (which override the body), then query parameters for the fields that neither binds.
// INVALID_ARGUMENT names the offending field or parameter.
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> BuildRequest(
    const Route& route, const PathBindings& bindings, absl::string_view query,
    absl::string_view body);

// Sets the field at `field_path` (dotted; proto or JSON names) from its text form: numbers,
// booleans, enum value names (or numbers), base64 for bytes. Repeated fields get the value
// appended.
absl::Status SetFieldFromText(google::protobuf::Message& message, absl::string_view field_path,
                              absl::string_view value);

// Binds `a=1&b=x&b=y` to fields of `message`. Parameters naming a field in `excluded` (top-level
// proto names) are refused, as are unknown parameters and repeated values of singular fields.
absl::Status BindQuery(google::protobuf::Message& message, absl::string_view query,
                       const std::vector<std::string>& excluded);

// Upload routes: the serialized first stream message, whose `route.upload_metadata` field is
// filled from path variables and query parameters (INVALID_ARGUMENT names the parameter).
absl::StatusOr<std::string> BuildUploadMetadata(const Route& route, const PathBindings& bindings,
                                                absl::string_view query);
// Upload routes: the serialized stream message carrying `piece` in its `route.body` field.
std::string BuildUploadPiece(const Route& route, absl::string_view piece);

// Proto3 JSON of a message: lowerCamelCase names, enums as strings, defaults printed.
absl::StatusOr<std::string> MessageToJson(const google::protobuf::Message& message);

// Parses the serialized response of `route` and renders it as JSON.
absl::StatusOr<std::string> ResponseToJson(const Route& route, absl::string_view serialized);

// RPCs answering xuncha.common.v1.FileContent are sent as the file itself, not as JSON.
bool ReturnsFile(const Route& route);
struct FileBody {
  std::string content;
  std::string content_type;
  std::string content_disposition;  // attachment; filename*=UTF-8''…
};
absl::StatusOr<FileBody> ResponseToFile(absl::string_view serialized);

// Fresh, empty message of a type whose generated code is linked in.
std::unique_ptr<google::protobuf::Message> NewMessage(const google::protobuf::Descriptor* type);

// `{"code": <code>, "message": "...", "details": []}`.
std::string ErrorBody(int grpc_code, absl::string_view message);

}  // namespace xuncha::gateway
