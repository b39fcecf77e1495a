// Settings from command-line flags and XUNCHA_* environment variables.
//
// Key "db_url" is read from `--db_url=...` (or `--db-url=...`), else from XUNCHA_DB_URL. Flags
// win so that a test or an operator can override one value without touching the environment.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace xuncha {

class Config {
 public:
  static absl::StatusOr<Config> FromArgs(int argc, const char* const* argv);
  // For tests and embedding: explicit values, environment still consulted for the rest.
  static Config FromMap(std::map<std::string, std::string> values);

  bool Has(absl::string_view key) const;
  std::string Get(absl::string_view key, absl::string_view fallback = "") const;
  absl::StatusOr<std::string> Require(absl::string_view key) const;
  absl::StatusOr<int> GetInt(absl::string_view key, int fallback) const;
  absl::StatusOr<bool> GetBool(absl::string_view key, bool fallback) const;
  // Durations as "5s", "250ms", "2m".
  absl::StatusOr<absl::Duration> GetDuration(absl::string_view key, absl::Duration fallback) const;

  void Set(std::string key, std::string value) { values_[std::move(key)] = std::move(value); }

  static std::string EnvName(absl::string_view key);

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

}  // namespace xuncha
