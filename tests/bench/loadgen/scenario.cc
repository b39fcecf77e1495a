#include "scenario.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace xuncha::bench {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

absl::Status Invalid(const std::string& field, const std::string& rule) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", rule));
}

}  // namespace

absl::StatusOr<Scenario> ParseScenario(absl::string_view json) {
  Struct root;
  auto parsed = google::protobuf::util::JsonStringToMessage(std::string(json), &root);
  if (!parsed.ok()) return Invalid("scenario", "not a JSON object: " + parsed.ToString());
  Scenario out;
  for (const auto& [key, value] : root.fields()) {
    if (key != "pools" && key != "operations") return Invalid(key, "unknown top-level field");
  }
  if (auto it = root.fields().find("pools"); it != root.fields().end()) {
    if (!it->second.has_struct_value()) return Invalid("pools", "must be an object");
    for (const auto& [name, list] : it->second.struct_value().fields()) {
      if (!list.has_list_value()) return Invalid("pools." + name, "must be an array of strings");
      auto& pool = out.pools[name];
      for (const Value& v : list.list_value().values()) {
        if (v.kind_case() != Value::kStringValue) {
          return Invalid("pools." + name, "must be an array of strings");
        }
        pool.push_back(v.string_value());
      }
    }
  }
  auto ops = root.fields().find("operations");
  if (ops == root.fields().end() || !ops->second.has_list_value() ||
      ops->second.list_value().values().empty()) {
    return Invalid("operations", "must be a non-empty array");
  }
  int index = 0;
  for (const Value& v : ops->second.list_value().values()) {
    const std::string field = absl::StrCat("operations[", index++, "]");
    if (!v.has_struct_value()) return Invalid(field, "must be an object");
    const auto& f = v.struct_value().fields();
    Operation op;
    for (const auto& [key, _] : f) {
      if (key != "name" && key != "weight" && key != "grpc" && key != "http" && key != "body") {
        return Invalid(field + "." + key, "unknown field");
      }
    }
    if (auto it = f.find("name"); it != f.end() && it->second.kind_case() == Value::kStringValue) {
      op.name = it->second.string_value();
    } else {
      return Invalid(field + ".name", "required string");
    }
    if (auto it = f.find("weight"); it != f.end()) {
      const double w = it->second.number_value();
      if (it->second.kind_case() != Value::kNumberValue || w < 1 || w != static_cast<int>(w)) {
        return Invalid(field + ".weight", "must be a positive integer");
      }
      op.weight = static_cast<int>(w);
    }
    const bool has_grpc = f.contains("grpc");
    const bool has_http = f.contains("http");
    if (has_grpc == has_http) return Invalid(field, "exactly one of grpc and http is required");
    if (has_grpc) {
      op.grpc = true;
      op.method = f.at("grpc").string_value();
      const std::vector<std::string> parts = absl::StrSplit(op.method, '/');
      if (parts.size() != 2 || parts[0].empty() || parts[1].empty() ||
          !absl::StrContains(parts[0], '.')) {
        return Invalid(field + ".grpc", "must be \"package.Service/Method\"");
      }
    } else {
      const std::vector<std::string> parts =
          absl::StrSplit(f.at("http").string_value(), absl::MaxSplits(' ', 1));
      static const char* kVerbs[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
      bool verb_ok = false;
      for (const char* verb : kVerbs) verb_ok = verb_ok || (!parts.empty() && parts[0] == verb);
      if (parts.size() != 2 || !verb_ok || !absl::StartsWith(parts[1], "/")) {
        return Invalid(field + ".http",
                       "must be \"VERB /path\" with VERB GET/POST/PUT/PATCH/DELETE");
      }
      op.method = parts[0];
      op.path = parts[1];
    }
    if (auto it = f.find("body"); it != f.end()) {
      if (it->second.kind_case() == Value::kStringValue) {
        op.body = it->second.string_value();
      } else {
        auto s = google::protobuf::util::MessageToJsonString(it->second, &op.body);
        if (!s.ok()) return Invalid(field + ".body", s.ToString());
      }
    }
    out.operations.push_back(std::move(op));
  }
  return out;
}

absl::StatusOr<std::string> Render(absl::string_view tmpl, const Pools& pools, std::mt19937_64& rng,
                                   std::uint64_t seq) {
  std::string out;
  out.reserve(tmpl.size() + 32);
  std::size_t pos = 0;
  while (pos < tmpl.size()) {
    const std::size_t open = tmpl.find("${", pos);
    if (open == absl::string_view::npos) {
      absl::StrAppend(&out, tmpl.substr(pos));
      break;
    }
    absl::StrAppend(&out, tmpl.substr(pos, open - pos));
    const std::size_t close = tmpl.find('}', open + 2);
    if (close == absl::string_view::npos) {
      return Invalid("template", absl::StrCat("unterminated ${ at offset ", open));
    }
    const std::string name(tmpl.substr(open + 2, close - open - 2));
    if (name == "seq") {
      absl::StrAppend(&out, seq);
    } else {
      auto it = pools.find(name);
      if (it == pools.end() || it->second.empty()) {
        return Invalid("template", absl::StrCat("pool \"", name, "\" is unknown or empty"));
      }
      std::uniform_int_distribution<std::size_t> pick(0, it->second.size() - 1);
      out.append(it->second[pick(rng)]);
    }
    pos = close + 1;
  }
  return out;
}

int TotalWeight(const std::vector<Operation>& ops) {
  int total = 0;
  for (const auto& op : ops) total += op.weight;
  return total;
}

std::size_t PickOperation(const std::vector<Operation>& ops, std::uint64_t r) {
  std::uint64_t acc = 0;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    acc += static_cast<std::uint64_t>(ops[i].weight);
    if (r < acc) return i;
  }
  return ops.size() - 1;
}

bool IsLoopbackTarget(absl::string_view host_port) {
  absl::string_view host = host_port;
  if (absl::ConsumePrefix(&host, "[")) {  // [::1]:port
    const std::size_t close = host.find(']');
    if (close == absl::string_view::npos) return false;
    return host.substr(0, close) == "::1";
  }
  const std::size_t colon = host.rfind(':');
  if (colon != absl::string_view::npos) host = host.substr(0, colon);
  if (host == "localhost") return true;
  // 127.0.0.0/8, as four decimal octets.
  const std::vector<absl::string_view> octets = absl::StrSplit(host, '.');
  if (octets.size() != 4 || octets[0] != "127") return false;
  for (absl::string_view o : octets) {
    int v = 0;
    if (o.empty() || o.size() > 3 || !absl::SimpleAtoi(o, &v) || v < 0 || v > 255) return false;
  }
  return true;
}

}  // namespace xuncha::bench
