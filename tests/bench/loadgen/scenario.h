// Scenario files of the load generator: a JSON object
//   {"pools": {"org": ["id1", "id2"], ...},
//    "operations": [
//      {"name": "get-org", "weight": 3,
//       "grpc": "xuncha.directory.v1.DirectoryService/GetOrgUnit", "body": {"id": "${org}"}},
//      {"name": "get-org-http", "weight": 1, "http": "GET /api/v1/orgs/${org}"},
//      {"name": "create", "http": "POST /api/v1/issues", "body": {"title": "t ${seq}"}}]}
// `body` is a JSON value (or a string holding JSON); `${name}` anywhere in the body or the path
// is replaced by an id drawn from pool `name` (pools may also come from files, see
// loadgen_main.cc), `${seq}` by a per-request sequence number. Weights default to 1.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace xuncha::bench {

struct Operation {
  std::string name;
  int weight = 1;
  bool grpc = false;
  std::string method;  // gRPC: "package.Service/Method"; HTTP: verb
  std::string path;    // HTTP only
  std::string body;    // template; "" = no body
};

using Pools = std::map<std::string, std::vector<std::string>>;

struct Scenario {
  Pools pools;
  std::vector<Operation> operations;
};

absl::StatusOr<Scenario> ParseScenario(absl::string_view json);

// Replaces ${name} with a random element of pools[name] and ${seq} with `seq`. An unknown or
// empty pool is an error naming it (a typo must not silently send "${org}" to the server).
absl::StatusOr<std::string> Render(absl::string_view tmpl, const Pools& pools, std::mt19937_64& rng,
                                   std::uint64_t seq);

// Index of the operation a uniform draw `r` in [0, total weight) selects.
std::size_t PickOperation(const std::vector<Operation>& ops, std::uint64_t r);
int TotalWeight(const std::vector<Operation>& ops);

// Refuses anything that is not a loopback address: benchmarks must not load other machines.
bool IsLoopbackTarget(absl::string_view host_port);

}  // namespace xuncha::bench
