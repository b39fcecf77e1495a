// Runs RectificationApp::ScanReminders every interval on a thread of its own. Every replica runs
// one; the scan's advisory lock and the reminders table keep each reminder to one event.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/time/time.h"
#include "app.h"

namespace xuncha::rectification {

class ReminderScanner {
 public:
  ReminderScanner(RectificationApp& app, absl::Duration interval)
      : app_(app), interval_(interval) {}
  ~ReminderScanner() { Stop(); }

  void Start();
  void Stop();

 private:
  void Run();
  RectificationApp& app_;
  absl::Duration interval_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
};

}  // namespace xuncha::rectification
