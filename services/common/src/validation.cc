#include "xuncha/validation.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "xuncha/calendar.h"

namespace xuncha {

absl::Status InvalidField(absl::string_view field, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", rule));
}

int Utf8Length(absl::string_view s) {
  int count = 0;
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const int len = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xE  ? 3
                    : (c >> 3) == 0x1E ? 4
                                       : 0;
    if (len == 0 || i + len > s.size()) return -1;
    for (int k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return -1;
    }
    i += len;
    ++count;
  }
  return count;
}

absl::Status ValidateText(absl::string_view field, absl::string_view value, int max_chars,
                          bool required) {
  const int length = Utf8Length(value);
  if (length < 0) return InvalidField(field, "must be valid UTF-8");
  if (required && absl::StripAsciiWhitespace(value).empty()) {
    return InvalidField(field, "must be set");
  }
  if (length > max_chars) {
    return InvalidField(field, absl::StrCat("must be at most ", max_chars, " characters"));
  }
  return absl::OkStatus();
}

absl::Status ValidateId(absl::string_view field, absl::string_view value, bool required) {
  if (value.empty()) return required ? InvalidField(field, "must be set") : absl::OkStatus();
  bool ok = value.size() == 36;
  for (std::size_t i = 0; ok && i < value.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    ok = dash ? value[i] == '-' : absl::ascii_isxdigit(static_cast<unsigned char>(value[i]));
  }
  if (!ok) {
    return InvalidField(field, absl::StrCat("'", value.substr(0, 64), "' is not a valid id"));
  }
  return absl::OkStatus();
}

absl::Status ValidateDate(absl::string_view field, absl::string_view value, bool required) {
  if (value.empty()) return required ? InvalidField(field, "must be set") : absl::OkStatus();
  return ParseDate(value, field).status();
}

}  // namespace xuncha
