// A deliberately dumb blocking HTTP/1.1 client for the gateway's integration tests: one
// connection per exchange, raw bytes available, so that malformed and slow requests can be sent.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace xuncha::gateway::testing {

struct ClientResponse {
  int status = 0;                              // 0: no response (connection closed or failed)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// Sends `raw` to 127.0.0.1:port and reads until the server closes or `timeout_ms` passes.
// A slow reader: `receive_buffer_bytes` (SO_RCVBUF, 0 for the default) and a pause of
// `read_delay_ms` before the first read.
std::string RawExchange(int port, const std::string& raw, int timeout_ms = 10000,
                        int receive_buffer_bytes = 0, int read_delay_ms = 0);

// Parses every response in `raw` (pipelined responses come back concatenated).
std::vector<ClientResponse> ParseResponses(const std::string& raw);

ClientResponse Request(int port, const std::string& method, const std::string& target,
                       const std::string& body = "",
                       const std::vector<std::pair<std::string, std::string>>& headers = {});

}  // namespace xuncha::gateway::testing
