#include "xuncha/periodic.h"

#include "absl/strings/str_cat.h"
#include "xuncha/log.h"

namespace xuncha {

PeriodicTask::PeriodicTask(std::string name, absl::Duration interval,
                           std::function<absl::StatusOr<int>()> run, bool log_counts)
    : name_(std::move(name)), interval_(interval), run_(std::move(run)), log_counts_(log_counts) {}

PeriodicTask::~PeriodicTask() { Stop(); }

void PeriodicTask::Start() {
  thread_.Start([this] { Loop(); });
}

void PeriodicTask::Stop() { thread_.Stop(); }

void PeriodicTask::Loop() {
  do {
    absl::StatusOr<int> done = run_();
    if (!done.ok()) {
      // Each run is its own transaction: nothing was half-done; the next run tries again.
      log::Warning(absl::StrCat(name_, " failed"), {{"error", done.status().message()}});
    } else if (*done > 0 && log_counts_) {
      log::Info(name_, {{"count", absl::StrCat(*done)}});
    }
  } while (thread_.Wait(interval_));
}

bool TryScanLock(pqxx::work& tx, absl::string_view name) {
  return tx
      .exec_params1("SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || '.' || $1))",
                    std::string(name))[0]
      .as<bool>();
}

}  // namespace xuncha
