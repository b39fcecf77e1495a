#include "transcoder.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver.h"
#include "google/protobuf/util/type_resolver_util.h"
#include "json_printer.h"
#include "xuncha/common/v1/file.pb.h"
#include "xuncha/log.h"
#include "xuncha/status.h"
#include "xuncha/validation.h"

namespace xuncha::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

const FieldDescriptor* FindField(const Descriptor* type, absl::string_view name) {
  std::string key(name);
  if (const FieldDescriptor* field = type->FindFieldByName(key)) return field;
  for (int i = 0; i < type->field_count(); ++i) {
    if (type->field(i)->json_name() == key) return type->field(i);
  }
  return nullptr;
}

absl::Status BadValue(const FieldDescriptor* field, absl::string_view value,
                      absl::string_view want) {
  return absl::InvalidArgumentError(absl::StrCat("invalid value '", value, "' for field ",
                                                 field->json_name(), ": expected ", want));
}

template <typename T>
absl::StatusOr<T> ParseInteger(const FieldDescriptor* field, absl::string_view value) {
  T parsed{};
  if (!absl::SimpleAtoi(value, &parsed)) return BadValue(field, value, "an integer");
  return parsed;
}

absl::StatusOr<double> ParseDouble(const FieldDescriptor* field, absl::string_view value) {
  // proto3 JSON spells the special values this way; accept the same in query strings.
  if (value == "NaN") return std::nan("");
  if (value == "Infinity") return HUGE_VAL;
  if (value == "-Infinity") return -HUGE_VAL;
  double parsed = 0;
  if (!absl::SimpleAtod(value, &parsed)) return BadValue(field, value, "a number");
  return parsed;
}

// Walks `field_path` from `message`, creating intermediate messages; returns the last field and
// the message that holds it.
absl::StatusOr<std::pair<Message*, const FieldDescriptor*>> Resolve(Message& message,
                                                                    absl::string_view field_path) {
  Message* current = &message;
  std::vector<absl::string_view> parts = absl::StrSplit(field_path, '.');
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const FieldDescriptor* field = FindField(current->GetDescriptor(), parts[i]);
    if (field == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown field '", field_path, "' in ", message.GetDescriptor()->name()));
    }
    if (i + 1 == parts.size()) return std::make_pair(current, field);
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || field->is_repeated()) {
      return absl::InvalidArgumentError(
          absl::StrCat("field '", field_path, "' does not name a nested field"));
    }
    current = current->GetReflection()->MutableMessage(current, field);
  }
  return absl::InvalidArgumentError("empty field path");
}

}  // namespace

std::unique_ptr<Message> NewMessage(const Descriptor* type) {
  const Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type);
  return std::unique_ptr<Message>(prototype->New());
}

absl::Status SetFieldFromText(Message& message, absl::string_view field_path,
                              absl::string_view value) {
  ASSIGN_OR_RETURN(auto target, Resolve(message, field_path));
  auto [holder, field] = target;
  const Reflection* reflection = holder->GetReflection();
  bool repeated = field->is_repeated();
  if (field->is_map()) {
    return absl::InvalidArgumentError(
        absl::StrCat("map field ", field->json_name(), " cannot be set from a URL"));
  }
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      ASSIGN_OR_RETURN(int32_t v, ParseInteger<int32_t>(field, value));
      repeated ? reflection->AddInt32(holder, field, v) : reflection->SetInt32(holder, field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      ASSIGN_OR_RETURN(int64_t v, ParseInteger<int64_t>(field, value));
      repeated ? reflection->AddInt64(holder, field, v) : reflection->SetInt64(holder, field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      ASSIGN_OR_RETURN(uint32_t v, ParseInteger<uint32_t>(field, value));
      repeated ? reflection->AddUInt32(holder, field, v) : reflection->SetUInt32(holder, field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      ASSIGN_OR_RETURN(uint64_t v, ParseInteger<uint64_t>(field, value));
      repeated ? reflection->AddUInt64(holder, field, v) : reflection->SetUInt64(holder, field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      ASSIGN_OR_RETURN(double v, ParseDouble(field, value));
      repeated ? reflection->AddDouble(holder, field, v) : reflection->SetDouble(holder, field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_FLOAT: {
      ASSIGN_OR_RETURN(double v, ParseDouble(field, value));
      float f = static_cast<float>(v);
      repeated ? reflection->AddFloat(holder, field, f) : reflection->SetFloat(holder, field, f);
      break;
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool v;
      if (value == "true" || value == "1") {
        v = true;
      } else if (value == "false" || value == "0") {
        v = false;
      } else {
        return BadValue(field, value, "true or false");
      }
      repeated ? reflection->AddBool(holder, field, v) : reflection->SetBool(holder, field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* enum_value = field->enum_type()->FindValueByName(std::string(value));
      int number = 0;
      if (enum_value != nullptr) {
        number = enum_value->number();
      } else if (absl::SimpleAtoi(value, &number) &&
                 field->enum_type()->FindValueByNumber(number) != nullptr) {
        // Numbers are accepted like proto3 JSON accepts them.
      } else {
        return BadValue(field, value, absl::StrCat("a value of ", field->enum_type()->name()));
      }
      repeated ? reflection->AddEnumValue(holder, field, number)
               : reflection->SetEnumValue(holder, field, number);
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string v(value);
      if (field->type() == FieldDescriptor::TYPE_BYTES) {
        std::string decoded;
        if (!absl::WebSafeBase64Unescape(value, &decoded) &&
            !absl::Base64Unescape(value, &decoded)) {
          return BadValue(field, value, "base64");
        }
        v = std::move(decoded);
      } else if (Utf8Length(v) < 0) {
        // Percent-decoding can yield any bytes; a proto3 string must be UTF-8, and a backend
        // would refuse the whole message with an unexplained INTERNAL (found by fuzz_replay).
        return absl::InvalidArgumentError(
            absl::StrCat(field->json_name(), ": must be valid UTF-8"));
      }
      repeated ? reflection->AddString(holder, field, std::move(v))
               : reflection->SetString(holder, field, std::move(v));
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return absl::InvalidArgumentError(absl::StrCat(
          "field ", field->json_name(), " is a message; set its fields as ", field_path, ".<x>"));
  }
  return absl::OkStatus();
}

absl::Status BindQuery(Message& message, absl::string_view query,
                       const std::vector<std::string>& excluded) {
  if (query.empty()) return absl::OkStatus();
  std::set<std::string> seen_singular;
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::size_t eq = pair.find('=');
    absl::string_view raw_name = pair.substr(0, eq);
    absl::string_view raw_value = eq == absl::string_view::npos ? "" : pair.substr(eq + 1);
    ASSIGN_OR_RETURN(std::string name, PercentDecode(raw_name, true));
    ASSIGN_OR_RETURN(std::string value, PercentDecode(raw_value, true));
    absl::string_view top = absl::string_view(name).substr(0, name.find('.'));
    const FieldDescriptor* top_field = FindField(message.GetDescriptor(), top);
    if (top_field == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown query parameter '", name, "'"));
    }
    if (std::find(excluded.begin(), excluded.end(), top_field->name()) != excluded.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("query parameter '", name, "' is already bound by the path or body"));
    }
    absl::Status status = SetFieldFromText(message, name, value);
    if (!status.ok()) return status;
    // Resolving again is cheap and tells whether the final field is repeated.
    ASSIGN_OR_RETURN(auto target, Resolve(message, name));
    if (!target.second->is_repeated() && !seen_singular.insert(target.second->full_name()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("query parameter '", name, "' given more than once"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Message>> BuildRequest(const Route& route,
                                                      const PathBindings& bindings,
                                                      absl::string_view query,
                                                      absl::string_view body) {
  const Descriptor* input = route.method->input_type();
  std::unique_ptr<Message> request = NewMessage(input);
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;  // a misspelt field must not be silently dropped

  bool body_is_blank = std::all_of(body.begin(), body.end(), [](char c) {
    return absl::ascii_isspace(static_cast<unsigned char>(c));
  });
  std::vector<std::string> excluded;
  if (!route.body.empty() && !body_is_blank) {
    if (route.body == "*") {
      auto status = google::protobuf::util::JsonStringToMessage(
          google::protobuf::StringPiece(body.data(), body.size()), request.get(), options);
      if (!status.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid JSON body: ", status.message().ToString()));
      }
    } else {
      const FieldDescriptor* field = input->FindFieldByName(route.body);
      bool single_message =
          field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !field->is_repeated();
      // A body field that is not a single message is parsed as that member of the request.
      std::string wrapped = single_message
                                ? std::string()
                                : absl::StrCat("{\"", field->json_name(), "\":", body, "}");
      absl::string_view json = single_message ? body : absl::string_view(wrapped);
      Message* target = single_message
                            ? request->GetReflection()->MutableMessage(request.get(), field)
                            : request.get();
      auto status = google::protobuf::util::JsonStringToMessage(
          google::protobuf::StringPiece(json.data(), json.size()), target, options);
      if (!status.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid JSON body: ", status.message().ToString()));
      }
    }
  }
  if (!route.body.empty() && route.body != "*") excluded.push_back(route.body);
  for (const auto& [field_path, value] : bindings) {
    // A path variable names the resource; it wins over whatever the body said.
    auto target = Resolve(*request, field_path);
    if (target.ok()) target->first->GetReflection()->ClearField(target->first, target->second);
    RETURN_IF_ERROR(SetFieldFromText(*request, field_path, value));
    excluded.push_back(std::string(absl::string_view(field_path).substr(0, field_path.find('.'))));
  }
  if (route.body == "*") {
    if (!query.empty()) {
      return absl::InvalidArgumentError(
          "query parameters are not accepted: the request body carries the whole request");
    }
  } else {
    RETURN_IF_ERROR(BindQuery(*request, query, excluded));
  }
  return request;
}

absl::StatusOr<std::string> BuildUploadMetadata(const Route& route, const PathBindings& bindings,
                                                absl::string_view query) {
  const Descriptor* input = route.method->input_type();
  std::unique_ptr<Message> first = NewMessage(input);
  Message* metadata = first->GetReflection()->MutableMessage(
      first.get(), input->FindFieldByName(route.upload_metadata));
  std::vector<std::string> excluded;
  for (const auto& [field_path, value] : bindings) {
    RETURN_IF_ERROR(SetFieldFromText(*metadata, field_path, value));
    excluded.push_back(std::string(absl::string_view(field_path).substr(0, field_path.find('.'))));
  }
  RETURN_IF_ERROR(BindQuery(*metadata, query, excluded));
  std::string out;
  if (!first->SerializeToString(&out)) return absl::InternalError("cannot serialize request");
  return out;
}

std::string BuildUploadPiece(const Route& route, absl::string_view piece) {
  // Encoded by hand (tag, length, bytes) rather than through a message: a piece is copied once,
  // straight into the buffer that goes on the wire.
  const FieldDescriptor* field = route.method->input_type()->FindFieldByName(route.body);
  std::string out;
  out.reserve(piece.size() + 16);
  auto varint = [&out](uint64_t value) {
    while (value >= 0x80) {
      out.push_back(static_cast<char>((value & 0x7f) | 0x80));
      value >>= 7;
    }
    out.push_back(static_cast<char>(value));
  };
  varint((static_cast<uint64_t>(field->number()) << 3) | 2);  // wire type 2: length-delimited
  varint(piece.size());
  out.append(piece.data(), piece.size());
  return out;
}

absl::StatusOr<std::string> MessageToJson(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  // Clients (the console, external systems) should not have to know proto3 defaults.
  options.always_print_primitive_fields = true;
  std::string out;
  auto status = google::protobuf::util::MessageToJsonString(message, &out, options);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot render response: ", status.message().ToString()));
  }
  return out;
}

absl::StatusOr<std::string> ResponseToJson(const Route& route, absl::string_view serialized) {
  std::unique_ptr<Message> response = NewMessage(route.method->output_type());
  if (!response->ParseFromArray(serialized.data(), static_cast<int>(serialized.size()))) {
    return absl::InternalError("backend sent a response that does not parse");
  }
  // PrintJsonFast writes what the converter below writes, several times faster (json_printer.h);
  // the converter renders what it leaves.
  std::string out;
  out.reserve(serialized.size() * 2);
  if (PrintJsonFast(*response, &out)) return out;
  out.clear();
  // Straight from the backend's bytes (BinaryToJsonString would copy them into a string first);
  // the converter's coded stream trims `out` to what it wrote before it returns.
  static google::protobuf::util::TypeResolver* const resolver =
      google::protobuf::util::NewTypeResolverForDescriptorPool(
          "type.googleapis.com", google::protobuf::DescriptorPool::generated_pool());
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  google::protobuf::io::ArrayInputStream input_stream(serialized.data(),
                                                      static_cast<int>(serialized.size()));
  google::protobuf::io::StringOutputStream output_stream(&out);
  auto status = google::protobuf::util::BinaryToJsonStream(
      resolver, absl::StrCat("type.googleapis.com/", route.method->output_type()->full_name()),
      &input_stream, &output_stream, options);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("backend sent a response that cannot be rendered: ",
                                            status.message().ToString()));
  }
  return out;
}

bool ReturnsFile(const Route& route) {
  return route.method->output_type()->full_name() == "xuncha.common.v1.FileContent";
}

absl::StatusOr<FileBody> ResponseToFile(absl::string_view serialized) {
  xuncha::common::v1::FileContent file;
  if (!file.ParseFromArray(serialized.data(), static_cast<int>(serialized.size()))) {
    return absl::InternalError("backend sent a file response that does not parse");
  }
  FileBody out;
  out.content_type = file.content_type().empty() ? "application/octet-stream" : file.content_type();
  // RFC 6266/5987: the UTF-8 name percent-encoded, so Chinese file names survive every browser.
  std::string encoded;
  for (unsigned char c : file.filename()) {
    if (absl::ascii_isalnum(c) || c == '.' || c == '-' || c == '_') {
      encoded.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&encoded, absl::StrFormat("%%%02X", c));  // RFC 3986: upper-case hex
    }
  }
  out.content_disposition =
      absl::StrCat("attachment; filename*=UTF-8''", encoded.empty() ? "download" : encoded);
  out.content = std::move(*file.mutable_content());
  return out;
}

std::string ErrorBody(int grpc_code, absl::string_view message) {
  std::string out = absl::StrCat("{\"code\":", grpc_code, ",\"message\":");
  xuncha::log::AppendJsonString(out, message);
  out += ",\"details\":[]}";
  return out;
}

}  // namespace xuncha::gateway
