// A tiny HTTP server for tests that records the requests it receives (job
// callbacks) and answers each with the next status of a script (then 200).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace tether::test {

class callback_server {
public:
  /// Listens on 127.0.0.1, port chosen by the OS.
  explicit callback_server(std::vector<int> statuses = {});
  ~callback_server();

  std::string url(const std::string& path = "/callback") const;
  /// Bodies received so far.
  std::vector<std::string> bodies() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace tether::test
