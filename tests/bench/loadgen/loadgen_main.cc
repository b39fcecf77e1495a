// xuncha-loadgen: a fixed number of concurrent clients, each with one call in flight, run a
// weighted mix of operations from a scenario file (see scenario.h) against a service over gRPC
// or the gateway over HTTP/1.1 keep-alive, until a duration or a request count is reached.
// Prints throughput, p50/p90/p99/max latency and errors by code, as text and (--json) JSON.
//
//   xuncha-loadgen --scenario=FILE [--grpc_target=127.0.0.1:P] [--http_target=127.0.0.1:P]
//     [--clients=64] [--duration=10] [--requests=N] [--token=T | --token_file=F]
//     [--pool=name=FILE ...] [--seed=1] [--channels=8] [--timeout_ms=5000] [--json=FILE]
//     [--label=TEXT] [--rate=R]
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
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
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

// Per client thread.
struct ClientStats {
  std::vector<LatencyHistogram> per_op;
  std::vector<std::uint64_t> ok_per_op;
  std::map<std::string, std::uint64_t> errors;
  std::uint64_t ok = 0;
};

// ---- HTTP/1.1 keep-alive over a plain socket --------------------------------------------------

class HttpConnection {
 public:
  explicit HttpConnection(std::string target) : target_(std::move(target)) {}
  ~HttpConnection() { Close(); }

  // Sends `request` and reads one response; returns the status code or -1 on transport error.
  int RoundTrip(const std::string& request) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (fd_ < 0 && !Connect()) return -1;
      if (SendAll(request)) {
        const int status = ReadResponse();
        if (status > 0) return status;
      }
      // A keep-alive connection the server closed between requests: retry once on a fresh one.
      Close();
    }
    return -1;
  }

 private:
  bool Connect() {
    const std::size_t colon = target_.rfind(':');
    std::string host = target_.substr(0, colon);
    if (host == "localhost") host = "127.0.0.1";
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(std::stoi(target_.substr(colon + 1))));
    if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) return false;
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return false;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      Close();
      return false;
    }
    buffer_.clear();
    return true;
  }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool SendAll(const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }
  bool Fill() {
    char chunk[16384];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
  // Needs: status line, headers, then a Content-Length or chunked body.
  int ReadResponse() {
    std::size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return -1;
    }
    const std::string head = absl::AsciiStrToLower(buffer_.substr(0, header_end));
    int status = 0;
    if (head.size() < 12 || !absl::SimpleAtoi(head.substr(9, 3), &status)) return -1;
    std::size_t body_start = header_end + 4;
    const bool closes = absl::StrContains(head, "\r\nconnection: close");
    if (absl::StrContains(head, "\r\ntransfer-encoding: chunked")) {
      std::size_t pos = body_start;
      for (;;) {
        std::size_t line_end;
        while ((line_end = buffer_.find("\r\n", pos)) == std::string::npos) {
          if (!Fill()) return -1;
        }
        std::size_t size = 0;
        if (!absl::SimpleHexAtoi(buffer_.substr(pos, line_end - pos), &size)) return -1;
        const std::size_t need = line_end + 2 + size + 2;
        while (buffer_.size() < need) {
          if (!Fill()) return -1;
        }
        pos = need;
        if (size == 0) break;
      }
      buffer_.erase(0, pos);
    } else {
      std::size_t length = 0;
      const std::size_t cl = head.find("\r\ncontent-length:");
      if (cl != std::string::npos) {
        const std::size_t eol = head.find("\r\n", cl + 2);
        if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(head.substr(cl + 17, eol - cl - 17)),
                              &length)) {
          return -1;
        }
      }
      while (buffer_.size() < body_start + length) {
        if (!Fill()) return -1;
      }
      buffer_.erase(0, body_start + length);
    }
    if (closes) Close();
    return status;
  }

  std::string target_;
  int fd_ = -1;
  std::string buffer_;
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

  const int total_weight = TotalWeight(ops);
  std::atomic<long> issued{0};
  std::atomic<bool> stop{false};
  std::atomic<int> running{o.clients};
  std::vector<ClientStats> stats(static_cast<std::size_t>(o.clients));
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (int c = 0; c < o.clients; ++c) {
    threads.emplace_back([&, c] {
      ClientStats& st = stats[static_cast<std::size_t>(c)];
      st.per_op.resize(ops.size());
      st.ok_per_op.assign(ops.size(), 0);
      std::mt19937_64 rng(o.seed * 7919 + static_cast<std::uint64_t>(c));
      std::unique_ptr<grpc::GenericStub> stub;
      if (!channels.empty()) {
        stub = std::make_unique<grpc::GenericStub>(
            channels[static_cast<std::size_t>(c) % channels.size()]);
      }
      grpc::CompletionQueue cq;
      HttpConnection http(o.http_target);
      std::vector<std::size_t> next(ops.size(), 0);
      // With --rate each client keeps its own schedule (clients / rate apart, staggered) and a
      // request's latency counts from when it was due, not when it was sent: a server that falls
      // behind shows its queue in the figures instead of slowing the offered load
      // (coordinated omission).
      const auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(o.rate > 0 ? o.clients / o.rate : 0));
      auto due = start + interval * c / std::max(1, o.clients);
      while (!stop.load(std::memory_order_relaxed)) {
        if (o.requests > 0 && issued.fetch_add(1, std::memory_order_relaxed) >= o.requests) break;
        const std::size_t i = PickOperation(
            ops, std::uniform_int_distribution<std::uint64_t>(0, total_weight - 1)(rng));
        const Prepared& p = prepared[static_cast<std::size_t>(c)][i];
        const std::string& variant = p.variants[next[i]++ % p.variants.size()];
        std::string error;
        if (o.rate > 0) {
          std::this_thread::sleep_until(due);
          if (stop.load(std::memory_order_relaxed)) break;
        }
        const auto t0 = o.rate > 0 ? due : std::chrono::steady_clock::now();
        due += interval;
        if (ops[i].grpc) {
          grpc::ClientContext context;
          // A dropped connection is re-made under the call's deadline instead of failing the
          // calls issued meanwhile; an outage still shows, as DEADLINE_EXCEEDED.
          context.set_wait_for_ready(true);
          if (!o.token.empty()) context.AddMetadata("authorization", "Bearer " + o.token);
          context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::milliseconds(o.timeout_ms));
          grpc::Slice slice(variant);
          grpc::ByteBuffer request(&slice, 1), response;
          grpc::Status status;
          auto call = stub->PrepareUnaryCall(&context, p.grpc_path, request, &cq);
          call->StartCall();
          call->Finish(&response, &status, reinterpret_cast<void*>(1));
          void* tag = nullptr;
          bool ok = false;
          cq.Next(&tag, &ok);
          if (!status.ok()) {
            error = GrpcCodeName(status.error_code());
            // One sample of what went wrong, so an error count can be explained.
            static std::atomic<bool> told{false};
            if (!told.exchange(true)) {
              std::cerr << "first gRPC error: " << error << ": " << status.error_message() << "\n";
            }
          }
        } else {
          const int code = http.RoundTrip(variant);
          if (code < 0)
            error = "transport";
          else if (code >= 300)
            error = absl::StrCat("http_", code);
        }
        const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::steady_clock::now() - t0)
                                .count();
        if (error.empty()) {
          st.per_op[i].Record(static_cast<std::uint64_t>(micros));
          ++st.ok_per_op[i];
          ++st.ok;
        } else {
          ++st.errors[ops[i].name + ":" + error];
        }
      }
      cq.Shutdown();
      void* tag;
      bool ok;
      while (cq.Next(&tag, &ok)) {
      }
      running.fetch_sub(1);
    });
  }
  const auto deadline = start + std::chrono::microseconds(static_cast<long>(o.duration_s * 1e6));
  while (running.load() > 0) {
    if (o.duration_s > 0 && std::chrono::steady_clock::now() >= deadline) stop = true;
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
  for (const auto& st : stats) {
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
