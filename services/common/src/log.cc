#include "xuncha/log.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "xuncha/background.h"

namespace xuncha::log {
namespace {

// Read on every line (the gateway writes one per request), set once at start: no lock, no copy.
// A replaced name is leaked on purpose: a line being written may still be reading it.
std::atomic<const std::string*> g_service{new std::string("xuncha")};
std::atomic<Level> g_min_level{Level::kInfo};
thread_local std::string t_request_id;

// "2026-12-05T02:41:45.123Z". The date and time of day are formatted once per second per thread
// (absl::FormatTime through the time zone library cost more than the rest of a line).
void AppendTimestamp(std::string& out, absl::Time now) {
  thread_local int64_t cached_second = -1;
  thread_local char cached[64];
  const int64_t millis = absl::ToUnixMillis(now);
  int64_t second = millis / 1000;
  int ms = static_cast<int>(millis % 1000);
  if (ms < 0) {
    ms += 1000;
    --second;
  }
  if (second != cached_second) {
    const absl::CivilSecond c =
        absl::ToCivilSecond(absl::FromUnixSeconds(second), absl::UTCTimeZone());
    std::snprintf(cached, sizeof cached, "%04d-%02d-%02dT%02d:%02d:%02d",
                  static_cast<int>(c.year()), c.month(), c.day(), c.hour(), c.minute(), c.second());
    cached_second = second;
  }
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%03dZ", ms);
  out.push_back('"');
  out.append(cached);
  out.append(frac);
  out.push_back('"');
}

absl::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarning:
      return "warning";
    case Level::kError:
      return "error";
  }
  return "info";
}

}  // namespace

void SetService(absl::string_view service) { g_service = new std::string(service); }

void SetMinLevel(Level level) { g_min_level = level; }

void SetRequestId(absl::string_view request_id) { t_request_id = std::string(request_id); }
absl::string_view RequestId() { return t_request_id; }

void AppendJsonString(std::string& out, absl::string_view value) {
  out.push_back('"');
  for (unsigned char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

namespace {

std::string FormatLine(Level level, absl::string_view message,
                       std::initializer_list<Field> fields) {
  const std::string& service = *g_service.load(std::memory_order_acquire);
  std::string line;
  line.reserve(256);
  line = "{\"time\":";
  AppendTimestamp(line, absl::Now());
  line += ",\"level\":";
  AppendJsonString(line, LevelName(level));
  line += ",\"service\":";
  AppendJsonString(line, service);
  if (!t_request_id.empty()) {
    line += ",\"request_id\":";
    AppendJsonString(line, t_request_id);
  }
  line += ",\"message\":";
  AppendJsonString(line, message);
  for (const auto& [key, value] : fields) {
    line.push_back(',');
    AppendJsonString(line, key);
    line.push_back(':');
    AppendJsonString(line, value);
  }
  line += "}\n";
  return line;
}

// Lines waiting to be written while BufferLines is on. Leaked on purpose: the writer thread and
// late loggers (static destructors, other threads at exit) may still use it.
struct Pending {
  // Past this the writer is woken before its delay is up.
  static constexpr std::size_t kWakeBytes = 64 << 10;
  // Past this info lines are dropped (and counted): stderr is not keeping up (a stalled log
  // collector), and a logger must neither block nor grow without bound because of it.
  static constexpr std::size_t kMaxBytes = 8 << 20;

  std::mutex mu;  // guards the fields up to write_mu
  std::string lines;
  uint64_t dropped = 0;
  absl::Duration delay;        // zero: buffering off
  bool flush_asked = false;    // the writer was woken because 64 KiB are waiting
  bool delay_changed = false;  // ... or because BufferLines set a new delay: nothing to write
  // Held while a batch is taken and written, so batches reach stderr in the order they were
  // taken (a thread cannot take a batch and be overtaken by a later one).
  std::mutex write_mu;
  BackgroundThread writer;  // never stopped: it lives as long as the process

  void WriteWaiting() {
    std::lock_guard write_lock(write_mu);
    std::string batch;
    uint64_t lost = 0;
    {
      std::lock_guard lock(mu);
      batch.swap(lines);
      std::swap(lost, dropped);
    }
    if (lost > 0) {
      batch += FormatLine(Level::kWarning, "log lines dropped: stderr did not keep up",
                          {{"lines", absl::StrCat(lost)}});
    }
    if (!batch.empty()) std::fwrite(batch.data(), 1, batch.size(), stderr);
  }

  void WriteLoop() {
    for (;;) {
      absl::Duration wait;
      {
        std::lock_guard lock(mu);
        // While off, Write() does not come here; the writer just sleeps.
        wait = delay > absl::ZeroDuration() ? delay : absl::Hours(1);
      }
      if (!writer.Wait(wait)) return;
      {
        std::lock_guard lock(mu);
        const bool only_new_delay = delay_changed && !flush_asked;
        delay_changed = flush_asked = false;
        if (only_new_delay) continue;  // start waiting anew with it, without writing early
      }
      WriteWaiting();
    }
  }
};
Pending& Waiting() {
  static Pending* pending = new Pending;
  return *pending;
}
std::atomic<bool> g_buffered{false};

}  // namespace

void Write(Level level, absl::string_view message, std::initializer_list<Field> fields) {
  if (level < g_min_level.load(std::memory_order_relaxed)) return;
  std::string line = FormatLine(level, message, fields);
  if (g_buffered.load(std::memory_order_relaxed)) {
    Pending& pending = Waiting();
    const bool write_now = level >= Level::kWarning;
    bool wake = false;
    {
      std::lock_guard lock(pending.mu);
      if (!write_now && pending.lines.size() >= Pending::kMaxBytes) {
        ++pending.dropped;
        return;
      }
      pending.lines += line;
      if (!write_now && pending.lines.size() >= Pending::kWakeBytes && !pending.flush_asked) {
        pending.flush_asked = wake = true;
      }
    }
    if (write_now) {
      pending.WriteWaiting();
    } else if (wake) {
      pending.writer.Wake();
    }
    return;
  }
  // One fwrite per line keeps lines whole when several threads log at once.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

void BufferLines(absl::Duration max_delay) {
  Pending& pending = Waiting();
  const bool on = max_delay > absl::ZeroDuration();
  {
    std::lock_guard lock(pending.mu);
    pending.delay = on ? max_delay : absl::ZeroDuration();
    pending.delay_changed = true;
  }
  if (on) {
    pending.writer.Start([&pending] { pending.WriteLoop(); });  // no-op when running
    static std::once_flag at_exit;
    std::call_once(at_exit, [] { std::atexit(Flush); });
  }
  g_buffered.store(on, std::memory_order_relaxed);
  if (!on) pending.WriteWaiting();
  pending.writer.Wake();
}

void Flush() { Waiting().WriteWaiting(); }

}  // namespace xuncha::log
