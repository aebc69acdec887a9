// JSON log lines (tetherd --log-format json): one object a line with
// time (RFC 3339, UTC, milliseconds), level, role (the module's logger
// name: gateway, control, balancer, ...), process (the topology's process
// name), message, and terminal_id when the message names one as
// "terminal <id>" (docs/OPERATORS.md "Logs").
#pragma once

#include <memory>
#include <string>

#include <spdlog/formatter.h>

namespace tether {

class json_log_formatter final : public spdlog::formatter {
public:
  explicit json_log_formatter(std::string process)
      : process_(std::move(process)) {}
  void format(const spdlog::details::log_msg& msg,
              spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<json_log_formatter>(process_);
  }

private:
  std::string process_;
};

/// Every logger, also those made later, writes JSON lines.
void use_json_logs(const std::string& process);

} // namespace tether
