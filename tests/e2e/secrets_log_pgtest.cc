// No secret ever reaches a log: a scenario through the gateway handles passwords, access and
// refresh tokens, an API client's secret, a petition reporter's identity and a receipt code
// (BuildWorld), plus the failure paths that tempt a developer to log the request (a wrong
// password, a bad refresh token, a wrong receipt); then every process's captured output is
// searched for each of those strings.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "platform.h"
#include "test_env.h"

namespace xuncha::e2e {
namespace {

TEST(SecretsLogTest, NoPasswordTokenClientSecretReporterOrReceiptInAnyLog) {
  testing::TestDatabase db;
  Platform platform(db.url());
  ASSERT_TRUE(platform.Start());
  World w;
  ASSERT_TRUE(BuildWorld(platform, w));

  // Failure paths with secret-bearing requests.
  const std::string wrong_password = testing::UniqueName("wrong-pw-");
  w.secrets["wrong password"] = wrong_password;
  auto r =
      platform.Call("POST", "/api/v1/auth/token", "",
                    absl::StrCat(R"({"username":"a-member","password":")", wrong_password, "\"}"));
  EXPECT_EQ(r.status, 401) << r.body;
  const std::string bogus_refresh = testing::UniqueName("bogus-refresh-");
  w.secrets["bogus refresh token"] = bogus_refresh;
  r = platform.Call("POST", "/api/v1/auth/token", "",
                    absl::StrCat(R"({"refreshToken":")", bogus_refresh, "\"}"));
  EXPECT_NE(r.status, 200) << r.body;
  // A well-formed receipt nobody was given; and the real one once more.
  const std::string other_receipt =
      w.petition_receipt.empty()
          ? ""
          : std::string(w.petition_receipt.rbegin(), w.petition_receipt.rend());
  if (!other_receipt.empty() && other_receipt != w.petition_receipt) {
    w.secrets["unknown receipt code"] = other_receipt;
    platform.Call("GET", "/api/v1/petitions:status?receipt=" + other_receipt, "");
  }
  EXPECT_EQ(
      platform.Call("GET", "/api/v1/petitions:status?receipt=" + w.petition_receipt, "").status,
      200);
  // Tokens in the header of requests that fail (bad route, denied, expired session).
  platform.Call("GET", "/api/v1/nowhere", w.a_member);
  platform.Call("GET", "/api/v1/clues/" + w.ids.at("clues"), w.b_admin);
  platform.Call("GET", "/api/v1/me", w.admin_token + "x");
  // Let the services flush whatever they log asynchronously (access logs after the response).
  absl::SleepFor(absl::Milliseconds(500));

  // A token is a credential through its signature: look for that part on its own as well, in
  // case a log line carries a truncated or re-encoded token.
  std::map<std::string, std::string> signatures;
  for (const auto& [what, value] : w.secrets) {
    std::size_t dot = value.rfind('.');
    if (std::count(value.begin(), value.end(), '.') == 2 && dot + 1 < value.size()) {
      signatures["signature of " + what] = value.substr(dot + 1);
    }
  }
  w.secrets.insert(signatures.begin(), signatures.end());

  const auto logs = platform.Logs();
  std::size_t bytes = 0, lines = 0;
  for (const auto& [name, text] : logs) {
    bytes += text.size();
    for (char c : text) lines += c == '\n';
  }
  int hits = 0;
  for (const auto& [what, value] : w.secrets) {
    ASSERT_GE(value.size(), 8u) << what << " is too short to search for: " << value;
    for (const auto& [name, text] : logs) {
      if (absl::StrContains(text, value)) {
        ++hits;
        ADD_FAILURE() << what << " appears in the log of " << name;
      }
    }
  }
  std::printf("[secrets] processes=%zu log_lines=%zu log_bytes=%zu secrets=%zu hits=%d\n",
              logs.size(), lines, bytes, w.secrets.size(), hits);
  // The scenario must actually have produced logs, or the search proves nothing.
  EXPECT_GE(logs.size(), 7u);  // directory, the domain services, gateway
  EXPECT_GT(lines, 20u);
  EXPECT_EQ(hits, 0);
}

}  // namespace
}  // namespace xuncha::e2e
