// compact_record: a terminal_record as the control's terminal table keeps it
// for every registered terminal (issue 12: bytes per terminal). The same
// fields, but the repeated texts (cluster id, model, firmware, region) are
// interned, the lists almost every terminal leaves empty (attributes,
// users, declared services) are blocks held only when not empty, and the
// terminal id is not kept (it is the table's key): 80 bytes where the
// record is 280 and more. expand() gives the record back. Unit-tested in
// tests/actors/control/compact_record_test.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "actors/system/interned.hpp"
#include "actors/system/optional_block.hpp"
#include "storage/records.hpp"

namespace tether {

using storage::terminal_record;

struct compact_record {
  interned cluster_id;
  interned model;
  interned firmware;
  interned region;
  optional_block<std::map<std::string, std::string>> attributes;
  optional_block<std::vector<std::string>> users;
  optional_block<std::vector<std::string>> services;
  int64_t registered_at_ms = 0;
  uint64_t token_generation = 0;
  bool revoked = false;
  /// A record was set (registration, load or change); false for an entry
  /// only made by a session or a move.
  bool registered = false;

  compact_record() = default;
  explicit compact_record(const terminal_record& r) { *this = r; }
  compact_record& operator=(const terminal_record& r);

  /// Its value for a label item (placement's fact_of).
  std::string fact(const std::string& item) const;

  /// The record of terminal `terminal_id`.
  terminal_record expand(const std::string& terminal_id) const;
};

} // namespace tether
