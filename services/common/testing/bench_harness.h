// Shared by the dashboard benchmarks (services/<svc>/bench): the service binary on a throwaway
// database with a token key it trusts, and latency figures of repeated calls. Benchmarks only:
// tests never time anything.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "process.h"
#include "test_env.h"
#include "xuncha/auth.h"

namespace xuncha::testing {

struct BenchService {
  TestDatabase db;
  std::string tmp;      // the service's log and key live here
  std::string address;  // 127.0.0.1:port
  ChildProcess process;
  std::shared_ptr<const TokenSigner> signer;  // signs tokens the service accepts

  // Starts `binary` (label `name` for its log) and waits until it serves; false with a message
  // on stderr when it does not.
  bool Start(const std::string& binary, const std::string& name);
};

struct Latency {
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
};

// Runs `call` 3 times to warm up, then `calls` times, timing each; a call that returns false
// ends the program (a benchmark of failures measures nothing).
Latency TimeCalls(int calls, const std::function<bool()>& call);

}  // namespace xuncha::testing
