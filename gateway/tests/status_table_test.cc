// The gateway relies on the shared status table for every error it returns; pin the mapping of
// DESIGN.md §5 here so a change to it is a deliberate one.
#include <gtest/gtest.h>

#include "gateway.h"
#include "xuncha/status.h"

namespace xuncha::gateway {
namespace {

TEST(StatusTableTest, MatchesDesign) {
  using C = absl::StatusCode;
  EXPECT_EQ(HttpStatusForCode(C::kOk), 200);
  EXPECT_EQ(HttpStatusForCode(C::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusForCode(C::kFailedPrecondition), 400);
  EXPECT_EQ(HttpStatusForCode(C::kOutOfRange), 400);
  EXPECT_EQ(HttpStatusForCode(C::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusForCode(C::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusForCode(C::kNotFound), 404);
  EXPECT_EQ(HttpStatusForCode(C::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusForCode(C::kAborted), 409);
  EXPECT_EQ(HttpStatusForCode(C::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusForCode(C::kCancelled), 499);
  EXPECT_EQ(HttpStatusForCode(C::kUnimplemented), 501);
  EXPECT_EQ(HttpStatusForCode(C::kUnavailable), 503);
  EXPECT_EQ(HttpStatusForCode(C::kDeadlineExceeded), 504);
  EXPECT_EQ(HttpStatusForCode(C::kInternal), 500);
  EXPECT_EQ(HttpStatusForCode(C::kUnknown), 500);
  EXPECT_EQ(HttpStatusForCode(C::kDataLoss), 500);
}

TEST(GrpcTimeoutTest, Parses) {
  EXPECT_EQ(ParseGrpcTimeout("5S"), absl::Seconds(5));
  EXPECT_EQ(ParseGrpcTimeout("250m"), absl::Milliseconds(250));
  EXPECT_EQ(ParseGrpcTimeout("1H"), absl::Hours(1));
  EXPECT_FALSE(ParseGrpcTimeout("5").has_value());
  EXPECT_FALSE(ParseGrpcTimeout("xS").has_value());
  EXPECT_FALSE(ParseGrpcTimeout("-1S").has_value());
  EXPECT_FALSE(ParseGrpcTimeout("").has_value());
}

}  // namespace
}  // namespace xuncha::gateway
