// The HTTP request/response shapes passed between the Beast server and the gateway logic. Kept
// free of Beast so that only http_server.cc pays for its headers.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace xuncha::gateway {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// The body of a request that is streamed rather than collected (upload routes), read piece by
// piece so that a large file is never held whole and a slow consumer slows the client down.
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // `next` runs once, on any thread, with the next piece (`last` false), or with an empty piece
  // and `last` true at the end of the body, or with an error: OUT_OF_RANGE when the body
  // exceeds the route's limit, DEADLINE_EXCEEDED when the client stalls, CANCELLED when it went
  // away. Call Read again only after `next` ran.
  using Next = std::function<void(absl::Status status, std::string piece, bool last)>;
  virtual void Read(Next next) = 0;
};

struct HttpRequest {
  std::string method;  // upper case, as sent
  std::string target;  // raw request target: path and query, still percent-encoded
  HeaderList headers;  // names lower-cased by the server
  std::string body;
  // Set instead of `body` for requests whose body the server streams (see
  // HttpServerOptions::streamed_body_limit); the handler must read it to its end or answer with
  // `close_connection`.
  std::shared_ptr<BodyReader> body_reader;
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
