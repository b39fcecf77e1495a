// List paging shared by every service: page_size/page_token in, next_page_token out. Tokens are
// opaque to clients (base64url of the last key of the previous page); lists use keyset paging.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/timestamp.pb.h"

namespace xuncha {

struct Page {
  int size = 50;
  std::string after;  // the decoded token: last key of the previous page ("" for the first)
};

// page_size 0 means 50; at most 500. INVALID_ARGUMENT for a negative size or a foreign token.
absl::StatusOr<Page> DecodePage(int page_size, const std::string& token);
std::string EncodePageToken(const std::string& last_key);

// Keys of two parts ("name" + id) joined with a separator that cannot occur in either.
std::string PageKey(const std::string& first, const std::string& second);
std::pair<std::string, std::string> SplitPageKey(const std::string& key);

// SQL expression for a timestamptz column as microseconds since the epoch, and its reader:
// exact, unlike extract(epoch) as a float.
std::string SqlMicros(const std::string& column);
void SetTimestampMicros(google::protobuf::Timestamp* ts, int64_t micros);

// Lists read page_size + 1 rows to learn whether more follow: trims `items` to the page and
// returns the next page's token ("" on the last page) from `key` of the last item kept.
template <typename T, typename KeyFn>
std::string NextToken(std::vector<T>& items, int page_size, KeyFn key) {
  if (static_cast<int>(items.size()) <= page_size) return "";
  items.resize(page_size);
  return EncodePageToken(key(items.back()));
}

}  // namespace xuncha
