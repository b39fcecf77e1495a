// Structured logs: one JSON object per line on stderr with time, level, service, request id.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace xuncha::log {

enum class Level { kDebug, kInfo, kWarning, kError };

using Field = std::pair<absl::string_view, absl::string_view>;

void SetService(absl::string_view service);
void SetMinLevel(Level level);

// The request id of the RPC this thread is serving (set by the RPC wrapper), "" when none.
void SetRequestId(absl::string_view request_id);
absl::string_view RequestId();

void Write(Level level, absl::string_view message, std::initializer_list<Field> fields = {});

// By default every line is one write(2) to stderr as it is logged, on the logging thread. After
// BufferLines(d), lines below warning are collected in memory and a background thread writes
// them, at most `d` after they were logged, or sooner once 64 KiB are waiting. A warning or error
// writes what is waiting and itself at once, in order. For the gateway's access log, a line per
// request: the threads that answer clients no longer write to stderr, and a stalled reader of
// stderr (a log collector) cannot stall them: past 8 MiB waiting, info lines are dropped and a
// warning says how many. A crash loses at most `d` of info lines; normal exit (exit(), return
// from main) writes them. BufferLines(absl::ZeroDuration()) writes what is waiting and goes back
// to a write per line.
void BufferLines(absl::Duration max_delay);
// Writes whatever is waiting now (shutdown, tests).
void Flush();

inline void Debug(absl::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kDebug, m, f);
}
inline void Info(absl::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kInfo, m, f);
}
inline void Warning(absl::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kWarning, m, f);
}
inline void Error(absl::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kError, m, f);
}

// JSON string escaping shared by every writer of JSON text in the project.
void AppendJsonString(std::string& out, absl::string_view value);

}  // namespace xuncha::log
