// declared_services: the services each terminal declared at registration,
// for the connection ids a balancer makes at admission (hello's
// service_connections). Only terminals that declared a list are kept (the
// rest serve the default list), so an all-printer fleet costs nothing.
// Plain C++, owned by the cluster manager; unit-tested in
// tests/actors/cluster_manager/declared_services_test.cpp.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "storage/records.hpp"

namespace tether {

class declared_services {
public:
  /// Takes a terminal's list from its record (at start and at each
  /// assignment).
  void remember(const storage::terminal_record& rec) {
    if (rec.services.empty())
      lists_.erase(rec.terminal_id);
    else
      lists_[rec.terminal_id] = rec.services;
  }

  /// The list `terminal` declared; empty: none (the default list applies).
  std::vector<std::string> of(const std::string& terminal) const {
    auto i = lists_.find(terminal);
    return i == lists_.end() ? std::vector<std::string>{} : i->second;
  }

  size_t size() const { return lists_.size(); }

private:
  std::unordered_map<std::string, std::vector<std::string>> lists_;
};

} // namespace tether
