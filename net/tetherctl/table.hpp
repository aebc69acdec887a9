// Aligned text tables for tetherctl's human output: a header row and rows
// of cells, each column as wide as its widest cell, two spaces between
// columns, the last column not padded.
#pragma once

#include <string>
#include <vector>

namespace tether::ctl {

class table {
public:
  explicit table(std::vector<std::string> header);
  void add(std::vector<std::string> row);
  std::string str() const;

private:
  std::vector<std::vector<std::string>> rows_;
};

/// "name  value" lines, the names padded to the longest.
std::string
key_values(const std::vector<std::pair<std::string, std::string>>& pairs);

} // namespace tether::ctl
