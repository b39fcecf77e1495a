// xuncha-loadgen: a fixed number of concurrent clients, each with one call in flight, carried by
// --threads event loops (default 2), run a
// weighted mix of operations from a scenario file (see scenario.h) against a service over gRPC
// or the gateway over HTTP/1.1 keep-alive, until a duration or a request count is reached.
// Prints throughput, p50/p90/p99/max latency and errors by code, as text and (--json) JSON.
//
//   xuncha-loadgen --scenario=FILE [--grpc_target=127.0.0.1:P] [--http_target=127.0.0.1:P]
//     [--clients=64] [--duration=10] [--requests=N] [--token=T | --token_file=F]
//     [--pool=name=FILE ...] [--seed=1] [--channels=8] [--timeout_ms=5000] [--json=FILE]
//     [--label=TEXT] [--rate=R] [--threads=2]
//   --rate: R requests/s offered by all clients together on a fixed schedule (open loop; latency
//     from when each request was due); without it each client sends as soon as it is answered.
//   xuncha-loadgen --probe_serving=127.0.0.1:P [--timeout_ms=20000]
//     polls the standard health Check every 2 ms until SERVING and prints serving_at_ns=<the
//     CLOCK_REALTIME time it first answered SERVING>, so a caller can time start-up from exec.
//
// Request bodies are rendered from the templates before the clock starts (256 variants per
// operation per client, drawn with the seeded generator) so the client spends its share of the
// shared CPUs on calls rather than on JSON; ${seq} is therefore unique per variant, not per call.
#include <arpa/inet.h>
#include <fcntl.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "histogram.h"
#include "http_response.h"
#include "scenario.h"

namespace xuncha::bench {
namespace {

constexpr int kVariants = 256;

struct Options {
  std::string probe_target;
  std::string scenario_file, grpc_target, http_target, token, json_file, label;
  std::vector<std::pair<std::string, std::string>> pool_files;
  int clients = 64;
  double duration_s = 0;
  long requests = 0;
  std::uint64_t seed = 1;
  int channels = 8;
  int threads = 2;  // event loops carrying the clients
  int timeout_ms = 5000;
  // Requests per second offered by all clients together (0: each client sends its next request
  // as soon as the last is answered, a closed loop at whatever rate the server sustains).
  double rate = 0;
};

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "xuncha-loadgen: %s\n", message.c_str());
  std::exit(2);
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const std::size_t eq = arg.find('=');
    if (!absl::StartsWith(arg, "--") || eq == std::string::npos) Die("bad argument " + arg);
    const std::string key = arg.substr(2, eq - 2), value = arg.substr(eq + 1);
    bool ok = true;
    if (key == "scenario")
      o.scenario_file = value;
    else if (key == "grpc_target")
      o.grpc_target = value;
    else if (key == "probe_serving")
      o.probe_target = value;
    else if (key == "http_target")
      o.http_target = value;
    else if (key == "token")
      o.token = value;
    else if (key == "token_file")
      o.token = std::string(absl::StripAsciiWhitespace(ReadFileOrDie(value)));
    else if (key == "json")
      o.json_file = value;
    else if (key == "label")
      o.label = value;
    else if (key == "clients")
      ok = absl::SimpleAtoi(value, &o.clients) && o.clients > 0;
    else if (key == "duration")
      ok = absl::SimpleAtod(value, &o.duration_s) && o.duration_s > 0;
    else if (key == "requests")
      ok = absl::SimpleAtoi(value, &o.requests) && o.requests > 0;
    else if (key == "seed")
      ok = absl::SimpleAtoi(value, &o.seed);
    else if (key == "threads")
      ok = absl::SimpleAtoi(value, &o.threads) && o.threads > 0;
    else if (key == "channels")
      ok = absl::SimpleAtoi(value, &o.channels) && o.channels > 0;
    else if (key == "timeout_ms")
      ok = absl::SimpleAtoi(value, &o.timeout_ms) && o.timeout_ms > 0;
    else if (key == "rate")
      ok = absl::SimpleAtod(value, &o.rate) && o.rate > 0;
    else if (key == "pool") {
      const std::size_t eq2 = value.find('=');
      if (eq2 == std::string::npos) Die("--pool wants name=FILE");
      o.pool_files.emplace_back(value.substr(0, eq2), value.substr(eq2 + 1));
    } else {
      Die("unknown flag --" + key);
    }
    if (!ok) Die("bad value for --" + key + ": " + value);
  }
  if (!o.probe_target.empty()) {
    if (!IsLoopbackTarget(o.probe_target)) Die("refusing non-loopback target " + o.probe_target);
    return o;
  }
  if (o.scenario_file.empty()) Die("--scenario is required");
  // Loops are bounded: without --duration or --requests a run would never end.
  if (o.duration_s == 0 && o.requests == 0) Die("give --duration and/or --requests");
  for (const std::string* t : {&o.grpc_target, &o.http_target}) {
    if (!t->empty() && !IsLoopbackTarget(*t)) Die("refusing non-loopback target " + *t);
  }
  return o;
}

// One prepared request: gRPC message bytes, or a complete HTTP/1.1 request.
struct Prepared {
  std::vector<std::string> variants;
  std::string grpc_path;  // "/package.Service/Method"
};

// Per client.
struct ClientStats {
  std::vector<LatencyHistogram> per_op;
  std::vector<std::uint64_t> ok_per_op;
  std::map<std::string, std::uint64_t> errors;
  std::uint64_t ok = 0;
};

std::string HttpRequest(const Operation& op, const std::string& path, const std::string& body,
                        const std::string& host, const std::string& token) {
  std::string r = absl::StrCat(op.method, " ", path, " HTTP/1.1\r\nHost: ", host,
                               "\r\nAccept: application/json\r\n");
  if (!token.empty()) absl::StrAppend(&r, "Authorization: Bearer ", token, "\r\n");
  if (!body.empty() || op.method != "GET") {
    absl::StrAppend(&r, "Content-Type: application/json\r\nContent-Length: ", body.size(), "\r\n");
  }
  absl::StrAppend(&r, "\r\n", body);
  return r;
}

// ---- gRPC: any method by name, request from proto3 JSON via the generated descriptor pool -----

std::string GrpcRequestBytes(const Operation& op, const std::string& json) {
  std::string dotted = op.method;
  dotted[dotted.find('/')] = '.';
  const auto* method = google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(dotted);
  if (method == nullptr) Die("operation " + op.name + ": no method " + op.method + " linked in");
  const google::protobuf::Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(method->input_type());
  std::unique_ptr<google::protobuf::Message> message(prototype->New());
  if (!json.empty()) {
    auto s = google::protobuf::util::JsonStringToMessage(json, message.get());
    if (!s.ok()) Die("operation " + op.name + ": body " + json + ": " + s.ToString());
  }
  return message->SerializeAsString();
}

std::string GrpcCodeName(grpc::StatusCode code) {
  static const char* kNames[] = {"OK",
                                 "CANCELLED",
                                 "UNKNOWN",
                                 "INVALID_ARGUMENT",
                                 "DEADLINE_EXCEEDED",
                                 "NOT_FOUND",
                                 "ALREADY_EXISTS",
                                 "PERMISSION_DENIED",
                                 "RESOURCE_EXHAUSTED",
                                 "FAILED_PRECONDITION",
                                 "ABORTED",
                                 "OUT_OF_RANGE",
                                 "UNIMPLEMENTED",
                                 "INTERNAL",
                                 "UNAVAILABLE",
                                 "DATA_LOSS",
                                 "UNAUTHENTICATED"};
  const int c = static_cast<int>(code);
  return c >= 0 && c <= 16 ? kNames[c] : absl::StrCat("grpc_", c);
}

std::string Ms(std::uint64_t micros) { return absl::StrCat(micros / 1000.0); }

int Probe(const Options& o) {
  int attempt = 0;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(o.timeout_ms);
  while (std::chrono::steady_clock::now() < give_up) {
    // A fresh channel per attempt: a channel whose first connection was refused waits out
    // gRPC's reconnect back-off (a second and more), which would be counted as start-up time.
    grpc::ChannelArguments args;
    args.SetInt("xuncha.probe.attempt", ++attempt);
    auto stub = grpc::health::v1::Health::NewStub(
        grpc::CreateCustomChannel(o.probe_target, grpc::InsecureChannelCredentials(), args));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    if (stub->Check(&context, request, &response).ok() &&
        response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      const auto now = std::chrono::system_clock::now().time_since_epoch();
      std::printf("serving_at_ns=%lld\n",
                  static_cast<long long>(
                      std::chrono::duration_cast<std::chrono::nanoseconds>(now).count()));
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  std::fprintf(stderr, "xuncha-loadgen: %s not SERVING within %d ms\n", o.probe_target.c_str(),
               o.timeout_ms);
  return 1;
}

// ---- The clients: a few event loops ------------------------------------------------------------
//
// --threads event-loop threads (default 2, as wrk -t2) carry all the clients, each client with
// one call in flight. The first version gave every client a blocking thread: 64 runnable threads
// on two cores next to the servers being measured, and their scheduling showed up in the tail
// latency as if it were the server's.

using Clock = std::chrono::steady_clock;

struct Client {
  int index = 0;
  ClientStats stats;
  std::mt19937_64 rng;
  std::vector<std::size_t> next_variant;  // per operation
  Clock::time_point due;           // the next request starts no earlier (open loop: its slot)
  Clock::time_point counted_from;  // the latency of the call in flight counts from here
  Clock::time_point give_up;       // HTTP: the call in flight fails as "timeout" after this
  std::size_t op = 0;
  bool in_flight = false;
  bool finished = false;  // --requests reached
  // HTTP/1.1 keep-alive, non-blocking socket.
  int fd = -1;
  bool reused = false;   // the connection has already carried a response
  bool retried = false;  // this call was already re-sent on a fresh connection
  bool want_write = false;
  const std::string* request = nullptr;
  std::size_t sent = 0;
  std::string buffer;
  // gRPC: completed on gRPC's callback threads and handed back to the client's loop.
  std::unique_ptr<grpc::ClientContext> context;
  grpc::ByteBuffer grpc_request, grpc_response;
  grpc::Status grpc_status;
};

// What every loop reads (and the two shared counters).
struct RunShared {
  const Options& o;
  const std::vector<Operation>& ops;
  const std::vector<std::vector<Prepared>>& prepared;
  const std::vector<std::unique_ptr<grpc::GenericStub>>& stubs;
  int total_weight = 1;
  sockaddr_in http_addr{};
  Clock::duration interval{};  // open loop: between one client's requests
  std::atomic<long>& issued;
  std::atomic<bool>& stop;
};

class Loop {
 public:
  Loop(const RunShared& shared, std::vector<Client*> clients)
      : s_(shared), clients_(std::move(clients)) {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    event_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    timer_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (epoll_fd_ < 0 || event_fd_ < 0 || timer_fd_ < 0) Die("cannot create the event loop");
    for (int* fd : {&event_fd_, &timer_fd_}) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.ptr = fd;
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, *fd, &ev);
    }
  }
  ~Loop() {
    for (Client* c : clients_) CloseHttp(*c);
    for (int fd : {epoll_fd_, event_fd_, timer_fd_}) ::close(fd);
  }

  // Returns when the run is stopped (or every client has made its share of --requests) and no
  // call is in flight: gRPC calls end by their deadline, HTTP calls by --timeout_ms.
  void Run() {
    epoll_event events[128];
    for (;;) {
      const auto now = Clock::now();
      const bool stopping = s_.stop.load(std::memory_order_relaxed);
      // Wake at least every 10 ms to see the stop flag.
      Clock::time_point wake = now + std::chrono::milliseconds(10);
      bool active = false;
      for (Client* c : clients_) {
        if (c->in_flight && c->context == nullptr && now >= c->give_up) {
          CloseHttp(*c);
          Complete(*c, "timeout");
        }
        if (!c->in_flight && !c->finished && !stopping) {
          if (c->due <= now)
            Start(*c, now);
          else
            wake = std::min(wake, c->due);
        }
        if (c->in_flight) {
          active = true;
          if (c->context == nullptr) wake = std::min(wake, c->give_up);
        } else if (!c->finished && !stopping) {
          active = true;
        }
      }
      if (!active) return;
      ArmTimer(wake, now);
      const int n = ::epoll_wait(epoll_fd_, events, 128, -1);
      for (int i = 0; i < n; ++i) {
        void* p = events[i].data.ptr;
        if (p == &timer_fd_) {
          std::uint64_t expirations;
          if (::read(timer_fd_, &expirations, sizeof expirations) > 0) armed_ = Clock::time_point();
        } else if (p == &event_fd_) {
          std::uint64_t count;
          (void)!::read(event_fd_, &count, sizeof count);
          std::vector<Client*> done;
          {
            std::lock_guard<std::mutex> lock(mu_);
            done.swap(grpc_done_);
          }
          for (Client* c : done) CompleteGrpc(*c);
        } else {
          OnSocket(*static_cast<Client*>(p), events[i].events);
        }
      }
    }
  }

 private:
  // The timer only ever moves earlier while armed; an early wake-up costs one loop turn.
  void ArmTimer(Clock::time_point wake, Clock::time_point now) {
    if (armed_ > now && armed_ <= wake) return;
    const auto ns = std::max<std::int64_t>(
        1, std::chrono::duration_cast<std::chrono::nanoseconds>(wake.time_since_epoch()).count());
    itimerspec spec{};
    spec.it_value.tv_sec = ns / 1000000000;
    spec.it_value.tv_nsec = ns % 1000000000;
    // steady_clock is CLOCK_MONOTONIC on Linux, so its time points are the timer's.
    ::timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
    armed_ = wake;
  }

  void Start(Client& c, Clock::time_point now) {
    if (s_.o.requests > 0 && s_.issued.fetch_add(1, std::memory_order_relaxed) >= s_.o.requests) {
      c.finished = true;
      return;
    }
    c.op = PickOperation(
        s_.ops, std::uniform_int_distribution<std::uint64_t>(0, s_.total_weight - 1)(c.rng));
    const Prepared& p = s_.prepared[static_cast<std::size_t>(c.index)][c.op];
    const std::string& variant = p.variants[c.next_variant[c.op]++ % p.variants.size()];
    // Open loop: latency counts from when the request was due, so a server that falls behind
    // shows its queue instead of slowing the offered load (coordinated omission).
    c.counted_from = s_.o.rate > 0 ? c.due : now;
    c.due += s_.interval;
    c.in_flight = true;
    if (s_.ops[c.op].grpc)
      StartGrpc(c, p, variant);
    else
      StartHttp(c, variant, now);
  }

  void StartGrpc(Client& c, const Prepared& p, const std::string& variant) {
    c.context = std::make_unique<grpc::ClientContext>();
    // A dropped connection is re-made under the call's deadline instead of failing the calls
    // issued meanwhile; an outage still shows, as DEADLINE_EXCEEDED.
    c.context->set_wait_for_ready(true);
    if (!s_.o.token.empty()) c.context->AddMetadata("authorization", "Bearer " + s_.o.token);
    c.context->set_deadline(std::chrono::system_clock::now() +
                            std::chrono::milliseconds(s_.o.timeout_ms));
    grpc::Slice slice(variant);
    c.grpc_request = grpc::ByteBuffer(&slice, 1);
    c.grpc_response.Clear();
    s_.stubs[static_cast<std::size_t>(c.index) % s_.stubs.size()]->UnaryCall(
        c.context.get(), p.grpc_path, grpc::StubOptions(), &c.grpc_request, &c.grpc_response,
        [this, &c](grpc::Status status) {
          c.grpc_status = std::move(status);
          // The write is under the lock too: once the loop has taken this completion it may
          // return and be destroyed, and this thread must not touch it afterwards.
          std::lock_guard<std::mutex> lock(mu_);
          grpc_done_.push_back(&c);
          const std::uint64_t one = 1;
          (void)!::write(event_fd_, &one, sizeof one);
        });
  }

  void CompleteGrpc(Client& c) {
    std::string error;
    if (!c.grpc_status.ok()) {
      error = GrpcCodeName(c.grpc_status.error_code());
      // One sample of what went wrong, so an error count can be explained.
      static std::atomic<bool> told{false};
      if (!told.exchange(true)) {
        std::cerr << "first gRPC error: " << error << ": " << c.grpc_status.error_message() << "\n";
      }
    }
    c.context.reset();
    Complete(c, std::move(error));
  }

  void StartHttp(Client& c, const std::string& request, Clock::time_point now) {
    c.request = &request;
    c.sent = 0;
    c.retried = false;
    c.give_up = now + std::chrono::milliseconds(s_.o.timeout_ms);
    if (c.fd < 0 && !ConnectHttp(c)) {
      Complete(c, "transport");
      return;
    }
    SendHttp(c);
  }

  // A blocking connect (loopback: microseconds, and only when a connection is new), then
  // non-blocking use.
  bool ConnectHttp(Client& c) {
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c.fd < 0) return false;
    int one = 1;
    ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(c.fd, reinterpret_cast<const sockaddr*>(&s_.http_addr), sizeof s_.http_addr) !=
        0) {
      CloseHttp(c);
      return false;
    }
    ::fcntl(c.fd, F_SETFL, ::fcntl(c.fd, F_GETFL) | O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &c;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c.fd, &ev);
    c.buffer.clear();
    c.reused = false;
    c.want_write = false;
    return true;
  }

  void CloseHttp(Client& c) {
    if (c.fd >= 0) ::close(c.fd);  // closing also leaves the epoll set
    c.fd = -1;
    c.buffer.clear();
  }

  void WantWrite(Client& c, bool want) {
    if (c.want_write == want) return;
    c.want_write = want;
    epoll_event ev{};
    ev.events = want ? EPOLLIN | EPOLLOUT : EPOLLIN;
    ev.data.ptr = &c;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
  }

  void SendHttp(Client& c) {
    while (c.sent < c.request->size()) {
      const ssize_t n =
          ::send(c.fd, c.request->data() + c.sent, c.request->size() - c.sent, MSG_NOSIGNAL);
      if (n > 0) {
        c.sent += static_cast<std::size_t>(n);
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        WantWrite(c, true);
        return;
      } else {
        TransportFailed(c);
        return;
      }
    }
    WantWrite(c, false);
  }

  // A keep-alive connection the server closed between requests: the call is re-sent once on a
  // fresh connection; any other failure is a "transport" error.
  void TransportFailed(Client& c) {
    const bool retry = c.reused && !c.retried && c.buffer.empty();
    CloseHttp(c);
    if (retry) {
      c.retried = true;
      c.sent = 0;
      if (ConnectHttp(c)) {
        SendHttp(c);
        return;
      }
    }
    Complete(c, "transport");
  }

  void OnSocket(Client& c, std::uint32_t events) {
    if (c.fd < 0) return;
    if ((events & EPOLLOUT) && c.in_flight && c.sent < c.request->size()) {
      SendHttp(c);
      if (c.fd < 0 || !c.in_flight) return;
    }
    if (!(events & (EPOLLIN | EPOLLERR | EPOLLHUP))) return;
    bool closed = false;
    char chunk[16384];
    for (;;) {
      const ssize_t n = ::recv(c.fd, chunk, sizeof chunk, 0);
      if (n > 0) {
        c.buffer.append(chunk, static_cast<std::size_t>(n));
        if (static_cast<std::size_t>(n) < sizeof chunk) break;
      } else {
        closed = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
        break;
      }
    }
    if (!c.in_flight) {  // an idle connection the server closed (or stray bytes): drop it
      CloseHttp(c);
      return;
    }
    HttpResponseHead head;
    switch (FrameHttpResponse(c.buffer, &head)) {
      case Framing::kComplete:
        c.buffer.erase(0, head.consumed);
        c.reused = true;
        if (head.closes) CloseHttp(c);
        Complete(c, head.status >= 300 ? absl::StrCat("http_", head.status) : "");
        return;
      case Framing::kMalformed:
        CloseHttp(c);
        Complete(c, "transport");
        return;
      case Framing::kIncomplete:
        if (closed) TransportFailed(c);
        return;
    }
  }

  void Complete(Client& c, std::string error) {
    const auto now = Clock::now();
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(now - c.counted_from).count();
    if (error.empty()) {
      c.stats.per_op[c.op].Record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, micros)));
      ++c.stats.ok_per_op[c.op];
      ++c.stats.ok;
    } else {
      ++c.stats.errors[s_.ops[c.op].name + ":" + error];
    }
    c.in_flight = false;
    if (s_.o.rate <= 0) c.due = now;  // closed loop: the next request goes at once
  }

  const RunShared& s_;
  std::vector<Client*> clients_;
  int epoll_fd_ = -1, event_fd_ = -1, timer_fd_ = -1;
  Clock::time_point armed_;  // when the timer fires (epoch: not armed)
  std::mutex mu_;
  std::vector<Client*> grpc_done_;
};

int Run(const Options& o) {
  absl::StatusOr<Scenario> scenario = ParseScenario(ReadFileOrDie(o.scenario_file));
  if (!scenario.ok()) Die(scenario.status().ToString());
  for (const auto& [name, file] : o.pool_files) {
    auto& pool = scenario->pools[name];
    pool.clear();
    for (absl::string_view line : absl::StrSplit(ReadFileOrDie(file), '\n')) {
      line = absl::StripAsciiWhitespace(line);
      if (!line.empty()) pool.emplace_back(line);
    }
  }
  const auto& ops = scenario->operations;
  for (const auto& op : ops) {
    if (op.grpc && o.grpc_target.empty()) Die("operation " + op.name + " needs --grpc_target");
    if (!op.grpc && o.http_target.empty()) Die("operation " + op.name + " needs --http_target");
  }

  // Render every client's variants up front (see the file comment).
  std::vector<std::vector<Prepared>> prepared(static_cast<std::size_t>(o.clients));
  for (int c = 0; c < o.clients; ++c) {
    std::mt19937_64 rng(o.seed * 1000003 + static_cast<std::uint64_t>(c));
    for (const auto& op : ops) {
      Prepared p;
      p.grpc_path = "/" + op.method;
      for (int v = 0; v < kVariants; ++v) {
        const std::uint64_t seq = static_cast<std::uint64_t>(c) * kVariants + v;
        auto body = Render(op.body, scenario->pools, rng, seq);
        if (!body.ok()) Die("operation " + op.name + ": " + body.status().ToString());
        if (op.grpc) {
          p.variants.push_back(GrpcRequestBytes(op, *body));
        } else {
          auto path = Render(op.path, scenario->pools, rng, seq);
          if (!path.ok()) Die("operation " + op.name + ": " + path.status().ToString());
          p.variants.push_back(HttpRequest(op, *path, *body, o.http_target, o.token));
        }
      }
      prepared[static_cast<std::size_t>(c)].push_back(std::move(p));
    }
  }

  std::vector<std::shared_ptr<grpc::Channel>> channels;
  if (!o.grpc_target.empty()) {
    // Several connections, as HTTP clients use several sockets; one HTTP/2 connection would
    // serialise on a single socket and understate what gRPC can do.
    for (int i = 0; i < o.channels; ++i) {
      grpc::ChannelArguments args;
      args.SetInt("xuncha.loadgen.channel", i);  // distinct args → distinct subchannels
      channels.push_back(
          grpc::CreateCustomChannel(o.grpc_target, grpc::InsecureChannelCredentials(), args));
    }
    // Connect before the clock starts: a channel whose first connection attempt fails sits in
    // TRANSIENT_FAILURE and fails every call at once (seen once as ~60,000 "errors" in a 1 s
    // smoke run), which measures the channel's back-off, not the server.
    for (auto& channel : channels) {
      if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
        std::cerr << "cannot connect to " << o.grpc_target << "\n";
        return 1;
      }
    }
  }

  std::vector<std::unique_ptr<grpc::GenericStub>> stubs;
  for (auto& channel : channels) stubs.push_back(std::make_unique<grpc::GenericStub>(channel));

  std::atomic<long> issued{0};
  std::atomic<bool> stop{false};
  RunShared shared{o, ops, prepared, stubs, TotalWeight(ops), {}, {}, issued, stop};
  if (!o.http_target.empty()) {
    const std::size_t colon = o.http_target.rfind(':');
    std::string host = o.http_target.substr(0, colon);
    if (host == "localhost") host = "127.0.0.1";
    int port = 0;
    shared.http_addr.sin_family = AF_INET;
    if (!absl::SimpleAtoi(o.http_target.substr(colon + 1), &port) ||
        inet_pton(AF_INET, host.c_str(), &shared.http_addr.sin_addr) != 1) {
      Die("bad --http_target " + o.http_target);
    }
    shared.http_addr.sin_port = htons(static_cast<uint16_t>(port));
  }
  // Open loop: each client keeps its own schedule, clients / rate apart, staggered.
  shared.interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(o.rate > 0 ? o.clients / o.rate : 0));

  std::vector<Client> clients(static_cast<std::size_t>(o.clients));
  const auto start = Clock::now();
  for (int c = 0; c < o.clients; ++c) {
    Client& client = clients[static_cast<std::size_t>(c)];
    client.index = c;
    client.stats.per_op.resize(ops.size());
    client.stats.ok_per_op.assign(ops.size(), 0);
    client.rng.seed(o.seed * 7919 + static_cast<std::uint64_t>(c));
    client.next_variant.assign(ops.size(), 0);
    client.due = start + shared.interval * c / o.clients;
  }
  const int loops = std::min(o.threads, o.clients);
  std::vector<std::unique_ptr<Loop>> loop;
  for (int t = 0; t < loops; ++t) {
    std::vector<Client*> mine;
    for (int c = t; c < o.clients; c += loops)
      mine.push_back(&clients[static_cast<std::size_t>(c)]);
    loop.push_back(std::make_unique<Loop>(shared, std::move(mine)));
  }
  std::atomic<int> running{loops};
  std::vector<std::thread> threads;
  for (auto& l : loop) {
    threads.emplace_back([&running, l = l.get()] {
      l->Run();
      running.fetch_sub(1);
    });
  }
  const auto deadline = start + std::chrono::microseconds(static_cast<long>(o.duration_s * 1e6));
  while (running.load() > 0) {
    if (o.duration_s > 0 && Clock::now() >= deadline) stop = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (auto& t : threads) t.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // Merge.
  LatencyHistogram all;
  std::vector<LatencyHistogram> per_op(ops.size());
  std::vector<std::uint64_t> ok_per_op(ops.size(), 0);
  std::map<std::string, std::uint64_t> errors;
  std::uint64_t ok = 0, failed = 0;
  for (const auto& client : clients) {
    const ClientStats& st = client.stats;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      per_op[i].Merge(st.per_op[i]);
      all.Merge(st.per_op[i]);
      ok_per_op[i] += st.ok_per_op[i];
    }
    ok += st.ok;
    for (const auto& [k, v] : st.errors) {
      errors[k] += v;
      failed += v;
    }
  }

  auto latency_json = [](const LatencyHistogram& h) {
    return absl::StrCat("{\"p50\":", Ms(h.Percentile(0.50)), ",\"p90\":", Ms(h.Percentile(0.90)),
                        ",\"p99\":", Ms(h.Percentile(0.99)), ",\"max\":", Ms(h.max()),
                        ",\"mean\":", h.mean() / 1000.0, "}");
  };
  std::printf("%s%sclients=%d elapsed=%.2fs ok=%lu errors=%lu throughput=%.1f/s\n", o.label.c_str(),
              o.label.empty() ? "" : ": ", o.clients, elapsed, static_cast<unsigned long>(ok),
              static_cast<unsigned long>(failed), ok / elapsed);
  std::printf("latency ms: p50=%s p90=%s p99=%s max=%s\n", Ms(all.Percentile(0.5)).c_str(),
              Ms(all.Percentile(0.9)).c_str(), Ms(all.Percentile(0.99)).c_str(),
              Ms(all.max()).c_str());
  if (ops.size() > 1) {
    for (std::size_t i = 0; i < ops.size(); ++i) {
      std::printf("  %-24s ok=%lu p50=%s p99=%s max=%s\n", ops[i].name.c_str(),
                  static_cast<unsigned long>(ok_per_op[i]), Ms(per_op[i].Percentile(0.5)).c_str(),
                  Ms(per_op[i].Percentile(0.99)).c_str(), Ms(per_op[i].max()).c_str());
    }
  }
  for (const auto& [k, v] : errors)
    std::printf("error %s: %lu\n", k.c_str(), static_cast<unsigned long>(v));

  if (!o.json_file.empty()) {
    std::string json = absl::StrCat("{\"label\":\"", o.label, "\",\"clients\":", o.clients,
                                    ",\"elapsed_s\":", elapsed, ",\"ok\":", ok,
                                    ",\"errors\":", failed, ",\"throughput\":", ok / elapsed,
                                    ",\"latency_ms\":", latency_json(all), ",\"error_codes\":{");
    bool first = true;
    for (const auto& [k, v] : errors) {
      absl::StrAppend(&json, first ? "" : ",", "\"", k, "\":", v);
      first = false;
    }
    absl::StrAppend(&json, "},\"operations\":{");
    for (std::size_t i = 0; i < ops.size(); ++i) {
      absl::StrAppend(&json, i ? "," : "", "\"", ops[i].name, "\":{\"ok\":", ok_per_op[i],
                      ",\"throughput\":", ok_per_op[i] / elapsed,
                      ",\"latency_ms\":", latency_json(per_op[i]), "}");
    }
    absl::StrAppend(&json, "}}\n");
    std::ofstream out(o.json_file);
    out << json;
    if (!out) Die("cannot write " + o.json_file);
  }
  // Failing every call is a broken set-up, not a measurement.
  return ok == 0 ? 1 : 0;
}

}  // namespace
}  // namespace xuncha::bench

int main(int argc, char** argv) {
  const xuncha::bench::Options options = xuncha::bench::ParseArgs(argc, argv);
  if (!options.probe_target.empty()) return xuncha::bench::Probe(options);
  return xuncha::bench::Run(options);
}
