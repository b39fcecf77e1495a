// Asynchronous HTTP/1.1 server (Boost.Beast) that hands complete requests to an HttpHandler.
// Only http_server.cc includes Beast: its headers are expensive to compile.
//
// One request per connection is processed at a time: the next request is read only after the
// response is written, so pipelined requests are answered in order. Limits: header size (431),
// body size (413), time to receive a request (408), connection count; writes to a client that
// does not read time out. Nothing here blocks an io thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "http_types.h"

namespace xuncha::gateway {

class Metrics;

struct HttpServerOptions {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free port
  int io_threads = 2;
  std::size_t max_body_bytes = 4 << 20;
  std::size_t max_header_bytes = 16 << 10;
  // From the first byte of a request (or from the end of the previous response on a kept-alive
  // connection) until it is complete.
  absl::Duration request_timeout = absl::Seconds(30);
  absl::Duration write_timeout = absl::Seconds(30);
  int max_connections = 10000;
  // Decides from the request line whether a body is streamed to the handler (a BodyReader)
  // instead of collected: the body limit for such a request, or 0 to collect it as usual
  // (subject to max_body_bytes). A streamed body's `request_timeout` applies to each piece, so
  // a large upload at a steady pace is not cut off. Unset: nothing is streamed.
  std::function<std::size_t(absl::string_view method, absl::string_view target)>
      streamed_body_limit;
  // HTTPS when both are set (PEM files; the chain may follow the certificate). TLS 1.2 or later.
  std::string tls_cert_file;
  std::string tls_key_file;
};

class HttpServer {
 public:
  // `metrics` may be null. `handler` must stay valid until Stop() returns.
  HttpServer(HttpServerOptions options, HttpHandler handler, Metrics* metrics);
  ~HttpServer();  // stops
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  absl::Status Start();
  int port() const;
  void Stop();

  struct Impl;  // public only so that the connection class in the .cc can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace xuncha::gateway
