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
