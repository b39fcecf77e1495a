#include "xuncha/pg.h"

#include <map>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "xuncha/crypto.h"
#include "xuncha/log.h"

namespace xuncha {

PgConnection::PgConnection(PgPool* pool, std::unique_ptr<pqxx::connection> conn)
    : pool_(pool), conn_(std::move(conn)) {}

PgConnection::PgConnection(PgConnection&& other) noexcept
    : pool_(other.pool_), conn_(std::move(other.conn_)), broken_(other.broken_) {
  other.pool_ = nullptr;
}

PgConnection::~PgConnection() {
  if (pool_ != nullptr && conn_ != nullptr) pool_->Release(std::move(conn_), broken_);
}

PgPool::PgPool(PgPoolOptions options) : options_(std::move(options)) {}

PgPool::~PgPool() = default;

absl::StatusOr<std::unique_ptr<pqxx::connection>> PgPool::Connect() {
  // connect_timeout bounds the TCP/auth handshake; keepalives notice a server that vanished.
  std::string conninfo = options_.url;
  const bool uri = conninfo.starts_with("postgres://") || conninfo.starts_with("postgresql://");
  const std::string timeout =
      absl::StrCat(std::max<int64_t>(1, absl::ToInt64Seconds(options_.connect_timeout)));
  if (uri) {
    absl::StrAppend(&conninfo, conninfo.find('?') == std::string::npos ? "?" : "&",
                    "connect_timeout=", timeout,
                    "&keepalives=1&keepalives_idle=10&keepalives_interval=2&keepalives_count=3");
  } else {
    absl::StrAppend(&conninfo, " connect_timeout=", timeout,
                    " keepalives=1 keepalives_idle=10 keepalives_interval=2 keepalives_count=3");
  }
  try {
    auto conn = std::make_unique<pqxx::connection>(conninfo);
    pqxx::nontransaction tx(*conn);
    tx.exec(absl::StrCat("SET statement_timeout = ",
                         absl::ToInt64Milliseconds(options_.statement_timeout)));
    if (!options_.schema.empty()) {
      tx.exec(absl::StrCat("SET search_path = ", tx.quote_name(options_.schema), ", public"));
    }
    return conn;
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("database unreachable: ", e.what()));
  }
}

absl::StatusOr<PgConnection> PgPool::Acquire() {
  std::unique_lock lock(mu_);
  const auto deadline =
      std::chrono::steady_clock::now() + absl::ToChronoMilliseconds(options_.acquire_timeout);
  while (idle_.empty() && open_ >= options_.size) {
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.size) {
      return absl::UnavailableError(absl::StrCat("database busy: no connection free within ",
                                                 absl::FormatDuration(options_.acquire_timeout)));
    }
  }
  if (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    return PgConnection(this, std::move(conn));
  }
  ++open_;
  lock.unlock();
  auto conn = Connect();
  if (!conn.ok()) {
    lock.lock();
    --open_;
    cv_.notify_one();
    return conn.status();
  }
  return PgConnection(this, std::move(conn).value());
}

void PgPool::Release(std::unique_ptr<pqxx::connection> conn, bool broken) {
  std::lock_guard lock(mu_);
  if (broken || !conn->is_open()) {
    --open_;
    conn.reset();
  } else {
    idle_.push_back(std::move(conn));
  }
  cv_.notify_one();
}

namespace {

absl::string_view BeginStatement(const TxOptions& options) {
  switch (options.isolation) {
    case Isolation::kSerializable:
      return options.read_only ? "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE READ ONLY"
                               : "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE";
    case Isolation::kRepeatableRead:
      return options.read_only ? "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"
                               : "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ";
    case Isolation::kReadCommitted:
      return options.read_only ? "SET TRANSACTION READ ONLY" : "";
  }
  return "";
}

}  // namespace

absl::Status PgPool::Transact(const std::function<absl::Status(pqxx::work&)>& body,
                              TxOptions options) {
  absl::Status last;
  for (int attempt = 1; attempt <= std::max(1, options.max_attempts); ++attempt) {
    auto conn = Acquire();
    if (!conn.ok()) return conn.status();
    bool retry = false;
    try {
      pqxx::work tx(conn->get());
      if (auto begin = BeginStatement(options); !begin.empty()) tx.exec(std::string(begin));
      absl::Status status = body(tx);
      if (!status.ok()) {
        tx.abort();
        return status;
      }
      tx.commit();
      return absl::OkStatus();
    } catch (const pqxx::in_doubt_error& e) {
      // The commit may or may not have happened; retrying could apply the change twice.
      conn->MarkBroken();
      return absl::UnavailableError(
          absl::StrCat("database connection lost during commit: ", e.what()));
    } catch (const pqxx::broken_connection& e) {
      conn->MarkBroken();
      last = StatusFromPgException(e);
      retry = true;  // nothing was committed: safe to run again on a fresh connection
    } catch (const pqxx::transaction_rollback& e) {
      last = StatusFromPgException(e);
      retry = true;  // serialization failure or deadlock: the server rolled back
    } catch (const std::exception& e) {
      if (!conn->get().is_open()) conn->MarkBroken();
      return StatusFromPgException(e);
    }
    if (!retry) break;
  }
  return last;
}

absl::Status PgPool::Read(const std::function<absl::Status(pqxx::transaction_base&)>& body) {
  absl::Status last;
  for (int attempt = 1; attempt <= 2; ++attempt) {
    auto conn = Acquire();
    if (!conn.ok()) return conn.status();
    try {
      pqxx::nontransaction tx(conn->get());
      return body(tx);
    } catch (const pqxx::broken_connection& e) {
      conn->MarkBroken();
      last = StatusFromPgException(e);  // a read is safe to run again on a fresh connection
    } catch (const std::exception& e) {
      if (!conn->get().is_open()) conn->MarkBroken();
      return StatusFromPgException(e);
    }
  }
  return last;
}

absl::Status PgPool::Ping() {
  auto conn = Acquire();
  if (!conn.ok()) return conn.status();
  try {
    pqxx::nontransaction tx(conn->get());
    tx.exec("SELECT 1");
    return absl::OkStatus();
  } catch (const std::exception& e) {
    conn->MarkBroken();
    return StatusFromPgException(e);
  }
}

std::string PreparedStatementName(absl::string_view sql) {
  // 128 bits of SHA-256: a collision between two query texts of one program is not a concern.
  return absl::StrCat("q_", Sha256Hex(sql).substr(0, 32));
}

namespace {

struct UniqueMessages {
  std::mutex mu;
  std::map<std::string, std::string, std::less<>> by_constraint;
};

UniqueMessages& Unique() {
  static auto* messages = new UniqueMessages;
  return *messages;
}

// PostgreSQL's 23505 text: `duplicate key value violates unique constraint "name"` and a DETAIL
// line with the key values, which is not for API callers.
absl::Status UniqueViolation(const std::string& what) {
  static const std::string kMarker = "unique constraint \"";
  std::size_t start = what.find(kMarker);
  if (start != std::string::npos) {
    start += kMarker.size();
    const std::size_t end = what.find('"', start);
    const std::string name = what.substr(start, end - start);
    std::lock_guard lock(Unique().mu);
    auto it = Unique().by_constraint.find(name);
    if (it != Unique().by_constraint.end()) return absl::AlreadyExistsError(it->second);
    return absl::AlreadyExistsError(absl::StrCat("already exists (unique rule ", name, ")"));
  }
  return absl::AlreadyExistsError("already exists");
}

}  // namespace

void DescribeUniqueViolation(std::string constraint, std::string message) {
  std::lock_guard lock(Unique().mu);
  Unique().by_constraint[std::move(constraint)] = std::move(message);
}

absl::Status StatusFromPgException(const std::exception& e) {
  const std::string what = e.what();
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
    return absl::UnavailableError(absl::StrCat("database unavailable: ", what));
  }
  if (dynamic_cast<const pqxx::transaction_rollback*>(&e) != nullptr) {
    return absl::AbortedError(absl::StrCat("concurrent update, try again: ", what));
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e); sql != nullptr) {
    const std::string state = sql->sqlstate();
    if (state == "57014") return absl::DeadlineExceededError("database statement timed out");
    if (state == "23505") return UniqueViolation(what);
    if (state == "23503") {
      return absl::FailedPreconditionError(absl::StrCat("referenced record missing: ", what));
    }
    if (state == "23514" || state == "23502" || state.starts_with("22")) {
      return absl::InvalidArgumentError(absl::StrCat("invalid value: ", what));
    }
    if (state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03") {
      return absl::UnavailableError(absl::StrCat("database unavailable: ", what));
    }
  }
  log::Error("database error", {{"error", what}});
  return absl::InternalError(absl::StrCat("database error: ", what));
}

std::string PgTextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

std::vector<std::string> ParsePgTextArray(absl::string_view literal) {
  std::vector<std::string> out;
  if (literal.size() < 2 || literal.front() != '{' || literal.back() != '}') return out;
  literal = literal.substr(1, literal.size() - 2);
  std::size_t i = 0;
  while (i < literal.size()) {
    std::string item;
    if (literal[i] == '"') {
      ++i;
      while (i < literal.size() && literal[i] != '"') {
        if (literal[i] == '\\' && i + 1 < literal.size()) ++i;
        item.push_back(literal[i++]);
      }
      ++i;  // closing quote
    } else {
      while (i < literal.size() && literal[i] != ',') item.push_back(literal[i++]);
    }
    out.push_back(std::move(item));
    if (i < literal.size() && literal[i] == ',') ++i;
  }
  return out;
}

}  // namespace xuncha
