// OpenAPI 3 document of every route, generated from the same descriptors as the route table, so
// it cannot drift from what the gateway actually accepts.
#pragma once

#include <string>

namespace xuncha::gateway {

class RouteTable;

// The whole document as JSON text.
std::string BuildOpenApiDocument(const RouteTable& routes);

}  // namespace xuncha::gateway
