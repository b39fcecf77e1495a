// Thin gRPC adapter: unpacks requests, calls DirectoryApp, packs responses. No rules here.
#pragma once

#include "app.h"
#include "xuncha/directory/v1/directory.grpc.pb.h"

namespace xuncha::directory {

class DirectoryGrpcService final : public v1::DirectoryService::Service {
 public:
  DirectoryGrpcService(DirectoryApp& app, const Authenticator& auth) : app_(app), auth_(auth) {}

  grpc::Status IssueToken(grpc::ServerContext* c, const v1::IssueTokenRequest* req,
                          v1::IssueTokenResponse* resp) override;
  grpc::Status RevokeToken(grpc::ServerContext* c, const v1::RevokeTokenRequest* req,
                           v1::RevokeTokenResponse* resp) override;
  grpc::Status GetCurrentUser(grpc::ServerContext* c, const v1::GetCurrentUserRequest* req,
                              v1::CurrentUser* resp) override;
  grpc::Status CreateOrgUnit(grpc::ServerContext* c, const v1::CreateOrgUnitRequest* req,
                             v1::OrgUnit* resp) override;
  grpc::Status GetOrgUnit(grpc::ServerContext* c, const v1::GetOrgUnitRequest* req,
                          v1::OrgUnit* resp) override;
  grpc::Status ListOrgUnits(grpc::ServerContext* c, const v1::ListOrgUnitsRequest* req,
                            v1::ListOrgUnitsResponse* resp) override;
  grpc::Status UpdateOrgUnit(grpc::ServerContext* c, const v1::UpdateOrgUnitRequest* req,
                             v1::OrgUnit* resp) override;
  grpc::Status MoveOrgUnit(grpc::ServerContext* c, const v1::MoveOrgUnitRequest* req,
                           v1::OrgUnit* resp) override;
  grpc::Status CreateOffice(grpc::ServerContext* c, const v1::CreateOfficeRequest* req,
                            v1::Office* resp) override;
  grpc::Status GetOffice(grpc::ServerContext* c, const v1::GetOfficeRequest* req,
                         v1::Office* resp) override;
  grpc::Status ListOffices(grpc::ServerContext* c, const v1::ListOfficesRequest* req,
                           v1::ListOfficesResponse* resp) override;
  grpc::Status CreatePerson(grpc::ServerContext* c, const v1::CreatePersonRequest* req,
                            v1::Person* resp) override;
  grpc::Status GetPerson(grpc::ServerContext* c, const v1::GetPersonRequest* req,
                         v1::Person* resp) override;
  grpc::Status ListPeople(grpc::ServerContext* c, const v1::ListPeopleRequest* req,
                          v1::ListPeopleResponse* resp) override;
  grpc::Status CreateUser(grpc::ServerContext* c, const v1::CreateUserRequest* req,
                          v1::User* resp) override;
  grpc::Status GetUser(grpc::ServerContext* c, const v1::GetUserRequest* req,
                       v1::User* resp) override;
  grpc::Status CreateApiClient(grpc::ServerContext* c, const v1::CreateApiClientRequest* req,
                               v1::CreateApiClientResponse* resp) override;
  grpc::Status GetCalendarYear(grpc::ServerContext* c, const v1::GetCalendarYearRequest* req,
                               v1::CalendarYear* resp) override;
  grpc::Status SetCalendarYear(grpc::ServerContext* c, const v1::CalendarYear* req,
                               v1::CalendarYear* resp) override;
  grpc::Status AddWorkingDays(grpc::ServerContext* c, const v1::AddWorkingDaysRequest* req,
                              v1::AddWorkingDaysResponse* resp) override;
  grpc::Status CountWorkingDays(grpc::ServerContext* c, const v1::CountWorkingDaysRequest* req,
                                v1::CountWorkingDaysResponse* resp) override;

 private:
  DirectoryApp& app_;
  const Authenticator& auth_;
};

}  // namespace xuncha::directory
