// PostgreSQL LISTEN/NOTIFY for in-process caches of rarely changing rows: a notification is sent
// at commit of the transaction that changed them, to every replica that listens.
#pragma once

#include <functional>
#include <string>

#include "xuncha/background.h"
#include "xuncha/pg.h"

namespace xuncha {

// Listens on one channel on a dedicated session (a LISTEN lives as long as its session, so not a
// pooled connection) and calls `on_change(listening)` on every notification with true, and with
// false when the session is lost. Notifications sent while nobody listened are lost, so a cache
// must drop everything on each call and trust itself only while `listening` is true: the first
// call with true comes after LISTEN is in place, the call with false before reconnecting.
class PgNotifyListener {
 public:
  PgNotifyListener(PgPool& pool, std::string channel, std::function<void(bool)> on_change,
                   absl::Duration retry_after = absl::Seconds(1));
  ~PgNotifyListener();  // Stop()
  PgNotifyListener(const PgNotifyListener&) = delete;
  PgNotifyListener& operator=(const PgNotifyListener&) = delete;

  void Start();
  void Stop();

 private:
  void Loop();

  PgPool& pool_;
  std::string channel_;
  std::function<void(bool)> on_change_;
  absl::Duration retry_after_;
  BackgroundThread thread_;
};

}  // namespace xuncha
