#include "tests/actors/support/actor_fixture.hpp"

#include <spdlog/spdlog.h>

#include "actors/cluster_manager/cluster_manager.hpp"
#include "storage/store.hpp"

namespace tether::actor_test {

json::value parse(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  EXPECT_FALSE(ec) << text;
  return v;
}

std::string type_of(const std::string& frame) {
  auto v = parse(frame);
  if (!v.is_object() || !v.as_object().contains("type"))
    return {};
  return std::string{v.at("type").as_string()};
}

std::vector<std::string>
balancer_log::frames_of_type(const std::string& type) const {
  std::vector<std::string> out;
  for (const auto& [conn, text] : to_dev)
    if (type_of(text) == type)
      out.push_back(text);
  return out;
}

caf::behavior fake_balancer(caf::event_based_actor*,
                            std::shared_ptr<balancer_log> log) {
  return {
    [log](to_dev_atom, uint64_t conn, std::string& text) {
      log->to_dev.emplace_back(conn, std::move(text));
    },
    [log](close_atom, uint64_t conn, uint16_t code, std::string& reason) {
      log->closes.emplace_back(conn, code, std::move(reason));
    },
    [log](deliver_atom, const job_record& job) {
      log->delivered.push_back(job);
      return log->deliver_answer;
    },
    [log](deliver_atom, const std::vector<job_record>& jobs) {
      log->delivered.insert(log->delivered.end(), jobs.begin(), jobs.end());
      ++log->bulk_delivers;
      return std::string(jobs.size(), log->deliver_answer ? '1' : '0');
    },
    [log](status_atom) { return log->status; },
    [log](put_atom, node_atom, const std::string& node,
          const std::string& state) {
      log->node_states.emplace_back(node, state);
    },
    [log](put_atom, node_atom, const std::string& node, uint32_t capacity,
          uint32_t weight) {
      log->tunings.emplace_back(node, capacity, weight);
    },
  };
}

void control_log::move(const session_moved& m) {
  moved.push_back({m.terminal_id, m.node_id, m.session.id(), {}, m.generation});
  if (m.service_key.empty())
    return;
  service_connections.emplace_back(
    m.terminal_id,
    services::connection_ids(m.service_key, m.service_names.empty()
                                              ? services::default_list()
                                              : m.service_names));
}

caf::behavior fake_control(caf::event_based_actor*,
                           std::shared_ptr<control_log> log) {
  return {
    [log](const job_update& u) { log->updates.push_back(u); },
    [log](open_atom, const std::string& t, const std::string& node,
          const terminal_session_actor& s, const std::string& address,
          uint64_t generation) {
      log->opened.push_back({t, node, s.id(), address, generation});
    },
    [log](move_atom, const session_moved& m) { log->move(m); },
    [log](move_atom, const std::vector<session_moved>& batch) {
      ++log->move_batches;
      for (const auto& m : batch)
        log->move(m);
    },
    [log](closed_atom, const std::string& t, const std::string& reason,
          const terminal_session_actor& s) {
      log->closed.push_back({t, reason, s.id()});
    },
    [log](svc_conn_atom, const std::string& t, const terminal_session_actor&,
          uint64_t key_hi, uint64_t key_lo,
          const std::vector<std::string>& names) {
      // The ids the control derives from the key (terminal_table::status_of)
      log->service_connections.emplace_back(
        t,
        services::connection_ids(
          {key_hi, key_lo}, names.empty() ? services::default_list() : names));
    },
    [log](callback_atom, const std::string& id, uint32_t posts, bool accepted) {
      log->callbacks.emplace_back(id, accepted);
      log->callback_posts.push_back(posts);
    },
  };
}

caf::behavior fake_store(caf::event_based_actor* self,
                         std::shared_ptr<store_log> log) {
  auto held
    = std::make_shared<std::vector<caf::typed_response_promise<ok_atom>>>();
  auto answer = [self, log, held]() -> caf::result<ok_atom> {
    switch (log->mode) {
    case store_log::fail:
      return make_error(errc::unavailable, "disk on fire");
    case store_log::hold:
      ++log->held;
      held->push_back(self->make_response_promise<ok_atom>());
      return held->back();
    case store_log::answer:
      break;
    }
    return ok_atom::value;
  };
  return {
    [log, answer](put_atom,
                  const terminal_record& rec) -> caf::result<ok_atom> {
      log->terminals.push_back(rec);
      return answer();
    },
    [self, log, answer](put_atom, const std::vector<job_record>& jobs,
                        uint64_t next_seq) -> caf::result<ok_atom> {
      log->job_puts.emplace_back(jobs, next_seq);
      log->job_puts_lazy.push_back(false);
      log->job_puts_urgent.push_back(
        self->current_mailbox_element()->mid.is_urgent_message());
      return answer();
    },
    [self, log,
     answer](put_atom, states_atom,
             const std::vector<job_record>& jobs) -> caf::result<ok_atom> {
      log->job_puts.emplace_back(jobs, 0);
      log->job_puts_lazy.push_back(true);
      log->job_puts_urgent.push_back(
        self->current_mailbox_element()->mid.is_urgent_message());
      return answer();
    },
    [log, answer](put_atom,
                  const std::vector<api_history>& hs) -> caf::result<ok_atom> {
      log->history_puts.push_back(hs);
      return answer();
    },
    [log, answer](put_atom, const std::vector<disconnect_event>& es,
                  int64_t drop_before) -> caf::result<ok_atom> {
      log->event_puts.emplace_back(es, drop_before);
      return answer();
    },
    [log, answer](put_atom,
                  const std::vector<call_record>& cs) -> caf::result<ok_atom> {
      log->calls.insert(log->calls.end(), cs.begin(), cs.end());
      return answer();
    },
    [log, answer](put_atom, const cluster_settings& s) -> caf::result<ok_atom> {
      log->cluster_puts.push_back(s);
      return answer();
    },
    [log, answer](put_atom, node_atom, const std::string& node,
                  const std::string& state) -> caf::result<ok_atom> {
      log->node_puts.emplace_back(node, state);
      return answer();
    },
    [](get_atom, job_atom, const std::string& id) -> caf::result<job_record> {
      return make_error(errc::not_found, "job " + id + " does not exist");
    },
    [log, answer](retire_atom, const std::string& id,
                  uint64_t generation) -> caf::result<ok_atom> {
      log->retired.emplace_back(id, generation);
      return answer();
    },
    [log, answer](retire_atom, const std::vector<disconnect_event>& es)
      -> caf::result<ok_atom> {
      log->event_deletes.push_back(es);
      return answer();
    },
    [log, held](release_atom) {
      for (auto& rp : *held)
        rp.deliver(ok_atom::value);
      held->clear();
      log->held = 0;
    },
  };
}

caf::behavior fake_selector(caf::event_based_actor*, assigned_label label) {
  return {
    [label](select_atom, const terminal_record&) { return label; },
    [label](get_atom, label_atom) {
      std::vector<std::string> items;
      for (const auto& [k, v] : label.items)
        items.push_back(k);
      return items;
    },
  };
}

caf::behavior fake_manager(caf::event_based_actor* self,
                           std::shared_ptr<manager_log> log) {
  return {
    [log](assign_atom, const terminal_record& rec, const assigned_label&) {
      log->assigned.push_back(rec);
      return destination{.terminal_id = rec.terminal_id,
                         .cluster_id = "C1",
                         .cluster_urls = {"ws://c1/v1/connect"},
                         .token = "",
                         .keepalive_s = 30};
    },
    [log](lookup_atom, const std::string& t) -> caf::result<std::string> {
      if (auto i = log->clusters.find(t); i != log->clusters.end())
        return i->second;
      return make_error(errc::not_found,
                        "terminal " + t + " is not registered");
    },
    [self, log](admit_atom, const std::string& t,
                bool) -> caf::result<admission> {
      if (log->silent) {
        log->held.emplace_back(t, self->make_response_promise());
        return caf::delegated<admission>{};
      }
      if (log->unavailable)
        return make_error(errc::unavailable, "the cluster manager is busy");
      if (auto i = log->clusters.find(t); i != log->clusters.end()) {
        auto sv = log->services.find(t);
        return admission{i->second,
                         {},
                         {},
                         sv == log->services.end() ? std::vector<std::string>{}
                                                   : sv->second};
      }
      return make_error(errc::not_found,
                        "terminal " + t + " is not registered");
    },
    [log](release_atom) {
      for (auto& [terminal, rp] : log->held)
        rp.deliver(admission{log->clusters[terminal], {}, {}, {}});
      log->held.clear();
    },
    [log](deliver_atom, const job_record& j) {
      log->delivered.push_back(j);
      return false;
    },
    [log](deliver_atom, const std::vector<job_record>& jobs) {
      log->delivered.insert(log->delivered.end(), jobs.begin(), jobs.end());
      ++log->bulk_delivers;
      return std::string(jobs.size(), '0');
    },
    [](status_atom) { return std::vector<cluster_status>{}; },
    [](join_atom, const balancer_info&) {},
    [log](retire_atom, const std::string& t) {
      log->retired.push_back(t);
      return ok_atom::value;
    },
    // re-allocation: every terminal asked about moves (to C2)
    [](realloc_atom, const realloc_plan& plan) { return plan.terminal_ids; },
    [log](move_atom, const terminal_record& rec, const assigned_label&,
          uint32_t) {
      log->moves.push_back(rec.terminal_id);
      destination d;
      d.terminal_id = rec.terminal_id;
      d.cluster_id = "C2";
      return d;
    },
  };
}

caf::behavior fake_session(caf::event_based_actor*,
                           std::shared_ptr<session_log> log) {
  return {
    [log](deliver_atom, const job_record& j) { log->delivered.push_back(j); },
    [log](closed_atom, const std::string& reason) {
      log->closed.push_back(reason);
    },
    [log](cancel_atom, const std::string& job_id) {
      log->canceled.push_back(job_id);
    },
    [log](close_atom, uint16_t code, const std::string& reason) {
      log->closes.emplace_back(code, reason);
    },
  };
}

job_record job_request(const std::string& terminal) {
  job_record r;
  r.terminal_id = terminal;
  r.service = "print";
  r.payload_json = R"({"doc":"x"})";
  return r;
}

job_record stored_job(uint64_t seq, const std::string& terminal,
                      const std::string& status) {
  auto j = job_request(terminal);
  j.job_id = storage::store::job_id_for(seq);
  j.status = status;
  j.created_at_ms = j.updated_at_ms = 1000 + static_cast<int64_t>(seq);
  return j;
}

terminal_record device_facts(const std::string& id, const std::string& region,
                             const std::string& model) {
  terminal_record t;
  t.terminal_id = id;
  t.region = region;
  t.model = model;
  return t;
}

config::topology default_topology() {
  auto parsed
    = config::parse_topology(config::default_topology_toml(), "default");
  EXPECT_TRUE(parsed.value);
  return *parsed.value;
}

namespace {

caf::actor_system_config& testing_config(caf::actor_system_config& cfg) {
  register_types(cfg);
  cfg.set("scheduler.policy", caf::atom("testing"));
  return cfg;
}

} // namespace

ActorFlow::ActorFlow()
    : sys{testing_config(cfg)},
      sched{dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())} {
  spdlog::set_level(spdlog::level::off);
  // A failing test may leave an actor waiting; never hang at shutdown.
  sys.await_actors_before_shutdown(false);
}

ActorFlow::~ActorFlow() {
  stop_owned();
}

void ActorFlow::stop_owned() {
  for (auto& a : owned)
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  owned.clear();
  sched.run();
}

std::shared_ptr<outcome<terminal_status>>
ActorFlow::terminal_of(const control_actor& control,
                       const std::string& terminal) {
  auto out = ask<terminal_status>(control, get_atom::value,
                                  terminal_atom::value, terminal);
  sched.run();
  return out;
}

cluster_manager_actor ActorFlow::spawn_manager(
  const config::topology& topo, const store_actor& store,
  std::map<std::string, std::shared_ptr<balancer_log>>* logs,
  const storage::admin_settings& admin) {
  auto manager = own(sys.spawn(cluster_manager, topo,
                               std::vector<terminal_record>{}, store, admin));
  for (auto [cluster, url] :
       {std::pair{"C1", "ws://127.0.0.1:9101/v1/connect"},
        std::pair{"C2", "ws://127.0.0.1:9201/v1/connect"}}) {
    auto log = std::make_shared<balancer_log>();
    if (logs != nullptr)
      (*logs)[cluster] = log;
    auto b = own(spawn_fake<cluster_balancer_actor>(sys, fake_balancer, log));
    caf::anon_send(
      manager, join_atom::value,
      balancer_info{std::string{cluster} + "-b1", cluster, url, b});
  }
  return manager;
}

void ActorFlow::release(const store_actor& store) {
  caf::anon_send(caf::actor_cast<caf::actor>(store), release_atom::value);
  sched.run();
}

void ActorFlow::advance(caf::timespan d) {
  sched.advance_time(d);
  sched.run();
}

} // namespace tether::actor_test
