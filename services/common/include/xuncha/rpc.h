// The one place where an RPC crosses from gRPC into Xuncha code: request id, authentication,
// logging and the absl::Status → grpc::Status conversion.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "xuncha/auth.h"

namespace grpc {
class ServerContext;
class Status;
}  // namespace grpc

namespace xuncha {

// Metadata keys the gateway forwards.
inline constexpr char kRequestIdHeader[] = "x-request-id";
inline constexpr char kIdempotencyKeyHeader[] = "idempotency-key";
inline constexpr char kClientAddressHeader[] = "x-forwarded-for";

struct RequestContext {
  Principal principal;  // empty for public RPCs
  std::string request_id;
  std::string idempotency_key;
};

// Reads one metadata value ("" when absent).
std::string MetadataValue(const grpc::ServerContext& context, absl::string_view key);

// Runs `body` for an authenticated RPC. UNAUTHENTICATED when the token is missing or bad.
grpc::Status HandleRpc(grpc::ServerContext* context, absl::string_view method,
                       const Authenticator& auth,
                       const std::function<absl::Status(const RequestContext&)>& body);

// Same, for RPCs marked public in their HTTP option (no token required).
grpc::Status HandlePublicRpc(grpc::ServerContext* context, absl::string_view method,
                             const std::function<absl::Status(const RequestContext&)>& body);

}  // namespace xuncha
