// Org-tree scope checks on ltree paths ("u1.u3.u17"). Pure functions: the same rules run in every
// service, on the paths the services store next to their rows.
#pragma once

#include <string_view>

#include "absl/strings/string_view.h"
#include "xuncha/auth.h"

namespace xuncha {

// True when `path` is a well-formed org path as PostgreSQL 15's ltree takes it: labels of
// letters, digits and '_' (no '-' before PostgreSQL 16), joined by single dots. Checked before a
// path from a request reaches a `::ltree` cast, which would otherwise fail as a database error.
bool IsLtreePath(absl::string_view path);

// True when `path` equals `ancestor` or lies below it (label-wise, so "u1.u3" is not under "u1.u").
bool PathWithin(absl::string_view path, absl::string_view ancestor);

// DESIGN.md §3: office staff read their own office's data and, read-only, the offices below.
bool CanReadOfficeData(const Principal& principal, absl::string_view office_path);

// Writes are for the owning office only (or the platform admin).
bool CanWriteOfficeData(const Principal& principal, absl::string_view office_id);

}  // namespace xuncha
