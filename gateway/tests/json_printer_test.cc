// PrintJsonFast against protobuf's own JSON printer with the gateway's options, on every message
// type of every linked xuncha proto, filled at random: whatever the fast printer writes must be
// byte for byte what protobuf writes, and on ordinary values it must not give up.
#include "json_printer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor_database.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"

namespace xuncha::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Every message type declared in the linked xuncha protos (nested ones included).
std::vector<const Descriptor*> XunchaMessageTypes() {
  std::vector<std::string> names;
  google::protobuf::DescriptorPool::internal_generated_database()->FindAllFileNames(&names);
  std::vector<const Descriptor*> out;
  std::vector<const Descriptor*> pending;
  for (const auto& name : names) {
    if (!absl::StartsWith(name, "xuncha/")) continue;
    const auto* file = google::protobuf::DescriptorPool::generated_pool()->FindFileByName(name);
    if (file == nullptr) continue;
    for (int i = 0; i < file->message_type_count(); ++i) pending.push_back(file->message_type(i));
  }
  while (!pending.empty()) {
    const Descriptor* d = pending.back();
    pending.pop_back();
    out.push_back(d);
    for (int i = 0; i < d->nested_type_count(); ++i) pending.push_back(d->nested_type(i));
  }
  return out;
}

// Values the gateway meets every day: the fast printer must render every one of them.
struct Ordinary {
  static std::string String(absl::BitGen& gen) {
    static const std::vector<std::string> kSamples = {"",
                                                      "abc",
                                                      "整改台账",
                                                      "违规发放津补贴（2025年）",
                                                      "u1.u2.u3",
                                                      "quote \" and back\\slash",
                                                      "😀 emoji",
                                                      "a/b?c=d&e'f",
                                                      "市委第一巡察组 — 第3轮",
                                                      "0",
                                                      "Ünïcödé"};
    return kSamples[absl::Uniform<size_t>(gen, 0, kSamples.size())];
  }
  static double Double(absl::BitGen& gen) {
    static const std::vector<double> kSamples = {0,    45.7,  0.1,       1.0 / 3,  100,
                                                 -2.5, 99.99, 123456789, 0.000123, -0.0};
    if (absl::Bernoulli(gen, 0.3)) return absl::Uniform(gen, -1000.0, 1000.0);
    return kSamples[absl::Uniform<size_t>(gen, 0, kSamples.size())];
  }
  static int64_t Seconds(absl::BitGen& gen) { return absl::Uniform<int64_t>(gen, 0, 4102444800); }
  static bool UnknownEnum(absl::BitGen&) { return false; }
};

// Values the fast printer may leave to protobuf, mixed with ordinary ones: every control
// character, `<` `>`, U+2028, invalid UTF-8, non-finite and exponent doubles, timestamps before
// 1970, enum numbers the proto does not declare.
struct Tricky {
  static std::string String(absl::BitGen& gen) {
    if (absl::Bernoulli(gen, 0.5)) return Ordinary::String(gen);
    static const std::vector<std::string> kSamples = {"tab\there",
                                                      "line\nbreak",
                                                      std::string("nul\0byte", 8),
                                                      "<script>",
                                                      "a>b",
                                                      "\xe2\x80\xa8 separator",
                                                      "\xff\xfe invalid",
                                                      "\xc0\xaf overlong",
                                                      "del\x7f",
                                                      "\x1f"};
    std::string s = kSamples[absl::Uniform<size_t>(gen, 0, kSamples.size())];
    if (absl::Bernoulli(gen, 0.3)) {
      s.clear();
      for (int n = absl::Uniform(gen, 0, 12); n > 0; --n) {
        s.push_back(static_cast<char>(absl::Uniform(gen, 0, 128)));
      }
    }
    return s;
  }
  static double Double(absl::BitGen& gen) {
    if (absl::Bernoulli(gen, 0.5)) return Ordinary::Double(gen);
    static const std::vector<double> kSamples = {std::numeric_limits<double>::infinity(),
                                                 -std::numeric_limits<double>::infinity(),
                                                 std::nan(""),
                                                 1e21,
                                                 1e-7,
                                                 1.7976931348623157e308,
                                                 5e-324};
    return kSamples[absl::Uniform<size_t>(gen, 0, kSamples.size())];
  }
  static int64_t Seconds(absl::BitGen& gen) {
    return absl::Bernoulli(gen, 0.2) ? -absl::Uniform<int64_t>(gen, 1, 100000)
                                     : Ordinary::Seconds(gen);
  }
  static bool UnknownEnum(absl::BitGen& gen) { return absl::Bernoulli(gen, 0.1); }
};

template <typename Values>
class Filler {
 public:
  explicit Filler(absl::BitGen& gen) : gen_(gen) {}

  void Fill(Message* m, int depth) {
    const Descriptor* type = m->GetDescriptor();
    const Reflection* r = m->GetReflection();
    if (type->full_name() == "google.protobuf.Timestamp") {
      static const std::vector<int32_t> kNanos = {0, 500000000, 123000, 123456789, 1000000};
      r->SetInt64(m, type->FindFieldByNumber(1), Values::Seconds(gen_));
      r->SetInt32(m, type->FindFieldByNumber(2),
                  kNanos[absl::Uniform<size_t>(gen_, 0, kNanos.size())]);
      return;
    }
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* f = type->field(i);
      // Unset, default or set: all three must render alike.
      if (absl::Bernoulli(gen_, 0.25)) continue;
      if (f->is_repeated()) {
        for (int n = absl::Uniform(gen_, 0, 4); n > 0; --n) Add(m, f, depth);
      } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        if (depth < 3) Fill(r->MutableMessage(m, f), depth + 1);
      } else {
        Set(m, f);
      }
    }
  }

 private:
  void Set(Message* m, const FieldDescriptor* f) {
    const Reflection* r = m->GetReflection();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        return r->SetInt32(m, f, static_cast<int32_t>(absl::Uniform<uint32_t>(gen_)));
      case FieldDescriptor::CPPTYPE_INT64:
        return r->SetInt64(m, f, static_cast<int64_t>(absl::Uniform<uint64_t>(gen_)));
      case FieldDescriptor::CPPTYPE_UINT32:
        return r->SetUInt32(m, f, absl::Uniform<uint32_t>(gen_));
      case FieldDescriptor::CPPTYPE_UINT64:
        return r->SetUInt64(m, f, absl::Uniform<uint64_t>(gen_));
      case FieldDescriptor::CPPTYPE_BOOL:
        return r->SetBool(m, f, absl::Bernoulli(gen_, 0.5));
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return r->SetDouble(m, f, Values::Double(gen_));
      case FieldDescriptor::CPPTYPE_FLOAT:
        return r->SetFloat(m, f, static_cast<float>(Values::Double(gen_)));
      case FieldDescriptor::CPPTYPE_ENUM:
        return r->SetEnumValue(m, f, EnumNumber(f));
      case FieldDescriptor::CPPTYPE_STRING:
        return r->SetString(m, f, StringFor(f));
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return;
    }
  }

  void Add(Message* m, const FieldDescriptor* f, int depth) {
    const Reflection* r = m->GetReflection();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        return r->AddInt32(m, f, static_cast<int32_t>(absl::Uniform<uint32_t>(gen_)));
      case FieldDescriptor::CPPTYPE_INT64:
        return r->AddInt64(m, f, static_cast<int64_t>(absl::Uniform<uint64_t>(gen_)));
      case FieldDescriptor::CPPTYPE_UINT32:
        return r->AddUInt32(m, f, absl::Uniform<uint32_t>(gen_));
      case FieldDescriptor::CPPTYPE_UINT64:
        return r->AddUInt64(m, f, absl::Uniform<uint64_t>(gen_));
      case FieldDescriptor::CPPTYPE_BOOL:
        return r->AddBool(m, f, absl::Bernoulli(gen_, 0.5));
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return r->AddDouble(m, f, Values::Double(gen_));
      case FieldDescriptor::CPPTYPE_FLOAT:
        return r->AddFloat(m, f, static_cast<float>(Values::Double(gen_)));
      case FieldDescriptor::CPPTYPE_ENUM:
        return r->AddEnumValue(m, f, EnumNumber(f));
      case FieldDescriptor::CPPTYPE_STRING:
        return r->AddString(m, f, StringFor(f));
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        Message* child = r->AddMessage(m, f);
        if (depth < 3) Fill(child, depth + 1);
        return;
      }
    }
  }

  int EnumNumber(const FieldDescriptor* f) {
    if (Values::UnknownEnum(gen_)) return 987;
    const auto* e = f->enum_type();
    return e->value(absl::Uniform(gen_, 0, e->value_count()))->number();
  }

  std::string StringFor(const FieldDescriptor* f) {
    if (f->type() != FieldDescriptor::TYPE_BYTES) return Values::String(gen_);
    std::string bytes;
    for (int n = absl::Uniform(gen_, 0, 40); n > 0; --n) {
      bytes.push_back(static_cast<char>(absl::Uniform(gen_, 0, 256)));
    }
    return bytes;
  }

  absl::BitGen& gen_;
};

std::string ProtobufJson(const Message& m) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;  // the gateway's options (transcoder.cc)
  std::string out;
  auto status = google::protobuf::util::MessageToJsonString(m, &out, options);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return out;
}

template <typename Values>
void Compare(int per_type, int* printed, int* left) {
  absl::BitGen gen;
  auto* factory = google::protobuf::MessageFactory::generated_factory();
  const auto types = XunchaMessageTypes();
  ASSERT_GT(types.size(), 100u);  // every service's protos are linked in
  for (const Descriptor* type : types) {
    for (int n = 0; n < per_type; ++n) {
      std::unique_ptr<Message> m(factory->GetPrototype(type)->New());
      if (n > 0) Filler<Values>(gen).Fill(m.get(), 0);  // the first one empty
      std::string fast;
      if (!PrintJsonFast(*m, &fast)) {
        ++*left;
        continue;
      }
      ++*printed;
      ASSERT_EQ(fast, ProtobufJson(*m)) << type->full_name() << "\n" << m->DebugString();
    }
  }
}

TEST(JsonPrinter, WritesWhatProtobufWritesAndNeverGivesUpOnOrdinaryValues) {
  int printed = 0, left = 0;
  Compare<Ordinary>(30, &printed, &left);
  EXPECT_EQ(left, 0);
  EXPECT_GT(printed, 3000);
}

TEST(JsonPrinter, LeavesTheRestToProtobufAndNeverDiffers) {
  int printed = 0, left = 0;
  Compare<Tricky>(30, &printed, &left);
  // Both kinds happen: the comparison above ran on many, and the fallback was taken.
  EXPECT_GT(printed, 100);
  EXPECT_GT(left, 100);
}

}  // namespace
}  // namespace xuncha::gateway
