// cluster_balancer's bulk deliver (actors/cluster_manager/bulk_deliver.hpp)
// with two real nodes under the deterministic fixture: one message with a
// bulk's jobs of this cluster, answered per job in order: '1' where the
// terminal's session got it (a job frame reached the device), '0' where the
// terminal holds no connection here.
#include "tests/actors/support/balancer_fixture.hpp"

namespace tether::actor_test {
namespace {

class BalancerBulkDeliver : public BalancerOnTwoNodes {
protected:
  BalancerBulkDeliver() { start_balancer({}); }

  static job_record job(const std::string& id, const std::string& terminal) {
    job_record j;
    j.job_id = id;
    j.terminal_id = terminal;
    j.service = "print";
    j.payload_json = "{}";
    j.created_at_ms = now_ms();
    return j;
  }

  static std::vector<std::string> job_frames(const fake_link& link) {
    std::vector<std::string> ids;
    for (const auto& text : link.sent)
      if (type_of(text) == "job")
        ids.emplace_back(parse(text).at("job_id").as_string());
    return ids;
  }
};

TEST_F(BalancerBulkDeliver, HandsEachJobToItsSessionAndAnswersPerJob) {
  mlog->clusters = {{"T1", "C1"}, {"T2", "C1"}};
  auto l1 = connect(1, "T1");
  auto l2 = connect(2, "T2");
  caf::anon_send(balancer, open_atom::value, uint64_t{1});
  caf::anon_send(balancer, open_atom::value, uint64_t{2});
  sched.run();
  auto out = ask<std::string>(
    balancer, deliver_atom::value,
    std::vector<job_record>{job("J1", "T1"), job("J2", "T3"), job("J3", "T2"),
                            job("J4", "T1")});
  sched.run();
  ASSERT_TRUE(out->value) << sys.render(out->error);
  EXPECT_EQ(*out->value, "1011") << "T3 holds no connection here";
  EXPECT_EQ(job_frames(*l1), (std::vector<std::string>{"J1", "J4"}));
  EXPECT_EQ(job_frames(*l2), (std::vector<std::string>{"J3"}));
}

TEST_F(BalancerBulkDeliver, NoConnectionAnswersQueuedForEveryJob) {
  auto out = ask<std::string>(
    balancer, deliver_atom::value,
    std::vector<job_record>{job("J1", "T1"), job("J2", "T2")});
  sched.run();
  ASSERT_TRUE(out->value) << sys.render(out->error);
  EXPECT_EQ(*out->value, "00");
}

} // namespace
} // namespace tether::actor_test
