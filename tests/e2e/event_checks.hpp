// Checks on GET /v1/admin/events streams shared by the end-to-end tests
// (events_test, events_class_test): past the first reading, and the ids
// of the events read.
#pragma once

#include <string>

#include "tests/e2e/e2e.hpp"
#include "tests/e2e/event_reader.hpp"

namespace tether::test {

/// The first round of readings is the baseline (no events): changes the
/// weight of `cluster`'s first node until the change shows on `events`, so that
/// later changes are reported; that node's id.
inline std::string past_the_baseline(const tetherd_process& d,
                                     event_reader& events,
                                     const std::string& cluster = "C1") {
  using namespace std::chrono_literals;
  auto node = cluster_view(d.http(), cluster).at("nodes").as_array().at(0);
  auto node_id = str_at(node, "node_id");
  int weight = 1;
  EXPECT_TRUE(eventually(
    [&] {
      weight = weight == 2 ? 3 : 2;
      auto w = std::to_string(weight);
      auto mark = events.received.size();
      http_call(d.http(), "PUT", "/v1/admin/nodes/" + node_id,
                R"({"weight":)" + w + "}");
      return events.wait_for("\"weight\":" + w + "}", 1500ms, mark);
    },
    20s))
    << events.received;
  return node_id;
}

/// The id of the last event in `text` (empty: none).
inline std::string last_id(const std::string& text) {
  auto at = text.rfind("\nid: ");
  if (at == std::string::npos)
    return {};
  at += 5;
  return text.substr(at, text.find('\n', at) - at);
}

/// The id of the event in `text` whose block holds `what` (empty: none).
inline std::string id_of(const std::string& text, const std::string& what) {
  auto at = text.find(what);
  at = at == std::string::npos ? at : text.rfind("id: ", at);
  if (at == std::string::npos)
    return {};
  at += 4;
  return text.substr(at, text.find('\n', at) - at);
}

} // namespace tether::test
