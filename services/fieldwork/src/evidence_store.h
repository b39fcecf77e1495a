// Evidence bytes on disk, named by their SHA-256 under one directory (<dir>/ab/abcdef…): the
// same content is written once, and a name can never point at other bytes.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace xuncha::fieldwork {

class EvidenceStore {
 public:
  explicit EvidenceStore(std::string dir) : dir_(std::move(dir)) {}

  // Writes `content` under `sha256` unless it is already there (then returns true). The file
  // appears whole or not at all (written aside, synced, then renamed into place).
  absl::StatusOr<bool> Put(const std::string& sha256, const std::string& content) const;
  absl::StatusOr<std::string> Read(const std::string& sha256) const;
  std::string PathOf(const std::string& sha256) const;

 private:
  std::string dir_;
};

}  // namespace xuncha::fieldwork
