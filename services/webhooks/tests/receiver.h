// A webhook receiver for tests: a plain-socket HTTP/1.1 server on loopback, its own thread, that
// verifies each request's signature, dedups by event id, and can be told to fail the first N
// requests with 500 and to answer one request slowly (after processing it).
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"

namespace xuncha::webhooks::testing {

struct ReceiverBehaviour {
  int fail_first = 0;  // the first N requests get 500 and are not processed
  // The request with this 1-based number is processed, then answered only after `slow_delay`.
  int slow_request = 0;
  absl::Duration slow_delay = absl::ZeroDuration();
  int status = 200;  // answer otherwise (e.g. 500 for a receiver that always fails)
  absl::Duration delay_each = absl::ZeroDuration();  // before every answer, after processing
};

struct ReceivedRequest {
  std::string event_id;
  std::string event_type;
  std::string body;
  bool signature_valid = false;
  int answered = 0;
};

class Receiver {
 public:
  explicit Receiver(ReceiverBehaviour behaviour);
  ~Receiver();
  bool Start();  // listens on 127.0.0.1, a port of the kernel's choosing
  void Stop();
  std::string Url(const std::string& path = "/hook") const;
  void SetSecret(const std::string& secret);

  int requests() const;
  int bad_signatures() const;
  // Events processed once each (first valid, non-failed request per event id).
  std::set<std::string> processed() const;
  int duplicates_ignored() const;  // valid requests for an event already processed
  std::vector<ReceivedRequest> log() const;

 private:
  void AcceptLoop();
  void Serve(int fd);
  ReceiverBehaviour behaviour_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread accept_thread_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<std::thread> connections_;
  std::string secret_;
  int requests_ = 0;
  int bad_signatures_ = 0;
  int duplicates_ = 0;
  std::set<std::string> processed_;
  std::vector<ReceivedRequest> log_;
};

}  // namespace xuncha::webhooks::testing
