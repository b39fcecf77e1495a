#include "ledger.h"

#include <stdlib.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace xuncha::issues {
namespace {

// A cell that starts with one of these is run as a formula by spreadsheet programs; issue text
// comes from people, so such cells are prefixed with an apostrophe (CSV injection).
std::string Defuse(const std::string& value) {
  if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@' ||
                         value[0] == '\t' || value[0] == '\r')) {
    return "'" + value;
  }
  return value;
}

std::string CsvField(const std::string& raw) {
  const std::string value = Defuse(raw);
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string YesNo(bool b) { return b ? "是" : "否"; }

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

std::string LedgerCsv(const std::vector<LedgerRow>& rows) {
  std::string out = "\xEF\xBB\xBF";
  auto append = [&out](const std::vector<std::string>& cells) {
    for (std::size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) out += ',';
      out += CsvField(cells[c]);
    }
    out += "\r\n";
  };
  append(LedgerHeaders());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    append(LedgerCells(rows[r], static_cast<int>(r + 1)));
  }
  return out;
}

absl::StatusOr<std::string> LedgerXlsx(const std::vector<LedgerRow>& rows) {
  // Excel's hard limit; past it the file would not open.
  if (rows.size() + 1 > 1048576) {
    return absl::FailedPreconditionError("too many issues for one XLSX sheet; narrow the scope");
  }
  const char* tmp = getenv("TMPDIR");
  std::string dir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  std::string path = dir + "/xuncha-ledger-XXXXXX";
  int fd = mkstemp(path.data());
  if (fd < 0) return absl::InternalError("ledger: cannot create a temporary file");
  close(fd);
  struct Remove {
    std::string path;
    ~Remove() { unlink(path.c_str()); }
  } remove{path};

  // constant_memory writes each row as it is finished, so 10k+ rows do not sit in memory (and
  // strings go inline into the sheet).
  lxw_workbook_options options = {};
  options.constant_memory = LXW_TRUE;
  options.tmpdir = dir.data();
  lxw_workbook* workbook = workbook_new_opt(path.c_str(), &options);
  if (workbook == nullptr) return absl::InternalError("ledger: cannot start the workbook");
  lxw_worksheet* sheet = workbook_add_worksheet(workbook, "问题清单");
  lxw_format* bold = workbook_add_format(workbook);
  format_set_bold(bold);
  const auto& headers = LedgerHeaders();
  lxw_error error = LXW_NO_ERROR;
  for (std::size_t c = 0; c < headers.size() && error == LXW_NO_ERROR; ++c) {
    error = worksheet_write_string(sheet, 0, static_cast<lxw_col_t>(c), headers[c].c_str(), bold);
  }
  for (std::size_t r = 0; r < rows.size() && error == LXW_NO_ERROR; ++r) {
    const auto cells = LedgerCells(rows[r], static_cast<int>(r + 1));
    const auto row = static_cast<lxw_row_t>(r + 1);
    error = worksheet_write_number(sheet, row, 0, static_cast<double>(r + 1), nullptr);
    for (std::size_t c = 1; c < cells.size() && error == LXW_NO_ERROR; ++c) {
      if (cells[c].empty()) continue;
      error = worksheet_write_string(sheet, row, static_cast<lxw_col_t>(c),
                                     Defuse(cells[c]).c_str(), nullptr);
    }
  }
  lxw_error closed = workbook_close(workbook);
  if (error != LXW_NO_ERROR || closed != LXW_NO_ERROR) {
    return absl::InternalError(absl::StrCat("ledger: writing the workbook failed: ",
                                            lxw_strerror(error != LXW_NO_ERROR ? error : closed)));
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace xuncha::issues
