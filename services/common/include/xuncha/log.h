// Structured logs: one JSON object per line on stderr with time, level, service, request id.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/string_view.h"

namespace xuncha::log {

enum class Level { kDebug, kInfo, kWarning, kError };

using Field = std::pair<absl::string_view, absl::string_view>;

void SetService(absl::string_view service);
void SetMinLevel(Level level);

// The request id of the RPC this thread is serving (set by the RPC wrapper), "" when none.
void SetRequestId(absl::string_view request_id);
absl::string_view RequestId();

void Write(Level level, absl::string_view message, std::initializer_list<Field> fields = {});

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
