#include "xuncha/log.h"

#include <atomic>
#include <cstdio>

#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

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

void Write(Level level, absl::string_view message, std::initializer_list<Field> fields) {
  if (level < g_min_level.load(std::memory_order_relaxed)) return;
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
  // One fwrite per line keeps lines whole when several threads log at once.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace xuncha::log
