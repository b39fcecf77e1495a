// Files compiled into a binary by xuncha_embed_files() (migrations, calendar data).
#pragma once

#include <cstddef>
#include <string_view>

#include "absl/strings/string_view.h"

namespace xuncha {

struct EmbeddedFile {
  absl::string_view name;
  absl::string_view content;
};

struct EmbeddedFileList {
  const EmbeddedFile* files;
  std::size_t size;
  const EmbeddedFile* begin() const { return files; }
  const EmbeddedFile* end() const { return files + size; }
};

}  // namespace xuncha
