// The processes of a topology ([[processes]], docs/ARCHITECTURE.md "Across
// processes"): reading them, the all-in-one process of a file without them, and
// every check that relates processes to each other and to the clusters (roles,
// hosting of balancers and nodes, ports, hosts, data directories).
#include <arpa/inet.h>

#include <algorithm>
#include <initializer_list>
#include <map>
#include <regex>
#include <string_view>
#include <utility>

#include "config/toml_reader.hpp"
#include "config/topology.hpp"

namespace tether::config {

namespace {

struct role_name {
  process_role role;
  std::string_view name;
};

/// The first of `xs` that `pred` holds for, or null.
template <class T, class Pred>
const T* first_of(const std::vector<T>& xs, Pred pred) {
  auto i = std::find_if(xs.begin(), xs.end(), pred);
  return i != xs.end() ? &*i : nullptr;
}

/// Whether `ids` holds `id`.
bool contains(const std::vector<std::string>& ids, std::string_view id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

constexpr role_name role_names[] = {
  {process_role::gateway, "gateway"},
  {process_role::control, "control"},
  {process_role::selector, "selector"},
  {process_role::cluster_manager, "cluster_manager"},
  {process_role::balancer, "balancer"},
  {process_role::node, "node"},
};

} // namespace

std::string_view to_string(process_role role) {
  for (const auto& rn : role_names)
    if (rn.role == role)
      return rn.name;
  return "?";
}

std::optional<process_role> parse_process_role(std::string_view name) {
  for (const auto& rn : role_names)
    if (rn.name == name)
      return rn.role;
  return std::nullopt;
}

const std::vector<process_role>& all_process_roles() {
  static const std::vector<process_role> roles = [] {
    std::vector<process_role> out;
    for (const auto& rn : role_names)
      out.push_back(rn.role);
    return out;
  }();
  return roles;
}

bool process_config::has(process_role role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

const process_config* topology::find_process(std::string_view name) const {
  return first_of(processes, [name](const auto& p) { return p.name == name; });
}

std::vector<const process_config*>
topology::processes_with_role(process_role role) const {
  std::vector<const process_config*> out;
  for (const auto& p : processes)
    if (p.has(role))
      out.push_back(&p);
  return out;
}

const process_config* topology::process_of_balancer(std::string_view id) const {
  return first_of(processes,
                  [id](const auto& p) { return contains(p.balancers, id); });
}

const process_config* topology::process_of_node(std::string_view id) const {
  return first_of(processes,
                  [id](const auto& p) { return contains(p.nodes, id); });
}

const cluster_config* topology::cluster_of_balancer(std::string_view id) const {
  for (const auto& c : clusters)
    for (const auto& b : c.balancers)
      if (b.id == id)
        return &c;
  return nullptr;
}

const cluster_config* topology::cluster_of_node(std::string_view id) const {
  return first_of(clusters,
                  [id](const auto& c) { return contains(c.nodes, id); });
}

namespace detail {

namespace {

// -- hosts
// ----------------------------------------------------------------------

enum class host_kind { name, loopback, wildcard, address };

/// What kind of host `host` is: an IP literal (loopback, wildcard or other)
/// or a name. "[::1]" is read as "::1".
host_kind classify(std::string_view host) {
  if (host == "localhost")
    return host_kind::loopback;
  std::string text{host};
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    auto bytes = reinterpret_cast<const unsigned char*>(&v4.s_addr);
    if (bytes[0] == 127)
      return host_kind::loopback;
    if (v4.s_addr == 0)
      return host_kind::wildcard;
    return host_kind::address;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6))
      return host_kind::loopback;
    if (IN6_IS_ADDR_UNSPECIFIED(&v6))
      return host_kind::wildcard;
    return host_kind::address;
  }
  return host_kind::name;
}

/// True if a socket bound to `listen` cannot be on the machine of a process
/// reached at `process_host`. Only decided between two specific IP
/// addresses; names, loopback and wildcards may be on any machine.
bool elsewhere(std::string_view listen, std::string_view process_host) {
  return classify(listen) == host_kind::address
      && classify(process_host) == host_kind::address && listen != process_host;
}

// -- reading
// ------------------------------------------------------------------------

/// Where the parts of one process were written, parallel to its
/// process_config. A pointer is the value's node, or the process's table
/// when the key is absent.
struct process_places {
  const toml::node* table = nullptr;
  const toml::node* name = nullptr;
  const toml::node* host = nullptr;
  const toml::node* caf_port = nullptr;
  const toml::node* roles = nullptr;
  std::vector<const toml::node*> role_entries; // one per process roles
  const toml::node* http = nullptr;
  const toml::node* data = nullptr;
  const toml::node* balancers = nullptr;
  std::vector<const toml::node*> balancer_entries; // one per balancers
  const toml::node* nodes = nullptr;
  std::vector<const toml::node*> node_entries; // one per nodes
  // False when the roles (or the lists) could not be read completely; the
  // checks that depend on them are then skipped, so that one mistake is
  // reported once.
  bool roles_complete = true;
  bool lists_complete = true;
};

constexpr std::string_view role_list
  = "gateway, control, selector, cluster_manager, balancer, node";

std::string quoted(std::string_view s) {
  return "\"" + std::string{s} + "\"";
}

/// "processes[2] (\"C1-b1\")": how a message names another process.
std::string name_of(size_t i, const process_config& p) {
  auto out = reader::index("processes", i);
  if (!p.name.empty())
    out += " (" + quoted(p.name) + ")";
  return out;
}

void read_host(reader& r, const toml::table& t, const std::string& path,
               process_config& p) {
  auto* node = t.get("host");
  if (node == nullptr)
    return;
  std::string host;
  r.string(t, path, "host", host);
  if (!node->is_string())
    return;
  auto where = path + ".host";
  if (host.empty() || std::any_of(host.begin(), host.end(), [](char c) {
        return std::isspace(static_cast<unsigned char>(c)) != 0;
      })) {
    r.problem(node, where, "must be a host name or an IP address");
    return;
  }
  auto kind = classify(host);
  if (kind == host_kind::wildcard) {
    r.problem(node, where,
              "must be an address the other processes can reach, not the "
              "wildcard "
                + quoted(host));
    return;
  }
  if (kind == host_kind::name && host.find(':') != std::string::npos) {
    r.problem(node, where,
              "must be a host without a port (the port is caf_port), got "
                + quoted(host));
    return;
  }
  p.host = std::move(host);
}

void read_roles(reader& r, const toml::table& t, const std::string& path,
                process_config& p, process_places& at) {
  auto* node = t.get("roles");
  auto where = path + ".roles";
  if (node == nullptr) {
    r.problem(&t, where,
              "missing (one or more of " + std::string{role_list} + ")");
    at.roles_complete = false;
    return;
  }
  std::vector<std::string> names;
  std::vector<const toml::node*> entries;
  auto before = r.errors.list.size();
  r.string_list(node, where, names, &entries);
  if (r.errors.list.size() != before)
    at.roles_complete = false;
  if (node->is_array() && node->as_array()->empty()) {
    r.problem(node, where,
              "must name at least one role (" + std::string{role_list} + ")");
    at.roles_complete = false;
  }
  for (size_t k = 0; k < names.size(); ++k) {
    auto role = parse_process_role(names[k]);
    auto entry_path = reader::index(where, k);
    if (!role) {
      r.problem(entries[k], entry_path,
                "unknown role " + quoted(names[k])
                  + " (known: " + std::string{role_list} + ")");
      at.roles_complete = false;
    } else if (p.has(*role)) {
      r.problem(entries[k], entry_path,
                "role " + quoted(names[k]) + " is listed twice");
    } else {
      p.roles.push_back(*role);
      at.role_entries.push_back(entries[k]);
    }
  }
}

/// Reads a list of ids (balancers or nodes) of one process.
void read_ids(reader& r, const toml::table& t, const std::string& path,
              std::string_view key, std::vector<std::string>& out,
              const toml::node*& key_at, std::vector<const toml::node*>& at,
              bool& complete) {
  auto* node = t.get(key);
  key_at = node ? node : &t;
  if (node == nullptr)
    return;
  auto before = r.errors.list.size();
  r.string_list(node, reader::join(path, key), out, &at);
  if (r.errors.list.size() != before)
    complete = false;
}

void read_process(reader& r, const toml::table& t, size_t i, bool several,
                  const topology& topo, process_config& p, process_places& at) {
  auto path = reader::index("processes", i);
  r.only_keys(t, path,
              {"name", "host", "caf_port", "roles", "http", "data", "balancers",
               "nodes", "scheduler"});
  auto place = [&t](std::string_view key) {
    auto* node = t.get(key);
    return node ? node : static_cast<const toml::node*>(&t);
  };
  at.table = &t;
  using slot = std::pair<std::string_view, const toml::node**>;
  for (auto [key, node] :
       std::initializer_list<slot>{{"name", &at.name},
                                   {"host", &at.host},
                                   {"caf_port", &at.caf_port},
                                   {"roles", &at.roles},
                                   {"http", &at.http},
                                   {"data", &at.data}})
    *node = place(key);

  r.string(t, path, "name", p.name, true);
  if (!p.name.empty() && !valid_id(p.name))
    r.problem(at.name, path + ".name", id_rule);
  read_host(r, t, path, p);

  if (several && t.get("caf_port") == nullptr)
    r.problem(&t, path + ".caf_port",
              "missing (required when there is more than one process)");
  else
    r.integer(t, path, "caf_port", p.caf_port, several ? 1 : 0, 65535);

  read_roles(r, t, path, p, at);

  if (p.has(process_role::gateway)) {
    endpoint http;
    if (r.address(t, path, "http", http, true))
      p.http = http;
  } else if (t.get("http") != nullptr && at.roles_complete) {
    r.problem(at.http, path + ".http",
              "only a process with the gateway role listens for HTTP");
  }

  p.data = "tether-data/" + (p.name.empty() ? std::to_string(i) : p.name);
  if (t.get("data") != nullptr) {
    std::string data;
    r.string(t, path, "data", data);
    if (t.get("data")->is_string() && data.empty())
      r.problem(at.data, path + ".data", "must not be empty");
    else if (!data.empty())
      p.data = std::move(data);
  }

  read_ids(r, t, path, "balancers", p.balancers, at.balancers,
           at.balancer_entries, at.lists_complete);
  read_ids(r, t, path, "nodes", p.nodes, at.nodes, at.node_entries,
           at.lists_complete);

  p.scheduler = topo.scheduler;
  if (auto* node = t.get("scheduler")) {
    if (auto* st = node->as_table())
      read_scheduler(r, *st, path + ".scheduler", p.scheduler);
    else
      r.problem(node, path + ".scheduler",
                "must be a table ([processes.scheduler])");
  }
}

// -- checks
// ---------------------------------------------------------------------------

void check_names(reader& r, const std::vector<process_config>& procs,
                 const std::vector<process_places>& at) {
  std::map<std::string, size_t> seen;
  for (size_t i = 0; i < procs.size(); ++i) {
    const auto& name = procs[i].name;
    if (name.empty())
      continue;
    auto [it, fresh] = seen.emplace(name, i);
    if (!fresh)
      r.problem(at[i].name, reader::index("processes", i) + ".name",
                "duplicate process name " + quoted(name) + " (also "
                  + reader::index("processes", it->second) + ")");
  }
}

/// Each balancer and node of the clusters is run by exactly one process, and
/// a process runs only what the clusters define.
void check_hosting(reader& r, const topology& topo,
                   const std::vector<cluster_places>& cplaces,
                   const std::vector<process_config>& procs,
                   const std::vector<process_places>& at) {
  // id -> (cluster index, index within the cluster)
  std::map<std::string, std::pair<size_t, size_t>> balancers, nodes;
  for (size_t c = 0; c < topo.clusters.size(); ++c) {
    for (size_t b = 0; b < topo.clusters[c].balancers.size(); ++b)
      if (!topo.clusters[c].balancers[b].id.empty())
        balancers.emplace(topo.clusters[c].balancers[b].id, std::pair{c, b});
    for (size_t n = 0; n < topo.clusters[c].nodes.size(); ++n)
      nodes.emplace(topo.clusters[c].nodes[n], std::pair{c, n});
  }
  std::map<std::string, size_t> balancer_host, node_host; // id -> process
  bool complete = true;
  for (size_t i = 0; i < procs.size(); ++i) {
    const auto& p = procs[i];
    auto path = reader::index("processes", i);
    complete = complete && at[i].lists_complete;
    auto claim
      = [&](const std::vector<std::string>& ids,
            const std::vector<const toml::node*>& places,
            const std::map<std::string, std::pair<size_t, size_t>>& defined,
            std::map<std::string, size_t>& hosts, const std::string& what,
            const std::string& key) {
          for (size_t k = 0; k < ids.size(); ++k) {
            auto where = reader::index(path + "." + key, k);
            if (defined.find(ids[k]) == defined.end()) {
              r.problem(places[k], where,
                        "unknown " + what + " " + quoted(ids[k])
                          + " (not in any " + "cluster's " + key + ")");
              continue;
            }
            auto [it, fresh] = hosts.emplace(ids[k], i);
            if (!fresh)
              r.problem(places[k], where,
                        what + " " + quoted(ids[k]) + " is already run by "
                          + (it->second == i
                               ? std::string{"this process"}
                               : name_of(it->second, procs[it->second])));
          }
        };
    claim(p.balancers, at[i].balancer_entries, balancers, balancer_host,
          "balancer", "balancers");
    claim(p.nodes, at[i].node_entries, nodes, node_host, "node", "nodes");
  }
  if (!complete)
    return; // an unreadable list: "run by no process" would be a guess
  for (const auto& [id, pos] : balancers)
    if (balancer_host.find(id) == balancer_host.end())
      r.problem(cplaces[pos.first].balancer_ids[pos.second],
                reader::index("clusters", pos.first) + ".balancers["
                  + std::to_string(pos.second) + "].id",
                "balancer " + quoted(id)
                  + " is run by no process (list it in the balancers of "
                    "one process)");
  for (const auto& [id, pos] : nodes)
    if (node_host.find(id) == node_host.end())
      r.problem(cplaces[pos.first].nodes[pos.second],
                reader::index(reader::index("clusters", pos.first) + ".nodes",
                              pos.second),
                "node " + quoted(id)
                  + " is run by no process (list it in the nodes of one "
                    "process)");
}

/// A process runs balancers iff it has the balancer role, nodes iff it has
/// the node role.
void check_role_lists(reader& r, const std::vector<process_config>& procs,
                      const std::vector<process_places>& at) {
  for (size_t i = 0; i < procs.size(); ++i) {
    const auto& p = procs[i];
    if (!at[i].roles_complete || !at[i].lists_complete)
      continue;
    auto path = reader::index("processes", i);
    auto check = [&](process_role role, const std::vector<std::string>& ids,
                     const toml::node* list_at, const std::string& key) {
      auto name = std::string{to_string(role)};
      if (p.has(role) && ids.empty())
        r.problem(list_at, path + "." + key,
                  "must name at least one " + name + " for the " + name
                    + " role");
      else if (!p.has(role) && !ids.empty())
        r.problem(at[i].roles, path + ".roles",
                  "must include " + quoted(name) + " since the process runs "
                    + key);
    };
    check(process_role::balancer, p.balancers, at[i].balancers, "balancers");
    check(process_role::node, p.nodes, at[i].nodes, "nodes");
  }
}

/// Exactly one control and one cluster_manager, at least one gateway and one
/// selector; the selector and the cluster manager in the control's process.
void check_control_plane(reader& r, const toml::node* processes_at,
                         const std::vector<process_config>& procs,
                         const std::vector<process_places>& at) {
  for (const auto& a : at)
    if (!a.roles_complete)
      return; // a role may be missing only because it was misspelt
  auto role_entry = [&](size_t i, process_role role) {
    const auto& roles = procs[i].roles;
    auto k = static_cast<size_t>(std::find(roles.begin(), roles.end(), role)
                                 - roles.begin());
    return std::pair{
      at[i].role_entries[k],
      reader::index(reader::index("processes", i) + ".roles", k)};
  };
  auto require = [&](process_role role, bool exactly_one) {
    auto name = std::string{to_string(role)};
    std::optional<size_t> first;
    for (size_t i = 0; i < procs.size(); ++i) {
      if (!procs[i].has(role))
        continue;
      if (!first) {
        first = i;
      } else if (exactly_one) {
        auto [node, path] = role_entry(i, role);
        r.problem(node, path,
                  "only one process may have the " + name + " role ("
                    + name_of(*first, procs[*first]) + " has it)");
      }
    }
    if (!first)
      r.problem(processes_at, "processes",
                "no process has the " + name + " role ("
                  + (exactly_one ? "exactly" : "at least") + " one must)");
  };
  require(process_role::control, true);
  require(process_role::cluster_manager, true);
  require(process_role::gateway, false);
  require(process_role::selector, false);

  auto controls = std::count_if(procs.begin(), procs.end(), [](auto& p) {
    return p.has(process_role::control);
  });
  if (controls != 1)
    return;
  size_t c = 0;
  while (!procs[c].has(process_role::control))
    ++c;
  // The selector and the cluster manager share the control's store and
  // answer it on every registration: they run in the control's process.
  // Gateways may run anywhere (they reach the control through CAF).
  for (auto role : {process_role::selector, process_role::cluster_manager})
    if (!procs[c].has(role)
        && std::any_of(procs.begin(), procs.end(),
                       [role](auto& p) { return p.has(role); }))
      r.problem(at[c].roles, reader::index("processes", c) + ".roles",
                "the " + std::string{to_string(role)}
                  + " role must run in the control process ("
                  + name_of(c, procs[c]) + "); add it to these roles");
}

/// No address (host, port) is claimed twice by HTTP, balancer or CAF
/// listeners; a listener of a process is on that process's host.
void check_addresses(reader& r, const topology& topo,
                     const toml::node* gateway_http,
                     const std::vector<cluster_places>& cplaces,
                     const std::vector<process_config>& procs,
                     const std::vector<process_places>* at) {
  std::map<std::pair<std::string, uint16_t>, std::string> claimed;
  auto claim
    = [&](const endpoint& ep, std::string owner, const toml::node* node,
          const std::string& path, const std::string& kind) {
        if (ep.port == 0)
          return;
        auto [it, fresh] = claimed.emplace(std::pair{ep.host, ep.port}, owner);
        if (!fresh)
          r.problem(node, path,
                    kind + " address " + ep.to_string()
                      + " is used twice (also " + it->second + ")");
      };
  for (size_t i = 0; i < procs.size(); ++i) {
    const auto& p = procs[i];
    if (!p.http)
      continue;
    auto path = at ? reader::index("processes", i) + ".http" : "gateway.http";
    claim(*p.http, "the http of process " + quoted(p.name),
          at ? (*at)[i].http : gateway_http, path, "listen");
    if (at && elsewhere(p.http->host, p.host))
      r.problem((*at)[i].http, path,
                "host " + p.http->host + " is not the process's host (" + p.host
                  + ")");
  }
  for (size_t c = 0; c < topo.clusters.size(); ++c) {
    const auto& cl = topo.clusters[c];
    for (size_t b = 0; b < cl.balancers.size(); ++b) {
      const auto& bal = cl.balancers[b];
      claim(bal.listen, "balancer " + quoted(bal.id), cplaces[c].listens[b],
            reader::index("clusters", c) + ".balancers", "listen");
      if (at == nullptr || bal.id.empty())
        continue;
      for (const auto& p : procs)
        if (contains(p.balancers, bal.id) && elsewhere(bal.listen.host, p.host))
          r.problem(
            cplaces[c].listens[b],
            reader::index(reader::index("clusters", c) + ".balancers", b)
              + ".listen",
            "host " + bal.listen.host + " is not the host of process "
              + quoted(p.name) + " (" + p.host + "), which runs this balancer");
    }
  }
  for (size_t i = 0; i < procs.size(); ++i) {
    const auto& p = procs[i];
    if (at)
      claim(p.caf_endpoint(), "the caf_port of process " + quoted(p.name),
            (*at)[i].caf_port, reader::index("processes", i) + ".caf_port",
            "caf");
  }
}

/// Processes on several machines cannot reach one at a loopback address.
void check_reachable(reader& r, const std::vector<process_config>& procs,
                     const std::vector<process_places>& at) {
  auto remote = std::find_if(procs.begin(), procs.end(), [](auto& p) {
    auto kind = classify(p.host);
    return kind == host_kind::address || kind == host_kind::name;
  });
  if (remote == procs.end())
    return;
  auto j = static_cast<size_t>(remote - procs.begin());
  for (size_t i = 0; i < procs.size(); ++i)
    if (classify(procs[i].host) == host_kind::loopback)
      r.problem(at[i].host, reader::index("processes", i) + ".host",
                procs[i].host + " is reachable only from its own machine, but "
                  + name_of(j, procs[j]) + " is on " + procs[j].host);
}

/// The process of a file without [[processes]]: everything in one.
process_config all_in_one(const topology& topo) {
  process_config p;
  p.name = std::string{all_in_one_process_name};
  p.roles = all_process_roles();
  p.http = topo.http;
  // Where tetherd has always kept the all-in-one store (its --data default).
  p.data = "tether-data";
  for (const auto& c : topo.clusters) {
    for (const auto& b : c.balancers)
      p.balancers.push_back(b.id);
    p.nodes.insert(p.nodes.end(), c.nodes.begin(), c.nodes.end());
  }
  p.scheduler = topo.scheduler;
  return p;
}

} // namespace

/// Each problem about processes[i] ends with the process's name (when it
/// has a valid one), so that an operator reads `(process "C1-b1")`, not only
/// the index; the path stays as written in the file.
void name_the_processes(problems& list,
                        const std::vector<process_config>& procs) {
  static const std::regex at{R"(^[^:]*(?::\d+)?: processes\[(\d+)\][.:])"};
  for (auto& text : list.list) {
    std::smatch m;
    if (!std::regex_search(text, m, at))
      continue;
    auto i = std::stoul(m[1].str());
    if (i < procs.size() && !procs[i].name.empty() && valid_id(procs[i].name))
      text += " (process " + quoted(procs[i].name) + ")";
  }
}

void read_processes(reader& r, const toml::table& root, topology& topo,
                    const std::vector<cluster_places>& clusters) {
  const toml::node* gateway_http = nullptr;
  if (auto* gw = root.get("gateway"); gw && gw->is_table())
    gateway_http = gw->as_table()->get("http");
  auto* node = root.get("processes");
  if (node == nullptr) {
    topo.processes.push_back(all_in_one(topo));
    topo.all_in_one = true;
    check_addresses(r, topo, gateway_http, clusters, topo.processes, nullptr);
    return;
  }
  auto* arr = node->as_array();
  if (arr == nullptr || arr->empty() || !arr->is_array_of_tables()) {
    r.problem(node, "processes",
              "must be a non-empty array of tables ([[processes]])");
    return;
  }
  if (gateway_http != nullptr)
    r.problem(gateway_http, "gateway.http",
              "with [[processes]], each gateway process sets its own http");
  std::vector<process_places> at(arr->size());
  bool several = arr->size() > 1;
  for (size_t i = 0; i < arr->size(); ++i) {
    process_config p;
    read_process(r, *arr->get(i)->as_table(), i, several, topo, p, at[i]);
    topo.processes.push_back(std::move(p));
  }
  const auto& procs = topo.processes;
  check_names(r, procs, at);
  check_hosting(r, topo, clusters, procs, at);
  check_role_lists(r, procs, at);
  check_control_plane(r, arr->get(0), procs, at);
  check_addresses(r, topo, gateway_http, clusters, procs, &at);
  check_reachable(r, procs, at);
  name_the_processes(r.errors, procs);
  name_the_processes(r.warnings, procs);
  for (const auto& p : procs)
    if (p.http) {
      topo.http = *p.http;
      break;
    }
}

} // namespace detail

} // namespace tether::config
