// HTTP routes derived from the `(xuncha.common.v1.http)` option of every RPC in the linked
// descriptors, and matching of request paths against their templates. No HTTP library here, so
// the matching rules can be unit-tested (and fuzzed) in isolation.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace google::protobuf {
class FileDescriptor;
class MethodDescriptor;
}  // namespace google::protobuf

namespace xuncha::gateway {

// A parsed path template such as `/api/v1/orgs/{id}:move`.
class PathTemplate {
 public:
  struct Segment {
    // Literal text, or the (possibly dotted) field path of a `{variable}`.
    std::string text;
    bool is_variable = false;
  };

  static absl::StatusOr<PathTemplate> Parse(absl::string_view pattern);

  const std::string& pattern() const { return pattern_; }
  const std::vector<Segment>& segments() const { return segments_; }
  const std::string& verb() const { return verb_; }
  // Field paths of all variables, in order.
  std::vector<std::string> VariableNames() const;

 private:
  std::string pattern_;
  std::vector<Segment> segments_;
  std::string verb_;
};

struct Route {
  std::string http_method;  // "GET", "POST", "PUT", "PATCH", "DELETE"
  PathTemplate path;
  // "" (no body), "*" (whole request) or the name of one request field.
  std::string body;
  bool is_public = false;
  const google::protobuf::MethodDescriptor* method = nullptr;
  // "/xuncha.directory.v1.DirectoryService/GetOrgUnit", as gRPC names it on the wire.
  std::string grpc_method;
  // "directory" for package xuncha.directory.v1: selects the backend address.
  std::string backend;
  // Label for metrics and logs: "GET /api/v1/orgs/{id}".
  std::string label;
  // Upload routes (client-streaming RPCs): the message field of the first stream message that
  // path variables and query parameters fill; `body` is then the bytes field of each piece.
  // Empty for ordinary unary routes.
  std::string upload_metadata;
  bool is_upload() const { return !upload_metadata.empty(); }
};

// Variable bindings of a matched path: (field path, percent-decoded value).
using PathBindings = std::vector<std::pair<std::string, std::string>>;

struct RouteMatch {
  enum class Kind { kFound, kNotFound, kMethodNotAllowed, kBadPath };
  Kind kind = Kind::kNotFound;
  const Route* route = nullptr;
  PathBindings bindings;
  // For kMethodNotAllowed: the methods the path does accept ("GET, POST").
  std::string allowed_methods;
};

// Splits `/a/b%20c/d:verb` into decoded segments and the raw verb. Exposed for tests. A single
// trailing slash is ignored; empty inner segments and malformed percent-escapes are errors.
struct SplitPath {
  std::vector<std::string> segments;  // percent-decoded
  // Text after the last ':' of the last (raw) segment, or "" when there is no ':'.
  std::string verb;
  // The decoded last segment including its ':' suffix, for templates that have no verb.
  std::string last_segment_with_verb;
};
absl::StatusOr<SplitPath> SplitRequestPath(absl::string_view path);

// Decodes %XX escapes; with `plus_is_space` also '+' (query strings).
absl::StatusOr<std::string> PercentDecode(absl::string_view text, bool plus_is_space);

class RouteTable {
 public:
  // Every RPC with an http option in services of packages `xuncha.<name>.v1` in `files`. Fails
  // on a malformed template or a binding to a field that does not exist, so a bad proto is
  // caught at start-up rather than on the first request.
  static absl::StatusOr<RouteTable> FromFiles(
      const std::vector<const google::protobuf::FileDescriptor*>& files);
  // All proto files linked into this binary (the generated pool).
  static absl::StatusOr<RouteTable> FromGeneratedPool();

  absl::Status Add(Route route);

  // `path` is the request target without the query string.
  RouteMatch Match(absl::string_view http_method, absl::string_view path) const;

  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }
  // Backend names that routes refer to, sorted and unique.
  std::vector<std::string> Backends() const;

 private:
  static constexpr std::size_t kIndexedSegment = 2;
  static std::string ShapeKey(std::size_t segments, absl::string_view literal);
  static absl::string_view IndexedLiteral(const Route& route);

  std::vector<std::unique_ptr<Route>> routes_;
  // ShapeKey → routes of that shape, in declaration order; "" literal: not indexed by text.
  absl::flat_hash_map<std::string, std::vector<const Route*>> by_shape_;
};

// "directory" for "xuncha.directory.v1"; "" when the package does not follow that pattern.
std::string BackendForPackage(absl::string_view package);

}  // namespace xuncha::gateway
