#include "xuncha/background.h"

namespace xuncha {

BackgroundThread::~BackgroundThread() { Stop(); }

void BackgroundThread::Start(std::function<void()> body) {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  woken_ = false;
  thread_ = std::thread(std::move(body));
}

void BackgroundThread::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool BackgroundThread::Wait(absl::Duration d) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, absl::ToChronoMilliseconds(d), [this] { return stop_ || woken_; });
  woken_ = false;
  return !stop_;
}

void BackgroundThread::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

bool BackgroundThread::stopping() const {
  std::lock_guard lock(mu_);
  return stop_;
}

}  // namespace xuncha
