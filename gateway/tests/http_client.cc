#include "http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <thread>

namespace xuncha::gateway::testing {

std::string RawExchange(int port, const std::string& raw, int timeout_ms, int receive_buffer_bytes,
                        int read_delay_ms) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  if (receive_buffer_bytes > 0) {
    // Before connect, so that the window offered to the server is small from the start.
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof(receive_buffer_bytes));
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return "";
  }
  std::size_t sent = 0;
  while (sent < raw.size()) {
    ssize_t n = ::send(fd, raw.data() + sent, raw.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early (413); read what it said
    sent += static_cast<std::size_t>(n);
  }
  if (read_delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(read_delay_ms));
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char buffer[65536];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
    ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

std::vector<ClientResponse> ParseResponses(const std::string& raw) {
  std::vector<ClientResponse> responses;
  std::size_t pos = 0;
  while (pos < raw.size()) {
    std::size_t header_end = raw.find("\r\n\r\n", pos);
    if (header_end == std::string::npos) break;
    ClientResponse response;
    std::string head = raw.substr(pos, header_end - pos);
    std::size_t line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    std::size_t space = status_line.find(' ');
    if (space == std::string::npos) break;
    response.status = std::atoi(status_line.c_str() + space + 1);
    std::size_t line_start = line_end == std::string::npos ? head.size() : line_end + 2;
    while (line_start < head.size()) {
      std::size_t next = head.find("\r\n", line_start);
      if (next == std::string::npos) next = head.size();
      std::string line = head.substr(line_start, next - line_start);
      std::size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::size_t value_start = line.find_first_not_of(' ', colon + 1);
        response.headers[name] = value_start == std::string::npos ? "" : line.substr(value_start);
      }
      line_start = next + 2;
    }
    pos = header_end + 4;
    std::size_t length = 0;
    if (auto it = response.headers.find("content-length"); it != response.headers.end()) {
      length = std::strtoul(it->second.c_str(), nullptr, 10);
    }
    response.body = raw.substr(pos, length);
    pos += length;
    responses.push_back(std::move(response));
  }
  return responses;
}

ClientResponse Request(int port, const std::string& method, const std::string& target,
                       const std::string& body,
                       const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string raw = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [name, value] : headers) raw += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    raw +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  raw += "\r\n" + body;
  auto responses = ParseResponses(RawExchange(port, raw));
  return responses.empty() ? ClientResponse{} : responses.front();
}

}  // namespace xuncha::gateway::testing
