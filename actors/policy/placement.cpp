#include "actors/policy/placement.hpp"

#include <algorithm>
#include <utility>

#include "config/cidr.hpp"

namespace tether {

assigned_label select_label(const terminal_record& facts,
                            const std::vector<std::string>& items) {
  assigned_label out;
  for (const auto& item : items) {
    const std::string* value = nullptr;
    if (item == "region")
      value = &facts.region;
    else if (item == "model")
      value = &facts.model;
    else if (item == "firmware")
      value = &facts.firmware;
    else if (item == "user" && !facts.users.empty())
      value = &facts.users.front(); // the first linked user (GH)
    else if (auto i = facts.attributes.find(item); i != facts.attributes.end())
      value = &i->second;
    if (value != nullptr && !value->empty())
      out.items.emplace(item, *value);
  }
  return out;
}

std::optional<label_matching> parse_label_matching(const std::string& s) {
  if (s == "strict")
    return label_matching::strict;
  if (s == "lenient")
    return label_matching::lenient;
  return std::nullopt;
}

bool label_matches(const config::cluster_labels& labels,
                   const assigned_label& label, label_matching how) {
  for (const auto& [item, value] : label.items) {
    auto i = labels.find(item);
    if (i == labels.end()) {
      if (how == label_matching::strict)
        return false; // S640: the cluster must carry every item
      continue;       // lenient: the cluster does not restrict this item
    }
    const auto& accepted = i->second;
    if (std::find(accepted.begin(), accepted.end(), value) == accepted.end()
        && std::find(accepted.begin(), accepted.end(), "*") == accepted.end())
      return false;
  }
  return true;
}

size_t label_class(const config::cluster_labels& labels,
                   const assigned_label& label) {
  const auto& computed = computed_item_names();
  size_t n = 0;
  for (const auto& [item, value] : label.items)
    if (auto i = labels.find(item);
        i != labels.end()
        && std::find(computed.begin(), computed.end(), item) != computed.end()
        && std::find(i->second.begin(), i->second.end(), value)
             != i->second.end())
      ++n;
  return n;
}

const std::vector<std::string>& computed_item_names() {
  static const std::vector<std::string> names{
    "print_frequency",     "api_call_frequency", "api_error_frequency",
    "disconnect_group",    "failure_group",      "user",
    "user_usage_frequency"};
  return names;
}

std::string forbidden_attribute(const std::map<std::string, std::string>& attrs,
                                bool from_device) {
  const auto& computed = computed_item_names();
  for (const auto& [name, value] : attrs) {
    if (std::find(computed.begin(), computed.end(), name) != computed.end())
      return name;
    if (from_device && name == "service")
      return name;
  }
  return {};
}

std::string derived_region(const config::region_config& cfg,
                           const std::string& terminal_id,
                           const std::string& address,
                           const std::string& claim) {
  auto ip = address.empty() ? std::nullopt : config::parse_ip(address);
  for (const auto& rule : cfg.map) {
    if (!rule.id_prefix.empty()) {
      if (terminal_id.compare(0, rule.id_prefix.size(), rule.id_prefix) == 0)
        return rule.region;
    } else if (ip) {
      auto range = config::parse_cidr(rule.cidr);
      if (range && range->contains(*ip))
        return rule.region;
    }
  }
  return cfg.device_claim ? claim : std::string{};
}

bool null_label_model(const config::label_rules& rules,
                      const std::string& model) {
  const auto& models = rules.null_label_models;
  return !model.empty()
      && std::find(models.begin(), models.end(), model) != models.end();
}

std::optional<cluster_strategy> parse_cluster_strategy(const std::string& s) {
  if (s == "fewest_connections")
    return cluster_strategy::fewest_connections;
  if (s == "least_load")
    return cluster_strategy::least_load;
  if (s == "weighted")
    return cluster_strategy::weighted;
  if (s == "round_robin")
    return cluster_strategy::round_robin;
  if (s == "round_robin_per_user")
    return cluster_strategy::round_robin_per_user;
  return std::nullopt;
}

uint64_t& rr_cursors::of(const std::string& user) {
  if (user.empty())
    return global;
  if (per_user.size() >= max_users && per_user.count(user) == 0)
    per_user.clear();
  return per_user[user];
}

namespace {

/// a < b for least_load (the source's S670 and S230): the smaller memory
/// utilisation wins (also when CPU disagrees), equal memory goes by CPU.
bool lighter(double cpu_a, double mem_a, double cpu_b, double mem_b) {
  if (mem_a != mem_b)
    return mem_a < mem_b;
  return cpu_a < cpu_b;
}

/// a < b for weighted: connections / weight, compared without division.
bool less_per_weight(uint64_t load_a, uint32_t w_a, uint64_t load_b,
                     uint32_t w_b) {
  return load_a * w_b < load_b * w_a;
}

/// a < b for the least_load node strategy: memory utilisation, then CPU
/// utilisation, then sessions, each divided by the node's capacity
/// (sessions compared without division); only sessions while either node
/// has no report yet.
bool lighter_per_capacity(const node_status& a, const node_status& b) {
  uint64_t ka = std::max<uint32_t>(1, a.capacity);
  uint64_t kb = std::max<uint32_t>(1, b.capacity);
  // A node that has not reported yet (memory 0) is not the lightest for
  // that: until both have, sessions ÷ capacity decide.
  if (a.memory == 0 || b.memory == 0)
    return uint64_t{a.sessions} * kb < uint64_t{b.sessions} * ka;
  auto per = [](double v, uint64_t k) {
    return v / static_cast<double>(k);
  };
  if (per(a.memory_util, ka) != per(b.memory_util, kb)
      || per(a.cpu_util, ka) != per(b.cpu_util, kb))
    return lighter(per(a.cpu_util, ka), per(a.memory_util, ka),
                   per(b.cpu_util, kb), per(b.memory_util, kb));
  return uint64_t{a.sessions} * kb < uint64_t{b.sessions} * ka;
}

} // namespace

std::optional<size_t> choose_cluster(const std::vector<cluster_candidate>& cs,
                                     cluster_strategy strategy,
                                     rr_cursors& cursors,
                                     const std::string& user) {
  auto usable = [](const cluster_candidate& c) {
    return c.active && c.reachable && c.weight > 0;
  };
  if (strategy == cluster_strategy::round_robin
      || strategy == cluster_strategy::round_robin_per_user) {
    if (cs.empty())
      return std::nullopt;
    auto& cursor = strategy == cluster_strategy::round_robin_per_user
                   ? cursors.of(user)
                   : cursors.global;
    for (size_t n = 0; n < cs.size(); ++n) {
      auto i = (cursor + n) % cs.size();
      if (usable(cs[i])) {
        cursor = i + 1;
        return i;
      }
    }
    return std::nullopt;
  }
  auto better = [strategy](const cluster_candidate& a,
                           const cluster_candidate& b) {
    switch (strategy) {
    case cluster_strategy::least_load:
      // Loads are reported once a second; equal loads (at start, say)
      // go by connections, which count each assignment at once.
      if (a.memory_util != b.memory_util || a.cpu_util != b.cpu_util)
        return lighter(a.cpu_util, a.memory_util, b.cpu_util, b.memory_util);
      return a.connections < b.connections;
    case cluster_strategy::weighted:
      return less_per_weight(a.connections, a.weight, b.connections, b.weight);
    default:
      return a.connections < b.connections;
    }
  };
  std::optional<size_t> best;
  for (size_t i = 0; i < cs.size(); ++i)
    if (usable(cs[i]) && (!best || better(cs[i], cs[*best])))
      best = i;
  return best;
}

std::optional<size_t> choose_cluster(const std::vector<cluster_candidate>& cs,
                                     cluster_strategy strategy,
                                     uint64_t& rr_cursor) {
  rr_cursors cursors;
  cursors.global = rr_cursor;
  auto out = choose_cluster(cs, strategy, cursors);
  rr_cursor = cursors.global;
  return out;
}

cluster_strategy
strategy_for(const assigned_label& label, const std::vector<std::string>& items,
             const std::map<std::string, cluster_strategy>& item_strategies,
             cluster_strategy fallback) {
  for (const auto& item : items) {
    auto r = item_strategies.find(item);
    if (r != item_strategies.end() && label.items.count(item) > 0)
      return r->second;
  }
  return fallback;
}

std::optional<node_strategy> parse_node_strategy(const std::string& s) {
  if (s == "fewest_sessions")
    return node_strategy::fewest_sessions;
  if (s == "least_load")
    return node_strategy::least_load;
  if (s == "weighted")
    return node_strategy::weighted;
  return std::nullopt;
}

std::optional<size_t> choose_node(const std::vector<node_status>& nodes,
                                  node_strategy strategy,
                                  const std::vector<uint32_t>& weights) {
  auto weight = [&](size_t i) -> uint32_t {
    return i < weights.size() ? weights[i] : 1;
  };
  auto better = [&](size_t a, size_t b) {
    const auto& x = nodes[a];
    const auto& y = nodes[b];
    switch (strategy) {
    case node_strategy::least_load:
      return lighter_per_capacity(x, y);
    case node_strategy::weighted:
      return less_per_weight(x.sessions, weight(a), y.sessions, weight(b));
    default:
      return x.sessions < y.sessions;
    }
  };
  std::optional<size_t> best;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].state != "active")
      continue; // draining or failed: never chosen
    if (strategy == node_strategy::weighted && weight(i) == 0)
      continue;
    if (!best || better(i, *best))
      best = i;
  }
  return best;
}

// -- computed label items
// ------------------------------------------------------

uint64_t sliding_count(uint64_t current, uint64_t previous,
                       int64_t window_start_ms, int64_t now,
                       int64_t window_ms) {
  if (window_start_ms == 0 || window_ms <= 0)
    return 0;
  auto elapsed = std::max<int64_t>(now - window_start_ms, 0);
  if (elapsed >= 2 * window_ms)
    return 0;
  auto w = static_cast<long double>(window_ms);
  if (elapsed >= window_ms) {
    // The "current" window is already the previous one.
    auto part = (2 * w - elapsed) / w;
    return static_cast<uint64_t>(current * part + 0.5L);
  }
  auto part = (w - elapsed) / w;
  return current + static_cast<uint64_t>(previous * part + 0.5L);
}

uint64_t per_day(uint64_t total, int64_t since_ms, int64_t now) {
  constexpr long double day = 86'400'000.0L;
  long double days = 1.0L;
  if (since_ms > 0 && now > since_ms)
    days = std::max(1.0L, static_cast<long double>(now - since_ms) / day);
  return static_cast<uint64_t>(static_cast<long double>(total) / days);
}

std::string frequency_group(uint64_t count, const config::frequency_rule& r) {
  if (count >= r.high)
    return "high";
  if (r.medium > 0 && count >= r.medium)
    return "medium";
  return "low";
}

std::string fact_of(const terminal_record& facts, const std::string& item) {
  return fact_of(facts.region, facts.model, facts.firmware, facts.attributes,
                 item);
}

std::string fact_of(const std::string& region, const std::string& model,
                    const std::string& firmware,
                    const std::map<std::string, std::string>& attributes,
                    const std::string& item) {
  if (item == "region")
    return region;
  if (item == "model")
    return model;
  if (item == "firmware")
    return firmware;
  if (auto i = attributes.find(item); i != attributes.end())
    return i->second;
  return {};
}

disconnect_tracker::disconnect_tracker(config::label_rules rules,
                                       size_t max_events)
    : rules_(std::move(rules)), max_events_(std::max<size_t>(max_events, 1)) {}

void disconnect_tracker::add(disconnect_event e) {
  if (events_.empty() || events_.back().at_ms <= e.at_ms) {
    events_.push_back(std::move(e));
  } else {
    auto at = std::upper_bound(
      events_.begin(), events_.end(), e.at_ms,
      [](int64_t t, const disconnect_event& x) { return t < x.at_ms; });
    events_.insert(at, std::move(e));
  }
  while (events_.size() > max_events_) {
    events_.pop_front();
    ++dropped_;
  }
}

int64_t disconnect_tracker::prune(int64_t now) {
  auto longest
    = std::max(rules_.disconnect_group.window, rules_.failure_group.window)
        .count();
  auto cutoff = now - longest;
  bool dropped = dropped_ > 0;
  dropped_ = 0;
  while (!events_.empty() && events_.front().at_ms < cutoff) {
    events_.pop_front();
    dropped = true;
  }
  if (!dropped)
    return 0;
  // Everything before the oldest event kept is no longer needed.
  return events_.empty() ? cutoff : events_.front().at_ms;
}

std::vector<disconnect_event> disconnect_tracker::take_ended() {
  auto out = std::move(ended_);
  ended_.clear();
  return out;
}

void disconnect_tracker::refresh(
  int64_t now, const std::function<std::string(const std::string&)>& group_of,
  const std::unordered_map<std::string, size_t>& group_sizes) {
  const auto& ge = rules_.disconnect_group;
  const auto& gf = rules_.failure_group;
  std::unordered_set<std::string> addresses;
  std::vector<const disconnect_event*> ge_events;
  std::unordered_map<std::string, std::unordered_set<std::string>> by_group;
  for (const auto& e : events_) {
    auto age = std::max<int64_t>(now - e.at_ms, 0);
    if (!e.address.empty() && age <= ge.window.count()) {
      addresses.insert(e.address);
      ge_events.push_back(&e);
    }
    if (age <= gf.window.count())
      if (auto g = group_of(e.terminal_id); !g.empty())
        by_group[g].insert(e.terminal_id);
  }
  if (addresses.size() >= ge.min_addresses && !ge_events.empty()) {
    if (open_ge_.empty()) {
      open_ge_ = "ge-" + std::to_string(ge_events.front()->at_ms / 1000);
      ge_formed_[open_ge_] = ge_events.front()->at_ms / 1000 * 1000;
    }
    for (const auto* e : ge_events)
      if (auto& c = ge_class_[e->terminal_id]; c != open_ge_) {
        c = open_ge_;
        new_[e->terminal_id].terminal_id = e->terminal_id;
        new_[e->terminal_id].disconnect_class = c;
        new_[e->terminal_id].clear_disconnect = false;
      }
  } else {
    open_ge_.clear(); // the next burst is a new class
  }
  for (const auto& [g, ts] : by_group) {
    auto size = group_sizes.find(g);
    if (size == group_sizes.end() || size->second < gf.min_terminals
        || static_cast<double>(ts.size())
             < gf.share * static_cast<double>(size->second))
      continue;
    auto formed = failing_.emplace(g, now).first->second;
    for (const auto& id : ts)
      if (auto& c = gf_class_[id]; c != g) {
        c = g;
        new_[id].terminal_id = id;
        new_[id].failure_class = g;
        new_[id].failure_formed_ms = formed;
        new_[id].clear_failure = false;
      }
  }
}

void disconnect_tracker::load(const membership& m, int64_t now) {
  if (!m.disconnect_class.empty()) {
    ge_class_[m.terminal_id] = m.disconnect_class;
    ge_formed_.emplace(m.disconnect_class, ge_class_formed(m.disconnect_class));
  }
  if (!m.failure_class.empty()) {
    gf_class_[m.terminal_id] = m.failure_class;
    auto& formed = failing_.emplace(m.failure_class, 0).first->second;
    auto at = m.failure_formed_ms > 0 ? m.failure_formed_ms : now;
    formed = formed == 0 ? at : std::min(formed, at);
  }
}

size_t disconnect_tracker::expire(int64_t now) {
  auto ttl = rules_.class_ttl.count();
  if (ttl <= 0)
    return 0;
  std::unordered_set<std::string> ge;
  std::unordered_set<std::string> gf;
  for (const auto& [name, formed] : ge_formed_)
    if (formed + ttl <= now) // a name without a time (0) expires too
      ge.insert(name);
  for (const auto& [value, formed] : failing_)
    if (formed + ttl <= now)
      gf.insert(value);
  return ge.empty() && gf.empty() ? 0 : end_classes(ge, gf);
}

std::optional<size_t> disconnect_tracker::clear(const std::string& name) {
  std::unordered_set<std::string> ge;
  std::unordered_set<std::string> gf;
  if (ge_formed_.count(name) > 0)
    ge.insert(name);
  if (failing_.count(name) > 0)
    gf.insert(name);
  if (ge.empty() && gf.empty())
    return std::nullopt;
  return end_classes(ge, gf);
}

int64_t disconnect_tracker::formed_at(const std::string& name) const {
  if (auto i = ge_formed_.find(name); i != ge_formed_.end())
    return i->second;
  auto i = failing_.find(name);
  return i == failing_.end() ? 0 : i->second;
}

size_t
disconnect_tracker::end_classes(const std::unordered_set<std::string>& ge,
                                const std::unordered_set<std::string>& gf) {
  std::unordered_set<std::string> members;
  for (auto i = ge_class_.begin(); i != ge_class_.end();)
    if (ge.count(i->second) > 0) {
      members.insert(i->first);
      auto& m = new_[i->first];
      m.terminal_id = i->first;
      m.disconnect_class.clear();
      m.clear_disconnect = true;
      i = ge_class_.erase(i);
    } else {
      ++i;
    }
  for (auto i = gf_class_.begin(); i != gf_class_.end();)
    if (gf.count(i->second) > 0) {
      members.insert(i->first);
      auto& m = new_[i->first];
      m.terminal_id = i->first;
      m.failure_class.clear();
      m.clear_failure = true;
      i = gf_class_.erase(i);
    } else {
      ++i;
    }
  for (const auto& name : ge) {
    ge_formed_.erase(name);
    if (open_ge_ == name)
      open_ge_.clear();
  }
  for (const auto& value : gf)
    failing_.erase(value);
  // Their events would form the class again while still in the windows
  // (and after a restart: the stored ones go too, and only they).
  events_.erase(std::remove_if(events_.begin(), events_.end(),
                               [this, &members](const disconnect_event& e) {
                                 if (members.count(e.terminal_id) == 0)
                                   return false;
                                 ended_.push_back(e);
                                 return true;
                               }),
                events_.end());
  return members.size();
}

std::string stored_failure_class(const std::string& value, int64_t formed_ms) {
  return formed_ms <= 0 ? value
                        : value + "@" + std::to_string(formed_ms / 1000);
}

std::pair<std::string, int64_t>
parse_stored_failure_class(const std::string& stored) {
  auto at = stored.rfind('@');
  if (at == std::string::npos || at + 1 == stored.size()
      || stored.find_first_not_of("0123456789", at + 1) != std::string::npos
      || stored.size() - at > 16)
    return {stored, 0};
  return {stored.substr(0, at), std::stoll(stored.substr(at + 1)) * 1000};
}

int64_t ge_class_formed(const std::string& name) {
  if (name.size() < 4 || name.size() > 19 || name.compare(0, 3, "ge-") != 0
      || name.find_first_not_of("0123456789", 3) != std::string::npos)
    return 0;
  return std::stoll(name.substr(3)) * 1000;
}

std::vector<disconnect_tracker::membership> disconnect_tracker::take_new() {
  std::vector<membership> out;
  out.reserve(new_.size());
  for (auto& [id, m] : new_)
    out.push_back(std::move(m));
  new_.clear();
  return out;
}

std::map<std::string, std::string>
computed_items(const terminal_record& facts, const label_inputs& in,
               const disconnect_tracker& tracker,
               const std::vector<std::string>& items, int64_t now) {
  const auto& rules = tracker.rules();
  api_history none;
  const auto& h = in.history != nullptr ? *in.history : none;
  std::map<std::string, std::string> out;
  for (const auto& item : items) {
    if (item == "print_frequency") // GB: NP, pages per day
      out[item] = frequency_group(per_day(h.pages, facts.registered_at_ms, now),
                                  rules.print_frequency);
    else if (item == "api_call_frequency") // GC: F1, calls per day
      out[item] = frequency_group(per_day(h.calls, facts.registered_at_ms, now),
                                  rules.api_call_frequency);
    else if (item == "api_error_frequency") // GD: FE, failures per day
      out[item]
        = frequency_group(per_day(h.errors, facts.registered_at_ms, now),
                          rules.api_error_frequency);
    else if (item == "user_usage_frequency" && !facts.users.empty())
      out[item] = frequency_group(in.user_jobs, rules.user_usage_frequency);
    else if (item == "disconnect_group") {
      auto c = tracker.disconnect_class(facts.terminal_id);
      if (!c.empty() || !in.address.empty())
        out[item] = c.empty() ? "none" : c;
    } else if (item == "failure_group") {
      auto g = fact_of(facts, rules.failure_group.group_by);
      if (!g.empty())
        out[item] = tracker.failing_group(g) ? g : "none";
    }
  }
  return out;
}

terminal_record with_computed(terminal_record facts,
                              const std::map<std::string, std::string>& c) {
  for (const auto& [k, v] : c)
    facts.attributes[k] = v;
  return facts;
}

} // namespace tether
