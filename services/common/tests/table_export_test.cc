#include "xuncha/table_export.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace xuncha {
namespace {

Table Sample(int rows) {
  Table t;
  t.sheet_name = "台账";
  t.headers = {"序号", "内容"};
  t.numeric_columns = {0};
  for (int i = 1; i <= rows; ++i) t.rows.push_back({std::to_string(i), "第" + std::to_string(i)});
  return t;
}

TEST(TableExportTest, CsvQuotesDefusesAndMarksUtf8) {
  Table t = Sample(0);
  t.rows = {{"1", "a,b"}, {"2", "say \"hi\""}, {"3", "=SUM(A1)"}, {"4", "line\nbreak"}};
  const std::string csv = TableToCsv(t);
  EXPECT_TRUE(absl::StartsWith(csv, "\xEF\xBB\xBF序号,内容\r\n"));
  EXPECT_TRUE(absl::StrContains(csv, "1,\"a,b\"\r\n"));
  EXPECT_TRUE(absl::StrContains(csv, "2,\"say \"\"hi\"\"\"\r\n"));
  EXPECT_TRUE(absl::StrContains(csv, "3,'=SUM(A1)\r\n"));
  EXPECT_TRUE(absl::StrContains(csv, "4,\"line\nbreak\"\r\n"));
  EXPECT_EQ(DefuseCell("-1"), "'-1");
  EXPECT_EQ(DefuseCell("plain"), "plain");
}

TEST(TableExportTest, XlsxIsAZipWorkbook) {
  auto xlsx = TableToXlsx(Sample(10000));
  ASSERT_TRUE(xlsx.ok()) << xlsx.status();
  EXPECT_TRUE(absl::StartsWith(*xlsx, "PK\x03\x04"));
  EXPECT_TRUE(absl::StrContains(*xlsx, "xl/worksheets/sheet1.xml"));
  EXPECT_GT(xlsx->size(), 10000u);
}

TEST(TableExportTest, FormatNamesTheField) {
  auto csv = ExportTable(Sample(1), "CSV", "台账");
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(csv->filename(), "台账.csv");
  EXPECT_EQ(csv->content_type(), "text/csv; charset=utf-8");
  auto xlsx = ExportTable(Sample(1), "", "台账");
  ASSERT_TRUE(xlsx.ok());
  EXPECT_EQ(xlsx->filename(), "台账.xlsx");
  auto bad = ExportTable(Sample(1), "pdf", "台账");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(bad.status().message(), "format:"));
}

}  // namespace
}  // namespace xuncha
