// selector under the deterministic fixture: it labels a device's facts with
// the label items in use, and a new label configuration (put by the control
// after it stored it) applies to the next selection.
#include "actors/selector/selector.hpp"
#include "tests/actors/support/actor_fixture.hpp"

namespace tether::actor_test {
namespace {

using items_t = std::vector<std::string>;
using label_items = std::map<std::string, std::string>;

class SelectorFlow : public ActorFlow {
protected:
  SelectorFlow() {
    selector_h = own(sys.spawn(selector, items_t{"region", "model"}));
    sched.run();
  }

  std::optional<assigned_label> select(const terminal_record& facts) {
    auto out = ask<assigned_label>(selector_h, select_atom::value, facts);
    sched.run();
    EXPECT_TRUE(out->value) << sys.render(out->error);
    return out->value;
  }

  std::optional<items_t> items() {
    auto out = ask<items_t>(selector_h, get_atom::value, label_atom::value);
    sched.run();
    return out->value;
  }

  selector_actor selector_h;
};

TEST_F(SelectorFlow, LabelsTheFactsWithTheItemsInUse) {
  EXPECT_EQ(items(), (items_t{"region", "model"}));
  auto facts = device_facts("T1", "GG1", "GJ2");
  facts.firmware = "1.4.2";
  facts.attributes = {{"service", "print"}};
  auto label = select(facts);
  ASSERT_TRUE(label);
  EXPECT_EQ(label->items, (label_items{{"region", "GG1"}, {"model", "GJ2"}}))
    << "only the items in use";
  // An empty fact is no item.
  label = select(device_facts("T2", "GG2", ""));
  ASSERT_TRUE(label);
  EXPECT_EQ(label->items, (label_items{{"region", "GG2"}}));
}

TEST_F(SelectorFlow, NewLabelConfigurationAppliesToTheNextSelection) {
  auto put = ask<items_t>(selector_h, put_atom::value, label_atom::value,
                          items_t{"region", "service", "user"});
  sched.run();
  ASSERT_TRUE(put->value) << sys.render(put->error);
  EXPECT_EQ(*put->value, (items_t{"region", "service", "user"}));
  EXPECT_EQ(items(), (items_t{"region", "service", "user"}));
  auto facts = device_facts("T1", "GG1", "GJ2");
  facts.attributes = {{"service", "scan"}};
  facts.users = {"u7", "u8"};
  auto label = select(facts);
  ASSERT_TRUE(label);
  EXPECT_EQ(
    label->items,
    (label_items{{"region", "GG1"}, {"service", "scan"}, {"user", "u7"}}))
    << "model is no longer in use; the first linked user is";
}

} // namespace
} // namespace tether::actor_test
