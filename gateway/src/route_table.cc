#include "route_table.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor_database.h"
#include "xuncha/common/v1/annotations.pb.h"
#include "xuncha/status.h"

namespace xuncha::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::MethodDescriptor;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsValidFieldPath(absl::string_view text) {
  if (text.empty()) return false;
  for (absl::string_view part : absl::StrSplit(text, '.')) {
    if (part.empty()) return false;
    for (char c : part) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
    }
  }
  return true;
}

// A path variable must name a singular scalar (or enum) field, reached through singular messages.
absl::Status CheckVariableField(const Descriptor* message, absl::string_view field_path) {
  const Descriptor* current = message;
  std::vector<absl::string_view> parts = absl::StrSplit(field_path, '.');
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const FieldDescriptor* field = current->FindFieldByName(std::string(parts[i]));
    if (field == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("no field '", parts[i], "' in ", current->full_name()));
    }
    if (field->is_repeated()) {
      return absl::InvalidArgumentError(
          absl::StrCat("field ", field->full_name(), " is repeated; cannot bind a path variable"));
    }
    bool last = i + 1 == parts.size();
    if (last != (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE)) {
      return absl::InvalidArgumentError(
          absl::StrCat("path variable '", field_path, "' must end at a scalar field"));
    }
    if (!last) current = field->message_type();
  }
  return absl::OkStatus();
}

// An upload route's stream message has a singular bytes field for the pieces (`body`) and a
// singular message field for the metadata sent first (`upload_metadata`).
absl::Status CheckUploadFields(const Route& route) {
  const Descriptor* input = route.method->input_type();
  const FieldDescriptor* data = input->FindFieldByName(route.body);
  const FieldDescriptor* metadata = input->FindFieldByName(route.upload_metadata);
  if (data == nullptr || data->is_repeated() || data->type() != FieldDescriptor::TYPE_BYTES) {
    return absl::InvalidArgumentError(
        absl::StrCat(route.method->full_name(), ": body of an upload route must name a singular ",
                     "bytes field of ", input->full_name()));
  }
  if (metadata == nullptr || metadata->is_repeated() ||
      metadata->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
    return absl::InvalidArgumentError(
        absl::StrCat(route.method->full_name(), ": upload_metadata must name a singular message ",
                     "field of ", input->full_name()));
  }
  if (route.http_method != "POST" && route.http_method != "PUT") {
    return absl::InvalidArgumentError(
        absl::StrCat(route.method->full_name(), ": an upload route must be POST or PUT"));
  }
  return absl::OkStatus();
}

// Whether `route` accepts `split`; fills `bindings` when it does.
bool MatchRoute(const Route& route, const SplitPath& split, PathBindings* bindings) {
  const auto& template_segments = route.path.segments();
  if (template_segments.size() != split.segments.size()) return false;
  bool uses_verb = !route.path.verb().empty();
  if (uses_verb && split.verb != route.path.verb()) return false;
  bindings->clear();
  for (std::size_t i = 0; i < template_segments.size(); ++i) {
    // Without a verb in the template a ':' is part of the last segment's value.
    const std::string& actual = (!uses_verb && i + 1 == template_segments.size())
                                    ? split.last_segment_with_verb
                                    : split.segments[i];
    const auto& segment = template_segments[i];
    if (segment.is_variable) {
      if (actual.empty()) return false;
      bindings->emplace_back(segment.text, actual);
    } else if (segment.text != actual) {
      return false;
    }
  }
  return true;
}

// Literal segments beat variables at the first position where two templates differ, so
// `/users/me` wins over `/users/{id}` whatever the declaration order.
bool MoreSpecific(const Route& a, const Route& b) {
  const auto& sa = a.path.segments();
  const auto& sb = b.path.segments();
  for (std::size_t i = 0; i < std::min(sa.size(), sb.size()); ++i) {
    if (sa[i].is_variable != sb[i].is_variable) return !sa[i].is_variable;
  }
  return false;
}

}  // namespace

absl::StatusOr<std::string> PercentDecode(absl::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) {
        return absl::InvalidArgumentError("truncated percent-escape");
      }
      int hi = HexValue(text[i + 1]);
      int lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return absl::InvalidArgumentError("malformed percent-escape");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

absl::StatusOr<SplitPath> SplitRequestPath(absl::string_view path) {
  if (path.empty() || path.front() != '/') {
    return absl::InvalidArgumentError("request path must start with '/'");
  }
  path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  SplitPath split;
  if (path.empty()) return split;
  std::vector<absl::string_view> raw = absl::StrSplit(path, '/');
  for (std::size_t i = 0; i < raw.size(); ++i) {
    absl::string_view segment = raw[i];
    if (segment.empty()) return absl::InvalidArgumentError("empty path segment");
    bool last = i + 1 == raw.size();
    if (last) {
      // The verb is split off before decoding, so an escaped %3A stays part of the value.
      auto full = PercentDecode(segment, false);
      if (!full.ok()) return full.status();
      split.last_segment_with_verb = *std::move(full);
      std::size_t colon = segment.rfind(':');
      if (colon != absl::string_view::npos) {
        auto verb = PercentDecode(segment.substr(colon + 1), false);
        if (!verb.ok()) return verb.status();
        split.verb = *std::move(verb);
        segment = segment.substr(0, colon);
      }
    }
    auto decoded = PercentDecode(segment, false);
    if (!decoded.ok()) return decoded.status();
    split.segments.push_back(*std::move(decoded));
  }
  return split;
}

absl::StatusOr<PathTemplate> PathTemplate::Parse(absl::string_view pattern) {
  PathTemplate result;
  result.pattern_ = std::string(pattern);
  if (pattern.empty() || pattern.front() != '/') {
    return absl::InvalidArgumentError(absl::StrCat("template must start with '/': ", pattern));
  }
  absl::string_view rest = pattern.substr(1);
  // A verb follows the last ':' that is outside a variable.
  std::size_t last_brace = rest.rfind('}');
  std::size_t colon = rest.rfind(':');
  if (colon != absl::string_view::npos &&
      (last_brace == absl::string_view::npos || colon > last_brace)) {
    result.verb_ = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (result.verb_.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("empty custom verb: ", pattern));
    }
  }
  for (absl::string_view segment : absl::StrSplit(rest, '/')) {
    if (segment.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("empty segment in template: ", pattern));
    }
    Segment parsed;
    if (segment.front() == '{') {
      if (segment.back() != '}') {
        return absl::InvalidArgumentError(absl::StrCat("unterminated variable: ", pattern));
      }
      absl::string_view name = segment.substr(1, segment.size() - 2);
      // `{name=*}` means the same as `{name}`; multi-segment patterns are not supported.
      if (std::size_t eq = name.find('='); eq != absl::string_view::npos) {
        if (name.substr(eq + 1) != "*") {
          return absl::InvalidArgumentError(
              absl::StrCat("only single-segment variables are supported: ", pattern));
        }
        name = name.substr(0, eq);
      }
      if (!IsValidFieldPath(name)) {
        return absl::InvalidArgumentError(absl::StrCat("bad variable name in: ", pattern));
      }
      parsed.text = std::string(name);
      parsed.is_variable = true;
    } else {
      if (segment.find_first_of("{}") != absl::string_view::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("a variable must be a whole segment: ", pattern));
      }
      parsed.text = std::string(segment);
    }
    result.segments_.push_back(std::move(parsed));
  }
  return result;
}

std::vector<std::string> PathTemplate::VariableNames() const {
  std::vector<std::string> names;
  for (const auto& segment : segments_) {
    if (segment.is_variable) names.push_back(segment.text);
  }
  return names;
}

std::string BackendForPackage(absl::string_view package) {
  std::vector<absl::string_view> parts = absl::StrSplit(package, '.');
  if (parts.size() != 3 || parts[0] != "xuncha" || parts[2] != "v1" || parts[1].empty()) {
    return "";
  }
  return std::string(parts[1]);
}

absl::StatusOr<RouteTable> RouteTable::FromFiles(const std::vector<const FileDescriptor*>& files) {
  RouteTable table;
  for (const FileDescriptor* file : files) {
    std::string backend = BackendForPackage(file->package());
    if (backend.empty() || backend == "common") continue;
    for (int s = 0; s < file->service_count(); ++s) {
      const auto* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        const MethodDescriptor* method = service->method(m);
        if (!method->options().HasExtension(xuncha::common::v1::http)) continue;
        const auto& option = method->options().GetExtension(xuncha::common::v1::http);
        // Only one streaming shape maps onto HTTP/1.1 request/response: a client stream fed
        // from the request body (an upload route).
        if (method->server_streaming() ||
            method->client_streaming() != !option.upload_metadata().empty()) {
          return absl::InvalidArgumentError(absl::StrCat(
              method->full_name(),
              ": an http route needs a unary RPC, or a client-streaming RPC with "
              "upload_metadata (and upload_metadata only goes with client streaming)"));
        }
        Route route;
        std::string pattern;
        switch (option.pattern_case()) {
          case xuncha::common::v1::HttpRoute::kGet:
            route.http_method = "GET";
            pattern = option.get();
            break;
          case xuncha::common::v1::HttpRoute::kPost:
            route.http_method = "POST";
            pattern = option.post();
            break;
          case xuncha::common::v1::HttpRoute::kPut:
            route.http_method = "PUT";
            pattern = option.put();
            break;
          case xuncha::common::v1::HttpRoute::kPatch:
            route.http_method = "PATCH";
            pattern = option.patch();
            break;
          case xuncha::common::v1::HttpRoute::kDelete:
            route.http_method = "DELETE";
            pattern = option.delete_();
            break;
          case xuncha::common::v1::HttpRoute::PATTERN_NOT_SET:
            return absl::InvalidArgumentError(
                absl::StrCat(method->full_name(), ": http option without a path"));
        }
        auto parsed = PathTemplate::Parse(pattern);
        if (!parsed.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat(method->full_name(), ": ", parsed.status().message()));
        }
        route.path = *std::move(parsed);
        route.body = option.body();
        route.is_public = option.public_();
        route.upload_metadata = option.upload_metadata();
        route.method = method;
        route.grpc_method = absl::StrCat("/", service->full_name(), "/", method->name());
        route.backend = backend;
        route.label = absl::StrCat(route.http_method, " ", pattern);
        RETURN_IF_ERROR(table.Add(std::move(route)));
      }
    }
  }
  return table;
}

absl::StatusOr<RouteTable> RouteTable::FromGeneratedPool() {
  // The generated pool cannot be enumerated, but the database behind it lists every file whose
  // generated code is linked in, which is exactly the set of services we can forward to.
  std::vector<std::string> names;
  if (!google::protobuf::DescriptorPool::internal_generated_database()->FindAllFileNames(&names)) {
    return absl::InternalError("cannot list the linked proto files");
  }
  std::sort(names.begin(), names.end());
  std::vector<const FileDescriptor*> files;
  for (const auto& name : names) {
    const FileDescriptor* file =
        google::protobuf::DescriptorPool::generated_pool()->FindFileByName(name);
    if (file != nullptr) files.push_back(file);
  }
  return FromFiles(files);
}

absl::Status RouteTable::Add(Route route) {
  if (route.method != nullptr) {
    const Descriptor* input = route.method->input_type();
    if (route.is_upload()) {
      RETURN_IF_ERROR(CheckUploadFields(route));
      // Variables bind into the metadata message of the first stream message.
      input = input->FindFieldByName(route.upload_metadata)->message_type();
    }
    for (const auto& name : route.path.VariableNames()) {
      absl::Status status = CheckVariableField(input, name);
      if (!status.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(route.method->full_name(), ": ", status.message()));
      }
    }
    if (!route.is_upload() && !route.body.empty() && route.body != "*" &&
        input->FindFieldByName(route.body) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(route.method->full_name(), ": body field '",
                                                     route.body, "' does not exist"));
    }
  }
  for (const auto& existing : routes_) {
    if (existing->http_method == route.http_method &&
        existing->path.pattern() == route.path.pattern()) {
      return absl::AlreadyExistsError(absl::StrCat("duplicate route ", route.label));
    }
  }
  routes_.push_back(std::make_unique<Route>(std::move(route)));
  const Route* added = routes_.back().get();
  by_shape_[ShapeKey(added->path.segments().size(), IndexedLiteral(*added))].push_back(added);
  return absl::OkStatus();
}

// Routes are indexed by segment count and their third segment ("/api/v1/<collection>/...") when
// that is a literal, so a request is matched against a handful of templates, not all (the scan
// of every route was a few percent of the gateway's CPU).
std::string RouteTable::ShapeKey(std::size_t segments, absl::string_view literal) {
  return absl::StrCat(segments, "/", literal);
}

absl::string_view RouteTable::IndexedLiteral(const Route& route) {
  const auto& segments = route.path.segments();
  // The last segment of a template without a verb also matches text with a ':' (see
  // MatchRoute), so only a literal before the last segment, or one in a template with a verb,
  // is indexed.
  const bool whole = !route.path.verb().empty() || segments.size() > kIndexedSegment + 1;
  if (segments.size() <= kIndexedSegment || !whole || segments[kIndexedSegment].is_variable) {
    return "";
  }
  return segments[kIndexedSegment].text;
}

RouteMatch RouteTable::Match(absl::string_view http_method, absl::string_view path) const {
  RouteMatch result;
  auto split = SplitRequestPath(path);
  if (!split.ok()) {
    result.kind = RouteMatch::Kind::kBadPath;
    return result;
  }
  struct Candidate {
    const Route* route;
    PathBindings bindings;
  };
  std::vector<Candidate> with_verb;
  std::vector<Candidate> without_verb;
  PathBindings bindings;
  auto consider = [&](absl::string_view literal) {
    auto bucket = by_shape_.find(ShapeKey(split->segments.size(), literal));
    if (bucket == by_shape_.end()) return;
    for (const Route* route : bucket->second) {
      if (!MatchRoute(*route, *split, &bindings)) continue;
      (route->path.verb().empty() ? without_verb : with_verb).push_back({route, bindings});
    }
  };
  consider("");
  if (split->segments.size() > kIndexedSegment) consider(split->segments[kIndexedSegment]);
  // `/orgs/x:move` is the custom method, not GetOrgUnit with id "x:move".
  std::vector<Candidate>& candidates = with_verb.empty() ? without_verb : with_verb;
  if (candidates.empty()) return result;

  const Candidate* best = nullptr;
  std::set<std::string> allowed;
  for (const auto& candidate : candidates) {
    allowed.insert(candidate.route->http_method);
    if (candidate.route->http_method != http_method) continue;
    if (best == nullptr || MoreSpecific(*candidate.route, *best->route)) best = &candidate;
  }
  if (best == nullptr) {
    result.kind = RouteMatch::Kind::kMethodNotAllowed;
    result.allowed_methods = absl::StrJoin(allowed, ", ");
    return result;
  }
  result.kind = RouteMatch::Kind::kFound;
  result.route = best->route;
  result.bindings = best->bindings;
  return result;
}

std::vector<std::string> RouteTable::Backends() const {
  std::set<std::string> names;
  for (const auto& route : routes_) names.insert(route->backend);
  return {names.begin(), names.end()};
}

}  // namespace xuncha::gateway
