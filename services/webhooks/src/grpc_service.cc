#include "grpc_service.h"

#include "xuncha/status.h"

namespace xuncha::webhooks {

using grpc::ServerContext;
using grpc::Status;

Status WebhooksGrpcService::CreateWebhookSubscription(
    ServerContext* c, const v1::CreateWebhookSubscriptionRequest* req,
    v1::CreatedWebhookSubscription* resp) {
  return HandleRpc(c, "CreateWebhookSubscription", auth_,
                   [&](const RequestContext& rc) -> absl::Status {
                     ASSIGN_OR_RETURN(*resp, app_.CreateSubscription(rc, *req));
                     return absl::OkStatus();
                   });
}

Status WebhooksGrpcService::ListWebhookSubscriptions(ServerContext* c,
                                                     const v1::ListWebhookSubscriptionsRequest* req,
                                                     v1::ListWebhookSubscriptionsResponse* resp) {
  return HandleRpc(c, "ListWebhookSubscriptions", auth_,
                   [&](const RequestContext& rc) -> absl::Status {
                     ASSIGN_OR_RETURN(*resp, app_.ListSubscriptions(rc, *req));
                     return absl::OkStatus();
                   });
}

Status WebhooksGrpcService::GetWebhookSubscription(ServerContext* c,
                                                   const v1::GetWebhookSubscriptionRequest* req,
                                                   v1::WebhookSubscription* resp) {
  return HandleRpc(c, "GetWebhookSubscription", auth_,
                   [&](const RequestContext& rc) -> absl::Status {
                     ASSIGN_OR_RETURN(*resp, app_.GetSubscription(rc, req->id()));
                     return absl::OkStatus();
                   });
}

Status WebhooksGrpcService::DeleteWebhookSubscription(
    ServerContext* c, const v1::DeleteWebhookSubscriptionRequest* req,
    v1::WebhookSubscription* resp) {
  return HandleRpc(c, "DeleteWebhookSubscription", auth_,
                   [&](const RequestContext& rc) -> absl::Status {
                     ASSIGN_OR_RETURN(*resp, app_.DeleteSubscription(rc, *req));
                     return absl::OkStatus();
                   });
}

Status WebhooksGrpcService::EnableWebhookSubscription(
    ServerContext* c, const v1::EnableWebhookSubscriptionRequest* req,
    v1::WebhookSubscription* resp) {
  return HandleRpc(c, "EnableWebhookSubscription", auth_,
                   [&](const RequestContext& rc) -> absl::Status {
                     ASSIGN_OR_RETURN(*resp, app_.EnableSubscription(rc, *req));
                     return absl::OkStatus();
                   });
}

Status WebhooksGrpcService::ListWebhookDeliveries(ServerContext* c,
                                                  const v1::ListWebhookDeliveriesRequest* req,
                                                  v1::ListWebhookDeliveriesResponse* resp) {
  return HandleRpc(c, "ListWebhookDeliveries", auth_,
                   [&](const RequestContext& rc) -> absl::Status {
                     ASSIGN_OR_RETURN(*resp, app_.ListDeliveries(rc, *req));
                     return absl::OkStatus();
                   });
}

}  // namespace xuncha::webhooks
