// Incremental HTTP/1.1 response framing for the load generator's event loop: decides from the
// bytes received so far whether one whole response is there, without blocking for more.
#pragma once

#include <cstddef>

#include "absl/strings/string_view.h"

namespace xuncha::bench {

enum class Framing { kIncomplete, kComplete, kMalformed };

struct HttpResponseHead {
  int status = 0;
  bool closes = false;       // "Connection: close": the server ends the connection after it
  std::size_t consumed = 0;  // bytes of `buffer` the whole response takes (head and body)
};

// Frames the response at the start of `buffer`: status line, headers, then a Content-Length or
// chunked body (no body without either). kIncomplete asks for more bytes; kMalformed means the
// connection cannot be read further.
Framing FrameHttpResponse(absl::string_view buffer, HttpResponseHead* head);

}  // namespace xuncha::bench
