#include "xuncha/paging.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace xuncha {

absl::StatusOr<Page> DecodePage(int page_size, const std::string& token) {
  Page page;
  if (page_size < 0) return absl::InvalidArgumentError("page_size: must not be negative");
  page.size = page_size == 0 ? 50 : std::min(page_size, 500);
  if (!token.empty() && !absl::WebSafeBase64Unescape(token, &page.after)) {
    return absl::InvalidArgumentError("page_token: not a token this service issued");
  }
  return page;
}

std::string EncodePageToken(const std::string& last_key) {
  return absl::WebSafeBase64Escape(last_key);
}

std::string PageKey(const std::string& first, const std::string& second) {
  return absl::StrCat(first, "\x1f", second);
}

std::pair<std::string, std::string> SplitPageKey(const std::string& key) {
  const std::size_t sep = key.find('\x1f');
  if (sep == std::string::npos) return {key, ""};
  return {key.substr(0, sep), key.substr(sep + 1)};
}

std::string SqlMicros(const std::string& column) {
  return absl::StrCat("(extract(epoch FROM ", column, ") * 1000000)::bigint");
}

void SetTimestampMicros(google::protobuf::Timestamp* ts, int64_t micros) {
  // Floor division keeps nanos non-negative for instants before 1970.
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    seconds -= 1;
  }
  ts->set_seconds(seconds);
  ts->set_nanos(static_cast<int32_t>(rest) * 1000);
}

}  // namespace xuncha
