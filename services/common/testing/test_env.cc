#include "test_env.h"

#include <gtest/gtest.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"

namespace xuncha::testing {
namespace {

std::string RequireEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    std::cerr << name << " is not set: integration tests need the PostgreSQL and Redis that "
              << "tests/run.sh starts (run them through tests/run.sh)\n";
    std::abort();
  }
  return value;
}

}  // namespace

std::string PgAdminUrl() { return RequireEnv("XUNCHA_TEST_PG_URL"); }
std::string RedisAddress() { return RequireEnv("XUNCHA_TEST_REDIS"); }

std::string UrlForDatabase(const std::string& url, const std::string& database) {
  // postgresql://user@host:port/db[?query]
  std::size_t scheme = url.find("://");
  std::size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  std::size_t query = url.find('?');
  std::string base = slash == std::string::npos ? url : url.substr(0, slash);
  std::string rest = query == std::string::npos ? "" : url.substr(query);
  return absl::StrCat(base, "/", database, rest);
}

std::string UniqueName(const std::string& prefix) {
  unsigned char bytes[6];
  RAND_bytes(bytes, sizeof(bytes));
  std::string out = prefix;
  for (unsigned char b : bytes) {
    out.push_back("abcdefghijklmnopqrstuvwxyz0123456789"[b % 36]);
  }
  return out;
}

std::string MakeTempDir() {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / UniqueName("xuncha-test-");
  std::filesystem::create_directories(dir);
  return dir.string();
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

absl::StatusOr<TokenKeys> WriteTokenKeys(const std::string& dir) {
  auto pair = GenerateEd25519KeyPair();
  if (!pair.ok()) return pair.status();
  auto signer = TokenSigner::FromPrivatePem(pair->private_pem, "xuncha");
  if (!signer.ok()) return signer.status();
  TokenKeys keys;
  keys.private_key_file = dir + "/token-private.pem";
  keys.public_key_file = dir + "/token-public.pem";
  WriteFile(keys.private_key_file, pair->private_pem);
  WriteFile(keys.public_key_file, pair->public_pem);
  keys.signer = std::make_shared<const TokenSigner>(*std::move(signer));
  return keys;
}

TestDatabase::TestDatabase() : name_(UniqueName("xt_")) {
  pqxx::connection admin(PgAdminUrl());
  pqxx::nontransaction tx(admin);
  tx.exec("CREATE DATABASE " + tx.quote_name(name_));
  url_ = UrlForDatabase(PgAdminUrl(), name_);
}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection admin(PgAdminUrl());
    pqxx::nontransaction tx(admin);
    tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name_) + " WITH (FORCE)");
  } catch (const std::exception& e) {
    std::cerr << "dropping test database " << name_ << ": " << e.what() << "\n";
  }
}

}  // namespace xuncha::testing

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace xuncha::testing {
namespace {
constexpr char kPgBin[] = "/usr/lib/postgresql/15/bin";
}  // namespace

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

PrivatePostgres::PrivatePostgres() : dir_(MakeTempDir()), port_(FreePort()) {
  if (geteuid() == 0) std::system(("chown postgres " + dir_).c_str());
  Run(absl::StrCat(kPgBin, "/initdb -D ", dir_, "/data -A trust -U postgres >/dev/null"));
}

PrivatePostgres::~PrivatePostgres() {
  Run(absl::StrCat(kPgBin, "/pg_ctl -D ", dir_, "/data -m immediate stop >/dev/null 2>&1"));
  std::filesystem::remove_all(dir_);
}

bool PrivatePostgres::Run(const std::string& command) {
  // initdb refuses to run as root, so the server runs as the postgres user.
  std::string full = geteuid() == 0 ? "runuser -u postgres -- sh -c '" + command + "'" : command;
  return std::system(full.c_str()) == 0;
}

bool PrivatePostgres::Start() {
  return Run(absl::StrCat(kPgBin, "/pg_ctl -D ", dir_, "/data -w -l ", dir_, "/log -o \"-p ", port_,
                          " -c listen_addresses=127.0.0.1 -k ", dir_, "\" start >/dev/null"));
}

bool PrivatePostgres::Stop() {
  return Run(absl::StrCat(kPgBin, "/pg_ctl -D ", dir_, "/data -w -m fast stop >/dev/null"));
}

std::string PrivatePostgres::url() const {
  return absl::StrCat("postgresql://postgres@127.0.0.1:", port_, "/postgres");
}

}  // namespace xuncha::testing
