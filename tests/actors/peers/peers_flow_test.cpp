// peers and the process directory under the deterministic fixture. What can
// be driven without sockets: the directory a process publishes, a peers
// actor with no peer to reach, and the reconnect backoff. Reaching a real
// peer process (connect, directory, reconnect after it went away) is covered
// by tests/e2e/multiprocess_test.cpp and tests/net/remote_messages_test.cpp.
#include "actors/peers/peers.hpp"
#include "tests/actors/support/actor_fixture.hpp"

namespace tether::actor_test {
namespace {

class PeersFlow : public ActorFlow {};

TEST_F(PeersFlow, ProcessDirectoryAnswersWhatTheProcessHosts) {
  auto clog = std::make_shared<control_log>();
  peer_directory dir;
  dir.process = "control";
  dir.control = own(spawn_fake<control_actor>(sys, fake_control, clog));
  auto proc = own(sys.spawn(process_directory, dir, peers_actor{}));
  auto got = ask<peer_directory>(proc, get_atom::value, peer_atom::value);
  sched.run();
  ASSERT_TRUE(got->value) << sys.render(got->error);
  EXPECT_EQ(got->value->process, "control");
  EXPECT_EQ(got->value->control, dir.control);
  EXPECT_FALSE(got->value->manager) << "a role the process lacks is null";
  EXPECT_TRUE(got->value->nodes.empty());
  EXPECT_TRUE(got->value->balancers.empty());
}

TEST_F(PeersFlow, WithoutPeersThereIsNothingToReachOrTell) {
  peers_settings ps;
  ps.self_name = "all";
  auto p = own(sys.spawn(peers, ps));
  sched.run();
  auto status
    = ask<std::vector<peer_status>>(p, get_atom::value, peer_atom::value);
  sched.run();
  ASSERT_TRUE(status->value) << sys.render(status->error);
  EXPECT_TRUE(status->value->empty());
  // A subscriber that joins gets no directory (none was seen) and the
  // peers actor stays put; a tick for an unknown peer is ignored.
  auto seen = std::make_shared<std::vector<std::string>>();
  auto subscriber = own(sys.spawn([seen](caf::event_based_actor*) {
    return caf::behavior{[seen](peer_atom, const peer_directory& dir) {
      seen->push_back(dir.process);
    }};
  }));
  caf::anon_send(p, join_atom::value, subscriber);
  caf::anon_send(p, tick_atom::value, std::string{"nobody"});
  sched.run();
  EXPECT_TRUE(seen->empty());
  status = ask<std::vector<peer_status>>(p, get_atom::value, peer_atom::value);
  sched.run();
  ASSERT_TRUE(status->value);
  EXPECT_TRUE(status->value->empty());
}

// The accepting side of a pair (config/dial_plan.hpp): a dialer's
// announcement through the process directory makes it reachable and goes
// to the subscribers; one from a process that is not expected to dial is
// ignored; when the dialer's actor goes away, the peer is unreachable and
// nothing is dialed (it dials again).
TEST_F(PeersFlow, AnAcceptedPeerIsReachableOnceItAnnouncesItself) {
  peers_settings ps;
  ps.self_name = "control";
  ps.targets.push_back({"b", "127.0.0.1", 17001, false, {}, 0});
  ps.targets.push_back({"n", "127.0.0.1", 17002, true, {}, 0});
  auto p = own(sys.spawn(peers, ps));
  peer_directory mine;
  mine.process = "control";
  auto proc = own(sys.spawn(process_directory, mine, p));
  auto seen = std::make_shared<std::vector<std::string>>();
  auto subscriber = own(sys.spawn([seen](caf::event_based_actor*) {
    return caf::behavior{[seen](peer_atom, const peer_directory& dir) {
      seen->push_back(dir.process);
    }};
  }));
  caf::anon_send(p, join_atom::value, subscriber);
  auto dialer = sys.spawn([](caf::event_based_actor*) {
    return caf::behavior{[](int) {
    }};
  });
  auto announce = [&](const std::string& name) {
    peer_directory theirs;
    theirs.process = name;
    auto got = ask<peer_directory>(proc, get_atom::value, peer_atom::value,
                                   theirs, dialer);
    sched.run();
    ASSERT_TRUE(got->value) << sys.render(got->error);
    EXPECT_EQ(got->value->process, "control");
  };
  announce("n");        // dialed by this process: not an announcer
  announce("intruder"); // not a peer at all
  EXPECT_TRUE(seen->empty());
  announce("b");
  EXPECT_EQ(*seen, std::vector<std::string>{"b"});
  auto status = [&] {
    auto s
      = ask<std::vector<peer_status>>(p, get_atom::value, peer_atom::value);
    sched.run();
    return s->value ? *s->value : std::vector<peer_status>{};
  };
  auto st = status();
  ASSERT_EQ(st.size(), 2u);
  EXPECT_TRUE(st[0].reachable);
  EXPECT_FALSE(st[1].reachable);
  caf::anon_send_exit(dialer, caf::exit_reason::kill);
  sched.run();
  st = status();
  ASSERT_EQ(st.size(), 2u);
  EXPECT_FALSE(st[0].reachable);
  EXPECT_NE(st[0].last_error.find("waiting for it to dial again"),
            std::string::npos)
    << st[0].last_error;
}

TEST(PeersBackoff, DoublesPerFailureUpToTheCapWithJitter) {
  peers_state st;
  st.cfg.reconnect_min = 200ms;
  st.cfg.reconnect_max = 5s;
  st.rng.seed(7);
  for (int round = 0; round < 50; ++round) {
    // Scaled by a factor in [0.5, 1]: never above the doubled value, never
    // below half of it.
    auto first = st.backoff(0);
    EXPECT_GE(first, 100ms);
    EXPECT_LE(first, 200ms);
    auto third = st.backoff(2);
    EXPECT_GE(third, 400ms);
    EXPECT_LE(third, 800ms);
    auto capped = st.backoff(30);
    EXPECT_GE(capped, 2500ms);
    EXPECT_LE(capped, 5s);
  }
}

TEST(PeersBackoff, FindsPeersByProcessName) {
  peers_state st;
  st.peers.resize(2);
  st.peers[0].target.process = "control";
  st.peers[1].target.process = "cluster-1";
  ASSERT_NE(st.find("cluster-1"), nullptr);
  EXPECT_EQ(st.find("cluster-1"), &st.peers[1]);
  EXPECT_EQ(st.find("cluster-9"), nullptr);
}

} // namespace
} // namespace tether::actor_test
