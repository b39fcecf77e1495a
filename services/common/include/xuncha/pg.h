// PostgreSQL access over libpqxx 6.4: a bounded pool of connections, one transaction per change,
// and one mapping of database failures to absl::Status.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace xuncha {

struct PgPoolOptions {
  std::string url;     // libpq connection string or URI
  std::string schema;  // search_path is "<schema>, public"
  int size = 4;        // connections at most
  absl::Duration acquire_timeout = absl::Seconds(2);
  absl::Duration connect_timeout = absl::Seconds(2);
  absl::Duration statement_timeout = absl::Seconds(5);
};

class PgPool;

// A pooled connection, returned to the pool when it goes out of scope. A connection that broke
// while in use is dropped instead, and the pool opens a fresh one on the next Acquire.
class PgConnection {
 public:
  PgConnection(PgConnection&& other) noexcept;
  PgConnection& operator=(PgConnection&&) = delete;
  ~PgConnection();

  pqxx::connection& get() { return *conn_; }
  pqxx::connection* operator->() { return conn_.get(); }
  void MarkBroken() { broken_ = true; }

 private:
  friend class PgPool;
  PgConnection(PgPool* pool, std::unique_ptr<pqxx::connection> conn);
  PgPool* pool_;
  std::unique_ptr<pqxx::connection> conn_;
  bool broken_ = false;
};

enum class Isolation { kReadCommitted, kRepeatableRead, kSerializable };

struct TxOptions {
  Isolation isolation = Isolation::kReadCommitted;
  bool read_only = false;
  int max_attempts = 3;  // serialization failures and deadlocks are retried
};

class PgPool {
 public:
  explicit PgPool(PgPoolOptions options);
  ~PgPool();
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // UNAVAILABLE when no connection can be had within acquire_timeout or the server is down.
  absl::StatusOr<PgConnection> Acquire();

  // Runs `body` in one transaction and commits when it returns OK; anything else rolls back.
  // Serialization failures and a connection that broke before commit are retried.
  absl::Status Transact(const std::function<absl::Status(pqxx::work&)>& body,
                        TxOptions options = {});

  template <typename T>
  absl::StatusOr<T> TransactWith(const std::function<absl::StatusOr<T>(pqxx::work&)>& body,
                                 TxOptions options = {}) {
    std::optional<T> result;
    absl::Status status = Transact(
        [&](pqxx::work& tx) -> absl::Status {
          absl::StatusOr<T> r = body(tx);
          if (!r.ok()) return r.status();
          result = std::move(r).value();
          return absl::OkStatus();
        },
        options);
    if (!status.ok()) return status;
    return std::move(*result);
  }

  // Runs a read outside a transaction block (pqxx::nontransaction): each statement commits on its
  // own and sees its own snapshot, which is all READ COMMITTED gives inside a transaction anyway,
  // while a single-row read takes one round trip instead of four (BEGIN, SET TRANSACTION, SELECT,
  // COMMIT). Reads that need one snapshot across statements use Transact with kRepeatableRead.
  // Repository reads take pqxx::transaction_base& and writes pqxx::work&, so a write cannot
  // compile inside Read. A connection that broke is retried once on a fresh one.
  absl::Status Read(const std::function<absl::Status(pqxx::transaction_base&)>& body);

  template <typename T>
  absl::StatusOr<T> ReadWith(
      const std::function<absl::StatusOr<T>(pqxx::transaction_base&)>& body) {
    std::optional<T> result;
    absl::Status status = Read([&](pqxx::transaction_base& tx) -> absl::Status {
      absl::StatusOr<T> r = body(tx);
      if (!r.ok()) return r.status();
      result = std::move(r).value();
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return std::move(*result);
  }

  // A cheap round trip used by health checks.
  absl::Status Ping();

  // A connection outside the pool with the pool's settings (schema, timeouts), for a session
  // that must live on its own, such as a LISTEN (pg_listen.h). UNAVAILABLE when unreachable.
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Connect();

  const PgPoolOptions& options() const { return options_; }

 private:
  friend class PgConnection;
  void Release(std::unique_ptr<pqxx::connection> conn, bool broken);

  PgPoolOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  int open_ = 0;  // connections handed out or idle
};

// The name PgExec prepares `sql` under: derived from the text, so the same query gets the same
// name on every connection and two different queries never share one.
std::string PreparedStatementName(absl::string_view sql);

// Runs a parameterised statement as a prepared statement: PostgreSQL parses and plans it once per
// connection instead of on every call. Parsing and planning were most of the server's time on a
// one-row read (tests/bench/RESULTS.md). libpqxx registers the statement with the server lazily,
// on first use on each connection, and re-defining a name with the same text is a no-op.
template <typename... Args>
pqxx::result PgExec(pqxx::transaction_base& tx, const std::string& sql, Args&&... args) {
  const std::string name = PreparedStatementName(sql);
  tx.conn().prepare(name, sql);
  return tx.exec_prepared(name, std::forward<Args>(args)...);
}

// PgExec for a statement that must return exactly one row (pqxx::unexpected_rows otherwise).
template <typename... Args>
pqxx::row PgExec1(pqxx::transaction_base& tx, const std::string& sql, Args&&... args) {
  const std::string name = PreparedStatementName(sql);
  tx.conn().prepare(name, sql);
  return tx.exec_prepared1(name, std::forward<Args>(args)...);
}

// PgExec for a statement whose best plan depends on its parameters: a roll-up over a scope that
// may hold one case or thousands. It is planned on every call with the values given. A prepared
// statement switches to a generic plan after five calls when that plan's estimate is cheaper, and
// for such a statement the generic plan assumes a one-row scope: nested loops that took the
// city's rectification statistics from 6 ms to 90 ms, and to 2.6 s when asked about another day
// (tests/bench/RESULTS.md). Planning costs well under a millisecond next to that.
template <typename... Args>
pqxx::result PgExecPlannedPerCall(pqxx::transaction_base& tx, const std::string& sql,
                                  Args&&... args) {
  return tx.exec_params(sql, std::forward<Args>(args)...);
}

// Maps a libpqxx/PostgreSQL failure to a status: broken connection → UNAVAILABLE, statement
// timeout → DEADLINE_EXCEEDED, unique violation → ALREADY_EXISTS, and so on.
absl::Status StatusFromPgException(const std::exception& e);

// The message ALREADY_EXISTS carries when a write hits the unique constraint or index
// `constraint` (its name in the schema): the field and the rule, as every other refusal, instead
// of PostgreSQL's text. Register at start-up; an unregistered one gets a generic message.
void DescribeUniqueViolation(std::string constraint, std::string message);

// A text[] literal for a parameter ("{\"a\",\"b\"}"), quoting every element.
std::string PgTextArray(const std::vector<std::string>& values);
// Parses a text[] value as PostgreSQL prints it.
std::vector<std::string> ParsePgTextArray(absl::string_view literal);

}  // namespace xuncha
