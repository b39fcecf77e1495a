// The one outgoing HTTP call of the service: POST a signed body to a subscriber. Blocking, so it
// runs on the delivery worker's thread only, never in a gRPC handler.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace xuncha::webhooks {

struct HttpResult {
  int status = 0;     // HTTP status; 0 when no answer came (connect failure, timeout)
  std::string error;  // empty when an answer came
  absl::Duration duration;
};

class HttpSender {
 public:
  virtual ~HttpSender() = default;
  virtual HttpResult Post(const std::string& url,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          const std::string& body, absl::Duration timeout) = 0;
};

// libcurl. Redirects are not followed: the signature was made for the subscribed URL.
class CurlSender : public HttpSender {
 public:
  CurlSender();
  ~CurlSender() override;
  HttpResult Post(const std::string& url,
                  const std::vector<std::pair<std::string, std::string>>& headers,
                  const std::string& body, absl::Duration timeout) override;
};

}  // namespace xuncha::webhooks
