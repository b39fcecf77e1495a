// The issue ledger (问题清单) as a file: CSV and XLSX with Chinese column headers. The row layout
// is pure and shared by both formats; XLSX goes through libxlsxwriter, which writes to a
// temporary file that is read back and removed.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "domain.h"

namespace xuncha::issues {

struct LedgerRow {
  Issue issue;
  std::string unit_name;  // the inspected unit, from the engagement
};

// Column headers, in order.
const std::vector<std::string>& LedgerHeaders();
// One row's cells, matching LedgerHeaders(); `number` is the 序号.
std::vector<std::string> LedgerCells(const LedgerRow& row, int number);

// UTF-8 with a byte-order mark (so spreadsheet programs read the Chinese correctly), CRLF line
// ends, RFC 4180 quoting.
std::string LedgerCsv(const std::vector<LedgerRow>& rows);
absl::StatusOr<std::string> LedgerXlsx(const std::vector<LedgerRow>& rows);

}  // namespace xuncha::issues
