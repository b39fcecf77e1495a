#include "forwarder.h"

#include <algorithm>
#include <atomic>
#include <mutex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "route_table.h"
#include "xuncha/status.h"

namespace xuncha::gateway {
namespace {

constexpr char kHealthCheckMethod[] = "/grpc.health.v1.Health/Check";
// grpc.health.v1.HealthCheckResponse{status: SERVING}, serialized. Spelled out so the gateway
// does not need the health proto for one enum field.
constexpr absl::string_view kServingResponse("\x08\x01", 2);

// One call in flight: owns everything the callback API needs until completion.
struct PendingCall {
  grpc::ClientContext context;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
  Forwarder::Done done;
};

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  out.reserve(buffer.Length());
  for (const auto& slice : slices) {
    out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return out;
}

// gRPC's own UNAVAILABLE text ("failed to connect to all addresses") does not say which
// service; callers of the gateway should not have to guess.
absl::Status BackendError(const grpc::Status& status, const std::string& backend_name) {
  absl::Status error = FromGrpcStatus(status);
  if (error.code() == absl::StatusCode::kUnavailable &&
      !absl::StartsWith(status.error_message(), "backend ")) {
    error = absl::UnavailableError(
        absl::StrCat("backend ", backend_name, " unavailable: ", status.error_message()));
  }
  return error;
}

// One client-streaming call. The generic stub offers only bidirectional streams; a client
// stream is the same on the wire. Deletes itself when done.
class StreamCall : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  StreamCall(Forwarder::Source source, Forwarder::Done done, std::string backend_name)
      : source_(std::move(source)),
        done_(std::move(done)),
        backend_name_(std::move(backend_name)) {}

  grpc::ClientContext& context() { return context_; }

  void Start() {
    StartRead(&response_);
    // Writes are started from the source's callbacks, outside this reactor's own reactions:
    // the hold keeps OnDone back until the last of them is issued.
    AddHold();
    StartCall();
    Pull();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      // The call ended early (the service refused, or the deadline passed): OnDone has the status.
      RemoveHold();
      return;
    }
    Pull();
  }

  void OnReadDone(bool) override {}

  void OnDone(const grpc::Status& status) override {
    std::unique_ptr<StreamCall> owned(this);
    absl::Status source_error;
    {
      std::lock_guard lock(mu_);
      source_error = source_error_;
    }
    if (!source_error.ok()) return done_(source_error, "");
    if (!status.ok()) return done_(BackendError(status, backend_name_), "");
    done_(absl::OkStatus(), Flatten(response_));
  }

 private:
  void Pull() {
    source_([this](absl::Status status, std::string message, bool end) {
      if (!status.ok()) {
        {
          std::lock_guard lock(mu_);
          source_error_ = std::move(status);
        }
        context_.TryCancel();
        RemoveHold();
        return;
      }
      if (end) {
        StartWritesDone();
        RemoveHold();
        return;
      }
      grpc::Slice slice(std::move(message));
      request_ = grpc::ByteBuffer(&slice, 1);
      StartWrite(&request_);
    });
  }

  grpc::ClientContext context_;
  grpc::ByteBuffer request_;  // one write in flight at a time
  grpc::ByteBuffer response_;
  Forwarder::Source source_;
  Forwarder::Done done_;
  std::string backend_name_;
  std::mutex mu_;
  absl::Status source_error_;
};

}  // namespace

struct Forwarder::Backend {
  std::string name;
  std::string address;
  // Calls go round the stubs, one HTTP/2 connection each (see the constructor).
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs;
  std::atomic<uint32_t> next{0};
  grpc::GenericStub& stub() { return *stubs[next.fetch_add(1) % stubs.size()]; }
};

Forwarder::Forwarder(std::map<std::string, std::string> addresses, int channels_per_backend) {
  for (auto& [name, address] : addresses) {
    auto backend = std::make_unique<Backend>();
    backend->name = name;
    backend->address = address;
    // A few long-lived channels per backend rather than one: each is one HTTP/2 connection,
    // whose frames one thread reads at a time on either side, and a single connection carrying
    // every in-flight call capped the gateway well below what the backend serves
    // (tests/bench/RESULTS.md). Each channel keeps its own subchannels, so each dials its own
    // connections.
    for (int i = 0; i < std::max(1, channels_per_backend); ++i) {
      grpc::ChannelArguments args;
      // Responses are bounded by the services, not by gRPC's 4 MB default.
      args.SetMaxReceiveMessageSize(64 << 20);
      args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
      // Re-dial quickly after a backend restart; the default back-off reaches two minutes.
      args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      // Spread calls over every address the name resolves to (a headless Service lists each
      // pod): HTTP/2 connections are long-lived, so pick_first would pin one pod.
      args.SetServiceConfigJSON(R"({"loadBalancingConfig":[{"round_robin":{}}]})");
      backend->stubs.push_back(std::make_unique<grpc::GenericStub>(
          grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args)));
    }
    backends_.emplace(name, std::move(backend));
  }
}

Forwarder::~Forwarder() = default;

bool Forwarder::HasBackend(const std::string& backend) const {
  return backends_.count(backend) > 0;
}

std::vector<std::string> Forwarder::ConfiguredBackends() const {
  std::vector<std::string> names;
  for (const auto& [name, backend] : backends_) names.push_back(name);
  return names;
}

void Forwarder::Call(const Route& route, std::string request,
                     std::vector<std::pair<std::string, std::string>> metadata, absl::Time deadline,
                     Done done) {
  auto it = backends_.find(route.backend);
  if (it == backends_.end()) {
    done(absl::UnavailableError(absl::StrCat("backend ", route.backend, " not configured")), "");
    return;
  }
  CallMethod(*it->second, route.grpc_method, std::move(request), std::move(metadata), deadline,
             std::move(done));
}

void Forwarder::CallMethod(Backend& backend, const std::string& method, std::string request,
                           std::vector<std::pair<std::string, std::string>> metadata,
                           absl::Time deadline, Done done) {
  auto* call = new PendingCall;
  call->done = std::move(done);
  grpc::Slice slice(std::move(request));
  call->request = grpc::ByteBuffer(&slice, 1);
  call->context.set_deadline(absl::ToChronoTime(deadline));
  // A stopped backend must answer 503 now, not when the deadline runs out.
  call->context.set_wait_for_ready(false);
  for (auto& [key, value] : metadata) call->context.AddMetadata(key, value);
  std::string backend_name = backend.name;
  backend.stub().UnaryCall(&call->context, method, grpc::StubOptions(), &call->request,
                           &call->response, [call, backend_name](grpc::Status status) {
                             std::unique_ptr<PendingCall> owned(call);
                             if (status.ok()) {
                               owned->done(absl::OkStatus(), Flatten(owned->response));
                               return;
                             }
                             owned->done(BackendError(status, backend_name), "");
                           });
}

void Forwarder::CallClientStream(const Route& route,
                                 std::vector<std::pair<std::string, std::string>> metadata,
                                 absl::Time deadline, Source source, Done done) {
  auto it = backends_.find(route.backend);
  if (it == backends_.end()) {
    done(absl::UnavailableError(absl::StrCat("backend ", route.backend, " not configured")), "");
    return;
  }
  auto* call = new StreamCall(std::move(source), std::move(done), it->second->name);
  call->context().set_deadline(absl::ToChronoTime(deadline));
  call->context().set_wait_for_ready(false);
  for (auto& [key, value] : metadata) call->context().AddMetadata(key, value);
  it->second->stub().PrepareBidiStreamingCall(&call->context(), route.grpc_method,
                                              grpc::StubOptions(), call);
  call->Start();
}

void Forwarder::CheckHealth(absl::Duration timeout, HealthDone done) {
  struct Aggregate {
    std::mutex mu;
    std::vector<std::pair<std::string, absl::Status>> results;
    std::size_t remaining = 0;
    HealthDone done;
  };
  auto aggregate = std::make_shared<Aggregate>();
  aggregate->done = std::move(done);
  aggregate->remaining = backends_.size();
  if (backends_.empty()) {
    aggregate->done({});
    return;
  }
  absl::Time deadline = absl::Now() + timeout;
  for (auto& [name, backend] : backends_) {
    std::string backend_name = name;
    CallMethod(*backend, kHealthCheckMethod, "", {}, deadline,
               [aggregate, backend_name](absl::Status status, std::string response) {
                 if (status.ok() && response != kServingResponse) {
                   status = absl::UnavailableError("not serving");
                 }
                 std::unique_lock lock(aggregate->mu);
                 aggregate->results.emplace_back(backend_name, std::move(status));
                 if (--aggregate->remaining > 0) return;
                 auto results = std::move(aggregate->results);
                 lock.unlock();
                 aggregate->done(std::move(results));
               });
  }
}

}  // namespace xuncha::gateway
