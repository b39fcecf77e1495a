// Thin gRPC adapter: unpacks requests, calls WebhooksApp, packs responses. No rules here.
#pragma once

#include "app.h"
#include "xuncha/webhooks/v1/webhooks.grpc.pb.h"

namespace xuncha::webhooks {

class WebhooksGrpcService final : public v1::WebhooksService::Service {
 public:
  WebhooksGrpcService(WebhooksApp& app, const Authenticator& auth) : app_(app), auth_(auth) {}

  grpc::Status CreateWebhookSubscription(grpc::ServerContext* c,
                                         const v1::CreateWebhookSubscriptionRequest* req,
                                         v1::CreatedWebhookSubscription* resp) override;
  grpc::Status ListWebhookSubscriptions(grpc::ServerContext* c,
                                        const v1::ListWebhookSubscriptionsRequest* req,
                                        v1::ListWebhookSubscriptionsResponse* resp) override;
  grpc::Status GetWebhookSubscription(grpc::ServerContext* c,
                                      const v1::GetWebhookSubscriptionRequest* req,
                                      v1::WebhookSubscription* resp) override;
  grpc::Status DeleteWebhookSubscription(grpc::ServerContext* c,
                                         const v1::DeleteWebhookSubscriptionRequest* req,
                                         v1::WebhookSubscription* resp) override;
  grpc::Status EnableWebhookSubscription(grpc::ServerContext* c,
                                         const v1::EnableWebhookSubscriptionRequest* req,
                                         v1::WebhookSubscription* resp) override;
  grpc::Status ListWebhookDeliveries(grpc::ServerContext* c,
                                     const v1::ListWebhookDeliveriesRequest* req,
                                     v1::ListWebhookDeliveriesResponse* resp) override;

 private:
  WebhooksApp& app_;
  const Authenticator& auth_;
};

}  // namespace xuncha::webhooks
