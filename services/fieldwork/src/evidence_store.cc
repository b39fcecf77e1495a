#include "evidence_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "xuncha/crypto.h"

namespace xuncha::fieldwork {
namespace {

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

absl::Status EnsureDir(const std::string& path) {
  if (mkdir(path.c_str(), 0750) == 0 || errno == EEXIST) return absl::OkStatus();
  return Errno("cannot create", path);
}

}  // namespace

std::string EvidenceStore::PathOf(const std::string& sha256) const {
  return absl::StrCat(dir_, "/", sha256.substr(0, 2), "/", sha256);
}

absl::StatusOr<bool> EvidenceStore::Put(const std::string& sha256,
                                        const std::string& content) const {
  const std::string path = PathOf(sha256);
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && st.st_size == static_cast<off_t>(content.size())) {
    return true;
  }
  if (absl::Status s = EnsureDir(dir_); !s.ok()) return s;
  if (absl::Status s = EnsureDir(absl::StrCat(dir_, "/", sha256.substr(0, 2))); !s.ok()) return s;
  const std::string temp = absl::StrCat(path, ".tmp-", RandomHex(8));
  const int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return Errno("cannot create", temp);
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      absl::Status s = Errno("cannot write", temp);
      close(fd);
      unlink(temp.c_str());
      return s;
    }
    written += static_cast<size_t>(n);
  }
  // Evidence must survive a crash once the upload has been acknowledged.
  if (fsync(fd) != 0 || close(fd) != 0) {
    absl::Status s = Errno("cannot sync", temp);
    unlink(temp.c_str());
    return s;
  }
  // Two concurrent uploads of the same bytes both rename; the result is the same file.
  if (rename(temp.c_str(), path.c_str()) != 0) {
    absl::Status s = Errno("cannot rename into", path);
    unlink(temp.c_str());
    return s;
  }
  return false;
}

absl::StatusOr<std::unique_ptr<EvidenceStore::Upload>> EvidenceStore::BeginUpload() const {
  if (absl::Status s = EnsureDir(dir_); !s.ok()) return s;
  // Same file system as the final place, so the rename at the end is atomic.
  const std::string incoming = absl::StrCat(dir_, "/incoming");
  if (absl::Status s = EnsureDir(incoming); !s.ok()) return s;
  const std::string temp = absl::StrCat(incoming, "/upload-", RandomHex(12));
  const int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return Errno("cannot create", temp);
  return std::unique_ptr<Upload>(new Upload(*this, fd, temp));
}

EvidenceStore::Upload::Upload(const EvidenceStore& store, int fd, std::string temp)
    : store_(store), fd_(fd), temp_(std::move(temp)) {
  crypto_hash_sha256_init(&hash_);
}

EvidenceStore::Upload::~Upload() {
  if (fd_ >= 0) close(fd_);
  if (!temp_.empty()) unlink(temp_.c_str());
}

absl::Status EvidenceStore::Upload::Append(absl::string_view data) {
  if (fd_ < 0) return absl::FailedPreconditionError("upload already committed");
  crypto_hash_sha256_update(&hash_, reinterpret_cast<const unsigned char*>(data.data()),
                            data.size());
  size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = write(fd_, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Errno("cannot write", temp_);
    written += static_cast<size_t>(n);
  }
  size_ += static_cast<int64_t>(data.size());
  return absl::OkStatus();
}

absl::StatusOr<std::pair<std::string, bool>> EvidenceStore::Upload::Commit() {
  if (fd_ < 0) return absl::FailedPreconditionError("upload already committed");
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&hash_, digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string sha256;
  for (unsigned char byte : digest) {
    sha256.push_back(kHex[byte >> 4]);
    sha256.push_back(kHex[byte & 0xf]);
  }
  // Evidence must survive a crash once the upload has been acknowledged.
  const int fd = fd_;
  fd_ = -1;
  if (fsync(fd) != 0 || close(fd) != 0) return Errno("cannot sync", temp_);
  const std::string path = store_.PathOf(sha256);
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && st.st_size == static_cast<off_t>(size_)) {
    return std::make_pair(sha256, true);  // the destructor drops the duplicate
  }
  if (absl::Status s = EnsureDir(absl::StrCat(store_.dir_, "/", sha256.substr(0, 2))); !s.ok()) {
    return s;
  }
  if (rename(temp_.c_str(), path.c_str()) != 0) return Errno("cannot rename into", path);
  temp_.clear();
  return std::make_pair(sha256, false);
}

absl::StatusOr<std::string> EvidenceStore::Read(const std::string& sha256) const {
  const std::string path = PathOf(sha256);
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("sha256: file ", sha256, " is not on disk"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string content = buffer.str();
  // A file damaged on disk must not be handed out as evidence.
  if (Sha256Hex(content) != sha256) {
    return absl::DataLossError(absl::StrCat("sha256: stored file ", sha256, " is corrupted"));
  }
  return content;
}

}  // namespace xuncha::fieldwork
