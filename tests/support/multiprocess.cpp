#include "tests/support/multiprocess.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <set>
#include <stdexcept>
#include <thread>

#include <boost/json.hpp>

#include "tests/support/clients.hpp"
#include "tests/support/tetherd.hpp"

#ifndef TETHERD_PATH
#error "TETHERD_PATH must name the tetherd binary"
#endif
#ifndef TETHER_SOURCE_DIR
#error "TETHER_SOURCE_DIR must name the source tree"
#endif

namespace tether::test {

namespace {

/// Replaces every port after "127.0.0.1:" and every `caf_port = N` with a
/// free port, the same original port always with the same new one.
std::string remap_ports(const std::string& text) {
  std::map<std::string, std::string> fresh;
  std::set<uint16_t> taken;
  auto port_for = [&](const std::string& old) {
    auto [i, inserted] = fresh.emplace(old, "");
    if (inserted) {
      // The OS may hand out the same free port twice in a row.
      uint16_t p = free_port();
      for (int tries = 0; taken.count(p) > 0 && tries < 100; ++tries)
        p = free_port();
      taken.insert(p);
      i->second = std::to_string(p);
    }
    return i->second;
  };
  std::regex re{R"((127\.0\.0\.1:|caf_port = )(\d+))"};
  std::string out;
  auto begin = std::sregex_iterator(text.begin(), text.end(), re);
  size_t last = 0;
  for (auto i = begin; i != std::sregex_iterator(); ++i) {
    const auto& m = *i;
    out += text.substr(last, m.position() - last);
    out += m[1].str() + (m[2].str() == "0" ? "0" : port_for(m[2].str()));
    last = m.position() + m.length();
  }
  out += text.substr(last);
  return out;
}

} // namespace

std::string shipped_multiprocess_topology() {
  return read_file(std::string{TETHER_SOURCE_DIR}
                   + "/examples/topologies/multiprocess.toml");
}

std::string shipped_multiprocess_topology_with(const std::string& cluster_extra,
                                               const std::string& top) {
  auto text = shipped_multiprocess_topology();
  auto at = text.find("nodes = [\"C1-n1\", \"C1-n2\"]");
  if (at == std::string::npos)
    return {};
  text.insert(text.find('\n', at) + 1, cluster_extra + "\n");
  return top + text;
}

std::string multiprocess_test_topology(const std::string& timers) {
  auto text = std::regex_replace(shipped_multiprocess_topology(),
                                 std::regex{R"(keepalive = "30s")"}, timers);
  text += R"(
[[processes]]
name = "gateway-2"
caf_port = 17030
roles = ["gateway"]
http = "127.0.0.1:8081"
)";
  return text;
}

multiprocess_deployment::multiprocess_deployment(std::string topology_toml,
                                                 bool process_tls)
    : text_(remap_ports(topology_toml)) {
  // Data directories (and [auth] secrets_from) inside the test's folder,
  // where --data puts each process's: "tether-data/X" -> DIR/data-X.
  text_ = std::regex_replace(text_, std::regex{"\"tether-data/"},
                             "\"" + dir_.path() + "/data-");
  path_ = dir_.path() + "/topology.toml";
  write_file(path_, text_);
  // The recovery benchmark compares both (examples/bench/recovery.sh).
  if (const char* e = std::getenv("TETHER_TEST_PROCESS_TLS"); e && *e == '0')
    process_tls = false;
  if (process_tls) {
    auto cmd = "bash " + std::string{TETHER_SOURCE_DIR}
             + "/examples/make-certs.sh " + certs() + " --config " + path_
             + " >/dev/null";
    if (std::system(cmd.c_str()) != 0)
      throw std::runtime_error("examples/make-certs.sh failed: " + cmd);
    text_ += "\n[process_tls]\nca = \"" + certs() + "/ca.crt\"\ncerts = \""
           + certs() + "\"\n";
    write_file(path_, text_);
  }
  // Process names and gateways, from the file itself.
  std::regex name_re{R"re(\nname = "([^"]+)")re"};
  for (auto i = std::sregex_iterator(text_.begin(), text_.end(), name_re);
       i != std::sregex_iterator(); ++i)
    names_.push_back((*i)[1].str());
}

multiprocess_deployment::~multiprocess_deployment() = default;

void multiprocess_deployment::start(std::vector<std::string> order) {
  if (order.empty())
    order = names_;
  for (const auto& n : names_)
    if (std::find(order.begin(), order.end(), n) == order.end())
      not_started_.push_back(n);
  for (const auto& n : order)
    start_process(n);
  if (!wait_complete(std::chrono::seconds{30}))
    throw std::runtime_error("the deployment did not connect up:\n" + logs());
}

void multiprocess_deployment::start_process(const std::string& name) {
  auto ready = dir_.path() + "/" + name + ".ready";
  std::filesystem::remove(ready);
  std::vector<std::string> argv{TETHERD_PATH,
                                "--config",
                                path_,
                                "--process",
                                name,
                                "--data",
                                dir_.path() + "/data-" + name,
                                "--ready-file",
                                ready,
                                "--log-level",
                                "debug"};
  auto& proc = procs_[name];
  // A restart binds the same ports as before; one may still be held for a
  // moment by the process before it (or, rarely, picked by a test running
  // alongside): a process that exits before it is ready is started again,
  // with backoff, at most five times.
  auto wait = std::chrono::milliseconds{250};
  for (int attempt = 1;; ++attempt) {
    // Append to the log across restarts: a failure shows the whole story.
    proc = child_process::spawn(argv, dir_.path() + "/" + name + ".log");
    bool up = eventually(
      [&] { return std::filesystem::exists(ready) || !proc->running(); },
      std::chrono::seconds{20});
    if (up && std::filesystem::exists(ready))
      break;
    if (!up || attempt == 5)
      throw std::runtime_error("process " + name + " did not start:\n"
                               + log(name));
    std::this_thread::sleep_for(wait); // backoff before the next attempt
    wait *= 2;
  }
  auto v = boost::json::parse(read_file(ready));
  if (auto* h = v.as_object().if_contains("http"); h && !h->as_string().empty())
    http_[name] = std::string{h->as_string()};
  // The control's process creates the admin key in its data directory.
  if (auto key = admin_key_in(dir_.path() + "/data-" + name); !key.empty())
    set_default_api_key(key);
}

std::unique_ptr<multiprocess_deployment>
multiprocess_deployment::start_retrying(const std::string& topology_toml,
                                        std::vector<std::string> order) {
  return started_retrying(
    [&] { return std::make_unique<multiprocess_deployment>(topology_toml); },
    [&](multiprocess_deployment& d) { d.start(order); });
}

void multiprocess_deployment::kill9(const std::string& name) {
  auto& p = procs_.at(name);
  p->signal(SIGKILL);
  p->wait(std::chrono::seconds{10});
}

void multiprocess_deployment::freeze(const std::string& name) {
  procs_.at(name)->signal(SIGSTOP);
}

void multiprocess_deployment::thaw(const std::string& name) {
  procs_.at(name)->signal(SIGCONT);
}

pid_t multiprocess_deployment::pid(const std::string& name) const {
  return procs_.at(name)->pid();
}

bool multiprocess_deployment::running(const std::string& name) {
  auto i = procs_.find(name);
  return i != procs_.end() && i->second->running();
}

bool multiprocess_deployment::wait_complete(std::chrono::milliseconds timeout) {
  auto gateway = http();
  return eventually(
    [&] {
      auto h
        = http_call(gateway, "GET", "/healthz", {}, std::chrono::seconds{2});
      if (h.status != 200)
        return false;
      auto v = boost::json::parse(h.body);
      if (!v.as_object().contains("peers")) // keys not read yet: short body
        return false;
      auto left_out = [&](const boost::json::value& p) {
        return std::find(not_started_.begin(), not_started_.end(),
                         std::string{p.at("process").as_string()})
            != not_started_.end();
      };
      for (auto& p : v.at("peers").as_array())
        if (!p.at("reachable").as_bool() && !left_out(p))
          return false;
      // Every balancer has joined and every node is active (or standby:
      // live, kept out of service by the elastic rule).
      auto c = http_call(gateway, "GET", "/v1/admin/clusters", {},
                         std::chrono::seconds{2});
      if (c.status != 200)
        return false;
      auto cs = boost::json::parse(c.body);
      size_t balancers = 0, wanted = 0;
      for (auto& cl : cs.at("clusters").as_array()) {
        balancers += cl.at("balancers").as_array().size();
        for (auto& n : cl.at("nodes").as_array())
          if (n.at("state").as_string() != "active"
              && n.at("state").as_string() != "standby"
              && (not_started_.empty()
                  || n.at("state").as_string() != "failed"))
            return false;
      }
      std::regex b_re{R"(\[\[clusters\.balancers\]\])"};
      wanted = static_cast<size_t>(
        std::distance(std::sregex_iterator(text_.begin(), text_.end(), b_re),
                      std::sregex_iterator()));
      return balancers == wanted;
    },
    timeout);
}

std::string multiprocess_deployment::http(const std::string& name) const {
  if (!name.empty())
    return http_.at(name);
  for (const auto& n : names_) // file order
    if (auto i = http_.find(n); i != http_.end())
      return i->second;
  throw std::runtime_error("no gateway process has started");
}

std::string multiprocess_deployment::log(const std::string& name) const {
  return read_file(dir_.path() + "/" + name + ".log");
}

std::string multiprocess_deployment::logs() const {
  std::string out;
  for (const auto& n : names_) {
    auto text = log(n);
    if (text.size() > 6000)
      text = "...\n" + text.substr(text.size() - 6000);
    out += "---- " + n + " ----\n" + text + "\n";
  }
  return out;
}

} // namespace tether::test
