#include "grpc_service.h"

#include "xuncha/status.h"

namespace xuncha::directory {

using grpc::ServerContext;
using grpc::Status;

Status DirectoryGrpcService::IssueToken(ServerContext* c, const v1::IssueTokenRequest* req,
                                        v1::IssueTokenResponse* resp) {
  return HandlePublicRpc(c, "IssueToken", [&](const RequestContext&) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.IssueToken(*req));
    return absl::OkStatus();
  });
}

Status DirectoryGrpcService::RevokeToken(ServerContext* c, const v1::RevokeTokenRequest* req,
                                         v1::RevokeTokenResponse*) {
  return HandleRpc(c, "RevokeToken", auth_,
                   [&](const RequestContext& rc) { return app_.RevokeToken(rc, *req); });
}

Status DirectoryGrpcService::GetCurrentUser(ServerContext* c, const v1::GetCurrentUserRequest*,
                                            v1::CurrentUser* resp) {
  return HandleRpc(c, "GetCurrentUser", auth_, [&](const RequestContext& rc) {
    *resp = app_.GetCurrentUser(rc);
    return absl::OkStatus();
  });
}

Status DirectoryGrpcService::CreateOrgUnit(ServerContext* c, const v1::CreateOrgUnitRequest* req,
                                           v1::OrgUnit* resp) {
  return HandleRpc(c, "CreateOrgUnit", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.CreateOrgUnit(rc, req->org_unit()));
    return absl::OkStatus();
  });
}

Status DirectoryGrpcService::GetOrgUnit(ServerContext* c, const v1::GetOrgUnitRequest* req,
                                        v1::OrgUnit* resp) {
  return HandleRpc(c, "GetOrgUnit", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.GetOrgUnit(rc, req->id()));
    return absl::OkStatus();
  });
}

Status DirectoryGrpcService::ListOrgUnits(ServerContext* c, const v1::ListOrgUnitsRequest* req,
                                          v1::ListOrgUnitsResponse* resp) {
  return HandleRpc(c, "ListOrgUnits", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.ListOrgUnits(rc, *req));
    return absl::OkStatus();
  });
}

Status DirectoryGrpcService::UpdateOrgUnit(ServerContext* c, const v1::UpdateOrgUnitRequest* req,
                                           v1::OrgUnit* resp) {
  return HandleRpc(c, "UpdateOrgUnit", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.UpdateOrgUnit(rc, *req));
    return absl::OkStatus();
  });
}

Status DirectoryGrpcService::MoveOrgUnit(ServerContext* c, const v1::MoveOrgUnitRequest* req,
                                         v1::OrgUnit* resp) {
  return HandleRpc(c, "MoveOrgUnit", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.MoveOrgUnit(rc, *req));
    return absl::OkStatus();
  });
}

Status DirectoryGrpcService::CreateOffice(ServerContext* c, const v1::CreateOfficeRequest* req,
                                          v1::Office* resp) {
  return HandleRpc(c, "CreateOffice", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.CreateOffice(rc, req->office()));
    return absl::OkStatus();
  });
}

Status DirectoryGrpcService::GetOffice(ServerContext* c, const v1::GetOfficeRequest* req,
                                       v1::Office* resp) {
  return HandleRpc(c, "GetOffice", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.GetOffice(rc, req->id()));
    return absl::OkStatus();
  });
}

Status DirectoryGrpcService::ListOffices(ServerContext* c, const v1::ListOfficesRequest* req,
                                         v1::ListOfficesResponse* resp) {
  return HandleRpc(c, "ListOffices", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.ListOffices(rc, *req));
    return absl::OkStatus();
  });
}

Status DirectoryGrpcService::CreatePerson(ServerContext* c, const v1::CreatePersonRequest* req,
                                          v1::Person* resp) {
  return HandleRpc(c, "CreatePerson", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.CreatePerson(rc, req->person()));
    return absl::OkStatus();
  });
}

Status DirectoryGrpcService::GetPerson(ServerContext* c, const v1::GetPersonRequest* req,
                                       v1::Person* resp) {
  return HandleRpc(c, "GetPerson", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.GetPerson(rc, req->id()));
    return absl::OkStatus();
  });
}

Status DirectoryGrpcService::ListPeople(ServerContext* c, const v1::ListPeopleRequest* req,
                                        v1::ListPeopleResponse* resp) {
  return HandleRpc(c, "ListPeople", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.ListPeople(rc, *req));
    return absl::OkStatus();
  });
}

Status DirectoryGrpcService::CreateUser(ServerContext* c, const v1::CreateUserRequest* req,
                                        v1::User* resp) {
  return HandleRpc(c, "CreateUser", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.CreateUser(rc, *req));
    return absl::OkStatus();
  });
}

Status DirectoryGrpcService::GetUser(ServerContext* c, const v1::GetUserRequest* req,
                                     v1::User* resp) {
  return HandleRpc(c, "GetUser", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.GetUser(rc, req->id()));
    return absl::OkStatus();
  });
}

Status DirectoryGrpcService::CreateApiClient(ServerContext* c,
                                             const v1::CreateApiClientRequest* req,
                                             v1::CreateApiClientResponse* resp) {
  return HandleRpc(c, "CreateApiClient", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.CreateApiClient(rc, req->api_client()));
    return absl::OkStatus();
  });
}

Status DirectoryGrpcService::GetCalendarYear(ServerContext* c,
                                             const v1::GetCalendarYearRequest* req,
                                             v1::CalendarYear* resp) {
  return HandleRpc(c, "GetCalendarYear", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.GetCalendarYear(rc, req->year()));
    return absl::OkStatus();
  });
}

Status DirectoryGrpcService::SetCalendarYear(ServerContext* c, const v1::CalendarYear* req,
                                             v1::CalendarYear* resp) {
  return HandleRpc(c, "SetCalendarYear", auth_, [&](const RequestContext& rc) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, app_.SetCalendarYear(rc, *req));
    return absl::OkStatus();
  });
}

Status DirectoryGrpcService::AddWorkingDays(ServerContext* c, const v1::AddWorkingDaysRequest* req,
                                            v1::AddWorkingDaysResponse* resp) {
  return HandleRpc(c, "AddWorkingDays", auth_, [&](const RequestContext&) -> absl::Status {
    ASSIGN_OR_RETURN(*resp->mutable_date(), app_.AddWorkingDays(req->start(), req->days()));
    return absl::OkStatus();
  });
}

Status DirectoryGrpcService::CountWorkingDays(ServerContext* c,
                                              const v1::CountWorkingDaysRequest* req,
                                              v1::CountWorkingDaysResponse* resp) {
  return HandleRpc(c, "CountWorkingDays", auth_, [&](const RequestContext&) -> absl::Status {
    ASSIGN_OR_RETURN(int days, app_.CountWorkingDays(req->start(), req->end()));
    resp->set_days(days);
    return absl::OkStatus();
  });
}

}  // namespace xuncha::directory
