#include "bench_harness.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "absl/strings/str_cat.h"

namespace xuncha::testing {

bool BenchService::Start(const std::string& binary, const std::string& name) {
  tmp = MakeTempDir();
  auto keys = WriteTokenKeys(tmp);
  if (!keys.ok()) return false;
  signer = keys->signer;
  address = absl::StrCat("127.0.0.1:", FreePort());
  if (!process.Start(
          {binary, "--listen=" + address, "--db_url=" + db.url(), "--redis=" + RedisAddress(),
           "--token_public_key_file=" + keys->public_key_file,
           "--event_stream_prefix=" + UniqueName("bench:")},
          absl::StrCat(tmp, "/", name, ".log")) ||
      !WaitForServing(address, 30000)) {
    std::fprintf(stderr, "%s did not start; log in %s\n", name.c_str(), tmp.c_str());
    return false;
  }
  return true;
}

Latency TimeCalls(int calls, const std::function<bool()>& call) {
  std::vector<double> ms;
  for (int i = 0; i < calls + 3; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const bool ok = call();
    const auto end = std::chrono::steady_clock::now();
    if (!ok) std::exit(1);
    if (i >= 3) ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
  }
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) {
    return ms[std::min(ms.size() - 1, static_cast<size_t>(q * static_cast<double>(ms.size())))];
  };
  return {at(0.50), at(0.99), ms.back()};
}

}  // namespace xuncha::testing
