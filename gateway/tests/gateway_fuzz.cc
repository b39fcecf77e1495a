// libFuzzer target: request line + body through routing and transcoding, the code that sees
// untrusted bytes before any backend does. Input: "METHOD TARGET\n<body>". See CMakeLists.txt
// for how to build and run it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "google/protobuf/message.h"
#include "route_table.h"
#include "transcoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const xuncha::gateway::RouteTable* table = [] {
    auto built = xuncha::gateway::RouteTable::FromGeneratedPool();
    return built.ok() ? new xuncha::gateway::RouteTable(std::move(*built)) : nullptr;
  }();
  if (table == nullptr) return 0;
  std::string input(reinterpret_cast<const char*>(data), size);
  std::size_t newline = input.find('\n');
  std::string line = input.substr(0, newline);
  std::string body = newline == std::string::npos ? "" : input.substr(newline + 1);
  std::size_t space = line.find(' ');
  if (space == std::string::npos) return 0;
  std::string method = line.substr(0, space);
  std::string target = line.substr(space + 1);
  std::size_t question = target.find('?');
  std::string path = target.substr(0, question);
  std::string query = question == std::string::npos ? "" : target.substr(question + 1);
  auto match = table->Match(method, path);
  if (match.kind != xuncha::gateway::RouteMatch::Kind::kFound) return 0;
  auto request = xuncha::gateway::BuildRequest(*match.route, match.bindings, query, body);
  if (request.ok()) (void)xuncha::gateway::MessageToJson(**request);
  return 0;
}
