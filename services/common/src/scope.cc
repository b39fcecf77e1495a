#include "xuncha/scope.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace xuncha {

bool IsLtreePath(absl::string_view path) {
  if (path.empty() || path.size() > 1000) return false;
  for (absl::string_view label : absl::StrSplit(path, '.')) {
    if (label.empty() || label.size() > 255) return false;
    for (char c : label) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
    }
  }
  return true;
}

bool PathWithin(absl::string_view path, absl::string_view ancestor) {
  if (ancestor.empty() || path.size() < ancestor.size()) return false;
  if (!absl::StartsWith(path, ancestor)) return false;
  return path.size() == ancestor.size() || path[ancestor.size()] == '.';
}

bool CanReadOfficeData(const Principal& principal, absl::string_view office_path) {
  if (principal.IsPlatformAdmin()) return true;
  return PathWithin(office_path, principal.office_path);
}

bool CanWriteOfficeData(const Principal& principal, absl::string_view office_id) {
  if (principal.IsPlatformAdmin()) return true;
  return !office_id.empty() && principal.office_id == office_id;
}

}  // namespace xuncha
