// port_hint: what an operator should do when a listener could not bind.
// CAF reports a busy caf_port only as "tcp socket creation failed"; after
// such a failure tetherd tries the address itself to say why, and what to
// do about it (docs/OPERATORS.md). Plain POSIX, no actor, no Asio.
#pragma once

#include <cstdint>
#include <string>

namespace tether::net {

/// "" when `host:port` can be bound now; else why not and what to do
/// ("port 17013 on 127.0.0.1 is in use by another process: ...").
std::string bind_problem(const std::string& host, uint16_t port);

} // namespace tether::net
