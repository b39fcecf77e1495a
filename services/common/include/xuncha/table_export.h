// Ledgers (台账) as files: one table of text cells written as CSV or XLSX with Chinese headers.
// Every export in the project goes through here, so quoting, formula defusing and the XLSX
// writer exist once.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "xuncha/common/v1/file.pb.h"

namespace xuncha {

struct Table {
  std::string sheet_name;  // XLSX sheet name (at most 31 characters)
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> rows;
  // Columns written as numbers in XLSX when the cell parses as one (e.g. 序号, counts).
  std::vector<int> numeric_columns;
};

// A cell that starts with = + - @ tab or CR would run as a formula in a spreadsheet program;
// text from people gets an apostrophe in front (CSV injection).
std::string DefuseCell(const std::string& value);

// UTF-8 with a byte-order mark (so spreadsheet programs read the Chinese), CRLF line ends,
// RFC 4180 quoting.
std::string TableToCsv(const Table& table);

// libxlsxwriter in constant-memory mode (rows go to disk as written, so 10k+ rows are fine);
// the workbook is written to a temporary file under TMPDIR, read back and removed.
absl::StatusOr<std::string> TableToXlsx(const Table& table);

// "csv" or "xlsx" (any case; empty means xlsx) → the file response the gateway sends raw.
// INVALID_ARGUMENT naming `format` otherwise.
absl::StatusOr<common::v1::FileContent> ExportTable(const Table& table, const std::string& format,
                                                    const std::string& base_filename);

}  // namespace xuncha
