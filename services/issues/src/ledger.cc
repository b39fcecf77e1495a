#include "ledger.h"

#include "absl/strings/str_cat.h"
#include "xuncha/table_export.h"

namespace xuncha::issues {
namespace {

std::string YesNo(bool b) { return b ? "是" : "否"; }

Table LedgerTable(const std::vector<LedgerRow>& rows) {
  Table table;
  table.sheet_name = "问题清单";
  table.headers = LedgerHeaders();
  table.numeric_columns = {0};  // 序号
  table.rows.reserve(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    table.rows.push_back(LedgerCells(rows[r], static_cast<int>(r + 1)));
  }
  return table;
}

}  // namespace

const std::vector<std::string>& LedgerHeaders() {
  static const std::vector<std::string> kHeaders = {
      "序号",     "问题编号", "被巡察单位", "问题标题", "问题描述", "问题大类",
      "问题类别", "违纪类型", "四风",       "三重一大", "严重程度", "问题来源",
      "立行立改", "责任岗位", "责任人",     "状态",     "反馈日期"};
  return kHeaders;
}

std::vector<std::string> LedgerCells(const LedgerRow& row, int number) {
  const Issue& i = row.issue;
  return {absl::StrCat(number),
          i.id(),
          row.unit_name,
          i.title(),
          i.description(),
          i.heading_name(),
          i.category_name(),
          DisciplineLabel(i.discipline_type()),
          YesNo(i.four_winds()),
          YesNo(i.major_decisions()),
          SeverityLabel(i.severity()),
          SourceLabel(i.source()),
          YesNo(i.immediate()),
          i.responsible_post(),
          i.responsible_person(),
          StateLabel(i.state()),
          i.fed_back_on()};
}

std::string LedgerCsv(const std::vector<LedgerRow>& rows) { return TableToCsv(LedgerTable(rows)); }

absl::StatusOr<std::string> LedgerXlsx(const std::vector<LedgerRow>& rows) {
  return TableToXlsx(LedgerTable(rows));
}

}  // namespace xuncha::issues
