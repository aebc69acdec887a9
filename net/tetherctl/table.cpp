#include "net/tetherctl/table.hpp"

#include <algorithm>

namespace tether::ctl {

table::table(std::vector<std::string> header) {
  rows_.push_back(std::move(header));
}

void table::add(std::vector<std::string> row) {
  row.resize(rows_.front().size());
  rows_.push_back(std::move(row));
}

std::string table::str() const {
  std::vector<size_t> width(rows_.front().size(), 0);
  for (const auto& row : rows_)
    for (size_t i = 0; i < row.size(); ++i)
      width[i] = std::max(width[i], row[i].size());
  std::string out;
  for (const auto& row : rows_) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size())
        line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string
key_values(const std::vector<std::pair<std::string, std::string>>& pairs) {
  size_t width = 0;
  for (const auto& [k, v] : pairs)
    width = std::max(width, k.size());
  std::string out;
  for (const auto& [k, v] : pairs)
    out += k + std::string(width - k.size() + 2, ' ') + v + "\n";
  return out;
}

} // namespace tether::ctl
