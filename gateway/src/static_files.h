// The web console's files, served from a directory for paths outside /api. Reads block, so the
// gateway calls Serve() on its worker pool.
#pragma once

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace xuncha::gateway {

struct StaticResponse {
  int status = 404;  // 200, 304, 400 or 404
  std::string content_type;
  std::string body;
  std::string cache_control;
  std::string etag;
};

class StaticFiles {
 public:
  // `root` must be an existing directory.
  static absl::StatusOr<StaticFiles> Open(const std::string& root);

  // `path` is the raw request path (percent-encoded, no query). Anything that would leave the
  // root (.., encoded slashes, symlinks pointing out) is a 404. A path without an extension
  // that names no file gets index.html, so client-side routes of the console survive a reload.
  StaticResponse Serve(absl::string_view path, absl::string_view if_none_match) const;

  static absl::string_view ContentType(absl::string_view extension);

 private:
  explicit StaticFiles(std::filesystem::path root) : root_(std::move(root)) {}
  StaticResponse ServeFile(const std::filesystem::path& file,
                           absl::string_view if_none_match) const;
  std::filesystem::path root_;  // canonical
};

}  // namespace xuncha::gateway
