// Input checks every service makes on request fields. Each failure is INVALID_ARGUMENT with a
// message "<field>: <rule>", so a caller learns which field broke which rule.
#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace xuncha {

// "<field>: <rule>" as INVALID_ARGUMENT.
absl::Status InvalidField(absl::string_view field, absl::string_view rule);

// Code points in `s`; -1 when the bytes are not UTF-8.
int Utf8Length(absl::string_view s);

// Valid UTF-8, at most `max_chars` characters, and (when required) not blank.
absl::Status ValidateText(absl::string_view field, absl::string_view value, int max_chars,
                          bool required = true);

// A canonical uuid (8-4-4-4-12 hex), or empty when not required.
absl::Status ValidateId(absl::string_view field, absl::string_view value, bool required = true);

// "YYYY-MM-DD", or empty when not required.
absl::Status ValidateDate(absl::string_view field, absl::string_view value, bool required = true);

}  // namespace xuncha
