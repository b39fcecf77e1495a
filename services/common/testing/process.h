// Runs a real service binary as a child process for end-to-end tests.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace xuncha::testing {

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();  // SIGKILL if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts `argv[0]` with the arguments; stdout and stderr go to `log_path`.
  bool Start(const std::vector<std::string>& argv, const std::string& log_path);
  // Sends `signal` and waits (up to `wait_ms`) for the exit; returns the exit status or -1.
  int Stop(int signal, int wait_ms = 10000);
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// Polls the standard gRPC health service at `address` until it answers SERVING.
bool WaitForServing(const std::string& address, int timeout_ms);

std::string ReadFile(const std::string& path);

}  // namespace xuncha::testing
