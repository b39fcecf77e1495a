#include "org_unit_cache.h"

namespace xuncha::directory {

uint64_t OrgUnitCache::generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

std::optional<StoredOrgUnit> OrgUnitCache::Get(const std::string& id) const {
  std::lock_guard lock(mu_);
  if (!trusted_) return std::nullopt;
  auto it = units_.find(id);
  if (it == units_.end()) return std::nullopt;
  return it->second;
}

void OrgUnitCache::Put(uint64_t generation, const StoredOrgUnit& unit) {
  std::lock_guard lock(mu_);
  if (!trusted_ || generation != generation_ || max_entries_ == 0) return;
  if (units_.size() >= max_entries_) units_.clear();
  units_.insert_or_assign(unit.unit.id(), unit);
}

void OrgUnitCache::Reset(bool trusted) {
  std::lock_guard lock(mu_);
  ++generation_;
  trusted_ = trusted;
  units_.clear();
}

void OrgUnitCache::Clear() {
  std::lock_guard lock(mu_);
  ++generation_;
  units_.clear();
}

std::size_t OrgUnitCache::size() const {
  std::lock_guard lock(mu_);
  return units_.size();
}

}  // namespace xuncha::directory
