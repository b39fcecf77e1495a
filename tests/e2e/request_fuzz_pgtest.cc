// Request fuzzing of every service RPC over gRPC: for each method of each service (from the
// descriptors), seeded random request messages — empty, real ids of real objects, malformed ids,
// huge and hostile strings, extreme numbers, unknown enum values, long repeated fields — sent with
// valid tokens of principals with and without access. Nothing may crash a service (it stays
// SERVING), and no answer may be INTERNAL or UNKNOWN: bad input is the caller's error, named as
// such. Bounded: XUNCHA_FUZZ_PER_METHOD messages per method (default 12), seed
// XUNCHA_FUZZ_SEED (default 1) printed so that a failure can be replayed.
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <gtest/gtest.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "platform.h"
#include "process.h"
#include "service_harness.h"

namespace xuncha::e2e {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && std::atoi(v) > 0 ? std::atoi(v) : fallback;
}

class Fuzzer {
 public:
  Fuzzer(uint32_t seed, std::vector<std::string> real_values)
      : rng_(seed), real_(std::move(real_values)) {}

  void Fill(Message* m, int depth) {
    const Descriptor* d = m->GetDescriptor();
    const Reflection* r = m->GetReflection();
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      if (!Chance(60)) continue;
      if (f->is_repeated()) {
        // Mostly a few elements, sometimes many (paging and batch limits).
        int n = Chance(5) ? 300 : static_cast<int>(Below(4));
        if (f->is_map()) n = std::min(n, 3);
        for (int k = 0; k < n; ++k) Add(m, r, f, depth);
      } else {
        Set(m, r, f, depth);
      }
    }
  }

 private:
  bool Chance(int percent) { return static_cast<int>(Below(100)) < percent; }
  uint32_t Below(uint32_t n) { return std::uniform_int_distribution<uint32_t>(0, n - 1)(rng_); }

  std::string String() {
    switch (Below(12)) {
      case 0:
        return "";
      case 1:
      case 2:
      case 3:
        return real_.empty() ? "" : real_[Below(static_cast<uint32_t>(real_.size()))];
      case 4:
        return testing::NewUuid();
      case 5:
        return std::string(Chance(50) ? 5000 : 70000, 'x');
      case 6:
        return "'; DROP TABLE outbox; --";
      case 7:
        return "2025-13-45";
      case 8:
        return "c1.*{1,}|!@#";
      case 9: {
        std::string junk;
        for (int i = 0, n = static_cast<int>(Below(40)); i < n; ++i) {
          junk.push_back(static_cast<char>(Below(256)));  // possibly invalid UTF-8
        }
        return junk;
      }
      case 10:
        return "../../../etc/passwd";
      default:
        return "巡察" + std::to_string(Below(1000));
    }
  }
  int64_t Integer() {
    static const int64_t kEdges[] = {0, -1, 1, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, 1000000};
    return Chance(70) ? kEdges[Below(8)] : static_cast<int64_t>(rng_()) - (1LL << 31);
  }

  void Set(Message* m, const Reflection* r, const FieldDescriptor* f, int depth) {
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        // Bytes fields take anything; string fields must stay valid UTF-8 to serialise.
        r->SetString(m, f, f->type() == FieldDescriptor::TYPE_BYTES ? String() : Utf8(String()));
        break;
      case FieldDescriptor::CPPTYPE_INT32:
        r->SetInt32(m, f, static_cast<int32_t>(Integer()));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        r->SetInt64(m, f, Integer());
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        r->SetUInt32(m, f, static_cast<uint32_t>(Integer()));
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        r->SetUInt64(m, f, static_cast<uint64_t>(Integer()));
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        r->SetDouble(m, f, Chance(20) ? -1e308 : static_cast<double>(Integer()) / 7);
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        r->SetFloat(m, f, static_cast<float>(Integer()) / 3);
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        r->SetBool(m, f, Chance(50));
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        // proto3 enums are open: numbers no value names arrive as they are.
        r->SetEnumValue(m, f, Chance(20) ? 97 : static_cast<int>(Below(8)));
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        if (depth < 4) Fill(r->MutableMessage(m, f), depth + 1);
        break;
    }
  }
  void Add(Message* m, const Reflection* r, const FieldDescriptor* f, int depth) {
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        r->AddString(m, f, f->type() == FieldDescriptor::TYPE_BYTES ? String() : Utf8(String()));
        break;
      case FieldDescriptor::CPPTYPE_INT32:
        r->AddInt32(m, f, static_cast<int32_t>(Integer()));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        r->AddInt64(m, f, Integer());
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        r->AddUInt32(m, f, static_cast<uint32_t>(Integer()));
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        r->AddUInt64(m, f, static_cast<uint64_t>(Integer()));
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        r->AddDouble(m, f, static_cast<double>(Integer()));
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        r->AddFloat(m, f, static_cast<float>(Integer()));
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        r->AddBool(m, f, Chance(50));
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        r->AddEnumValue(m, f, static_cast<int>(Below(8)));
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        if (depth < 4) Fill(r->AddMessage(m, f), depth + 1);
        break;
    }
  }
  // Replaces bytes that would make the string invalid UTF-8 (protobuf refuses to serialise it).
  static std::string Utf8(const std::string& s) {
    std::string out;
    for (unsigned char c : s) out.push_back(c < 0x80 ? static_cast<char>(c) : '?');
    // Keep well-formed multi-byte text (the Chinese test strings) as it was.
    bool ascii_only = true;
    for (unsigned char c : s) ascii_only &= c < 0x80;
    if (!ascii_only && s.find("巡察") == 0) return s;
    return out;
  }

  std::mt19937 rng_;
  std::vector<std::string> real_;
};

TEST(RequestFuzzTest, RandomRequestsNeverCrashAServiceOrAnswerInternal) {
  testing::TestDatabase db;
  Platform platform(db.url());
  ASSERT_TRUE(platform.Start());
  World w;
  ASSERT_TRUE(BuildWorld(platform, w));
  const int per_method = EnvInt("XUNCHA_FUZZ_PER_METHOD", 12);
  const uint32_t seed = static_cast<uint32_t>(EnvInt("XUNCHA_FUZZ_SEED", 1));
  std::vector<std::string> real;
  for (const auto& [collection, id] : w.ids) real.push_back(id);
  for (const auto* v : {&w.a_office, &w.b_office, &w.a_unit, &w.target_unit, &w.a_path,
                        &w.leader_person, &w.member_person}) {
    real.push_back(*v);
  }
  const std::vector<std::string> tokens = {w.a_admin, w.a_member, w.b_admin, w.liaison,
                                           w.jw_receiver};

  const std::vector<std::pair<std::string, std::string>> services = {
      {"directory", "xuncha.directory.v1.DirectoryService"},
      {"planning", "xuncha.planning.v1.PlanningService"},
      {"fieldwork", "xuncha.fieldwork.v1.FieldworkService"},
      {"issues", "xuncha.issues.v1.IssuesService"},
      {"rectification", "xuncha.rectification.v1.RectificationService"},
      {"clues", "xuncha.clues.v1.CluesService"},
      {"webhooks", "xuncha.webhooks.v1.WebhooksService"}};
  std::map<grpc::StatusCode, int> codes;
  std::vector<std::string> failures;
  int calls = 0, methods = 0;
  for (const auto& [name, full_name] : services) {
    if (platform.address(name).empty()) continue;  // not in this build tree
    const auto* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(full_name);
    ASSERT_NE(service, nullptr) << full_name << " is not linked into the test";
    auto channel = grpc::CreateChannel(platform.address(name), grpc::InsecureChannelCredentials());
    for (int i = 0; i < service->method_count(); ++i) {
      const auto* method = service->method(i);
      // Revoking is meant to end the caller's own session: fuzzing it would revoke the tokens
      // every other call depends on, and the rest would only exercise authentication.
      if (method->name() == "RevokeToken") continue;
      ++methods;
      const std::string path = absl::StrCat("/", full_name, "/", method->name());
      grpc::internal::RpcMethod rpc(path.c_str(), grpc::internal::RpcMethod::NORMAL_RPC);
      const Message* request_prototype =
          google::protobuf::MessageFactory::generated_factory()->GetPrototype(method->input_type());
      const Message* response_prototype =
          google::protobuf::MessageFactory::generated_factory()->GetPrototype(
              method->output_type());
      Fuzzer fuzzer(seed * 7919u + static_cast<uint32_t>(std::hash<std::string>{}(path)), real);
      for (int n = 0; n < per_method; ++n) {
        std::unique_ptr<Message> request(request_prototype->New());
        if (n > 0) fuzzer.Fill(request.get(), 0);  // the first one is the empty request
        std::unique_ptr<Message> response(response_prototype->New());
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
        context.AddMetadata("authorization", "Bearer " + tokens[n % tokens.size()]);
        grpc::Status status = grpc::internal::BlockingUnaryCall<Message, Message>(
            channel.get(), rpc, &context, *request, response.get());
        ++codes[status.error_code()];
        ++calls;
        if (status.error_code() == grpc::StatusCode::INTERNAL ||
            status.error_code() == grpc::StatusCode::UNKNOWN ||
            status.error_code() == grpc::StatusCode::UNAVAILABLE ||
            status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
          std::string text = request->ShortDebugString();
          if (text.size() > 400) text = text.substr(0, 400) + "…";
          failures.push_back(absl::StrCat(path, " seed=", seed, " n=", n, " → ",
                                          status.error_code(), " ", status.error_message(),
                                          "\n    request: ", text));
        }
      }
      // A crash shows at once: the service must still answer its health check.
      if (!testing::WaitForServing(platform.address(name), 5000)) {
        failures.push_back(absl::StrCat(path, ": ", name, " no longer SERVING"));
        break;
      }
    }
  }
  std::vector<std::string> histogram;
  for (const auto& [code, n] : codes) histogram.push_back(absl::StrCat(code, ":", n));
  std::printf("[fuzz] seed=%u services=%zu methods=%d calls=%d codes{%s} failures=%zu\n", seed,
              services.size(), methods, calls, absl::StrJoin(histogram, " ").c_str(),
              failures.size());
  EXPECT_TRUE(platform.AllAlive());
  EXPECT_TRUE(failures.empty()) << absl::StrJoin(failures, "\n");
}

}  // namespace
}  // namespace xuncha::e2e
