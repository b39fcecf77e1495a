// Small cryptographic helpers used across services (hashes for stored secrets and chains,
// random identifiers). OpenSSL underneath.
#pragma once

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace xuncha {

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(absl::string_view data);

// `bytes` random bytes from the OS CSPRNG, as lower-case hex (2 * bytes characters).
std::string RandomHex(std::size_t bytes);

// Constant-time equality for secrets and their hashes.
bool SecureEquals(absl::string_view a, absl::string_view b);

}  // namespace xuncha
