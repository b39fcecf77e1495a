#include "xuncha/outbox.h"

#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "xuncha/log.h"
#include "xuncha/pg.h"
#include "xuncha/status.h"

namespace xuncha {

absl::StatusOr<std::string> AppendOutbox(pqxx::work& tx, const OutboxEvent& event) {
  if (event.type.empty()) return absl::InvalidArgumentError("outbox event: type is empty");
  pqxx::row row =
      PgExec1(tx,
              "INSERT INTO outbox (event_type, aggregate_id, payload, request_id) "
              "VALUES ($1, $2, $3, $4) RETURNING event_id::text",
              event.type, event.aggregate_id, event.payload_json, std::string(log::RequestId()));
  return row[0].as<std::string>();
}

std::string EventStreamName(absl::string_view prefix, absl::string_view service) {
  return absl::StrCat(prefix, ":", service);
}

OutboxRelay::OutboxRelay(PgPool& pool, RedisClient& redis, RelayOptions options)
    : pool_(pool), redis_(redis), options_(std::move(options)) {}

OutboxRelay::~OutboxRelay() { Stop(); }

absl::StatusOr<int> OutboxRelay::PublishBatch() {
  return pool_.TransactWith<int>([&](pqxx::work& tx) -> absl::StatusOr<int> {
    // SKIP LOCKED lets several replicas relay side by side without publishing a row twice.
    pqxx::result rows = PgExec(
        tx,
        "SELECT seq, event_id::text, event_type, aggregate_id, payload, request_id, "
        "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') "
        "FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED",
        options_.batch);
    if (rows.empty()) return 0;
    std::vector<std::string> seqs;
    for (const auto& row : rows) {
      std::vector<std::string> args = {"XADD",
                                       options_.stream,
                                       "MAXLEN",
                                       "~",
                                       absl::StrCat(options_.max_stream_length),
                                       "*",
                                       "event_id",
                                       row[1].as<std::string>(),
                                       "type",
                                       row[2].as<std::string>(),
                                       "aggregate_id",
                                       row[3].as<std::string>(),
                                       "payload",
                                       row[4].as<std::string>(),
                                       "request_id",
                                       row[5].as<std::string>(),
                                       "occurred_at",
                                       row[6].as<std::string>(),
                                       "source",
                                       options_.source};
      // If Redis fails part-way, the transaction rolls back and the rows already added are
      // published again next time: at-least-once, and consumers dedupe by event id.
      RETURN_IF_ERROR(redis_.Command(args).status());
      seqs.push_back(row[0].as<std::string>());
    }
    PgExec(tx, "UPDATE outbox SET published_at = now() WHERE seq = ANY($1::bigint[])",
           PgTextArray(seqs));
    return static_cast<int>(seqs.size());
  });
}

void OutboxRelay::Start() {
  thread_.Start([this] { Run(); });
}

void OutboxRelay::Stop() { thread_.Stop(); }

void OutboxRelay::Wake() { thread_.Wake(); }

void OutboxRelay::Run() {
  absl::Duration wait = options_.poll_interval;
  bool failing = false;
  while (thread_.Wait(wait)) {
    auto published = PublishBatch();
    if (!published.ok()) {
      if (!failing) {
        log::Warning("outbox relay: publish failed, rows stay queued",
                     {{"error", published.status().message()}});
      }
      failing = true;
      wait = options_.retry_backoff;
      continue;
    }
    if (failing) log::Info("outbox relay: publishing again");
    failing = false;
    // A full batch means more may be waiting: go again at once.
    wait = *published == options_.batch ? absl::ZeroDuration() : options_.poll_interval;
  }
}

EventConsumer::EventConsumer(PgPool& pool, RedisClient& redis, ConsumerOptions options,
                             EventHandler handler)
    : pool_(pool), redis_(redis), options_(std::move(options)), handler_(std::move(handler)) {}

EventConsumer::~EventConsumer() { Stop(); }

absl::Status EventConsumer::EnsureGroups() {
  for (const auto& stream : options_.streams) {
    auto r = redis_.Command({"XGROUP", "CREATE", stream, options_.group, "0", "MKSTREAM"});
    if (!r.ok() && r.status().message().find("BUSYGROUP") == absl::string_view::npos) {
      return r.status();
    }
  }
  return absl::OkStatus();
}

absl::Status EventConsumer::Process(const ConsumedEvent& event) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    pqxx::result inserted =
        PgExec(tx,
               "INSERT INTO processed_events (consumer_group, event_id) VALUES ($1, $2) "
               "ON CONFLICT DO NOTHING",
               options_.group, event.event_id);
    if (inserted.affected_rows() == 0) return absl::OkStatus();  // already applied
    return handler_(tx, event);
  });
}

absl::StatusOr<int> EventConsumer::HandleEntries(const std::string& stream,
                                                 const RedisReply& entries) {
  int handled = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    RedisReply entry = entries.element(i);
    if (entry.size() < 2) continue;  // an entry trimmed away while pending
    ConsumedEvent event;
    event.stream = stream;
    event.entry_id = std::string(entry.element(0).str());
    RedisReply fields = entry.element(1);
    for (std::size_t f = 0; f + 1 < fields.size(); f += 2) {
      absl::string_view key = fields.element(f).str();
      std::string value(fields.element(f + 1).str());
      if (key == "event_id")
        event.event_id = std::move(value);
      else if (key == "type")
        event.type = std::move(value);
      else if (key == "aggregate_id")
        event.aggregate_id = std::move(value);
      else if (key == "payload")
        event.payload_json = std::move(value);
      else if (key == "source")
        event.source = std::move(value);
      else if (key == "occurred_at")
        event.occurred_at = std::move(value);
    }
    if (event.event_id.empty()) event.event_id = absl::StrCat(stream, "/", event.entry_id);
    absl::Status status = Process(event);
    if (!status.ok()) {
      auto dead = RecordFailure(event, status);
      if (!dead.ok() || !*dead) {
        // Left pending: it is claimed again after claim_idle and retried.
        log::Warning(
            "event handler failed",
            {{"event_id", event.event_id}, {"type", event.type}, {"error", status.message()}});
        continue;
      }
      log::Error("event dead-lettered after repeated failures",
                 {{"event_id", event.event_id}, {"type", event.type}, {"error", status.message()}});
    }
    RETURN_IF_ERROR(redis_.Command({"XACK", stream, options_.group, event.entry_id}).status());
    ++handled;
  }
  return handled;
}

absl::StatusOr<bool> EventConsumer::RecordFailure(const ConsumedEvent& event,
                                                  const absl::Status& error) {
  return pool_.TransactWith<bool>([&](pqxx::work& tx) -> absl::StatusOr<bool> {
    pqxx::row r = PgExec1(
        tx,
        "INSERT INTO event_failures (consumer_group, event_id, stream, event_type, payload, "
        "failures, last_error, dead) VALUES ($1, $2, $3, $4, $5, 1, $6, 1 >= $7) "
        "ON CONFLICT (consumer_group, event_id) DO UPDATE SET failures = "
        "event_failures.failures + 1, last_error = EXCLUDED.last_error, dead = "
        "event_failures.failures + 1 >= $7, updated_at = now() RETURNING dead",
        options_.group, event.event_id, event.stream, event.type, event.payload_json,
        std::string(error.message()), options_.max_failures);
    return r[0].as<bool>();
  });
}

absl::StatusOr<int> EventConsumer::PollOnce() {
  int handled = 0;
  const std::string idle_ms = absl::StrCat(absl::ToInt64Milliseconds(options_.claim_idle));
  for (const auto& stream : options_.streams) {
    // Entries a crashed consumer took but never acknowledged.
    ASSIGN_OR_RETURN(RedisReply claimed,
                     redis_.Command({"XAUTOCLAIM", stream, options_.group, options_.consumer,
                                     idle_ms, "0-0", "COUNT", absl::StrCat(options_.batch)}));
    if (claimed.size() >= 2) {
      ASSIGN_OR_RETURN(int n, HandleEntries(stream, claimed.element(1)));
      handled += n;
    }
  }
  std::vector<std::string> args = {
      "XREADGROUP",   "GROUP",
      options_.group, options_.consumer,
      "COUNT",        absl::StrCat(options_.batch),
      "BLOCK",        absl::StrCat(absl::ToInt64Milliseconds(options_.block)),
      "STREAMS"};
  for (const auto& s : options_.streams) args.push_back(s);
  for (std::size_t i = 0; i < options_.streams.size(); ++i) args.push_back(">");
  ASSIGN_OR_RETURN(RedisReply reply, redis_.Command(args, options_.block + absl::Seconds(2)));
  for (std::size_t i = 0; i < reply.size(); ++i) {
    RedisReply stream = reply.element(i);
    ASSIGN_OR_RETURN(int n, HandleEntries(std::string(stream.element(0).str()), stream.element(1)));
    handled += n;
  }
  return handled;
}

void EventConsumer::Start() {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] {
    bool groups_ready = false;
    while (!stop_) {
      if (!groups_ready) {
        groups_ready = EnsureGroups().ok();
        if (!groups_ready) {
          std::this_thread::sleep_for(std::chrono::seconds(1));
          continue;
        }
      }
      auto handled = PollOnce();
      if (!handled.ok()) {
        log::Warning("event consumer: poll failed", {{"error", handled.status().message()}});
        // The stream may have been recreated (Redis restarted empty): recreate groups.
        groups_ready = false;
        std::this_thread::sleep_for(std::chrono::seconds(1));
      }
    }
  });
}

void EventConsumer::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

bool ParseEventPayload(const ConsumedEvent& event, google::protobuf::Message* out) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  return google::protobuf::util::JsonStringToMessage(event.payload_json, out, options).ok();
}

}  // namespace xuncha
