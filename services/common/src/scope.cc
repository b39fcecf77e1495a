#include "xuncha/scope.h"

#include "absl/strings/match.h"

namespace xuncha {

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
