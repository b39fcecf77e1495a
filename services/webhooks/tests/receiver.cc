#include "receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "domain.h"

namespace xuncha::webhooks::testing {
namespace {

void WriteAll(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the client gave up (timeout): nothing more to say
    sent += static_cast<std::size_t>(n);
  }
}

std::string Answer(int status) {
  return absl::StrCat("HTTP/1.1 ", status, status == 200 ? " OK" : " Error",
                      "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
}

}  // namespace

Receiver::Receiver(ReceiverBehaviour behaviour) : behaviour_(behaviour) {}

Receiver::~Receiver() { Stop(); }

bool Receiver::Start() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0) return false;
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return false;
  if (::listen(listen_fd_, 64) != 0) return false;
  socklen_t len = sizeof(addr);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  accept_thread_ = std::thread([this] { AcceptLoop(); });
  return true;
}

void Receiver::Stop() {
  if (stop_.exchange(true)) return;
  if (accept_thread_.joinable()) accept_thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  std::vector<std::thread> connections;
  {
    std::lock_guard lock(mu_);
    connections.swap(connections_);
  }
  for (auto& t : connections) t.join();
}

std::string Receiver::Url(const std::string& path) const {
  return absl::StrCat("http://127.0.0.1:", port_, path);
}

void Receiver::SetSecret(const std::string& secret) {
  std::lock_guard lock(mu_);
  secret_ = secret;
}

void Receiver::AcceptLoop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    std::lock_guard lock(mu_);
    connections_.emplace_back([this, fd] { Serve(fd); });
  }
}

void Receiver::Serve(int fd) {
  std::string data;
  std::size_t header_end = std::string::npos;
  std::size_t content_length = 0;
  char buf[4096];
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    data.append(buf, static_cast<std::size_t>(n));
    if (header_end == std::string::npos) {
      header_end = data.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        for (absl::string_view line : absl::StrSplit(data.substr(0, header_end), "\r\n")) {
          const std::size_t colon = line.find(':');
          if (colon == absl::string_view::npos) continue;
          if (absl::AsciiStrToLower(line.substr(0, colon)) == "content-length") {
            (void)absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(colon + 1)),
                                   &content_length);
          }
        }
      }
    }
    if (header_end != std::string::npos && data.size() >= header_end + 4 + content_length) break;
  }
  if (header_end == std::string::npos) {
    ::close(fd);
    return;
  }
  std::map<std::string, std::string> headers;
  for (absl::string_view line : absl::StrSplit(data.substr(0, header_end), "\r\n")) {
    const std::size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    headers[absl::AsciiStrToLower(line.substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  }
  ReceivedRequest request;
  request.body = data.substr(header_end + 4, content_length);
  request.event_id = headers["x-xuncha-event-id"];
  request.event_type = headers["x-xuncha-event-type"];
  int status = behaviour_.status;
  bool slow = false;
  {
    std::lock_guard lock(mu_);
    const int number = ++requests_;
    request.signature_valid =
        VerifySignature(secret_, headers["x-xuncha-timestamp"], request.body,
                        headers["x-xuncha-signature"]) &&
        request.body.find(absl::StrCat("{\"id\":\"", request.event_id, "\"")) == 0;
    if (!request.signature_valid) {
      ++bad_signatures_;
      status = 401;
    } else if (number <= behaviour_.fail_first) {
      status = 500;
    } else if (status >= 200 && status < 300) {
      // Processing is idempotent by event id: a retry of something already done is answered
      // 200 and changes nothing.
      if (!processed_.insert(request.event_id).second) ++duplicates_;
      slow = number == behaviour_.slow_request;
    }
    request.answered = status;
    log_.push_back(request);
  }
  if (slow) absl::SleepFor(behaviour_.slow_delay);
  absl::SleepFor(behaviour_.delay_each);
  WriteAll(fd, Answer(status));
  ::close(fd);
}

int Receiver::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}
int Receiver::bad_signatures() const {
  std::lock_guard lock(mu_);
  return bad_signatures_;
}
std::set<std::string> Receiver::processed() const {
  std::lock_guard lock(mu_);
  return processed_;
}
int Receiver::duplicates_ignored() const {
  std::lock_guard lock(mu_);
  return duplicates_;
}
std::vector<ReceivedRequest> Receiver::log() const {
  std::lock_guard lock(mu_);
  return log_;
}

}  // namespace xuncha::webhooks::testing
