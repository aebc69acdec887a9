#include "tests/support/topology_builder.hpp"

#include <stdexcept>

namespace tether::test {

topology_builder::topology_builder()
    : clusters_{{"C1", R"({ region = ["GG1"], model = ["GJ1", "GJ2"] })"},
                {"C2", R"({ region = ["GG2"], model = "*" })"}} {}

topology_builder& topology_builder::label_table(std::string body) {
  labels_ = std::move(body);
  return *this;
}

topology_builder& topology_builder::timers(std::string body) {
  timers_ = std::move(body);
  return *this;
}

topology_builder& topology_builder::ports(uint16_t http, uint16_t c1,
                                          uint16_t c2) {
  http_ = http;
  find("C1").port = c1;
  find("C2").port = c2;
  return *this;
}

topology_builder& topology_builder::section(std::string name,
                                            std::string body) {
  sections_.emplace_back(std::move(name), std::move(body));
  return *this;
}

topology_builder& topology_builder::labels(const std::string& id,
                                           std::string labels) {
  find(id).labels = std::move(labels);
  return *this;
}

topology_builder& topology_builder::no_clusters() {
  clusters_.clear();
  return *this;
}

topology_builder& topology_builder::add_cluster(std::string id,
                                                std::string labels,
                                                bool enabled) {
  clusters_.push_back({std::move(id), std::move(labels), enabled});
  return *this;
}

topology_builder::cluster& topology_builder::find(const std::string& id) {
  for (auto& c : clusters_)
    if (c.id == id)
      return c;
  throw std::invalid_argument("topology_builder: no cluster " + id);
}

std::string topology_builder::toml() const {
  auto address = [](uint16_t port) {
    return "\"127.0.0.1:" + std::to_string(port) + "\"";
  };
  std::string out = "[gateway]\nhttp = " + address(http_) + "\n\n[labels]\n"
                  + labels_ + "\n\n[timers]\n" + timers_ + "\n";
  for (const auto& [name, body] : sections_)
    out += "\n[" + name + "]\n" + body + "\n";
  for (const auto& c : clusters_) {
    out += "\n[[clusters]]\nid = \"" + c.id + "\"\n";
    if (!c.enabled)
      out += "enabled = false\n";
    out += "labels = " + c.labels + "\n";
    out += "nodes = [\"" + c.id + "-n1\", \"" + c.id + "-n2\"]\n";
    out += "  [[clusters.balancers]]\n  id = \"" + c.id + "-b1\"\n";
    out += "  listen = " + address(c.port) + "\n";
  }
  return out;
}

} // namespace tether::test
