// GetOrgUnit is the directory's hottest read: every screen and every integrating system resolves
// units, and units change rarely (tests/bench/RESULTS.md: the database round trip was most of a
// read's cost). This keeps units as last read from the database, dropped on every change:
//   - this replica's own writes drop everything right after commit (DirectoryApp::Write), so a
//     client reads its own change back;
//   - other replicas' changes arrive as a PostgreSQL notification, sent at their commit by
//     triggers on org_units and offices (migration 0002), so every write path is covered,
//     including SQL run by hand; until the listener has LISTEN in place, and whenever its session
//     is lost, the cache is bypassed.
// A reader that read the database before a change and stores after it would keep a stale copy;
// Put refuses anything read under an older generation than the current one.
// No gRPC or SQL here: DirectoryApp wires it to the repository and the listener.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "repository.h"

namespace xuncha::directory {

class OrgUnitCache {
 public:
  // At most `max_entries` units are kept (all dropped when full; 0 disables the cache).
  explicit OrgUnitCache(std::size_t max_entries) : max_entries_(max_entries) {}

  // Read before going to the database; pass to Put with what was read.
  uint64_t generation() const;
  std::optional<StoredOrgUnit> Get(const std::string& id) const;
  void Put(uint64_t generation, const StoredOrgUnit& unit);

  // Something changed (or may have): drop everything. `trusted` says whether entries stored
  // from now on may be served (false while changes could go unnoticed).
  void Reset(bool trusted);
  // Drops everything, keeping the trusted state (after a local commit).
  void Clear();

  std::size_t size() const;

 private:
  const std::size_t max_entries_;
  mutable std::mutex mu_;
  uint64_t generation_ = 0;
  bool trusted_ = false;
  absl::flat_hash_map<std::string, StoredOrgUnit> units_;
};

}  // namespace xuncha::directory
