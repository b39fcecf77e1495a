#include "xuncha/rpc.h"

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "xuncha/crypto.h"
#include "xuncha/log.h"
#include "xuncha/status.h"

namespace xuncha {

std::string MetadataValue(const grpc::ServerContext& context, absl::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

namespace {

grpc::Status Run(grpc::ServerContext* context, absl::string_view method, const Authenticator* auth,
                 const std::function<absl::Status(const RequestContext&)>& body) {
  RequestContext request;
  request.request_id = MetadataValue(*context, kRequestIdHeader);
  if (request.request_id.empty()) request.request_id = RandomHex(12);
  request.idempotency_key = MetadataValue(*context, kIdempotencyKeyHeader);
  log::SetRequestId(request.request_id);
  const absl::Time start = absl::Now();
  absl::Status status;
  if (auth != nullptr) {
    auto principal = auth->Authenticate(*context);
    if (principal.ok()) {
      request.principal = std::move(principal).value();
    } else {
      status = principal.status();
    }
  }
  if (status.ok()) {
    try {
      status = body(request);
    } catch (const std::exception& e) {
      // A handler must not take the server down; the failure is logged and reported as INTERNAL.
      status = absl::InternalError(absl::StrCat("internal error: ", e.what()));
    }
  }
  const std::string ms = absl::StrCat(absl::ToDoubleMilliseconds(absl::Now() - start));
  if (status.ok()) {
    log::Debug("rpc", {{"method", method}, {"ms", ms}});
  } else {
    log::Write(
        status.code() == absl::StatusCode::kInternal ? log::Level::kError : log::Level::kInfo,
        "rpc failed",
        {{"method", method},
         {"code", CodeName(status.code())},
         {"error", status.message()},
         {"ms", ms}});
  }
  log::SetRequestId("");
  return ToGrpcStatus(status);
}

}  // namespace

grpc::Status HandleRpc(grpc::ServerContext* context, absl::string_view method,
                       const Authenticator& auth,
                       const std::function<absl::Status(const RequestContext&)>& body) {
  return Run(context, method, &auth, body);
}

grpc::Status HandlePublicRpc(grpc::ServerContext* context, absl::string_view method,
                             const std::function<absl::Status(const RequestContext&)>& body) {
  return Run(context, method, nullptr, body);
}

}  // namespace xuncha
