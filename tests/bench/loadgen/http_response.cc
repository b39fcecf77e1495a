#include "http_response.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"

namespace xuncha::bench {

Framing FrameHttpResponse(absl::string_view buffer, HttpResponseHead* out) {
  const std::size_t header_end = buffer.find("\r\n\r\n");
  if (header_end == absl::string_view::npos) return Framing::kIncomplete;
  const std::string head = absl::AsciiStrToLower(buffer.substr(0, header_end));
  int status = 0;
  if (head.size() < 12 || !absl::StartsWith(head, "http/1.") ||
      !absl::SimpleAtoi(absl::string_view(head).substr(9, 3), &status)) {
    return Framing::kMalformed;
  }
  const std::size_t body_start = header_end + 4;
  std::size_t end = body_start;
  if (absl::StrContains(head, "\r\ntransfer-encoding: chunked")) {
    for (;;) {
      const std::size_t line_end = buffer.find("\r\n", end);
      if (line_end == absl::string_view::npos) return Framing::kIncomplete;
      std::size_t size = 0;
      if (!absl::SimpleHexAtoi(buffer.substr(end, line_end - end), &size)) {
        return Framing::kMalformed;
      }
      end = line_end + 2 + size + 2;  // chunk data and its CRLF
      if (buffer.size() < end) return Framing::kIncomplete;
      if (size == 0) break;
    }
  } else {
    const std::size_t cl = head.find("\r\ncontent-length:");
    if (cl != std::string::npos) {
      const std::size_t eol = std::min(head.find("\r\n", cl + 2), head.size());
      std::size_t length = 0;
      if (!absl::SimpleAtoi(
              absl::StripAsciiWhitespace(absl::string_view(head).substr(cl + 17, eol - cl - 17)),
              &length)) {
        return Framing::kMalformed;
      }
      end = body_start + length;
      if (buffer.size() < end) return Framing::kIncomplete;
    }
  }
  out->status = status;
  out->closes = absl::StrContains(head, "\r\nconnection: close");
  out->consumed = end;
  return Framing::kComplete;
}

}  // namespace xuncha::bench
