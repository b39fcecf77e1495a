// Scheduled scans (reminders, clean-ups): a thread per task running it every interval, and a
// transaction-scoped advisory lock so that with several replicas one scan runs at a time.
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "xuncha/background.h"
#include "xuncha/pg.h"

namespace xuncha {

class PeriodicTask {
 public:
  // `run` returns how much it did (logged when > 0); errors are logged and retried next time.
  // `log_counts` false for tasks that do a little on most runs (the audit sealer), where a line
  // per run would drown the log.
  PeriodicTask(std::string name, absl::Duration interval, std::function<absl::StatusOr<int>()> run,
               bool log_counts = true);
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  void Start();
  void Stop();

 private:
  void Loop();
  std::string name_;
  absl::Duration interval_;
  std::function<absl::StatusOr<int>()> run_;
  bool log_counts_;
  BackgroundThread thread_;
};

// True when this transaction holds the scan lock `name` (per schema); false when another replica
// is scanning now — then skip this round.
bool TryScanLock(pqxx::work& tx, absl::string_view name);

}  // namespace xuncha
