#include "static_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace xuncha::gateway {
namespace {

namespace fs = std::filesystem;

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("gw_static_" + std::to_string(::getpid()));
    fs::create_directories(base_ / "www" / "assets");
    Write(base_ / "www" / "index.html", "<html>console</html>");
    Write(base_ / "www" / "assets" / "app.1234.js", "console.log(1)");
    Write(base_ / "secret.txt", "secret");
    fs::create_symlink(base_ / "secret.txt", base_ / "www" / "link.txt");
    auto files = StaticFiles::Open((base_ / "www").string());
    ASSERT_TRUE(files.ok()) << files.status();
    files_.emplace(std::move(*files));
  }
  void TearDown() override { fs::remove_all(base_); }
  static void Write(const fs::path& path, const std::string& content) {
    std::ofstream(path) << content;
  }
  fs::path base_;
  std::optional<StaticFiles> files_;
};

TEST_F(StaticFilesTest, ServesFilesWithTypesAndCacheHeaders) {
  StaticResponse index = files_->Serve("/", "");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<html>console</html>");
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(index.cache_control, "no-cache");
  StaticResponse js = files_->Serve("/assets/app.1234.js", "");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js.cache_control, "public, max-age=31536000, immutable");
  EXPECT_EQ(files_->Serve("/assets/app.1234.js", js.etag).status, 304);
}

TEST_F(StaticFilesTest, ClientRoutesFallBackToIndex) {
  EXPECT_EQ(files_->Serve("/rounds/42", "").body, "<html>console</html>");
  EXPECT_EQ(files_->Serve("/missing.js", "").status, 404);
}

TEST_F(StaticFilesTest, TraversalIsImpossible) {
  EXPECT_EQ(files_->Serve("/../secret.txt", "").status, 404);
  EXPECT_EQ(files_->Serve("/%2e%2e/secret.txt", "").status, 404);
  EXPECT_EQ(files_->Serve("/assets/..%2f..%2fsecret.txt", "").status, 404);
  EXPECT_EQ(files_->Serve("/assets/%2e%2e/%2e%2e/secret.txt", "").status, 404);
  EXPECT_EQ(files_->Serve("/link.txt", "").status, 404);  // symlink out of the root
  EXPECT_EQ(files_->Serve("/a%00b", "").status, 404);
}

}  // namespace
}  // namespace xuncha::gateway
