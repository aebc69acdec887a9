// fan_out: asks several actors the same question and collects every answer
// (or nothing, for those that failed or timed out) before calling `done`.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include <caf/error.hpp>

namespace tether {

template <class Result, class Self, class Handle, class Done, class... Ts>
void fan_out(Self* self, const std::vector<Handle>& targets,
             std::chrono::milliseconds timeout, Done done, const Ts&... xs) {
  struct gather {
    std::vector<std::optional<Result>> results;
    size_t pending;
    Done done;
  };
  auto g = std::make_shared<gather>(
    gather{std::vector<std::optional<Result>>(targets.size()), targets.size(),
           std::move(done)});
  if (targets.empty()) {
    g->done(std::move(g->results));
    return;
  }
  for (size_t i = 0; i < targets.size(); ++i) {
    self->request(targets[i], timeout, xs...)
      .then(
        [g, i](Result& r) {
          g->results[i] = std::move(r);
          if (--g->pending == 0)
            g->done(std::move(g->results));
        },
        [g](caf::error&) {
          if (--g->pending == 0)
            g->done(std::move(g->results));
        });
  }
}

} // namespace tether
