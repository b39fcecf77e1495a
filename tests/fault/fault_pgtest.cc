// Fault tests: real processes (directory, gateway, PostgreSQL, Redis) are killed, stopped and
// restarted under a write load on loopback; each test prints its figures and asserts that no
// acknowledged write is lost, nothing is applied twice and every event has exactly one effect.
// Short form here (each well under a minute); XUNCHA_FAULT_SCALE=10 runs ten times the load.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "http_client.h"
#include "process.h"
#include "test_env.h"
#include "xuncha/auth.h"
#include "xuncha/directory/v1/directory.grpc.pb.h"
#include "xuncha/migrations.h"
#include "xuncha/outbox.h"
#include "xuncha/pg.h"
#include "xuncha/redis.h"

namespace xuncha {
namespace {

namespace v1 = ::xuncha::directory::v1;
using gateway::testing::ClientResponse;
using gateway::testing::Request;
using testing::ChildProcess;

constexpr char kAdminPassword[] = "fault-test-admin-password";
constexpr char kJson[] = "application/json";

int Scale() {
  const char* s = std::getenv("XUNCHA_FAULT_SCALE");
  return s != nullptr && std::atoi(s) > 0 ? std::atoi(s) : 1;
}

std::string JsonField(const std::string& json, const std::string& key) {
  google::protobuf::Struct value;
  if (!google::protobuf::util::JsonStringToMessage(json, &value).ok()) return "";
  auto it = value.fields().find(key);
  return it == value.fields().end() ? "" : it->second.string_value();
}

int64_t Count(const std::string& url, const std::string& schema, const std::string& sql) {
  PgPoolOptions o;
  o.url = url;
  o.schema = schema;
  o.size = 1;
  PgPool pool(o);
  return pool
      .TransactWith<int64_t>(
          [&](pqxx::work& tx) -> absl::StatusOr<int64_t> { return tx.exec1(sql)[0].as<int64_t>(); })
      .value_or(-1);
}

// The platform on loopback: directory (+ its relay) and the gateway as child processes.
class Platform {
 public:
  Platform(std::string db_url, std::string redis)
      : db_url_(std::move(db_url)), redis_(std::move(redis)) {
    dir_ = testing::MakeTempDir();
    auto keys = testing::WriteTokenKeys(dir_);
    EXPECT_TRUE(keys.ok()) << keys.status();
    if (keys.ok()) keys_ = *std::move(keys);
    grpc_port_ = testing::FreePort();
    http_port_ = testing::FreePort();
    stream_prefix_ = testing::UniqueName("fault:");
  }

  bool StartDirectory() {
    bool started =
        directory_.Start({XUNCHA_DIRECTORY_BIN, absl::StrCat("--listen=127.0.0.1:", grpc_port_),
                          "--db_url=" + db_url_, "--redis=" + redis_,
                          "--token_private_key_file=" + keys_.private_key_file,
                          std::string("--admin_password=") + kAdminPassword, "--password_hash=fast",
                          "--db_statement_timeout=2s", "--event_stream_prefix=" + stream_prefix_},
                         dir_ + "/directory.log");
    return started && testing::WaitForServing(grpc_address(), 30000);
  }
  void KillDirectory() { directory_.Stop(SIGKILL); }

  bool StartGateway() {
    bool started = gateway_.Start(
        {XUNCHA_GATEWAY_BIN, absl::StrCat("--http_listen=127.0.0.1:", http_port_),
         "--directory_addr=" + grpc_address(), "--token_public_key_file=" + keys_.public_key_file,
         "--redis=" + redis_, "--rate_limit_address_rps=0", "--rate_limit_principal_rps=0",
         "--default_deadline=5s"},
        dir_ + "/gateway.log");
    for (int i = 0; started && i < 300; ++i) {
      if (Request(http_port_, "GET", "/healthz").status == 200) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  }

  std::string Login() {
    ClientResponse r =
        Request(http_port_, "POST", "/api/v1/auth/token",
                absl::StrCat(R"({"username":"admin","password":")", kAdminPassword, "\"}"),
                {{"Content-Type", kJson}});
    return JsonField(r.body, "accessToken");
  }

  // An office to record people in (people have no natural key, so duplicates would show).
  std::string MakeOffice(const std::string& token) {
    auto auth = Auth(token);
    ClientResponse org = Request(http_port_, "POST", "/api/v1/orgs",
                                 R"({"name":"某市委","kind":"CITY_COMMITTEE"})", auth);
    ClientResponse office = Request(
        http_port_, "POST", "/api/v1/offices",
        absl::StrCat(R"({"name":"某市委巡察办","orgUnitId":")", JsonField(org.body, "id"), "\"}"),
        auth);
    return JsonField(office.body, "id");
  }

  std::vector<std::pair<std::string, std::string>> Auth(const std::string& token) const {
    return {{"Authorization", "Bearer " + token}, {"Content-Type", kJson}};
  }

  std::string grpc_address() const { return absl::StrCat("127.0.0.1:", grpc_port_); }
  int http_port() const { return http_port_; }
  const std::string& stream_prefix() const { return stream_prefix_; }
  const std::string& log_dir() const { return dir_; }

 private:
  std::string db_url_, redis_, dir_, stream_prefix_;
  testing::TokenKeys keys_;
  int grpc_port_ = 0, http_port_ = 0;
  ChildProcess directory_, gateway_;
};

// Writers that create people through the gateway, each with its own Idempotency-Key, and retry
// whatever was not acknowledged with the same key once the platform is back.
struct WriteLoad {
  struct Attempt {
    std::string key, body, id;
  };
  std::mutex mu;
  std::vector<Attempt> acked, unacked;
  std::atomic<int> attempted{0};

  void Run(const Platform& p, const std::string& token, const std::string& office, int writers,
           int per_writer, const std::string& batch = "") {
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w) {
      threads.emplace_back([&, w] {
        for (int i = 0; i < per_writer; ++i) {
          Attempt a;
          a.key = absl::StrCat(batch, "w", w, "-", i);
          a.body = absl::StrCat(R"({"name":"人员-)", a.key, R"(","officeId":")", office, "\"}");
          ++attempted;
          ClientResponse r = Send(p, token, a);
          std::lock_guard lock(mu);
          if (r.status == 200) {
            a.id = JsonField(r.body, "id");
            acked.push_back(a);
          } else {
            unacked.push_back(a);
          }
        }
      });
    }
    for (auto& t : threads) t.join();
  }

  static ClientResponse Send(const Platform& p, const std::string& token, const Attempt& a) {
    auto headers = p.Auth(token);
    headers.emplace_back("Idempotency-Key", a.key);
    return Request(p.http_port(), "POST", "/api/v1/people", a.body, headers);
  }

  // Retries every unacknowledged write with its own key until it is acknowledged.
  int RetryUnacked(const Platform& p, const std::string& token) {
    int retried = 0;
    for (auto& a : unacked) {
      for (int attempt = 0; attempt < 50; ++attempt) {
        ClientResponse r = Send(p, token, a);
        if (r.status == 200) {
          a.id = JsonField(r.body, "id");
          acked.push_back(a);
          ++retried;
          break;
        }
        absl::SleepFor(absl::Milliseconds(100));
      }
    }
    return retried;
  }
};

TEST(FaultTest, KillDirectoryDuringWritesLosesNothingAndDuplicatesNothing) {
  testing::TestDatabase db;
  Platform p(db.url(), testing::RedisAddress());
  ASSERT_TRUE(p.StartDirectory());
  ASSERT_TRUE(p.StartGateway());
  const std::string token = p.Login();
  ASSERT_FALSE(token.empty());
  const std::string office = p.MakeOffice(token);
  ASSERT_FALSE(office.empty());

  WriteLoad load;
  const int per_writer = 100 * Scale();
  std::thread killer([&] {
    // Kill once a quarter of the writes have been sent: mid-load whatever the machine's speed.
    for (int i = 0; i < 3000 && load.attempted.load() < per_writer; ++i) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    p.KillDirectory();  // kill -9 in the middle of the load
    absl::SleepFor(absl::Milliseconds(500));
    EXPECT_TRUE(p.StartDirectory());
  });
  load.Run(p, token, office, 4, per_writer);
  killer.join();
  const size_t first_acked = load.acked.size();
  const int retried = load.RetryUnacked(p, token);

  const int64_t found = Count(db.url(), "directory", "SELECT count(*) FROM people");
  const int64_t duplicates =
      Count(db.url(), "directory",
            "SELECT count(*) FROM (SELECT name FROM people GROUP BY name HAVING count(*) > 1) d");
  int64_t acked_found = 0;
  for (const auto& a : load.acked) {
    acked_found +=
        Count(db.url(), "directory", "SELECT count(*) FROM people WHERE id = '" + a.id + "'::uuid");
  }
  std::printf(
      "[fault] kill -9 directory: attempted=%d acknowledged=%zu unacknowledged=%zu retried=%d "
      "found=%lld acknowledged_found=%lld duplicates=%lld\n",
      load.attempted.load(), first_acked, load.unacked.size(), retried,
      static_cast<long long>(found), static_cast<long long>(acked_found),
      static_cast<long long>(duplicates));
  EXPECT_GT(load.unacked.size(), 0u) << "the kill should have interrupted some writes";
  EXPECT_EQ(load.acked.size(), static_cast<size_t>(load.attempted.load()));
  EXPECT_EQ(found, load.attempted.load());
  EXPECT_EQ(acked_found, static_cast<int64_t>(load.acked.size()));
  EXPECT_EQ(duplicates, 0);
}

// Consumer side of the checks below: applies each directory event once into its own table.
struct EffectCounter {
  explicit EffectCounter(const std::string& url, RedisClient& redis, const std::string& stream) {
    PgPoolOptions o;
    o.url = url;
    o.schema = "fault_consumer";
    pool = std::make_unique<PgPool>(o);
    EmbeddedFile files[] = {
        {"0001_effects.sql", "CREATE TABLE effects (event_id text NOT NULL, type text NOT NULL);"}};
    absl::Status migrated = MigrateServiceSchema(*pool, "fault_consumer", {files, 1});
    EXPECT_TRUE(migrated.ok()) << migrated;
    ConsumerOptions c;
    c.streams = {stream};
    c.group = "fault-consumer";
    c.consumer = "c1";
    c.block = absl::Milliseconds(100);
    consumer = std::make_unique<EventConsumer>(
        *pool, redis, c, [](pqxx::work& tx, const ConsumedEvent& e) {
          tx.exec_params("INSERT INTO effects (event_id, type) VALUES ($1, $2)", e.event_id,
                         e.type);
          return absl::OkStatus();
        });
  }
  int64_t Effects(const std::string& url) {
    return Count(url, "fault_consumer", "SELECT count(*) FROM effects");
  }
  int64_t Distinct(const std::string& url) {
    return Count(url, "fault_consumer", "SELECT count(DISTINCT event_id) FROM effects");
  }
  std::unique_ptr<PgPool> pool;
  std::unique_ptr<EventConsumer> consumer;
};

// Creates `n` org units straight over gRPC (the relay works the same whoever writes).
int WriteUnits(const std::string& address, const std::string& token, const std::string& parent,
               int from, int n) {
  auto stub = v1::DirectoryService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  int ok = 0;
  for (int i = from; i < from + n; ++i) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    ctx.AddMetadata("authorization", "Bearer " + token);
    v1::CreateOrgUnitRequest req;
    req.mutable_org_unit()->set_parent(parent);
    req.mutable_org_unit()->set_name(absl::StrCat("单位", i));
    req.mutable_org_unit()->set_kind(v1::OrgUnit::DEPARTMENT);
    v1::OrgUnit out;
    if (stub->CreateOrgUnit(&ctx, req, &out).ok()) ++ok;
  }
  return ok;
}

void DrainUntil(EffectCounter& counter, const std::string& url, int64_t expected) {
  for (int i = 0; i < 600 && counter.Effects(url) < expected; ++i) {
    auto polled = counter.consumer->PollOnce();
    if (!polled.ok()) absl::SleepFor(absl::Milliseconds(100));
  }
}

TEST(FaultTest, KillRelayMidStreamEveryEventHasExactlyOneEffect) {
  testing::TestDatabase db;
  RedisClient redis(*ParseRedisAddress(testing::RedisAddress()));
  Platform p(db.url(), testing::RedisAddress());
  ASSERT_TRUE(p.StartDirectory());
  ASSERT_TRUE(p.StartGateway());
  const std::string token = p.Login();
  const std::string parent =
      JsonField(Request(p.http_port(), "POST", "/api/v1/orgs",
                        R"({"name":"某市委","kind":"CITY_COMMITTEE"})", p.Auth(token))
                    .body,
                "id");
  ASSERT_FALSE(parent.empty());
  const int n = 60 * Scale();
  std::atomic<int> written{0};
  std::thread writer([&] { written += WriteUnits(p.grpc_address(), token, parent, 0, n); });
  absl::SleepFor(absl::Milliseconds(300));
  p.KillDirectory();  // the relay dies with it, possibly between XADD and its commit
  writer.join();
  ASSERT_TRUE(p.StartDirectory());
  written += WriteUnits(p.grpc_address(), token, parent, n, n);

  // Every committed event is eventually published...
  const std::string& url = db.url();
  for (int i = 0; i < 200; ++i) {
    if (Count(url, "directory", "SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  const int64_t outbox = Count(url, "directory", "SELECT count(*) FROM outbox");
  EXPECT_EQ(Count(url, "directory", "SELECT count(*) FROM outbox WHERE published_at IS NULL"), 0);
  // ...and a consumer that is itself killed half-way applies each exactly once.
  const std::string stream = p.stream_prefix() + ":directory";
  {
    EffectCounter first(url, redis, stream);
    ASSERT_TRUE(first.consumer->EnsureGroups().ok());
    // Read a batch and die without acknowledging it.
    ASSERT_TRUE(redis
                    .Command({"XREADGROUP", "GROUP", "fault-consumer", "dead", "COUNT", "10",
                              "STREAMS", stream, ">"})
                    .ok());
  }
  EffectCounter counter(url, redis, stream);
  DrainUntil(counter, url, outbox - 10);
  // The dead consumer's entries are claimed once they are idle; make them idle now.
  EventConsumer reclaimer(*counter.pool, redis,
                          {.streams = {stream},
                           .group = "fault-consumer",
                           .consumer = "reclaimer",
                           .block = absl::Milliseconds(50),
                           .claim_idle = absl::ZeroDuration()},
                          [](pqxx::work& tx, const ConsumedEvent& e) {
                            tx.exec_params("INSERT INTO effects (event_id, type) VALUES ($1, $2)",
                                           e.event_id, e.type);
                            return absl::OkStatus();
                          });
  for (int i = 0; i < 50 && counter.Effects(url) < outbox; ++i) (void)reclaimer.PollOnce();
  const long long stream_length = redis.Command({"XLEN", stream})->integer();
  std::printf(
      "[fault] kill -9 relay: writes_acknowledged=%d outbox_events=%lld stream_entries=%lld "
      "effects=%lld distinct=%lld\n",
      written.load(), static_cast<long long>(outbox), stream_length,
      static_cast<long long>(counter.Effects(url)), static_cast<long long>(counter.Distinct(url)));
  EXPECT_GE(outbox, written.load());  // every acknowledged write left its event
  EXPECT_GE(stream_length, outbox);   // at-least-once publishing
  EXPECT_EQ(counter.Effects(url), outbox);
  EXPECT_EQ(counter.Distinct(url), outbox);
}

TEST(FaultTest, RedisStoppedForTenSecondsWritesGoOnAndEventsFollow) {
  testing::TestDatabase db;
  const int redis_port = testing::FreePort();
  ChildProcess redis_server;
  const std::string tmp = testing::MakeTempDir();
  ASSERT_TRUE(redis_server.Start({"/usr/bin/redis-server", "--port", absl::StrCat(redis_port),
                                  "--bind", "127.0.0.1", "--save", "", "--dir", tmp},
                                 tmp + "/redis.log"));
  const std::string redis_address = absl::StrCat("127.0.0.1:", redis_port);
  RedisClient redis(*ParseRedisAddress(redis_address));
  for (int i = 0; i < 100 && !redis.Command({"PING"}).ok(); ++i) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  Platform p(db.url(), redis_address);
  ASSERT_TRUE(p.StartDirectory());
  ASSERT_TRUE(p.StartGateway());
  const std::string token = p.Login();
  const std::string office = p.MakeOffice(token);
  ASSERT_FALSE(office.empty());

  // SIGSTOP: Redis stops answering but keeps its connections and data (a hang, the harder case).
  kill(redis_server.pid(), SIGSTOP);
  WriteLoad during;
  const absl::Time stopped_at = absl::Now();
  for (int batch = 0; absl::Now() - stopped_at < absl::Seconds(10); ++batch) {
    during.Run(p, token, office, 2, 5, absl::StrCat("b", batch, "-"));
  }
  const int64_t outbox_waiting =
      Count(db.url(), "directory", "SELECT count(*) FROM outbox WHERE published_at IS NULL");
  kill(redis_server.pid(), SIGCONT);

  // Once Redis answers again the relay publishes what waited.
  for (int i = 0; i < 200; ++i) {
    if (Count(db.url(), "directory", "SELECT count(*) FROM outbox WHERE published_at IS NULL") ==
        0) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  const int64_t outbox = Count(db.url(), "directory", "SELECT count(*) FROM outbox");
  EffectCounter counter(db.url(), redis, p.stream_prefix() + ":directory");
  ASSERT_TRUE(counter.consumer->EnsureGroups().ok());
  DrainUntil(counter, db.url(), outbox);
  std::printf(
      "[fault] redis stopped 10s: writes_attempted=%d acknowledged=%zu failed=%zu "
      "events_waiting_at_resume=%lld events=%lld consumed=%lld\n",
      during.attempted.load(), during.acked.size(), during.unacked.size(),
      static_cast<long long>(outbox_waiting), static_cast<long long>(outbox),
      static_cast<long long>(counter.Distinct(db.url())));
  EXPECT_GT(during.attempted.load(), 0);
  EXPECT_EQ(during.unacked.size(), 0u) << "writes must not depend on Redis";
  EXPECT_GT(outbox_waiting, 0) << "events should have waited in the outbox";
  EXPECT_EQ(counter.Distinct(db.url()), outbox);
  EXPECT_EQ(counter.Effects(db.url()), outbox);
}

TEST(FaultTest, PostgresRestartFailsFastAndRecoversWithoutRestart) {
  testing::PrivatePostgres pg;
  ASSERT_TRUE(pg.Start());
  Platform p(pg.url(), testing::RedisAddress());
  ASSERT_TRUE(p.StartDirectory());
  ASSERT_TRUE(p.StartGateway());
  const std::string token = p.Login();
  const std::string office = p.MakeOffice(token);
  ASSERT_FALSE(office.empty());

  ASSERT_TRUE(pg.Stop());
  // While the database is down: answers are 503 from the service, never a 504 (a hang until the
  // deadline) and never a lost connection.
  std::map<int, int> statuses;
  for (int i = 0; i < 10; ++i) {
    WriteLoad::Attempt a{absl::StrCat("down-", i),
                         absl::StrCat(R"({"name":"停机-)", i, R"(","officeId":")", office, "\"}"),
                         ""};
    ++statuses[WriteLoad::Send(p, token, a).status];
  }
  // Health reports the outage once the service's next probe has run (every 2 s).
  ClientResponse ready;
  for (int i = 0; i < 50; ++i) {
    ready = Request(p.http_port(), "GET", "/readyz");
    if (ready.status == 503) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  ASSERT_TRUE(pg.Start());
  // Recovery without restarting anything.
  int recovered_after = -1;
  for (int i = 0; i < 100; ++i) {
    WriteLoad::Attempt a{absl::StrCat("up-", i),
                         absl::StrCat(R"({"name":"恢复-)", i, R"(","officeId":")", office, "\"}"),
                         ""};
    if (WriteLoad::Send(p, token, a).status == 200) {
      recovered_after = i;
      break;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  std::string summary;
  for (auto [status, n] : statuses) absl::StrAppend(&summary, " http", status, "=", n);
  std::printf("[fault] postgres down:%s readyz=%d recovered_after_attempts=%d\n", summary.c_str(),
              ready.status, recovered_after);
  EXPECT_EQ(statuses[503], 10) << summary;
  EXPECT_EQ(ready.status, 503);
  EXPECT_GE(recovered_after, 0);
}

}  // namespace
}  // namespace xuncha
