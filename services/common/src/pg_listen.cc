#include "xuncha/pg_listen.h"

#include "absl/strings/str_cat.h"
#include "xuncha/log.h"

namespace xuncha {

namespace {

class Receiver : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& conn, const std::string& channel,
           const std::function<void(bool)>& on_change)
      : pqxx::notification_receiver(conn, channel), on_change_(on_change) {}
  void operator()(const std::string&, int) override { on_change_(true); }

 private:
  const std::function<void(bool)>& on_change_;
};

}  // namespace

PgNotifyListener::PgNotifyListener(PgPool& pool, std::string channel,
                                   std::function<void(bool)> on_change, absl::Duration retry_after)
    : pool_(pool),
      channel_(std::move(channel)),
      on_change_(std::move(on_change)),
      retry_after_(retry_after) {}

PgNotifyListener::~PgNotifyListener() { Stop(); }

void PgNotifyListener::Start() {
  thread_.Start([this] { Loop(); });
}

void PgNotifyListener::Stop() { thread_.Stop(); }

void PgNotifyListener::Loop() {
  while (!thread_.stopping()) {
    auto conn = pool_.Connect();
    if (!conn.ok()) {
      log::Warning("notification listener: database unreachable",
                   {{"channel", channel_}, {"error", conn.status().message()}});
      if (!thread_.Wait(retry_after_)) break;
      continue;
    }
    bool listening = false;
    try {
      Receiver receiver(**conn, channel_, on_change_);  // LISTEN, in place from here on
      listening = true;
      on_change_(true);
      // Wakes every 200 ms to notice Stop(); a lost session throws broken_connection.
      while (!thread_.stopping()) (*conn)->await_notification(0, 200'000);
    } catch (const std::exception& e) {
      log::Warning("notification listener: session lost",
                   {{"channel", channel_}, {"error", e.what()}});
    }
    if (listening) on_change_(false);
    if (!thread_.Wait(retry_after_)) break;
  }
}

}  // namespace xuncha
