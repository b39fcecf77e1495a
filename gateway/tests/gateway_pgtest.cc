// End-to-end through the real gateway (in-process, on a free port) to the real xuncha-directory
// binary on the harness's PostgreSQL and Redis.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "app.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "http_client.h"
#include "process.h"
#include "test_env.h"
#include "xuncha/auth.h"
#include "xuncha/config.h"

namespace xuncha::gateway {
namespace {

using google::protobuf::Struct;
using testing::ClientResponse;
using testing::Request;

constexpr char kAdminPassword[] = "admin-password-for-tests";

Struct Json(const std::string& text) {
  Struct value;
  auto status = google::protobuf::util::JsonStringToMessage(text, &value);
  EXPECT_TRUE(status.ok()) << status.ToString() << ": " << text;
  return value;
}

std::string Field(const std::string& json, const std::string& key) {
  Struct value = Json(json);
  auto it = value.fields().find(key);
  return it == value.fields().end() ? "" : it->second.string_value();
}

// The directory service as a child process.
class DirectoryProcess {
 public:
  DirectoryProcess(std::string db_url, std::string key_dir, std::string private_key_file)
      : db_url_(std::move(db_url)),
        key_dir_(std::move(key_dir)),
        private_key_file_(std::move(private_key_file)) {}
  ~DirectoryProcess() { Stop(); }

  bool Start() {
    if (port_ == 0) port_ = xuncha::testing::FreePort();
    const std::string address = "127.0.0.1:" + std::to_string(port_);
    return process_.Start(
               {XUNCHA_DIRECTORY_BINARY, "--listen=" + address, "--db_url=" + db_url_,
                "--redis=" + xuncha::testing::RedisAddress(),
                "--token_private_key_file=" + private_key_file_,
                std::string("--admin_password=") + kAdminPassword, "--password_hash=fast"},
               key_dir_ + "/directory.log") &&
           xuncha::testing::WaitForServing(address, 30000);
  }

  // SIGKILL: the tests use this to make the backend vanish, not to shut it down politely.
  void Stop() { process_.Stop(SIGKILL); }

  int port() const { return port_; }

 private:
  std::string db_url_;
  std::string key_dir_;
  std::string private_key_file_;
  int port_ = 0;
  xuncha::testing::ChildProcess process_;
};

class GatewayEnv {
 public:
  GatewayEnv() {
    key_dir_ = xuncha::testing::MakeTempDir();
    auto keys = xuncha::testing::WriteTokenKeys(key_dir_);
    EXPECT_TRUE(keys.ok()) << keys.status();
    if (keys.ok()) public_key_file_ = keys->public_key_file;
    directory_ = std::make_unique<DirectoryProcess>(db_.url(), key_dir_,
                                                    keys.ok() ? keys->private_key_file : "");
    started_ = directory_->Start();
  }

  // A gateway in front of the directory; `overrides` replace the defaults below.
  std::unique_ptr<GatewayApp> StartGateway(std::map<std::string, std::string> overrides = {}) {
    std::map<std::string, std::string> values = {
        {"http_listen", "127.0.0.1:0"},
        {"directory_addr", "127.0.0.1:" + std::to_string(directory_->port())},
        {"token_public_key_file", public_key_file_},
        {"redis", xuncha::testing::RedisAddress()},
        {"rate_limit_key_prefix", xuncha::testing::UniqueName("gwtest") + ":"},
        {"rate_limit_address_rps", "100000"},
        {"rate_limit_address_burst", "100000"},
        {"rate_limit_principal_rps", "100000"},
        {"rate_limit_principal_burst", "100000"},
        {"max_body_bytes", "65536"},
        {"request_timeout", "2s"},
        {"default_deadline", "5s"},
    };
    for (auto& [key, value] : overrides) values[key] = value;
    auto app = GatewayApp::Create(xuncha::Config::FromMap(values));
    EXPECT_TRUE(app.ok()) << app.status();
    if (!app.ok()) return nullptr;
    auto status = (*app)->Start();
    EXPECT_TRUE(status.ok()) << status;
    return std::move(*app);
  }

  bool started() const { return started_; }
  DirectoryProcess& directory() { return *directory_; }

 private:
  xuncha::testing::TestDatabase db_;
  std::string key_dir_;
  std::string public_key_file_;
  std::unique_ptr<DirectoryProcess> directory_;
  bool started_ = false;
};

class GatewayPgTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { env_ = new GatewayEnv(); }
  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(env_->started()) << "xuncha-directory did not start";
    gateway_ = env_->StartGateway();
    ASSERT_NE(gateway_, nullptr);
    port_ = gateway_->port();
  }

  std::string Login(const std::string& username, const std::string& password) {
    ClientResponse response =
        Request(port_, "POST", "/api/v1/auth/token",
                R"({"username":")" + username + R"(","password":")" + password + R"("})");
    EXPECT_EQ(response.status, 200) << response.body;
    return Field(response.body, "accessToken");
  }

  static std::vector<std::pair<std::string, std::string>> Bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }

  static GatewayEnv* env_;
  std::unique_ptr<GatewayApp> gateway_;
  int port_ = 0;
};

GatewayEnv* GatewayPgTest::env_ = nullptr;

TEST_F(GatewayPgTest, LoginCreateAndReadOrg) {
  std::string token = Login("admin", kAdminPassword);
  ASSERT_FALSE(token.empty());
  ClientResponse created = Request(port_, "POST", "/api/v1/orgs",
                                   R"({"name":"某市委","kind":"CITY_COMMITTEE"})", Bearer(token));
  ASSERT_EQ(created.status, 200) << created.body;
  std::string id = Field(created.body, "id");
  ASSERT_FALSE(id.empty()) << created.body;
  EXPECT_EQ(created.headers["content-type"], "application/json");

  ClientResponse read = Request(port_, "GET", "/api/v1/orgs/" + id, "",
                                {{"Authorization", "Bearer " + token}, {"X-Request-Id", "req-1"}});
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(Field(read.body, "name"), "某市委");
  EXPECT_EQ(Field(read.body, "kind"), "CITY_COMMITTEE");
  EXPECT_EQ(read.headers["x-request-id"], "req-1");
}

TEST_F(GatewayPgTest, RequestIdIsGeneratedWhenAbsent) {
  ClientResponse response = Request(port_, "GET", "/healthz");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.headers["x-request-id"].size(), 32u);
}

TEST_F(GatewayPgTest, MissingOrBadTokenIs401) {
  ClientResponse missing = Request(port_, "GET", "/api/v1/orgs/u1");
  EXPECT_EQ(missing.status, 401) << missing.body;
  EXPECT_EQ(Json(missing.body).fields().at("code").number_value(), 16);
  EXPECT_EQ(missing.headers["www-authenticate"], "Bearer");
  ClientResponse bad = Request(port_, "GET", "/api/v1/orgs/u1", "", Bearer("not.a.token"));
  EXPECT_EQ(bad.status, 401) << bad.body;
}

TEST_F(GatewayPgTest, OtherCountyIsForbidden) {
  std::string admin = Login("admin", kAdminPassword);
  auto create = [&](const std::string& path, const std::string& body) {
    ClientResponse response = Request(port_, "POST", path, body, Bearer(admin));
    EXPECT_EQ(response.status, 200) << path << " " << body << " -> " << response.body;
    return Field(response.body, "id");
  };
  std::string city = create("/api/v1/orgs", R"({"name":"市委X","kind":"CITY_COMMITTEE"})");
  std::string county_a = create(
      "/api/v1/orgs", R"({"name":"甲县委","kind":"COUNTY_COMMITTEE","parent":")" + city + "\"}");
  std::string county_b = create(
      "/api/v1/orgs", R"({"name":"乙县委","kind":"COUNTY_COMMITTEE","parent":")" + city + "\"}");
  std::string office_a =
      create("/api/v1/offices", R"({"orgUnitId":")" + county_a + R"(","name":"甲县委巡察办"})");
  create("/api/v1/offices", R"({"orgUnitId":")" + county_b + R"(","name":"乙县委巡察办"})");
  ClientResponse user =
      Request(port_, "POST", "/api/v1/users",
              R"({"user":{"username":"county_a_admin","officeId":")" + office_a +
                  R"(","roles":["OFFICE_ADMIN"]},"password":"county-a-password-123"})",
              Bearer(admin));
  ASSERT_EQ(user.status, 200) << user.body;
  std::string token_a = Login("county_a_admin", "county-a-password-123");
  ASSERT_FALSE(token_a.empty());
  EXPECT_EQ(Request(port_, "GET", "/api/v1/orgs/" + county_a, "", Bearer(token_a)).status, 200);
  ClientResponse other = Request(port_, "GET", "/api/v1/orgs/" + county_b, "", Bearer(token_a));
  EXPECT_EQ(other.status, 403) << other.body;
  EXPECT_NE(other.body.find("\"code\":7"), std::string::npos) << other.body;
}

TEST_F(GatewayPgTest, BadBodiesAre400) {
  std::string token = Login("admin", kAdminPassword);
  ClientResponse malformed = Request(port_, "POST", "/api/v1/orgs", R"({"name":)", Bearer(token));
  EXPECT_EQ(malformed.status, 400) << malformed.body;
  EXPECT_EQ(Json(malformed.body).fields().at("code").number_value(), 3);
  ClientResponse unknown =
      Request(port_, "POST", "/api/v1/orgs", R"({"name":"x","colour":"red"})", Bearer(token));
  EXPECT_EQ(unknown.status, 400) << unknown.body;
  EXPECT_NE(unknown.body.find("colour"), std::string::npos) << unknown.body;
  ClientResponse wrong_type =
      Request(port_, "POST", "/api/v1/orgs", R"({"name":["x"]})", Bearer(token));
  EXPECT_EQ(wrong_type.status, 400) << wrong_type.body;
  ClientResponse bad_query = Request(port_, "GET", "/api/v1/orgs?pageSize=lots", "", Bearer(token));
  EXPECT_EQ(bad_query.status, 400) << bad_query.body;
}

TEST_F(GatewayPgTest, OversizedBodyIs413) {
  std::string big = R"({"name":")" + std::string(70000, 'x') + "\"}";
  ClientResponse response = Request(port_, "POST", "/api/v1/auth/token", big);
  EXPECT_EQ(response.status, 413) << response.body;
}

TEST_F(GatewayPgTest, HugeHeaderIs431) {
  ClientResponse response =
      Request(port_, "GET", "/healthz", "", {{"X-Padding", std::string(20000, 'p')}});
  EXPECT_EQ(response.status, 431) << response.body;
}

TEST_F(GatewayPgTest, SlowRequestIs408) {
  auto start = std::chrono::steady_clock::now();
  std::string raw = testing::RawExchange(port_, "GET /healthz HTTP/1.1\r\nHost: x\r\n", 6000);
  auto responses = testing::ParseResponses(raw);
  ASSERT_EQ(responses.size(), 1u) << raw;
  EXPECT_EQ(responses[0].status, 408);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(GatewayPgTest, UnknownRouteAndWrongMethod) {
  ClientResponse unknown = Request(port_, "GET", "/api/v1/nothing/here");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Json(unknown.body).fields().at("code").number_value(), 5);
  ClientResponse wrong = Request(port_, "DELETE", "/api/v1/orgs/u1");
  EXPECT_EQ(wrong.status, 405) << wrong.body;
  EXPECT_EQ(wrong.headers["allow"], "GET, PATCH");
}

TEST_F(GatewayPgTest, PipelinedRequestsAnsweredInOrder) {
  std::string raw = testing::RawExchange(
      port_,
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /api/v1/nothing HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto responses = testing::ParseResponses(raw);
  ASSERT_EQ(responses.size(), 3u) << raw.substr(0, 2000);
  EXPECT_EQ(responses[0].status, 200);
  EXPECT_EQ(responses[1].status, 404);
  EXPECT_EQ(responses[2].status, 200);
  EXPECT_EQ(Json(responses[2].body).fields().at("openapi").string_value().substr(0, 2), "3.");
}

// An answer larger than the socket takes at once (a client reading slowly through a small window)
// is finished later by the server, and the connection then carries the next request.
TEST_F(GatewayPgTest, LargeAnswerToSlowReaderArrivesWholeAndInOrder) {
  // Larger than a loopback socket's send buffer grows to (a few MiB), so that the first write
  // cannot take it all.
  std::string content(12u << 20, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>((i * 131) >> 7);
  std::string dir = xuncha::testing::MakeTempDir();
  xuncha::testing::WriteFile(dir + "/big.bin", content);
  auto gateway = env_->StartGateway({{"static_dir", dir}});
  ASSERT_NE(gateway, nullptr);
  std::string raw =
      testing::RawExchange(gateway->port(),
                           "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"
                           "GET /api/v1/nothing HTTP/1.1\r\nHost: x\r\n\r\n"
                           "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                           20000, /*receive_buffer_bytes=*/4096, /*read_delay_ms=*/300);
  auto responses = testing::ParseResponses(raw);
  ASSERT_EQ(responses.size(), 3u) << raw.substr(0, 500);
  EXPECT_EQ(responses[0].status, 200);
  EXPECT_TRUE(responses[0].body == content) << "got " << responses[0].body.size() << " bytes";
  EXPECT_EQ(responses[1].status, 404);
  EXPECT_EQ(responses[2].status, 200);
}

TEST_F(GatewayPgTest, ReadinessAndMetrics) {
  ClientResponse ready = Request(port_, "GET", "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  Request(port_, "GET", "/api/v1/orgs/u1");
  ClientResponse metrics = Request(port_, "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find(
                R"(xuncha_gateway_requests_total{route="GET /api/v1/orgs/{id}",code="401"} 1)"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("xuncha_gateway_request_duration_seconds_bucket"), std::string::npos);
}

TEST_F(GatewayPgTest, RateLimitAnswers429) {
  auto limited =
      env_->StartGateway({{"rate_limit_address_rps", "0.1"}, {"rate_limit_address_burst", "3"}});
  ASSERT_NE(limited, nullptr);
  int statuses[5];
  ClientResponse last;
  for (int& status : statuses) {
    last = Request(limited->port(), "GET", "/api/v1/orgs/u1");
    status = last.status;
  }
  EXPECT_EQ(statuses[0], 401);  // allowed through the limiter, refused for lack of a token
  EXPECT_EQ(statuses[2], 401);
  EXPECT_EQ(statuses[3], 429);
  EXPECT_EQ(statuses[4], 429);
  EXPECT_FALSE(last.headers["retry-after"].empty());
  EXPECT_GE(std::atoi(last.headers["retry-after"].c_str()), 1);
}

// Leases (rate_limiter.h): each gateway takes tokens from the shared bucket ten at a time and
// spends them locally; together they never admit more than the bucket holds.
TEST_F(GatewayPgTest, RateLimitLeasesNeverAdmitMoreThanTheBucket) {
  const std::map<std::string, std::string> limits = {
      {"rate_limit_key_prefix", xuncha::testing::UniqueName("gwlease") + ":"},
      {"rate_limit_address_rps", "0.01"},
      {"rate_limit_address_burst", "30"},
      {"rate_limit_lease_max", "10"},
      {"rate_limit_lease_ttl", "60s"}};
  auto a = env_->StartGateway(limits);
  auto b = env_->StartGateway(limits);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  auto admitted = [&](int port, int requests) {
    int n = 0;
    for (int i = 0; i < requests; ++i) {
      const int status = Request(port, "GET", "/api/v1/orgs/u1").status;
      EXPECT_TRUE(status == 401 || status == 429) << status;
      if (status == 401) ++n;  // through the limiter, refused for lack of a token
    }
    return n;
  };
  // A leases 10 + 10 and spends 15; B gets the 10 left in the bucket, then 429.
  EXPECT_EQ(admitted(a->port(), 15), 15);
  EXPECT_EQ(admitted(b->port(), 15), 10);
  // A still holds 5 of its lease; then it is refused too.
  EXPECT_EQ(admitted(a->port(), 8), 5);
}

TEST_F(GatewayPgTest, RedisDownFailsOpen) {
  auto gateway = env_->StartGateway({{"redis", "127.0.0.1:1"},
                                     {"rate_limit_address_rps", "0.1"},
                                     {"rate_limit_address_burst", "1"}});
  ASSERT_NE(gateway, nullptr);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Request(gateway->port(), "GET", "/api/v1/orgs/u1").status, 401);
  }
}

TEST_F(GatewayPgTest, UnconfiguredBackendIs503) {
  auto gateway = env_->StartGateway({{"directory_addr", ""}});
  ASSERT_NE(gateway, nullptr);
  ClientResponse response = Request(gateway->port(), "POST", "/api/v1/auth/token", "{}");
  EXPECT_EQ(response.status, 503);
  EXPECT_NE(response.body.find("backend directory not configured"), std::string::npos)
      << response.body;
}

// Last: it stops the directory (and starts it again for any test that runs after it).
// Runs a command and returns what it printed on stdout.
std::string Capture(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  std::size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
  pclose(pipe);
  return out;
}

TEST_F(GatewayPgTest, ServesHttpsWhenGivenACertificate) {
  // A self-signed certificate for 127.0.0.1, made for this test.
  const std::string dir = xuncha::testing::MakeTempDir();
  ASSERT_EQ(std::system(("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
                         "-addext subjectAltName=IP:127.0.0.1 -keyout " +
                         dir + "/key.pem -out " + dir + "/cert.pem 2>/dev/null")
                            .c_str()),
            0);
  auto tls = env_->StartGateway(
      {{"tls_cert_file", dir + "/cert.pem"}, {"tls_key_file", dir + "/key.pem"}});
  ASSERT_NE(tls, nullptr);
  const std::string base = "https://127.0.0.1:" + std::to_string(tls->port());
  // curl verifies the certificate against the test's CA file.
  EXPECT_EQ(Capture("curl -s --cacert " + dir + "/cert.pem " + base + "/healthz"),
            R"({"status":"ok"})");
  const std::string token =
      Capture("curl -s --cacert " + dir +
              "/cert.pem -H 'Content-Type: application/json' -d "
              "'{\"username\":\"admin\",\"password\":\"" +
              std::string(kAdminPassword) + "\"}' " + base + "/api/v1/auth/token");
  EXPECT_NE(Field(token, "accessToken"), "") << token;
  // Plain HTTP on the TLS port gets no HTTP answer.
  EXPECT_EQ(Request(tls->port(), "GET", "/healthz").status, 0);
  // A missing key file is a clear start-up error, not a silent plain-HTTP server.
  auto bad = GatewayApp::Create(xuncha::Config::FromMap({{"http_listen", "127.0.0.1:0"},
                                                         {"tls_cert_file", dir + "/cert.pem"},
                                                         {"tls_key_file", dir + "/missing.pem"}}));
  if (bad.ok()) {
    absl::Status started = (*bad)->Start();
    EXPECT_EQ(started.code(), absl::StatusCode::kInvalidArgument) << started;
  }
}

TEST_F(GatewayPgTest, StoppedBackendIs503NotAHang) {
  env_->directory().Stop();
  auto start = std::chrono::steady_clock::now();
  ClientResponse response =
      Request(port_, "POST", "/api/v1/auth/token", R"({"username":"admin","password":"x"})");
  EXPECT_EQ(response.status, 503) << response.body;
  EXPECT_NE(response.body.find("directory"), std::string::npos) << response.body;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
  EXPECT_EQ(Request(port_, "GET", "/readyz").status, 503);
  EXPECT_TRUE(env_->directory().Start());
}

}  // namespace
}  // namespace xuncha::gateway
