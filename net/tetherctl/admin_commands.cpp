// tetherctl's commands on quality classes and cluster settings (issue 13,
// docs/OPERATORS.md): `classes`, `class clear NAME`, `class members NAME`,
// `cluster set ID`.
#include <iostream>
#include <map>

#include <unistd.h>

#include "net/tetherctl/commands.hpp"
#include "net/tetherctl/output.hpp"
#include "net/tetherctl/table.hpp"

namespace tether::ctl {

namespace json = boost::json;

int cmd_classes(context& cx) {
  return call_and_print(
    cx, "GET", "/v1/admin/classes", {}, [&](const json::value& v) {
      const auto& cs = array_at(v, "classes");
      if (cs.empty()) {
        *cx.out << "(no quality classes)\n";
        return;
      }
      table t{
        {"CLASS", "KIND", "MEMBERS", "FORMED", "EXPIRES", "FIRST MEMBERS"}};
      for (const auto& c : cs) {
        auto ids = list_text(c, "member_ids");
        auto shown = array_at(c, "member_ids").size();
        auto all = c.at("members").to_number<uint64_t>();
        if (shown < all)
          ids += ", ... (" + std::to_string(all - shown) + " more)";
        t.add({text_of(c, "name"), text_of(c, "kind"), text_of(c, "members"),
               text_of(c, "formed_at"), text_of(c, "expires_at"), ids});
      }
      *cx.out << t.str();
    });
}

namespace {

/// Asks on the terminal (stderr, stdin) whether to go on; false without a
/// terminal on stdin (scripts pass --yes).
bool confirmed(context& cx, const std::string& question) {
  if (::isatty(STDIN_FILENO) == 0) {
    *cx.err << "tetherctl: " << question
            << ": not confirmed (stdin is not a terminal; pass --yes)\n";
    return false;
  }
  *cx.err << question << " [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

} // namespace

int cmd_class_clear(context& cx, const std::string& name, bool yes) {
  if (!yes
      && !confirmed(cx, "clear class " + name
                          + " (its members are placed normally again)")) {
    *cx.err << "tetherctl: class " << name << " not cleared\n";
    return exit_usage;
  }
  return call_and_print(
    cx, "DELETE", "/v1/admin/classes/" + query_escape(name), {}, [&](auto& v) {
      *cx.out << "class " << text_of(v, "class") << " cleared ("
              << text_of(v, "terminals") << " terminals)\n";
    });
}

int cmd_class_members(context& cx, const std::string& name, int limit,
                      const std::string& cursor) {
  auto target = "/v1/admin/classes/" + query_escape(name)
              + "/members?limit=" + std::to_string(limit);
  if (!cursor.empty())
    target += "&cursor=" + query_escape(cursor);
  return call_and_print(cx, "GET", target, {}, [&](auto& v) {
    for (const auto& id : array_at(v, "member_ids"))
      *cx.out << id.as_string().c_str() << "\n";
    const auto* next = v.as_object().if_contains("next");
    if (next != nullptr && next->is_string())
      *cx.out << "more: tetherctl class members " << name << " --limit "
              << limit << " --cursor " << next->as_string().c_str() << "\n";
  });
}

namespace {

/// The --label changes: item -> its values (none: the item is removed).
using label_changes = std::map<std::string, std::vector<std::string>>;

/// Parses every --label ("ITEM=V1,V2"; "ITEM=" removes the item), each
/// item once. False after saying why for a malformed or repeated one.
bool parse_labels(context& cx, const std::vector<std::string>& texts,
                  label_changes& out) {
  for (const auto& text : texts) {
    auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
      *cx.err << "tetherctl: --label " << text
              << ": expected ITEM=VALUE[,VALUE...] (ITEM= removes the item)\n";
      return false;
    }
    auto item = text.substr(0, eq);
    std::vector<std::string> values;
    if (eq + 1 < text.size() && !split_list(text.substr(eq + 1), values)) {
      *cx.err << "tetherctl: --label " << text
              << ": an empty value (expected ITEM=VALUE[,VALUE...])\n";
      return false;
    }
    if (!out.emplace(item, std::move(values)).second) {
      *cx.err << "tetherctl: --label " << item
              << " is given twice (give its values in one: ITEM=V1,V2)\n";
      return false;
    }
  }
  return true;
}

} // namespace

int cmd_cluster_set(context& cx, const cluster_set_options& o) {
  json::object body;
  label_changes changes;
  if (!parse_labels(cx, o.labels, changes))
    return exit_usage;
  if (!changes.empty()) {
    json::object labels;
    if (!o.replace_labels) { // the labels it has, changed by those given
      int code = exit_ok;
      auto now
        = cx.call("GET", "/v1/admin/clusters/" + query_escape(o.id), {}, code);
      if (!now)
        return code;
      if (auto* l = now->as_object().if_contains("labels");
          l != nullptr && l->is_object())
        labels = l->as_object();
    }
    for (const auto& [item, values] : changes)
      if (values.empty())
        labels.erase(item);
      else
        labels[item] = json::value_from(values);
    body["labels"] = std::move(labels);
  }
  if (o.weight >= 0)
    body["weight"] = o.weight;
  if (!o.state.empty())
    body["state"] = o.state;
  if (body.empty()) {
    *cx.err << "tetherctl: cluster set needs --label, --weight or --state\n";
    return exit_usage;
  }
  return call_and_print(cx, "PUT", "/v1/admin/clusters/" + query_escape(o.id),
                        json::serialize(body), [&](auto& v) {
                          *cx.out << key_values(
                            {{"cluster_id", text_of(v, "cluster_id")},
                             {"state", text_of(v, "state")},
                             {"weight", text_of(v, "weight")},
                             {"labels", labels_text(v.at("labels"))}});
                        });
}

} // namespace tether::ctl
