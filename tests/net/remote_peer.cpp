// A peer process for the cross-process message test: publishes an echo
// actor (returns every message as it came) and a real selector on free
// ports, writes "<echo port> <selector port>" to the file named by argv[1],
// and runs until killed.
#include <fstream>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scheduled_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/selector/selector.hpp"

namespace {

caf::behavior echo(caf::event_based_actor* self) {
  self->set_default_handler(caf::reflect);
  return {[](int32_t x) {
    return x;
  }};
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2)
    return 2;
  caf::actor_system_config cfg;
  tether::register_types(cfg);
  cfg.load<caf::io::middleman>();
  caf::actor_system sys{cfg};
  auto e = sys.spawn(echo);
  auto s = sys.spawn(tether::selector,
                     std::vector<std::string>{"region", "model", "service"});
  auto p1 = sys.middleman().publish(e, 0, "127.0.0.1");
  auto p2 = sys.middleman().publish(s, 0, "127.0.0.1");
  if (!p1 || !p2)
    return 1;
  {
    std::ofstream out{std::string{argv[1]} + ".tmp"};
    out << *p1 << " " << *p2 << "\n";
  }
  std::rename((std::string{argv[1]} + ".tmp").c_str(), argv[1]);
  for (;;)
    std::this_thread::sleep_for(std::chrono::seconds{1});
}
