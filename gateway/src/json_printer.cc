#include "json_printer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace xuncha::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// A JSON string as the converter writes it: UTF-8 as is, `"` and `\` escaped. Anything it would
// escape differently (control characters, DEL, `<` and `>`, U+2028 and U+2029, invalid UTF-8)
// makes this printer give up.
bool AppendString(absl::string_view s, std::string* out) {
  out->push_back('"');
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f || c == '<' || c == '>') return false;
      if (c == '"' || c == '\\') out->push_back('\\');
      out->push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    // Well-formed UTF-8 only: no overlong forms, no surrogates, nothing past U+10FFFF.
    int length = 0;
    uint32_t code = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      length = 2, code = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      length = 3, code = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      length = 4, code = c & 0x07;
    } else {
      return false;
    }
    if (i + length > s.size()) return false;
    for (int k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(s[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      code = (code << 6) | (next & 0x3f);
    }
    if ((length == 3 && code < 0x800) || (length == 4 && (code < 0x10000 || code > 0x10ffff)) ||
        (code >= 0xd800 && code <= 0xdfff) || code == 0x2028 || code == 0x2029) {
      return false;
    }
    out->append(s.data() + i, length);
    i += length;
  }
  out->push_back('"');
  return true;
}

// The shortest of %.15g and %.17g that reads back as the same double, as protobuf's SimpleDtoa.
// Non-finite values and exponent forms are left to the converter.
bool AppendDouble(double value, std::string* out) {
  if (!std::isfinite(value)) return false;
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.15g", value);
  if (std::strtod(buffer, nullptr) != value) std::snprintf(buffer, sizeof buffer, "%.17g", value);
  const absl::string_view text(buffer);
  if (text.find_first_of("eEn") != absl::string_view::npos) return false;
  out->append(text.data(), text.size());
  return true;
}

// RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits, as the converter; years 1970-9999 only.
bool AppendTimestamp(const Message& message, std::string* out) {
  const Descriptor* type = message.GetDescriptor();
  const Reflection* reflection = message.GetReflection();
  const int64_t seconds = reflection->GetInt64(message, type->FindFieldByNumber(1));
  const int32_t nanos = reflection->GetInt32(message, type->FindFieldByNumber(2));
  if (seconds < 0 || seconds > 253402300799 || nanos < 0 || nanos > 999999999) return false;
  out->push_back('"');
  out->append(
      absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(seconds), absl::UTCTimeZone()));
  if (nanos != 0) {
    char fraction[16];
    if (nanos % 1000000 == 0) {
      std::snprintf(fraction, sizeof fraction, ".%03d", nanos / 1000000);
    } else if (nanos % 1000 == 0) {
      std::snprintf(fraction, sizeof fraction, ".%06d", nanos / 1000);
    } else {
      std::snprintf(fraction, sizeof fraction, ".%09d", nanos);
    }
    out->append(fraction);
  }
  out->append("Z\"");
  return true;
}

bool AppendMessage(const Message& message, std::string* out);

// One value of `field` (element `index` when repeated).
bool AppendValue(const Message& message, const FieldDescriptor* field, int index,
                 std::string* out) {
  const Reflection* r = message.GetReflection();
  const bool repeated = field->is_repeated();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      absl::StrAppend(
          out, repeated ? r->GetRepeatedInt32(message, field, index) : r->GetInt32(message, field));
      return true;
    case FieldDescriptor::CPPTYPE_UINT32:
      absl::StrAppend(out, repeated ? r->GetRepeatedUInt32(message, field, index)
                                    : r->GetUInt32(message, field));
      return true;
    case FieldDescriptor::CPPTYPE_INT64:  // quoted: JSON numbers lose precision past 2^53
      absl::StrAppend(
          out, "\"",
          repeated ? r->GetRepeatedInt64(message, field, index) : r->GetInt64(message, field),
          "\"");
      return true;
    case FieldDescriptor::CPPTYPE_UINT64:
      absl::StrAppend(
          out, "\"",
          repeated ? r->GetRepeatedUInt64(message, field, index) : r->GetUInt64(message, field),
          "\"");
      return true;
    case FieldDescriptor::CPPTYPE_BOOL:
      out->append(
          (repeated ? r->GetRepeatedBool(message, field, index) : r->GetBool(message, field))
              ? "true"
              : "false");
      return true;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return AppendDouble(
          repeated ? r->GetRepeatedDouble(message, field, index) : r->GetDouble(message, field),
          out);
    case FieldDescriptor::CPPTYPE_FLOAT:
      return false;  // none in our protos; the converter's float rounding is its own
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int number = repeated ? r->GetRepeatedEnumValue(message, field, index)
                                  : r->GetEnumValue(message, field);
      const auto* value = field->enum_type()->FindValueByNumber(number);
      if (value == nullptr) return false;  // unknown number: left to the converter
      return AppendString(value->name(), out);
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& value =
          repeated ? r->GetRepeatedStringReference(message, field, index, &scratch)
                   : r->GetStringReference(message, field, &scratch);
      if (field->type() == FieldDescriptor::TYPE_BYTES) {
        absl::StrAppend(out, "\"", absl::Base64Escape(value), "\"");
        return true;
      }
      return AppendString(value, out);
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const Message& value =
          repeated ? r->GetRepeatedMessage(message, field, index) : r->GetMessage(message, field);
      const std::string& type = field->message_type()->full_name();
      if (type == "google.protobuf.Timestamp") return AppendTimestamp(value, out);
      if (absl::StartsWith(type, "google.protobuf.")) return false;  // other well-known types
      return AppendMessage(value, out);
    }
  }
  return false;
}

// Fields the converter's default-value writer does not lay out in advance: oneof members
// (proto3 `optional` included) and well-known types such as Timestamp, which it renders as
// values. When set, it writes them after the others in the order the bytes hold them, by number.
bool WrittenLast(const FieldDescriptor* field) {
  if (field->is_repeated()) return false;
  if (field->containing_oneof() != nullptr) return true;
  return field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
         absl::StartsWith(field->message_type()->full_name(), "google.protobuf.");
}

// A message type's WrittenLast fields by number. Per thread, so that no lock is taken per
// message.
const std::vector<const FieldDescriptor*>& FieldsWrittenLast(const Descriptor* type) {
  thread_local absl::flat_hash_map<const Descriptor*, std::vector<const FieldDescriptor*>> cache;
  auto [it, added] = cache.try_emplace(type);
  if (added) {
    for (int i = 0; i < type->field_count(); ++i) {
      if (WrittenLast(type->field(i))) it->second.push_back(type->field(i));
    }
    std::sort(it->second.begin(), it->second.end(),
              [](const FieldDescriptor* a, const FieldDescriptor* b) {
                return a->number() < b->number();
              });
  }
  return it->second;
}

bool AppendField(const Message& message, const FieldDescriptor* field, bool* first,
                 std::string* out) {
  if (!*first) out->push_back(',');
  *first = false;
  out->push_back('"');
  out->append(field->json_name());  // lowerCamelCase of a proto identifier: no escapes
  out->append("\":");
  if (!field->is_repeated()) return AppendValue(message, field, 0, out);
  out->push_back('[');
  const int size = message.GetReflection()->FieldSize(message, field);
  for (int k = 0; k < size; ++k) {
    if (k > 0) out->push_back(',');
    if (!AppendValue(message, field, k, out)) return false;
  }
  out->push_back(']');
  return true;
}

// In the converter's order: first, in declaration order, repeated fields (`[]` when empty),
// scalars (defaults included) and messages that are set; then the WrittenLast fields that are set.
bool AppendMessage(const Message& message, std::string* out) {
  const Descriptor* type = message.GetDescriptor();
  const Reflection* r = message.GetReflection();
  out->push_back('{');
  bool first = true;
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (field->is_map()) return false;
    if (WrittenLast(field)) continue;
    if (!field->is_repeated() && field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
        !r->HasField(message, field)) {
      continue;
    }
    if (!AppendField(message, field, &first, out)) return false;
  }
  for (const FieldDescriptor* field : FieldsWrittenLast(type)) {
    if (r->HasField(message, field) && !AppendField(message, field, &first, out)) return false;
  }
  out->push_back('}');
  return true;
}

}  // namespace

bool PrintJsonFast(const google::protobuf::Message& message, std::string* out) {
  return AppendMessage(message, out);
}

}  // namespace xuncha::gateway
