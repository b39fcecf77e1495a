#include "static_files.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "route_table.h"

namespace xuncha::gateway {
namespace {

namespace fs = std::filesystem;

constexpr std::uintmax_t kMaxFileBytes = 64u << 20;

bool IsWithin(const fs::path& root, const fs::path& candidate) {
  auto [root_end, unused] =
      std::mismatch(root.begin(), root.end(), candidate.begin(), candidate.end());
  return root_end == root.end();
}

}  // namespace

absl::StatusOr<StaticFiles> StaticFiles::Open(const std::string& root) {
  std::error_code error;
  fs::path canonical = fs::canonical(root, error);
  if (error || !fs::is_directory(canonical)) {
    return absl::InvalidArgumentError(absl::StrCat("static_dir ", root, " is not a directory"));
  }
  return StaticFiles(canonical);
}

absl::string_view StaticFiles::ContentType(absl::string_view extension) {
  std::string ext = absl::AsciiStrToLower(extension);
  if (ext == ".html" || ext == ".htm") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".gif") return "image/gif";
  if (ext == ".webp") return "image/webp";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff") return "font/woff";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  if (ext == ".wasm") return "application/wasm";
  return "application/octet-stream";
}

StaticResponse StaticFiles::Serve(absl::string_view path, absl::string_view if_none_match) const {
  StaticResponse not_found;
  not_found.status = 404;
  auto split = SplitRequestPath(path);
  if (!split.ok()) return not_found;
  fs::path relative;
  std::vector<std::string> segments = split->segments;
  if (!segments.empty()) segments.back() = split->last_segment_with_verb;
  for (const auto& segment : segments) {
    // Checked on decoded segments, so %2e%2e and %2f cannot smuggle a parent or a separator.
    if (segment == "." || segment == ".." || segment.find('/') != std::string::npos ||
        segment.find('\\') != std::string::npos || segment.find('\0') != std::string::npos) {
      return not_found;
    }
    relative /= segment;
  }
  fs::path candidate = root_ / relative;
  std::error_code error;
  if (segments.empty() || fs::is_directory(candidate, error)) candidate /= "index.html";
  fs::path resolved = fs::weakly_canonical(candidate, error);
  if (error || !IsWithin(root_, resolved)) return not_found;
  if (fs::is_regular_file(resolved, error)) return ServeFile(resolved, if_none_match);
  if (!segments.empty() && fs::path(segments.back()).extension().empty()) {
    fs::path index = root_ / "index.html";
    if (fs::is_regular_file(index, error)) return ServeFile(index, if_none_match);
  }
  return not_found;
}

StaticResponse StaticFiles::ServeFile(const fs::path& file, absl::string_view if_none_match) const {
  StaticResponse response;
  std::error_code error;
  auto size = fs::file_size(file, error);
  auto mtime = fs::last_write_time(file, error);
  if (error || size > kMaxFileBytes) return response;
  response.etag = absl::StrCat("\"", size, "-", mtime.time_since_epoch().count(), "\"");
  response.content_type = std::string(ContentType(file.extension().string()));
  // The console's entry page must be revalidated so a deployment is picked up at once; its
  // assets are fingerprinted by the build and can be cached for long.
  bool is_html = file.extension() == ".html";
  bool fingerprinted = file.parent_path().filename() == "assets";
  response.cache_control = is_html         ? "no-cache"
                           : fingerprinted ? "public, max-age=31536000, immutable"
                                           : "public, max-age=3600";
  if (!if_none_match.empty() && if_none_match == response.etag) {
    response.status = 304;
    return response;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return response;
  std::ostringstream content;
  content << in.rdbuf();
  response.body = std::move(content).str();
  response.status = 200;
  return response;
}

}  // namespace xuncha::gateway
