// tetherctl's commands: each one asks the HTTP API (docs/API.md) and
// prints the answer as an aligned table (people) or the JSON (`--json`,
// scripts). Every command returns one of the exit codes below.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "net/tetherctl/http_client.hpp"

namespace tether::ctl {

/// tetherctl's exit codes (documented in --help and docs/OPERATORS.md).
enum exit_code : int {
  exit_ok = 0,
  exit_problems = 1,   // check-config: the file has problems
  exit_usage = 2,      // bad command line, unreadable key file
  exit_refused = 3,    // the server answered 4xx/5xx (its error printed)
  exit_unreachable = 4 // no answer (cannot connect, timeout, not HTTP/JSON)
};

/// What every command needs: the server, the key, the output form.
struct context {
  transport* net = nullptr;
  std::string key; // empty: no Authorization header
  bool json = false;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  /// The last answer's body as it came (printed as is with --json: a job's
  /// payload must not be rewritten on the way).
  std::string body;

  /// One request; the answer's JSON on a 2xx, else nothing with `code`
  /// set after printing why on `err` (the server's own error message).
  std::optional<boost::json::value> call(const std::string& method,
                                         const std::string& target,
                                         const std::string& body, int& code);
};

/// Appends the parts of "a,b,c" to `parts`; false when one is empty
/// ("a,,b", "a,", ""): a list an operator gives is not trimmed silently.
bool split_list(const std::string& text, std::vector<std::string>& parts);

int cmd_status(context& cx);
int cmd_clusters(context& cx);
/// GET /v1/admin/nodes: every node with its cluster, state and process.
int cmd_nodes(context& cx);
/// GET /v1/admin/clusters/{id}: one cluster.
int cmd_cluster(context& cx, const std::string& id);
/// DELETE /v1/jobs/{id}: cancel a job that is not final.
int cmd_jobs_cancel(context& cx, const std::string& job_id);
/// DELETE /v1/terminals/{id}: retire a terminal.
int cmd_terminal_retire(context& cx, const std::string& id);
/// `kind`: "cluster", "node", or empty (find out from the clusters).
int cmd_set_state(context& cx, const std::string& id, const std::string& kind,
                  const std::string& state);
int cmd_terminal(context& cx, const std::string& id);
int cmd_terminals(context& cx, const std::string& prefix, int limit);
/// GET /v1/terminals/{id}/history: one page of records, newest first.
struct history_options {
  std::string terminal_id, since, cursor;
  int limit = 50;
};
int cmd_terminal_history(context& cx, const history_options& o);

struct push_options {
  std::string terminal_id, service = "print", payload = "{}", callback_url;
  std::string bulk_file; // --bulk FILE: POST /v1/jobs/bulk instead
  int ttl_s = 0;
};
int cmd_jobs_push(context& cx, const push_options& o);
/// POST /v1/jobs/bulk with FILE's contents ("-": `in`); one line per item;
/// exit_refused when any item was refused (net/tetherctl/bulk_push.cpp).
int cmd_jobs_push_bulk(context& cx, const std::string& file, std::istream& in);
int cmd_jobs_show(context& cx, const std::string& job_id);
int cmd_jobs_list(context& cx, const std::string& terminal_id,
                  const std::string& status, int limit);

/// Exactly one of: every terminal, one cluster, a list of terminals.
int cmd_reallocate(context& cx, bool all, const std::string& cluster_id,
                   const std::vector<std::string>& terminal_ids);
int cmd_label_config_get(context& cx);
/// No items replaces them only with `none` (an empty list, from a shell
/// variable left empty, would make every active cluster a candidate).
int cmd_label_config_set(context& cx, const std::vector<std::string>& items,
                         bool none);
int cmd_keys_list(context& cx);
int cmd_keys_create(context& cx, const std::string& name,
                    const std::vector<std::string>& scopes);
int cmd_keys_revoke(context& cx, const std::string& key_id);

/// GET /v1/admin/classes: the GE/GF quality classes (admin_commands.cpp).
int cmd_classes(context& cx);
/// DELETE /v1/admin/classes/{name}, after asking on the terminal unless
/// `yes` (without a terminal and without `yes`: exit_usage, nothing sent).
int cmd_class_clear(context& cx, const std::string& name, bool yes);
/// `class members NAME [--limit N] [--cursor C]`: one page of a class's
/// member ids (GET /v1/admin/classes/{name}/members).
int cmd_class_members(context& cx, const std::string& name, int limit,
                      const std::string& cursor);
/// PUT /v1/admin/clusters/{id}: labels (`ITEM=V1,V2`; `ITEM=` removes it;
/// merged into the cluster's labels unless replace_labels), weight (< 0:
/// unchanged), state (empty: unchanged).
struct cluster_set_options {
  std::string id, state;
  std::vector<std::string> labels;
  bool replace_labels = false;
  int weight = -1;
};
int cmd_cluster_set(context& cx, const cluster_set_options& o);

/// Validates a topology file locally (no server); every problem printed.
int cmd_check_config(context& cx, const std::string& path);

} // namespace tether::ctl
