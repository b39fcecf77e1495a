// Thin gRPC adapter: unpacks requests, calls CluesApp, packs responses. No rules here.
#pragma once

#include "app.h"
#include "xuncha/clues/v1/clues.grpc.pb.h"

namespace xuncha::clues {

class CluesGrpcService final : public v1::CluesService::Service {
 public:
  CluesGrpcService(CluesApp& app, const Authenticator& auth) : app_(app), auth_(auth) {}

  grpc::Status CreateClue(grpc::ServerContext* c, const v1::CreateClueRequest* req,
                          v1::Clue* resp) override;
  grpc::Status ListClues(grpc::ServerContext* c, const v1::ListCluesRequest* req,
                         v1::ListCluesResponse* resp) override;
  grpc::Status GetClue(grpc::ServerContext* c, const v1::GetClueRequest* req,
                       v1::Clue* resp) override;
  grpc::Status UpdateClue(grpc::ServerContext* c, const v1::UpdateClueRequest* req,
                          v1::Clue* resp) override;
  grpc::Status ApproveClue(grpc::ServerContext* c, const v1::ApproveClueRequest* req,
                           v1::Clue* resp) override;
  grpc::Status ReferClue(grpc::ServerContext* c, const v1::ReferClueRequest* req,
                         v1::Clue* resp) override;
  grpc::Status AcknowledgeClue(grpc::ServerContext* c, const v1::AcknowledgeClueRequest* req,
                               v1::Clue* resp) override;
  grpc::Status DisposeClue(grpc::ServerContext* c, const v1::DisposeClueRequest* req,
                           v1::Clue* resp) override;
  grpc::Status ListClueAccessLog(grpc::ServerContext* c, const v1::ListClueAccessLogRequest* req,
                                 v1::ListClueAccessLogResponse* resp) override;
  grpc::Status ExportClueLedger(grpc::ServerContext* c, const v1::ExportClueLedgerRequest* req,
                                common::v1::FileContent* resp) override;
  grpc::Status GetClueBacklog(grpc::ServerContext* c, const v1::GetClueBacklogRequest* req,
                              v1::ClueBacklog* resp) override;
  grpc::Status GetReferralRules(grpc::ServerContext* c, const v1::GetReferralRulesRequest* req,
                                v1::ReferralRules* resp) override;
  grpc::Status SetReferralRules(grpc::ServerContext* c, const v1::ReferralRules* req,
                                v1::ReferralRules* resp) override;

 private:
  CluesApp& app_;
  const Authenticator& auth_;
};

}  // namespace xuncha::clues
