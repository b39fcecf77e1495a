#include "xuncha/table_export.h"

#include <stdlib.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace xuncha {
namespace {

std::string CsvField(const std::string& raw) {
  const std::string value = DefuseCell(raw);
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

std::string DefuseCell(const std::string& value) {
  if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@' ||
                         value[0] == '\t' || value[0] == '\r')) {
    return "'" + value;
  }
  return value;
}

std::string TableToCsv(const Table& table) {
  std::string out = "\xEF\xBB\xBF";
  auto append = [&out](const std::vector<std::string>& cells) {
    for (std::size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) out += ',';
      out += CsvField(cells[c]);
    }
    out += "\r\n";
  };
  append(table.headers);
  for (const auto& row : table.rows) append(row);
  return out;
}

absl::StatusOr<std::string> TableToXlsx(const Table& table) {
  // Excel's hard limit; past it the file would not open.
  if (table.rows.size() + 1 > 1048576) {
    return absl::FailedPreconditionError("too many rows for one XLSX sheet; narrow the scope");
  }
  const char* tmp = getenv("TMPDIR");
  std::string dir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  std::string path = dir + "/xuncha-export-XXXXXX";
  int fd = mkstemp(path.data());
  if (fd < 0) return absl::InternalError("export: cannot create a temporary file");
  close(fd);
  struct Remove {
    std::string path;
    ~Remove() { unlink(path.c_str()); }
  } remove{path};
  lxw_workbook_options options = {};
  options.constant_memory = LXW_TRUE;
  options.tmpdir = dir.data();
  lxw_workbook* workbook = workbook_new_opt(path.c_str(), &options);
  if (workbook == nullptr) return absl::InternalError("export: cannot start the workbook");
  lxw_worksheet* sheet = workbook_add_worksheet(
      workbook, table.sheet_name.empty() ? nullptr : table.sheet_name.c_str());
  lxw_format* bold = workbook_add_format(workbook);
  format_set_bold(bold);
  lxw_error error = sheet == nullptr ? LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE : LXW_NO_ERROR;
  for (std::size_t c = 0; c < table.headers.size() && error == LXW_NO_ERROR; ++c) {
    error =
        worksheet_write_string(sheet, 0, static_cast<lxw_col_t>(c), table.headers[c].c_str(), bold);
  }
  for (std::size_t r = 0; r < table.rows.size() && error == LXW_NO_ERROR; ++r) {
    const auto row = static_cast<lxw_row_t>(r + 1);
    const auto& cells = table.rows[r];
    for (std::size_t c = 0; c < cells.size() && error == LXW_NO_ERROR; ++c) {
      if (cells[c].empty()) continue;
      double number = 0;
      const bool numeric = std::find(table.numeric_columns.begin(), table.numeric_columns.end(),
                                     static_cast<int>(c)) != table.numeric_columns.end();
      if (numeric && absl::SimpleAtod(cells[c], &number)) {
        error = worksheet_write_number(sheet, row, static_cast<lxw_col_t>(c), number, nullptr);
      } else {
        error = worksheet_write_string(sheet, row, static_cast<lxw_col_t>(c),
                                       DefuseCell(cells[c]).c_str(), nullptr);
      }
    }
  }
  lxw_error closed = workbook_close(workbook);
  if (error != LXW_NO_ERROR || closed != LXW_NO_ERROR) {
    return absl::InternalError(absl::StrCat("export: writing the workbook failed: ",
                                            lxw_strerror(error != LXW_NO_ERROR ? error : closed)));
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

absl::StatusOr<common::v1::FileContent> ExportTable(const Table& table, const std::string& format,
                                                    const std::string& base_filename) {
  const std::string f = absl::AsciiStrToLower(format);
  common::v1::FileContent file;
  if (f == "csv") {
    file.set_content(TableToCsv(table));
    file.set_content_type("text/csv; charset=utf-8");
    file.set_filename(base_filename + ".csv");
  } else if (f.empty() || f == "xlsx") {
    auto xlsx = TableToXlsx(table);
    if (!xlsx.ok()) return xlsx.status();
    file.set_content(*std::move(xlsx));
    file.set_content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    file.set_filename(base_filename + ".xlsx");
  } else {
    return absl::InvalidArgumentError("format: must be xlsx or csv");
  }
  return file;
}

}  // namespace xuncha
