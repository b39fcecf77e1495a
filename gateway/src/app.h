// The gateway process assembled from configuration: used by main() and by the integration tests,
// which run it in-process on a free port.
#pragma once

#include <memory>

#include "absl/status/statusor.h"

namespace xuncha {
class Config;
}

namespace xuncha::gateway {

class GatewayApp {
 public:
  // Reads every setting (see gateway/README.md) and builds the parts; does not listen yet.
  static absl::StatusOr<std::unique_ptr<GatewayApp>> Create(const Config& config);
  ~GatewayApp();

  absl::Status Start();
  int port() const;
  void Stop();

 private:
  struct Parts;
  explicit GatewayApp(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace xuncha::gateway
