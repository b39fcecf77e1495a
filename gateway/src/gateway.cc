#include "gateway.h"

#include <atomic>
#include <cmath>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "forwarder.h"
#include "google/protobuf/message.h"
#include "metrics.h"
#include "openapi.h"
#include "rate_limiter.h"
#include "route_table.h"
#include "static_files.h"
#include "transcoder.h"
#include "worker_pool.h"
#include "xuncha/auth.h"
#include "xuncha/log.h"
#include "xuncha/rpc.h"
#include "xuncha/status.h"

namespace xuncha::gateway {
namespace {

constexpr absl::string_view kJson = "application/json";

std::string NewRequestId() {
  thread_local absl::BitGen gen;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (char& c : id) c = kHex[absl::Uniform(gen, 0, 16)];
  return id;
}

// Values we put into logs and gRPC metadata must be printable ASCII of sane length.
bool IsSafeHeaderValue(absl::string_view value, std::size_t max_length) {
  if (value.empty() || value.size() > max_length) return false;
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

HttpResponse ErrorResponse(const absl::Status& status) {
  HttpResponse response;
  response.status = HttpStatusForCode(status.code());
  response.body = ErrorBody(static_cast<int>(status.code()), status.message());
  if (status.code() == absl::StatusCode::kUnauthenticated) {
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
  }
  return response;
}

HttpResponse JsonResponse(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers.emplace_back("Content-Type", std::string(kJson));
  return response;
}

bool IsJsonContentType(absl::string_view value) {
  absl::string_view media = value.substr(0, value.find(';'));
  media = absl::StripAsciiWhitespace(media);
  return absl::EqualsIgnoreCase(media, "application/json") ||
         absl::EndsWithIgnoreCase(media, "+json");
}

}  // namespace

std::optional<absl::Duration> ParseGrpcTimeout(absl::string_view value) {
  if (value.size() < 2 || value.size() > 9) return std::nullopt;
  int64_t amount = 0;
  if (!absl::SimpleAtoi(value.substr(0, value.size() - 1), &amount) || amount < 0) {
    return std::nullopt;
  }
  switch (value.back()) {
    case 'H':
      return absl::Hours(amount);
    case 'M':
      return absl::Minutes(amount);
    case 'S':
      return absl::Seconds(amount);
    case 'm':
      return absl::Milliseconds(amount);
    case 'u':
      return absl::Microseconds(amount);
    case 'n':
      return absl::Nanoseconds(amount);
  }
  return std::nullopt;
}

struct Gateway::Call {
  HttpRequest request;
  Respond respond;
  Metrics* metrics = nullptr;
  absl::Time start;
  std::string request_id;
  std::string path;
  std::string query;
  std::string client_address;
  std::string route_label = "unmatched";
  const Route* route = nullptr;
  PathBindings bindings;
  std::string subject;  // principal id of a verified token
  std::string grpc_code;

  void Finish(HttpResponse response) {
    response.headers.emplace_back("X-Request-Id", request_id);
    if (!response.body.empty()) {
      bool has_type = false;
      for (const auto& [key, value] : response.headers) {
        has_type = has_type || absl::EqualsIgnoreCase(key, "Content-Type");
      }
      if (!has_type) response.headers.emplace_back("Content-Type", std::string(kJson));
    }
    absl::Duration latency = absl::Now() - start;
    if (metrics != nullptr) metrics->RequestFinished(route_label, response.status, latency);
    std::string status_text = absl::StrCat(response.status);
    std::string latency_ms = absl::StrCat(absl::ToDoubleMilliseconds(latency));
    std::string bytes = absl::StrCat(response.body.size());
    log::SetRequestId(request_id);
    log::Info("http request", {{"method", request.method},
                               {"path", path},
                               {"route", route_label},
                               {"status", status_text},
                               {"grpc_code", grpc_code},
                               {"duration_ms", latency_ms},
                               {"response_bytes", bytes},
                               {"client", client_address},
                               {"principal", subject}});
    log::SetRequestId("");
    Respond done = std::move(respond);
    done(std::move(response));
  }
};

Gateway::Gateway(GatewayOptions options, GatewayParts parts)
    : options_(options), parts_(parts), openapi_(BuildOpenApiDocument(*parts.routes)) {}

Gateway::~Gateway() = default;

HttpHandler Gateway::AsHandler() {
  return [this](HttpRequest request, Respond respond) {
    Handle(std::move(request), std::move(respond));
  };
}

void Gateway::Handle(HttpRequest request, Respond respond) {
  auto call = std::make_shared<Call>();
  call->start = absl::Now();
  call->metrics = parts_.metrics;
  if (parts_.metrics != nullptr) parts_.metrics->RequestStarted();
  absl::string_view incoming_id = request.Header("x-request-id");
  call->request_id =
      IsSafeHeaderValue(incoming_id, 128) ? std::string(incoming_id) : NewRequestId();
  call->client_address = request.client_address;
  if (options_.trust_forwarded_for) {
    absl::string_view forwarded = request.Header("x-forwarded-for");
    forwarded = absl::StripAsciiWhitespace(forwarded.substr(0, forwarded.find(',')));
    if (IsSafeHeaderValue(forwarded, 64)) call->client_address = std::string(forwarded);
  }
  absl::string_view target = request.target;
  std::size_t question = target.find('?');
  call->path = std::string(target.substr(0, question));
  if (question != absl::string_view::npos) call->query = std::string(target.substr(question + 1));
  call->request = std::move(request);
  call->respond = std::move(respond);

  const std::string& method = call->request.method;
  const std::string& path = call->path;
  bool read = method == "GET" || method == "HEAD";
  if (path == "/healthz" && read) {
    call->route_label = "healthz";
    call->Finish(JsonResponse(200, R"({"status":"ok"})"));
  } else if (path == "/readyz" && read) {
    call->route_label = "readyz";
    Readiness(call);
  } else if (path == "/metrics" && read) {
    call->route_label = "metrics";
    HttpResponse response;
    response.body = parts_.metrics != nullptr ? parts_.metrics->Render() : "";
    response.headers.emplace_back("Content-Type", "text/plain; version=0.0.4");
    call->Finish(std::move(response));
  } else if (path == "/api/v1/openapi.json" && read) {
    call->route_label = "openapi";
    call->Finish(JsonResponse(200, openapi_));
  } else if (path == "/api" || absl::StartsWith(path, "/api/")) {
    HandleApi(call);
  } else if (parts_.static_files != nullptr && read) {
    call->route_label = "static";
    ServeStatic(call);
  } else {
    call->Finish(
        ErrorResponse(absl::NotFoundError(absl::StrCat("no route for ", method, " ", path))));
  }
}

void Gateway::HandleApi(std::shared_ptr<Call> call) {
  const std::string& method = call->request.method;
  RouteMatch match = parts_.routes->Match(method, call->path);
  switch (match.kind) {
    case RouteMatch::Kind::kBadPath:
      return call->Finish(ErrorResponse(absl::InvalidArgumentError("malformed request path")));
    case RouteMatch::Kind::kNotFound:
      return call->Finish(ErrorResponse(
          absl::NotFoundError(absl::StrCat("no route for ", method, " ", call->path))));
    case RouteMatch::Kind::kMethodNotAllowed: {
      HttpResponse response = ErrorResponse(absl::UnimplementedError(
          absl::StrCat("method ", method, " not allowed; allowed: ", match.allowed_methods)));
      response.status = 405;
      response.headers.emplace_back("Allow", match.allowed_methods);
      return call->Finish(std::move(response));
    }
    case RouteMatch::Kind::kFound:
      break;
  }
  call->route = match.route;
  call->route_label = match.route->label;
  call->bindings = std::move(match.bindings);
  const Route& route = *call->route;

  if (!parts_.forwarder->HasBackend(route.backend)) {
    return call->Finish(ErrorResponse(
        absl::UnavailableError(absl::StrCat("backend ", route.backend, " not configured"))));
  }
  // The token is checked before the rate limit but refused after it, so that the per-address
  // bucket also throttles callers without a valid token (guessing, scanning) in one Redis call.
  absl::Status auth_status = absl::OkStatus();
  if (!route.is_public) {
    absl::string_view authorization = call->request.Header("authorization");
    absl::string_view token;
    if (authorization.size() > 7 && absl::StartsWithIgnoreCase(authorization, "bearer ")) {
      token = absl::StripAsciiWhitespace(authorization.substr(7));
    }
    if (token.empty()) {
      auth_status = absl::UnauthenticatedError("missing bearer token");
    } else if (parts_.verifier == nullptr) {
      auth_status = absl::UnauthenticatedError("token verification is not configured");
    } else if (auto claims = parts_.verifier->Verify(token, absl::Now()); !claims.ok()) {
      auth_status = absl::UnauthenticatedError(claims.status().message());
    } else {
      call->subject = claims->sub();
    }
  }
  auto admitted = [this, call, auth_status]() {
    if (!auth_status.ok()) return call->Finish(ErrorResponse(auth_status));
    const Route& admitted_route = *call->route;
    if (!call->request.body.empty() && !admitted_route.body.empty() &&
        !admitted_route.is_upload()) {
      absl::string_view content_type = call->request.Header("content-type");
      if (!content_type.empty() && !IsJsonContentType(content_type)) {
        HttpResponse response = ErrorResponse(absl::InvalidArgumentError(
            absl::StrCat("unsupported content type '", content_type, "'; send application/json")));
        response.status = 415;
        return call->Finish(std::move(response));
      }
    }
    Forward(call);
  };
  if (parts_.rate_limiter == nullptr) return admitted();
  parts_.rate_limiter->Check(
      call->client_address, call->subject, [call, admitted](RateDecision decision) {
        if (decision.allowed) return admitted();
        HttpResponse response = ErrorResponse(absl::ResourceExhaustedError("rate limit exceeded"));
        int64_t seconds =
            static_cast<int64_t>(std::ceil(absl::ToDoubleSeconds(decision.retry_after)));
        response.headers.emplace_back("Retry-After", absl::StrCat(std::max<int64_t>(1, seconds)));
        call->Finish(std::move(response));
      });
}

namespace {

// What the backend is told besides the request: the caller's token, request id, idempotency key
// and address, and the deadline (the caller's own grpc-timeout, capped, or the default).
std::vector<std::pair<std::string, std::string>> ForwardedMetadata(const HttpRequest& request,
                                                                   const std::string& request_id,
                                                                   const std::string& client) {
  std::vector<std::pair<std::string, std::string>> metadata;
  absl::string_view authorization = request.Header("authorization");
  if (IsSafeHeaderValue(authorization, 8192)) {
    metadata.emplace_back("authorization", std::string(authorization));
  }
  metadata.emplace_back(kRequestIdHeader, request_id);
  absl::string_view idempotency_key = request.Header(kIdempotencyKeyHeader);
  if (IsSafeHeaderValue(idempotency_key, 256)) {
    metadata.emplace_back(kIdempotencyKeyHeader, std::string(idempotency_key));
  }
  if (IsSafeHeaderValue(client, 64)) metadata.emplace_back(kClientAddressHeader, client);
  return metadata;
}

// The backend's answer as HTTP: JSON, or the file itself for RPCs that return one.
HttpResponse BackendAnswer(const Route& route, const absl::Status& status,
                           const std::string& response) {
  if (!status.ok()) return ErrorResponse(status);
  if (ReturnsFile(route)) {
    auto file = ResponseToFile(response);
    if (!file.ok()) return ErrorResponse(file.status());
    HttpResponse out;
    out.headers.emplace_back("Content-Type", file->content_type);
    out.headers.emplace_back("Content-Disposition", file->content_disposition);
    out.headers.emplace_back("Cache-Control", "no-store");
    out.body = std::move(file->content);
    return out;
  }
  auto json = ResponseToJson(route, response);
  if (!json.ok()) return ErrorResponse(json.status());
  return JsonResponse(200, *std::move(json));
}

// The body of an upload that arrived whole (a caller of Gateway::Handle without a streaming
// server, such as the tests), served in one piece.
class WholeBody : public BodyReader {
 public:
  explicit WholeBody(std::string body) : body_(std::move(body)) {}
  void Read(Next next) override {
    if (done_) return next(absl::OkStatus(), "", true);
    done_ = true;
    if (body_.empty()) return next(absl::OkStatus(), "", true);
    next(absl::OkStatus(), std::move(body_), false);
  }

 private:
  std::string body_;
  bool done_ = false;
};

}  // namespace

absl::Time Gateway::Deadline(const Call& call) const {
  absl::Duration timeout = options_.default_deadline;
  if (auto requested = ParseGrpcTimeout(call.request.Header("grpc-timeout"))) {
    timeout = std::min(*requested, options_.max_deadline);
  }
  return call.start + timeout;
}

void Gateway::Forward(std::shared_ptr<Call> call) {
  if (call->route->is_upload()) return ForwardUpload(std::move(call));
  const Route& route = *call->route;
  auto message = BuildRequest(route, call->bindings, call->query, call->request.body);
  if (!message.ok()) return call->Finish(ErrorResponse(message.status()));
  std::string serialized;
  if (!(*message)->SerializeToString(&serialized)) {
    return call->Finish(ErrorResponse(absl::InternalError("cannot serialize request")));
  }
  parts_.forwarder->Call(route, std::move(serialized),
                         ForwardedMetadata(call->request, call->request_id, call->client_address),
                         Deadline(*call), [call](absl::Status status, std::string response) {
                           call->grpc_code = std::string(CodeName(status.code()));
                           call->Finish(BackendAnswer(*call->route, status, response));
                         });
}

std::size_t Gateway::StreamedBodyLimit(absl::string_view method, absl::string_view target) const {
  absl::string_view path = target.substr(0, target.find('?'));
  RouteMatch match = parts_.routes->Match(method, path);
  if (match.kind != RouteMatch::Kind::kFound || !match.route->is_upload()) return 0;
  return options_.upload_max_bytes;
}

void Gateway::ForwardUpload(std::shared_ptr<Call> call) {
  const Route& route = *call->route;
  auto first = BuildUploadMetadata(route, call->bindings, call->query);
  if (!first.ok()) return call->Finish(ErrorResponse(first.status()));
  std::shared_ptr<BodyReader> body = call->request.body_reader;
  if (body == nullptr) body = std::make_shared<WholeBody>(std::move(call->request.body));
  // How the HTTP body failed, when it did: answered as the client's fault (413, 408), not as a
  // backend error.
  struct State {
    std::optional<std::string> first;
    std::atomic<int> body_http_status{0};
    std::size_t bytes = 0;
  };
  auto state = std::make_shared<State>();
  state->first = *std::move(first);
  const std::size_t limit = options_.upload_max_bytes;
  // Called for one message at a time (the forwarder asks for the next after sending one).
  Forwarder::Source source = [state, body, call, limit](Forwarder::Deliver deliver) {
    if (state->first.has_value()) {
      std::string message = *std::move(state->first);
      state->first.reset();
      return deliver(absl::OkStatus(), std::move(message), false);
    }
    body->Read([state, call, limit, deliver = std::move(deliver)](absl::Status status,
                                                                  std::string piece, bool last) {
      state->bytes += piece.size();
      if (status.ok() && state->bytes > limit) {
        // A body that arrived whole (no streaming server) is checked here instead.
        status = absl::OutOfRangeError(absl::StrCat("request body exceeds ", limit, " bytes"));
      }
      if (!status.ok()) {
        int http_status = 400;
        if (status.code() == absl::StatusCode::kOutOfRange) http_status = 413;
        if (status.code() == absl::StatusCode::kDeadlineExceeded) http_status = 408;
        state->body_http_status.store(http_status);
        return deliver(std::move(status), "", false);
      }
      if (last) return deliver(absl::OkStatus(), "", true);
      deliver(absl::OkStatus(), BuildUploadPiece(*call->route, piece), false);
    });
  };
  parts_.forwarder->CallClientStream(
      route, ForwardedMetadata(call->request, call->request_id, call->client_address),
      Deadline(*call), std::move(source), [call, state](absl::Status status, std::string response) {
        call->grpc_code = std::string(CodeName(status.code()));
        HttpResponse answer = BackendAnswer(*call->route, status, response);
        if (int http_status = state->body_http_status.load(); http_status != 0) {
          answer.status = http_status;
          answer.close_connection = true;
        }
        call->Finish(std::move(answer));
      });
}

void Gateway::Readiness(std::shared_ptr<Call> call) {
  parts_.forwarder->CheckHealth(
      options_.readiness_timeout,
      [call](std::vector<std::pair<std::string, absl::Status>> results) {
        bool ready = true;
        std::string backends;
        for (const auto& [name, status] : results) {
          ready = ready && status.ok();
          if (!backends.empty()) backends += ",";
          log::AppendJsonString(backends, name);
          backends += ":";
          log::AppendJsonString(backends, status.ok() ? "ok" : status.ToString());
        }
        call->Finish(JsonResponse(ready ? 200 : 503,
                                  absl::StrCat("{\"status\":", ready ? "\"ready\"" : "\"unready\"",
                                               ",\"backends\":{", backends, "}}")));
      });
}

void Gateway::ServeStatic(std::shared_ptr<Call> call) {
  auto serve = [this, call] {
    StaticResponse file =
        parts_.static_files->Serve(call->path, call->request.Header("if-none-match"));
    if (file.status == 404) {
      return call->Finish(ErrorResponse(absl::NotFoundError("not found")));
    }
    HttpResponse response;
    response.status = file.status;
    response.body = std::move(file.body);
    response.headers.emplace_back("Content-Type", file.content_type);
    response.headers.emplace_back("Cache-Control", file.cache_control);
    response.headers.emplace_back("ETag", file.etag);
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
    call->Finish(std::move(response));
  };
  if (parts_.blocking_pool == nullptr) return serve();
  if (!parts_.blocking_pool->TrySubmit(serve)) {
    call->Finish(ErrorResponse(absl::UnavailableError("server busy")));
  }
}

}  // namespace xuncha::gateway
