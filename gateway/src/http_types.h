// The HTTP request/response shapes passed between the Beast server and the gateway logic. Kept
// free of Beast so that only http_server.cc pays for its headers.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace xuncha::gateway {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // upper case, as sent
  std::string target;  // raw request target: path and query, still percent-encoded
  HeaderList headers;  // names lower-cased by the server
  std::string body;
  std::string client_address;  // peer IP

  // First value of a header ("" when absent); `name` must be lower case.
  absl::string_view Header(absl::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (key == name) return value;
    }
    return {};
  }
};

struct HttpResponse {
  int status = 200;
  HeaderList headers;
  std::string body;
  bool close_connection = false;
};

// Thread-safe: may be called from any thread, exactly once per request.
using Respond = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(HttpRequest, Respond)>;

}  // namespace xuncha::gateway
