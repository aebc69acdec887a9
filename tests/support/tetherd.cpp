#include "tests/support/tetherd.hpp"

#include <csignal>
#include <filesystem>
#include <stdexcept>

#include <boost/json.hpp>

#ifndef TETHERD_PATH
#  error "TETHERD_PATH must name the tetherd binary"
#endif

namespace tether::test {

tetherd_process::tetherd_process(std::string config_toml,
                                 std::vector<std::string> extra_args)
  : extra_(std::move(extra_args)) {
  if (!config_toml.empty()) {
    config_path_ = dir_.path() + "/topology.toml";
    write_file(config_path_, config_toml);
  }
}

tetherd_process::~tetherd_process() = default;

void tetherd_process::start() {
  auto ready = dir_.path() + "/ready.json";
  std::filesystem::remove(ready);
  std::vector<std::string> argv{TETHERD_PATH,      "--http",
                                "127.0.0.1:0",     "--ws-base-port",
                                "0",               "--data",
                                dir_.path() + "/data", "--ready-file",
                                ready,             "--log-level",
                                "debug"};
  if (!config_path_.empty()) {
    argv.push_back("--config");
    argv.push_back(config_path_);
  }
  argv.insert(argv.end(), extra_.begin(), extra_.end());
  proc_ = child_process::spawn(argv, dir_.path() + "/tetherd.log");
  bool up = eventually(
    [&] { return std::filesystem::exists(ready) || !proc_->running(); },
    std::chrono::seconds{20});
  if (!up || !std::filesystem::exists(ready))
    throw std::runtime_error("tetherd did not start:\n" + log());
  auto v = boost::json::parse(read_file(ready));
  http_ = std::string{v.at("http").as_string()};
  balancers_.clear();
  for (auto& [id, url] : v.at("balancers").as_object())
    balancers_[std::string{id}] = std::string{url.as_string()};
}

void tetherd_process::kill9() {
  proc_->signal(SIGKILL);
  proc_->wait(std::chrono::seconds{10});
}

void tetherd_process::terminate() {
  proc_->signal(SIGTERM);
  proc_->wait(std::chrono::seconds{10});
}

std::string tetherd_process::log() const {
  return read_file(dir_.path() + "/tetherd.log");
}

std::string test_topology(const std::string& timers) {
  return R"([gateway]
http = "127.0.0.1:0"

[labels]
items = ["region", "model"]

[timers]
)" + timers + R"(

[[clusters]]
id = "C1"
labels = { region = ["GG1"], model = ["GJ1", "GJ2"] }
nodes = ["C1-n1", "C1-n2"]
  [[clusters.balancers]]
  id = "C1-b1"
  listen = "127.0.0.1:0"

[[clusters]]
id = "C2"
labels = { region = ["GG2"] }
nodes = ["C2-n1", "C2-n2"]
  [[clusters.balancers]]
  id = "C2-b1"
  listen = "127.0.0.1:0"
)";
}

} // namespace tether::test
