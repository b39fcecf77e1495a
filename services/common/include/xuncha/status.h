// absl::Status is the error type inside Xuncha; conversion to the wire happens here, once.
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace grpc {
class Status;
}

namespace xuncha {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

// HTTP status for a gRPC/absl code, per the table in DESIGN.md §5 (grpc-gateway's table).
int HttpStatusForCode(absl::StatusCode code);

// Canonical upper-snake name of a code ("INVALID_ARGUMENT"), as grpc-gateway prints it.
absl::string_view CodeName(absl::StatusCode code);

}  // namespace xuncha

#define XUNCHA_STATUS_CONCAT_INNER_(a, b) a##b
#define XUNCHA_STATUS_CONCAT_(a, b) XUNCHA_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function when `expr` (an absl::Status) is not OK.
#define RETURN_IF_ERROR(expr)                                           \
  do {                                                                  \
    if (::absl::Status xuncha_status_ = (expr); !xuncha_status_.ok()) { \
      return xuncha_status_;                                            \
    }                                                                   \
  } while (false)

// `ASSIGN_OR_RETURN(auto x, MakeX());` declares/assigns from a StatusOr or returns its error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  XUNCHA_ASSIGN_OR_RETURN_IMPL_(XUNCHA_STATUS_CONCAT_(xuncha_statusor_, __LINE__), lhs, expr)
#define XUNCHA_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return std::move(tmp).status();      \
  lhs = std::move(tmp).value()
