#include "xuncha/config.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace xuncha {

std::string Config::EnvName(absl::string_view key) {
  std::string name = absl::StrCat("XUNCHA_", key);
  absl::AsciiStrToUpper(&name);
  return absl::StrReplaceAll(name, {{"-", "_"}});
}

absl::StatusOr<Config> Config::FromArgs(int argc, const char* const* argv) {
  Config config;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (!absl::StartsWith(arg, "--")) {
      return absl::InvalidArgumentError(absl::StrCat("argument '", arg, "': expected --key=value"));
    }
    arg.remove_prefix(2);
    std::size_t eq = arg.find('=');
    if (eq == absl::string_view::npos || eq == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("argument '--", arg, "': expected --key=value"));
    }
    // Flags are written with dashes or underscores; keys are stored with underscores.
    std::string key = absl::StrReplaceAll(arg.substr(0, eq), {{"-", "_"}});
    config.values_[key] = std::string(arg.substr(eq + 1));
  }
  return config;
}

Config Config::FromMap(std::map<std::string, std::string> values) {
  Config config;
  for (auto& [k, v] : values) config.values_[k] = v;
  return config;
}

bool Config::Has(absl::string_view key) const {
  if (values_.find(key) != values_.end()) return true;
  return std::getenv(EnvName(key).c_str()) != nullptr;
}

std::string Config::Get(absl::string_view key, absl::string_view fallback) const {
  if (auto it = values_.find(key); it != values_.end()) return it->second;
  if (const char* env = std::getenv(EnvName(key).c_str()); env != nullptr) return env;
  return std::string(fallback);
}

absl::StatusOr<std::string> Config::Require(absl::string_view key) const {
  std::string value = Get(key);
  if (value.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("missing setting '", key, "': pass --", key, "=... or set ", EnvName(key)));
  }
  return value;
}

absl::StatusOr<int> Config::GetInt(absl::string_view key, int fallback) const {
  std::string value = Get(key);
  if (value.empty()) return fallback;
  int out = 0;
  if (!absl::SimpleAtoi(value, &out)) {
    return absl::InvalidArgumentError(
        absl::StrCat("setting '", key, "' must be an integer, got '", value, "'"));
  }
  return out;
}

absl::StatusOr<bool> Config::GetBool(absl::string_view key, bool fallback) const {
  std::string value = Get(key);
  if (value.empty()) return fallback;
  bool out = false;
  if (!absl::SimpleAtob(value, &out)) {
    return absl::InvalidArgumentError(
        absl::StrCat("setting '", key, "' must be true or false, got '", value, "'"));
  }
  return out;
}

absl::StatusOr<absl::Duration> Config::GetDuration(absl::string_view key,
                                                   absl::Duration fallback) const {
  std::string value = Get(key);
  if (value.empty()) return fallback;
  absl::Duration out;
  if (!absl::ParseDuration(value, &out) || out < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "setting '", key, "' must be a duration such as 5s or 250ms, got '", value, "'"));
  }
  return out;
}

}  // namespace xuncha
