#include "http_sender.h"

#include <curl/curl.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace xuncha::webhooks {
namespace {

// The answer's body is of no interest beyond its status; drop it without buffering.
size_t Discard(char*, size_t size, size_t count, void*) { return size * count; }

}  // namespace

CurlSender::CurlSender() { curl_global_init(CURL_GLOBAL_DEFAULT); }

CurlSender::~CurlSender() { curl_global_cleanup(); }

HttpResult CurlSender::Post(const std::string& url,
                            const std::vector<std::pair<std::string, std::string>>& headers,
                            const std::string& body, absl::Duration timeout) {
  HttpResult result;
  const absl::Time start = absl::Now();
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    result.error = "curl: cannot initialise";
    return result;
  }
  curl_slist* list = curl_slist_append(nullptr, "Content-Type: application/json");
  list = curl_slist_append(list, "User-Agent: xuncha-webhooks/1");
  for (const auto& [name, value] : headers) {
    list = curl_slist_append(list, absl::StrCat(name, ": ", value).c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(absl::ToInt64Milliseconds(timeout)));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM in a threaded process
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Discard);
  const CURLcode code = curl_easy_perform(curl);
  if (code == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    result.status = static_cast<int>(status);
  } else {
    result.error = absl::StrCat("curl: ", curl_easy_strerror(code));
  }
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  result.duration = absl::Now() - start;
  return result;
}

}  // namespace xuncha::webhooks
