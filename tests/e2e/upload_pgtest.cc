// Evidence uploads through the gateway's streaming upload route (POST /api/v1/evidence:upload):
// the raw HTTP body is streamed to fieldwork's UploadEvidenceStream piece by piece. Files larger
// than the gateway's JSON body limit and than one gRPC message arrive intact (same SHA-256, same
// bytes on download), chunked transfer encoding and `Expect: 100-continue` work, and refusals
// (no token, unknown parameter, a caller who may not add files, a body over the limit) are
// answered with the right status without the rest of the body being waited for.
#include <gtest/gtest.h>

#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "platform.h"
#include "test_env.h"
#include "xuncha/crypto.h"

namespace xuncha::e2e {
namespace {

std::string RandomBytes(std::size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(gen() & 0xff);
  return out;
}

std::string UploadTarget(const std::string& engagement, const std::string& filename) {
  return absl::StrCat("/api/v1/evidence:upload?engagementId=", engagement, "&filename=", filename,
                      "&contentType=application/octet-stream");
}

TEST(UploadTest, StreamsEvidenceThroughTheGateway) {
  testing::TestDatabase db;
  Platform platform(db.url());
  ASSERT_TRUE(platform.Start());
  World w;
  ASSERT_TRUE(BuildWorld(platform, w));
  const std::string engagement = w.ids.at("engagement");

  // 6 MiB: over the gateway's 4 MiB JSON body limit and gRPC's 4 MiB message limit, so it can
  // only arrive in pieces. "谈话录音.bin" percent-encoded.
  const std::string file = RandomBytes(6 << 20, 1);
  auto r =
      platform.Call("POST", UploadTarget(engagement, "%E8%B0%88%E8%AF%9D%E5%BD%95%E9%9F%B3.bin"),
                    w.a_member, file, {{"Content-Type", "application/octet-stream"}});
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 500);
  const std::string sha = JsonString(r.body, "sha256");
  EXPECT_EQ(sha, Sha256Hex(file));
  EXPECT_TRUE(absl::StrContains(r.body, "谈话录音.bin")) << r.body;
  EXPECT_TRUE(absl::StrContains(r.body, absl::StrCat("\"sizeBytes\":\"", file.size(), "\"")) ||
              absl::StrContains(r.body, absl::StrCat(file.size())))
      << r.body;
  auto download = platform.Call("GET", "/api/v1/evidence/" + sha, w.a_member);
  ASSERT_EQ(download.status, 200);
  EXPECT_TRUE(download.body == file) << "downloaded " << download.body.size() << " bytes";

  // Chunked transfer encoding (no Content-Length) after `Expect: 100-continue`.
  const std::string second = RandomBytes(300000, 2);
  std::string raw = absl::StrCat("POST ", UploadTarget(engagement, "chunked.bin"),
                                 " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ", w.a_member,
                                 "\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n"
                                 "Connection: close\r\n\r\n");
  for (std::size_t at = 0; at < second.size(); at += 70000) {
    std::string piece = second.substr(at, 70000);
    absl::StrAppend(&raw, absl::StrFormat("%x", piece.size()), "\r\n", piece, "\r\n");
  }
  raw += "0\r\n\r\n";
  auto responses =
      gateway::testing::ParseResponses(gateway::testing::RawExchange(platform.http_port(), raw));
  ASSERT_FALSE(responses.empty());
  const auto& chunked = responses.back();  // after the interim 100 Continue
  ASSERT_EQ(chunked.status, 200) << chunked.body;
  EXPECT_EQ(JsonString(chunked.body, "sha256"), Sha256Hex(second));

  // Refusals. No token: 401 before any byte reaches the service.
  r = platform.Call("POST", UploadTarget(engagement, "x.bin"), "", "abc");
  EXPECT_EQ(r.status, 401) << r.body;
  // An unknown parameter is named.
  r = platform.Call("POST", UploadTarget(engagement, "x.bin") + "&colour=red", w.a_member, "abc");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_TRUE(absl::StrContains(r.body, "colour")) << r.body;
  // The admin of an unrelated county may not add files to A's engagement.
  r = platform.Call("POST", UploadTarget(engagement, "x.bin"), w.b_admin, RandomBytes(200000, 3));
  EXPECT_TRUE(r.status == 403 || r.status == 404) << r.status << " " << r.body;
  // Empty files are refused by the service, naming the field.
  r = platform.Call("POST", UploadTarget(engagement, "empty.bin"), w.a_member, "");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_TRUE(absl::StrContains(r.body, "content")) << r.body;
  // Over the gateway's upload_max_bytes (the platform sets 8 MiB): 413, connection closed.
  r = platform.Call("POST", UploadTarget(engagement, "big.bin"), w.a_member,
                    RandomBytes((8 << 20) + 1, 4));
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_TRUE(absl::StrContains(r.body, "exceeds")) << r.body;
  // The same without a Content-Length (chunked): refused when the streamed body crosses it.
  std::string over = absl::StrCat("POST ", UploadTarget(engagement, "big-chunked.bin"),
                                  " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ", w.a_member,
                                  "\r\nTransfer-Encoding: chunked\r\n\r\n");
  const std::string block = RandomBytes(1 << 20, 5);
  for (int i = 0; i < 9; ++i) {
    absl::StrAppend(&over, absl::StrFormat("%x", block.size()), "\r\n", block, "\r\n");
  }
  over += "0\r\n\r\n";
  responses =
      gateway::testing::ParseResponses(gateway::testing::RawExchange(platform.http_port(), over));
  ASSERT_FALSE(responses.empty());
  EXPECT_EQ(responses.back().status, 413) << responses.back().body;

  // The gateway lists the route with a binary body.
  auto openapi = platform.Call("GET", "/api/v1/openapi.json", "");
  ASSERT_EQ(openapi.status, 200);
  EXPECT_TRUE(absl::StrContains(openapi.body, "\"/api/v1/evidence:upload\""));
  EXPECT_TRUE(absl::StrContains(openapi.body, "application/octet-stream"));
  EXPECT_TRUE(platform.AllAlive());
}

}  // namespace
}  // namespace xuncha::e2e
