// The real servers that tests/run.sh starts for integration tests, and throwaway databases on
// them. A test that needs them and does not find them fails: it never skips silently.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "xuncha/auth.h"

namespace xuncha::testing {

// Superuser URL to the harness's PostgreSQL ("postgres" database), from XUNCHA_TEST_PG_URL.
std::string PgAdminUrl();
// "host:port" of the harness's Redis, from XUNCHA_TEST_REDIS.
std::string RedisAddress();
// The same server, another database.
std::string UrlForDatabase(const std::string& url, const std::string& database);
// Random lower-case name with a prefix, for databases, streams, groups.
std::string UniqueName(const std::string& prefix);
// A fresh directory under TMPDIR, removed by the OS cleanup of the harness's temp dir.
std::string MakeTempDir();
void WriteFile(const std::string& path, const std::string& content);

// A token key pair made for one test (keys are never committed), written to `dir` as
// token-private.pem and token-public.pem, and a signer (issuer "xuncha") for tests that mint
// their own tokens.
struct TokenKeys {
  std::string private_key_file;  // for the directory's --token_private_key_file
  std::string public_key_file;   // for everyone's --token_public_key_file
  std::shared_ptr<const TokenSigner> signer;
};
absl::StatusOr<TokenKeys> WriteTokenKeys(const std::string& dir);

// A database created for one test binary or fixture and dropped afterwards.
class TestDatabase {
 public:
  TestDatabase();
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& name() const { return name_; }
  const std::string& url() const { return url_; }

 private:
  std::string name_;
  std::string url_;
};

}  // namespace xuncha::testing

namespace xuncha::testing {

// A PostgreSQL 15 cluster of a test's own, for tests that stop or restart the server (the shared
// harness server must stay up for the other tests running in parallel).
class PrivatePostgres {
 public:
  PrivatePostgres();
  ~PrivatePostgres();
  bool Start();
  bool Stop();
  bool Restart() { return Stop() && Start(); }
  int port() const { return port_; }
  std::string url() const;  // superuser URL to the "postgres" database

 private:
  bool Run(const std::string& command);
  std::string dir_;
  int port_ = 0;
};

// A free TCP port on 127.0.0.1 (bound and released; good enough for tests).
int FreePort();

}  // namespace xuncha::testing
