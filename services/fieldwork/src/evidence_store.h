// Evidence bytes on disk, named by their SHA-256 under one directory (<dir>/ab/abcdef…): the
// same content is written once, and a name can never point at other bytes.
#pragma once

#include <sodium.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"

namespace xuncha::fieldwork {

class EvidenceStore {
 public:
  // A streamed file being received: the bytes go to a temporary file under <dir>/incoming and
  // are hashed as they arrive, so no upload is ever held in memory. Commit names the file by its
  // SHA-256; destroyed without Commit, the temporary file is removed.
  class Upload {
   public:
    ~Upload();
    Upload(const Upload&) = delete;
    Upload& operator=(const Upload&) = delete;
    absl::Status Append(absl::string_view data);
    int64_t size() const { return size_; }
    // Syncs the file and renames it to its content address. Returns the SHA-256 and whether
    // those bytes were already stored.
    absl::StatusOr<std::pair<std::string, bool>> Commit();

   private:
    friend class EvidenceStore;
    Upload(const EvidenceStore& store, int fd, std::string temp);
    const EvidenceStore& store_;
    int fd_;
    std::string temp_;
    crypto_hash_sha256_state hash_;
    int64_t size_ = 0;
  };

  explicit EvidenceStore(std::string dir) : dir_(std::move(dir)) {}

  // Writes `content` under `sha256` unless it is already there (then returns true). The file
  // appears whole or not at all (written aside, synced, then renamed into place).
  absl::StatusOr<bool> Put(const std::string& sha256, const std::string& content) const;
  absl::StatusOr<std::string> Read(const std::string& sha256) const;
  absl::StatusOr<std::unique_ptr<Upload>> BeginUpload() const;
  std::string PathOf(const std::string& sha256) const;

 private:
  std::string dir_;
};

}  // namespace xuncha::fieldwork
