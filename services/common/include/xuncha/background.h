// The one way a service runs a loop on a thread of its own (notification listeners,
// subscriptions, periodic scans, the outbox relay): start it, let it sleep in a way Stop() and
// Wake() interrupt, and stop it by joining.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/time/time.h"

namespace xuncha {

class BackgroundThread {
 public:
  BackgroundThread() = default;
  ~BackgroundThread();  // Stop()
  BackgroundThread(const BackgroundThread&) = delete;
  BackgroundThread& operator=(const BackgroundThread&) = delete;

  // Runs `body` on a new thread; nothing when one is running. The body returns when Wait()
  // says false or stopping() is true.
  void Start(std::function<void()> body);
  // Makes Wait() return false from now on and waits for the body to return.
  void Stop();
  // Sleeps up to `d`, less when Wake() or Stop() is called; false once stopping.
  bool Wait(absl::Duration d);
  // Ends the current or next Wait() early (it returns true).
  void Wake();
  bool stopping() const;

 private:
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool woken_ = false;
};

}  // namespace xuncha
