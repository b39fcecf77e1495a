#include "reminder_scanner.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "xuncha/engagements.h"
#include "xuncha/log.h"

namespace xuncha::rectification {

void ReminderScanner::Start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = false;
  }
  thread_ = std::thread([this] { Run(); });
}

void ReminderScanner::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ReminderScanner::Run() {
  const auto period = std::chrono::microseconds(absl::ToInt64Microseconds(interval_));
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    absl::StatusOr<int> sent = app_.ScanReminders(TodayInChina());
    if (!sent.ok()) {
      // The next scan tries again; nothing was half-sent (one transaction).
      log::Warning("reminder scan failed", {{"error", sent.status().message()}});
    } else if (*sent > 0) {
      log::Info("reminders sent", {{"count", absl::StrCat(*sent)}});
    }
    lock.lock();
    cv_.wait_for(lock, period, [this] { return stop_; });
  }
}

}  // namespace xuncha::rectification
