#include "ledger.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace xuncha::issues {
namespace {

LedgerRow Row(const std::string& title, const std::string& description) {
  LedgerRow r;
  r.issue.set_id("0b8f4c1e-3d2a-4f5b-9c6d-7e8f9a0b1c2d");
  r.issue.set_title(title);
  r.issue.set_description(description);
  r.issue.set_heading_name("全面从严治党");
  r.issue.set_category_name("违反中央八项规定精神");
  r.issue.set_severity(Issue::SERIOUS);
  r.issue.set_source(Issue::PETITION);
  r.issue.set_state(Issue::FED_BACK);
  r.issue.set_immediate(true);
  r.unit_name = "某县财政局";
  return r;
}

TEST(LedgerTest, CsvHasChineseHeadersAndQuotes) {
  std::string csv = LedgerCsv({Row("公款吃喝", "他说：\"没有\"，\n但有发票"), Row("=1+1", "x")});
  ASSERT_TRUE(absl::StartsWith(csv, "\xEF\xBB\xBF"));
  std::vector<std::string> lines = absl::StrSplit(csv.substr(3), "\r\n");
  ASSERT_EQ(lines.size(), 4u);  // header, two rows, trailing empty
  EXPECT_TRUE(absl::StartsWith(lines[0], "序号,问题编号,被巡察单位,问题标题,问题描述,问题大类"));
  EXPECT_TRUE(absl::StrContains(lines[1],
                                "1,0b8f4c1e-3d2a-4f5b-9c6d-7e8f9a0b1c2d,某县财政局,公款吃喝,"
                                "\"他说：\"\"没有\"\"，\n但有发票\""));
  EXPECT_TRUE(absl::StrContains(lines[1], "较重,信访举报,是"));
  EXPECT_TRUE(absl::StrContains(lines[1], "已反馈"));
  // A formula-looking title is defused.
  EXPECT_TRUE(absl::StrContains(lines[2], ",'=1+1,"));
  EXPECT_TRUE(lines[3].empty());
}

TEST(LedgerTest, TenThousandRowsAreAllThere) {
  std::vector<LedgerRow> rows;
  for (int i = 0; i < 10000; ++i) rows.push_back(Row(absl::StrCat("问题", i), "描述"));
  std::string csv = LedgerCsv(rows);
  std::vector<std::string> lines = absl::StrSplit(csv, "\r\n");
  ASSERT_EQ(lines.size(), 10002u);
  EXPECT_TRUE(absl::StartsWith(lines[10000], "10000,"));
  EXPECT_TRUE(absl::StrContains(lines[10000], ",问题9999,"));
  auto xlsx = LedgerXlsx(rows);
  ASSERT_TRUE(xlsx.ok()) << xlsx.status();
  // A zip archive: local file header signature.
  ASSERT_GT(xlsx->size(), 4u);
  EXPECT_EQ(xlsx->substr(0, 4), std::string("PK\x03\x04", 4));
}

}  // namespace
}  // namespace xuncha::issues
