#include "org_directory.h"

#include <grpcpp/client_context.h>

#include "xuncha/server.h"
#include "xuncha/status.h"

namespace xuncha::planning {

namespace dir = ::xuncha::directory::v1;

absl::StatusOr<UnitInfo> GrpcOrgDirectory::GetUnit(const std::string& id) {
  dir::GetOrgUnitRequest req;
  req.set_id(id);
  dir::OrgUnit unit;
  auto context = DownstreamContext(server_context_);
  grpc::Status s = stub_.GetOrgUnit(context.get(), req, &unit);
  if (!s.ok()) return FromGrpcStatus(s);
  return UnitInfo{unit.id(), unit.path(), unit.name(), unit.category()};
}

absl::StatusOr<OfficeInfo> GrpcOrgDirectory::GetOffice(const std::string& id) {
  dir::GetOfficeRequest req;
  req.set_id(id);
  dir::Office office;
  auto context = DownstreamContext(server_context_);
  grpc::Status s = stub_.GetOffice(context.get(), req, &office);
  if (!s.ok()) return FromGrpcStatus(s);
  return OfficeInfo{office.id(), office.path(), office.name()};
}

absl::StatusOr<dir::Person> GrpcOrgDirectory::GetPerson(const std::string& id) {
  dir::GetPersonRequest req;
  req.set_id(id);
  dir::Person person;
  auto context = DownstreamContext(server_context_);
  grpc::Status s = stub_.GetPerson(context.get(), req, &person);
  if (!s.ok()) return FromGrpcStatus(s);
  return person;
}

}  // namespace xuncha::planning
