// The control gathers /metrics from the store, the notifier and the
// balancers (through the cluster manager) at once: sources that never
// answer cost one request timeout together, not one each, and are named
// with tether_metrics_source_up 0 while the others' series arrive.
#include <memory>
#include <string>
#include <vector>

#include "actors/control/control.hpp"
#include "tests/actors/support/actor_fixture.hpp"

namespace tether::actor_test {
namespace {

using promises = std::vector<caf::response_promise>;

/// Takes every `get, metrics` and never answers (the promises are kept
/// alive by the test, so no broken-promise error answers for it).
caf::behavior silent_source(caf::event_based_actor* self,
                            std::shared_ptr<promises> kept) {
  return {
    [self, kept](get_atom, metrics_atom) {
      kept->push_back(self->make_response_promise());
      return kept->back();
    },
  };
}

double source_up(const std::vector<metric_series>& all,
                 const std::string& source) {
  for (const auto& s : all)
    if (s.name == "tether_metrics_source_up" && s.labels.count("source") > 0
        && s.labels.at("source") == source)
      return s.value;
  return -1;
}

class MetricsGather : public ActorFlow {};

TEST_F(MetricsGather, SilentSourcesCostOneTimeoutTogether) {
  auto kept = std::make_shared<promises>();
  auto store = own(spawn_fake<store_actor>(sys, silent_source, kept));
  auto manager
    = own(spawn_fake<cluster_manager_actor>(sys, silent_source, kept));
  auto sel
    = own(spawn_fake<selector_actor>(sys, fake_selector, assigned_label{}));
  control_settings cfg;
  auto ctrl = own(sys.spawn(control, cfg, control_snapshot{}, sel, manager,
                            store, http_poster_ptr{}));
  sched.run();
  auto out = ask<std::vector<metric_series>>(ctrl, get_atom::value,
                                             metrics_atom::value);
  sched.run();
  EXPECT_FALSE(out->done);
  EXPECT_EQ(kept->size(), 2u) << "both silent sources were asked at once";
  advance(cfg.request_timeout - std::chrono::milliseconds{100});
  EXPECT_FALSE(out->done);
  advance(std::chrono::milliseconds{100});
  ASSERT_TRUE(out->done) << "one timeout bounds the scrape";
  ASSERT_TRUE(out->value) << sys.render(out->error);
  EXPECT_EQ(source_up(*out->value, "store"), 0);
  EXPECT_EQ(source_up(*out->value, "balancers"), 0);
  EXPECT_EQ(source_up(*out->value, "notifier"), 1) << "the one that answers";
}

} // namespace
} // namespace tether::actor_test
