// A fast proto3 JSON printer for the gateway's responses. protobuf's own printer (the converter
// behind BinaryToJsonStream and MessageToJsonString) builds a tree of nodes for the whole message
// before writing a byte when asked to print default values: about 7 ms of a city dashboard's
// 181 KB answer, and a tenth of the gateway's CPU on small reads (tests/bench/RESULTS.md).
//
// This printer writes what the converter writes, byte for byte, for the gateway's options
// (lowerCamelCase names, enums as names, always_print_primitive_fields, no whitespace). It covers
// what the Xuncha protos use: scalars, enums, nested and repeated messages and
// google.protobuf.Timestamp. For anything else, and for the rare values whose rendering it does
// not reproduce itself (strings needing escapes other than \" and \\, non-finite or
// unusual doubles, out-of-range timestamps), it returns false and the caller uses the converter.
// json_printer_test compares the two on every message type of every service.
#pragma once

#include <string>

namespace google::protobuf {
class Message;
}

namespace xuncha::gateway {

// Appends `message` as JSON to `out` and returns true, or returns false (with `out` in an
// unspecified state) when the converter must render it.
bool PrintJsonFast(const google::protobuf::Message& message, std::string* out);

}  // namespace xuncha::gateway
