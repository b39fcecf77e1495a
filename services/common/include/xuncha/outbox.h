// Transactional outbox. A service appends events in the same transaction as the change; the
// relay publishes committed rows to a Redis stream and marks them; consumers process each event
// id once per consumer group, so a redelivery has no second effect.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "xuncha/background.h"
#include "xuncha/pg.h"
#include "xuncha/redis.h"

namespace google::protobuf {
class Message;
}  // namespace google::protobuf

namespace xuncha {

struct OutboxEvent {
  std::string type;          // past-tense fact, "directory.org_unit.created"
  std::string aggregate_id;  // id of the thing the event is about
  std::string payload_json;  // proto3 JSON of the event message
};

// Appends in the caller's transaction; returns the event id (uuid).
absl::StatusOr<std::string> AppendOutbox(pqxx::work& tx, const OutboxEvent& event);

// Stream that a service's events are published to: "<prefix>:<service>".
std::string EventStreamName(absl::string_view prefix, absl::string_view service);

struct RelayOptions {
  std::string stream;  // target stream
  std::string source;  // service name written with each entry
  int batch = 100;
  absl::Duration poll_interval = absl::Milliseconds(200);
  absl::Duration retry_backoff = absl::Seconds(1);
  long long max_stream_length = 1000000;  // XADD MAXLEN ~
};

class OutboxRelay {
 public:
  OutboxRelay(PgPool& pool, RedisClient& redis, RelayOptions options);
  ~OutboxRelay();

  // Publishes up to one batch; returns how many rows were published. Rows stay unpublished when
  // Redis fails, and are tried again next time.
  absl::StatusOr<int> PublishBatch();

  void Start();
  void Stop();
  // Nudges the relay after a commit so events go out without waiting for the next poll.
  void Wake();

 private:
  void Run();
  PgPool& pool_;
  RedisClient& redis_;
  RelayOptions options_;
  BackgroundThread thread_;
};

struct ConsumedEvent {
  std::string stream;
  std::string entry_id;  // Redis stream entry id
  std::string event_id;
  std::string type;
  std::string aggregate_id;
  std::string payload_json;
  std::string source;
  std::string occurred_at;
};

// Reads an event's JSON payload into `out`. Fields the reader does not know are ignored: the
// publishing service may add fields before its consumers know them. False when it does not
// parse (the caller logs and skips such an event: it would fail the same way on every retry).
bool ParseEventPayload(const ConsumedEvent& event, google::protobuf::Message* out);

struct ConsumerOptions {
  std::vector<std::string> streams;
  std::string group;     // consumer group; also the dedup scope in processed_events
  std::string consumer;  // this process's name in the group
  int batch = 50;
  absl::Duration block = absl::Milliseconds(500);
  // Entries pending longer than this on a dead consumer are claimed by this one.
  absl::Duration claim_idle = absl::Seconds(30);
  // After this many failed attempts an event is dead-lettered (event_failures, dead = true) and
  // acknowledged.
  int max_failures = 5;
};

// Handler runs inside the transaction that also records the event id as processed.
using EventHandler = std::function<absl::Status(pqxx::work&, const ConsumedEvent&)>;

class EventConsumer {
 public:
  EventConsumer(PgPool& pool, RedisClient& redis, ConsumerOptions options, EventHandler handler);
  ~EventConsumer();

  absl::Status EnsureGroups();
  // One round: claim stale pending entries, read new ones, process and acknowledge each.
  // Returns how many entries were handled (including duplicates skipped).
  absl::StatusOr<int> PollOnce();
  // Processes one entry exactly-once-in-effect; public for tests that replay deliveries.
  absl::Status Process(const ConsumedEvent& event);

  void Start();
  void Stop();

 private:
  absl::StatusOr<int> HandleEntries(const std::string& stream, const RedisReply& entries);
  // Counts a failed attempt; true when the event has now failed max_failures times.
  absl::StatusOr<bool> RecordFailure(const ConsumedEvent& event, const absl::Status& error);
  PgPool& pool_;
  RedisClient& redis_;
  ConsumerOptions options_;
  EventHandler handler_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

}  // namespace xuncha
