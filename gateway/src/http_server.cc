#include "http_server.h"

#include <atomic>
#include <cstdint>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/ssl.hpp"
#include "metrics.h"
#include "transcoder.h"
#include "xuncha/log.h"

namespace xuncha::gateway {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return std::chrono::nanoseconds(absl::ToInt64Nanoseconds(d));
}

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  HttpHandler handler;
  Metrics* metrics;
  // Declared before the io_context: sessions still queued in it are destroyed with it and
  // decrement this on the way out.
  std::atomic<int> connections{0};
  int port = 0;
  net::io_context ioc;
  std::optional<net::ssl::context> tls;  // set when serving HTTPS
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> accept_retry;
  std::vector<std::thread> threads;

  Impl(HttpServerOptions o, HttpHandler h, Metrics* m)
      : options(std::move(o)),
        handler(std::move(h)),
        metrics(m),
        ioc(std::max(1, options.io_threads)) {}

  void Accept();
};

namespace {

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One connection. The same code serves HTTP and HTTPS; only the stream type differs.
template <typename Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  Session(tcp::socket socket, HttpServer::Impl* server)
      : stream_(MakeStream(std::move(socket), server)),
        read_timer_(stream_.get_executor()),
        server_(server) {
    beast::error_code ec;
    auto endpoint = Lowest().socket().remote_endpoint(ec);
    if (!ec) client_address_ = endpoint.address().to_string();
    if (server_->metrics != nullptr) server_->metrics->ConnectionOpened();
  }

  ~Session() {
    server_->connections.fetch_sub(1, std::memory_order_relaxed);
    if (server_->metrics != nullptr) server_->metrics->ConnectionClosed();
  }

  void Start() {
    if constexpr (kTls) {
      // The handshake gets the same bound as a request: a client that stalls in it is dropped.
      Lowest().expires_after(ToChrono(server_->options.request_timeout));
      stream_.async_handshake(net::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                self->Lowest().expires_never();
                                if (ec) return self->Close();
                                self->ReadRequest();
                              });
    } else {
      // Answers are written straight from the answering thread (Answer), which must not block.
      beast::error_code ignored;
      Lowest().socket().non_blocking(true, ignored);
      net::dispatch(stream_.get_executor(),
                    beast::bind_front_handler(&Session::ReadRequest, this->shared_from_this()));
    }
  }

 private:
  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;
  using std::enable_shared_from_this<Session<Stream>>::weak_from_this;

  static Stream MakeStream(tcp::socket socket, HttpServer::Impl* server) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *server->tls);
    } else {
      (void)server;
      return Stream(std::move(socket));
    }
  }

  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  // Runs on the strand, or on the thread that answered the previous request (Answer): between a
  // request's hand-over and its answer, nothing else touches the stream, the parser or the buffer,
  // so that thread may start the next read itself. Only the read timer's handler can still be
  // running on the strand then, hence timer_mu_ (see ArmReadTimer).
  void ReadRequest() {
    std::lock_guard lock(timer_mu_);
    stream_parser_.reset();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_->options.max_header_bytes));
    // The body limit depends on the route (upload routes have their own), known only once the
    // header is in: it is applied in OnHeader. Beast would check Content-Length against its
    // limit while parsing the header, so the header is read with none.
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    ArmReadTimerLocked();
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  // Our own timer rather than the stream's: a stream timeout closes the socket, and a slow
  // client should still be told 408. Cancels the pending read when it fires.
  //
  // A wait that expired just as its read completed may still run its handler on the strand while
  // another thread arms the next read (ReadRequest). The round number tells the handler its read
  // is over; the mutex keeps its check and cancel from interleaving with the next read's start.
  void ArmReadTimer() {
    std::lock_guard lock(timer_mu_);
    ArmReadTimerLocked();
  }

  void ArmReadTimerLocked() {
    const std::uint64_t round = ++read_round_;
    timed_out_ = false;
    read_timer_.expires_after(ToChrono(server_->options.request_timeout));
    read_timer_.async_wait([weak = weak_from_this(), round](beast::error_code ec) {
      if (ec) return;
      auto self = weak.lock();
      if (!self) return;
      std::lock_guard lock(self->timer_mu_);
      if (self->read_round_ != round) return;
      self->timed_out_ = true;
      beast::error_code ignored;
      self->Lowest().socket().cancel(ignored);
    });
  }

  void OnHeader(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    auto& header = parser_->get();
    std::size_t stream_limit = 0;
    if (server_->options.streamed_body_limit) {
      auto method = header.method_string();
      auto target = header.target();
      stream_limit =
          server_->options.streamed_body_limit(absl::string_view(method.data(), method.size()),
                                               absl::string_view(target.data(), target.size()));
    }
    const std::size_t limit = stream_limit > 0 ? stream_limit : server_->options.max_body_bytes;
    if (auto length = parser_->content_length(); length && *length > limit) {
      // Refused before the body is read (and before a 100 Continue invites it).
      return Reject(413, 3, absl::StrCat("request body exceeds ", limit, " bytes"));
    }
    parser_->body_limit(limit);
    if (beast::iequals(header[http::field::expect], "100-continue")) {
      // Clients that wait for this before sending the body would otherwise stall until their
      // own timeout.
      static constexpr absl::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      net::async_write(
          stream_, net::buffer(kContinue.data(), kContinue.size()),
          [self = shared_from_this(), stream_limit](beast::error_code ec, std::size_t) {
            if (ec) return self->OnReadError(ec);
            if (stream_limit > 0) return self->StartStreaming(stream_limit);
            self->ReadBody();
          });
      return;
    }
    if (stream_limit > 0) return StartStreaming(stream_limit);
    ReadBody();
  }

  // Hands the request to the handler now, with a BodyReader that pulls the body piece by piece.
  class StreamedBody : public BodyReader {
   public:
    explicit StreamedBody(std::shared_ptr<Session> session) : session_(std::move(session)) {}
    void Read(Next next) override {
      net::post(session_->stream_.get_executor(), [session = session_, next = std::move(next)]() {
        session->ReadPiece(std::move(next));
      });
    }

   private:
    std::shared_ptr<Session> session_;
  };

  void StartStreaming(std::size_t limit) {
    read_timer_.cancel();  // from here each piece has its own time limit
    stream_parser_.emplace(std::move(*parser_));
    stream_parser_->body_limit(limit);
    stream_limit_ = limit;
    body_done_ = false;
    const auto& header = stream_parser_->get();
    keep_alive_ = header.keep_alive();
    version_ = header.version();
    is_head_ = false;
    HttpRequest request = ToRequest(header);
    request.body_reader = std::make_shared<StreamedBody>(shared_from_this());
    Dispatch(std::move(request));
  }

  void ReadPiece(BodyReader::Next next) {
    if (stream_parser_->is_done()) {
      body_done_ = true;
      return next(absl::OkStatus(), "", true);
    }
    // Pieces of 64 KiB: large enough to keep the per-message overhead of the gRPC stream small,
    // small enough that a slow backend holds little memory per upload.
    piece_.resize(64 << 10);
    auto& body = stream_parser_->get().body();
    body.data = piece_.data();
    body.size = piece_.size();
    ArmReadTimer();
    http::async_read(
        stream_, buffer_, *stream_parser_,
        [self = shared_from_this(), next = std::move(next)](beast::error_code ec, std::size_t) {
          self->read_timer_.cancel();
          if (ec == http::error::need_buffer) ec = {};  // the piece is full: not an error
          if (ec) {
            self->keep_alive_ = false;
            if (ec == http::error::body_limit) {
              return next(absl::OutOfRangeError(
                              absl::StrCat("request body exceeds ", self->stream_limit_, " bytes")),
                          "", false);
            }
            if (self->timed_out_) {
              return next(absl::DeadlineExceededError("request body not received in time"), "",
                          false);
            }
            return next(
                absl::CancelledError(absl::StrCat("request body not received: ", ec.message())), "",
                false);
          }
          std::size_t got = self->piece_.size() - self->stream_parser_->get().body().size;
          if (got == 0 && self->stream_parser_->is_done()) {
            self->body_done_ = true;
            return next(absl::OkStatus(), "", true);
          }
          next(absl::OkStatus(), std::string(self->piece_.data(), got), false);
        });
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnReadError(beast::error_code ec) {
    read_timer_.cancel();
    if (ec == http::error::end_of_stream || ec == net::error::connection_reset ||
        ec == net::error::eof) {
      return Close();
    }
    if (timed_out_ || ec == net::error::operation_aborted) {
      // An idle kept-alive connection just goes away; a half-sent request gets an answer.
      if (!parser_->got_some() && buffer_.size() == 0) return Close();
      return Reject(408, 4, "request not received in time");
    }
    if (ec == http::error::body_limit) {
      return Reject(
          413, 3, absl::StrCat("request body exceeds ", server_->options.max_body_bytes, " bytes"));
    }
    if (ec == http::error::header_limit) {
      return Reject(431, 3, "request header fields too large");
    }
    if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
      return Reject(400, 3, absl::StrCat("malformed HTTP request: ", ec.message()));
    }
    Close();
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    read_timer_.cancel();
    auto message = parser_->release();
    keep_alive_ = message.keep_alive();
    version_ = message.version();
    is_head_ = message.method() == http::verb::head;
    HttpRequest request = ToRequest(message);
    request.body = std::move(message.body());
    Dispatch(std::move(request));
  }

  template <typename Message>
  HttpRequest ToRequest(const Message& message) const {
    HttpRequest request;
    auto method = message.method_string();
    auto target = message.target();
    request.method = std::string(method.data(), method.size());
    request.target = std::string(target.data(), target.size());
    request.client_address = client_address_;
    request.headers.reserve(std::distance(message.begin(), message.end()));
    for (const auto& field : message) {
      auto name = field.name_string();
      auto value = field.value();
      request.headers.emplace_back(
          absl::AsciiStrToLower(absl::string_view(name.data(), name.size())),
          std::string(value.data(), value.size()));
    }
    return request;
  }

  void Dispatch(HttpRequest request) {
    Respond respond = [self = shared_from_this()](HttpResponse response) {
      self->Answer(std::move(response));
    };
    server_->handler(std::move(request), std::move(respond));
  }

  // Runs on whichever thread the handler answers from (gRPC's, a worker's, or the strand).
  //
  // Plain HTTP answers are written right here with one non-blocking send, and the next read is
  // started from here too: going back through the strand cost a hand-over between threads per
  // request (a queued handler and usually a wake-up), which on two cores was a measurable share
  // of the gateway's time (tests/bench/RESULTS.md). An answer the socket does not take whole (a
  // large body, a client that is not reading) goes on through the strand with the write timeout;
  // so do TLS answers and answers before the end of a streamed body.
  void Answer(HttpResponse response) {
    if constexpr (!kTls) {
      if (!stream_parser_.has_value()) return WriteNow(std::move(response));
    }
    net::post(stream_.get_executor(),
              [self = shared_from_this(), response = std::move(response)]() mutable {
                self->Write(std::move(response));
              });
  }

  void WriteNow(HttpResponse response) {
    auto out = ToMessage(std::move(response));
    const bool close = !out->keep_alive();
    std::string wire = Serialize(*out);
    std::size_t sent = 0;
    beast::error_code ec;
    while (sent < wire.size()) {
      std::size_t n =
          Lowest().socket().write_some(net::buffer(wire.data() + sent, wire.size() - sent), ec);
      if (ec) break;
      sent += n;
    }
    if (ec == net::error::would_block || ec == net::error::try_again) {
      ec = {};
    }
    if (ec || (sent == wire.size() && close)) {
      return net::post(stream_.get_executor(), [self = shared_from_this()] { self->Close(); });
    }
    if (sent == wire.size()) return ReadRequest();
    // Only now does the answer outlive this call: the unsent rest goes with the strand's write.
    auto rest = std::make_shared<std::string>(std::move(wire));
    net::post(
        stream_.get_executor(), [self = shared_from_this(), wire = std::move(rest), sent, close]() {
          self->Lowest().expires_after(ToChrono(self->server_->options.write_timeout));
          net::async_write(self->stream_, net::buffer(wire->data() + sent, wire->size() - sent),
                           [self, wire, close](beast::error_code ec, std::size_t) {
                             self->Lowest().expires_never();
                             if (ec || close) return self->Close();
                             self->ReadRequest();
                           });
        });
  }

  // The whole message as it goes on the wire, in one piece for one send.
  static std::string Serialize(http::response<http::string_body>& message) {
    std::string wire;
    wire.reserve(256 + message.body().size());
    http::serializer<false, http::string_body> serializer(message);
    beast::error_code ec;
    while (!ec && !serializer.is_done()) {
      serializer.next(ec, [&](beast::error_code&, const auto& buffers) {
        for (auto buffer : beast::buffers_range_ref(buffers)) {
          wire.append(static_cast<const char*>(buffer.data()), buffer.size());
        }
        serializer.consume(beast::buffer_bytes(buffers));
      });
    }
    return wire;
  }

  void Reject(int status, int grpc_code, std::string message) {
    if (server_->metrics != nullptr) {
      server_->metrics->RequestStarted();
      server_->metrics->RequestFinished("rejected", status, absl::ZeroDuration());
    }
    log::Info("http request rejected",
              {{"status", absl::StrCat(status)}, {"client", client_address_}, {"reason", message}});
    HttpResponse response;
    response.status = status;
    response.body = ErrorBody(grpc_code, message);
    response.headers.emplace_back("Content-Type", "application/json");
    response.close_connection = true;
    keep_alive_ = false;
    version_ = 11;
    is_head_ = false;
    Write(std::move(response));
  }

  std::shared_ptr<http::response<http::string_body>> ToMessage(HttpResponse response) const {
    auto out = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), version_);
    out->set(http::field::server, "xuncha-gateway");
    for (auto& [name, value] : response.headers) out->insert(name, value);
    out->body() = std::move(response.body);
    // An answer before the end of a streamed body (an early refusal) leaves the rest of the body
    // unread on the connection: it cannot carry another request.
    bool body_pending = stream_parser_.has_value() && !body_done_;
    out->keep_alive(keep_alive_ && !response.close_connection && !body_pending);
    out->prepare_payload();
    if (is_head_) {
      std::size_t length = out->body().size();
      out->body().clear();
      out->content_length(length);
    }
    return out;
  }

  void Write(HttpResponse response) {
    auto out = ToMessage(std::move(response));
    bool close = !out->keep_alive();
    Lowest().expires_after(ToChrono(server_->options.write_timeout));
    http::async_write(stream_, *out,
                      [self = shared_from_this(), out, close](beast::error_code ec, std::size_t) {
                        self->Lowest().expires_never();
                        if (ec || close) return self->Close();
                        self->ReadRequest();
                      });
  }

  void Close() {
    read_timer_.cancel();
    if constexpr (kTls) {
      // close_notify, bounded: a peer that never answers it must not keep the session alive.
      if (!closing_) {
        closing_ = true;
        Lowest().expires_after(std::chrono::seconds(5));
        stream_.async_shutdown(
            [self = shared_from_this()](beast::error_code) { self->Lowest().close(); });
        return;
      }
    }
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    Lowest().close();
  }

  Stream stream_;
  bool closing_ = false;
  net::steady_timer read_timer_;
  HttpServer::Impl* server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  // Set while a streamed body is being read (upload routes).
  std::optional<http::request_parser<http::buffer_body>> stream_parser_;
  std::string piece_;
  std::size_t stream_limit_ = 0;
  bool body_done_ = false;
  std::string client_address_;
  std::mutex timer_mu_;
  std::uint64_t read_round_ = 0;        // guarded by timer_mu_
  std::atomic<bool> timed_out_{false};  // set under timer_mu_
  bool keep_alive_ = false;
  bool is_head_ = false;
  unsigned version_ = 11;
};

}  // namespace

void HttpServer::Impl::Accept() {
  acceptor->async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;  // stopping
    if (ec) {
      // Typically EMFILE: back off briefly instead of spinning on the error.
      log::Warning("accept failed", {{"error", ec.message()}});
      accept_retry->expires_after(std::chrono::milliseconds(50));
      accept_retry->async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec) Accept();
      });
      return;
    }
    if (connections.fetch_add(1, std::memory_order_relaxed) >= options.max_connections) {
      connections.fetch_sub(1, std::memory_order_relaxed);
      if (metrics != nullptr) metrics->ConnectionRejected();
      beast::error_code ignored;
      socket.close(ignored);
    } else {
      // An answer the socket does not take in one send goes out in pieces; with Nagle's
      // algorithm the last small piece would wait for the client's (possibly delayed, up to
      // 40 ms) acknowledgement of the previous one.
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      if (tls) {
        std::make_shared<Session<TlsStream>>(std::move(socket), this)->Start();
      } else {
        std::make_shared<Session<PlainStream>>(std::move(socket), this)->Start();
      }
    }
    Accept();
  });
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler, Metrics* metrics)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), metrics)) {}

HttpServer::~HttpServer() { Stop(); }

int HttpServer::port() const { return impl_->port; }

absl::Status HttpServer::Start() {
  const HttpServerOptions& o = impl_->options;
  if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
    return absl::InvalidArgumentError("tls_cert_file and tls_key_file: set both or neither");
  }
  if (!o.tls_cert_file.empty()) {
    auto& tls = impl_->tls.emplace(net::ssl::context::tls_server);
    tls.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                    net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                    net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use);
    beast::error_code ec;
    tls.use_certificate_chain_file(o.tls_cert_file, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("tls_cert_file: cannot load ", o.tls_cert_file, ": ", ec.message()));
    }
    tls.use_private_key_file(o.tls_key_file, net::ssl::context::pem, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("tls_key_file: cannot load ", o.tls_key_file, ": ", ec.message()));
    }
  }
  const std::string& listen = impl_->options.listen;
  std::size_t colon = listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("bad listen address '", listen, "'"));
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  beast::error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("bad listen host '", host, "'"));
  tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  auto& acceptor = impl_->acceptor.emplace(net::make_strand(impl_->ioc));
  impl_->accept_retry.emplace(acceptor.get_executor());
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", listen, ": ", ec.message()));
  }
  impl_->port = acceptor.local_endpoint().port();
  impl_->Accept();
  for (int i = 0; i < std::max(1, impl_->options.io_threads); ++i) {
    impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  }
  return absl::OkStatus();
}

void HttpServer::Stop() {
  if (impl_->threads.empty()) return;
  net::post(impl_->acceptor->get_executor(), [this] {
    beast::error_code ignored;
    impl_->acceptor->close(ignored);
  });
  impl_->ioc.stop();
  for (auto& thread : impl_->threads) thread.join();
  impl_->threads.clear();
}

}  // namespace xuncha::gateway
