// tetherctl: the operator's command line for a running tetherd, over its
// HTTP API (docs/API.md, docs/OPERATORS.md). CLI11 parses; commands.cpp
// does the work; http_client.cpp speaks HTTP.
#include <cstdlib>
#include <fstream>
#include <iostream>

#include <sys/stat.h>

#include <CLI/CLI.hpp>

#include "net/tetherctl/commands.hpp"
#include "net/tetherctl/ctl_config.hpp"

namespace {

using namespace tether::ctl;

const char* footer = R"(
ENVIRONMENT
  TETHER_SERVER    server URL when --server is not given
                   (default http://127.0.0.1:8080; https://HOST:PORT for a
                   tetherd with [edge_tls])
  TETHER_KEY       API key when neither --key nor --key-file is given
  TETHER_KEY_FILE  file holding the API key when none of --key, --key-file,
                   TETHER_KEY is given (default ./tether-data/secrets/admin-key)
  TETHER_CA        CA certificate (PEM) for https:// when --ca is not given
                   (default: the system's trust store)
  TETHER_CONFIG    settings file when --config is not given

FILES
  ~/.config/tether/tetherctl.toml   settings ($XDG_CONFIG_HOME/tether/...):
                                    server = "https://host:8080"
                                    key_file = "/path/admin-key" (or key)
                                    ca = "/path/ca.crt"
                                    flags override the environment, which
                                    overrides this file
  ./tether-data/secrets/admin-key   the admin key tetherd creates on its
                                    first start (every scope)

EXIT STATUS
  0  success
  1  check-config: the file has problems (each one printed)
  2  usage: bad command line, unreadable key, CA or settings file, a
     settings file with problems, bad --payload
  3  refused: the server answered 4xx/5xx; its error code and message
     are printed on stderr (e.g. 401 unauthorized, 404 not_found)
  4  unreachable: no HTTP answer (cannot connect, timeout, not JSON, or
     JSON of a shape this tetherctl does not expect)

EXAMPLES
  tetherctl status
  tetherctl clusters --json
  tetherctl drain N1            (a node or a cluster id)
  tetherctl jobs push T1 --service print --payload '{"text":"hi"}'
  tetherctl jobs push --bulk jobs.json   (the body of POST /v1/jobs/bulk)
  tetherctl reallocate --cluster C1
  tetherctl cluster set C1 --label region=GG1,GG2 --weight 2
  tetherctl classes
  tetherctl class clear ge-1767225600 --yes
  tetherctl class members ge-1767225600 --limit 100
  tetherctl check-config topology.toml
)";

/// The command line's values.
struct options {
  std::string server, key, key_file, ca, config, id, kind, status, name, prefix;
  bool json = false, all = false, to_cluster = false, to_node = false,
       yes = false, none = false;
  int timeout_s = 10, limit = 50;
  std::vector<std::string> items;
  push_options push;
  history_options history;
  cluster_set_options cluster;
};

std::string env_or(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string{v} : fallback;
}

/// Warns (as ssh does) when a file holding a key can be read by others.
void warn_if_readable_by_others(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
    std::cerr << "tetherctl: warning: " << path
              << " holds a key and is readable by others (mode " << std::oct
              << (st.st_mode & 0777) << std::dec << "): chmod 600 " << path
              << "\n";
}

/// The settings file (--config, else TETHER_CONFIG, else the default
/// path) under the flags and the environment: fills what neither gave.
/// False after saying why when the file has problems, or when a file named
/// explicitly cannot be read (a missing default file is fine).
bool apply_settings_file(options& o) {
  auto path = o.config.empty() ? env_or("TETHER_CONFIG", "") : o.config;
  bool named = !path.empty();
  if (!named)
    path = default_ctl_config_path();
  if (path.empty() || (!named && !std::ifstream{path}))
    return true;
  if (!std::ifstream{path}) {
    std::cerr << "tetherctl: cannot read settings file " << path << "\n";
    return false;
  }
  ctl_file_settings f;
  if (auto problems = read_ctl_config(path, f); !problems.empty()) {
    std::cerr << problems << "\n";
    return false;
  }
  if (!f.key.empty())
    warn_if_readable_by_others(path);
  bool key_given = !o.key.empty() || !o.key_file.empty()
                || std::getenv("TETHER_KEY") || std::getenv("TETHER_KEY_FILE");
  if (o.server.empty())
    o.server = env_or("TETHER_SERVER", f.server);
  if (o.ca.empty())
    o.ca = env_or("TETHER_CA", f.ca);
  if (!key_given) {
    o.key = f.key;
    o.key_file = f.key.empty() ? f.key_file : "";
  }
  return true;
}

/// The key: --key, else the first line of --key-file, else TETHER_KEY,
/// else the first line of TETHER_KEY_FILE, else the settings file's key or
/// key_file, else the default file (a missing default file: no key).
/// False after saying why when a key file named explicitly cannot be read.
bool resolve_key(options& o, std::string& key) {
  key = o.key;
  if (key.empty() && o.key_file.empty())
    key = env_or("TETHER_KEY", "");
  if (!key.empty())
    return true;
  bool named = !o.key_file.empty() || std::getenv("TETHER_KEY_FILE");
  auto path = o.key_file.empty()
              ? env_or("TETHER_KEY_FILE", "tether-data/secrets/admin-key")
              : o.key_file;
  std::ifstream in{path};
  if (!in) {
    if (named)
      std::cerr << "tetherctl: cannot read key file " << path << "\n";
    return !named;
  }
  std::getline(in, key);
  while (!key.empty() && (key.back() == '\r' || key.back() == ' '))
    key.pop_back();
  warn_if_readable_by_others(path);
  if (key.empty()) {
    std::cerr << "tetherctl: key file " << path
              << " is empty (its first line is the key)\n";
    return false;
  }
  return true;
}

} // namespace

namespace {

using runner = std::function<int(context&)>;

/// An integer written as one ("1.5" or "2e3" is not: CLI11 would call
/// them out of range).
const CLI::Validator whole_number{
  [](std::string& text) {
    size_t i = !text.empty() && (text[0] == '-' || text[0] == '+') ? 1 : 0;
    bool ok = i < text.size()
           && text.find_first_not_of("0123456789", i) == std::string::npos;
    return ok ? std::string{} : "not an integer: " + text;
  },
  "INTEGER"};

void add_fleet_commands(CLI::App& app, options& o, runner& run) {
  app.add_subcommand("status", "health of the control plane and fleet totals")
    ->callback([&] { run = cmd_status; });
  auto* cs = app.add_subcommand(
    "clusters", "clusters: state, weight, connections, terminals, labels (one "
                "cluster in detail with ID)");
  cs->add_option("ID", o.id, "one cluster's id");
  cs->callback([&] {
    run = o.id.empty() ? runner{cmd_clusters} : [&](context& cx) {
      return cmd_cluster(cx, o.id);
    };
  });
  app
    .add_subcommand("nodes",
                    "nodes: cluster, state, sessions, CPU, memory, process")
    ->callback([&] { run = cmd_nodes; });
  for (const char* verb : {"drain", "activate"}) {
    std::string state = verb == std::string{"drain"} ? "draining" : "active";
    auto* c = app.add_subcommand(
      verb, std::string{verb}
              + " a node or a cluster (a cluster id is "
                "looked up among the clusters, else a node)");
    c->add_option("ID", o.id, "node or cluster id")->required();
    auto* as_cluster
      = c->add_flag("--cluster", o.to_cluster, "ID is a cluster");
    c->add_flag("--node", o.to_node, "ID is a node")->excludes(as_cluster);
    c->callback([&o, &run, state] {
      auto kind = o.to_cluster ? "cluster" : o.to_node ? "node" : "";
      run = [&o, state, kind](context& cx) {
        return cmd_set_state(cx, o.id, kind, state);
      };
    });
  }
  auto* t = app.add_subcommand("terminal", "one terminal: placement, label, "
                                           "attributes, users, history");
  t->add_option("ID", o.id, "terminal id");
  auto* retire = t->add_subcommand(
    "retire", "retire a terminal: its connection closed, its open jobs "
              "canceled, its record removed, its tokens refused");
  retire->add_option("ID", o.id, "terminal id")->required();
  retire->callback([&] {
    run = [&](context& cx) {
      return cmd_terminal_retire(cx, o.id);
    };
  });
  auto* history = t->add_subcommand(
    "history", "one page of a terminal's history records, newest first "
               "(register, jobs, connects, disconnects; docs/API.md History)");
  history->add_option("ID", o.history.terminal_id, "terminal id")->required();
  history->add_option("--since", o.history.since,
                      "only records at or after this RFC 3339 time");
  history->add_option("--limit", o.history.limit, "at most this many")
    ->check(CLI::Range(1, 1000));
  history->add_option("--cursor", o.history.cursor,
                      "the page after the one that printed this cursor");
  history->callback([&] {
    run = [&](context& cx) {
      return cmd_terminal_history(cx, o.history);
    };
  });
  t->callback([&, retire, history] {
    if (retire->parsed() || history->parsed())
      return;
    if (o.id.empty())
      throw CLI::RequiredError("ID");
    run = [&](context& cx) {
      return cmd_terminal(cx, o.id);
    };
  });
  auto* ts = app.add_subcommand("terminals", "terminals whose id starts with a "
                                             "prefix");
  ts->add_option("PREFIX", o.prefix, "id prefix (empty: any)");
  ts->add_option("--limit", o.limit, "at most this many")
    ->check(CLI::Range(1, 1000));
  ts->callback([&] {
    run = [&](context& cx) {
      return cmd_terminals(cx, o.prefix, o.limit);
    };
  });
}

void add_job_commands(CLI::App& app, options& o, runner& run) {
  auto* jobs = app.add_subcommand("jobs", "push, show, list and cancel jobs");
  jobs->require_subcommand(1);
  auto* push = jobs->add_subcommand("push", "push a job to a terminal");
  auto* terminal
    = push->add_option("TERMINAL", o.push.terminal_id, "terminal id");
  push
    ->add_option("--bulk", o.push.bulk_file,
                 "push many jobs in one request: FILE (\"-\": standard "
                 "input) holds the body of POST /v1/jobs/bulk")
    ->excludes(terminal);
  push->add_option("--service", o.push.service, "service name")
    ->capture_default_str();
  push->add_option("--payload", o.push.payload, "payload, a JSON object")
    ->capture_default_str();
  push->add_option("--ttl", o.push.ttl_s, "seconds before it expires")
    ->check(CLI::Range(1, 2592000));
  push->add_option("--callback-url", o.push.callback_url,
                   "URL posted when the job finishes");
  push->callback([&] {
    if (o.push.bulk_file.empty() && o.push.terminal_id.empty())
      throw CLI::RequiredError("TERMINAL or --bulk FILE");
    run = [&](context& cx) {
      return o.push.bulk_file.empty()
             ? cmd_jobs_push(cx, o.push)
             : cmd_jobs_push_bulk(cx, o.push.bulk_file, std::cin);
    };
  });
  auto* show = jobs->add_subcommand("show", "one job and its timeline");
  show->add_option("JOB", o.id, "job id")->required();
  show->callback([&] {
    run = [&](context& cx) {
      return cmd_jobs_show(cx, o.id);
    };
  });
  auto* cancel = jobs->add_subcommand(
    "cancel", "cancel a job that is not finished (queued, delivered, acked)");
  cancel->add_option("JOB", o.id, "job id")->required();
  cancel->callback([&] {
    run = [&](context& cx) {
      return cmd_jobs_cancel(cx, o.id);
    };
  });
  auto* list = jobs->add_subcommand("list", "recent jobs, newest first");
  list->add_option("--terminal", o.id, "only this terminal's");
  list
    ->add_option("--status", o.status,
                 "only jobs in this status (cancelled, the older "
                 "spelling, is understood too)")
    ->check(CLI::IsMember({"queued", "delivered", "acked", "done", "failed",
                           "expired", "canceled", "cancelled"}));
  list->add_option("--limit", o.limit, "at most this many")
    ->check(CLI::Range(1, 1000))
    ->capture_default_str();
  list->callback([&] {
    run = [&](context& cx) {
      return cmd_jobs_list(cx, o.id, o.status, o.limit);
    };
  });
}

void add_admin_commands(CLI::App& app, options& o, runner& run) {
  auto* re = app.add_subcommand("reallocate", "re-place terminals under the "
                                              "current labels");
  re->add_flag("--all", o.all, "every terminal");
  re->add_option("--cluster", o.id, "the terminals of one cluster");
  re->add_option("--terminals", o.items, "these terminals (ID,ID,...)");
  re->callback([&] {
    run = [&](context& cx) {
      return cmd_reallocate(cx, o.all, o.id, o.items);
    };
  });
  auto* lc = app.add_subcommand("label-config", "the label items in use");
  lc->require_subcommand(1);
  lc->add_subcommand("get", "show them")->callback([&] {
    run = cmd_label_config_get;
  });
  auto* set = lc->add_subcommand("set", "replace them (--none: every active "
                                        "cluster is a candidate)");
  set->add_option("ITEM", o.items, "label items, e.g. region model");
  set->add_flag("--none", o.none, "no label items: placement by load only");
  set->callback([&] {
    run = [&](context& cx) {
      return cmd_label_config_set(cx, o.items, o.none);
    };
  });
  auto* keys = app.add_subcommand("keys", "API keys: list, create, revoke");
  keys->require_subcommand(1);
  keys->add_subcommand("list", "every key (never the secret)")->callback([&] {
    run = cmd_keys_list;
  });
  auto* create = keys->add_subcommand("create", "a new key, shown once");
  create->add_option("NAME", o.name, "its name")->required();
  create->add_option("--scope", o.items, "a scope (repeat for more)")
    ->required();
  create->callback([&] {
    run = [&](context& cx) {
      return cmd_keys_create(cx, o.name, o.items);
    };
  });
  auto* revoke = keys->add_subcommand("revoke", "revoke a key");
  revoke->add_option("KEY_ID", o.id, "key id")->required();
  revoke->callback([&] {
    run = [&](context& cx) {
      return cmd_keys_revoke(cx, o.id);
    };
  });
}

/// Quality classes and a cluster's settings (admin_commands.cpp).
void add_class_commands(CLI::App& app, options& o, runner& run) {
  app
    .add_subcommand("classes", "GE/GF quality classes: kind, members, when "
                               "they formed and expire")
    ->callback([&] { run = cmd_classes; });
  auto* cl = app.add_subcommand("class", "one quality class");
  cl->require_subcommand(1);
  auto* clear = cl->add_subcommand(
    "clear", "end a class: its members are placed normally again (asks "
             "first unless --yes)");
  clear->add_option("NAME", o.name, "class name (ge-... or a group value)")
    ->required();
  clear->add_flag("--yes,-y", o.yes, "do not ask");
  clear->callback([&] {
    run = [&](context& cx) {
      return cmd_class_clear(cx, o.name, o.yes);
    };
  });
  auto* members = cl->add_subcommand(
    "members", "one page of a class's member ids, in id order");
  members->add_option("NAME", o.name, "class name")->required();
  members->add_option("--limit", o.history.limit, "at most this many")
    ->check(CLI::Range(1, 1000));
  members->add_option("--cursor", o.history.cursor,
                      "the page after the one that printed this cursor");
  members->callback([&] {
    run = [&](context& cx) {
      return cmd_class_members(cx, o.name, o.history.limit, o.history.cursor);
    };
  });
  auto* cu = app.add_subcommand("cluster", "change one cluster's settings");
  cu->require_subcommand(1);
  auto* set = cu->add_subcommand(
    "set", "labels, weight, state of a cluster (PUT /v1/admin/clusters/ID)");
  set->add_option("ID", o.cluster.id, "cluster id")->required();
  set->add_option("--label", o.cluster.labels,
                  "ITEM=V1,V2 (repeat for more; ITEM= removes the item); "
                  "merged into the cluster's labels");
  set->add_flag("--replace-labels", o.cluster.replace_labels,
                "the --label items become all of the cluster's labels");
  set->add_option("--weight", o.cluster.weight, "its weight")
    ->check(whole_number & CLI::Range(0, 1'000'000));
  set->add_option("--state", o.cluster.state, "its state")
    ->check(CLI::IsMember({"active", "draining"}));
  set->callback([&] {
    run = [&](context& cx) {
      return cmd_cluster_set(cx, o.cluster);
    };
  });
}

/// The command that was parsed deepest (`app` itself when none was).
const CLI::App* deepest_command(const CLI::App& app) {
  const CLI::App* at = &app;
  while (!at->get_subcommands().empty())
    at = at->get_subcommands().front();
  return at;
}

/// CLI11 says "A subcommand is required" both for a missing command and for
/// one it does not know (`tetherctl bogus`): name the word it did not know
/// and the commands that exist there instead. Other errors: CLI11's words.
int usage_error(const CLI::App& app, const CLI::ParseError& e) {
  const auto* at = deepest_command(app);
  if (e.get_name() != "RequiredError" || at->get_require_subcommand_min() == 0)
    return app.exit(e) == 0 ? exit_ok : exit_usage;
  std::string names;
  for (const auto* sub :
       at->get_subcommands([](const CLI::App*) { return true; }))
    names += (names.empty() ? "" : ", ") + sub->get_name();
  std::string where = at == &app ? "tetherctl" : "tetherctl " + at->get_name();
  auto rest = app.remaining(true);
  if (rest.empty())
    std::cerr << where << ": a command is required";
  else if (rest.front().rfind('-', 0) == 0)
    std::cerr << where << ": unknown option \"" << rest.front()
              << "\" and no command";
  else
    std::cerr << where << ": unknown command \"" << rest.front() << "\"";
  std::cerr << " (one of: " << names
            << ")\nRun with --help for more "
               "information.\n";
  return exit_usage;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"tetherctl - operate a Tether deployment through its HTTP API",
               "tetherctl"};
  app.footer(footer);
  app.set_version_flag("--version", std::string{"tetherctl "} + TETHER_VERSION);
  app.require_subcommand(1);
  // --json, --server etc. also after the command (subcommands inherit it)
  app.fallthrough();
  options o;
  runner run;
  bool local = false;
  app.add_option("--server", o.server,
                 "server URL (http://HOST:PORT or https://HOST:PORT)");
  app.add_option("--ca", o.ca,
                 "CA certificate (PEM) that the https:// server's "
                 "certificate must chain to (default: the system's)");
  app.add_option("--config", o.config,
                 "settings file (TOML: server, key, key_file, ca; default "
                 "~/.config/tether/tetherctl.toml)");
  app.add_option("--key", o.key, "API key");
  app.add_option("--key-file", o.key_file, "file whose first line is the key");
  app.add_flag("--json", o.json, "print the API's JSON instead of tables");
  app.add_option("--timeout", o.timeout_s, "seconds to wait for an answer")
    ->check(CLI::Range(1, 3600))
    ->capture_default_str();
  add_fleet_commands(app, o, run);
  add_job_commands(app, o, run);
  add_admin_commands(app, o, run);
  add_class_commands(app, o, run);
  auto* check = app.add_subcommand(
    "check-config", "validate a topology file and the client CA and CRL "
                    "files of its [edge_tls] (no server needed)");
  check->add_option("FILE", o.id, "topology file (TOML)")->required();
  check->callback([&] {
    local = true;
    run = [&](context& cx) {
      return cmd_check_config(cx, o.id);
    };
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return usage_error(app, e);
  }
  context cx;
  cx.json = o.json;
  cx.out = &std::cout;
  cx.err = &std::cerr;
  if (local)
    return run(cx);
  if (!apply_settings_file(o) || !resolve_key(o, cx.key))
    return exit_usage;
  server_url url;
  auto text = o.server.empty()
              ? env_or("TETHER_SERVER", "http://127.0.0.1:8080")
              : o.server;
  std::string problem = parse_server_url(text, url);
  auto net = problem.empty()
             ? make_transport(url, std::chrono::seconds{o.timeout_s}, problem,
                              o.ca.empty() ? env_or("TETHER_CA", "") : o.ca)
             : nullptr;
  if (!net) {
    std::cerr << "tetherctl: " << problem << "\n";
    return exit_usage;
  }
  cx.net = net.get();
  try {
    return run(cx);
  } catch (const std::exception& e) { // an answer of an unexpected shape
    std::cerr << "tetherctl: the server's answer is not what this tetherctl "
                 "expects ("
              << e.what() << ")\n";
    return exit_unreachable;
  }
}
