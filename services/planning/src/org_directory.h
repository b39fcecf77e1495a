// Planning's view of directory (option (a) of the design): org units, offices and people are
// fetched from directory over gRPC, with the caller's token and deadline, at the moment planning
// needs them (a target added, a plan's units listed, a person enrolled or assigned); planning
// stores the snapshot it needs in its own tables. Directory's own visibility rules apply to the
// caller, so planning never sees more of the org tree than the caller may.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "repository.h"
#include "xuncha/directory/v1/directory.grpc.pb.h"

namespace grpc {
class ServerContext;
}

namespace xuncha::planning {

struct OfficeInfo {
  std::string id;
  std::string path;
  std::string name;
};

class OrgDirectory {
 public:
  virtual ~OrgDirectory() = default;
  // Directory's status as it came (NOT_FOUND, PERMISSION_DENIED, UNAVAILABLE…); the caller
  // names its own field in the message it returns.
  virtual absl::StatusOr<UnitInfo> GetUnit(const std::string& id) = 0;
  virtual absl::StatusOr<OfficeInfo> GetOffice(const std::string& id) = 0;
  virtual absl::StatusOr<::xuncha::directory::v1::Person> GetPerson(const std::string& id) = 0;
};

// One per incoming RPC: every downstream call carries that RPC's token, request id and deadline.
class GrpcOrgDirectory final : public OrgDirectory {
 public:
  GrpcOrgDirectory(::xuncha::directory::v1::DirectoryService::StubInterface& stub,
                   const grpc::ServerContext& server_context)
      : stub_(stub), server_context_(server_context) {}

  absl::StatusOr<UnitInfo> GetUnit(const std::string& id) override;
  absl::StatusOr<OfficeInfo> GetOffice(const std::string& id) override;
  absl::StatusOr<::xuncha::directory::v1::Person> GetPerson(const std::string& id) override;

 private:
  ::xuncha::directory::v1::DirectoryService::StubInterface& stub_;
  const grpc::ServerContext& server_context_;
};

}  // namespace xuncha::planning
